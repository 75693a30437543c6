package ovsdb

// Table names of the Open_vSwitch database that vtep uses.
const (
	TableOpenVSwitch = "Open_vSwitch"
	TableBridge      = "Bridge"
	TablePort        = "Port"
	TableInterface   = "Interface"
	TableController  = "Controller"
	TableFlowTable   = "Flow_Table"
)

// OpenVSwitch is the single row of the Open_vSwitch table.
type OpenVSwitch struct {
	UUID        UUID
	Version     UUID
	Bridges     []UUID
	OVSVersion  string
	DBVersion   string
	CurCfg      int
	NextCfg     int
	ExternalIDs map[string]string
	OtherConfig map[string]string
}

// Bridge is a row of the Bridge table.
type Bridge struct {
	UUID         UUID
	Version      UUID
	Name         string
	DatapathType string
	DatapathID   string // 16 hex digits, set by ovs-vswitchd
	FailMode     string
	Protocols    []string
	Controller   []UUID
	Ports        []UUID
	FlowTables   map[int]UUID
	OtherConfig  map[string]string
	ExternalIDs  map[string]string
}

// Port is a row of the Port table.
type Port struct {
	UUID        UUID
	Version     UUID
	Name        string
	Interfaces  []UUID
	Tag         *int
	Trunks      []int
	VLANMode    string
	ExternalIDs map[string]string
	OtherConfig map[string]string
}

// Interface is a row of the Interface table.
type Interface struct {
	UUID          UUID
	Version       UUID
	Name          string
	Type          string
	Options       map[string]string
	Ofport        *int // set by ovs-vswitchd; -1 when the interface failed
	OfportRequest *int
	MACInUse      string
	Error         string
	MTU           *int // set by ovs-vswitchd: the MTU in use, nil when unknown
	MTURequest    *int
	ExternalIDs   map[string]string
}

// Controller is a row of the Controller table.
type Controller struct {
	UUID        UUID
	Version     UUID
	Target      string
	IsConnected bool
	// MaxBackoff is how long (ms) ovs-vswitchd waits at most between
	// attempts to reach the controller; nil: its default, 8000.
	MaxBackoff  *int
	ExternalIDs map[string]string
}

// FlowTable is a row of the Flow_Table table; its name shows in flow dumps.
type FlowTable struct {
	UUID        UUID
	Version     UUID
	Name        string
	ExternalIDs map[string]string
}

// ParseOpenVSwitch reads an Open_vSwitch row.
func ParseOpenVSwitch(r Row) (OpenVSwitch, error) {
	rr := rowReader{table: TableOpenVSwitch, row: r}
	o := OpenVSwitch{
		UUID: rr.uuid("_uuid"), Version: rr.uuid("_version"), Bridges: rr.uuids("bridges"),
		OVSVersion: rr.str("ovs_version"), DBVersion: rr.str("db_version"),
		ExternalIDs: rr.strMap("external_ids"), OtherConfig: rr.strMap("other_config"),
	}
	if p := rr.optInt("cur_cfg"); p != nil {
		o.CurCfg = *p
	}
	if p := rr.optInt("next_cfg"); p != nil {
		o.NextCfg = *p
	}
	return o, rr.err
}

// ParseBridge reads a Bridge row.
func ParseBridge(r Row) (Bridge, error) {
	rr := rowReader{table: TableBridge, row: r}
	b := Bridge{
		UUID: rr.uuid("_uuid"), Version: rr.uuid("_version"), Name: rr.str("name"),
		DatapathType: rr.str("datapath_type"), DatapathID: rr.str("datapath_id"), FailMode: rr.str("fail_mode"),
		Protocols: rr.strs("protocols"), Controller: rr.uuids("controller"), Ports: rr.uuids("ports"),
		FlowTables: rr.intUUIDMap("flow_tables"), OtherConfig: rr.strMap("other_config"),
		ExternalIDs: rr.strMap("external_ids"),
	}
	return b, rr.err
}

// ParsePort reads a Port row.
func ParsePort(r Row) (Port, error) {
	rr := rowReader{table: TablePort, row: r}
	p := Port{
		UUID: rr.uuid("_uuid"), Version: rr.uuid("_version"), Name: rr.str("name"),
		Interfaces: rr.uuids("interfaces"), Tag: rr.optInt("tag"), Trunks: rr.ints("trunks"),
		VLANMode: rr.str("vlan_mode"), ExternalIDs: rr.strMap("external_ids"), OtherConfig: rr.strMap("other_config"),
	}
	return p, rr.err
}

// ParseInterface reads an Interface row.
func ParseInterface(r Row) (Interface, error) {
	rr := rowReader{table: TableInterface, row: r}
	i := Interface{
		UUID: rr.uuid("_uuid"), Version: rr.uuid("_version"), Name: rr.str("name"), Type: rr.str("type"),
		Options: rr.strMap("options"), Ofport: rr.optInt("ofport"), OfportRequest: rr.optInt("ofport_request"),
		MACInUse: rr.str("mac_in_use"), Error: rr.str("error"), MTU: rr.optInt("mtu"), MTURequest: rr.optInt("mtu_request"),
		ExternalIDs: rr.strMap("external_ids"),
	}
	return i, rr.err
}

// ParseController reads a Controller row.
func ParseController(r Row) (Controller, error) {
	rr := rowReader{table: TableController, row: r}
	c := Controller{
		UUID: rr.uuid("_uuid"), Version: rr.uuid("_version"), Target: rr.str("target"),
		IsConnected: rr.boolean("is_connected"), MaxBackoff: rr.optInt("max_backoff"),
		ExternalIDs: rr.strMap("external_ids"),
	}
	return c, rr.err
}

// ParseFlowTable reads a Flow_Table row.
func ParseFlowTable(r Row) (FlowTable, error) {
	rr := rowReader{table: TableFlowTable, row: r}
	f := FlowTable{
		UUID: rr.uuid("_uuid"), Version: rr.uuid("_version"), Name: rr.str("name"),
		ExternalIDs: rr.strMap("external_ids"),
	}
	return f, rr.err
}
