// Command vtepd makes Open vSwitch bridges behave as VXLAN tunnel end points.
// See the README and docs/config.md.
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/sirupsen/logrus"

	"github.com/vtep/vtep/config"
	"github.com/vtep/vtep/internal/version"
)

func main() {
	os.Exit(run(os.Args[1:]))
}

func run(args []string) int {
	fs := flag.NewFlagSet("vtepd", flag.ContinueOnError)
	cfgPath := fs.String("config", "/etc/vtep/vtepd.yaml", "configuration file")
	check := fs.Bool("check", false, "validate the configuration and exit")
	showVersion := fs.Bool("version", false, "print the version and exit")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *showVersion {
		fmt.Println("vtepd", version.Version)
		return 0
	}
	cfg, err := config.Load(*cfgPath)
	if err != nil {
		logrus.WithField("config", *cfgPath).Error(err)
		return 1
	}
	if *check {
		fmt.Printf("%s: ok (%d networks, flood mode %s)\n", *cfgPath, len(cfg.Networks), cfg.Flood.Mode)
		return 0
	}
	logrus.Error("vtepd: the daemon is not built yet; only -check works")
	return 1
}
