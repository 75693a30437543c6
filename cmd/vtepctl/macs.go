package main

import (
	"context"
	"fmt"
	"io"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/vtep/vtep/api"
)

func newMACsCmd() *cobra.Command {
	o := &vtepdOptions{}
	var vni vniFlag
	cmd := &cobra.Command{
		Use:   "macs [--vni N] [-o json] [--api ADDR | --config FILE]",
		Short: "the MAC table: MAC, VNI, remote VTEP or local port and VLAN, source (learned, static, evpn) and sequence, age, hits, frozen",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return o.do(cmd.Context(), func(ctx context.Context, cl *api.Client) error {
				if o.json() {
					ms, err := cl.MACs(ctx, uint32(vni))
					if err != nil {
						return err
					}
					return writeJSONTo(cmd.OutOrStdout(), ms)
				}
				// the table is read in the row format, each entry into
				// its line as it arrives
				t := newMACTable()
				if err := cl.EachMAC(ctx, uint32(vni), t.add); err != nil {
					return err
				}
				return t.write(cmd.OutOrStdout())
			})
		},
	}
	o.bind(cmd)
	cmd.Flags().Var(&vni, "vni", "show only this VNI")
	cmd.AddCommand(newMACsFlushCmd())
	return cmd
}

// printMACs prints the learned table the way an operator reads a VTEP's table: one MAC
// per line with its VNI and where it is, a remote VTEP or a local port.
func printMACs(w io.Writer, ms []api.MACEntry) error {
	t := newMACTable()
	for i := range ms {
		if err := t.add(&ms[i]); err != nil {
			return err
		}
	}
	return t.write(w)
}

// macTable is the table printMACs prints, built one entry at a time.
type macTable struct{ t *colTable }

func newMACTable() macTable {
	t := newColTable(9)
	for _, h := range []string{"VNI", "MAC", "WHERE", "PORT", "VLAN", "SOURCE", "AGE", "HITS", "FROZEN"} {
		t.cell(h)
	}
	t.row()
	return macTable{t}
}

// add adds an entry's line.
func (m macTable) add(e *api.MACEntry) error {
	t := m.t
	t.uint(uint64(e.VNI))
	t.cell(e.MAC)
	if e.Remote {
		t.buf = append(append(t.buf, "VTEP "...), e.VTEP...)
		t.end()
	} else {
		t.cell("local")
	}
	t.cell(e.Port)
	switch {
	case e.Remote:
		t.cell("-")
	case e.VLAN != 0:
		t.uint(uint64(e.VLAN))
	default:
		t.cell("untagged")
	}
	t.buf = appendSource(t.buf, e)
	t.end()
	t.buf = appendAge(t.buf, e.Age)
	t.end()
	t.uint(e.Hits)
	t.buf = appendFrozen(t.buf, e)
	t.end()
	t.row()
	return nil
}

// write prints the table, or "no learned MACs".
func (m macTable) write(w io.Writer) error {
	if m.t.rows() == 1 {
		_, err := fmt.Fprintln(w, "no learned MACs")
		return err
	}
	return m.t.flushTo(w)
}

// appendSource appends the SOURCE cell: where an entry comes from, with
// its MAC mobility sequence when it has one ("evpn seq 3").
func appendSource(b []byte, m *api.MACEntry) []byte {
	if m.Source == "" {
		b = append(b, api.SourceLearned...)
	} else {
		b = append(b, m.Source...)
	}
	if m.Seq > 0 {
		b = strconv.AppendUint(append(b, " seq "...), uint64(m.Seq), 10)
	}
	return b
}
