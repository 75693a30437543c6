package labs

import "fmt"

// Error is a failure while building or tearing down a lab: which object, which
// step, and the underlying cause.
type Error struct {
	Object string // e.g. `namespace "vt3f2a-hv1"`
	Step   string // e.g. "create", "start ovs-vswitchd"
	Err    error
}

func (e *Error) Error() string { return fmt.Sprintf("labs: %s: %s: %v", e.Object, e.Step, e.Err) }

// Unwrap returns the underlying cause.
func (e *Error) Unwrap() error { return e.Err }

func wrap(object, step string, err error) error {
	if err == nil {
		return nil
	}
	return &Error{Object: object, Step: step, Err: err}
}
