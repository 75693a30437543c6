package agenttest

import (
	"fmt"
	"net"
	"slices"
	"sync"
)

// Membership is a fake IGMP membership holder: it records the groups it
// is told to hold.
type Membership struct {
	mu     sync.Mutex
	groups []net.IP
	sets   int
	closed bool
	err    error
}

// Fail makes Set fail with err from now on, holding what it held; a nil
// err makes it work again.
func (m *Membership) Fail(err error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.err = err
}

// Set makes the groups held exactly want.
func (m *Membership) Set(want []net.IP) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.sets++
	if m.err != nil {
		return fmt.Errorf("membership holder: set %d groups: %w", len(want), m.err)
	}
	m.groups = slices.Clone(want)
	return nil
}

// Groups returns the groups held.
func (m *Membership) Groups() []net.IP {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.groups)
}

// Close records that the agent let go of the holder.
func (m *Membership) Close() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.closed = true
	return nil
}

// Sets returns how many times Set was called, and whether Close was.
func (m *Membership) Sets() (sets int, closed bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.sets, m.closed
}
