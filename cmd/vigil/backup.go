package main

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/vigilcp/vigil/internal/app"
	"github.com/vigilcp/vigil/internal/sqlstore"
)

func cmdBackup(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "backup", "backup --out FILE [--db URL]",
		"Writes a consistent backup while Vigil keeps running: SQLite's VACUUM INTO, or pg_dump's custom\n"+
			"format for PostgreSQL (pg_dump must be installed). It never overwrites an existing file.")
	db := dbFlag(fs)
	out := fs.String("out", "", "the backup file to write (must not exist)")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("unexpected argument %q", pos[0])
	}
	if *out == "" {
		return usagef("give --out FILE")
	}
	url, err := databaseURL(e, *db)
	if err != nil {
		return err
	}
	d, err := app.Open(ctx, url, slog.New(slog.DiscardHandler))
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Backup(ctx, *out); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "Backed up the %s database to %s.\n", d.Engine(), *out)
	return nil
}

func cmdRestore(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "restore", "restore --from FILE [--db URL] [--force]",
		"Replaces a database with a backup. For SQLite, stop Vigil first; the backup is checked before it\n"+
			"replaces anything, and an existing database is only replaced with --force. For PostgreSQL it runs\n"+
			"pg_restore --clean in one transaction.")
	db := dbFlag(fs)
	from := fs.String("from", "", "the backup file to restore")
	force := fs.Bool("force", false, "replace an existing SQLite database")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("unexpected argument %q", pos[0])
	}
	if *from == "" {
		return usagef("give --from FILE")
	}
	url, err := databaseURL(e, *db)
	if err != nil {
		return err
	}
	if err := sqlstore.Restore(ctx, url, *from, *force); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "Restored %s.\n", *from)
	return nil
}
