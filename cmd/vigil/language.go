package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"

	"github.com/vigilcp/vigil/internal/app"
	"github.com/vigilcp/vigil/internal/language"
	"github.com/vigilcp/vigil/internal/vigil"
)

func cmdLanguage(ctx context.Context, e *env, args []string) error {
	sub := ""
	if len(args) > 0 {
		sub, args = args[0], args[1:]
	}
	switch sub {
	case "check":
		return languageCheck(e, args)
	case "scan":
		return languageScan(ctx, e, args)
	case "-h", "--help", "help":
		fmt.Fprintln(e.stdout, "Usage: vigil language check [FILE…] | vigil language scan [--db URL] (each has --help)")
		return nil
	case "":
		return usagef("say what to do: check or scan")
	}
	return usagef("unknown language command %q: use check or scan", sub)
}

// readOverrides reads a lexicon overrides file, or returns nil for "".
func readOverrides(path string) (*language.Overrides, error) {
	if path == "" {
		return nil, nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("cannot read the lexicon overrides file: %v", errors.Unwrap(err))
	}
	o, err := language.ParseOverrides(b)
	if err == nil {
		_, err = language.Default().With(o)
	}
	if err != nil {
		return nil, fmt.Errorf("the lexicon overrides file %s: %s", path, strings.ReplaceAll(err.Error(), "\n", "; "))
	}
	return &o, nil
}

// errFindingsFound marks an exit status of 1 with nothing to say on stderr:
// the findings on stdout are the message.
var errFindingsFound = errors.New("")

func languageCheck(e *env, args []string) error {
	fs := newFlags(e, "language check", "language check [--format text|json] [--lexicon-overrides FILE] [FILE…]",
		"Checks text files (standard input when none) for victim-blaming and minimising wording, printing\n"+
			"FILE:LINE:COL: matched text — why; try: alternative (or JSON). Exit status 1 if anything is\n"+
			"found, 0 if not, 2 on a usage error or a file that cannot be read.")
	format := fs.String("format", "text", "text or json")
	overrides := fs.String("lexicon-overrides", "", "a JSON file of the force's lexicon changes")
	files, err := parse(fs, args)
	if err != nil {
		return err
	}
	if *format != "text" && *format != "json" {
		return usagef("--format must be text or json")
	}
	lex := language.Default()
	if o, err := readOverrides(*overrides); err != nil {
		return usageError{err.Error()}
	} else if o != nil {
		lex, _ = lex.With(*o)
	}
	c, err := language.NewChecker(lex)
	if err != nil {
		return err
	}
	type input struct {
		name string
		text string
	}
	var inputs []input
	if len(files) == 0 {
		b, err := io.ReadAll(bufio.NewReader(e.stdin))
		if err != nil {
			return usagef("cannot read standard input: %v", err)
		}
		inputs = append(inputs, input{"-", string(b)})
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return usagef("cannot read %s: %v", f, errors.Unwrap(err))
		}
		inputs = append(inputs, input{f, string(b)})
	}
	var all []language.FileFindings
	n := 0
	for _, in := range inputs {
		found := c.Check(in.text)
		n += len(found)
		all = append(all, language.FileFindings{File: in.name, Findings: found})
		if *format == "text" {
			if err := language.WriteText(e.stdout, in.name, found); err != nil {
				return err
			}
		}
	}
	if *format == "json" {
		if err := language.WriteJSON(e.stdout, lex.Version(), all); err != nil {
			return err
		}
	}
	if n > 0 {
		return errFindingsFound
	}
	return nil
}

func languageScan(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "language scan", "language scan [--db URL] [--as USERNAME]",
		"Rechecks every stored free-text field with the lexicon in force (after the force changes it) and\n"+
			"replaces the findings kept with each record, showing progress.")
	db := dbFlag(fs)
	as := fs.String("as", "system", "the user doing this, for the record")
	lexiconFile := fs.String("lexicon-overrides", "", "the lexicon overrides file the servers use, if any")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("unexpected argument %q", pos[0])
	}
	lex, err := readOverrides(*lexiconFile)
	if err != nil {
		return err
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
	if err := d.CheckMigrations(ctx); err != nil {
		return err
	}
	if lex != nil {
		if err := d.SetLexiconFile(*lex); err != nil {
			return err
		}
	}
	p, err := d.PrincipalFor(ctx, *as, "cli")
	if err != nil {
		return fmt.Errorf("--as %s: %s", *as, vigil.ErrorMessage(err))
	}
	start := time.Now()
	var bar *progressbar.ProgressBar
	column := ""
	n, err := d.Scan(vigil.WithPrincipal(ctx, p), func(col string, done, total int) {
		if col != column {
			if bar != nil {
				_ = bar.Finish()
				fmt.Fprintln(e.stderr)
			}
			column = col
			bar = progressbar.NewOptions(total, progressbar.OptionSetWriter(e.stderr), progressbar.OptionSetDescription(col),
				progressbar.OptionShowCount(), progressbar.OptionThrottle(200*time.Millisecond))
		}
		_ = bar.Set(done)
	})
	if bar != nil {
		_ = bar.Finish()
		fmt.Fprintln(e.stderr)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "Rechecked %d stored free-text fields in %s.\n", n, time.Since(start).Round(time.Millisecond))
	return nil
}
