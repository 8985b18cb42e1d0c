package sqlstore_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/vigilcp/vigil/internal/sqlstore"
	"github.com/vigilcp/vigil/internal/vigil"
	"github.com/vigilcp/vigil/internal/vigiltest"
)

// TestStoredNULs: SQLite stores a NUL in text, and StoredNULs finds every
// column holding one, counting rows and naming the first; PostgreSQL
// refuses one (SQLSTATE 22021) and bytes that are not UTF-8, each mapped to
// a 422 rather than a fault, and so holds none.
func TestStoredNULs(t *testing.T) {
	vigiltest.ForEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		stamp := "2026-03-02T09:30:00.000Z"
		insert := func(name, value string) error {
			return db.ExecMapped(ctx, "INSERT INTO settings (name, value, updated_at) VALUES ($1, $2, $3)", name, value, stamp)
		}
		if err := insert("clean", "plain text"); err != nil {
			t.Fatal(err)
		}
		errs := []error{insert("nul.value", "a\x00b"), insert("nul\x00name", "x"), insert("bad.bytes", "caf\xe9")}
		found, err := db.StoredNULs(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if db.Engine() == sqlstore.Postgres {
			for i, err := range errs {
				if vigil.ErrorCode(err) != vigil.EINVALID || !strings.Contains(vigil.ErrorMessage(err), "cannot be stored") {
					t.Errorf("PostgreSQL write %d: %v, want a 422 saying the text cannot be stored", i, err)
				}
			}
			if len(found) != 0 {
				t.Errorf("PostgreSQL holds NULs: %+v", found)
			}
			return
		}
		for i, err := range errs {
			if err != nil {
				t.Fatalf("SQLite write %d: %v", i, err)
			}
		}
		got := map[string]int64{}
		for _, f := range found {
			got[f.Table+"."+f.Column] = f.Rows
			if len(f.Keys) != int(f.Rows) || !strings.HasPrefix(f.Keys[0], "row ") {
				t.Errorf("%s.%s: rows named %v", f.Table, f.Column, f.Keys)
			}
		}
		want := map[string]int64{"settings.name": 1, "settings.value": 1}
		if len(got) != len(want) || got["settings.name"] != 1 || got["settings.value"] != 1 {
			t.Errorf("StoredNULs found %v, want %v", got, want)
		}
		if slices.ContainsFunc(found, func(f sqlstore.StoredNUL) bool { return f.Table == "goose_db_version" }) {
			t.Error("goose's own table was read")
		}
	})
}
