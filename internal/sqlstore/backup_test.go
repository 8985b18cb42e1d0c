package sqlstore_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vigilcp/vigil/internal/password"
	"github.com/vigilcp/vigil/internal/sqlstore"
	"github.com/vigilcp/vigil/internal/vigil"
	"github.com/vigilcp/vigil/internal/vigiltest"
)

// fingerprint summarises the organisation and people so that two
// databases can be compared.
func fingerprint(t *testing.T, db *sqlstore.DB) string {
	t.Helper()
	ctx := vigiltest.As(t, db, "admin")
	org, err := sqlstore.NewOrgService(db).Organisation(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	b.WriteString(org.Force.Name)
	for _, tm := range org.Teams {
		b.WriteString("|" + tm.Code)
	}
	req := vigil.PersonFilter{PageRequest: vigil.PageRequest{Limit: vigil.MaxPageSize}}
	for {
		page, err := sqlstore.NewOrgService(db).People(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range page.Items {
			b.WriteString("|" + p.FullName() + "/" + p.Role + "/" + p.UpdatedAt.String())
		}
		if page.Next == "" {
			break
		}
		req.Cursor = page.Next
	}
	return b.String()
}

func open(t *testing.T, url string) *sqlstore.DB {
	t.Helper()
	db, err := sqlstore.Open(context.Background(), url, sqlstore.Options{Hasher: password.Hasher{Params: password.Cheap}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestBackupAndRestoreSQLite(t *testing.T) {
	db := vigiltest.NewDB(t, sqlstore.SQLite)
	org := loadSmallDemo(t, db)
	ctx := vigiltest.As(t, db, "admin")
	p := org.People[3]
	p.Role = "Changed before the backup"
	p.Version = 1
	if _, err := sqlstore.NewOrgService(db).UpdatePerson(ctx, p); err != nil {
		t.Fatal(err)
	}
	want := fingerprint(t, db)
	dir := t.TempDir()
	out := filepath.Join(dir, "backup.db")
	if err := db.Backup(context.Background(), out); err != nil {
		t.Fatal(err)
	}
	if err := db.Backup(context.Background(), out); err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Errorf("a second backup to the same file: %v; want a refusal", err)
	}
	target := filepath.Join(dir, "restored.db")
	if err := sqlstore.Restore(context.Background(), "sqlite:"+target, out, false); err != nil {
		t.Fatal(err)
	}
	if got := fingerprint(t, open(t, "sqlite:"+target)); got != want {
		t.Fatalf("restored data differs:\n got %.200s\nwant %.200s", got, want)
	}
	// An existing database is only replaced with --force.
	if err := sqlstore.Restore(context.Background(), "sqlite:"+target, out, false); err == nil {
		t.Error("restore over an existing database without force succeeded")
	}
	// A file that is not a Vigil database is refused before anything changes.
	junk := filepath.Join(dir, "junk.db")
	os.WriteFile(junk, []byte("not a database at all, just some text"), 0o600)
	if err := sqlstore.Restore(context.Background(), "sqlite:"+target, junk, true); err == nil {
		t.Error("restoring a junk file succeeded")
	}
	if got := fingerprint(t, open(t, "sqlite:"+target)); got != want {
		t.Error("a refused restore changed the database")
	}
}

func TestBackupAndRestorePostgres(t *testing.T) {
	if _, err := exec.LookPath("pg_dump"); err != nil {
		t.Skip("pg_dump is not installed")
	}
	db := vigiltest.NewDB(t, sqlstore.Postgres)
	loadSmallDemo(t, db)
	want := fingerprint(t, db)
	out := filepath.Join(t.TempDir(), "backup.dump")
	if err := db.Backup(context.Background(), out); err != nil {
		t.Fatal(err)
	}
	target := vigiltest.NewURL(t, sqlstore.Postgres)
	if err := sqlstore.Restore(context.Background(), target, out, false); err != nil {
		t.Fatal(err)
	}
	restored := open(t, target)
	if err := restored.CheckMigrations(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := fingerprint(t, restored); got != want {
		t.Fatalf("restored data differs")
	}
}
