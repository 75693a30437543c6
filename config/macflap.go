package config

import "time"

// MACFlap configures MAC-flap detection: a MAC that moves MaxMoves times
// within Window (between local ports and remote VTEPs of its VNI) is
// frozen at one place until an operator flushes it (vtepctl macs flush).
// The defaults are those of FRR's duplicate address detection.
type MACFlap struct {
	// MaxMoves is the number of moves within Window that freezes a MAC;
	// 0 turns detection off.
	MaxMoves uint16 `yaml:"max_moves" range:"0..1000"`
	// Window is the period the moves are counted over (whole seconds,
	// 1s..3600s).
	Window time.Duration `yaml:"window"`
}

// Defaults of mac_flap.
const (
	DefaultMACFlapMaxMoves = 5
	DefaultMACFlapWindow   = 180 * time.Second
)

// validateMACFlap checks mac_flap.window (max_moves is range-checked while
// decoding).
func (c *Config) validateMACFlap(errs *errorList) {
	w := c.MACFlap.Window
	switch {
	case w < time.Second || w > time.Hour:
		errs.addf("mac_flap.window", w.String(), ErrOutOfRange, "want 1s..3600s")
	case w%time.Second != 0:
		errs.addf("mac_flap.window", w.String(), ErrInvalid, "want whole seconds")
	}
}
