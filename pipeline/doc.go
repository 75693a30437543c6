// Package pipeline computes the OpenFlow flows and groups that make an Open
// vSwitch bridge a VXLAN tunnel end point. It is pure: Build takes a State
// (the desired overlay, Desired, plus the ports read from OVSDB) and returns
// a Result; nothing here touches a switch or knows vtepd's configuration
// file (the daemon turns a validated configuration into a Desired). The
// controller diffs the Result against what is installed.
//
// # Tables
//
// Each table is declared once (tables.go) with its name, the fields its
// flows may match, the tables they may go to, resubmit to or learn into, and
// the registers they may write (for the mac table: what learned flows may
// load); Build checks every flow against its table's declaration and fails
// with a *FlowError naming the flow and the broken rule. Registers are
// documented bit by bit in fields.go.
//
//	packet -> 0 classify
//	            ├─ multicast/broadcast dl_src, second VLAN tag: drop (counted)
//	            ├─ tunnel port + untrusted tun_src: drop (counted)
//	            ├─ tunnel port + known tun_id: reg0 = VNI, reg1 = 1 -> 10 tunnel-in
//	            ├─ VM port + mapped VLAN (or subnet): reg0 = VNI    -> 20 local-in
//	            └─ anything else: drop (counted per cause)
//	          accepted frames first resubmit(,3):
//	          3 source-check: all-zero dl_src: reg1[5] = 1; else resubmit(,5)
//	          5 learn-pause:  the frame's place paused learning: reg1[4] = 1
//
//	10 tunnel-in (per VNI) / 20 local-in (per port and VNI)
//	     reg1[5] = 1 (all-zero source): drop (counted)
//	     reg1[4] = 1 (paused, see Learning pauses): resubmit(,30), goto 40
//	     learn into 30: (VNI, this dl_src) -> reg2 = tun_src, reg3 = in_port
//	                                    (local: reg2 = 0,     reg3 = in_port)
//	                    hard_timeout = mac_ageing, see MAC ageing
//	     with max_macs: learn(limit=N, result_dst=reg1[1]), resubmit(,25)
//	                    ─> 25 mac-limit: reg1[1] = 0 (refused): counted, record
//	                       the source in 26; a burst: 27 pause-trigger learns
//	                       into 5: (VNI, in_port or tun_src) -> reg1[4] = 1
//	     resubmit(,30) ─> 30 mac: (VNI, dl_dst) -> load reg2, reg3; miss: reg3 = 0
//	     ARP suppression (learned): resubmit(,33) ─> 33 neigh-learn: learn into
//	                    35 neigh: (VNI, arp_tpa = arp_spa) -> reg4, reg5 = arp_sha
//	     goto 40
//
//	40 egress
//	     reg3 = local port of the VNI -> push the port's tag if a trunk, output
//	     reg3 = tunnel port           -> tun_dst = reg2, tun_id = VNI, output
//	                                     (but from the tunnel: drop, split horizon;
//	                                     underlay MTU known: check_pkt_larger into
//	                                     reg1[2], goto 45)
//	     reg3 = 0 (unknown)           -> goto 50
//	     ARP request from a local port, reg3 = 0, network suppressing ARP:
//	                                     resubmit(,35) (binding: reg1[3] = 1), goto 48
//
//	45 tunnel-out (only with the underlay MTU known, see oversize.go)
//	     reg1[2] = 1 (too long)       -> meter 2^24 (counts), drop
//	     else                         -> tun_dst = reg2, tun_id = VNI, output
//
//	48 arp-responder (per VNI and local port, only with ARP suppression)
//	     reg1[3] = 1 -> the reply built in place (move/load), tagged, IN_PORT
//	                    (a neighbour solicitation: made an advertisement, goto 49)
//	     else        -> goto 50 (both counted per VNI)
//
//	49 nd-advert: the advertisement's target link-layer address, tagged, IN_PORT
//
//	50 flood (per VNI and input port)
//	     from a local port: (meter:VNI when the VNI has a BUM rate), then
//	                        every local port of the VNI (tagged per port), then
//	                        tun_id = VNI and tun_dst = group, output tunnel
//	                        (replication mode: group:VNI, a bucket per peer;
//	                        EVPN network: group:VNI, a bucket per VTEP of it)
//	                        underlay MTU known: check_pkt_larger into reg1[2],
//	                        resubmit(,55) for the tunnel copy
//	     from the tunnel:   local ports only (split horizon)
//
//	55 flood-out (only with the underlay MTU known, see oversize.go)
//	     reg1[2] = 1 (too long)       -> meter 2^24 (counts), drop
//	     else                         -> tun_id = VNI, group or tun_dst, output
//
// Why this order. Learned flows can only match, load fields and output: they
// cannot push a port's VLAN tag or honour split horizon. So the MAC table
// (30) does lookup only: it loads the destination's VTEP and port into
// registers and tables 40 and 50 act on them ("lookup, then act", as OVN
// does). The learning tables reach it with resubmit, which returns to the
// caller, and then goto egress. Egress precedes flood because goto_table
// may only move forward: egress must decide first whether the destination
// is known, and only unknown destinations continue to flood. A table after
// flood could not be reached by a frame flood already sent.
//
// # MAC ageing
//
// Learned flows have a hard timeout of mac_ageing and no idle timeout. A
// learn action that finds its flow already in place with the same actions
// only refreshes it: OVS sets the rule's modified time
// (ofproto_flow_mod_learn_refresh), which restarts the hard timeout, and
// does so for frames handled in the datapath too (the revalidators replay
// the learn action cached with each datapath flow, XC_LEARN, when it saw
// packets). Lookups in table 30 only feed an idle timeout. So an entry
// lives mac_ageing after its MAC was last seen as a source, whatever is
// sent to it; with an idle timeout a moved, silent VM's old entry would
// live as long as anyone kept sending to it. A frame from a new place
// changes the actions, so the learn action replaces the entry at once.
// pipelinetest models both timeouts (Switch.Advance).
//
// # VLANs and ports
//
// A VLAN maps to one VNI on a VTEP (the configuration enforces it), so
// VLAN -> VNI on ingress and VNI -> VLAN on egress are one-to-one per VTEP,
// and two VTEPs may carry the same VNI on different VLANs (VLAN
// translation). Port membership follows OVS's tag and trunks columns (see
// Port). Frames are untagged inside the pipeline: classify pops the trunk's
// tag, egress and flood push the port's.
//
// # Trusted VTEPs
//
// With Desired.RestrictVTEPs, classify drops tunnel frames whose outer
// source (tun_src) is outside Desired.TrustedVTEPs, before tunnel-in could
// learn anything from them. A flow cannot say "not in this set", and the
// classify-tunnel flows must stay one per VNI, so the drops cover the
// complement: the fewest CIDR blocks outside the trusted prefixes
// (trust.go, at most 32 per prefix), disjoint, at one priority above
// classify-tunnel, all with feature drop-untrusted-vtep. A trusted set that
// grows changes only these flows.
//
// # Invalid frames
//
// Classify drops, above every other flow, frames whose source MAC has the
// group bit (multicast, broadcast); tunnel-in and local-in drop those whose
// source is all zeros, which source-check marks (drop-invalid-source):
// no station sends from them, as the Linux bridge also refuses them, and a
// learned group source would steer that group's traffic to one port. It
// also drops frames with a second VLAN tag behind the first, whatever its
// TPID (drop-stacked-vlan): OVS parses one tag and leaves the next TPID in
// dl_type. A single 802.1ad (0x88a8) tag cannot be told from an 802.1Q one:
// OVS takes both for a VLAN and OpenFlow has no TPID field (ovs-fields(7)).
//
// # Port security
//
// A secured Port (Port.Secured) may send only from Port.AllowedMACs. In
// local-in its learn flows match each allowed source exactly (priority
// 120) instead of any unicast source, and one flow per port drops
// everything else it sends (115, drop-port-security). Each allowed MAC
// that only this port claims in a network is static there: table mac
// holds a programmed entry for it (110, mac-static), above every learned
// one (100), and local-in and tunnel-in drop frames from it in that
// network (110, drop-port-security), so no other port and no remote VTEP
// can move it, nor even make a learned entry for it. The secured port's
// own allowed-source flow (120) wins over that drop.
//
// A secured port with allowed IPv4 addresses (Port.AllowedIPs, or
// Port.IPSecured with none: fail closed) is also held to them in every
// network it is in (portsecip.go): above its allowed-source flows, its
// ARP passes only with an allowed MAC as sender and an allowed IP (or
// 0.0.0.0, a probe) as sender IP, its IPv4 only from an allowed source
// or as a DHCP client's request (0.0.0.0, UDP 68 -> 67), each with the
// port's learning actions (125); any other ARP or IPv4 of the port is
// dropped (122, drop-port-security). IPv6 and other ethertypes keep the
// MAC check. Without allowed IPs a port's ARP is guarded only in networks
// with ARP suppression, for its sender MAC.
//
// # MAC limits
//
// Network.MaxMACs and Desired.MaxMACsPerPort ride on the learn actions:
// learn(limit=N) adds no new flow while table mac holds N flows with the
// learned flow's cookie, and refreshes existing ones whatever the count
// (OVS 2.8, NXAST_LEARN2). Learned-remote flows of a VNI share one cookie,
// learned-local ones have one per (port, VNI), so the remote MACs of a VNI
// are bounded by MaxMACs and the MACs of each local port by the smaller
// limit that is set. result_dst=reg1[1] gets 0 when the limit refused,
// and the mac-limit table (25, reached by resubmit, forwarding nothing)
// counts those frames per VNI. A refused frame is forwarded like any other:
// its source stays unknown, so frames to it flood.
//
// # Learning pauses
//
// A burst of refusals also pauses learning from the refused frame's place
// for LearnPauseSeconds, so that a flood of new sources does not cost OVS a
// datapath miss and a cached flow per source (pause.go).
//
// # ARP suppression
//
// Network.ARPSuppression gives a network an ARP responder (neigh.go,
// arpresponder.go): ARP senders that passed the trusted-VTEP and
// port-security checks are learned into table neigh (mode learned), static
// bindings (secured ports' AllowedIPs with one allowed MAC,
// Network.Neighbours) are programmed above them, and an ARP request from a
// local port for a bound IP is answered by the VTEP instead of flooded.
// Requests from the tunnel are not answered (the owner answers them). A
// gratuitous ARP has an entry of its own above each binding that answers
// nothing, so it floods and moves the binding on every VTEP. A secured
// port's ARP must name an allowed sender MAC (and IP, with AllowedIPs) or
// local-in drops it (drop-port-security, see Port security). IPv6 Neighbour Discovery is
// answered the same way (nd.go). DecodeNeigh (neighread.go) reads a
// binding flow.
//
// # Storm control
//
// Network.BUMPPS > 0 gives the VNI a meter in Result.Meters (id = VNI,
// packet rate BUMPPS, one drop band, burst BUMBurst) and puts it, as a
// meter instruction, on the VNI's flood flows for frames from local ports:
// BUM frames a VTEP's own VMs send above the rate are dropped before they
// are copied anywhere, and counted by the meter's band. Unicast to known
// MACs (egress) and BUM frames from the tunnel (metered by the sending
// VTEP) never pass it. Table flood is the only table whose declaration
// allows a meter, and Build's Checker refuses a flow naming a meter Build
// did not make (ErrMeter).
//
// # Cookies
//
// Every flow's cookie (cookie.go) carries the feature that made it, a
// digest of the flow's text and its VNI; the learn actions give learned
// flows a learned-* feature and the VNI too, so dumps can tell learned MACs
// from programmed flows and show the network of each. Local learning has a
// flow per (port, VNI) so that its learned flows' cookie also carries the
// port (LearnedLocalCookie, in the digest bits): when a port goes, one
// delete by cookie (LearnedOnPort) removes the MACs learned on it. A flow
// whose actions change keeps its key but gets a new cookie, which is how
// the controller detects modifications without decoding actions.
//
// # Flooding
//
// A frame from a local port floods through its (VNI, in_port) flow, which
// outputs to every other local member of the VNI and to the VNI's group or
// multicast address, never to the input port: OVS would skip that copy and
// log "skipping output to input port" at INFO for each flooded packet. A
// frame from the tunnel floods through the VNI's one from-tunnel flow to all
// local members (split horizon). A VNI with N local ports thus has N+1
// flood flows, and one without local ports only the from-tunnel one.
//
// # Incremental changes
//
// Classify, local learning and egress flows are per (port, VNI) and mention
// only that port; flood flows are per VNI (and input port), and each
// names the VNI's other ports. Adding or removing a port therefore changes
// only its own flows and the flood flows of the VNIs it
// carries; everything else is byte-for-byte the same, cookie included, so
// the diff is small.
//
// # Underlay
//
// In multicast mode the underlay bridge gets one "join" flow per group in
// use: VXLAN from the uplink to the group is rewritten to the VTEP's own IP
// and MAC and sent to LOCAL, where OVS decapsulates it. The join flow
// first copies the outer source IP and MAC into registers, so that OVS
// learns every flooding VTEP's MAC into its tunnel neighbour cache (see
// RegUnderlaySrcIP). Everything else
// there is switched normally. The send side (a route per group via a
// placeholder gateway) is not a flow: see config.MulticastGateways.
//
// # Frozen MACs
//
// A MAC that flaps (see package macflap) is frozen at one place:
// Desired.FrozenMACs gives it a static entry in table mac above the learned
// ones, a drop of its frames from anywhere else in the learning tables, and
// a flow forwarding its frames from the frozen place without learning
// (frozen.go, cookie features frozen-mac and drop-frozen-mac).
//
// # Learned MACs
//
// The learned MAC table is the flows the learn actions made in table mac.
// DecodeLearned (learned.go) is the one reading of such a flow: cookie,
// reg0 and dl_dst in the match, reg2 and reg3 loaded by the actions, to
// VNI, MAC, remote VTEP or local port. vtepd's API reads the flows as
// OpenFlow stats, labs and the tests as ovs-ofctl text; both hand the
// values to DecodeLearned.
//
// # EVPN networks
//
// A Network with EVPN set is served by a BGP EVPN control plane (evpn.go).
// Its tunnel-in flows learn nothing: one flow per remote VTEP that BGP
// announced (FloodVTEPs, and the VTEPs of RemoteMACs) matches tun_src and
// only looks the destination up (evpn-tunnel-in); any other outer source is
// dropped there (drop-untrusted-vtep, counted per VNI). Table mac holds an
// entry per RemoteMAC (mac-evpn, priority 90) loading the VTEP and the
// tunnel port, below learned entries (100): a MAC that moved to a local port
// is learned there and wins at once, and the control plane re-advertises
// it with a higher MAC mobility sequence; a MAC that moved away has its
// learned entry deleted by the control plane (LearnedEntry) and the BGP
// entry takes over. Floods from local ports go to group VNI, a bucket per
// FloodVTEP (ingress replication), never to a multicast group, so EVPN and
// flood-and-learn networks (multicast or replication) coexist in one
// Result. With RestrictVTEPs, the control plane also adds its VTEPs to
// TrustedVTEPs, or classify would drop them first.
//
// Package pipelinetest runs packets through the result to test behaviour.
package pipeline
