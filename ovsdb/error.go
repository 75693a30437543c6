package ovsdb

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
)

// Kinds of errors a transaction can fail with. A *TransactError matches its
// kind with errors.Is; ErrDuplicate also matches ErrConstraintViolation.
var (
	ErrConstraintViolation  = errors.New("constraint violation")
	ErrDuplicate            = errors.New("duplicate value in unique index")
	ErrReferentialIntegrity = errors.New("referential integrity violation")
	ErrUnknownColumn        = errors.New("unknown column")
	ErrTimedOut             = errors.New("timed out")
	ErrSyntax               = errors.New("syntax error")
	ErrUnknownDatabase      = errors.New("unknown database")
)

// Other sentinel errors.
var (
	// ErrDisconnected is matched by every error caused by the connection
	// to the server being down or lost.
	ErrDisconnected = errors.New("not connected to ovsdb-server")
	// ErrNotFound is returned when a named bridge, port or interface does
	// not exist.
	ErrNotFound = errors.New("not found")
	// ErrConflict is returned when the database holds something that
	// contradicts the request, such as a port of that name on another bridge.
	ErrConflict = errors.New("conflict")
)

// FieldError reports a bad value: the field (or TABLE.COLUMN) and the value.
type FieldError struct {
	Field  string
	Value  string
	Reason string
}

func (e *FieldError) Error() string {
	return fmt.Sprintf("invalid %s %q: %s", e.Field, e.Value, e.Reason)
}

// TransactError is an error the server reported for a transaction: the
// operation that failed (by index and name), its table, and, where the
// server's details or the operation tell, the column and the value at fault.
type TransactError struct {
	Index   int    // index of the failed operation; len(ops) for a commit failure, -1 for the whole request
	Op      string // "insert", "update", ... or "commit"
	Table   string
	Column  string
	Value   string
	Kind    string // the server's error string, e.g. "constraint violation"
	Details string
}

func (e *TransactError) Error() string {
	var b strings.Builder
	b.WriteString(e.Op)
	if e.Table != "" {
		b.WriteString(" " + e.Table)
	}
	b.WriteString(": " + e.Kind)
	if e.Column != "" {
		fmt.Fprintf(&b, ": column %s", e.Column)
	}
	if e.Value != "" {
		fmt.Fprintf(&b, " value %s", e.Value)
	}
	if e.Details != "" {
		b.WriteString(": " + e.Details)
	}
	return b.String()
}

// Is matches the kind sentinels (ErrConstraintViolation, ErrDuplicate...).
func (e *TransactError) Is(target error) bool {
	switch target {
	case ErrDuplicate:
		return e.Kind == "constraint violation" && strings.Contains(e.Details, "identical values")
	case ErrConstraintViolation, ErrReferentialIntegrity, ErrUnknownColumn, ErrTimedOut, ErrSyntax, ErrUnknownDatabase:
		return e.Kind == target.Error()
	}
	return false
}

// ConnError reports that the connection to the server is down or was lost
// while a request was in flight. It matches ErrDisconnected.
type ConnError struct {
	Target string
	Err    error
}

func (e *ConnError) Error() string {
	return fmt.Sprintf("connection to %s: %v", e.Target, e.Err)
}

// Unwrap returns the underlying error.
func (e *ConnError) Unwrap() error { return e.Err }

// Is matches ErrDisconnected.
func (e *ConnError) Is(target error) bool { return target == ErrDisconnected }

// OpError says which high-level operation failed, such as
// `ensure bridge "br-int"`, and why.
type OpError struct {
	Op  string
	Err error
}

func (e *OpError) Error() string { return "ovsdb: " + e.Op + ": " + e.Err.Error() }

// Unwrap returns the underlying error.
func (e *OpError) Unwrap() error { return e.Err }

// InterfaceError is the interface's `error` column: ovs-vswitchd could not
// set the interface up.
type InterfaceError struct {
	Interface string
	Msg       string
}

func (e *InterfaceError) Error() string {
	return fmt.Sprintf("interface %q: ovs-vswitchd reports: %s", e.Interface, e.Msg)
}

var (
	reUnknownColumn = regexp.MustCompile(`No column (\S+) in table (\S+?)\.?$`)
	reDuplicate     = regexp.MustCompile(`rows in "([^"]+)" table to have identical values \((.*)\) for index on columns? "([^"]+)"`)
	reRefIntegrity  = regexp.MustCompile(`Table (\S+) column (\S+) row \S+ references nonexistent row (\S+) in table`)
	reDeleteRef     = regexp.MustCompile(`cannot delete (\S+) row (\S+) because of`)
	reBadValue      = regexp.MustCompile(`^(.+?) is (?:not|greater|less|too)`)
)

// newTransactError builds a TransactError for ops[index] from the server's
// error and details, filling in table, column and value where they can be
// told.
func newTransactError(ops []Op, index int, kind, details string) *TransactError {
	e := &TransactError{Index: index, Op: "commit", Kind: kind, Details: details}
	if index < 0 {
		e.Op = "transact"
	} else if index < len(ops) {
		e.Op = ops[index].OpName()
		e.Table = ops[index].TableName()
	}
	switch {
	case reUnknownColumn.MatchString(details):
		m := reUnknownColumn.FindStringSubmatch(details)
		e.Column, e.Table = m[1], m[2]
	case reDuplicate.MatchString(details):
		m := reDuplicate.FindStringSubmatch(details)
		e.Table, e.Value, e.Column = m[1], m[2], m[3]
	case reRefIntegrity.MatchString(details):
		m := reRefIntegrity.FindStringSubmatch(details)
		e.Table, e.Column, e.Value = m[1], m[2], m[3]
	case reDeleteRef.MatchString(details):
		m := reDeleteRef.FindStringSubmatch(details)
		e.Table, e.Value = m[1], m[2]
	case kind == "constraint violation" && reBadValue.MatchString(details):
		e.Value = reBadValue.FindStringSubmatch(details)[1]
		if index >= 0 && index < len(ops) {
			e.Column = columnHolding(ops[index], e.Value)
		}
	}
	return e
}

// columnHolding finds the column of an insert or update row whose value
// contains the atom the server printed as v.
func columnHolding(op Op, v string) string {
	var row Row
	switch o := op.(type) {
	case Insert:
		row = o.Row
	case Update:
		row = o.Row
	default:
		return ""
	}
	for col, val := range row {
		for _, a := range atomsOf(val) {
			if s := fmt.Sprint(a); s == v || fmt.Sprintf("%q", s) == v {
				return col
			}
		}
	}
	return ""
}

func atomsOf(v any) []any {
	switch x := v.(type) {
	case Set:
		return x
	case Map:
		var out []any
		for k, val := range x {
			out = append(out, k, val)
		}
		return out
	default:
		return []any{v}
	}
}
