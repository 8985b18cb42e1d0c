package sqlstore_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/vigilcp/vigil/internal/sqlstore"
	"github.com/vigilcp/vigil/internal/vigil"
	"github.com/vigilcp/vigil/internal/vigiltest"
)

// TestNobodyTakesOverAnAccountTheyCouldNotCreate: an administrator who
// does not hold all of an account's permissions cannot change its
// person's email (which single sign-on links by), its password or its
// second factor, nor issue a token for it; each refusal is logged and
// changes nothing. And a first single sign-on does not link by an email
// that someone other than the account's holder changed within the hold
// (14 days by default), so the takeover cannot be done that way either.
func TestNobodyTakesOverAnAccountTheyCouldNotCreate(t *testing.T) {
	for _, e := range vigiltest.Engines() {
		t.Run(string(e), func(t *testing.T) {
			clock := vigiltest.NewClock(vigiltest.Epoch)
			db, org := vigiltest.DemoDB(t, e, vigiltest.SmallDemo(false), vigiltest.WithClock(clock))
			sys := vigiltest.AsSystem(t, db)
			users := sqlstore.NewUserService(db)
			orgs := sqlstore.NewOrgService(db)
			sso := sqlstore.NewSSOService(db)
			for _, name := range []string{"only.admin", "other.admin"} {
				if _, err := users.CreateUser(sys, vigil.NewUser{Username: name, Password: goodPassword,
					Roles: []vigil.Role{vigil.RoleAdministrator}, Scope: vigil.ScopeForce}); err != nil {
					t.Fatal(err)
				}
			}
			rogue := vigiltest.As(t, db, "only.admin")
			refused := func(what string, err error, username, reason string) {
				t.Helper()
				if vigil.ErrorCode(err) != vigil.EFORBIDDEN || !strings.Contains(vigil.ErrorMessage(err), "vigil ") {
					t.Errorf("%s: %v; want forbidden, naming the command to use on the server", what, err)
				}
				wantEntry(t, lastEntries(t, db, 1)[0], vigil.ActionUpdate, vigil.OutcomeDenied, username, reason)
			}

			// The auditor's email, changed by an administrator-only account.
			auditor, err := orgs.Person(sys, personOf(t, org, "auditor"))
			if err != nil {
				t.Fatal(err)
			}
			was := auditor.Email
			changed := *auditor
			changed.Email = "rogue.admin@attacker.example"
			_, err = orgs.UpdatePerson(rogue, changed)
			refused("an administrator-only account changes the auditor's email", err, "only.admin", "email")
			if p, _ := orgs.Person(sys, auditor.ID); p.Email != was || p.Version != auditor.Version {
				t.Errorf("the refused change was written: %+v", p)
			}
			// So single sign-on as that address finds no account.
			_, err = sso.SignInSSO(context.Background(), vigil.SSOIdentity{Issuer: testIssuer, Subject: "sub-rogue",
				Email: "rogue.admin@attacker.example", EmailVerified: true})
			if vigil.ErrorCode(err) != vigil.EFORBIDDEN {
				t.Fatalf("single sign-on as the rogue address: %v", err)
			}
			// Other details of the person may still be changed.
			changed = *auditor
			changed.Role = "Quality assurance lead"
			if _, err := orgs.UpdatePerson(rogue, changed); err != nil {
				t.Errorf("changing the auditor's role title: %v", err)
			}

			refused("set the auditor's password", users.SetPassword(rogue, "auditor", "a-new-password-for-me"), "only.admin", "password")
			refused("reset a partner's second factor", users.ResetSecondFactor(rogue, "social.worker"), "only.admin", "second_factor_reset")
			if _, err := sqlstore.NewSessionService(db).SignIn(context.Background(), "auditor", "a-new-password-for-me"); err == nil {
				t.Error("the refused password works")
			}
			// An account they could have created is theirs to change.
			if err := users.SetPassword(rogue, "other.admin", "another-long-password"); err != nil {
				t.Errorf("an administrator sets another administrator-only account's password: %v", err)
			}

			// The demo administrator holds all of the auditor's permissions,
			// so may change the email; but the first single sign-on by it is
			// refused for 14 days, with the reason logged.
			admin := vigiltest.As(t, db, "admin")
			cur, _ := orgs.Person(sys, auditor.ID)
			changed = *cur
			changed.Email = "auditor.new@kingsmoor.police.example"
			if _, err := orgs.UpdatePerson(admin, changed); err != nil {
				t.Fatalf("the administrator changes the auditor's email: %v", err)
			}
			id := vigil.SSOIdentity{Issuer: testIssuer, Subject: "sub-auditor", Email: changed.Email, EmailVerified: true}
			in, err := sso.SignInSSO(context.Background(), id)
			if vigil.ErrorCode(err) != vigil.EFORBIDDEN || !strings.Contains(vigil.ErrorMessage(err), "changed recently") {
				t.Fatalf("first single sign-on by an email an administrator changed today: %+v, %v", in, err)
			}
			e := lastEntries(t, db, 1)[0]
			wantEntry(t, e, vigil.ActionSignIn, vigil.OutcomeFailed, changed.Email,
				"the email of the account auditor was changed by admin on 2026-03-02, less than 14 days ago")
			if e.UserID != org.UserID("auditor") {
				t.Errorf("the refusal names user %d, want the auditor", e.UserID)
			}
			clock.Advance(14*24*time.Hour - time.Millisecond)
			if _, err := sso.SignInSSO(context.Background(), id); vigil.ErrorCode(err) != vigil.EFORBIDDEN {
				t.Errorf("a millisecond before the hold ends: %v", err)
			}
			clock.Advance(time.Millisecond)
			if in, err := sso.SignInSSO(context.Background(), id); err != nil || in.User.Username != "auditor" {
				t.Errorf("after the hold: %+v, %v", in, err)
			}

			// The holder's own change links at once.
			me, _ := orgs.Person(sys, personOf(t, org, "admin"))
			changed = *me
			changed.Email = "admin.new@kingsmoor.police.example"
			if _, err := orgs.UpdatePerson(admin, changed); err != nil {
				t.Fatal(err)
			}
			if in, err := sso.SignInSSO(context.Background(), vigil.SSOIdentity{Issuer: testIssuer, Subject: "sub-admin",
				Email: changed.Email, EmailVerified: true}); err != nil || in.User.Username != "admin" {
				t.Errorf("first single sign-on by an email its holder changed: %+v, %v", in, err)
			}
		})
	}
}
