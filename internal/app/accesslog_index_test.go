package app_test

import (
	"context"
	"io"
	"log/slog"
	"os"
	"testing"
	"time"

	"github.com/vigilcp/vigil/internal/app"
	"github.com/vigilcp/vigil/internal/sqlstore"
	"github.com/vigilcp/vigil/internal/vigil"
	"github.com/vigilcp/vigil/internal/vigiltest"
)

func TestMain(m *testing.M) { os.Exit(vigiltest.Main(m)) }

// TestAccessLogIndexerKeepsUp: the indexer brings the per-record index up
// to date while it runs, and what is written just before it stops is
// indexed on the way out.
func TestAccessLogIndexerKeepsUp(t *testing.T) {
	db, _ := vigiltest.DemoDB(t, sqlstore.SQLite, vigiltest.SmallDemo(false))
	ctx := context.Background()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	list := func() {
		t.Helper()
		as := vigiltest.As(t, db, "missing.ashvale")
		if _, err := sqlstore.NewChildService(db).Children(as, vigil.ChildFilter{}); err != nil {
			t.Fatal(err)
		}
	}
	behind := func() int64 {
		t.Helper()
		p, err := db.AccessLogIndexState(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return p.Head - p.Indexed
	}
	list()
	if behind() == 0 {
		t.Fatal("the log was indexed before any indexer ran")
	}
	stop := app.RunAccessLogIndexer(ctx, db, log, 10*time.Millisecond)
	for deadline := time.Now().Add(10 * time.Second); behind() > 0; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("still %d entries behind after 10 s", behind())
		}
	}
	stop()

	stop = app.RunAccessLogIndexer(ctx, db, log, time.Hour)
	list()
	stop()
	if n := behind(); n != 0 {
		t.Errorf("%d entries left unindexed at stop", n)
	}
}
