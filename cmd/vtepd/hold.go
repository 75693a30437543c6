package main

import (
	"context"
	"flag"
	"fmt"
	"net"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/vtep/vtep/underlay"
)

// runHolder runs the IGMP membership holder (the hidden subcommand
// underlay.HoldSubcommand), which vtepd starts itself: see
// underlay.Holder and docs/design.md.
func runHolder(args []string) int {
	fs := flag.NewFlagSet("vtepd "+underlay.HoldSubcommand, flag.ContinueOnError)
	socket := fs.String("socket", "", "unix socket to serve")
	pidfile := fs.String("pidfile", "", "pidfile, locked while the holder runs")
	local := fs.String("local", "", "VTEP address to join the groups on")
	lease := fs.Duration("lease", time.Hour, "leave all groups and exit when no vtepd renews for this long")
	readyFD := fs.Int("ready-fd", -1, "file descriptor to write \"ok\" to once serving")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	ip := net.ParseIP(*local).To4()
	if *socket == "" || *pidfile == "" || ip == nil || !ip.IsGlobalUnicast() || *lease < underlay.MinHoldLease || fs.NArg() > 0 {
		fmt.Fprintf(os.Stderr, "vtepd %s: need -socket, -pidfile, an IPv4 unicast -local and a -lease of at least %v\n", underlay.HoldSubcommand, underlay.MinHoldLease)
		return 2
	}
	ready := os.NewFile(uintptr(*readyFD), "ready")
	if *readyFD < 0 || ready == nil {
		ready = os.Stdout
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	// SIGHUP: the holder has no terminal; a hangup must not end it.
	signal.Ignore(syscall.SIGHUP)
	h := &underlay.Holder{
		Files: underlay.HolderFiles{Socket: *socket, Pidfile: *pidfile},
		Local: ip,
		Lease: *lease,
		Log:   logrus.WithFields(logrus.Fields{"component": "igmp-holder", "pid": os.Getpid()}),
	}
	if err := h.Run(ctx, ready); err != nil {
		logrus.WithError(err).Error("membership holder failed")
		return 1
	}
	return 0
}
