package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// Backup writes a consistent copy of the database to out while it stays in
// use. On SQLite it is VACUUM INTO: a transactionally consistent, compacted
// copy, made without stopping writers for longer than a read. On
// PostgreSQL it runs pg_dump in its custom format (pg_dump must be on the
// PATH and of the server's major version or newer).
//
// The file is created first, empty and readable by its owner alone (both
// tools write into it and keep its mode): a backup holds every record.
func (db *DB) Backup(ctx context.Context, out string) error {
	abs, err := filepath.Abs(out)
	if err != nil {
		return err
	}
	f, err := os.OpenFile(abs, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, os.ErrExist) {
		return fmt.Errorf("%s already exists: choose a new file name, so that no backup is overwritten", out)
	}
	if err != nil {
		return fmt.Errorf("cannot create the backup %s: %v", out, errors.Unwrap(err))
	}
	if err := f.Close(); err != nil {
		return err
	}
	if db.engine == Postgres {
		url, pw := splitPassword(db.url)
		if err := runTool(ctx, pw, "pg_dump", "--format=custom", "--no-owner", "--file="+abs, "--dbname="+url); err != nil {
			os.Remove(abs)
			return err
		}
		return nil
	}
	if _, err := db.write.ExecContext(ctx, "VACUUM INTO $1", abs); err != nil {
		os.Remove(abs)
		return fmt.Errorf("backing up to %s: %v", out, err)
	}
	return nil
}

// Restore replaces the database named by url with a backup. On SQLite the
// backup is checked (integrity and Vigil's tables) before it is copied into
// place, and the target must not be in use. On PostgreSQL it runs
// pg_restore --clean into the named database.
func Restore(ctx context.Context, url, from string, force bool) error {
	engine, target, err := ParseURL(url)
	if err != nil {
		return err
	}
	if _, err := os.Stat(from); err != nil {
		return fmt.Errorf("cannot read the backup %s: %v", from, errors.Unwrap(err))
	}
	if engine == Postgres {
		url, pw := splitPassword(target)
		return runTool(ctx, pw, "pg_restore", "--clean", "--if-exists", "--no-owner", "--single-transaction", "--exit-on-error",
			"--dbname="+url, from)
	}
	if err := checkSQLiteBackup(ctx, from); err != nil {
		return err
	}
	if fi, err := os.Stat(target); err == nil && fi.Size() > 0 && !force {
		return fmt.Errorf("%s already exists: stop Vigil, then restore with --force to replace it", target)
	}
	// Copy beside the target, then rename over it: the target is either
	// the old database or the whole backup, never half of one.
	tmp := target + ".restoring"
	if err := copyFile(from, tmp); err != nil {
		os.Remove(tmp)
		return err
	}
	for _, suffix := range []string{"-wal", "-shm"} {
		if err := os.Remove(target + suffix); err != nil && !errors.Is(err, os.ErrNotExist) {
			os.Remove(tmp)
			return err
		}
	}
	return os.Rename(tmp, target)
}

func checkSQLiteBackup(ctx context.Context, path string) error {
	db, err := Open(ctx, "sqlite:"+path, Options{})
	if err != nil {
		return fmt.Errorf("%s is not a usable backup: %v", path, err)
	}
	defer db.Close()
	var result string
	if err := db.read.QueryRowContext(ctx, "PRAGMA integrity_check").Scan(&result); err != nil || result != "ok" {
		return fmt.Errorf("%s failed SQLite's integrity check: %s %v", path, result, err)
	}
	if err := db.CheckMigrations(ctx); err != nil {
		return fmt.Errorf("%s is not a Vigil database this version can use: %v", path, err)
	}
	return nil
}

func copyFile(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	if err := out.Sync(); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// splitPassword takes any password out of a PostgreSQL URL (its user
// part or a password parameter), so that it reaches pg_dump through its
// environment rather than its command line, which other users of the
// machine can read.
func splitPassword(raw string) (string, string) {
	u, err := url.Parse(raw)
	if err != nil {
		return raw, ""
	}
	var pw string
	if u.User != nil {
		if p, ok := u.User.Password(); ok {
			pw = p
			u.User = url.User(u.User.Username())
		}
	}
	q := u.Query()
	for k, v := range q {
		if strings.EqualFold(k, "password") {
			if pw == "" && len(v) > 0 {
				pw = v[0]
			}
			q.Del(k)
		}
	}
	u.RawQuery = q.Encode()
	return u.String(), pw
}

func runTool(ctx context.Context, password, name string, args ...string) error {
	path, err := exec.LookPath(name)
	if err != nil {
		return fmt.Errorf("%s is not installed (on Debian: apt-get install postgresql-client)", name)
	}
	cmd := exec.CommandContext(ctx, path, args...)
	if password != "" {
		cmd.Env = append(os.Environ(), "PGPASSWORD="+password)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		msg := strings.TrimSpace(stderr.String())
		if i := strings.IndexByte(msg, '\n'); i >= 0 {
			msg = msg[:i]
		}
		return fmt.Errorf("%s failed: %s", name, msg)
	}
	return nil
}
