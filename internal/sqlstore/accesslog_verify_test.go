package sqlstore_test

import (
	"context"
	"crypto/ed25519"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/vigilcp/vigil/internal/sqlstore"
	"github.com/vigilcp/vigil/internal/vigil"
	"github.com/vigilcp/vigil/internal/vigiltest"
)

// TestVerifyReportsTheTail: entries after the newest checkpoint are not
// covered by any signature, so a rewrite of them passes the chain check;
// verify says how many there are and when the first was written, so that
// the command can refuse a tail left uncovered too long. Checkpoints
// repeated in the file each count as matched.
func TestVerifyReportsTheTail(t *testing.T) {
	_, key, _ := ed25519.GenerateKey(nil)
	for _, e := range vigiltest.Engines() {
		t.Run(string(e), func(t *testing.T) {
			url := vigiltest.NewURL(t, e)
			db := openMigrated(t, url)
			loadSmallDemo(t, db)
			fillLog(t, db)
			ctx := context.Background()
			signed, hash, err := db.AccessLogHead(ctx)
			if err != nil {
				t.Fatal(err)
			}
			cp := vigil.SignCheckpoint(key, signed, hash, time.Now())
			res, err := db.VerifyAccessLog(ctx, []vigil.Checkpoint{cp, cp}, nil)
			if err != nil || res.Problem != "" || res.Checkpoints != 2 || res.Tail != 0 || !res.TailFrom.IsZero() {
				t.Fatalf("with nothing after the checkpoint: %+v %v", res, err)
			}
			// Three more entries; the first of them is the tail's start.
			for range 3 {
				readOneChild(t, db)
			}
			last, _, _ := db.AccessLogHead(ctx)
			raw := rawDB(t, e, url)
			var firstAt any
			if err := raw.QueryRow("SELECT at FROM access_log WHERE seq = $1", signed+1).Scan(&firstAt); err != nil {
				t.Fatal(err)
			}
			// Rewritten after the checkpoint, hashes and all: the chain holds.
			unguard(t, e, raw)
			recomputeAfterEdit(t, raw, last-1)
			res, err = db.VerifyAccessLog(ctx, []vigil.Checkpoint{cp}, nil)
			if err != nil || res.Problem != "" {
				t.Fatalf("a rewritten tail is not detectable by the chain: %+v %v", res, err)
			}
			if res.Tail != last-signed || res.NewestCheckpoint.Seq != signed || res.TailFrom.IsZero() ||
				time.Since(res.TailFrom) > time.Hour || time.Since(res.TailFrom) < 0 {
				t.Errorf("tail %d from %s after checkpoint %d; want %d entries from entry %d (%v)", res.Tail, res.TailFrom,
					res.NewestCheckpoint.Seq, last-signed, signed+1, firstAt)
			}
			// With no checkpoints the whole log is the tail.
			res, _ = db.VerifyAccessLog(ctx, nil, nil)
			if res.Tail != last || res.NewestCheckpoint.Seq != 0 {
				t.Errorf("with no checkpoints: tail %d, want %d", res.Tail, last)
			}
		})
	}
}

// FuzzParseIDs holds the fast parser of stored record ids to vigil's.
func FuzzParseIDs(f *testing.F) {
	for _, s := range []string{"", "1", "1 2 3", " 1", "1  2", "1 ", "+5", "-3 4", "007", "123456789012345678", "1234567890123456789",
		"99999999999999999999", "1\t2", "1\n2", "٣"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want, werr := vigil.ParseIDs(s)
		got, gerr := sqlstore.ParseIDsForTest(s)
		if (werr == nil) != (gerr == nil) || !slices.Equal(want, got) {
			t.Errorf("%q: %v %v; vigil.ParseIDs gives %v %v", s, got, gerr, want, werr)
		}
	})
}

// TestVerifyWhileTheLogGrows: a check run while Vigil appends to the log
// and indexes it finds nothing wrong (the chain and the index are read in
// snapshots, and rows indexed between them are left for the next check).
func TestVerifyWhileTheLogGrows(t *testing.T) {
	for _, e := range vigiltest.Engines() {
		t.Run(string(e), func(t *testing.T) {
			db := openMigrated(t, vigiltest.NewURL(t, e))
			loadSmallDemo(t, db)
			ctx := vigiltest.As(t, db, "missing.ashvale")
			children := sqlstore.NewChildService(db)
			page, err := children.Children(ctx, vigil.ChildFilter{PageRequest: vigil.PageRequest{Limit: 20}})
			if err != nil || len(page.Items) == 0 {
				t.Fatal(err)
			}
			done := make(chan struct{})
			var wg sync.WaitGroup
			wg.Go(func() { // readers and the indexer, as in a running server
				for i := 0; ; i++ {
					select {
					case <-done:
						return
					default:
					}
					if _, err := children.Child(ctx, page.Items[i%len(page.Items)].ID); err != nil {
						t.Error(err)
						return
					}
					if _, err := db.IndexAccessLog(context.Background()); err != nil {
						t.Error(err)
						return
					}
				}
			})
			for range 10 {
				res, err := db.VerifyAccessLog(context.Background(), nil, nil)
				if err != nil || res.Problem != "" {
					t.Errorf("verify while the log grows: %+v %v", res, err)
				}
			}
			close(done)
			wg.Wait()
		})
	}
}
