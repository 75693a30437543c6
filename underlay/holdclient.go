package underlay

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/sirupsen/logrus"
)

// HoldSubcommand is the hidden vtepd subcommand that runs the membership
// holder: vtepd hold-groups -socket S -pidfile P -local IP -lease D.
const HoldSubcommand = "hold-groups"

// holdTimeout bounds one request to the holder.
const holdTimeout = 5 * time.Second

// HolderClient is vtepd's side of the membership holder. It has
// Membership's methods, so the agent uses either.
type HolderClient struct {
	Files HolderFiles
	Local net.IP
	Lease time.Duration
	// LeaveOnClose makes Close tell the holder to leave every group and
	// exit; without it Close leaves the holder (and the memberships) as
	// they are, for the next vtepd to adopt.
	LeaveOnClose bool

	mu     sync.Mutex
	groups []net.IP
	pid    int
}

// Request sends one request to the holder at socket and returns its reply.
func Request(ctx context.Context, socket string, req HoldRequest) (HoldReply, error) {
	b, err := EncodeHoldRequest(req)
	if err != nil {
		return HoldReply{}, err
	}
	ctx, cancel := context.WithTimeout(ctx, holdTimeout)
	defer cancel()
	var d net.Dialer
	c, err := d.DialContext(ctx, "unix", socket)
	if err != nil {
		return HoldReply{}, fmt.Errorf("%w at %s: %w", errHolderGone, socket, err)
	}
	defer c.Close()
	if dl, ok := ctx.Deadline(); ok {
		_ = c.SetDeadline(dl)
	}
	if _, err := c.Write(b); err != nil {
		return HoldReply{}, fmt.Errorf("membership holder %s: send %s: %w", socket, req.Op, err)
	}
	rep, err := DecodeHoldReply(c)
	if err != nil {
		return rep, fmt.Errorf("membership holder %s: %s: %w", socket, req.Op, err)
	}
	if rep.Error != "" {
		return rep, fmt.Errorf("membership holder %s (pid %d): %s: %s", socket, rep.Pid, req.Op, rep.Error)
	}
	return rep, nil
}

// AdoptOrStartHolder returns a client of the holder serving c.Files: the
// running one when it joins on c.Local (a restarted vtepd adopts it, and
// the memberships never lapse), else a new one started as
// exe HoldSubcommand ..., detached from the caller (its own session, its
// output in c.Files.Log), in the caller's network namespace. The caller
// must make sure no other vtepd starts a holder for the same files at the
// same time (vtepd holds its run directory's lock). It reports whether it
// adopted a running holder.
func AdoptOrStartHolder(ctx context.Context, c *HolderClient, exe string) (adopted bool, err error) {
	rep, err := Request(ctx, c.Files.Socket, HoldRequest{Op: HoldHello})
	switch {
	case err == nil && rep.Local == c.Local.String():
		c.remember(rep)
		return true, nil
	case err == nil:
		// A holder for another VTEP address: it goes, a new one comes.
		if _, err := Request(ctx, c.Files.Socket, HoldRequest{Op: HoldLeave}); err != nil {
			return false, err
		}
	case !errors.Is(err, errHolderGone):
		return false, err
	}
	if err := startHolder(ctx, c, exe); err != nil {
		return false, err
	}
	rep, err = Request(ctx, c.Files.Socket, HoldRequest{Op: HoldHello})
	if err != nil {
		return false, err
	}
	c.remember(rep)
	return false, nil
}

// startHolder starts the holder process and waits until it serves: it
// writes "ok" (or why it cannot) to a pipe it inherits as fd 3.
func startHolder(ctx context.Context, c *HolderClient, exe string) error {
	logf, err := os.OpenFile(c.Files.Log, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("membership holder: open log: %w", err)
	}
	defer logf.Close()
	pr, pw, err := os.Pipe()
	if err != nil {
		return fmt.Errorf("membership holder: %w", err)
	}
	defer pr.Close()
	// Not CommandContext: the holder must outlive ctx and vtepd.
	cmd := exec.Command(exe, HoldSubcommand, "-socket", c.Files.Socket, "-pidfile", c.Files.Pidfile,
		"-local", c.Local.String(), "-lease", c.Lease.String(), "-ready-fd", "3")
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.ExtraFiles = []*os.File{pw}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	err = cmd.Start()
	pw.Close()
	if err != nil {
		return fmt.Errorf("membership holder: start %s: %w", exe, err)
	}
	// Reaped here while vtepd runs; by init after vtepd exits.
	go func() { _ = cmd.Wait() }()
	line := make(chan string, 1)
	go func() {
		s, _ := bufio.NewReader(pr).ReadString('\n')
		line <- strings.TrimSpace(s)
	}()
	select {
	case <-ctx.Done():
		return fmt.Errorf("membership holder (pid %d): waiting for it to serve: %w", cmd.Process.Pid, ctx.Err())
	case s := <-line:
		if s != "ok" {
			if s == "" {
				s = "exited without a word; see " + c.Files.Log
			}
			return fmt.Errorf("membership holder (pid %d) did not start: %s", cmd.Process.Pid, s)
		}
	}
	logrus.WithFields(logrus.Fields{"pid": cmd.Process.Pid, "socket": c.Files.Socket, "log": c.Files.Log}).Info("started the IGMP membership holder")
	return nil
}

func (c *HolderClient) remember(rep HoldReply) {
	gs := make([]net.IP, 0, len(rep.Groups))
	for _, s := range rep.Groups {
		if ip := net.ParseIP(s); ip != nil {
			gs = append(gs, ip)
		}
	}
	c.mu.Lock()
	c.groups, c.pid = gs, rep.Pid
	c.mu.Unlock()
}

// Pid returns the holder's pid as it last reported it.
func (c *HolderClient) Pid() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.pid
}

// Set makes the holder's joined groups exactly want and renews its lease.
func (c *HolderClient) Set(want []net.IP) error {
	req := HoldRequest{Op: HoldSet, Local: c.Local.String(), LeaseSeconds: int64(c.Lease / time.Second), Groups: []string{}}
	for _, g := range want {
		req.Groups = append(req.Groups, g.String())
	}
	rep, err := Request(context.Background(), c.Files.Socket, req)
	if rep.Pid != 0 {
		c.remember(rep) // also after an error: what is joined
	}
	return err
}

// Groups returns the groups the holder last reported joined.
func (c *HolderClient) Groups() []net.IP {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]net.IP(nil), c.groups...)
}

// Close leaves the holder running, or with LeaveOnClose tells it to leave
// every group and exit.
func (c *HolderClient) Close() error {
	if !c.LeaveOnClose {
		return nil
	}
	_, err := Request(context.Background(), c.Files.Socket, HoldRequest{Op: HoldLeave})
	return err
}

// StopHolder tells a holder serving socket, if any, to leave its groups and
// exit. It reports whether one answered.
func StopHolder(ctx context.Context, socket string) (bool, error) {
	_, err := Request(ctx, socket, HoldRequest{Op: HoldLeave})
	if errors.Is(err, errHolderGone) {
		return false, nil
	}
	return err == nil, err
}
