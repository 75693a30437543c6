package main

import (
	"context"
	"io"

	"github.com/spf13/cobra"

	"github.com/vtep/vtep/api"
)

// listCommand is a command that asks vtepd for a list and prints it as a
// table, or as the API's JSON with -o json: macs, neigh, vteps, evpn peers
// and routes. fetch reads the list (a method expression of api.Client
// fits); print writes the table.
func listCommand[T any](use, short string, fetch func(*api.Client, context.Context) ([]T, error), print func(io.Writer, []T) error) *cobra.Command {
	o := &vtepdOptions{}
	cmd := &cobra.Command{
		Use:   use,
		Short: short,
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return o.do(cmd.Context(), func(ctx context.Context, cl *api.Client) error {
				list, err := fetch(cl, ctx)
				if err != nil {
					return err
				}
				if o.json() {
					return writeJSONTo(cmd.OutOrStdout(), list)
				}
				return print(cmd.OutOrStdout(), list)
			})
		},
	}
	o.bind(cmd)
	return cmd
}

// vniListCommand is a listCommand with --vni N, passed to fetch (0: all).
func vniListCommand[T any](use, short string, fetch func(*api.Client, context.Context, uint32) ([]T, error), print func(io.Writer, []T) error) *cobra.Command {
	var vni vniFlag
	cmd := listCommand(use, short, func(cl *api.Client, ctx context.Context) ([]T, error) {
		return fetch(cl, ctx, uint32(vni))
	}, print)
	cmd.Flags().Var(&vni, "vni", "show only this VNI")
	return cmd
}
