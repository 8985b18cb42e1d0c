// Package vigiltest provides test helpers: a fresh, migrated database per
// test on each engine, and fixed clocks.
package vigiltest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver for admin work

	"github.com/vigilcp/vigil/internal/password"
	"github.com/vigilcp/vigil/internal/sqlstore"
	"github.com/vigilcp/vigil/internal/vigil"
)

// PostgresEnv names the environment variable that points tests at a
// PostgreSQL server ("1" means postgres://127.0.0.1:5432/postgres). When it
// is unset, PostgreSQL tests are skipped with a reason; .ci/run sets it, so
// there they run or fail.
const PostgresEnv = "VIGIL_TEST_POSTGRES"

// Engines lists the engines a store test runs on.
func Engines() []sqlstore.Engine { return []sqlstore.Engine{sqlstore.SQLite, sqlstore.Postgres} }

// ForEachEngine runs fn as a subtest on each engine, with a fresh migrated
// database.
func ForEachEngine(t *testing.T, fn func(t *testing.T, db *sqlstore.DB)) {
	t.Helper()
	for _, e := range Engines() {
		t.Run(string(e), func(t *testing.T) {
			fn(t, NewDB(t, e))
		})
	}
}

// Clock is a settable clock for tests; safe for concurrent use.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// NewClock returns a clock set to t.
func NewClock(t time.Time) *Clock { return &Clock{t: vigil.Millis(t)} }

// Now implements vigil.Clock.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Advance moves the clock on by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// Set sets the clock to t.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	c.t = vigil.Millis(t)
	c.mu.Unlock()
}

// Epoch is the instant test clocks start at unless a test says otherwise.
var Epoch = time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)

// Option changes how NewDB opens the database.
type Option func(*sqlstore.Options)

// WithClock sets the database's clock.
func WithClock(c vigil.Clock) Option { return func(o *sqlstore.Options) { o.Clock = c } }

// NewDB returns a fresh, migrated database on engine, closed and removed
// when the test ends. PostgreSQL tests are skipped when no server is
// configured (see PostgresEnv).
func NewDB(t testing.TB, engine sqlstore.Engine, opts ...Option) *sqlstore.DB {
	t.Helper()
	u := NewURL(t, engine)
	o := sqlstore.Options{Clock: NewClock(Epoch), Hasher: password.Hasher{Params: password.Cheap}}
	for _, f := range opts {
		f(&o)
	}
	ctx := context.Background()
	db, err := sqlstore.Open(ctx, u, o)
	if err != nil {
		t.Fatalf("open %s: %v", engine, err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatalf("migrate %s: %v", engine, err)
	}
	return db
}

// NewURL returns the URL of a fresh, empty database on engine: a file in a
// temporary folder for SQLite, a new database on the test server for
// PostgreSQL (dropped when the test ends).
func NewURL(t testing.TB, engine sqlstore.Engine) string {
	t.Helper()
	switch engine {
	case sqlstore.SQLite:
		return "sqlite:" + filepath.Join(t.TempDir(), "vigil.db")
	case sqlstore.Postgres:
		return newPostgresDB(t)
	}
	t.Fatalf("unknown engine %q", engine)
	return ""
}

// PostgresURL returns the URL of the PostgreSQL server for tests, skipping
// the test when none is configured.
func PostgresURL(t testing.TB) string {
	t.Helper()
	u := postgresAdminURL()
	if u == "" {
		t.Skipf("PostgreSQL tests skipped: set %s=1 (or a postgres:// URL) to run them", PostgresEnv)
	}
	return u
}

// postgresAdminURL is the server PostgresEnv names, or "" when it is unset.
func postgresAdminURL() string {
	switch v := os.Getenv(PostgresEnv); v {
	case "1", "true":
		return "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
	default:
		return v
	}
}

func newPostgresDB(t testing.TB) string {
	t.Helper()
	return newPostgresDBFrom(t, "")
}

// newPostgresDBFrom creates a database for the test, as a copy of the
// template database when one is named.
func newPostgresDBFrom(t testing.TB, template string) string {
	t.Helper()
	admin := PostgresURL(t)
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	name := "vigil_test_" + hex.EncodeToString(b)
	a, err := sql.Open("pgx", admin)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	create := "CREATE DATABASE " + name
	if template != "" {
		create += " TEMPLATE " + template
	}
	if _, err := a.ExecContext(ctx, create); err != nil {
		t.Fatalf("create test database (is PostgreSQL running at %s?): %v", admin, err)
	}
	t.Cleanup(func() {
		a, err := sql.Open("pgx", admin)
		if err != nil {
			return
		}
		defer a.Close()
		_, _ = a.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)")
	})
	pu, err := url.Parse(admin)
	if err != nil {
		t.Fatal(err)
	}
	pu.Path = "/" + name
	return pu.String()
}

// AsSystem returns a context acting as the system account.
func AsSystem(t testing.TB, db *sqlstore.DB) context.Context {
	t.Helper()
	p, err := db.SystemPrincipal(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return vigil.WithPrincipal(context.Background(), p)
}

// As returns a context acting as the named user.
func As(t testing.TB, db *sqlstore.DB, username string) context.Context {
	t.Helper()
	p, err := db.PrincipalFor(context.Background(), username, "test")
	if err != nil {
		t.Fatal(err)
	}
	return vigil.WithPrincipal(context.Background(), p)
}
