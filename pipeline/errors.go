package pipeline

import (
	"errors"
	"fmt"
)

// Rules a flow can break; a *FlowError wraps one of them.
var (
	ErrUnknownTable = errors.New("table is not declared")
	ErrMatch        = errors.New("match field not allowed")
	ErrPrerequisite = errors.New("match prerequisite missing")
	ErrGoto         = errors.New("goto target not allowed")
	ErrResubmit     = errors.New("resubmit target not allowed")
	ErrLearn        = errors.New("learn not allowed")
	ErrWrite        = errors.New("register write not allowed")
	ErrGroup        = errors.New("group not built")
	ErrMeter        = errors.New("meter not allowed or not built")
	ErrCookie       = errors.New("cookie not a vtep cookie")
	ErrDuplicate    = errors.New("duplicate flow key")
	ErrInvalidFlow  = errors.New("invalid flow")
)

// FlowError says which flow broke which rule of its table's declaration.
type FlowError struct {
	Flow  string // the flow in ovs-ofctl syntax
	Table string // the table's name
	Err   error  // one of the Err* rules, with detail
}

func (e *FlowError) Error() string {
	return fmt.Sprintf("pipeline: table %s: flow %s: %v", e.Table, e.Flow, e.Err)
}

// Unwrap returns the broken rule.
func (e *FlowError) Unwrap() error { return e.Err }

// StateError reports an input Build cannot turn into flows, naming the field
// and value ("ports[2] vm3: ofport 70000 above 65279").
type StateError struct {
	Field string
	Value string
	Err   error
}

func (e *StateError) Error() string {
	return fmt.Sprintf("pipeline: %s: %s %v", e.Field, e.Value, e.Err)
}

// Unwrap returns the underlying error.
func (e *StateError) Unwrap() error { return e.Err }

// ErrState is wrapped by every StateError.
var ErrState = errors.New("invalid state")
