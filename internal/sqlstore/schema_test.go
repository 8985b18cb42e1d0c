package sqlstore_test

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib"
	_ "modernc.org/sqlite"

	"github.com/vigilcp/vigil/internal/password"
	"github.com/vigilcp/vigil/internal/sqlstore"
	"github.com/vigilcp/vigil/internal/vigiltest"
)

// schemaOf describes a database's tables, columns (with nullability) and
// named indexes (with their columns and uniqueness), in a form that can be
// compared across engines.
func schemaOf(t *testing.T, engine sqlstore.Engine, url string) []string {
	t.Helper()
	driver, dsn := "pgx", url
	if engine == sqlstore.SQLite {
		driver, dsn = "sqlite", "file:"+strings.TrimPrefix(url, "sqlite:")
	}
	db, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var out []string
	query := func(q string, args ...any) [][]string {
		rows, err := db.Query(q, args...)
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		defer rows.Close()
		cols, _ := rows.Columns()
		var res [][]string
		for rows.Next() {
			vals := make([]sql.NullString, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			row := make([]string, len(cols))
			for i, v := range vals {
				row[i] = v.String
			}
			res = append(res, row)
		}
		return res
	}
	if engine == sqlstore.SQLite {
		for _, tbl := range query(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`) {
			out = append(out, "table "+tbl[0])
			for _, c := range query(fmt.Sprintf("PRAGMA table_info(%q)", tbl[0])) {
				// cid, name, type, notnull, dflt_value, pk
				null := "null"
				if c[3] == "1" || c[5] != "0" {
					null = "not null"
				}
				out = append(out, fmt.Sprintf("column %s.%s %s", tbl[0], c[1], null))
			}
			for _, ix := range query(fmt.Sprintf("PRAGMA index_list(%q)", tbl[0])) {
				// seq, name, unique, origin, partial
				if ix[3] != "c" {
					continue // primary keys and inline constraints: none are named
				}
				var cols []string
				for _, ic := range query(fmt.Sprintf("PRAGMA index_info(%q)", ix[1])) {
					cols = append(cols, ic[2])
				}
				out = append(out, fmt.Sprintf("index %s on %s(%s) unique=%v%s", ix[1], tbl[0], strings.Join(cols, ","), ix[2] == "1",
					partial(ix[4] == "1")))
			}
		}
		for _, tr := range query(`SELECT name, tbl_name FROM sqlite_master WHERE type = 'trigger' ORDER BY name`) {
			out = append(out, fmt.Sprintf("trigger %s on %s", tr[0], tr[1]))
		}
	} else {
		for _, c := range query(`SELECT table_name, column_name, is_nullable FROM information_schema.columns
			WHERE table_schema = 'public' ORDER BY table_name, ordinal_position`) {
			null := "null"
			if c[2] == "NO" {
				null = "not null"
			}
			out = append(out, fmt.Sprintf("column %s.%s %s", c[0], c[1], null))
		}
		for _, tbl := range query(`SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'`) {
			out = append(out, "table "+tbl[0])
		}
		for _, ix := range query(`SELECT i.relname, t.relname, ix.indisunique,
				array_to_string(array(SELECT a.attname FROM unnest(ix.indkey) WITH ORDINALITY k(n, o)
					JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.n ORDER BY k.o), ','),
				ix.indpred IS NOT NULL, ix.indisexclusion
			FROM pg_index ix JOIN pg_class i ON i.oid = ix.indexrelid JOIN pg_class t ON t.oid = ix.indrelid
			JOIN pg_namespace n ON n.oid = t.relnamespace
			WHERE n.nspname = 'public' AND NOT ix.indisprimary`) {
			kind := "index"
			if ix[5] == "true" {
				kind = "exclusion constraint"
			}
			out = append(out, fmt.Sprintf("%s %s on %s(%s) unique=%v%s", kind, ix[0], ix[1], ix[3], ix[2] == "true", partial(ix[4] == "true")))
		}
	}
	// goose's bookkeeping table is goose's, and differs by engine.
	out = slices.DeleteFunc(out, func(s string) bool { return strings.Contains(s, "goose_db_version") })
	sort.Strings(out)
	return out
}

func partial(p bool) string {
	if p {
		return " partial"
	}
	return ""
}

// engineOnly are the entries of one engine's schema that the other holds
// another way: PostgreSQL keeps a child's missing episodes from
// overlapping with an exclusion constraint (GiST, btree_gist), where
// SQLite, with one writer holding the lock from BEGIN, checks in triggers
// inside the write transaction. Each must be there on its own engine.
var engineOnly = map[string]sqlstore.Engine{
	"exclusion constraint missing_episodes_no_overlap on missing_episodes(child_id) unique=false": sqlstore.Postgres,
	"trigger missing_episodes_rules_on_insert on missing_episodes":                                sqlstore.SQLite,
	"trigger missing_episodes_rules_on_update on missing_episodes":                                sqlstore.SQLite,
}

// sqliteTriggers are the SQLite triggers that stand in for PostgreSQL's
// trigger functions (the access log's append-only rules), which are not
// compared.
func sqliteTriggers(s string) bool {
	return strings.HasPrefix(s, "trigger ") && engineOnly[s] == ""
}

// TestSchemasMatch proves that the two engines hold the same tables,
// columns, nullability and indexes (unique, partial) after migration, but
// for the one difference engineOnly lists.
func TestSchemasMatch(t *testing.T) {
	urls := map[sqlstore.Engine]string{}
	for _, e := range vigiltest.Engines() {
		u := vigiltest.NewURL(t, e)
		db, err := sqlstore.Open(context.Background(), u, sqlstore.Options{Hasher: password.Hasher{Params: password.Cheap}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.Migrate(context.Background()); err != nil {
			t.Fatal(err)
		}
		db.Close()
		urls[e] = u
	}
	lite := schemaOf(t, sqlstore.SQLite, urls[sqlstore.SQLite])
	pg := schemaOf(t, sqlstore.Postgres, urls[sqlstore.Postgres])
	if len(lite) < 40 {
		t.Fatalf("the SQLite schema has only %d entries: the inspection is not working", len(lite))
	}
	lite = slices.DeleteFunc(lite, sqliteTriggers)
	for s, e := range engineOnly {
		on, other := lite, pg
		if e == sqlstore.Postgres {
			on, other = pg, lite
		}
		if !slices.Contains(on, s) {
			t.Errorf("missing on %s: %s", e, s)
		}
		if slices.Contains(other, s) {
			t.Errorf("on both engines, but listed as %s's alone: %s", e, s)
		}
	}
	for _, s := range lite {
		if !slices.Contains(pg, s) && engineOnly[s] != sqlstore.SQLite {
			t.Errorf("only on SQLite: %s", s)
		}
	}
	for _, s := range pg {
		if !slices.Contains(lite, s) && engineOnly[s] != sqlstore.Postgres {
			t.Errorf("only on PostgreSQL: %s", s)
		}
	}
}

// TestConcurrentMigrationsApplyOnce starts several migrations of one fresh
// PostgreSQL database at the same moment: all succeed, and each migration
// is recorded once.
func TestConcurrentMigrationsApplyOnce(t *testing.T) {
	u := vigiltest.NewURL(t, sqlstore.Postgres)
	const instances = 4
	var wg sync.WaitGroup
	errs := make(chan error, instances)
	start := make(chan struct{})
	for range instances {
		wg.Add(1)
		go func() {
			defer wg.Done()
			db, err := sqlstore.Open(context.Background(), u, sqlstore.Options{Hasher: password.Hasher{Params: password.Cheap}})
			if err != nil {
				errs <- err
				return
			}
			defer db.Close()
			<-start
			_, err = db.Migrate(context.Background())
			errs <- err
		}()
	}
	close(start)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("an instance failed to migrate: %v", err)
		}
	}
	db, err := sql.Open("pgx", u)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var rows, distinct int
	if err := db.QueryRow("SELECT count(*), count(DISTINCT version_id) FROM goose_db_version WHERE version_id > 0").Scan(&rows, &distinct); err != nil {
		t.Fatal(err)
	}
	if rows != distinct || rows == 0 {
		t.Fatalf("goose_db_version holds %d rows for %d migrations: a migration was applied more than once", rows, distinct)
	}
	var systems int
	if err := db.QueryRow("SELECT count(*) FROM users WHERE username = 'system'").Scan(&systems); err != nil || systems != 1 {
		t.Fatalf("the foundation migration ran %d times (%v)", systems, err)
	}
}

// TestReadinessNeedsMigrations: an unmigrated database is not ready.
func TestReadinessNeedsMigrations(t *testing.T) {
	for _, e := range vigiltest.Engines() {
		t.Run(string(e), func(t *testing.T) {
			db, err := sqlstore.Open(context.Background(), vigiltest.NewURL(t, e), sqlstore.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			if err := db.CheckMigrations(context.Background()); err == nil || !strings.Contains(err.Error(), "vigil migrate") {
				t.Fatalf("unmigrated database: CheckMigrations = %v", err)
			}
			ms, err := db.Migrations(context.Background())
			if err != nil || len(ms) == 0 || !ms[0].AppliedAt.IsZero() {
				t.Fatalf("status before migrating: %+v, %v", ms, err)
			}
			if _, err := db.Migrate(context.Background()); err != nil {
				t.Fatal(err)
			}
			if err := db.CheckMigrations(context.Background()); err != nil {
				t.Fatalf("after migrating: %v", err)
			}
			ms, _ = db.Migrations(context.Background())
			if ms[0].AppliedAt.IsZero() {
				t.Error("status after migrating shows the first migration pending")
			}
		})
	}
}
