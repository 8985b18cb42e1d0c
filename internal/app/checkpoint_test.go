package app_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/vigilcp/vigil/internal/app"
	"github.com/vigilcp/vigil/internal/sqlstore"
	"github.com/vigilcp/vigil/internal/vigil"
	"github.com/vigilcp/vigil/internal/vigiltest"
)

// logSomething appends one access-log entry.
func logSomething(t *testing.T, db *sqlstore.DB) {
	t.Helper()
	if err := db.LogSystemAction(vigiltest.As(t, db, "admin"), vigil.ActionDemoLoad, vigil.KindUser, "test"); err != nil {
		t.Fatal(err)
	}
}

func readFile(t *testing.T, path string, pub ed25519.PublicKey) app.CheckpointFile {
	t.Helper()
	f, err := app.ReadCheckpoints(path, pub)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// TestCheckpointsAreNotRepeated: a checkpointer started again (a restart,
// or a command after a server) writes nothing while the head has not
// moved; several writing at once write one checkpoint of one head.
func TestCheckpointsAreNotRepeated(t *testing.T) {
	db, _ := vigiltest.DemoDB(t, sqlstore.SQLite, vigiltest.SmallDemo(false))
	ctx := context.Background()
	pub, key, _ := ed25519.GenerateKey(nil)
	file := filepath.Join(t.TempDir(), "checkpoints.jsonl")
	if _, ok, err := (&app.Checkpointer{Key: key, File: file}).Write(ctx, db); err != nil || !ok {
		t.Fatalf("first checkpoint: %v %v", ok, err)
	}
	if _, ok, err := (&app.Checkpointer{Key: key, File: file}).Write(ctx, db); err != nil || ok {
		t.Errorf("a restarted checkpointer wrote the unchanged head again: %v %v", ok, err)
	}
	logSomething(t, db)
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			if _, _, err := (&app.Checkpointer{Key: key, File: file}).Write(ctx, db); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	got := readFile(t, file, pub)
	head, _, _ := db.AccessLogHead(ctx)
	if len(got.Checkpoints) != 2 || got.Checkpoints[1].Seq != head || got.TornBytes != 0 {
		t.Errorf("after four writers at once: %d checkpoints, last %+v; want 2, the last of entry %d", len(got.Checkpoints),
			got.Checkpoints[len(got.Checkpoints)-1], head)
	}
	if fi, err := os.Stat(file); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("the checkpoint file's mode is %v (%v), want 0600", fi.Mode().Perm(), err)
	}
}

// TestTornCheckpointLine: a crash in the middle of a write leaves part of
// a line. Reading says so and goes on; the next checkpoint removes it
// rather than being appended onto it, so later reads are whole. A line
// whose newline alone was lost is kept.
func TestTornCheckpointLine(t *testing.T) {
	db, _ := vigiltest.DemoDB(t, sqlstore.SQLite, vigiltest.SmallDemo(false))
	ctx := context.Background()
	pub, key, _ := ed25519.GenerateKey(nil)
	file := filepath.Join(t.TempDir(), "checkpoints.jsonl")
	cp := &app.Checkpointer{Key: key, File: file}
	if _, ok, err := cp.Write(ctx, db); err != nil || !ok {
		t.Fatal(ok, err)
	}
	whole, _ := os.ReadFile(file)
	f, _ := os.OpenFile(file, os.O_WRONLY|os.O_APPEND, 0)
	f.Write(whole[:len(whole)/2]) // half of a second line
	f.Close()
	got := readFile(t, file, pub)
	if len(got.Checkpoints) != 1 || got.TornBytes != len(whole)/2 {
		t.Fatalf("with a torn last line: %d checkpoints, %d torn bytes; want 1 and %d", len(got.Checkpoints), got.TornBytes, len(whole)/2)
	}
	logSomething(t, db)
	if _, ok, err := cp.Write(ctx, db); err != nil || !ok {
		t.Fatal(ok, err)
	}
	got = readFile(t, file, pub)
	head, _, _ := db.AccessLogHead(ctx)
	if len(got.Checkpoints) != 2 || got.TornBytes != 0 || got.Checkpoints[1].Seq != head {
		t.Errorf("after the next checkpoint: %+v", got)
	}
	// A whole line with its newline lost: kept, and ended.
	b, _ := os.ReadFile(file)
	os.WriteFile(file, bytes.TrimSuffix(b, []byte("\n")), 0o600)
	if got := readFile(t, file, pub); len(got.Checkpoints) != 2 || got.TornBytes != 0 {
		t.Errorf("a last line without its newline: %+v", got)
	}
	logSomething(t, db)
	if _, ok, err := cp.Write(ctx, db); err != nil || !ok {
		t.Fatal(ok, err)
	}
	if got := readFile(t, file, pub); len(got.Checkpoints) != 3 || got.TornBytes != 0 {
		t.Errorf("after writing past a line without its newline: %+v", got)
	}
	// Anything but the last line must be a signed checkpoint.
	b, _ = os.ReadFile(file)
	os.WriteFile(file, append([]byte("not a checkpoint\n"), b...), 0o600)
	if _, err := app.ReadCheckpoints(file, pub); err == nil || !strings.Contains(err.Error(), "line 1 is not a checkpoint") {
		t.Errorf("a bad first line: %v", err)
	}
}

// TestKeyFileMustBePrivate: a key file others can read is refused.
func TestKeyFileMustBePrivate(t *testing.T) {
	_, key, _ := ed25519.GenerateKey(nil)
	file := filepath.Join(t.TempDir(), "key")
	seed := []byte(base64Seed(key) + "\n")
	for _, mode := range []os.FileMode{0o644, 0o640, 0o604, 0o660} {
		os.WriteFile(file, seed, 0o600)
		os.Chmod(file, mode)
		if _, err := app.ReadKeyFile(file); err == nil || !strings.Contains(err.Error(), "chmod 600") {
			t.Errorf("mode %04o: %v", mode, err)
		}
	}
	os.Chmod(file, 0o400)
	if got, err := app.ReadKeyFile(file); err != nil || !got.Equal(key) {
		t.Errorf("mode 0400: %v", err)
	}
}

func base64Seed(key ed25519.PrivateKey) string { return base64.StdEncoding.EncodeToString(key.Seed()) }
