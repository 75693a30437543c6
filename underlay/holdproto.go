package underlay

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"time"
)

// The membership holder's protocol: one request and one reply per
// connection on its unix socket, each a single line of JSON. The holder
// trusts nothing it reads: sizes are bounded, unknown fields and operations
// are refused, and every address is checked before anything is joined.

// Holder operations.
const (
	HoldHello = "hello" // report the holder's state
	HoldSet   = "set"   // make the joined groups exactly Groups and renew the lease
	HoldLeave = "leave" // leave every group and exit
)

// Bounds on what the holder accepts.
const (
	MaxHoldMessage = 64 << 10 // bytes in one request or reply line
	MaxHoldGroups  = 4096     // groups in one set request
	MinHoldLease   = time.Minute
	MaxHoldLease   = 30 * 24 * time.Hour
)

// HoldRequest is one request to the membership holder.
type HoldRequest struct {
	Op string `json:"op"`
	// Local is the VTEP address the groups are joined on (set only).
	Local string `json:"local,omitempty"`
	// Groups are the wanted groups, exactly (set only; none leaves all).
	Groups []string `json:"groups,omitempty"`
	// LeaseSeconds is how long the holder keeps the groups without hearing
	// from vtepd again (set only).
	LeaseSeconds int64 `json:"lease_seconds,omitempty"`
}

// HoldReply is the holder's answer.
type HoldReply struct {
	Pid    int      `json:"pid"`
	Local  string   `json:"local"`
	Groups []string `json:"groups"` // joined now, sorted
	Error  string   `json:"error,omitempty"`
}

// holdCommand is a validated request.
type holdCommand struct {
	op     string
	local  net.IP
	groups []net.IP
	lease  time.Duration
}

// EncodeHoldRequest returns a request as one line.
func EncodeHoldRequest(r HoldRequest) ([]byte, error) {
	if _, err := validateHoldRequest(r); err != nil {
		return nil, err
	}
	return encodeLine(r)
}

// decodeHoldRequest reads and validates one request line.
func decodeHoldRequest(r io.Reader) (holdCommand, error) {
	var req HoldRequest
	if err := decodeLine(r, &req); err != nil {
		return holdCommand{}, fmt.Errorf("hold request: %w", err)
	}
	return validateHoldRequest(req)
}

// DecodeHoldReply reads one reply line.
func DecodeHoldReply(r io.Reader) (HoldReply, error) {
	var rep HoldReply
	if err := decodeLine(r, &rep); err != nil {
		return rep, fmt.Errorf("hold reply: %w", err)
	}
	if len(rep.Groups) > MaxHoldGroups {
		return rep, fmt.Errorf("hold reply: %d groups, at most %d", len(rep.Groups), MaxHoldGroups)
	}
	return rep, nil
}

func encodeLine(v any) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	if len(b)+1 > MaxHoldMessage {
		return nil, fmt.Errorf("message of %d bytes, at most %d", len(b)+1, MaxHoldMessage)
	}
	return append(b, '\n'), nil
}

// decodeLine reads one newline-terminated JSON object of at most
// MaxHoldMessage bytes into v, refusing unknown fields and trailing data.
func decodeLine(r io.Reader, v any) error {
	br := bufio.NewReaderSize(io.LimitReader(r, MaxHoldMessage), 4096)
	line, err := br.ReadBytes('\n')
	if err != nil {
		if errors.Is(err, io.EOF) {
			return fmt.Errorf("no complete line within %d bytes", MaxHoldMessage)
		}
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(line))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("bad JSON: %w", err)
	}
	if dec.More() {
		return errors.New("trailing data after the JSON object")
	}
	return nil
}

func validateHoldRequest(r HoldRequest) (holdCommand, error) {
	c := holdCommand{op: r.Op}
	switch r.Op {
	case HoldHello, HoldLeave:
		if r.Local != "" || len(r.Groups) > 0 || r.LeaseSeconds != 0 {
			return c, fmt.Errorf("hold request %q: takes no local, groups or lease", r.Op)
		}
		return c, nil
	case HoldSet:
	default:
		return c, fmt.Errorf("hold request: unknown op %q", r.Op)
	}
	local, err := netip.ParseAddr(r.Local)
	if err != nil || !local.Is4() || local.IsMulticast() || local.IsUnspecified() || local == netip.AddrFrom4([4]byte{255, 255, 255, 255}) {
		return c, fmt.Errorf("hold request: local %q is not an IPv4 unicast address", r.Local)
	}
	c.local = local.AsSlice()
	c.lease = time.Duration(r.LeaseSeconds) * time.Second
	if r.LeaseSeconds <= 0 || r.LeaseSeconds > int64(MaxHoldLease/time.Second) || c.lease < MinHoldLease {
		return c, fmt.Errorf("hold request: lease of %d s, want %v to %v", r.LeaseSeconds, MinHoldLease, MaxHoldLease)
	}
	if len(r.Groups) > MaxHoldGroups {
		return c, fmt.Errorf("hold request: %d groups, at most %d", len(r.Groups), MaxHoldGroups)
	}
	seen := map[netip.Addr]bool{}
	for _, s := range r.Groups {
		g, err := netip.ParseAddr(s)
		if err != nil || !g.Is4() || !g.IsMulticast() {
			return c, fmt.Errorf("hold request: group %q is not an IPv4 multicast address", s)
		}
		if g.IsLinkLocalMulticast() {
			return c, fmt.Errorf("hold request: group %s is link-local (224.0.0.0/24), never joined", g)
		}
		if seen[g] {
			return c, fmt.Errorf("hold request: group %s listed twice", g)
		}
		seen[g] = true
		c.groups = append(c.groups, g.AsSlice())
	}
	return c, nil
}
