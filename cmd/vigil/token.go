package main

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/vigilcp/vigil/internal/sqlstore"
	"github.com/vigilcp/vigil/internal/vigil"
)

func cmdToken(ctx context.Context, e *env, args []string) error {
	sub := ""
	if len(args) > 0 {
		sub, args = args[0], args[1:]
	}
	switch sub {
	case "create":
		return tokenCreate(ctx, e, args)
	case "list":
		return tokenList(ctx, e, args)
	case "revoke":
		return tokenRevoke(ctx, e, args)
	case "-h", "--help", "help":
		fmt.Fprintln(e.stdout, "Usage: vigil token create|list|revoke ... (each has --help)")
		return nil
	case "":
		return usagef("say what to do: create, list or revoke")
	}
	return usagef("unknown token command %q: use create, list or revoke", sub)
}

// maxExpiryDays is the longest a token lasts, in days.
const maxExpiryDays = int(vigil.MaxTokenLifetime / (24 * time.Hour))

// parseExpiry reads how long a token lasts: a whole number of days like
// 90d, or a duration like 12h or 30m, up to 365 days. Every token expires.
func parseExpiry(s string) (time.Duration, error) {
	if s == "never" {
		return 0, usagef("--expires never is not allowed: every token expires, at most %d days after it is issued (--expires %dd)",
			maxExpiryDays, maxExpiryDays)
	}
	if n, ok := strings.CutSuffix(s, "d"); ok {
		days, err := strconv.Atoi(n)
		if err != nil || days <= 0 || days > maxExpiryDays {
			return 0, usagef("--expires %q: give a whole number of days from 1 to %d, like 90d (a token lasts at most %d days)",
				s, maxExpiryDays, maxExpiryDays)
		}
		return time.Duration(days) * 24 * time.Hour, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 || d > vigil.MaxTokenLifetime {
		return 0, usagef("--expires %q: give a duration like 90d or 12h, at most %dd (a token lasts at most %d days)",
			s, maxExpiryDays, maxExpiryDays)
	}
	return d, nil
}

func tokenCreate(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "token create", "token create --user USERNAME [--name NAME] [--expires 90d] [--read-only] [--as USERNAME]",
		"Issues an API token that acts as the user, with the user's permissions and no more (with --read-only,\n"+
			"only reading, listing and searching what the user may). It is printed once; only a hash is kept.\n"+
			"Send it as Authorization: Bearer TOKEN. Every token expires, at most 365 days after it is issued.")
	db := dbFlag(fs)
	user := fs.String("user", "", "the user the token acts as")
	name := fs.String("name", "integration", "what the token is for")
	expires := fs.String("expires", "90d", "how long the token lasts (e.g. 90d, 12h), at most 365d")
	readOnly := fs.Bool("read-only", false, "the token only reads, lists and searches; anything else is refused (403) and logged")
	as := fs.String("as", "system", "the user doing this, for the record")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("unexpected argument %q", pos[0])
	}
	if *user == "" {
		return usagef("give --user USERNAME")
	}
	lasts, err := parseExpiry(*expires)
	if err != nil {
		return err
	}
	d, actx, err := userDB(ctx, e, *db, *as)
	if err != nil {
		return err
	}
	defer d.Close()
	token, t, err := sqlstore.NewTokenService(d).IssueToken(actx, vigil.NewToken{Username: *user, Name: *name,
		Expires: time.Now().Add(lasts).UTC(), ReadOnly: *readOnly})
	if err != nil {
		return err
	}
	what := ""
	if t.ReadOnly {
		what = ", read-only"
	}
	fmt.Fprintf(e.stdout, "Token %d for %s (expires %s%s). It is shown once; keep it secret:\n%s\n", t.ID, t.Username,
		t.ExpiresAt.Format("2006-01-02 15:04 UTC"), what, token)
	return nil
}

func tokenList(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "token list", "token list [--user USERNAME]", "Lists API tokens, newest first.")
	db := dbFlag(fs)
	user := fs.String("user", "", "only this user's tokens")
	as := fs.String("as", "system", "the user doing this, for the record")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("unexpected argument %q", pos[0])
	}
	d, actx, err := userDB(ctx, e, *db, *as)
	if err != nil {
		return err
	}
	defer d.Close()
	tokens, err := sqlstore.NewTokenService(d).Tokens(actx, *user)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tUSER\tNAME\tCREATED\tEXPIRES\tLAST USED\tACCESS\tSTATUS")
	when := func(t *time.Time) string {
		if t == nil {
			return "-"
		}
		return t.Format("2006-01-02 15:04")
	}
	for _, t := range tokens {
		status := "active"
		switch {
		case t.RevokedAt != nil:
			status = "revoked"
		case t.ExpiresAt != nil && time.Now().After(*t.ExpiresAt):
			status = "expired"
		}
		access := "full"
		if t.ReadOnly {
			access = "read-only"
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", t.ID, t.Username, t.Name, t.CreatedAt.Format("2006-01-02 15:04"),
			when(t.ExpiresAt), when(t.LastUsedAt), access, status)
	}
	return tw.Flush()
}

func tokenRevoke(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "token revoke", "token revoke ID", "Stops an API token working at once.")
	db := dbFlag(fs)
	as := fs.String("as", "system", "the user doing this, for the record")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("give the token's id (see vigil token list)")
	}
	id, err := strconv.ParseInt(pos[0], 10, 64)
	if err != nil || id <= 0 {
		return usagef("%q is not a token id", pos[0])
	}
	d, actx, err := userDB(ctx, e, *db, *as)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := sqlstore.NewTokenService(d).RevokeToken(actx, id); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "Revoked token %d.\n", id)
	return nil
}
