package api

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
)

// The row format: a lean answer for the two lists that grow with the
// table (GET /v1/macs and GET /v1/flows, 100,000 entries and more), which
// a client asks for with "Accept: text/tab-separated-values". vtepd
// answers every other request, and these two without that header, in
// JSON. An answer in the row format is, line by line:
//
//	the column names (MACColumns, FlowColumns), separated by tabs
//	one line per entry: its fields in the order of the columns, separated
//	by tabs; numbers in decimal, booleans 0 or 1, seconds as Go's
//	shortest float; in text, backslash, tab, newline and carriage
//	return are written \\, \t, \n and \r
//	end N: N is the number of entries; an answer without it was cut short
//	or, instead of the end line, error TEXT: the server failed after the
//	rows before it (TEXT escaped as text is)
//
// The MAC table comes sorted by VNI and MAC, as in JSON. The flows come in
// the order the switches report them, as vtepd reads them (it writes each
// flow's row as it arrives, holding no list): a reader that wants them in
// the JSON answer's order sorts them (SortFlowEntries).
//
// The column names are those of the JSON fields, so that a change of the
// columns is a change of the header, which a reader refuses.

// RowsType is the media type of the row format.
const RowsType = "text/tab-separated-values"

// Limits a reader of the row format enforces: a longer line or more rows
// make the answer malformed, whatever the rest says.
const (
	MaxRowBytes = 1 << 20
	MaxRows     = 1 << 24
)

// MACColumns is the header of GET /v1/macs in the row format.
const MACColumns = "mac\tvni\tremote\tvtep\tport\tofport\tvlan\tage_s\tidle_timeout\thard_timeout\thits\tfrozen\tflapped_with\tsource\tseq"

// FlowColumns is the header of GET /v1/flows in the row format.
const FlowColumns = "bridge\trole\ttable\ttable_name\tpriority\tcookie\tvtep\tfeature\tvni\tlearned\tmatch\tactions\tidle_timeout\thard_timeout\tduration_s\tn_packets\tn_bytes"

// rowEncoder appends the fields of rows to b.
type rowEncoder struct {
	b     []byte
	first bool
}

func (e *rowEncoder) sep() {
	if !e.first {
		e.b = append(e.b, '\t')
	}
	e.first = false
}

func (e *rowEncoder) text(s string) {
	e.sep()
	e.b = appendText(e.b, s)
}

// textBytes is text for text in bytes.
func (e *rowEncoder) textBytes(s []byte) {
	e.sep()
	e.b = appendText(e.b, s)
}

// appendText appends s to b as a field of text: with its backslashes,
// tabs, newlines and carriage returns escaped.
func appendText[S ~string | ~[]byte](b []byte, s S) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c == '\\' || c == '\t' || c == '\n' || c == '\r' {
			return appendEscaped(b, s)
		}
	}
	return append(b, s...)
}

func appendEscaped[S ~string | ~[]byte](b []byte, s S) []byte {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '\\':
			b = append(b, '\\', '\\')
		case '\t':
			b = append(b, '\\', 't')
		case '\n':
			b = append(b, '\\', 'n')
		case '\r':
			b = append(b, '\\', 'r')
		default:
			b = append(b, c)
		}
	}
	return b
}

func (e *rowEncoder) num(v uint64) {
	e.sep()
	e.b = strconv.AppendUint(e.b, v, 10)
}

func (e *rowEncoder) flag(v bool) {
	e.sep()
	if v {
		e.b = append(e.b, '1')
	} else {
		e.b = append(e.b, '0')
	}
}

func (e *rowEncoder) real(v float64) {
	e.sep()
	e.b = strconv.AppendFloat(e.b, v, 'g', -1, 64)
}

func (e *rowEncoder) end() {
	e.b = append(e.b, '\n')
	e.first = true
}

// AppendRowsEnd appends the end line of an answer of n rows.
func AppendRowsEnd(b []byte, n int) []byte {
	return append(strconv.AppendInt(append(b, "end "...), int64(n), 10), '\n')
}

// AppendRowsError appends the line that ends an answer the server could
// not complete.
func AppendRowsError(b []byte, err error) []byte {
	e := rowEncoder{b: append(b, "error "...), first: true}
	e.text(err.Error())
	e.end()
	return e.b
}

// writeRows writes a whole answer: header, the n rows row appends, and
// the end line. Rows go out in 64 KiB writes; the encoding of the whole
// list is never held.
func writeRows(w io.Writer, header string, n int, row func(e *rowEncoder, i int)) error {
	e := rowEncoder{b: make([]byte, 0, 80<<10), first: true}
	e.b = append(append(e.b, header...), '\n')
	for i := range n {
		row(&e, i)
		e.end()
		if len(e.b) >= 64<<10 {
			if _, err := w.Write(e.b); err != nil {
				return err
			}
			e.b = e.b[:0]
		}
	}
	e.b = AppendRowsEnd(e.b, n)
	_, err := w.Write(e.b)
	return err
}

// rowReader reads an answer in the row format line by line and checks its
// frame: the header, the number of fields of each row, the end line.
type rowReader struct {
	br     *bufio.Reader
	long   []byte // a line longer than br's buffer
	cols   [][]byte
	fields [][]byte
	rows   int
	intern map[string]string
	err    error // the first field of the current row that did not parse
}

// failedError is an answer that ended with an error line: the server
// failed, the answer is well formed.
type failedError struct {
	rows int
	msg  string
}

func (e failedError) Error() string {
	return fmt.Sprintf("failed after %d rows: %s", e.rows, e.msg)
}

// rowError is a malformed answer: what is wrong and where.
func rowError(line int, format string, args ...any) error {
	return fmt.Errorf("row format, line %d: %s", line, fmt.Sprintf(format, args...))
}

func newRowReader(r io.Reader, header string) (*rowReader, error) {
	rr := &rowReader{br: bufio.NewReaderSize(r, 64<<10), intern: map[string]string{}}
	rr.cols = bytes.Split([]byte(header), []byte{'\t'})
	rr.fields = make([][]byte, 0, len(rr.cols))
	line, err := rr.line()
	if err != nil {
		return nil, err
	}
	if string(line) != header {
		if len(line) > 120 {
			line = line[:120]
		}
		return nil, rowError(1, "header %q, want %q", line, header)
	}
	return rr, nil
}

// line returns the next line without its newline. The line is valid until
// the next call.
func (r *rowReader) line() ([]byte, error) {
	b, err := r.br.ReadSlice('\n')
	if errors.Is(err, bufio.ErrBufferFull) {
		r.long = append(r.long[:0], b...)
		for errors.Is(err, bufio.ErrBufferFull) {
			b, err = r.br.ReadSlice('\n')
			r.long = append(r.long, b...)
			if len(r.long) > MaxRowBytes {
				return nil, rowError(r.rows+2, "longer than %d bytes", MaxRowBytes)
			}
		}
		b = r.long
	}
	switch {
	case err == io.EOF && len(b) == 0:
		return nil, rowError(r.rows+2, "the answer ends after %d rows without its end line: cut short", r.rows)
	case err == io.EOF:
		return nil, rowError(r.rows+2, "the answer ends inside a line: cut short")
	case err != nil:
		return nil, fmt.Errorf("row format, line %d: %w", r.rows+2, err)
	}
	if len(b) > MaxRowBytes {
		return nil, rowError(r.rows+2, "longer than %d bytes", MaxRowBytes)
	}
	return b[:len(b)-1], nil
}

// next reads the next row into r.fields, or reports false at the end line
// (after checking its count and that nothing follows it).
func (r *rowReader) next() (bool, error) {
	line, err := r.line()
	if err != nil {
		return false, err
	}
	if msg, ok := bytes.CutPrefix(line, []byte("error ")); ok && bytes.IndexByte(line, '\t') < 0 {
		r.fields = append(r.fields[:0], msg)
		text := r.text(0, false)
		if r.err != nil {
			return false, rowError(r.rows+2, "error line %q", line)
		}
		return false, failedError{rows: r.rows, msg: text}
	}
	if n, ok := bytes.CutPrefix(line, []byte("end ")); ok && bytes.IndexByte(line, '\t') < 0 {
		count, err := strconv.ParseUint(string(n), 10, 32)
		if err != nil || int(count) != r.rows {
			return false, rowError(r.rows+2, "end line %q after %d rows", line, r.rows)
		}
		// the answer is complete: what has come after the end line is an
		// error, but the reader does not wait for the server to close it
		// (vtepd may still be tidying up after a large answer)
		if r.br.Buffered() > 0 {
			return false, rowError(r.rows+3, "data after the end line")
		}
		return false, nil
	}
	if r.rows >= MaxRows {
		return false, rowError(r.rows+2, "more than %d rows", MaxRows)
	}
	r.rows++
	r.err = nil
	r.fields = r.fields[:0]
	whole := line
	for len(r.fields) < len(r.cols)-1 {
		i := bytes.IndexByte(line, '\t')
		if i < 0 {
			break
		}
		r.fields = append(r.fields, line[:i])
		line = line[i+1:]
	}
	r.fields = append(r.fields, line)
	if len(r.fields) != len(r.cols) || bytes.IndexByte(line, '\t') >= 0 {
		return false, rowError(r.rows+1, "%d fields, want %d", bytes.Count(whole, []byte{'\t'})+1, len(r.cols))
	}
	return true, nil
}

// fail records that field i does not parse (the first such field of the
// row), naming its row and column.
func (r *rowReader) fail(i int, want string) {
	if r.err != nil {
		return
	}
	f := r.fields[i]
	if len(f) > 40 {
		f = f[:40]
	}
	r.err = rowError(r.rows+1, "%s %q: want %s", r.cols[i], f, want)
}

// text reads field i, unescaped. Text that repeats from row to row (port
// and bridge names, sources, features) is shared, not allocated again.
func (r *rowReader) text(i int, shared bool) string {
	f := r.fields[i]
	if bytes.IndexByte(f, '\\') >= 0 {
		var out []byte
		for j := 0; j < len(f); j++ {
			c := f[j]
			if c == '\\' {
				if j++; j == len(f) {
					r.fail(i, `text with escapes \\ \t \n \r only`)
					return ""
				}
				switch f[j] {
				case '\\':
				case 't':
					c = '\t'
				case 'n':
					c = '\n'
				case 'r':
					c = '\r'
				default:
					r.fail(i, `text with escapes \\ \t \n \r only`)
					return ""
				}
			}
			out = append(out, c)
		}
		return string(out)
	}
	if !shared {
		return string(f)
	}
	if s, ok := r.intern[string(f)]; ok {
		return s
	}
	s := string(f)
	if len(r.intern) < 4096 {
		r.intern[s] = s
	}
	return s
}

// num reads field i as a decimal number of at most max.
func (r *rowReader) num(i int, max uint64) uint64 {
	f := r.fields[i]
	var v uint64
	ok := len(f) > 0 && len(f) <= 20
	for _, c := range f {
		d := uint64(c - '0')
		if d > 9 || v > (math.MaxUint64-d)/10 {
			ok = false
			break
		}
		v = v*10 + d
	}
	if !ok || v > max {
		r.fail(i, "a number 0.."+strconv.FormatUint(max, 10))
		return 0
	}
	return v
}

// flag reads field i as 0 or 1.
func (r *rowReader) flag(i int) bool {
	switch string(r.fields[i]) {
	case "0":
		return false
	case "1":
		return true
	}
	r.fail(i, "0 or 1")
	return false
}

// real reads field i as a finite number.
func (r *rowReader) real(i int) float64 {
	v, err := strconv.ParseFloat(string(r.fields[i]), 64)
	if err != nil || math.IsInf(v, 0) || math.IsNaN(v) {
		r.fail(i, "a finite number")
		return 0
	}
	return v
}
