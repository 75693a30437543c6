// Package config reads and checks vtepd's configuration file.
//
// The file is YAML. Parse decodes it into a Config, fills defaults for every
// optional key and validates everything before vtepd touches Open vSwitch:
// unknown keys, malformed addresses and durations, out-of-range VNIs and
// VLANs, multicast groups inside 224.0.0.0/24, a VLAN mapped to two VNIs,
// overlapping subnets, and a VTEP subnet too small to hold the placeholder
// gateways multicast mode needs. Every problem is reported, not just the
// first, each as a *FieldError naming the key path and the value
// ("networks[2].vlan: 5000 out of range 1..4094"), joined with errors.Join.
//
// Decoding walks the yaml.v3 node tree against the Config struct's yaml tags
// instead of using yaml.Decoder.KnownFields: the decoder stops at the first
// error and names Go types rather than key paths, while the walk collects
// every unknown key and type error under its path.
//
// Defaults are the zero Config's fields filled by Default before decoding, so
// a key present in the file always wins, even when it sets an empty value
// (api.listen: "" turns the API off).
//
// The package only reads bytes and files; it knows nothing about OVS. It also
// owns the pure helper the daemon needs for multicast mode: the placeholder
// next hop per group (MulticastGateways) that makes OVS's tunnel router accept
// a route to the group (the group's Ethernet address is underlay.GroupMAC),
// and the reload policy: which keys a SIGHUP may change (ReloadPolicy).
// docs/config.md documents every key.
package config
