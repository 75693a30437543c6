package labs

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Capture is a running tcpdump on one interface of a namespace. Its text
// output (one packet per line, -n -e, VXLAN decoded) is collected until Stop.
type Capture struct {
	cmd  *exec.Cmd
	mu   sync.Mutex
	out  bytes.Buffer
	done chan struct{}
	desc string
}

// StartCapture starts tcpdump on ifname in namespace ns with a capture
// filter, and returns once tcpdump is listening, so no packet sent after it
// returns is missed.
func StartCapture(ctx context.Context, ns, ifname, filter string) (*Capture, error) {
	args := []string{"-i", ifname, "-n", "-e", "-l", "-U", "--immediate-mode", "-t"}
	if filter != "" {
		args = append(args, strings.Fields(filter)...)
	}
	c := &Capture{done: make(chan struct{}), desc: fmt.Sprintf("capture %s/%s %q", ns, ifname, filter)}
	c.cmd = Command(context.Background(), ns, "tcpdump", args...)
	stdout, err := c.cmd.StdoutPipe()
	if err != nil {
		return nil, wrap(c.desc, "start", err)
	}
	stderr, err := c.cmd.StderrPipe()
	if err != nil {
		return nil, wrap(c.desc, "start", err)
	}
	if err := c.cmd.Start(); err != nil {
		return nil, wrap(c.desc, "start", err)
	}
	go func() {
		defer close(c.done)
		r := bufio.NewReader(stdout)
		for {
			line, err := r.ReadString('\n')
			c.mu.Lock()
			c.out.WriteString(line)
			c.mu.Unlock()
			if err != nil {
				return
			}
		}
	}()
	ready := make(chan error, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		var text []string
		for sc.Scan() {
			text = append(text, sc.Text())
			if strings.Contains(sc.Text(), "listening on") {
				ready <- nil
				_, _ = io.Copy(io.Discard, stderr)
				return
			}
		}
		ready <- fmt.Errorf("tcpdump exited: %s", strings.Join(text, "; "))
	}()
	select {
	case err := <-ready:
		if err != nil {
			_ = c.cmd.Wait()
			return nil, wrap(c.desc, "start", err)
		}
	case <-ctx.Done():
		_ = c.cmd.Process.Kill()
		_ = c.cmd.Wait()
		return nil, wrap(c.desc, "start", ctx.Err())
	}
	return c, nil
}

// Lines returns the packets captured so far, one per line.
func (c *Capture) Lines() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return splitLines(c.out.String())
}

// splitLines splits tcpdump's output into packets. tcpdump prints a VXLAN
// packet's outer headers on one line and the inner frame on the next; they
// are joined with " | " so that one line is one packet.
func splitLines(s string) []string {
	var out []string
	join := false
	for _, l := range strings.Split(s, "\n") {
		if strings.TrimSpace(l) == "" {
			continue
		}
		if join && len(out) > 0 {
			out[len(out)-1] += " | " + l
			join = false
			continue
		}
		out = append(out, l)
		join = strings.Contains(l, ": VXLAN, ")
	}
	return out
}

// WaitFor polls until some captured line contains every one of the
// substrings, and returns that line.
func (c *Capture) WaitFor(ctx context.Context, substrings ...string) (string, error) {
	var found string
	err := WaitFor(ctx, 20*time.Millisecond, func() (bool, error) {
		for _, l := range c.Lines() {
			if containsAll(l, substrings) {
				found = l
				return true, nil
			}
		}
		return false, nil
	})
	if err != nil {
		return "", fmt.Errorf("%s: no packet with %q: %w", c.desc, substrings, err)
	}
	return found, nil
}

// WaitCount polls until at least n captured lines contain every one of the
// substrings. Capturing lags behind the wire a little, so wait for all the
// packets a check counts before stopping the capture.
func (c *Capture) WaitCount(ctx context.Context, n int, substrings ...string) error {
	err := WaitFor(ctx, 20*time.Millisecond, func() (bool, error) {
		return c.Count(substrings...) >= n, nil
	})
	if err != nil {
		return fmt.Errorf("%s: %d of %d packets with %q: %w", c.desc, c.Count(substrings...), n, substrings, err)
	}
	return nil
}

// Count returns how many captured lines contain every one of the substrings.
func (c *Capture) Count(substrings ...string) int {
	n := 0
	for _, l := range c.Lines() {
		if containsAll(l, substrings) {
			n++
		}
	}
	return n
}

func containsAll(s string, subs []string) bool {
	for _, x := range subs {
		if !strings.Contains(s, x) {
			return false
		}
	}
	return true
}

// Stop ends the capture (tcpdump flushes what it has) and returns every line.
func (c *Capture) Stop() []string {
	_ = c.cmd.Process.Signal(syscall.SIGINT)
	select {
	case <-c.done:
	case <-time.After(5 * time.Second):
		_ = c.cmd.Process.Kill()
		<-c.done
	}
	_ = c.cmd.Wait()
	return c.Lines()
}
