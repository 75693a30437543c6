package agent

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sirupsen/logrus"
	logtest "github.com/sirupsen/logrus/hooks/test"

	"github.com/vtep/vtep/ovsdb"
)

func TestDebounceCoalescesABurst(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	updates := make(chan string)
	kicks := make(chan string, 10)
	done := make(chan struct{})
	go func() {
		debounce(ctx, updates, 50*time.Millisecond, func(r string) { kicks <- r })
		close(done)
	}()
	start := time.Now()
	for _, u := range []string{"Port 1 modified", "Interface 1 modified", "Port 1 modified"} {
		updates <- u
	}
	select {
	case r := <-kicks:
		if r != "ovsdb: Port 1 modified (+2 more)" {
			t.Errorf("kick reason = %q", r)
		}
		if d := time.Since(start); d < 50*time.Millisecond {
			t.Errorf("kicked after %v, before the 50ms window closed", d)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no kick for the burst")
	}
	updates <- "Bridge 1 modified"
	select {
	case r := <-kicks:
		if r != "ovsdb: Bridge 1 modified" {
			t.Errorf("second kick reason = %q", r)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no kick for the second burst")
	}
	cancel()
	<-done
	if len(kicks) != 0 {
		t.Errorf("%d extra kicks", len(kicks))
	}
}

func TestMonitorRequestCoversWhatReconcileReads(t *testing.T) {
	req := monitorRequest()
	for table, cols := range map[string][]string{
		"Port":       {"name", "tag", "trunks"},
		"Interface":  {"name", "ofport", "mac_in_use"},
		"Bridge":     {"name", "ports"},
		"Controller": {"target", "is_connected"},
	} {
		for _, c := range cols {
			found := false
			for _, have := range req[table] {
				found = found || have == c
			}
			if !found {
				t.Errorf("monitor request lacks %s.%s", table, c)
			}
		}
	}
}

func TestDialOVSDBWaitsForTheServer(t *testing.T) {
	dir := t.TempDir()
	sock := filepath.Join(dir, "db.sock")
	target := "unix:" + sock
	logger, hook := logtest.NewNullLogger()
	a := New(mustConfig(t, baseConfig), logrus.NewEntry(logger))
	type result struct {
		db  *ovsdb.Client
		err error
	}
	res := make(chan result, 1)
	go func() {
		db, err := a.dialOVSDB(context.Background(), target)
		res <- result{db, err}
	}()
	warned := func() int {
		n := 0
		for _, e := range hook.AllEntries() {
			if e.Level == logrus.WarnLevel && e.Data["ovsdb"] == target && e.Data["error"] != nil {
				n++
			}
		}
		return n
	}
	deadline := time.Now().Add(10 * time.Second)
	for warned() < 2 {
		if time.Now().After(deadline) {
			t.Fatal("no two warnings naming the target and error")
		}
		select {
		case r := <-res:
			t.Fatalf("dial returned while nothing listens: %v", r.err)
		case <-time.After(10 * time.Millisecond):
		}
	}
	ln, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go answerHandshake(ln)
	select {
	case r := <-res:
		if r.err != nil {
			t.Fatal(r.err)
		}
		_ = r.db.Close()
	case <-time.After(10 * time.Second):
		t.Fatal("dial did not connect once the server listened")
	}
}

// answerHandshake answers what the ovsdb client asks a new connection
// before it counts as connected: list_dbs and echo.
func answerHandshake(ln net.Listener) {
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		go func() {
			defer c.Close()
			dec, enc := json.NewDecoder(c), json.NewEncoder(c)
			for {
				var req struct {
					ID     any    `json:"id"`
					Method string `json:"method"`
					Params any    `json:"params"`
				}
				if dec.Decode(&req) != nil {
					return
				}
				result := req.Params
				if req.Method == "list_dbs" {
					result = []string{ovsdb.DefaultDatabase}
				}
				_ = enc.Encode(map[string]any{"id": req.ID, "result": result, "error": nil})
			}
		}()
	}
}

func TestDialOVSDBStopsWithContextAndOnBadTargets(t *testing.T) {
	a := New(mustConfig(t, baseConfig), logrus.NewEntry(quiet()))
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	_, err := a.dialOVSDB(ctx, "unix:"+filepath.Join(t.TempDir(), "none.sock"))
	if !errors.Is(err, context.DeadlineExceeded) || stopped(ctx, err) != nil {
		t.Errorf("err = %v, want the context's, which stopped() ignores", err)
	}
	_, err = a.dialOVSDB(context.Background(), "/run/db.sock")
	if err == nil || stopped(context.Background(), err) == nil || !strings.Contains(err.Error(), "/run/db.sock") {
		t.Errorf("bad target: err = %v, want an immediate error naming it", err)
	}
}

func quiet() *logrus.Logger {
	l, _ := logtest.NewNullLogger()
	return l
}
