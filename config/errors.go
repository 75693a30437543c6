package config

import (
	"errors"
	"fmt"
)

// Reasons a FieldError carries; test for them with errors.Is.
var (
	ErrUnknownKey = errors.New("unknown key")
	ErrRequired   = errors.New("required")
	ErrOutOfRange = errors.New("out of range")
	ErrDuplicate  = errors.New("duplicate")
	ErrInvalid    = errors.New("invalid")
)

// FieldError is one problem with one key of the configuration: its path
// (networks[2].vlan), the offending value as written, and why.
type FieldError struct {
	Path  string
	Value string // empty when the key is missing or the value is beside the point
	Line  int    // line in the file, 0 when unknown
	Err   error
}

// Error prints "PATH: VALUE REASON", e.g. "networks[2].vlan: 5000 out of range 1..4094".
func (e *FieldError) Error() string {
	s := e.Path + ": "
	if e.Value != "" {
		s += e.Value + " "
	}
	s += e.Err.Error()
	if e.Line > 0 {
		s += fmt.Sprintf(" (line %d)", e.Line)
	}
	return s
}

// Unwrap returns the reason.
func (e *FieldError) Unwrap() error { return e.Err }

// errorList collects FieldErrors.
type errorList []error

func (l *errorList) add(path, value string, err error) {
	*l = append(*l, &FieldError{Path: path, Value: value, Err: err})
}

func (l *errorList) addf(path, value string, base error, format string, args ...any) {
	l.add(path, value, fmt.Errorf("%w: "+format, append([]any{base}, args...)...))
}

func (l errorList) join() error { return errors.Join(l...) }
