package main

import (
	"context"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/vigilcp/vigil/internal/sqlstore"
)

// wantPrivate fails the test for each file that exists with any access
// for group or others.
func wantPrivate(t *testing.T, what string, paths ...string) {
	t.Helper()
	for _, p := range paths {
		fi, err := os.Stat(p)
		if err != nil {
			t.Errorf("%s: %v", what, err)
			continue
		}
		if perm := fi.Mode().Perm(); perm != 0o600 {
			t.Errorf("%s: %s has mode %04o, want 0600", what, filepath.Base(p), perm)
		}
	}
}

// TestFilesArePrivate: the SQLite database, its WAL and shared-memory
// files, backups and restored databases are readable by their owner only,
// whatever the umask would allow; an existing database others can read is
// made private when Vigil opens it.
func TestFilesArePrivate(t *testing.T) {
	defer syscall.Umask(syscall.Umask(0o022)) // what most systems default to
	dir := t.TempDir()
	db := filepath.Join(dir, "vigil.db")
	cmd, _, _, stderr := startServeEnv(t, []string{"VIGIL_DB=sqlite:" + db}, "--demo")
	wantPrivate(t, "vigil serve", db, db+"-wal", db+"-shm")
	stop(t, cmd, stderr)

	demoDB := filepath.Join(dir, "demo.db")
	if code, _, errOut := runVigil(t, "", map[string]string{"VIGIL_DB": "sqlite:" + demoDB}, "demo"); code != 0 {
		t.Fatal(errOut)
	}
	wantPrivate(t, "vigil demo", demoDB)

	backup := filepath.Join(dir, "backup.db")
	if code, _, errOut := runVigil(t, "", map[string]string{"VIGIL_DB": "sqlite:" + demoDB}, "backup", "--out", backup); code != 0 {
		t.Fatal(errOut)
	}
	wantPrivate(t, "vigil backup", backup)

	restored := filepath.Join(dir, "restored.db")
	if code, _, errOut := runVigil(t, "", nil, "restore", "--db", "sqlite:"+restored, "--from", backup); code != 0 {
		t.Fatal(errOut)
	}
	wantPrivate(t, "vigil restore", restored)
	open := func(path string) *sqlstore.DB {
		t.Helper()
		d, err := sqlstore.Open(context.Background(), "sqlite:"+path, sqlstore.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := d.Migrate(context.Background()); err != nil { // writes, so the WAL is there
			t.Fatal(err)
		}
		return d
	}
	d := open(restored)
	wantPrivate(t, "the restored database in use", restored, restored+"-wal", restored+"-shm")
	d.Close()

	// A database made by an older Vigil, readable by everyone.
	os.Chmod(demoDB, 0o644)
	d = open(demoDB)
	wantPrivate(t, "an older database once opened", demoDB, demoDB+"-wal", demoDB+"-shm")
	d.Close()
}
