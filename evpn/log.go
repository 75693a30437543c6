package evpn

import (
	"context"
	"log/slog"

	"github.com/sirupsen/logrus"
)

// newSlog makes the slog.Logger GoBGP logs through, handing its lines to
// logrus with their attributes as fields, under the speaker's entry.
// GoBGP's Info lines (every update, timer and state change) go to Debug:
// the speaker logs what an operator needs itself.
func newSlog(e *logrus.Entry) *slog.Logger { return slog.New(&slogHandler{e: e}) }

type slogHandler struct {
	e *logrus.Entry
}

func level(l slog.Level) logrus.Level {
	switch {
	case l >= slog.LevelError:
		return logrus.ErrorLevel
	case l >= slog.LevelWarn:
		return logrus.WarnLevel
	case l >= slog.LevelInfo:
		return logrus.DebugLevel
	default:
		return logrus.TraceLevel
	}
}

// Enabled follows logrus's level, so GoBGP skips lines logrus would drop.
func (h *slogHandler) Enabled(_ context.Context, l slog.Level) bool {
	return h.e.Logger.IsLevelEnabled(level(l))
}

// Handle logs one record.
func (h *slogHandler) Handle(_ context.Context, r slog.Record) error {
	f := logrus.Fields{}
	r.Attrs(func(a slog.Attr) bool {
		f[a.Key] = a.Value.Any()
		return true
	})
	h.e.WithFields(f).Log(level(r.Level), r.Message)
	return nil
}

// WithAttrs returns a handler adding attrs to every line.
func (h *slogHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	f := logrus.Fields{}
	for _, a := range attrs {
		f[a.Key] = a.Value.Any()
	}
	return &slogHandler{e: h.e.WithFields(f)}
}

// WithGroup returns the handler itself: groups are flattened.
func (h *slogHandler) WithGroup(string) slog.Handler { return h }
