package ofapp

import (
	"fmt"
	"sync"
)

// EventType says what happened to a switch.
type EventType int

// Event types.
const (
	SwitchConnected EventType = iota
	SwitchDisconnected
	PortAdded
	PortDeleted
	PortModified
)

func (t EventType) String() string {
	switch t {
	case SwitchConnected:
		return "connected"
	case SwitchDisconnected:
		return "disconnected"
	case PortAdded:
		return "port-added"
	case PortDeleted:
		return "port-deleted"
	case PortModified:
		return "port-modified"
	}
	return fmt.Sprintf("event%d", int(t))
}

// Event is something that happened to a switch: it connected (after the
// handshake), disconnected (Err says why) or reported a port change.
type Event struct {
	Type   EventType
	DPID   uint64
	Switch *Switch
	Port   Port  // for Port* events
	Err    error // for SwitchDisconnected
}

func (e Event) String() string {
	s := fmt.Sprintf("%s %s", DPIDString(e.DPID), e.Type)
	if e.Type >= PortAdded {
		s += fmt.Sprintf(" %s(%d)", e.Port.Name, e.Port.No)
	}
	return s
}

// eventQueue delivers events in order to a channel without ever blocking
// the sender: a slow consumer makes the queue grow instead of stalling a
// switch's session.
type eventQueue struct {
	mu     sync.Mutex
	q      []Event
	signal chan struct{}
	out    chan Event
}

func newEventQueue() *eventQueue {
	return &eventQueue{signal: make(chan struct{}, 1), out: make(chan Event)}
}

func (q *eventQueue) push(e Event) {
	q.mu.Lock()
	q.q = append(q.q, e)
	q.mu.Unlock()
	select {
	case q.signal <- struct{}{}:
	default:
	}
}

// run delivers queued events until done is closed; then it closes out.
func (q *eventQueue) run(done <-chan struct{}) {
	defer close(q.out)
	for {
		q.mu.Lock()
		batch := q.q
		q.q = nil
		q.mu.Unlock()
		for _, e := range batch {
			select {
			case q.out <- e:
			case <-done:
				return
			}
		}
		select {
		case <-q.signal:
		case <-done:
			return
		}
	}
}
