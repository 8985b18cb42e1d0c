package sqlstore_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/vigilcp/vigil/internal/sqlstore"
	"github.com/vigilcp/vigil/internal/vigil"
	"github.com/vigilcp/vigil/internal/vigiltest"
)

// TestConfirmingThePasswordToEnrol: the password given again lets a
// signed-in session set up a second factor for ten minutes, which then
// ends the account's other sessions; a wrong one counts towards the
// lockout like a wrong password at sign-in. An account without a
// password uses a fresh single sign-on instead; one with a password gives
// it even after single sign-on.
func TestConfirmingThePasswordToEnrol(t *testing.T) {
	for _, e := range vigiltest.Engines() {
		t.Run(string(e), func(t *testing.T) {
			clock := vigiltest.NewClock(vigiltest.Epoch)
			db, org := vigiltest.DemoDB(t, e, vigiltest.SmallDemo(false), vigiltest.WithClock(clock))
			s := sqlstore.NewSessionService(db)
			ctx := vigil.WithOrigin(context.Background(), vigil.Origin{Client: "192.0.2.9", RequestID: "req-confirm"})
			notConfirmed := func(what string, err error, again string) {
				t.Helper()
				if !errors.Is(err, vigil.ErrNotConfirmed) || vigil.ErrorCode(err) != vigil.EUNAUTHENTICATED ||
					!strings.Contains(vigil.ErrorMessage(err), again) {
					t.Errorf("%s: %v; want refused until %q", what, err, again)
				}
			}

			other := signIn(t, s, "auditor", vigiltest.DemoPassword).Token
			full := signIn(t, s, "auditor", vigiltest.DemoPassword).Token
			if err := s.ConfirmPassword(ctx, full, "not the password at all"); vigil.ErrorCode(err) != vigil.EUNAUTHENTICATED ||
				vigil.ErrorMessage(err) != "The password is not right" {
				t.Errorf("a wrong password given again: %v", err)
			}
			wantEntry(t, lastEntries(t, db, 1)[0], vigil.ActionSignIn, vigil.OutcomeFailed, "auditor", "wrong password given again")
			_, err := s.BeginEnrolment(ctx, full)
			notConfirmed("after a wrong password", err, "Enter your password again")
			if err := s.ConfirmPassword(ctx, full, vigiltest.DemoPassword); err != nil {
				t.Fatalf("the right password given again: %v", err)
			}
			entry := lastEntries(t, db, 1)[0]
			wantEntry(t, entry, vigil.ActionSignIn, vigil.OutcomeOK, "auditor", "password given again")
			if entry.Client != "192.0.2.9" {
				t.Errorf("the confirmation's entry is from %q", entry.Client)
			}
			if _, err := s.BeginEnrolment(ctx, full); err != nil {
				t.Fatalf("begin the set-up after the password: %v", err)
			}
			clock.Advance(vigil.ConfirmLifetime)
			_, err = s.BeginEnrolment(ctx, full)
			notConfirmed("ten minutes after the password", err, "Enter your password again")
			if err := s.ConfirmPassword(ctx, full, vigiltest.DemoPassword); err != nil {
				t.Fatal(err)
			}
			en, err := s.BeginEnrolment(ctx, full)
			if err != nil {
				t.Fatal(err)
			}
			clock.Advance(vigil.ConfirmLifetime - time.Second)
			done, err := s.CompleteEnrolment(ctx, full, code(t, en.Secret, clock.Now()))
			if err != nil || done.Token == full {
				t.Fatalf("complete the set-up just inside ten minutes: %+v, %v", done, err)
			}
			p, _, err := s.Authenticate(ctx, done.Token, false)
			if err != nil || !p.User.SecondFactor {
				t.Fatalf("after the set-up: %+v, %v", p, err)
			}
			for name, token := range map[string]string{"the other session": other, "the session that set it up": full} {
				if _, _, err := s.Authenticate(ctx, token, true); vigil.ErrorCode(err) != vigil.EUNAUTHENTICATED {
					t.Errorf("%s survived setting up a second factor: %v", name, err)
				}
			}
			wantEntry(t, lastEntries(t, db, 1)[0], vigil.ActionSecondFactor, vigil.OutcomeOK, "auditor", "1 other sessions ended")

			// Wrong passwords given again lock the username as at sign-in.
			gold := signIn(t, s, "gold.chair", vigiltest.DemoPassword).Token
			for i := range 6 {
				want := "The password is not right"
				if i == 5 {
					want = lockedWords
				}
				if err := s.ConfirmPassword(ctx, gold, "wrong password number "+string(rune('a'+i))); vigil.ErrorMessage(err) != want {
					t.Errorf("wrong password given again %d: %v; want %q", i+1, err, want)
				}
			}
			if err := s.ConfirmPassword(ctx, gold, vigiltest.DemoPassword); vigil.ErrorMessage(err) != lockedWords {
				t.Errorf("the right password given again while locked: %v", err)
			}
			if _, err := s.SignIn(ctx, "gold.chair", vigiltest.DemoPassword); vigil.ErrorMessage(err) != lockedWords {
				t.Errorf("signing in after five wrong passwords given again: %v", err)
			}

			// An account with a password gives it even after single sign-on.
			mash, err := s.StartSession(ctx, org.UserID("mash.officer"), "single sign-on")
			if err != nil {
				t.Fatal(err)
			}
			_, err = s.BeginEnrolment(ctx, mash)
			notConfirmed("single sign-on of an account with a password", err, "Enter your password again")

			// An account without one: a fresh single sign-on serves.
			u, err := sqlstore.NewUserService(db).CreateUser(vigiltest.AsSystem(t, db), vigil.NewUser{Username: "sso.only",
				Roles: []vigil.Role{vigil.RoleAuditor}, Scope: vigil.ScopeForce})
			if err != nil {
				t.Fatal(err)
			}
			sso, err := s.StartSession(ctx, u.ID, "single sign-on")
			if err != nil {
				t.Fatal(err)
			}
			if _, err := s.BeginEnrolment(ctx, sso); err != nil {
				t.Errorf("begin the set-up just after single sign-on: %v", err)
			}
			if err := s.ConfirmPassword(ctx, sso, "any password at all"); vigil.ErrorCode(err) != vigil.EINVALID ||
				!strings.Contains(vigil.ErrorMessage(err), "single sign-on") {
				t.Errorf("the password of an account without one: %v", err)
			}
			clock.Advance(vigil.ConfirmLifetime)
			_, err = s.BeginEnrolment(ctx, sso)
			notConfirmed("ten minutes after single sign-on", err, "Sign in again with single sign-on")
		})
	}
}
