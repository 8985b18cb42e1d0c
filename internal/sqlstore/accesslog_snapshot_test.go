package sqlstore

import (
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vigilcp/vigil/internal/vigil"
)

// TestVerifySnapshotsApart: the index's snapshot is taken after the
// chain's, so a running indexer may have moved the mark between them.
// Rows indexed in between are neither compared nor taken for tampering;
// a row past the index's own mark still is.
func TestVerifySnapshotsApart(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "v.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	logReads := func(n int) {
		t.Helper()
		for i := range n {
			if err := db.writeTx(ctx, func(tx *Tx) error {
				tx.log(vigil.ActionRead, vigil.KindChild, []int64{int64(i + 1), int64(i + 2), int64(i + 1)}, vigil.OutcomeOK, "")
				return nil
			}); err != nil {
				t.Fatal(err)
			}
		}
		for {
			p, err := db.IndexAccessLog(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if p.Indexed >= p.Head {
				return
			}
		}
	}
	logReads(5)
	chain, err := db.read.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer chain.Rollback()
	var st logState
	if err := chain.QueryRowContext(ctx, `SELECT i.seq, h.seq, h.hash FROM access_log_index_head i, access_log_head h
		WHERE i.id = 1 AND h.id = 1`).Scan(&st.mark, &st.headSeq, &st.headHash); err != nil {
		t.Fatal(err)
	}
	logReads(3) // between the two snapshots
	index, err := db.indexReader(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer index.close()
	indexMark, err := index.mark(ctx)
	if err != nil || st.mark != 5 || indexMark != 8 {
		t.Fatalf("marks %d and %d (%v), want 5 and 8", st.mark, indexMark, err)
	}
	key := newRecordKey()
	sc, err := scanIndex(ctx, index, key.clone(), st.mark, indexMark)
	if err != nil {
		t.Fatal(err)
	}
	res, named, err := walkChain(ctx, chain, st, nil, nil, key)
	if err != nil || res.Problem != "" || res.Entries != 5 {
		t.Fatalf("chain: %+v %v", res, err)
	}
	if bad, problem, err := compareIndex(ctx, chain, named, sc); err != nil || problem != "" || sc.rows != 10 {
		t.Errorf("with the mark moved between snapshots: %q at %d (%v), %d rows compared; want none and 10", problem, bad, err, sc.rows)
	}
	// The same rows read as if the index's mark had not moved are rows
	// past the mark: that is what a row added by hand looks like.
	sc, err = scanIndex(ctx, index, key.clone(), st.mark, st.mark)
	if err != nil {
		t.Fatal(err)
	}
	if bad, problem, _ := compareIndex(ctx, chain, named, sc); bad != 6 || !strings.Contains(problem, "past the index mark") {
		t.Errorf("rows past the mark: %q at %d", problem, bad)
	}
}
