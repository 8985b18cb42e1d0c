package sqlstore_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/vigilcp/vigil/internal/demo"
	"github.com/vigilcp/vigil/internal/sqlstore"
	"github.com/vigilcp/vigil/internal/vigil"
	"github.com/vigilcp/vigil/internal/vigiltest"
)

const testIssuer = "https://login.example.test/tenant/v2.0"

// demoEmail returns the email of a demo user's person.
func demoEmail(t *testing.T, org *demo.Org, username string) string {
	t.Helper()
	for _, u := range org.Users {
		if u.Username != username {
			continue
		}
		for _, p := range org.People {
			if p.ID == u.PersonID && p.Email != "" {
				return p.Email
			}
		}
	}
	t.Fatalf("no email for demo user %s", username)
	return ""
}

// lastEntries returns the newest n access-log entries, newest first. (The
// read is logged after it, so it is not among them.)
func lastEntries(t *testing.T, db *sqlstore.DB, n int) []vigil.AccessEntry {
	t.Helper()
	p, err := db.SystemPrincipal(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	page, err := sqlstore.NewAccessLogService(db).AccessLog(vigil.WithPrincipal(context.Background(), p),
		vigil.AccessLogFilter{PageRequest: vigil.PageRequest{Limit: n}})
	if err != nil {
		t.Fatal(err)
	}
	return page.Items
}

func wantEntry(t *testing.T, e vigil.AccessEntry, action vigil.Action, outcome, username, reason string) {
	t.Helper()
	if e.Action != action || e.Outcome != outcome || e.Username != username || !strings.Contains(e.Reason, reason) {
		t.Errorf("access log entry %d: %s %s by %s (%q); want %s %s by %s with %q", e.Seq, e.Action, e.Outcome,
			e.Username, e.Reason, action, outcome, username, reason)
	}
}

func TestSSOSignIn(t *testing.T) {
	forEachDemo(t, func(t *testing.T, db *sqlstore.DB, org *demo.Org) {
		ctx := vigil.WithOrigin(context.Background(), vigil.Origin{Client: "192.0.2.7", RequestID: "req-sso-1"})
		sso := sqlstore.NewSSOService(db)
		sessions := sqlstore.NewSessionService(db)
		auditorEmail := demoEmail(t, org, "auditor")

		// First sign-in: matched by verified email, whatever its case, and
		// linked; the session is full and its roles are Vigil's.
		id := vigil.SSOIdentity{Issuer: testIssuer, Subject: "sub-auditor", Email: strings.ToUpper(auditorEmail), EmailVerified: true}
		in, err := sso.SignInSSO(ctx, id)
		if err != nil {
			t.Fatalf("first single sign-on: %v", err)
		}
		if in.User.Username != "auditor" || in.Stage != vigil.StageFull || in.Token == "" {
			t.Fatalf("first single sign-on: %+v", in)
		}
		p, stage, err := sessions.Authenticate(context.Background(), in.Token, false)
		if err != nil || stage != vigil.StageFull || p.User.Username != "auditor" || len(p.Roles) != 1 || p.Roles[0] != vigil.RoleAuditor {
			t.Fatalf("session after single sign-on: %+v %s %v", p, stage, err)
		}
		log := lastEntries(t, db, 2)
		wantEntry(t, log[0], vigil.ActionSignIn, vigil.OutcomeOK, "auditor", "single sign-on, session full")
		wantEntry(t, log[1], vigil.ActionLinkIdentity, vigil.OutcomeOK, "auditor", "linked by verified email")
		if log[1].Client != "192.0.2.7" || log[1].RequestID != "req-sso-1" || log[1].Via != "single sign-on" {
			t.Errorf("link entry's origin: %+v", log[1])
		}
		hist, err := sqlstore.NewUserService(db).UserHistory(vigiltest.As(t, db, "admin"), org.UserID("auditor"))
		if err != nil || len(hist) == 0 || hist[0].Action != string(vigil.ActionLinkIdentity) || hist[0].Username != "auditor" {
			t.Errorf("the account's history does not show the link: %+v %v", hist, err)
		}

		// Second sign-in: by subject, even with another (or no) email.
		again := vigil.SSOIdentity{Issuer: testIssuer, Subject: "sub-auditor", Email: "someone.else@example.test"}
		if in, err := sso.SignInSSO(ctx, again); err != nil || in.User.Username != "auditor" {
			t.Fatalf("second single sign-on: %+v %v", in, err)
		}
		wantEntry(t, lastEntries(t, db, 1)[0], vigil.ActionSignIn, vigil.OutcomeOK, "auditor", "single sign-on")

		// An account that needs a second factor with a password gets a full
		// session: the provider does the second factor.
		admin := vigil.SSOIdentity{Issuer: testIssuer, Subject: "sub-admin", Email: demoEmail(t, org, "admin"), EmailVerified: true}
		if in, err := sso.SignInSSO(ctx, admin); err != nil || in.Stage != vigil.StageFull || in.Enrol {
			t.Fatalf("administrator's single sign-on: %+v %v", in, err)
		}

		refused := func(id vigil.SSOIdentity, code, message, username, reason string) vigil.AccessEntry {
			t.Helper()
			in, err := sso.SignInSSO(ctx, id)
			if vigil.ErrorCode(err) != code || !strings.Contains(vigil.ErrorMessage(err), message) {
				t.Errorf("%+v: got %+v, %v; want %s %q", id, in, err, code, message)
			}
			e := lastEntries(t, db, 1)[0]
			wantEntry(t, e, vigil.ActionSignIn, vigil.OutcomeFailed, username, reason)
			return e
		}
		noAccount := "Your sign-in worked, but no Vigil account is linked to it. Ask your administrator."
		officer := demoEmail(t, org, "response.officer")
		refused(vigil.SSOIdentity{Issuer: testIssuer, Subject: "sub-x", Email: officer}, vigil.EFORBIDDEN, noAccount,
			officer, "has not verified its email")
		refused(vigil.SSOIdentity{Issuer: testIssuer, Subject: "sub-y"}, vigil.EFORBIDDEN, noAccount,
			"sso:sub-y", "its token has no email")
		refused(vigil.SSOIdentity{Issuer: testIssuer, Subject: "sub-z", Email: "stranger@example.test", EmailVerified: true},
			vigil.EFORBIDDEN, noAccount, "stranger@example.test", "no account is linked to the identity or has its email")
		// Another identity at the same provider with the linked account's
		// email (a reused address) is not linked to it.
		refused(vigil.SSOIdentity{Issuer: testIssuer, Subject: "sub-impostor", Email: auditorEmail, EmailVerified: true},
			vigil.EFORBIDDEN, noAccount, auditorEmail, "already linked to subject sub-auditor")
		// An email two accounts share matches neither.
		admCtx := vigiltest.As(t, db, "admin")
		orgs := sqlstore.NewOrgService(db)
		marl, err := orgs.Person(admCtx, personOf(t, org, "missing.marlcombe"))
		if err != nil {
			t.Fatal(err)
		}
		shared := demoEmail(t, org, "missing.ashvale")
		marl.Email = shared
		if _, err := orgs.UpdatePerson(admCtx, *marl); err != nil {
			t.Fatal(err)
		}
		refused(vigil.SSOIdentity{Issuer: testIssuer, Subject: "sub-shared", Email: shared, EmailVerified: true},
			vigil.EFORBIDDEN, noAccount, shared, "belongs to 2 accounts")

		// Disabled accounts are refused, linked or matched by email.
		users := sqlstore.NewUserService(db)
		for _, name := range []string{"auditor", "response.officer"} {
			if err := users.DisableUser(admCtx, name); err != nil {
				t.Fatal(err)
			}
		}
		disabled := "Your sign-in worked, but your Vigil account is disabled. Ask your administrator."
		refused(id, vigil.EFORBIDDEN, disabled, strings.ToLower(id.Email), "the linked account auditor is disabled")
		e := refused(vigil.SSOIdentity{Issuer: testIssuer, Subject: "sub-officer", Email: officer, EmailVerified: true},
			vigil.EFORBIDDEN, disabled, officer, "the account with the identity's email is disabled")
		if e.UserID != org.UserID("response.officer") || len(e.RecordIDs) != 1 || e.RecordIDs[0] != e.UserID {
			t.Errorf("the refusal of a disabled account names user %d, want %d", e.UserID, org.UserID("response.officer"))
		}

		// A missing issuer or subject is a programming error, not a person's.
		if _, err := sso.SignInSSO(ctx, vigil.SSOIdentity{Issuer: testIssuer}); vigil.ErrorCode(err) != vigil.EINVALID {
			t.Errorf("identity without a subject: %v", err)
		}
	})
}

func personOf(t *testing.T, org *demo.Org, username string) int64 {
	t.Helper()
	for _, u := range org.Users {
		if u.Username == username {
			return u.PersonID
		}
	}
	t.Fatalf("no demo user %s", username)
	return 0
}

func TestSSOAttempts(t *testing.T) {
	for _, e := range vigiltest.Engines() {
		t.Run(string(e), func(t *testing.T) {
			clock := vigiltest.NewClock(vigiltest.Epoch)
			db := vigiltest.NewDB(t, e, vigiltest.WithClock(clock))
			ctx := context.Background()
			sso := sqlstore.NewSSOService(db)
			browser := strings.Repeat("b", 43)
			attempt := func(state string) vigil.SSOAttempt {
				return vigil.SSOAttempt{State: strings.Repeat(state, 43), Nonce: "nonce-" + state,
					Verifier: strings.Repeat("v", 43), Next: "/organisation"}
			}
			begin := func(a vigil.SSOAttempt) {
				t.Helper()
				if err := sso.BeginSSO(ctx, browser, a); err != nil {
					t.Fatal(err)
				}
			}
			refused := func(state, browser, reason string) {
				t.Helper()
				if a, err := sso.TakeSSO(ctx, state, browser); vigil.ErrorCode(err) != vigil.EUNAUTHENTICATED {
					t.Errorf("take %.8s…: %+v, %v; want refused", state, a, err)
				}
				wantEntry(t, lastEntries(t, db, 1)[0], vigil.ActionSignIn, vigil.OutcomeFailed, "anonymous", reason)
			}

			a := attempt("a")
			begin(a)
			got, err := sso.TakeSSO(ctx, a.State, browser)
			if err != nil || *got != a {
				t.Fatalf("take: %+v, %v; want %+v", got, err, a)
			}
			refused(a.State, browser, "the state is unknown or was already used")

			// Another browser's state burns the attempt.
			b := attempt("b")
			begin(b)
			refused(b.State, strings.Repeat("x", 43), "the state was begun by another browser")
			refused(b.State, browser, "already used")
			refused(attempt("c").State, "", "unknown")

			// Ten minutes is too long.
			d := attempt("d")
			begin(d)
			clock.Advance(vigil.SSOAttemptLifetime)
			refused(d.State, browser, "took longer than 10 minutes")

			// Just inside the limit is fine; run-out attempts are swept.
			begin(attempt("e"))
			clock.Advance(vigil.SSOAttemptLifetime - time.Millisecond)
			begin(attempt("f"))
			if _, err := sso.TakeSSO(ctx, attempt("e").State, browser); err != nil {
				t.Errorf("take just inside the lifetime: %v", err)
			}

			if err := sso.BeginSSO(ctx, browser, vigil.SSOAttempt{State: "short", Nonce: "n", Verifier: "v"}); vigil.ErrorCode(err) != vigil.EINVALID {
				t.Errorf("weak attempt accepted: %v", err)
			}
		})
	}
}
