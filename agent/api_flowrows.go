package agent

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"sync"

	"github.com/sirupsen/logrus"

	"github.com/vtep/vtep/api"
	"github.com/vtep/vtep/ofapp"
	"github.com/vtep/vtep/pipeline"
)

// GET /v1/flows in the row format is written as the flows are read, not
// sorted (the reader sorts, see api's row format): each flow's row is
// encoded as its reply arrives (aside from the switch's reader) and handed
// over in chunks, which the request's goroutine writes. The switch's reader never
// waits for the client, and no list of the flows is held.

// flowRows is that answer for a query whose bridges are connected.
type flowRows struct {
	a   *Agent
	q   api.FlowQuery
	sws []roleSwitch
}

// roleSwitch is a bridge to read: its role, name and switch.
type roleSwitch struct {
	role, name string
	sw         Switch
}

// flowRowsFor returns the answer to q in the row format, or the error of
// a bridge that cannot be read (answered as any error, before any row).
func (a *Agent) flowRowsFor(q api.FlowQuery) (flowRows, error) {
	f := flowRows{a: a, q: q}
	for _, role := range flowRoles(q) {
		sw, name, err := a.switchFor(role)
		if err != nil {
			return f, err
		}
		f.sws = append(f.sws, roleSwitch{role, name, sw})
	}
	return f, nil
}

// flowRoles returns the bridge roles a query reads.
func flowRoles(q api.FlowQuery) []string {
	if q.Role != "" {
		return []string{q.Role}
	}
	return []string{api.BridgeOverlay, api.BridgeUnderlay}
}

// flowSelection returns what a flow read asks the switch for: the table
// (allTables: all) and the cookie and mask; only vtep flows carry a VNI,
// so the switch selects a VNI's.
func flowSelection(q api.FlowQuery) (table uint8, cookie, mask uint64) {
	table = allTables
	if q.Table >= 0 {
		table = uint8(q.Table)
	}
	if q.VNI != 0 {
		cookie = uint64(pipeline.VtepValue | pipeline.Cookie(q.VNI)&pipeline.CookieVNIMask)
		mask = uint64(pipeline.VtepMask | pipeline.CookieVNIMask)
	}
	return table, cookie, mask
}

// serve writes the answer: the header, the rows as they are read, and the
// end line, or an error line when a read fails midway.
func (f flowRows) serve(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	w.Header().Set("Content-Type", api.RowsType+"; charset=utf-8")
	q := newChunkQueue()
	go f.read(ctx, q)
	_, werr := io.WriteString(w, api.FlowColumns+"\n")
	for {
		chunks, done := q.take()
		for _, c := range chunks {
			if werr == nil {
				_, werr = w.Write(c)
				if werr != nil {
					cancel() // the client is gone: end the read
				}
			}
			q.recycle(c)
		}
		if done {
			break
		}
		<-q.ready
	}
	if werr != nil {
		logrus.WithError(werr).WithField("path", r.URL.Path).Debug("api: write rows")
	}
	if q.rows >= largeAnswer {
		freeOSMemory()
	}
}

// read reads the flows of each bridge into rows on q, then the end line.
func (f flowRows) read(ctx context.Context, q *chunkQueue) {
	defer q.close()
	table, cookie, mask := flowSelection(f.q)
	buf := q.buffer()
	var rw flowRowWriter
	for _, s := range f.sws {
		err := aside(func(each func(*ofapp.FlowStats) error) error {
			return eachFlow(ctx, s.sw, table, cookie, mask, each)
		}, func(fs *ofapp.FlowStats) {
			var ok bool
			if buf, ok = rw.append(buf, s, fs, f.q.VNI); !ok {
				return
			}
			q.rows++
			if len(buf) >= chunkSize {
				q.push(buf)
				buf = q.buffer()
			}
		})
		if err != nil {
			q.push(api.AppendRowsError(buf, fmt.Errorf("%s bridge %s: read flows: %w", s.role, s.name, err)))
			return
		}
	}
	q.push(api.AppendRowsEnd(buf, q.rows))
}

// flowRowWriter appends flows' rows, the row of NewFlowEntry's entry,
// with the text of the match and actions printed into scratch space
// reused from one flow to the next, and each cookie's text made once.
type flowRowWriter struct {
	match, actions []byte
	cookies        map[uint64]string
}

// append appends the row of f, read from s, unless vni is not 0 and f is
// not of that VNI (then it reports false).
func (w *flowRowWriter) append(b []byte, s roleSwitch, f *ofapp.FlowStats, vni uint32) ([]byte, bool) {
	text, ok := w.cookies[f.Cookie]
	if !ok {
		if w.cookies == nil || len(w.cookies) >= 4096 {
			w.cookies = map[uint64]string{}
		}
		text = "0x" + strconv.FormatUint(f.Cookie, 16)
		w.cookies[f.Cookie] = text
	}
	e := flowEntryHead(s.name, s.role, &f.Flow, text)
	if vni != 0 && e.VNI != vni {
		return b, false
	}
	e.Duration = f.Duration.Seconds()
	e.Packets, e.Bytes = f.Packets, f.Bytes
	w.match = f.Match.AppendText(w.match[:0])
	w.actions = f.AppendActionsText(w.actions[:0])
	return api.AppendFlowRowText(b, &e, w.match, w.actions), true
}

// chunkSize is how many bytes of rows go to the writer at once.
const chunkSize = 64 << 10

// chunkQueue hands encoded rows from a reader to a writer without ever
// making the reader wait, and gives written chunks back for reuse.
type chunkQueue struct {
	ready chan struct{} // a chunk or the end is there
	rows  int           // rows read (the reader's until close)

	mu     sync.Mutex
	chunks [][]byte
	free   [][]byte
	done   bool
}

func newChunkQueue() *chunkQueue { return &chunkQueue{ready: make(chan struct{}, 1)} }

func (q *chunkQueue) signal() {
	select {
	case q.ready <- struct{}{}:
	default:
	}
}

// push queues a chunk for the writer.
func (q *chunkQueue) push(b []byte) {
	q.mu.Lock()
	q.chunks = append(q.chunks, b)
	q.mu.Unlock()
	q.signal()
}

// close says that nothing more comes.
func (q *chunkQueue) close() {
	q.mu.Lock()
	q.done = true
	q.mu.Unlock()
	q.signal()
}

// take returns the chunks queued so far, and whether the reader is done
// (then they are the last).
func (q *chunkQueue) take() ([][]byte, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	c := q.chunks
	q.chunks = nil
	return c, q.done
}

// buffer returns an empty buffer for rows, a written one when there is.
func (q *chunkQueue) buffer() []byte {
	q.mu.Lock()
	defer q.mu.Unlock()
	if n := len(q.free); n > 0 {
		b := q.free[n-1]
		q.free = q.free[:n-1]
		return b
	}
	return make([]byte, 0, chunkSize+16<<10)
}

// recycle gives back a written chunk.
func (q *chunkQueue) recycle(b []byte) {
	q.mu.Lock()
	if len(q.free) < 8 {
		q.free = append(q.free, b[:0])
	}
	q.mu.Unlock()
}
