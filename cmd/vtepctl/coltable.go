package main

import (
	"bufio"
	"io"
	"slices"
	"strconv"
	"unicode/utf8"
)

// colTable lays out rows of cells in columns the way text/tabwriter does
// with the settings vtepctl's tables use (no minimum width, two spaces of
// padding, the last cell of a row not padded), byte for byte, for less:
// the cells of every row go into one buffer, column widths are kept as
// they come, and the table is written in large writes. It is for tables
// whose rows all have the same number of cells (tabwriter's columns are
// then the whole table's); the MAC table and the flow dump have 100,000
// rows and more.
//
// A cell is built by appending to buf and closed with end; row closes a
// row.
type colTable struct {
	buf   []byte
	ends  []int // where each cell ends in buf
	width []int // widest cell of each column but the last
	cols  int
	n     int // cells of the current row
}

// newColTable returns a table of rows of cols cells.
func newColTable(cols int) *colTable {
	return &colTable{cols: cols, width: make([]int, cols-1)}
}

// grow makes room for rows of about bytes in all.
func (t *colTable) grow(bytes, rows int) {
	t.buf = slices.Grow(t.buf, bytes)
	t.ends = slices.Grow(t.ends, rows*t.cols)
}

// end closes the cell appended since the last one.
func (t *colTable) end() {
	start := 0
	if len(t.ends) > 0 {
		start = t.ends[len(t.ends)-1]
	}
	if t.n < t.cols-1 {
		if w := cellWidth(t.buf[start:]); w > t.width[t.n] {
			t.width[t.n] = w
		}
	}
	t.ends = append(t.ends, len(t.buf))
	t.n++
}

// cell adds a cell of text s.
func (t *colTable) cell(s string) {
	t.buf = append(t.buf, s...)
	t.end()
}

// uint adds a cell of a decimal number.
func (t *colTable) uint(v uint64) {
	t.buf = strconv.AppendUint(t.buf, v, 10)
	t.end()
}

// row closes a row; it must have cols cells.
func (t *colTable) row() {
	if t.n != t.cols {
		panic("colTable: a row of " + strconv.Itoa(t.n) + " cells, want " + strconv.Itoa(t.cols))
	}
	t.n = 0
}

// rows reports the number of rows added since the last flush.
func (t *colTable) rows() int { return len(t.ends) / t.cols }

// cellWidth is the width of a cell as tabwriter counts it: its runes.
func cellWidth(b []byte) int {
	for _, c := range b {
		if c >= utf8.RuneSelf {
			return utf8.RuneCount(b)
		}
	}
	return len(b)
}

// flush writes the rows to w and empties the table (the widths start
// again from nothing, as a tabwriter's do after its Flush).
func (t *colTable) flush(w *bufio.Writer) error {
	const padding = 2
	var spaces [64]byte
	for i := range spaces {
		spaces[i] = ' '
	}
	start := 0
	for i, end := range t.ends {
		cell := t.buf[start:end]
		w.Write(cell)
		col := i % t.cols
		if col == t.cols-1 {
			w.WriteByte('\n')
		} else {
			for pad := t.width[col] + padding - cellWidth(cell); pad > 0; pad -= len(spaces) {
				w.Write(spaces[:min(pad, len(spaces))])
			}
		}
		start = end
	}
	t.buf, t.ends = t.buf[:0], t.ends[:0]
	clear(t.width)
	return w.Flush()
}

// flushTo is flush to a writer of its own.
func (t *colTable) flushTo(w io.Writer) error {
	return t.flush(bufio.NewWriterSize(w, 64<<10))
}
