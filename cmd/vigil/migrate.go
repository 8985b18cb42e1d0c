package main

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"text/tabwriter"

	"github.com/vigilcp/vigil/internal/app"
	"github.com/vigilcp/vigil/internal/sqlstore"
)

func cmdMigrate(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "migrate", "migrate [status] [--db URL]",
		"Applies pending migrations, or with 'status' lists every migration and when it was applied, and any\n"+
			"stored text that holds a NUL character (SQLite only: it reads all the text once).\n"+
			"Several instances may migrate one PostgreSQL database at once: one applies, the others wait.")
	db := dbFlag(fs)
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	status := false
	switch {
	case len(pos) == 1 && pos[0] == "status":
		status = true
	case len(pos) > 0:
		return usagef("unexpected argument %q (the only one is 'status')", pos[0])
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
	if status {
		ms, err := d.Migrations(ctx)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "VERSION\tNAME\tAPPLIED")
		for _, m := range ms {
			applied := "pending"
			if !m.AppliedAt.IsZero() {
				applied = m.AppliedAt.Format("2006-01-02 15:04:05 UTC")
			}
			fmt.Fprintf(tw, "%d\t%s\t%s\n", m.Version, m.Name, applied)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
		return reportStoredNULs(ctx, e, d)
	}
	applied, err := d.Migrate(ctx)
	if err != nil {
		return err
	}
	if len(applied) == 0 {
		fmt.Fprintln(e.stdout, "The database is up to date.")
	}
	for _, m := range applied {
		fmt.Fprintf(e.stdout, "Applied %d %s\n", m.Version, m.Name)
	}
	return nil
}

// reportStoredNULs says which stored text holds NUL characters (U+0000):
// written on SQLite before Vigil refused them, they are text PostgreSQL
// cannot store, and a save that keeps them is now refused.
func reportStoredNULs(ctx context.Context, e *env, d *sqlstore.DB) error {
	if d.Engine() != sqlstore.SQLite {
		fmt.Fprintln(e.stdout, "\nStored text: PostgreSQL holds no NUL characters.")
		return nil
	}
	found, err := d.StoredNULs(ctx)
	if err != nil {
		return fmt.Errorf("looking for NUL characters in stored text: %w", err)
	}
	if len(found) == 0 {
		fmt.Fprintln(e.stdout, "\nStored text: no row holds a NUL character.")
		return nil
	}
	fmt.Fprintln(e.stdout, "\nStored text holding NUL characters (U+0000), written before Vigil refused them. PostgreSQL cannot")
	fmt.Fprintln(e.stdout, "store them, and a change that keeps one is refused: edit each record to remove it (the access log's")
	fmt.Fprintln(e.stdout, "entries cannot be changed, and are listed for the record).")
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "COLUMN\tROWS\tFIRST ROWS")
	for _, f := range found {
		fmt.Fprintf(tw, "%s.%s\t%d\t%s\n", f.Table, f.Column, f.Rows, strings.Join(f.Keys, ", "))
	}
	return tw.Flush()
}
