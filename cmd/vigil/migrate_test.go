package main

import (
	"database/sql"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vigilcp/vigil/internal/sqlstore"
	"github.com/vigilcp/vigil/internal/vigiltest"
)

// TestMigrateStatusReportsStoredNULs: on SQLite, which stored NUL
// characters before Vigil refused them, migrate status names each column
// holding one, how many rows, and the first of them; a clean database says
// it holds none.
func TestMigrateStatusReportsStoredNULs(t *testing.T) {
	file := filepath.Join(t.TempDir(), "vigil.db")
	db := "sqlite:" + file
	if code, _, errOut := runVigil(t, "", nil, "migrate", "--db", db); code != 0 {
		t.Fatalf("migrate: %d %s", code, errOut)
	}
	code, out, errOut := runVigil(t, "", nil, "migrate", "status", "--db", db)
	if code != 0 || !strings.Contains(out, "no row holds a NUL character") {
		t.Fatalf("status of a clean database: %d %q %q", code, out, errOut)
	}
	raw, err := sql.Open("sqlite", "file:"+file)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	stamp := "2026-03-02T09:30:00.000Z"
	for _, q := range []struct {
		sql  string
		args []any
	}{
		{"INSERT INTO forces (code, name, created_at, updated_at) VALUES ($1, $2, $3, $3)", []any{"KP", "Kings\x00moor", stamp}},
		{"INSERT INTO forces (code, name, created_at, updated_at) VALUES ($1, $2, $3, $3)", []any{"AP", "Ashvale", stamp}},
		{"INSERT INTO forces (code, name, created_at, updated_at) VALUES ($1, $2, $3, $3)", []any{"M\x00P", "Marl\x00combe", stamp}},
		{"INSERT INTO settings (name, value, updated_at) VALUES ($1, $2, $3)", []any{"test.nul", "a\x00b", stamp}},
	} {
		if _, err := raw.Exec(q.sql, q.args...); err != nil {
			t.Fatalf("%s: %v", q.sql, err)
		}
	}
	code, out, errOut = runVigil(t, "", nil, "migrate", "status", "--db", db)
	if code != 0 {
		t.Fatalf("status: %d %q", code, errOut)
	}
	lines := map[string]string{}
	for _, l := range strings.Split(out, "\n") {
		if f := strings.Fields(l); len(f) > 1 && strings.Contains(f[0], ".") {
			lines[f[0]] = strings.Join(f[1:], " ")
		}
	}
	want := map[string]string{"forces.code": "1 id 3", "forces.name": "2 id 1, id 3", "settings.value": "1 row 1"}
	for col, w := range want {
		if lines[col] != w {
			t.Errorf("%s: %q, want %q; output:\n%s", col, lines[col], w, out)
		}
	}
	if len(lines) != len(want) || !strings.Contains(out, "PostgreSQL cannot") {
		t.Errorf("status names %v, want %v; output:\n%s", lines, want, out)
	}
}

// TestMigrateStatusOnPostgres: PostgreSQL cannot hold a NUL in text, and
// migrate status says so without reading the tables.
func TestMigrateStatusOnPostgres(t *testing.T) {
	db := vigiltest.NewURL(t, sqlstore.Postgres)
	if code, _, errOut := runVigil(t, "", nil, "migrate", "--db", db); code != 0 {
		t.Fatalf("migrate: %d %s", code, errOut)
	}
	code, out, errOut := runVigil(t, "", nil, "migrate", "status", "--db", db)
	if code != 0 || !strings.Contains(out, "00015_missing_rules.sql") || !strings.Contains(out, "PostgreSQL holds no NUL characters") {
		t.Fatalf("status: %d %q %q", code, out, errOut)
	}
}
