package app

import (
	"context"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/vigilcp/vigil/internal/sqlstore"
)

// IndexEvery is how often a running Vigil brings the access log's
// per-record index up to date. Until it does, "who has looked at this
// record" reads the newest entries directly, so the interval bounds only
// that extra reading, never what the answer holds.
const IndexEvery = time.Second

// IndexAtStop bounds the last indexing when a server stops: what is left
// after it is indexed by the next server, and searches read it meanwhile.
const IndexAtStop = 5 * time.Second

// RunAccessLogIndexer indexes the access log behind its writers every
// interval (IndexEvery when zero) until the returned stop is called,
// which cuts short a run in progress and indexes what is left for up to
// IndexAtStop. Every instance behind a load balancer may run one: their
// batches queue on the index mark.
func RunAccessLogIndexer(ctx context.Context, db *sqlstore.DB, log *slog.Logger, every time.Duration) (stop func()) {
	if every <= 0 {
		every = IndexEvery
	}
	running, cut := context.WithCancel(context.WithoutCancel(ctx))
	var stopping atomic.Bool
	stopRepeat := repeat(every, func() {
		c := running
		if stopping.Load() {
			var cancel context.CancelFunc
			c, cancel = context.WithTimeout(context.WithoutCancel(ctx), IndexAtStop)
			defer cancel()
		}
		err := CatchUpAccessLogIndex(c, db, nil)
		if err != nil && c.Err() == nil {
			log.Error("indexing the access log failed", slog.String("error", err.Error()))
		}
	})
	return func() {
		stopping.Store(true)
		cut()
		stopRepeat()
	}
}

// CatchUpAccessLogIndex indexes, batch by batch, every access-log entry
// written before it was called, reporting entries done of those behind.
func CatchUpAccessLogIndex(ctx context.Context, db *sqlstore.DB, progress func(done, total int)) error {
	start, err := db.AccessLogIndexState(ctx)
	if err != nil {
		return err
	}
	behind := int(start.Head - start.Indexed)
	if progress == nil {
		progress = func(int, int) {}
	}
	progress(0, behind)
	for p := start; p.Indexed < start.Head; {
		if p, err = db.IndexAccessLog(ctx); err != nil {
			return err
		}
		progress(int(min(p.Indexed, start.Head)-start.Indexed), behind)
		if p.Entries == 0 {
			return nil
		}
	}
	return nil
}
