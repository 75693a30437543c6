package ofapp

import (
	"context"
	"errors"
)

// ErrMonitorBusy: the session already runs a flow monitor.
var ErrMonitorBusy = errors.New("a flow monitor already runs on this session")

// MonitorFlows asks the switch to report the flows of one table (0xff: all)
// and every change to them (ONF's flow monitor for OpenFlow 1.3, see
// flowmonitor_wire.go): onUpdate gets the flows there now as FlowAdded,
// then each add, modify and delete as it happens, and MonitorPaused and
// MonitorResumed when the switch's buffer for the connection fills and
// drains. It returns when ctx ends (nil) or the session ends or the switch
// sends what cannot be decoded (the error). One monitor per session.
//
// onUpdate runs on the session's reader goroutine: it must return quickly
// and must not wait for the switch.
func (s *Switch) MonitorFlows(ctx context.Context, table uint8, onUpdate func(FlowUpdate)) error {
	// Updates after the initial reply come with xid 0, which no request
	// uses (xids count from 1), so they go to a request registered there.
	s.mu.Lock()
	_, busy := s.pending[0]
	s.mu.Unlock()
	if busy {
		return &Error{Op: "flow monitor", DPID: s.DPID(), Err: ErrMonitorBusy}
	}
	updates := s.register(0, func(h header, msg []byte) (bool, error) {
		return false, s.monitorMessage(h, msg, onUpdate)
	})
	defer s.unregister(0)
	xid := s.nextXID()
	err := s.roundTrip(ctx, xid, appendFlowMonitorRequest(getBuf(), xid, xid, table), func(h header, msg []byte) (bool, error) {
		if h.Type != typeMultipartReply {
			return true, protoErr("flow monitor reply xid %d: %s", h.Xid, MessageTypeName(h.Type))
		}
		if err := s.monitorMessage(h, msg, onUpdate); err != nil {
			return true, err
		}
		return be.Uint16(msg[10:])&mpReplyMore == 0, nil
	})
	if err != nil {
		return &Error{Op: "flow monitor", DPID: s.DPID(), Err: err}
	}
	select {
	case <-ctx.Done():
		return nil
	case <-updates.done:
		return &Error{Op: "flow monitor", DPID: s.DPID(), Err: updates.err}
	}
}

// monitorMessage hands the updates of one monitor message to onUpdate.
func (s *Switch) monitorMessage(h header, msg []byte, onUpdate func(FlowUpdate)) error {
	switch h.Type {
	case typeMultipartReply:
		us, ok, err := decodeFlowMonitorReply(msg, nil)
		if err != nil {
			return err
		}
		if !ok {
			return protoErr("multipart reply xid %d is no flow monitor reply", h.Xid)
		}
		for _, u := range us {
			onUpdate(u)
		}
	case typeExperimenter:
		if ev, ok := decodeMonitorPause(msg); ok {
			onUpdate(FlowUpdate{Event: ev})
			return nil
		}
		s.log.WithField("xid", h.Xid).Debug("experimenter message for no request")
	default:
		s.log.WithFields(map[string]any{"xid": h.Xid, "type": MessageTypeName(h.Type)}).Debug("reply for no pending request")
	}
	return nil
}
