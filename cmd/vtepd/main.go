package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/sirupsen/logrus"

	"github.com/vtep/vtep/agent"
	"github.com/vtep/vtep/config"
	"github.com/vtep/vtep/internal/version"
	"github.com/vtep/vtep/underlay"
)

func main() {
	os.Exit(run(os.Args[1:]))
}

func run(args []string) int {
	if len(args) > 0 && args[0] == underlay.HoldSubcommand {
		return runHolder(args[1:])
	}
	fs := flag.NewFlagSet("vtepd", flag.ContinueOnError)
	cfgPath := fs.String("config", "/etc/vtep/vtepd.yaml", "configuration file")
	check := fs.Bool("check", false, "validate the configuration and exit")
	showVersion := fs.Bool("version", false, "print the version and exit")
	level := fs.String("log-level", "info", "log level: debug, info, warn, error")
	jsonLogs := fs.Bool("log-json", false, "log as JSON lines")
	leaveGroups := fs.Bool("leave-groups", false, "on SIGTERM/SIGINT, have the IGMP membership holder leave every group and exit (default: keep them for the next vtepd)")
	lease := fs.Duration("igmp-lease", agent.DefaultHoldLease, "the IGMP membership holder leaves every group and exits after this long without a vtepd")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(os.Stderr, "vtepd: unexpected argument %q\n", fs.Arg(0))
		fs.Usage()
		return 2
	}
	if *showVersion {
		fmt.Println("vtepd", version.Version)
		return 0
	}
	lvl, err := logrus.ParseLevel(*level)
	if err != nil {
		fmt.Fprintf(os.Stderr, "vtepd: -log-level: %v\n", err)
		return 2
	}
	logrus.SetLevel(lvl)
	if *jsonLogs {
		logrus.SetFormatter(&logrus.JSONFormatter{})
	}
	log := logrus.WithField("config", *cfgPath)
	cfg, err := config.Load(*cfgPath)
	if err != nil {
		log.Error(err)
		return 1
	}
	if *check {
		fmt.Printf("%s: ok (%d networks, flood mode %s)\n", *cfgPath, len(cfg.Networks), cfg.Flood.Mode)
		return 0
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	if *lease < underlay.MinHoldLease || *lease > underlay.MaxHoldLease {
		fmt.Fprintf(os.Stderr, "vtepd: -igmp-lease %v: want %v to %v\n", *lease, underlay.MinHoldLease, underlay.MaxHoldLease)
		return 2
	}
	a := agent.New(cfg, logrus.WithField("bridge", cfg.Bridge))
	a.SetMembershipHold(agent.MembershipHold{LeaveOnExit: *leaveGroups, Lease: *lease})
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	go func() {
		for range hup {
			// ReloadFile logs and counts every outcome itself.
			_ = a.ReloadFile(ctx, *cfgPath)
		}
	}()
	log.WithFields(logrus.Fields{"version": version.Version, "networks": len(cfg.Networks), "flood": cfg.Flood.Mode}).Info("vtepd starting")
	if err := a.Run(ctx); err != nil {
		log.WithError(err).Error("vtepd failed")
		return 1
	}
	return 0
}
