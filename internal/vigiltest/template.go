package vigiltest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/vigilcp/vigil/internal/demo"
	"github.com/vigilcp/vigil/internal/password"
	"github.com/vigilcp/vigil/internal/sqlstore"
)

// Loading the demo force takes seconds (far longer under the race
// detector), and most store and page tests start from it. So each test
// binary loads it once per engine and configuration into a template, and
// each test gets a copy: a copied file on SQLite, CREATE DATABASE …
// TEMPLATE on PostgreSQL. Main removes the templates when the tests end.

type template struct {
	once sync.Once
	org  *demo.Org
	// path is the SQLite file; name the PostgreSQL database.
	path, name string
	err        error
}

var (
	templatesMu sync.Mutex
	templates   = map[string]*template{}
	templateDir string
)

// DemoDB returns a fresh database on engine holding the demo force built
// from cfg (accounts with DemoPassword), closed and removed when the test
// ends, and the force as built.
func DemoDB(t testing.TB, engine sqlstore.Engine, cfg demo.Config, opts ...Option) (*sqlstore.DB, *demo.Org) {
	t.Helper()
	if engine == sqlstore.Postgres {
		PostgresURL(t) // skips when no server is configured
	}
	key := fmt.Sprintf("%s %+v", engine, cfg)
	templatesMu.Lock()
	tp := templates[key]
	if tp == nil {
		tp = &template{}
		templates[key] = tp
	}
	templatesMu.Unlock()
	tp.once.Do(func() {
		tp.err = fmt.Errorf("loading the demo failed in an earlier test")
		tp.err = tp.load(t, engine, cfg)
	})
	if tp.err != nil {
		t.Fatalf("demo template on %s: %v", engine, tp.err)
	}
	var u string
	switch engine {
	case sqlstore.SQLite:
		u = "sqlite:" + copyFile(t, tp.path)
	case sqlstore.Postgres:
		u = newPostgresDBFrom(t, tp.name)
	}
	o := sqlstore.Options{Clock: NewClock(Epoch), Hasher: password.Hasher{Params: password.Cheap}}
	for _, f := range opts {
		f(&o)
	}
	db, err := sqlstore.Open(context.Background(), u, o)
	if err != nil {
		t.Fatalf("open %s: %v", engine, err)
	}
	t.Cleanup(func() { db.Close() })
	return db, tp.org
}

// load builds the template: a database loaded with the demo, then closed.
func (tp *template) load(t testing.TB, engine sqlstore.Engine, cfg demo.Config) error {
	var u string
	switch engine {
	case sqlstore.SQLite:
		templatesMu.Lock()
		if templateDir == "" {
			dir, err := os.MkdirTemp("", "vigil-templates-")
			if err != nil {
				templatesMu.Unlock()
				return err
			}
			templateDir = dir
		}
		templatesMu.Unlock()
		tp.path = filepath.Join(templateDir, randomName("demo")+".db")
		u = "sqlite:" + tp.path
	case sqlstore.Postgres:
		tp.name = randomName("vigil_tmpl")
		if err := adminExec(t, "CREATE DATABASE "+tp.name); err != nil {
			return err
		}
		pu, err := url.Parse(PostgresURL(t))
		if err != nil {
			return err
		}
		pu.Path = "/" + tp.name
		u = pu.String()
	}
	ctx := context.Background()
	db, err := sqlstore.Open(ctx, u, sqlstore.Options{Clock: NewClock(Epoch), Hasher: password.Hasher{Params: password.Cheap}})
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := db.Migrate(ctx); err != nil {
		return err
	}
	tp.org = LoadDemoWith(t, db, cfg)
	return db.Close()
}

func randomName(prefix string) string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return prefix + "_" + hex.EncodeToString(b)
}

// copyFile copies a closed SQLite database (and its write-ahead log, if
// one was left) into the test's temporary folder.
func copyFile(t testing.TB, src string) string {
	t.Helper()
	dst := filepath.Join(t.TempDir(), "vigil.db")
	for _, suffix := range []string{"", "-wal"} {
		in, err := os.Open(src + suffix)
		if os.IsNotExist(err) && suffix != "" {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		out, err := os.Create(dst + suffix)
		if err == nil {
			_, err = io.Copy(out, in)
			if cerr := out.Close(); err == nil {
				err = cerr
			}
		}
		in.Close()
		if err != nil {
			t.Fatal(err)
		}
	}
	return dst
}

func adminExec(t testing.TB, q string) error {
	a, err := sql.Open("pgx", PostgresURL(t))
	if err != nil {
		return err
	}
	defer a.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	_, err = a.ExecContext(ctx, q)
	return err
}

// Main runs a package's tests and then removes the demo templates.
// Use it from TestMain: os.Exit(vigiltest.Main(m)).
func Main(m *testing.M) int {
	code := m.Run()
	templatesMu.Lock()
	defer templatesMu.Unlock()
	if templateDir != "" {
		_ = os.RemoveAll(templateDir)
	}
	var names []string
	for _, tp := range templates {
		if tp.name != "" {
			names = append(names, tp.name)
		}
	}
	if len(names) > 0 {
		if admin := postgresAdminURL(); admin != "" {
			if a, err := sql.Open("pgx", admin); err == nil {
				for _, n := range names {
					_, _ = a.Exec("DROP DATABASE IF EXISTS " + n + " WITH (FORCE)")
				}
				a.Close()
			}
		}
	}
	return code
}
