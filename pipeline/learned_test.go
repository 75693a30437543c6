package pipeline

import (
	"errors"
	"net"
	"strconv"
	"strings"
	"testing"
)

func TestDecodeLearned(t *testing.T) {
	mac, _ := net.ParseMAC("02:00:00:00:00:0b")
	remote := NewCookie(FeatureLearnedRemote, 10)
	local := NewCookie(FeatureLearnedLocal, 10)
	tests := []struct {
		name    string
		f       LearnedFlow
		want    string // VNI MAC where port, or the error
		wantErr string
	}{
		{name: "remote", f: LearnedFlow{Cookie: remote, VNI: 10, HasVNI: true, MAC: mac, Loads: map[int]uint64{2: 0x0a000002, 3: 2}},
			want: "10 02:00:00:00:00:0b 10.0.0.2 2"},
		{name: "local, reg2 cleared", f: LearnedFlow{Cookie: local, VNI: 10, HasVNI: true, MAC: mac, Loads: map[int]uint64{2: 0, 3: 0x10001}},
			want: "10 02:00:00:00:00:0b local 1"},
		{name: "local, no reg0 match, no loads", f: LearnedFlow{Cookie: local, MAC: mac}, want: "10 02:00:00:00:00:0b local 0"},
		{name: "programmed flow", f: LearnedFlow{Cookie: NewCookie(FeatureMACMiss, 0)}, wantErr: ErrNotLearned.Error()},
		{name: "foreign flow", f: LearnedFlow{Cookie: 0, MAC: mac}, wantErr: ErrNotLearned.Error()},
		{name: "no MAC", f: LearnedFlow{Cookie: remote, Loads: map[int]uint64{2: 1}}, wantErr: "no dl_dst match"},
		{name: "VNIs disagree", f: LearnedFlow{Cookie: remote, VNI: 11, HasVNI: true, MAC: mac, Loads: map[int]uint64{2: 1}},
			wantErr: "reg0 VNI 11 differs from the cookie's VNI 10"},
		{name: "remote without VTEP", f: LearnedFlow{Cookie: remote, MAC: mac, Loads: map[int]uint64{3: 2}}, wantErr: "loads no VTEP address"},
		{name: "remote with VTEP 0", f: LearnedFlow{Cookie: remote, MAC: mac, Loads: map[int]uint64{2: 0}}, wantErr: "loads no VTEP address"},
		{name: "local with VTEP", f: LearnedFlow{Cookie: local, MAC: mac, Loads: map[int]uint64{2: 5}}, wantErr: "loads VTEP address 0x5"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, err := DecodeLearned(tt.f)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("DecodeLearned = %+v, %v; want error %q", e, err, tt.wantErr)
				}
				if (tt.wantErr == ErrNotLearned.Error()) != errors.Is(err, ErrNotLearned) {
					t.Errorf("errors.Is(%v, ErrNotLearned) wrong", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			where := "local"
			if e.Remote {
				where = e.VTEP.String()
			} else if e.VTEP.IsValid() {
				t.Errorf("local MAC with VTEP %s", e.VTEP)
			}
			if got := strings.Join([]string{strconv.FormatUint(uint64(e.VNI), 10), e.MAC.String(), where, strconv.FormatUint(uint64(e.Port), 10)}, " "); got != tt.want {
				t.Errorf("DecodeLearned = %q, want %q", got, tt.want)
			}
		})
	}
}
