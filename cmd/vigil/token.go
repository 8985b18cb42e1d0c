package main

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/vigilcp/vigil/internal/sqlstore"
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

// parseExpiry reads a duration like 90d, 12h or 30m.
func parseExpiry(s string) (time.Duration, error) {
	if n, ok := strings.CutSuffix(s, "d"); ok {
		days, err := strconv.Atoi(n)
		if err != nil || days <= 0 || days > 3650 {
			return 0, usagef("--expires %q: give a whole number of days, like 90d", s)
		}
		return time.Duration(days) * 24 * time.Hour, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, usagef("--expires %q: give a duration like 90d or 12h", s)
	}
	return d, nil
}

func tokenCreate(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "token create", "token create --user USERNAME [--name NAME] [--expires 90d] [--as USERNAME]",
		"Issues an API token that acts as the user, with the user's permissions and no more. It is printed\n"+
			"once; only a hash is kept. Send it as Authorization: Bearer TOKEN.")
	db := dbFlag(fs)
	user := fs.String("user", "", "the user the token acts as")
	name := fs.String("name", "integration", "what the token is for")
	expires := fs.String("expires", "90d", "how long the token lasts (e.g. 90d, 12h); 'never' for no expiry")
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
	var until *time.Time
	if *expires != "never" {
		d, err := parseExpiry(*expires)
		if err != nil {
			return err
		}
		t := time.Now().Add(d).UTC()
		until = &t
	}
	d, actx, err := userDB(ctx, e, *db, *as)
	if err != nil {
		return err
	}
	defer d.Close()
	token, t, err := sqlstore.NewTokenService(d).CreateToken(actx, *user, *name, until)
	if err != nil {
		return err
	}
	exp := "never"
	if t.ExpiresAt != nil {
		exp = t.ExpiresAt.Format("2006-01-02 15:04 UTC")
	}
	fmt.Fprintf(e.stdout, "Token %d for %s (expires %s). It is shown once; keep it secret:\n%s\n", t.ID, t.Username, exp, token)
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
	fmt.Fprintln(tw, "ID\tUSER\tNAME\tCREATED\tEXPIRES\tLAST USED\tSTATUS")
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
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\n", t.ID, t.Username, t.Name, t.CreatedAt.Format("2006-01-02 15:04"),
			when(t.ExpiresAt), when(t.LastUsedAt), status)
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
