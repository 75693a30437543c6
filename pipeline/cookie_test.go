package pipeline

import (
	"strings"
	"testing"

	"github.com/vtep/vtep/ofapp"
)

func TestCookieParts(t *testing.T) {
	tests := []struct {
		f      Feature
		vni    uint32
		digest uint32
		want   string
	}{
		{FeatureFlood, 10, 0xdeadbeef, "flood vni=10 digest=0xdeadbeef"},
		{FeatureDropUnknownVLAN, 0, 1, "drop-unknown-vlan digest=0x00000001"},
		{FeatureLearnedRemote, 16777215, 0, "learned-remote vni=16777215"},
		{Feature(0x7f), 0, 0, "feature-0x7f"},
	}
	for _, tt := range tests {
		c := NewCookie(tt.f, tt.vni).WithDigest(tt.digest)
		if c.Feature() != tt.f || c.VNI() != tt.vni || c.Digest() != tt.digest {
			t.Errorf("cookie %#x: feature %s vni %d digest %#x, want %s %d %#x", uint64(c), c.Feature(), c.VNI(), c.Digest(), tt.f, tt.vni, tt.digest)
		}
		if got := c.String(); got != tt.want {
			t.Errorf("String() = %q, want %q", got, tt.want)
		}
	}
	if got := NewCookie(FeatureFlood, 1<<24|5).VNI(); got != 5 {
		t.Errorf("VNI overflowing 24 bits leaked into the digest: VNI() = %d", got)
	}
}

func TestCookieMasks(t *testing.T) {
	for _, f := range Features() {
		c := NewCookie(f, 42).WithDigest(0xffffffff)
		learned := c&LearnedMask == LearnedValue
		programmed := c&ProgrammedMask == ProgrammedValue
		if !c.IsVtep() || learned == programmed || learned != f.Learned() {
			t.Errorf("%s: vtep %v learned %v programmed %v", f, c.IsVtep(), learned, programmed)
		}
		if strings.HasPrefix(f.String(), "feature-") {
			t.Errorf("feature %#x has no name", uint8(f))
		}
	}
	if len(Features()) != len(featureNames) {
		t.Errorf("Features() lists %d, names %d", len(Features()), len(featureNames))
	}
	if Cookie(0).IsVtep() || Cookie(0x1234).IsVtep() {
		t.Errorf("foreign cookies counted as vtep's")
	}
}

func TestFlowDigest(t *testing.T) {
	base := ofapp.Flow{Table: 40, Priority: 100, Cookie: uint64(NewCookie(FeatureEgress, 10)),
		Match: ofapp.Match{matchVNI(10), matchOutPort(2)}, Actions: []ofapp.Action{ofapp.Output{Port: 2}}}
	sealed := Seal(base)
	if Cookie(sealed.Cookie).Digest() == 0 || Cookie(sealed.Cookie).Feature() != FeatureEgress || Cookie(sealed.Cookie).VNI() != 10 {
		t.Fatalf("Seal: cookie %s", Cookie(sealed.Cookie))
	}
	if Seal(sealed).Cookie != sealed.Cookie {
		t.Errorf("sealing twice changed the cookie")
	}
	other := base
	other.Actions = []ofapp.Action{ofapp.PushVLAN{}, ofapp.SetVLANVID{VID: 5}, ofapp.Output{Port: 2}}
	if Seal(other).Key() != sealed.Key() || Seal(other).Cookie == sealed.Cookie {
		t.Errorf("same key, different actions: cookies %#x and %#x, want different", Seal(other).Cookie, sealed.Cookie)
	}
	timed := base
	timed.IdleTimeout = 5
	if Seal(timed).Cookie == sealed.Cookie {
		t.Errorf("different timeouts gave the same cookie")
	}
}

func TestLearnedLocalCookiePort(t *testing.T) {
	c := LearnedLocalCookie(10, 7)
	if c.Feature() != FeatureLearnedLocal || c.VNI() != 10 || c.Port() != 7 || c&LearnedMask != LearnedValue {
		t.Fatalf("LearnedLocalCookie(10, 7) = %#x: %s, port %d", uint64(c), c, c.Port())
	}
	if got, want := c.String(), "learned-local vni=10 port=7"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
	if p := NewCookie(FeatureEgress, 10).WithDigest(7).Port(); p != 0 {
		t.Errorf("a programmed flow's digest read as port %d", p)
	}
	value, mask := LearnedOnPort(7)
	for _, tt := range []struct {
		c    Cookie
		want bool
	}{
		{LearnedLocalCookie(10, 7), true},
		{LearnedLocalCookie(4000, 7), true},
		{LearnedLocalCookie(10, 8), false},
		{LearnedLocalCookie(10, 7|1<<16), false},
		{NewCookie(FeatureLearnedRemote, 10).WithDigest(7), false},
		{NewCookie(FeatureLearnLocal, 10).WithDigest(7), false},
	} {
		if got := tt.c&mask == value; got != tt.want {
			t.Errorf("LearnedOnPort(7) selects %s: %v, want %v", tt.c, got, tt.want)
		}
	}
}

// Every flow Build makes has a named feature (dump-flows and metrics show
// the name; a missing one prints as feature-0xNN).
func TestEveryBuiltFeatureNamed(t *testing.T) {
	for name, s := range goldenStates(t) {
		for _, f := range mustBuild(t, s).Overlay {
			if n := Cookie(f.Cookie).Feature().String(); strings.HasPrefix(n, "feature-") {
				t.Errorf("%s: flow %s has no feature name (%s)", name, f, n)
			}
		}
	}
	for _, f := range []Feature{FeatureMACEVPN, FeatureEVPNTunnelIn, FeatureFloodOut} {
		if strings.HasPrefix(f.String(), "feature-") {
			t.Errorf("feature %#x has no name", uint8(f))
		}
	}
}
