package sqlstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/vigilcp/vigil/internal/demo"
	"github.com/vigilcp/vigil/internal/sqlstore"
	"github.com/vigilcp/vigil/internal/vigil"
	"github.com/vigilcp/vigil/internal/vigiltest"
)

// TestTokensLastAYearAtMost: no API token lasts longer than 365 days; one
// asked for without an expiry gets the longest, and a longer one is
// refused, writing nothing.
func TestTokensLastAYearAtMost(t *testing.T) {
	forEachDemo(t, func(t *testing.T, db *sqlstore.DB, _ *demo.Org) {
		sys := vigiltest.AsSystem(t, db)
		tokens := sqlstore.NewTokenService(db)
		year := vigiltest.Epoch.Add(365 * 24 * time.Hour)
		for _, exp := range []time.Time{year.Add(time.Millisecond), vigiltest.Epoch.AddDate(10, 0, 0)} {
			_, got, err := tokens.CreateToken(sys, "auditor", "too long", &exp)
			if f := vigil.ErrorFields(err); len(f) != 1 || f[0].Field != "expires" {
				t.Errorf("a token until %s: %+v, %v; want a field error on expires", exp, got, err)
			}
		}
		if list, _ := tokens.Tokens(sys, "auditor"); len(list) != 0 {
			t.Errorf("refused tokens were issued: %+v", list)
		}
		_, longest, err := tokens.CreateToken(sys, "auditor", "a year", &year)
		if err != nil || longest.ExpiresAt == nil || !longest.ExpiresAt.Equal(year) {
			t.Fatalf("a token for 365 days: %+v, %v", longest, err)
		}
		tok, unset, err := tokens.CreateToken(sys, "auditor", "no expiry given", nil)
		if err != nil || unset.ExpiresAt == nil || !unset.ExpiresAt.Equal(year) {
			t.Fatalf("a token with no expiry given: %+v, %v; want one that lasts 365 days", unset, err)
		}
		if _, err := sqlstore.NewSessionService(db).AuthenticateToken(context.Background(), tok); err != nil {
			t.Errorf("the token does not work: %v", err)
		}
	})
}

// TestReadOnlyTokenPrincipal: a read-only token's principal reads, lists
// and searches what its user may, and any other action is refused and
// logged; a full token of the same user may act.
func TestReadOnlyTokenPrincipal(t *testing.T) {
	forEachDemo(t, func(t *testing.T, db *sqlstore.DB, _ *demo.Org) {
		sys := vigiltest.AsSystem(t, db)
		tokens := sqlstore.NewTokenService(db)
		sessions := sqlstore.NewSessionService(db)
		expires := vigiltest.Epoch.Add(24 * time.Hour)
		tok, info, err := tokens.IssueToken(sys, vigil.NewToken{Username: "admin", Name: "dashboard", Expires: expires, ReadOnly: true})
		if err != nil || !info.ReadOnly {
			t.Fatalf("issue a read-only token: %+v, %v", info, err)
		}
		if list, _ := tokens.Tokens(sys, "admin"); len(list) != 1 || !list[0].ReadOnly {
			t.Errorf("the token list does not show it read-only: %+v", list)
		}
		p, err := sessions.AuthenticateToken(context.Background(), tok)
		if err != nil || !p.ReadOnly {
			t.Fatalf("read-only token's principal: %+v, %v", p, err)
		}
		for _, perm := range []vigil.Permission{{Action: vigil.ActionRead, Kind: vigil.KindUser}, {Action: vigil.ActionList, Kind: vigil.KindUser},
			{Action: vigil.ActionSearch, Kind: vigil.KindPerson}} {
			if !p.Has(perm.Action, perm.Kind) {
				t.Errorf("a read-only token of the administrator cannot %s %s", perm.Action, perm.Kind)
			}
		}
		for _, perm := range []vigil.Permission{{Action: vigil.ActionCreate, Kind: vigil.KindUser}, {Action: vigil.ActionGrant, Kind: vigil.KindUser},
			{Action: vigil.ActionUpdate, Kind: vigil.KindOrganisation}, {Action: vigil.ActionExport, Kind: vigil.KindAccessLog},
			{Action: vigil.ActionRatify, Kind: vigil.KindEpisode}} {
			if p.Has(perm.Action, perm.Kind) {
				t.Errorf("a read-only token may %s %s", perm.Action, perm.Kind)
			}
		}
		ctx := vigil.WithPrincipal(context.Background(), p)
		users := sqlstore.NewUserService(db)
		if _, err := users.Users(ctx, vigil.PageRequest{Limit: 5}); err != nil {
			t.Errorf("a read-only token lists accounts: %v", err)
		}
		_, err = sqlstore.NewOrgService(db).CreateTeam(ctx, vigil.Team{Name: "Rogue team", Code: "ROGUE", Kind: vigil.TeamResponse, LPAID: 1})
		if vigil.ErrorCode(err) != vigil.EFORBIDDEN {
			t.Fatalf("a read-only token created a team: %v", err)
		}
		wantEntry(t, lastEntries(t, db, 1)[0], vigil.ActionCreate, vigil.OutcomeDenied, "admin", "create organisation")
		full, _, err := tokens.IssueToken(sys, vigil.NewToken{Username: "admin", Name: "provisioning", Expires: expires})
		if err != nil {
			t.Fatal(err)
		}
		fp, err := sessions.AuthenticateToken(context.Background(), full)
		if err != nil || fp.ReadOnly {
			t.Fatalf("full token's principal: %+v, %v", fp, err)
		}
		if _, err := sqlstore.NewOrgService(db).CreateTeam(vigil.WithPrincipal(context.Background(), fp),
			vigil.Team{Name: "Real team", Code: "REAL", Kind: vigil.TeamResponse, LPAID: 1}); err != nil {
			t.Errorf("a full token of the administrator cannot create a team: %v", err)
		}
	})
}
