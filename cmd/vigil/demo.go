package main

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/schollz/progressbar/v3"

	"github.com/vigilcp/vigil/internal/app"
	"github.com/vigilcp/vigil/internal/demo"
	"github.com/vigilcp/vigil/internal/password"
	"github.com/vigilcp/vigil/internal/vigil"
)

func cmdDemo(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "demo", "demo [--db URL] [--scale small|force|national] [--seed N] [--as-of YYYY-MM-DD]",
		"Fills an empty database with Kingsmoor Police, a fictional force: two local policing areas, their\n"+
			"teams, officers and staff, partner agencies and children. The data depends only on the seed, the\n"+
			"scale and the as-of date. 'national' is a stress scale for benchmarks (a million children);\n"+
			"it loads in bulk and shows progress.")
	db := dbFlag(fs)
	scaleName := fs.String("scale", "small", "small, force or national")
	seed := fs.Uint64("seed", 1, "random seed: the same seed gives the same force")
	asOf := fs.String("as-of", "", "the day the data is built around (default today)")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("unexpected argument %q", pos[0])
	}
	scale, err := demo.ParseScale(*scaleName)
	if err != nil {
		return usageError{err.Error()}
	}
	day := time.Now().UTC()
	if *asOf != "" {
		day, err = time.Parse("2006-01-02", *asOf)
		if err != nil {
			return usagef("--as-of must be a date like 2026-11-26")
		}
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
	if _, err := d.Migrate(ctx); err != nil {
		return err
	}
	sys, err := d.SystemPrincipal(ctx)
	if err != nil {
		return err
	}
	start := time.Now()
	var bar *progressbar.ProgressBar
	var stage string
	progress := func(s string, done, total int) {
		if s != stage {
			if bar != nil {
				_ = bar.Finish()
				fmt.Fprintln(e.stderr)
			}
			stage = s
			bar = progressbar.NewOptions(total, progressbar.OptionSetWriter(e.stderr), progressbar.OptionSetDescription(s),
				progressbar.OptionShowCount(), progressbar.OptionShowIts(), progressbar.OptionSetItsString("rows"),
				progressbar.OptionThrottle(200*time.Millisecond), progressbar.OptionSetPredictTime(true))
		}
		_ = bar.Set(done)
	}
	pw := app.DemoPassword()
	hash, err := (password.Hasher{Params: password.Production}).Hash(pw)
	if err != nil {
		return err
	}
	org, err := app.LoadDemo(vigil.WithPrincipal(ctx, sys), d, demo.Config{Seed: *seed, Scale: scale, AsOf: day}, hash, progress)
	if bar != nil {
		_ = bar.Finish()
		fmt.Fprintln(e.stderr)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "Loaded %s (%s scale, seed %d) in %s: %d people in %d teams, %d partner agencies, %d children.\n",
		org.Force.Name, scale, *seed, time.Since(start).Round(time.Millisecond), len(org.People), len(org.Teams),
		len(org.Agencies), org.ChildCount)
	fmt.Fprintf(e.stdout, "Demo accounts, all with the password %s (vigil serve --demo gives them a new one at each start):\n", pw)
	for _, u := range org.Users {
		fmt.Fprintf(e.stdout, "  %-20s %s\n", u.Username, u.Does)
	}
	return nil
}
