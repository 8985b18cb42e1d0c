package app

import (
	"context"
	"log/slog"
	"sync"

	"github.com/vigilcp/vigil/internal/sqlstore"
)

// Commands other than vigil serve append to the access log too (a user
// added, a list of accounts read, a demo loaded). What they write would
// stay uncovered by any checkpoint until a server next writes one, if
// ever, so the command line checkpoints after each command: Open notes the
// log's head of each database a command opens, and CheckpointMoved writes
// a checkpoint of each whose head has moved since.

// OpenedDatabases records the databases opened through Open in a context
// made by TrackOpens, with the access log's head when each was opened.
type OpenedDatabases struct {
	mu  sync.Mutex
	dbs []openedDB
}

type openedDB struct {
	url  string
	seq  int64
	hash string
}

type openedKey struct{}

// TrackOpens returns a context in which Open notes each database it opens.
func TrackOpens(ctx context.Context) (context.Context, *OpenedDatabases) {
	o := &OpenedDatabases{}
	return context.WithValue(ctx, openedKey{}, o), o
}

// noteOpen records db, opened from url, if ctx tracks opens. A database
// not yet migrated has no log: its head counts as empty.
func noteOpen(ctx context.Context, url string, db *sqlstore.DB) {
	o, _ := ctx.Value(openedKey{}).(*OpenedDatabases)
	if o == nil {
		return
	}
	seq, hash, _ := db.AccessLogHead(ctx)
	o.mu.Lock()
	defer o.mu.Unlock()
	o.dbs = append(o.dbs, openedDB{url: url, seq: seq, hash: hash})
}

// CheckpointMoved writes a checkpoint of each database whose access log
// has moved since it was opened, with the checkpointer that checkpointer
// returns (asked for at the first such database, so that a command that
// logged nothing needs no key), and returns how many moved. When it
// returns nil nothing is written, and only the count is returned, so that
// the caller can say what is left uncovered.
func (o *OpenedDatabases) CheckpointMoved(ctx context.Context, checkpointer func() (*Checkpointer, error)) (int, error) {
	o.mu.Lock()
	dbs := append([]openedDB(nil), o.dbs...)
	o.mu.Unlock()
	seen := map[string]bool{}
	moved := 0
	var cp *Checkpointer
	for _, d := range dbs {
		if seen[d.url] {
			continue
		}
		seen[d.url] = true
		err := func() error {
			db, err := sqlstore.Open(ctx, d.url, sqlstore.Options{Logger: slog.New(slog.DiscardHandler)})
			if err != nil {
				return err
			}
			defer db.Close()
			seq, hash, err := db.AccessLogHead(ctx)
			switch {
			case err != nil && d.seq == 0:
				return nil // never migrated: no log
			case err != nil:
				return err
			case seq == d.seq && hash == d.hash:
				return nil
			}
			if moved++; moved == 1 {
				if cp, err = checkpointer(); err != nil {
					return err
				}
			}
			if cp != nil {
				_, _, err = cp.Write(ctx, db)
			}
			return err
		}()
		if err != nil {
			return moved, err
		}
	}
	return moved, nil
}
