package app

import (
	"context"
	"log/slog"
	"time"

	"github.com/vigilcp/vigil/internal/sqlstore"
)

// IndexEvery is how often a running Vigil brings the access log's
// per-record index up to date. Until it does, "who has looked at this
// record" reads the newest entries directly, so the interval bounds only
// that extra reading, never what the answer holds.
const IndexEvery = time.Second

// RunAccessLogIndexer indexes the access log behind its writers every
// interval (IndexEvery when zero) until the returned stop is called,
// which indexes what is left. Every instance behind a load balancer may
// run one: their batches queue on the index mark.
func RunAccessLogIndexer(ctx context.Context, db *sqlstore.DB, log *slog.Logger, every time.Duration) (stop func()) {
	if every <= 0 {
		every = IndexEvery
	}
	ctx = context.WithoutCancel(ctx)
	return repeat(every, func() {
		if err := CatchUpAccessLogIndex(ctx, db, nil); err != nil {
			log.Error("indexing the access log failed", slog.String("error", err.Error()))
		}
	})
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
