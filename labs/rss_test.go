package labs

import (
	"os"
	"testing"
)

func TestRSS(t *testing.T) {
	self, err := RSS(0)
	if err != nil || self <= 0 {
		t.Fatalf("RSS(0) = %d, %v", self, err)
	}
	byPid, err := RSS(os.Getpid())
	if err != nil || byPid <= 0 {
		t.Fatalf("RSS(own pid) = %d, %v", byPid, err)
	}
	if _, err := RSS(1 << 30); err == nil {
		t.Error("RSS of a process that does not exist: no error")
	}
}
