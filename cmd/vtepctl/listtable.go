package main

import (
	"fmt"
	"io"
	"text/tabwriter"
)

// printList prints rows as a tab-aligned table under header (tab-separated
// columns), each row's line made by row (tab-separated, no newline); with
// no rows and empty set, it prints empty instead.
func printList[T any](w io.Writer, rows []T, empty, header string, row func(*T) string) error {
	if len(rows) == 0 && empty != "" {
		_, err := fmt.Fprintln(w, empty)
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, header)
	for i := range rows {
		fmt.Fprintln(tw, row(&rows[i]))
	}
	return tw.Flush()
}
