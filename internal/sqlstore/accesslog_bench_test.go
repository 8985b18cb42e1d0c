package sqlstore

import (
	"context"
	"iter"
	"os"
	"path/filepath"
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
