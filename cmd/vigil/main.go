// Command vigil runs Vigil, a child-protection information and assurance
// system for a police force, and its administration commands.
//
// Every command has --help; exit status is 0 on success, 1 on failure and
// 2 on a usage error, with one clear line on standard error.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	_ "time/tzdata" // Europe/London without relying on the host's zone files

	"github.com/vigilcp/vigil/internal/app"
	"github.com/vigilcp/vigil/internal/sqlstore"
	"github.com/vigilcp/vigil/internal/vigil"
)

// env is what a command may read from outside: its streams and environment.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	getenv         func(string) string
}

// command is one subcommand.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, e *env, args []string) error
}

func commands() []command {
	return []command{
		{"serve", "run the web server", cmdServe},
		{"migrate", "apply pending database migrations, or list them (migrate status)", cmdMigrate},
		{"demo", "fill an empty database with the fictional demo force", cmdDemo},
		{"user", "manage accounts: add, list, grant, disable, set-password, reset-second-factor, set-email", cmdUser},
		{"token", "API tokens for integrations: create, list, revoke", cmdToken},
		{"accesslog", "check the access log's hash chain and checkpoints: verify, checkpoint, keygen", cmdAccessLog},
		{"language", "check text for victim-blaming wording (check), or recheck stored text (scan)", cmdLanguage},
		{"backup", "write a consistent backup of a running database", cmdBackup},
		{"restore", "replace a database with a backup", cmdRestore},
		{"version", "print the version", cmdVersion},
	}
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], &env{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr, getenv: os.Getenv})
	stop()
	os.Exit(code)
}

// usageError is a mistake in how a command was called: exit status 2.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return usageError{fmt.Sprintf(format, args...)} }

// run runs one command line and returns the exit status.
func run(ctx context.Context, args []string, e *env) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		topUsage(e.stdout)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	for _, c := range commands() {
		if c.name != args[0] {
			continue
		}
		tracked, opened := app.TrackOpens(ctx)
		err := c.run(tracked, e, args[1:])
		if cerr := checkpointAfter(ctx, e, opened); cerr != nil {
			fmt.Fprintf(e.stderr, "vigil %s: %s\n", c.name, oneLine(cerr))
			if err == nil || errors.Is(err, flag.ErrHelp) {
				return 1
			}
		}
		switch {
		case err == nil:
			return 0
		case errors.Is(err, flag.ErrHelp):
			return 0
		case errors.Is(err, errFindingsFound):
			return 1
		case errors.As(err, new(usageError)):
			fmt.Fprintf(e.stderr, "vigil %s: %v (see vigil %s --help)\n", c.name, err, c.name)
			return 2
		}
		fmt.Fprintf(e.stderr, "vigil %s: %s\n", c.name, oneLine(err))
		return 1
	}
	fmt.Fprintf(e.stderr, "vigil: unknown command %q (see vigil --help)\n", args[0])
	return 2
}

// checkpointAfter writes a checkpoint of each database the command opened
// whose access log it moved on, when a key is set, so that what the
// command logged is covered at once (vigil serve writes its own).
func checkpointAfter(ctx context.Context, e *env, opened *app.OpenedDatabases) error {
	if e.getenv("VIGIL_ACCESSLOG_KEY") == "" && e.getenv("VIGIL_ACCESSLOG_KEY_FILE") == "" {
		return nil
	}
	file := e.getenv("VIGIL_ACCESSLOG_CHECKPOINTS")
	moved, err := opened.CheckpointMoved(context.WithoutCancel(ctx), func() (*app.Checkpointer, error) {
		key, err := signingKey(e)
		if err != nil || file == "" {
			return nil, err
		}
		return &app.Checkpointer{Key: key, File: file, Log: stderrLog(e)}, nil
	})
	if err != nil {
		return fmt.Errorf("the access-log checkpoint after this command failed: %w", err)
	}
	if moved > 0 && file == "" {
		fmt.Fprintln(e.stderr, "warning: an access-log key is set but VIGIL_ACCESSLOG_CHECKPOINTS is not, so what this command logged has no checkpoint yet")
	}
	return nil
}

// oneLine is an error as one line: a domain error's safe message and its
// field problems, anything else as it is, never a stack trace.
func oneLine(err error) string {
	var ve *vigil.Error
	if errors.As(err, &ve) {
		msg := ve.Message
		if ve.Code == vigil.EINTERNAL && ve.Err != nil {
			msg = ve.Err.Error()
		}
		for _, f := range ve.Fields {
			msg += "; " + f.Field + ": " + f.Message
		}
		err = errors.New(msg)
	}
	return strings.ReplaceAll(strings.TrimSpace(err.Error()), "\n", " ")
}

func topUsage(w io.Writer) {
	fmt.Fprintln(w, "Vigil: child protection information and assurance for a police force.")
	fmt.Fprintln(w, "\nUsage: vigil COMMAND [flags]\n\nCommands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-10s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nRun vigil COMMAND --help for a command's flags.")
	fmt.Fprintln(w, "The database is --db, or VIGIL_DB, or a file named by VIGIL_DB_FILE; default sqlite:vigil.db.")
}

// newFlags returns a flag set that reports errors to run rather than
// exiting, with a usage text of the command's synopsis and flags.
func newFlags(e *env, name, synopsis, about string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {
		fmt.Fprintf(e.stdout, "Usage: vigil %s\n\n%s\n", synopsis, about)
		fs.SetOutput(e.stdout)
		fmt.Fprintln(e.stdout, "\nFlags:")
		fs.PrintDefaults()
		fs.SetOutput(io.Discard)
	}
	return fs
}

// parse parses flags that may come before, between or after the
// positional arguments, and returns the positional ones.
func parse(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				fs.Usage()
				return nil, flag.ErrHelp
			}
			return nil, usageError{err.Error()}
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		if args[0] == "--" {
			return append(pos, args[1:]...), nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

// dbFlag adds --db to a flag set.
func dbFlag(fs *flag.FlagSet) *string {
	return fs.String("db", "", "database URL: sqlite:PATH or postgres://user@host:port/db (default VIGIL_DB, then sqlite:vigil.db)")
}

// databaseURL decides which database to use: --db, then VIGIL_DB, then the
// file named by VIGIL_DB_FILE, then sqlite:vigil.db. A password may come
// from the environment or a file, never from a flag: flags show in ps.
func databaseURL(e *env, flagValue string) (string, error) {
	if flagValue != "" {
		if sqlstore.HasPassword(flagValue) {
			return "", usagef("--db must not carry a password, which other users of this machine could read; put the URL in VIGIL_DB or VIGIL_DB_FILE, or the password in PGPASSWORD")
		}
		return flagValue, nil
	}
	if v := e.getenv("VIGIL_DB"); v != "" {
		return v, nil
	}
	if f := e.getenv("VIGIL_DB_FILE"); f != "" {
		b, err := os.ReadFile(f)
		if err != nil {
			return "", fmt.Errorf("cannot read VIGIL_DB_FILE: %v", errors.Unwrap(err))
		}
		return strings.TrimSpace(string(b)), nil
	}
	return "sqlite:vigil.db", nil
}
