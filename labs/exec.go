package labs

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"strings"
)

// Command returns an exec.Cmd that runs name with args inside network
// namespace netns ("" runs it in the caller's namespace). It goes through
// `ip netns exec`, which also gives the command the namespace's view of /sys.
func Command(ctx context.Context, netns, name string, args ...string) *exec.Cmd {
	if netns == "" {
		return exec.CommandContext(ctx, name, args...)
	}
	full := append([]string{"netns", "exec", netns, name}, args...)
	return exec.CommandContext(ctx, "ip", full...)
}

// Exec runs a command inside a namespace and returns its combined output. The
// error names the namespace, the command and what it printed.
func Exec(ctx context.Context, netns, name string, args ...string) (string, error) {
	cmd := Command(ctx, netns, name, args...)
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &out
	if err := cmd.Run(); err != nil {
		where := "host"
		if netns != "" {
			where = "netns " + netns
		}
		return out.String(), fmt.Errorf("%s: %s %s: %w: %s", where, name, strings.Join(args, " "), err, strings.TrimSpace(out.String()))
	}
	return out.String(), nil
}
