package config

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestMACFlapDefaultsAndKeys(t *testing.T) {
	c, err := Parse([]byte(minimal))
	if err != nil {
		t.Fatal(err)
	}
	if c.MACFlap.MaxMoves != 5 || c.MACFlap.Window != 180*time.Second {
		t.Errorf("defaults: %+v, want 5 moves in 180s", c.MACFlap)
	}
	c, err = Parse([]byte(minimal + "mac_flap: {max_moves: 0, window: 10s}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if c.MACFlap.MaxMoves != 0 || c.MACFlap.Window != 10*time.Second {
		t.Errorf("parsed %+v", c.MACFlap)
	}
}

func TestMACFlapInvalid(t *testing.T) {
	for _, tc := range []struct {
		yaml, msg string
		is        error
	}{
		{"mac_flap: {max_moves: 1001}\n", "mac_flap.max_moves: 1001 out of range 0..1000", ErrOutOfRange},
		{"mac_flap: {max_moves: -1}\n", "mac_flap.max_moves: -1 out of range 0..1000", ErrOutOfRange},
		{"mac_flap: {window: 0s}\n", "mac_flap.window: 0s out of range: want 1s..3600s", ErrOutOfRange},
		{"mac_flap: {window: 2h}\n", "mac_flap.window: 2h0m0s out of range: want 1s..3600s", ErrOutOfRange},
		{"mac_flap: {window: 1.5s}\n", "mac_flap.window: 1.5s invalid: want whole seconds", ErrInvalid},
		{"mac_flap: {moves: 3}\n", "mac_flap.moves", ErrUnknownKey},
	} {
		_, err := Parse([]byte(minimal + tc.yaml))
		if err == nil || !strings.Contains(err.Error(), tc.msg) || !errors.Is(err, tc.is) {
			t.Errorf("%q: got %v, want %q (%v)", tc.yaml, err, tc.msg, tc.is)
		}
	}
}
