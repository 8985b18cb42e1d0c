package sqlstore_test

import (
	"context"
	"crypto/ed25519"
	"database/sql"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vigilcp/vigil/internal/demo"
	"github.com/vigilcp/vigil/internal/sqlstore"
	"github.com/vigilcp/vigil/internal/vigil"
	"github.com/vigilcp/vigil/internal/vigiltest"
)

// rawDB opens the database directly, as someone with access to it (not
// through Vigil) would, and lifts the append-only guard as a database
// owner could.
func rawDB(t *testing.T, engine sqlstore.Engine, url string) *sql.DB {
	t.Helper()
	driver, dsn := "pgx", url
	if engine == sqlstore.SQLite {
		driver, dsn = "sqlite", "file:"+strings.TrimPrefix(url, "sqlite:")+"?_pragma=busy_timeout(5000)"
	}
	db, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func unguard(t *testing.T, engine sqlstore.Engine, db *sql.DB) {
	t.Helper()
	stmts := []string{"ALTER TABLE access_log DISABLE TRIGGER USER", "ALTER TABLE access_log_records DISABLE TRIGGER USER"}
	if engine == sqlstore.SQLite {
		stmts = []string{"DROP TRIGGER access_log_no_update", "DROP TRIGGER access_log_no_delete",
			"DROP TRIGGER access_log_records_no_update", "DROP TRIGGER access_log_records_no_delete"}
	}
	for _, s := range stmts {
		if _, err := db.Exec(s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
}

// fillLog makes some access-log entries by using Vigil.
func fillLog(t *testing.T, db *sqlstore.DB) {
	t.Helper()
	ctx := vigiltest.As(t, db, "missing.ashvale")
	svc := sqlstore.NewChildService(db)
	page, err := svc.Children(ctx, vigil.ChildFilter{PageRequest: vigil.PageRequest{Limit: 5}})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range page.Items {
		if _, err := svc.Child(ctx, c.ID); err != nil {
			t.Fatal(err)
		}
	}
	sqlstore.NewSessionService(db).SignIn(context.Background(), "nobody", "wrong password here")
}

func TestAccessLogIsAppendOnly(t *testing.T) {
	for _, e := range vigiltest.Engines() {
		t.Run(string(e), func(t *testing.T) {
			url := vigiltest.NewURL(t, e)
			db := openMigrated(t, url)
			loadSmallDemo(t, db)
			fillLog(t, db)
			if _, err := db.IndexAccessLog(context.Background()); err != nil {
				t.Fatal(err)
			}
			raw := rawDB(t, e, url)
			for _, stmt := range []string{"UPDATE access_log SET username = 'someone else' WHERE seq = 2",
				"DELETE FROM access_log WHERE seq = 3", "DELETE FROM access_log_records"} {
				if _, err := raw.Exec(stmt); err == nil || !strings.Contains(err.Error(), "append-only") {
					t.Errorf("%s: the database allowed it (%v)", stmt, err)
				}
			}
		})
	}
}

// TestVerifyCatchesTampering makes each kind of edit someone with the
// database could make, on both engines, and checks that verify names the
// entry it first shows at. The log is indexed up to a mark with two
// entries after it, as in a running Vigil.
func TestVerifyCatchesTampering(t *testing.T) {
	_, key, _ := ed25519.GenerateKey(nil)
	// Each tamper returns the entry verify must name; last is the newest
	// entry and mark the last one indexed.
	cases := []struct {
		name   string
		tamper func(t *testing.T, raw *sql.DB, last, mark int64) int64
		want   string
	}{
		{"one byte of one entry changed", func(t *testing.T, raw *sql.DB, last, mark int64) int64 {
			mustExec(t, raw, "UPDATE access_log SET reason = reason || 'x' WHERE seq = 4")
			return 4
		}, "entry 4 has been altered"},
		{"an entry's records changed", func(t *testing.T, raw *sql.DB, last, mark int64) int64 {
			mustExec(t, raw, "UPDATE access_log SET record_ids = '1' WHERE seq = 5")
			return 5
		}, "entry 5 has been altered"},
		{"an entry removed", func(t *testing.T, raw *sql.DB, last, mark int64) int64 {
			mustExec(t, raw, "DELETE FROM access_log_records WHERE seq = 3")
			mustExec(t, raw, "DELETE FROM access_log WHERE seq = 3")
			return 3
		}, "entry 3 is missing"},
		{"the newest entries removed", func(t *testing.T, raw *sql.DB, last, mark int64) int64 {
			mustExec(t, raw, "DELETE FROM access_log_records WHERE seq >= $1", last-1)
			mustExec(t, raw, "DELETE FROM access_log WHERE seq >= $1", last-1)
			mustExec(t, raw, "UPDATE access_log_head SET seq = $1, hash = (SELECT hash FROM access_log WHERE seq = $1)", last-2)
			return last - 1
		}, "are missing"},
		{"two entries swapped", func(t *testing.T, raw *sql.DB, last, mark int64) int64 {
			// Every column but the position changes places.
			cols := "at, user_id, username, via, client, request_id, action, record_kind, record_ids, purpose, reason, outcome, team_id, prev_hash, hash"
			mustExec(t, raw, "CREATE TEMPORARY TABLE swap AS SELECT seq, "+cols+" FROM access_log WHERE seq IN (2, 3)")
			sets := []string{}
			for _, c := range strings.Split(cols, ", ") {
				sets = append(sets, c+" = (SELECT "+c+" FROM swap WHERE swap.seq = 5 - access_log.seq)")
			}
			mustExec(t, raw, "UPDATE access_log SET "+strings.Join(sets, ", ")+" WHERE seq IN (2, 3)")
			return 2
		}, "does not follow"},
		{"an index row removed", func(t *testing.T, raw *sql.DB, last, mark int64) int64 {
			seq := lastIndexed(t, raw, mark)
			mustExec(t, raw, "DELETE FROM access_log_records WHERE seq = $1 AND record_id = (SELECT MIN(record_id) FROM access_log_records WHERE seq = $1)", seq)
			return seq
		}, "the record index does not match entry"},
		{"an index row added", func(t *testing.T, raw *sql.DB, last, mark int64) int64 {
			mustExec(t, raw, "INSERT INTO access_log_records (record_kind, record_id, seq) VALUES ('child', 999999, $1)", mark)
			return mark
		}, "holds child 999999, which the entry does not name"},
		{"an index row moved to another record", func(t *testing.T, raw *sql.DB, last, mark int64) int64 {
			// The count stays the same: a look at one child now shows as a
			// look at another, and the first child's history loses it.
			seq := lastIndexed(t, raw, mark)
			mustExec(t, raw, `UPDATE access_log_records SET record_id = record_id + 1000000
				WHERE seq = $1 AND record_id = (SELECT MIN(record_id) FROM access_log_records WHERE seq = $1)`, seq)
			return seq
		}, "the record index does not match entry"},
		{"an index row moved to another kind of record", func(t *testing.T, raw *sql.DB, last, mark int64) int64 {
			seq := lastIndexed(t, raw, mark)
			mustExec(t, raw, `UPDATE access_log_records SET record_kind = 'user'
				WHERE seq = $1 AND record_id = (SELECT MIN(record_id) FROM access_log_records WHERE seq = $1)`, seq)
			return seq
		}, "the record index does not match entry"},
		{"an index row moved to another entry", func(t *testing.T, raw *sql.DB, last, mark int64) int64 {
			// From the last indexed entry to the first that names nothing:
			// each entry's count changes, the total does not.
			from := lastIndexed(t, raw, mark)
			var to int64
			if err := raw.QueryRow("SELECT MIN(seq) FROM access_log WHERE record_ids = ''").Scan(&to); err != nil || to == 0 || to > mark {
				t.Fatalf("no entry naming nothing before the mark: %d %v", to, err)
			}
			mustExec(t, raw, `UPDATE access_log_records SET seq = $2
				WHERE seq = $1 AND record_id = (SELECT MIN(record_id) FROM access_log_records WHERE seq = $1)`, from, to)
			return min(from, to)
		}, "the record index does not match entry"},
		{"an index row added past the mark", func(t *testing.T, raw *sql.DB, last, mark int64) int64 {
			// Searches read the index whole: a row for an entry not yet
			// indexed shows it as a look at a record it does not name.
			mustExec(t, raw, "INSERT INTO access_log_records (record_kind, record_id, seq) VALUES ('child', 999999, $1)", last)
			return last
		}, "past the index mark"},
		{"the index mark moved past the end", func(t *testing.T, raw *sql.DB, last, mark int64) int64 {
			mustExec(t, raw, "UPDATE access_log_index_head SET seq = $1", last+5)
			return last + 1
		}, "past the log's last entry"},
	}
	for _, e := range vigiltest.Engines() {
		for _, tc := range cases {
			t.Run(string(e)+"/"+tc.name, func(t *testing.T) {
				url := vigiltest.NewURL(t, e)
				db := openMigrated(t, url)
				loadSmallDemo(t, db)
				fillLog(t, db)
				ctx := context.Background()
				indexAll(t, db)
				// Two entries after the mark, one naming a record.
				readOneChild(t, db)
				sqlstore.NewSessionService(db).SignIn(ctx, "nobody", "wrong password here")
				st, err := db.AccessLogIndexState(ctx)
				if err != nil || st.Head < 10 || st.Indexed != st.Head-2 {
					t.Fatalf("index state %+v %v", st, err)
				}
				last, mark := st.Head, st.Indexed
				_, hash, _ := db.AccessLogHead(ctx)
				cps := []vigil.Checkpoint{vigil.SignCheckpoint(key, last, hash, time.Now())}
				res, err := db.VerifyAccessLog(ctx, cps, nil)
				if err != nil || res.Problem != "" || res.Entries != last || res.Checkpoints != 1 {
					t.Fatalf("before tampering: %+v %v", res, err)
				}
				raw := rawDB(t, e, url)
				unguard(t, e, raw)
				badSeq := tc.tamper(t, raw, last, mark)
				res, err = db.VerifyAccessLog(ctx, cps, nil)
				if err != nil {
					t.Fatal(err)
				}
				t.Logf("verify: %s", res.Problem)
				if !strings.Contains(res.Problem, tc.want) || res.BadSeq != badSeq ||
					!strings.Contains(res.Problem, fmt.Sprintf("entry %d", badSeq)) && !strings.Contains(res.Problem, fmt.Sprintf("entries %d ", badSeq)) {
					t.Errorf("verify after %s: %q at %d; want %q naming entry %d", tc.name, res.Problem, res.BadSeq, tc.want, badSeq)
				}
			})
		}
		t.Run(string(e)+"/chain recomputed after an edit", func(t *testing.T) {
			url := vigiltest.NewURL(t, e)
			db := openMigrated(t, url)
			loadSmallDemo(t, db)
			fillLog(t, db)
			last, hash, _ := db.AccessLogHead(context.Background())
			cps := []vigil.Checkpoint{vigil.SignCheckpoint(key, last, hash, time.Now())}
			raw := rawDB(t, e, url)
			unguard(t, e, raw)
			recomputeAfterEdit(t, raw, 3)
			res, err := db.VerifyAccessLog(context.Background(), nil, nil)
			if err != nil || res.Problem != "" {
				t.Fatalf("without checkpoints a carefully recomputed chain passes (that is why checkpoints exist): %+v %v", res, err)
			}
			res, _ = db.VerifyAccessLog(context.Background(), cps, nil)
			if !strings.Contains(res.Problem, "signed checkpoint") || res.BadSeq != last {
				t.Errorf("with the checkpoint: %q at %d", res.Problem, res.BadSeq)
			}
		})
	}
}

// lastIndexed is the newest entry up to the mark that names records.
func lastIndexed(t *testing.T, raw *sql.DB, mark int64) int64 {
	t.Helper()
	var seq int64
	if err := raw.QueryRow("SELECT MAX(seq) FROM access_log_records WHERE seq <= $1", mark).Scan(&seq); err != nil || seq == 0 {
		t.Fatalf("no index rows up to %d: %v", mark, err)
	}
	return seq
}

// indexAll brings the record index up to the log's head.
func indexAll(t *testing.T, db *sqlstore.DB) {
	t.Helper()
	for {
		p, err := db.IndexAccessLog(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if p.Indexed >= p.Head {
			return
		}
	}
}

// readOneChild reads one child's record, which logs one entry naming it.
func readOneChild(t *testing.T, db *sqlstore.DB) {
	t.Helper()
	ctx := vigiltest.As(t, db, "missing.ashvale")
	svc := sqlstore.NewChildService(db)
	page, err := svc.Children(ctx, vigil.ChildFilter{PageRequest: vigil.PageRequest{Limit: 1}})
	if err != nil || len(page.Items) == 0 {
		t.Fatal(err)
	}
	// The list is an entry too: index it so that only the read is after
	// the mark.
	indexAll(t, db)
	if _, err := svc.Child(ctx, page.Items[0].ID); err != nil {
		t.Fatal(err)
	}
}

// recomputeAfterEdit changes an entry and rewrites every hash after it, as
// a careful tamperer with database access would.
func recomputeAfterEdit(t *testing.T, raw *sql.DB, seq int64) {
	t.Helper()
	mustExec(t, raw, "UPDATE access_log SET username = 'someone.else' WHERE seq = $1", seq)
	rows, err := raw.Query(`SELECT seq, at, user_id, username, via, client, request_id, action, record_kind, record_ids,
		purpose, reason, outcome, team_id, prev_hash FROM access_log WHERE seq >= $1 ORDER BY seq`, seq)
	if err != nil {
		t.Fatal(err)
	}
	var entries []vigil.AccessEntry
	for rows.Next() {
		var e vigil.AccessEntry
		var at any
		var uid, team sql.NullInt64
		var ids string
		if err := rows.Scan(&e.Seq, &at, &uid, &e.Username, &e.Via, &e.Client, &e.RequestID, &e.Action, &e.RecordKind,
			&ids, &e.Purpose, &e.Reason, &e.Outcome, &team, &e.PrevHash); err != nil {
			t.Fatal(err)
		}
		switch v := at.(type) {
		case time.Time:
			e.At = v
		case string:
			e.At, _ = time.Parse("2006-01-02T15:04:05.000Z", v)
		}
		e.UserID, e.TeamID = uid.Int64, team.Int64
		e.RecordIDs, _ = vigil.ParseIDs(ids)
		entries = append(entries, e)
	}
	rows.Close()
	prev := entries[0].PrevHash
	for _, e := range entries {
		e.PrevHash = prev
		e.Hash = e.ComputeHash()
		mustExec(t, raw, "UPDATE access_log SET prev_hash = $1, hash = $2 WHERE seq = $3", e.PrevHash, e.Hash, e.Seq)
		prev = e.Hash
	}
	mustExec(t, raw, "UPDATE access_log_head SET hash = $1", prev)
}

func mustExec(t *testing.T, db *sql.DB, q string, args ...any) {
	t.Helper()
	if _, err := db.Exec(q, args...); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

func openMigrated(t *testing.T, url string) *sqlstore.DB {
	t.Helper()
	db := open(t, url)
	if _, err := db.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return db
}

// TestAccessLogRecordsEveryLook: reads, lists, searches and denials are
// each one entry naming the records, the user and the outcome; a refusal
// survives the rollback of its work.
func TestAccessLogRecordsEveryLook(t *testing.T) {
	forEachDemo(t, func(t *testing.T, db *sqlstore.DB, _ *demo.Org) {
		children := sqlstore.NewChildService(db)
		ash := vigiltest.As(t, db, "missing.ashvale")
		page, err := children.Children(ash, vigil.ChildFilter{PageRequest: vigil.PageRequest{Limit: 3}})
		if err != nil || len(page.Items) != 3 {
			t.Fatal(err)
		}
		if _, err := children.Child(ash, page.Items[0].ID); err != nil {
			t.Fatal(err)
		}
		// A Marlcombe child, outside the Ashvale coordinator's LPA.
		mar := vigiltest.As(t, db, "missing.marlcombe")
		other, _ := children.Children(mar, vigil.ChildFilter{PageRequest: vigil.PageRequest{Limit: 50}})
		var outside int64
		for _, c := range other.Items {
			if _, err := children.Child(ash, c.ID); vigil.ErrorCode(err) == vigil.EFORBIDDEN {
				outside = c.ID
				break
			}
		}
		if outside == 0 {
			t.Fatal("no Marlcombe child was refused to the Ashvale coordinator")
		}
		log, err := sqlstore.NewAccessLogService(db).AccessLog(vigiltest.As(t, db, "auditor"),
			vigil.AccessLogFilter{UserID: userID(t, db, "missing.ashvale")})
		if err != nil {
			t.Fatal(err)
		}
		var list, read, denied bool
		for _, e := range log.Items {
			switch {
			case e.Action == vigil.ActionList && len(e.RecordIDs) == 3 && e.Outcome == vigil.OutcomeOK:
				list = true
			case e.Action == vigil.ActionRead && len(e.RecordIDs) == 1 && e.RecordIDs[0] == page.Items[0].ID:
				read = true
			case e.Action == vigil.ActionRead && e.Outcome == vigil.OutcomeDenied && e.RecordIDs[0] == outside:
				denied = true
			}
		}
		if !list || !read || !denied {
			t.Errorf("the log lacks the list (%v), the read (%v) or the refusal (%v): %+v", list, read, denied, log.Items)
		}
		// Who has looked at this child?
		who, err := sqlstore.NewAccessLogService(db).AccessLog(vigiltest.As(t, db, "auditor"),
			vigil.AccessLogFilter{RecordKind: vigil.KindChild, RecordID: page.Items[0].ID})
		if err != nil || len(who.Items) < 2 {
			t.Fatalf("who looked at child %d: %d entries, %v", page.Items[0].ID, len(who.Items), err)
		}
		if _, err := sqlstore.NewAccessLogService(db).AccessLog(ash, vigil.AccessLogFilter{}); vigil.ErrorCode(err) != vigil.EFORBIDDEN {
			t.Errorf("a coordinator read the access log: %v", err)
		}
	})
}

func userID(t *testing.T, db *sqlstore.DB, name string) int64 {
	t.Helper()
	p, err := db.PrincipalFor(context.Background(), name, "test")
	if err != nil {
		t.Fatal(err)
	}
	return p.User.ID
}

// TestAccessLogIndexFollowsTheLog: the per-record index is filled behind
// the log, yet "who has looked at this record" is the same before the
// indexer runs, after it, and with the mark part-way; the index ends up
// holding exactly the records the entries name; indexers running at once
// neither fail nor index twice; and the mark only moves forward.
func TestAccessLogIndexFollowsTheLog(t *testing.T) {
	for _, e := range vigiltest.Engines() {
		t.Run(string(e), func(t *testing.T) {
			url := vigiltest.NewURL(t, e)
			db := openMigrated(t, url)
			loadSmallDemo(t, db)
			ctx := context.Background()
			children := sqlstore.NewChildService(db)
			ash := vigiltest.As(t, db, "missing.ashvale")
			page, err := children.Children(ash, vigil.ChildFilter{PageRequest: vigil.PageRequest{Limit: 20}})
			if err != nil || len(page.Items) < 2 {
				t.Fatal(err)
			}
			child := page.Items[1].ID
			readTimes := func(n int) {
				for range n {
					if _, err := children.Child(ash, child); err != nil {
						t.Fatal(err)
					}
				}
			}
			auditor := vigiltest.As(t, db, "auditor")
			who := func() []int64 {
				t.Helper()
				got, err := sqlstore.NewAccessLogService(db).AccessLog(auditor,
					vigil.AccessLogFilter{RecordKind: vigil.KindChild, RecordID: child, PageRequest: vigil.PageRequest{Limit: 200}})
				if err != nil {
					t.Fatal(err)
				}
				var seqs []int64
				for _, e := range got.Items {
					if e.RecordKind != vigil.KindChild || !slices.Contains(e.RecordIDs, child) {
						t.Fatalf("entry %d does not name child %d: %+v", e.Seq, child, e)
					}
					seqs = append(seqs, e.Seq)
				}
				return seqs
			}
			indexAll := func() {
				t.Helper()
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
			base := who() // the demo's load and the list
			readTimes(2)
			before := who() // none indexed yet
			if len(before) != len(base)+2 || !slices.Equal(before[2:], base) {
				t.Fatalf("before indexing: %v, want two reads before %v", before, base)
			}
			indexAll()
			if after := who(); !slices.Equal(after, before) {
				t.Errorf("after indexing: %v, before: %v", after, before)
			}
			readTimes(1) // one after the mark
			mixed := who()
			if len(mixed) != len(before)+1 || !slices.Equal(mixed[1:], before) {
				t.Errorf("with the mark part-way: %v, want a new entry before %v", mixed, before)
			}
			// Two indexers at once over many new entries.
			readTimes(30)
			if _, err := children.Children(ash, vigil.ChildFilter{PageRequest: vigil.PageRequest{Limit: 200}}); err != nil {
				t.Fatal(err)
			}
			var wg sync.WaitGroup
			errs := make(chan error, 2)
			for range 2 {
				wg.Go(func() {
					for {
						p, err := db.IndexAccessLog(ctx)
						if err != nil {
							errs <- err
							return
						}
						if p.Indexed >= p.Head {
							return
						}
					}
				})
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Errorf("indexing at once: %v", err)
			}
			indexAll()
			if p, err := db.IndexAccessLog(ctx); err != nil || p.Entries != 0 {
				t.Errorf("nothing left to index, yet: %+v, %v", p, err)
			}
			if got := who(); len(got) != len(mixed)+31 || !slices.Equal(got[31:], mixed) {
				t.Errorf("after the concurrent indexing: %d entries, want %d ending %v", len(got), len(mixed)+31, mixed)
			}
			// The index holds exactly what the entries name.
			indexAll() // the auditor's searches are entries too
			raw := rawDB(t, e, url)
			want := map[string]bool{}
			rows, err := raw.Query("SELECT seq, record_kind, record_ids FROM access_log")
			if err != nil {
				t.Fatal(err)
			}
			for rows.Next() {
				var seq int64
				var kind, ids string
				if err := rows.Scan(&seq, &kind, &ids); err != nil {
					t.Fatal(err)
				}
				for _, id := range strings.Fields(ids) {
					want[fmt.Sprintf("%s %s %d", kind, id, seq)] = true
				}
			}
			rows.Close()
			got := map[string]bool{}
			rows, err = raw.Query("SELECT record_kind, record_id, seq FROM access_log_records")
			if err != nil {
				t.Fatal(err)
			}
			for rows.Next() {
				var kind string
				var id, seq int64
				if err := rows.Scan(&kind, &id, &seq); err != nil {
					t.Fatal(err)
				}
				got[fmt.Sprintf("%s %d %d", kind, id, seq)] = true
			}
			rows.Close()
			if !maps.Equal(got, want) {
				t.Errorf("the index holds %d rows, the entries name %d records", len(got), len(want))
			}
			// The mark only moves forward.
			for _, stmt := range []string{"UPDATE access_log_index_head SET seq = 0", "DELETE FROM access_log_index_head"} {
				if _, err := raw.Exec(stmt); err == nil || !strings.Contains(err.Error(), "only moves forward") {
					t.Errorf("%s: the database allowed it (%v)", stmt, err)
				}
			}
		})
	}
}
