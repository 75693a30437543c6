package agent

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/sirupsen/logrus"

	"github.com/vtep/vtep/ovsdb"
)

// How vtepd follows OVSDB: it waits for the database at start-up, then
// subscribes to the columns it reads (monitorRequest) and reconciles when
// one changes, so that `ovs-vsctl set port vm1 tag=5`, which OpenFlow
// announces nowhere, takes effect at once. The periodic resync stays as a
// safety net only.

const (
	// monitorDebounce is how long vtepd gathers OVSDB updates before it
	// reconciles: one ovs-vsctl command can make several, and a reconcile
	// reads everything anyway.
	monitorDebounce = 50 * time.Millisecond
	// dialFirstBackoff and dialMaxBackoff bound the wait between attempts
	// to reach OVSDB at start-up.
	dialFirstBackoff = 100 * time.Millisecond
	dialMaxBackoff   = 3 * time.Second
	// dialAttemptTimeout bounds one attempt (a tcp target may not answer).
	dialAttemptTimeout = 5 * time.Second
)

// monitorRequest names the columns Reconcile and ensureBridges read; a
// change to any other column starts nothing.
func monitorRequest() ovsdb.MonitorRequest {
	return ovsdb.MonitorRequest{
		ovsdb.TableBridge:     {"name", "ports", "controller", "datapath_id"},
		ovsdb.TablePort:       {"name", "interfaces", "tag", "trunks", "vlan_mode"},
		ovsdb.TableInterface:  {"name", "type", "ofport", "mac_in_use", "error", "external_ids"},
		ovsdb.TableController: {"target", "is_connected"},
	}
}

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

// watchOVSDB subscribes to OVSDB and turns its updates into reconciles
// until ctx ends: the first update starts a monitorDebounce window, and
// one reconcile follows for everything that arrived in it. The rows sent
// again after a reconnect count as an update: anything may have changed.
func (a *Agent) watchOVSDB(ctx context.Context) {
	updates := make(chan string, 1)
	handle := func(ev ovsdb.MonitorEvent) {
		select {
		case updates <- ev.Summary():
		default: // a reconcile is coming already
		}
	}
	if a.metrics != nil {
		// Register fails only for a second Run of the same agent, whose
		// collector would read the same counters.
		_ = a.metrics.reg.Register(&ovsdbCollector{db: a.db})
	}
	if err := a.db.Monitor(ctx, monitorRequest(), handle); err != nil {
		l := a.log.WithFields(logrus.Fields{"ovsdb": a.db.Target(), "error": err})
		if errors.Is(err, ovsdb.ErrDisconnected) {
			l.Warn("ovsdb monitor not established yet; it will be on reconnect")
		} else {
			l.Error("ovsdb monitor refused; port changes wait for OpenFlow port events or the periodic resync")
			return
		}
	}
	debounce(ctx, updates, monitorDebounce, func(reason string) {
		a.log.WithFields(logrus.Fields{"reason": reason}).Debug("ovsdb changed")
		a.Kick(reason)
	})
}

// debounce calls kick once for each burst of updates until ctx ends: the
// first update opens a window of the given length, and the kick, when it
// closes, names the first update and counts the others.
func debounce(ctx context.Context, updates <-chan string, window time.Duration, kick func(reason string)) {
	for {
		var first string
		select {
		case <-ctx.Done():
			return
		case first = <-updates:
		}
		n := 1
		t := time.NewTimer(window)
	gather:
		for {
			select {
			case <-ctx.Done():
				t.Stop()
				return
			case <-updates:
				n++
			case <-t.C:
				break gather
			}
		}
		reason := "ovsdb: " + first
		if n > 1 {
			reason += " (+" + strconv.Itoa(n-1) + " more)"
		}
		kick(reason)
	}
}

var descOVSDBUpdates = prometheus.NewDesc(metricsNamespace+"_ovsdb_updates_total",
	"OVSDB update notifications, by result: delivered, or malformed (dropped and logged).", []string{"result"}, nil)

// ovsdbCollector reports the OVSDB client's monitor counters at scrape time.
type ovsdbCollector struct{ db *ovsdb.Client }

// Describe sends the collector's description.
func (c *ovsdbCollector) Describe(ch chan<- *prometheus.Desc) { ch <- descOVSDBUpdates }

// Collect sends the counters.
func (c *ovsdbCollector) Collect(ch chan<- prometheus.Metric) {
	st := c.db.MonitorStats()
	ch <- prometheus.MustNewConstMetric(descOVSDBUpdates, prometheus.CounterValue, float64(st.Updates), "delivered")
	ch <- prometheus.MustNewConstMetric(descOVSDBUpdates, prometheus.CounterValue, float64(st.Malformed), "malformed")
}
