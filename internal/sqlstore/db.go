// Package sqlstore implements Vigil's services on SQLite and PostgreSQL
// with one set of SQL statements. Each service method runs in one
// transaction that checks permission, does the work and commits.
package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver

	"github.com/vigilcp/vigil/internal/language"
	"github.com/vigilcp/vigil/internal/vigil"
)

// Engine names a database engine.
type Engine string

// The two engines Vigil runs on.
const (
	SQLite   Engine = "sqlite"
	Postgres Engine = "postgres"
)

// Options configure a database handle.
type Options struct {
	// Clock stamps records; the system clock when nil.
	Clock vigil.Clock
	// Hasher hashes and checks passwords; required for user and session
	// methods.
	Hasher vigil.PasswordHasher
	// Logger receives operational messages, never personal data.
	Logger *slog.Logger
	// ReadConns is the size of SQLite's pool of readers (default: 2 per
	// CPU, at least 4). PostgreSQL's pool size comes from the URL's
	// pool_max_conns parameter.
	ReadConns int
	// SessionIdle and SessionAbsolute bound a session's life: it ends after
	// SessionIdle without use, and SessionAbsolute after sign-in whatever
	// happens (defaults 30 minutes and 12 hours).
	SessionIdle, SessionAbsolute time.Duration
	// LockoutAfter failed sign-ins in a row lock a username for LockoutFor
	// (defaults 5 and 15 minutes), whether or not it exists.
	LockoutAfter int
	LockoutFor   time.Duration
	// SSOEmailHold is how long after someone other than its holder changes
	// an account's email a first single sign-on by that email is refused
	// (default 14 days).
	SSOEmailHold time.Duration
}

// DefaultSSOEmailHold is how long a first single sign-on by an email that
// someone other than its holder changed is refused, unless set otherwise.
const DefaultSSOEmailHold = 14 * 24 * time.Hour

// DB is an open Vigil database. It is safe for concurrent use.
type DB struct {
	engine Engine
	// write runs transactions that change data. On SQLite it holds one
	// connection (SQLite allows one writer at a time; queuing in Go is
	// cheaper than busy-waiting in SQLite). On PostgreSQL it is the same
	// pool as read.
	write *sql.DB
	// read runs read-only transactions: a pool of query-only connections
	// on SQLite, the shared pool on PostgreSQL.
	read *sql.DB
	// pool is PostgreSQL's native pool, for COPY; nil on SQLite.
	pool *pgxpool.Pool
	// path is the SQLite file; "" on PostgreSQL.
	path string
	url  string

	clock  vigil.Clock
	hasher vigil.PasswordHasher
	log    *slog.Logger

	sessionIdle, sessionAbsolute time.Duration
	lockoutAfter                 int
	lockoutFor                   time.Duration
	ssoEmailHold                 time.Duration

	stmts stmtCache

	// lexicon is the language checker in force; lexiconFile the force's
	// overrides file, if any.
	lexicon     lexiconState
	lexiconFile *language.Overrides

	// noAccessLog skips writing the access log. It exists only so that a
	// benchmark in this package can measure what the log costs; nothing
	// outside the package can set it.
	noAccessLog bool
}

// ParseURL checks a database URL and returns its engine. "sqlite:PATH"
// names a SQLite file (created when absent); "postgres://…" or
// "postgresql://…" names a PostgreSQL database. Its errors never repeat the
// URL, which may hold a password.
func ParseURL(raw string) (Engine, string, error) {
	switch {
	case strings.HasPrefix(raw, "sqlite:"):
		path := strings.TrimPrefix(raw, "sqlite:")
		path = strings.TrimPrefix(path, "//")
		if path == "" {
			return "", "", errors.New("the database URL names no file: use sqlite:PATH, for example sqlite:vigil.db")
		}
		if strings.ContainsAny(path, "?#") {
			return "", "", errors.New("the database URL is sqlite:PATH, and a SQLite URL takes no parameters")
		}
		return SQLite, path, nil
	case strings.HasPrefix(raw, "postgres://"), strings.HasPrefix(raw, "postgresql://"):
		if _, err := pgxpool.ParseConfig(raw); err != nil {
			return "", "", fmt.Errorf("database URL is not a valid PostgreSQL URL: %s", pgxParseReason(err))
		}
		return Postgres, raw, nil
	}
	return "", "", errors.New("database URL must start with sqlite: or postgres://")
}

// pgxParseReason is why pgx could not parse a URL, without the URL it
// quotes (redacted, but with the user, host and parameters).
func pgxParseReason(err error) string {
	msg := err.Error()
	if rest, ok := strings.CutPrefix(msg, "cannot parse `"); ok {
		if i := strings.LastIndex(rest, "`: "); i >= 0 {
			msg = rest[i+3:]
		} else {
			msg = "its form is wrong"
		}
	}
	if strings.Contains(msg, "://") || strings.Contains(msg, "@") {
		return "its form is wrong" // a reason that quotes the URL after all
	}
	return msg
}

// HasPassword reports whether a database URL carries a password, in its
// user part or as a password or sslpassword parameter: one that must come
// from the environment or a file rather than a flag.
func HasPassword(raw string) bool {
	u, err := url.Parse(raw)
	if err != nil {
		// Not a URL that parses: look for a password anyway.
		lower := strings.ToLower(raw)
		if strings.Contains(lower, "password=") {
			return true
		}
		_, rest, ok := strings.Cut(raw, "://")
		user, _, hasAt := strings.Cut(rest, "@")
		return ok && hasAt && strings.Contains(user, ":")
	}
	if u.User != nil {
		if _, ok := u.User.Password(); ok {
			return true
		}
	}
	for k := range u.Query() {
		if strings.EqualFold(k, "password") || strings.EqualFold(k, "sslpassword") {
			return true
		}
	}
	return false
}

// Open connects to the database named by rawURL and checks that it answers.
// It does not migrate; call Migrate.
func Open(ctx context.Context, rawURL string, opts Options) (*DB, error) {
	engine, target, err := ParseURL(rawURL)
	if err != nil {
		return nil, err
	}
	db := &DB{engine: engine, url: rawURL, clock: opts.Clock, hasher: opts.Hasher, log: opts.Logger,
		sessionIdle: opts.SessionIdle, sessionAbsolute: opts.SessionAbsolute, lockoutAfter: opts.LockoutAfter, lockoutFor: opts.LockoutFor,
		ssoEmailHold: opts.SSOEmailHold}
	if db.clock == nil {
		db.clock = vigil.SystemClock{}
	}
	if db.log == nil {
		db.log = slog.New(slog.DiscardHandler)
	}
	if db.sessionIdle <= 0 {
		db.sessionIdle = 30 * time.Minute
	}
	if db.sessionAbsolute <= 0 {
		db.sessionAbsolute = 12 * time.Hour
	}
	if db.lockoutAfter <= 0 {
		db.lockoutAfter = 5
	}
	if db.lockoutFor <= 0 {
		db.lockoutFor = 15 * time.Minute
	}
	if db.ssoEmailHold <= 0 {
		db.ssoEmailHold = DefaultSSOEmailHold
	}
	switch engine {
	case SQLite:
		err = db.openSQLite(ctx, target, opts.ReadConns)
	case Postgres:
		err = db.openPostgres(ctx, target)
	}
	if err != nil {
		return nil, err
	}
	return db, nil
}

func (db *DB) openSQLite(ctx context.Context, path string, readConns int) error {
	abs, err := filepath.Abs(path)
	if err != nil {
		return fmt.Errorf("database file %s: %v", path, err)
	}
	if fi, err := os.Stat(filepath.Dir(abs)); err != nil || !fi.IsDir() {
		return fmt.Errorf("database file %s: the folder %s does not exist", path, filepath.Dir(abs))
	}
	if fi, err := os.Stat(abs); err == nil && fi.IsDir() {
		return fmt.Errorf("database file %s is a folder", path)
	}
	db.path = abs
	readable, err := db.makePrivate(abs)
	if err != nil {
		return fmt.Errorf("database file %s: %v", path, err)
	}
	// synchronous(FULL): a committed record survives a power cut, not just
	// a crash of Vigil. Measured at ~12k single-row commits a second on the
	// build machine, far beyond what a force writes.
	common := "_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)&_pragma=synchronous(FULL)" +
		"&_pragma=temp_store(memory)&_pragma=journal_size_limit(67108864)"
	w, err := sql.Open("sqlite", "file:"+abs+"?"+common+"&_pragma=journal_mode(WAL)&_txlock=immediate")
	if err != nil {
		return fmt.Errorf("database file %s: %v", path, err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	if err := w.PingContext(ctx); err != nil {
		w.Close()
		return fmt.Errorf("cannot open database file %s: %s", path, sqliteReason(err))
	}
	// Prove the file is writable now, not at the first save.
	if _, err := w.ExecContext(ctx, "CREATE TABLE IF NOT EXISTS vigil_write_check (x INTEGER); DROP TABLE vigil_write_check"); err != nil {
		w.Close()
		return fmt.Errorf("cannot write to database file %s: %s", path, sqliteReason(err))
	}
	if readConns <= 0 {
		readConns = max(4, 2*runtime.NumCPU())
	}
	r, err := sql.Open("sqlite", "file:"+abs+"?"+common+"&_pragma=query_only(1)")
	if err != nil {
		w.Close()
		return fmt.Errorf("database file %s: %v", path, err)
	}
	r.SetMaxOpenConns(readConns)
	r.SetMaxIdleConns(readConns)
	db.write, db.read = w, r
	for _, f := range readable {
		db.log.Warn("a database file other users can read could not be made private (it is not Vigil's user's): chmod 600 it",
			slog.String("file", f))
	}
	return nil
}

// makePrivate creates the database file, when it is absent, readable and
// writable by its owner alone (SQLite gives its WAL and shared-memory
// files the database file's mode), and takes group and other access off
// an existing one and its WAL and shared-memory files: the database holds
// records about children. It returns what it could not make private (a
// file of another owner's), to be logged once the database has opened.
func (db *DB) makePrivate(path string) ([]string, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if err == nil {
		return nil, f.Close()
	}
	if !errors.Is(err, os.ErrExist) {
		if errors.Is(err, os.ErrPermission) {
			return nil, nil // opening says why, in its own words
		}
		return nil, errors.Unwrap(err)
	}
	var open []string
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		fi, err := os.Stat(p)
		if err != nil || fi.Mode().Perm()&0o077 == 0 {
			continue
		}
		if err := os.Chmod(p, fi.Mode().Perm()&0o700); err != nil {
			open = append(open, filepath.Base(p))
			continue
		}
		db.log.Warn("made a database file other users could read private", slog.String("file", filepath.Base(p)),
			slog.String("mode_was", fmt.Sprintf("%04o", fi.Mode().Perm())))
	}
	return open, nil
}

func sqliteReason(err error) string {
	msg := err.Error()
	switch {
	case strings.Contains(msg, "readonly"), strings.Contains(msg, "read-only"):
		return "the file is read-only"
	case strings.Contains(msg, "not a database"), strings.Contains(msg, "malformed"):
		return "the file is not a Vigil database (not SQLite, or damaged)"
	case strings.Contains(msg, "unable to open"), strings.Contains(msg, "cantopen"):
		return "the file cannot be opened (check the path and permissions)"
	}
	return msg
}

func (db *DB) openPostgres(ctx context.Context, raw string) error {
	cfg, err := pgxpool.ParseConfig(raw)
	if err != nil {
		return fmt.Errorf("database URL is not a valid PostgreSQL URL: %s", pgxParseReason(err))
	}
	// Vigil stores instants in UTC; text forms of them should say so too.
	cfg.ConnConfig.RuntimeParams["timezone"] = "UTC"
	if cfg.ConnConfig.RuntimeParams["application_name"] == "" {
		cfg.ConnConfig.RuntimeParams["application_name"] = "vigil"
	}
	if cfg.ConnConfig.ConnectTimeout == 0 {
		cfg.ConnConfig.ConnectTimeout = 10 * time.Second
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return fmt.Errorf("cannot reach PostgreSQL at %s: %s", hostPort(cfg), cleanPgxError(err))
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return fmt.Errorf("cannot reach PostgreSQL database %q at %s: %s", cfg.ConnConfig.Database, hostPort(cfg), cleanPgxError(err))
	}
	db.pool = pool
	db.write = stdlib.OpenDBFromPool(pool)
	db.read = db.write
	return nil
}

func hostPort(cfg *pgxpool.Config) string {
	return fmt.Sprintf("%s:%d", cfg.ConnConfig.Host, cfg.ConnConfig.Port)
}

// cleanPgxError shortens pgx's connection errors to their last, telling
// part ("connection refused", "database \"x\" does not exist").
func cleanPgxError(err error) string {
	msg := err.Error()
	if i := strings.LastIndex(msg, ": "); i >= 0 && strings.Contains(msg, "failed to connect") {
		tail := msg[i+2:]
		if strings.Contains(msg, "FATAL") || strings.Contains(msg, "(SQLSTATE") {
			// Keep the server's own words.
			if j := strings.Index(msg, "FATAL: "); j >= 0 {
				tail = msg[j+7:]
			}
		}
		return tail
	}
	return msg
}

// Engine reports which engine the database runs on.
func (db *DB) Engine() Engine { return db.engine }

// Clock is the clock that stamps the database's records: the pages should
// tell the time by it too.
func (db *DB) Clock() vigil.Clock { return db.clock }

// Path is the SQLite file, or "" on PostgreSQL.
func (db *DB) Path() string { return db.path }

// Ping checks that the database answers.
func (db *DB) Ping(ctx context.Context) error {
	if err := db.write.PingContext(ctx); err != nil {
		return &vigil.Error{Code: vigil.EUNAVAILABLE, Message: "The database cannot be reached", Err: err}
	}
	return nil
}

// Close closes every connection.
func (db *DB) Close() error {
	db.stmts.close()
	var errs []error
	if db.read != db.write {
		errs = append(errs, db.read.Close())
	}
	errs = append(errs, db.write.Close())
	if db.pool != nil {
		db.pool.Close()
	}
	return errors.Join(errs...)
}

// Pools returns the connection pools by name, for metrics: "write" and
// "read" on SQLite, "main" on PostgreSQL.
func (db *DB) Pools() map[string]*sql.DB {
	if db.read == db.write {
		return map[string]*sql.DB{"main": db.write}
	}
	return map[string]*sql.DB{"write": db.write, "read": db.read}
}
