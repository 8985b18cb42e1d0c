package sqlstore

import (
	"context"
	"database/sql"
	"iter"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/vigilcp/vigil/internal/demo"
	"github.com/vigilcp/vigil/internal/password"
	"github.com/vigilcp/vigil/internal/vigil"
)

// BenchmarkChildRead measures reading one child's record, as a
// missing-person coordinator, with the access log written in the same
// transaction (as Vigil always does) and without it, in the same run:
//
//	go test -run '^$' -bench ChildRead -benchtime 3s ./internal/sqlstore/
//	VIGIL_BENCH_POSTGRES=postgres://postgres@127.0.0.1:5432/postgres go test … (PostgreSQL: an empty database)
func BenchmarkChildRead(b *testing.B) {
	url := "sqlite:" + filepath.Join(b.TempDir(), "bench.db")
	if u := os.Getenv("VIGIL_BENCH_POSTGRES"); u != "" {
		url = u
	}
	ctx := context.Background()
	db, err := Open(ctx, url, Options{Hasher: password.Hasher{Params: password.Cheap}})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Migrate(ctx); err != nil {
		b.Fatal(err)
	}
	if empty, _ := db.Empty(ctx); empty {
		loadForBench(b, db)
	}
	p, err := db.PrincipalFor(ctx, "missing.ashvale", "bench")
	if err != nil {
		b.Fatal(err)
	}
	actx := vigil.WithPrincipal(ctx, p)
	svc := NewChildService(db)
	page, err := svc.Children(actx, vigil.ChildFilter{PageRequest: vigil.PageRequest{Limit: 200}})
	if err != nil || len(page.Items) == 0 {
		b.Fatal(err)
	}
	ids := page.Items
	for _, withLog := range []bool{true, false} {
		name := map[bool]string{true: "with-access-log", false: "without-access-log"}[withLog]
		b.Run(name, func(b *testing.B) {
			db.noAccessLog = !withLog
			defer func() { db.noAccessLog = false }()
			b.RunParallel(func(pb *testing.PB) {
				i := 0
				for pb.Next() {
					if _, err := svc.Child(actx, ids[i%len(ids)].ID); err != nil {
						b.Error(err)
						return
					}
					i++
				}
			})
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "reads/s")
		})
	}
}

func loadForBench(b *testing.B, db *DB) {
	b.Helper()
	ctx := context.Background()
	sys, err := db.SystemPrincipal(ctx)
	if err != nil {
		b.Fatal(err)
	}
	cfg := demo.Config{Seed: 1, Scale: demo.Force, AsOf: time.Now()}
	org := demo.Build(cfg)
	var users []UserLoad
	for _, u := range org.Users {
		users = append(users, UserLoad{ID: u.ID, Username: u.Username, PersonID: u.PersonID, Roles: u.Roles, Scope: u.Scope})
	}
	children := func() iter.Seq2[ChildLinks, error] {
		return func(yield func(ChildLinks, error) bool) {
			_ = org.Children(cfg, func(c vigil.Child, l demo.ChildLinks) error {
				cl := ChildLinks{Child: c, Shares: l.Shares, Restriction: l.Restriction}
				for _, a := range l.Assignments {
					cl.Assignments = append(cl.Assignments, [2]int64{a.TeamID, a.PersonID})
				}
				if !yield(cl, nil) {
					return context.Canceled
				}
				return nil
			})
		}
	}
	err = db.BulkLoad(vigil.WithPrincipal(ctx, sys), func(bl *Bulk) error {
		if err := bl.Organisation(OrgLoad{Force: org.Force, LPAs: org.LPAs, Teams: org.Teams, Agencies: org.Agencies,
			People: org.People, Users: users}); err != nil {
			return err
		}
		_, err := bl.Children(children, nil)
		return err
	})
	if err != nil {
		b.Fatal(err)
	}
}

// BenchmarkVerifyAccessLog times a whole check of the access log (the
// chain and the record index against it) beside the bare scans of the
// same two tables that it cannot beat, in the same run:
//
//	VIGIL_BENCH_VERIFY_DB=sqlite:/tmp/verify.db go test -run '^$' -bench VerifyAccessLog -benchtime 1x ./internal/sqlstore/
//
// The database (sqlite:PATH, or an empty PostgreSQL database) is filled
// once and kept (for `vigil accesslog verify --db URL`) with
// VIGIL_BENCH_VERIFY_ENTRIES entries
// (default 18,000) each naming 1,030 records, about the 18.5 million
// index rows of the national demo; without the variable a small one is
// made in a temporary folder.
func BenchmarkVerifyAccessLog(b *testing.B) {
	ctx := context.Background()
	url, entries := os.Getenv("VIGIL_BENCH_VERIFY_DB"), 18_000
	if url == "" {
		url, entries = "sqlite:"+filepath.Join(b.TempDir(), "verify.db"), 500
	}
	if n, err := strconv.Atoi(os.Getenv("VIGIL_BENCH_VERIFY_ENTRIES")); err == nil && n > 0 {
		entries = n
	}
	db, err := Open(ctx, url, Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	if head, _, err := db.AccessLogHead(ctx); err != nil || head == 0 {
		if _, err := db.Migrate(ctx); err != nil {
			b.Fatal(err)
		}
		if err := fillVerifyFixture(ctx, db, entries, 1030); err != nil {
			b.Fatal(err)
		}
	}
	var res VerifyResult
	b.Run("verify", func(b *testing.B) {
		for b.Loop() {
			if res, err = db.VerifyAccessLog(ctx, nil, nil); err != nil || res.Problem != "" {
				b.Fatal(res.Problem, err)
			}
		}
		b.ReportMetric(float64(res.Entries), "entries")
	})
	b.Run("bare-scans", func(b *testing.B) {
		for b.Loop() {
			var n int64
			var ids sql.RawBytes
			rows, err := db.read.QueryContext(ctx, "SELECT seq, record_ids FROM access_log ORDER BY seq")
			if err != nil {
				b.Fatal(err)
			}
			for rows.Next() {
				if err := rows.Scan(&n, &ids); err != nil {
					b.Fatal(err)
				}
			}
			rows.Close()
			if err := db.read.QueryRowContext(ctx, "SELECT COUNT(*) FROM access_log_records").Scan(&n); err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(float64(n), "index-rows")
		}
	})
}

// fillVerifyFixture appends entries that each name perEntry records, with
// their hash chain and their index rows, straight into the tables. Each
// entry names a run of new ids so that index rows arrive in key order
// and the fixture builds in seconds rather than hours.
func fillVerifyFixture(ctx context.Context, db *DB, entries, perEntry int) error {
	tx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	prev, at := vigil.GenesisHash, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var index []indexRow
	for s := int64(1); s <= int64(entries); s++ {
		e := vigil.AccessEntry{Seq: s, At: at.Add(time.Duration(s) * time.Second), Username: "system", Via: "cli",
			Action: vigil.ActionList, RecordKind: vigil.KindChild, Purpose: vigil.DefaultPurpose, Outcome: vigil.OutcomeOK, PrevHash: prev}
		for i := range perEntry {
			e.RecordIDs = append(e.RecordIDs, (s-1)*int64(perEntry)+int64(i)+1)
		}
		e.Hash = e.ComputeHash()
		if _, err := tx.ExecContext(ctx, `INSERT INTO access_log (seq, at, user_id, username, via, client, request_id,
			action, record_kind, record_ids, purpose, reason, outcome, team_id, prev_hash, hash)
			VALUES ($1, $2, NULL, $3, $4, '', '', $5, $6, $7, $8, '', $9, NULL, $10, $11)`,
			e.Seq, instant(e.At), e.Username, e.Via, string(e.Action), string(e.RecordKind), e.IDsText(), e.Purpose, e.Outcome,
			e.PrevHash, e.Hash); err != nil {
			return err
		}
		for _, id := range e.RecordIDs {
			index = append(index, indexRow{kind: string(e.RecordKind), id: id, seq: s})
		}
		if len(index) >= 30_000 || s == int64(entries) {
			if err := (&Tx{Tx: tx, db: db, pool: db.write}).insertIndexRows(ctx, index); err != nil {
				return err
			}
			index = index[:0]
		}
		prev = e.Hash
	}
	if _, err := tx.ExecContext(ctx, "UPDATE access_log_head SET seq = $1, hash = $2 WHERE id = 1", entries, prev); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, "UPDATE access_log_index_head SET seq = $1 WHERE id = 1", entries); err != nil {
		return err
	}
	return tx.Commit()
}
