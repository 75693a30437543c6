package agent

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/vtep/vtep/ovsdb"
)

// How vtepd follows OVSDB: it waits for the database at start-up.

const (
	// dialFirstBackoff and dialMaxBackoff bound the wait between attempts
	// to reach OVSDB at start-up.
	dialFirstBackoff = 100 * time.Millisecond
	dialMaxBackoff   = 3 * time.Second
	// dialAttemptTimeout bounds one attempt (a tcp target may not answer).
	dialAttemptTimeout = 5 * time.Second
)

// dialOVSDB connects to OVSDB, waiting for it as long as ctx lasts: vtepd
// may start before ovsdb-server does. Each failed attempt is logged; only
// a target that can never work (a syntax error) fails at once.
func (a *Agent) dialOVSDB(ctx context.Context, target string) (*ovsdb.Client, error) {
	wait := dialFirstBackoff
	for attempt := 1; ; attempt++ {
		actx, cancel := context.WithTimeout(ctx, dialAttemptTimeout)
		db, err := ovsdb.Dial(actx, target, ovsdb.WithLogger(a.log.WithField("component", "ovsdb")))
		cancel()
		if err == nil {
			if attempt > 1 {
				a.log.WithFields(logrus.Fields{"ovsdb": target, "attempts": attempt}).Info("ovsdb reachable")
			}
			return db, nil
		}
		if !errors.Is(err, ovsdb.ErrDisconnected) {
			return nil, fmt.Errorf("ovsdb %s: %w", target, err)
		}
		if ctx.Err() != nil {
			return nil, fmt.Errorf("ovsdb %s: stopped while waiting for it: %w", target, ctx.Err())
		}
		a.log.WithFields(logrus.Fields{"ovsdb": target, "attempt": attempt, "error": err, "retry_in": wait.String()}).
			Warn("ovsdb not reachable; waiting for it")
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, fmt.Errorf("ovsdb %s: stopped while waiting for it: %w", target, ctx.Err())
		case <-t.C:
		}
		wait = min(2*wait, dialMaxBackoff)
	}
}

// stopped returns nil when err comes from ctx ending (vtepd was asked to
// stop, which is no failure), else err.
func stopped(ctx context.Context, err error) error {
	if err != nil && ctx.Err() != nil && errors.Is(err, ctx.Err()) {
		return nil
	}
	return err
}
