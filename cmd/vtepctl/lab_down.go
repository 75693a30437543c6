package main

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/vtep/vtep/labs"
)

func newLabDownCmd() *cobra.Command {
	return labCommand("down [FILE] [--prefix P]",
		"stop the lab's daemons and remove its namespaces and run dir (only names with its prefix)",
		labParse{flags: []string{"prefix"}}, runLabDown)
}

func runLabDown(c labCtx, a *labArgs) error {
	if len(a.pos) > 1 || len(a.rest) > 0 {
		return usageErr("want at most one lab file")
	}
	prefix := a.prefix
	if prefix == "" {
		file := ""
		if len(a.pos) == 1 {
			file = a.pos[0]
		}
		st, err := labs.FindLab("", file)
		if err != nil {
			return err
		}
		prefix = st.Prefix
	}
	if err := labs.ValidateName("--prefix", prefix, labs.MaxPrefix); err != nil {
		return usageErr("%v", err)
	}
	return takeDown(c, prefix)
}

// takeDown removes everything of the lab with exactly this prefix.
func takeDown(c labCtx, prefix string) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(c.ctx), time.Minute)
	defer cancel()
	removed, err := labs.Down(ctx, prefix)
	for _, ns := range removed {
		c.printf("  removed namespace %s\n", ns)
	}
	if err != nil {
		return fmt.Errorf("lab %q: %w", prefix, err)
	}
	c.printf("lab %s is down (removed %d namespaces and %s)\n", prefix, len(removed), labs.RunDir(prefix))
	return nil
}
