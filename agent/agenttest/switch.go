package agenttest

import (
	"context"
	"fmt"
	"sync"

	"github.com/vtep/vtep/ofapp"
	"github.com/vtep/vtep/pipeline/pipelinetest"
)

// Op names an operation of a fake that can be made to fail.
type Op string

// The operations of Switch that Fail can break.
const (
	OpFlows     Op = "flows"      // Flows, TableFlows and Tables
	OpGroups    Op = "groups"     // Groups
	OpMeters    Op = "meters"     // Meters
	OpApply     Op = "apply"      // Apply
	OpPortDescs Op = "port-descs" // PortDescs
)

// Switch is a fake OpenFlow switch. Its tables are a pipelinetest.Switch:
// batches change them as an ONF bundle does (all or nothing, in bundle
// order), reads return what they hold, and packets can be run through them.
type Switch struct {
	dpid uint64

	mu           sync.Mutex
	sim          *pipelinetest.Switch
	drops        map[uint32]uint64 // meter id -> packets its band dropped
	meterPackets map[uint32]uint64 // meter id -> packets that entered it
	ports        []ofapp.Port
	batches      []*ofapp.Batch
	fail         map[Op]error
}

// NewSwitch returns an empty switch with this datapath ID.
func NewSwitch(dpid uint64) *Switch {
	return &Switch{dpid: dpid, sim: pipelinetest.New(nil, nil), fail: map[Op]error{}}
}

// DPID returns the switch's datapath ID.
func (s *Switch) DPID() uint64 { return s.dpid }

// String names the switch as ofapp.Switch does.
func (s *Switch) String() string { return "switch " + ofapp.DPIDString(s.dpid) }

// Fail makes op fail with err from now on; a nil err makes it work again.
func (s *Switch) Fail(op Op, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err == nil {
		delete(s.fail, op)
		return
	}
	s.fail[op] = err
}

func (s *Switch) failed(op Op) error {
	if err := s.fail[op]; err != nil {
		return fmt.Errorf("%s: %s: %w", s, op, err)
	}
	return nil
}

// Flows returns the flows of every table whose cookie matches cookie under
// mask (a mask of 0 selects every flow).
func (s *Switch) Flows(ctx context.Context, cookie, mask uint64) ([]ofapp.FlowStats, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.failed(OpFlows); err != nil {
		return nil, err
	}
	return s.sim.FlowStats(cookie, mask), nil
}

// TableFlows is Flows limited to one table.
func (s *Switch) TableFlows(ctx context.Context, table uint8, cookie, mask uint64) ([]ofapp.FlowStats, error) {
	all, err := s.Flows(ctx, cookie, mask)
	if err != nil {
		return nil, err
	}
	var out []ofapp.FlowStats
	for _, f := range all {
		if f.Table == table {
			out = append(out, f)
		}
	}
	return out, nil
}

// Tables returns each table that holds flows with its flow count, as
// OpenFlow's table statistics report it (Active); it fails with OpFlows.
func (s *Switch) Tables(ctx context.Context) ([]ofapp.TableStats, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.failed(OpFlows); err != nil {
		return nil, err
	}
	count := map[uint8]uint32{}
	for _, f := range s.sim.FlowStats(0, 0) {
		count[f.Table]++
	}
	var out []ofapp.TableStats
	for t := range 255 {
		if n := count[uint8(t)]; n > 0 {
			out = append(out, ofapp.TableStats{Table: uint8(t), Active: n})
		}
	}
	return out, nil
}

// Groups returns the groups, by ID.
func (s *Switch) Groups(ctx context.Context) ([]ofapp.GroupStats, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.failed(OpGroups); err != nil {
		return nil, err
	}
	var out []ofapp.GroupStats
	for _, g := range s.sim.Groups() {
		out = append(out, ofapp.GroupStats{GroupEntry: g})
	}
	return out, nil
}

// Meters returns the meters, by ID, as OVS reports a vtep meter (packet
// rate, burst, statistics, one band), with the drops SetMeterDrops set.
func (s *Switch) Meters(ctx context.Context) ([]ofapp.MeterStats, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.failed(OpMeters); err != nil {
		return nil, err
	}
	var out []ofapp.MeterStats
	for _, m := range s.sim.Meters() {
		ms := ofapp.MeterStats{MeterEntry: m, Bands: 1, Dropped: s.drops[m.ID], Packets: s.meterPackets[m.ID]}
		ms.Flags = ofapp.MeterFlags
		out = append(out, ms)
	}
	return out, nil
}

// SetMeterDrops sets the packets meter id's band has dropped.
func (s *Switch) SetMeterDrops(id uint32, n uint64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.drops == nil {
		s.drops = make(map[uint32]uint64)
	}
	s.drops[id] = n
}

// SetMeterPackets sets the packets that entered meter id.
func (s *Switch) SetMeterPackets(id uint32, n uint64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.meterPackets == nil {
		s.meterPackets = make(map[uint32]uint64)
	}
	s.meterPackets[id] = n
}

// Apply applies a batch all or nothing and records it. An empty batch
// changes nothing and is not recorded: ofapp.Switch sends nothing for it.
func (s *Switch) Apply(ctx context.Context, b *ofapp.Batch) error {
	if b.Len() == 0 {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.failed(OpApply); err != nil {
		return err
	}
	if err := s.sim.Apply(b); err != nil {
		return fmt.Errorf("%s: %w", s, err)
	}
	s.batches = append(s.batches, b)
	return nil
}

// SetPorts sets the ports PortDescs returns.
func (s *Switch) SetPorts(ports ...ofapp.Port) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ports = append([]ofapp.Port(nil), ports...)
}

// PortDescs returns the ports SetPorts set.
func (s *Switch) PortDescs(ctx context.Context) ([]ofapp.Port, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.failed(OpPortDescs); err != nil {
		return nil, err
	}
	return append([]ofapp.Port(nil), s.ports...), nil
}

// Install adds flows directly, as another controller, ovs-ofctl or a
// learn action would: the agent did not send them.
func (s *Switch) Install(flows ...ofapp.Flow) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, f := range flows {
		s.sim.Add(f)
	}
}

// Batches returns the non-empty batches applied so far, in order.
func (s *Switch) Batches() []*ofapp.Batch {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]*ofapp.Batch(nil), s.batches...)
}

// Run sends one packet through the switch's tables (see pipelinetest).
func (s *Switch) Run(p pipelinetest.Packet) (pipelinetest.Trace, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sim.Run(p)
}
