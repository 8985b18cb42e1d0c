package main

import (
	"context"
	"fmt"
	"log/slog"
	"text/tabwriter"

	"github.com/vigilcp/vigil/internal/app"
)

func cmdMigrate(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "migrate", "migrate [status] [--db URL]",
		"Applies pending migrations, or with 'status' lists every migration and when it was applied.\n"+
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
		return tw.Flush()
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
