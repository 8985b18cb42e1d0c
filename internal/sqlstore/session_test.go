package sqlstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/vigilcp/vigil/internal/demo"
	"github.com/vigilcp/vigil/internal/sqlstore"
	"github.com/vigilcp/vigil/internal/vigil"
	"github.com/vigilcp/vigil/internal/vigiltest"
)

const goodPassword = "marmalade-bicycle-orbit"

func signIn(t *testing.T, s *sqlstore.SessionService, user, pw string) *vigil.SignedIn {
	t.Helper()
	in, err := s.SignIn(context.Background(), user, pw)
	if err != nil {
		t.Fatalf("sign in as %s: %v", user, err)
	}
	return in
}

func TestSessions(t *testing.T) {
	for _, e := range vigiltest.Engines() {
		t.Run(string(e), func(t *testing.T) {
			clock := vigiltest.NewClock(vigiltest.Epoch)
			db := vigiltest.NewDB(t, e, vigiltest.WithClock(clock))
			loadSmallDemo(t, db)
			sys := vigiltest.AsSystem(t, db)
			users := sqlstore.NewUserService(db)
			sessions := sqlstore.NewSessionService(db)
			if err := users.SetPassword(sys, "auditor", goodPassword); err != nil {
				t.Fatal(err)
			}
			for _, bad := range []string{"short", "password1234", "qwertyuiopasdf"} {
				if err := users.SetPassword(sys, "auditor", bad); vigil.ErrorCode(err) != vigil.EINVALID {
					t.Errorf("password %q was accepted: %v", bad, err)
				}
			}
			in := signIn(t, sessions, "auditor", goodPassword)
			if in.Stage != vigil.StageFull || len(in.Token) < 40 {
				t.Fatalf("sign in: %+v", in)
			}
			token := in.Token
			// Idle timeout: 30 minutes without use ends the session; use
			// within it keeps it alive, up to the absolute 12 hours.
			for i := range 23 {
				clock.Advance(29 * time.Minute)
				if _, _, err := sessions.Authenticate(context.Background(), token, false); err != nil {
					t.Fatalf("session ended after %d uses 29 minutes apart: %v", i+1, err)
				}
			}
			clock.Advance(29 * time.Minute) // 696 minutes < 720
			if _, _, err := sessions.Authenticate(context.Background(), token, false); err != nil {
				t.Fatalf("session ended before 12 hours: %v", err)
			}
			clock.Advance(25 * time.Minute)
			if _, _, err := sessions.Authenticate(context.Background(), token, false); vigil.ErrorCode(err) != vigil.EUNAUTHENTICATED {
				t.Fatalf("session still valid after 12 hours: %v", err)
			}
			token = signIn(t, sessions, "auditor", goodPassword).Token
			clock.Advance(30 * time.Minute)
			if _, _, err := sessions.Authenticate(context.Background(), token, false); vigil.ErrorCode(err) != vigil.EUNAUTHENTICATED {
				t.Fatalf("session still valid after 30 idle minutes: %v", err)
			}
			// A new session id at each sign-in; sign out everywhere ends them all.
			a, b := signIn(t, sessions, "auditor", goodPassword).Token, signIn(t, sessions, "auditor", goodPassword).Token
			if a == b {
				t.Fatal("two sign-ins share a session token")
			}
			p, _, err := sessions.Authenticate(context.Background(), a, false)
			if err != nil {
				t.Fatal(err)
			}
			if err := sessions.SignOutEverywhere(vigil.WithPrincipal(context.Background(), p)); err != nil {
				t.Fatal(err)
			}
			for _, tok := range []string{a, b} {
				if _, _, err := sessions.Authenticate(context.Background(), tok, false); vigil.ErrorCode(err) != vigil.EUNAUTHENTICATED {
					t.Errorf("a session survived signing out everywhere: %v", err)
				}
			}
			token = signIn(t, sessions, "auditor", goodPassword).Token
			if err := users.DisableUser(sys, "auditor"); err != nil {
				t.Fatal(err)
			}
			if _, _, err := sessions.Authenticate(context.Background(), token, false); vigil.ErrorCode(err) != vigil.EUNAUTHENTICATED {
				t.Fatalf("session of a disabled user still valid: %v", err)
			}
			if _, err := sessions.SignIn(context.Background(), "auditor", goodPassword); vigil.ErrorCode(err) != vigil.EUNAUTHENTICATED {
				t.Fatalf("a disabled user signed in: %v", err)
			}
		})
	}
}

// TestLockout: five failures in a row lock a username for 15 minutes
// whether or not it exists, with the same words either way; a correct
// password is refused while locked; the lock runs out.
func TestLockout(t *testing.T) {
	forEachDemo(t, func(t *testing.T, db *sqlstore.DB, _ *demo.Org) {
		sessions := sqlstore.NewSessionService(db)
		ctx := context.Background()
		msgs := map[string][]string{}
		for _, user := range []string{"auditor", "no.such.person"} {
			for i := range 7 {
				_, err := sessions.SignIn(ctx, user, "wrong password number "+string(rune('a'+i)))
				if vigil.ErrorCode(err) != vigil.EUNAUTHENTICATED {
					t.Fatalf("%s attempt %d: %v", user, i+1, err)
				}
				msgs[user] = append(msgs[user], vigil.ErrorMessage(err))
			}
		}
		for i := range msgs["auditor"] {
			if msgs["auditor"][i] != msgs["no.such.person"][i] {
				t.Errorf("attempt %d: a real and an unknown username got different words: %q vs %q", i+1, msgs["auditor"][i], msgs["no.such.person"][i])
			}
		}
		if msgs["auditor"][4] != "The username or password is not right" || msgs["auditor"][5] == msgs["auditor"][4] {
			t.Errorf("the sixth attempt should say the username is locked: %q", msgs["auditor"])
		}
		if _, err := sessions.SignIn(ctx, "auditor", vigiltest.DemoPassword); vigil.ErrorCode(err) != vigil.EUNAUTHENTICATED {
			t.Fatalf("the right password was accepted while locked: %v", err)
		}
	})
	// The lock runs out.
	clock := vigiltest.NewClock(vigiltest.Epoch)
	db := vigiltest.NewDB(t, "sqlite", vigiltest.WithClock(clock))
	loadSmallDemo(t, db)
	sessions := sqlstore.NewSessionService(db)
	for range 5 {
		sessions.SignIn(context.Background(), "auditor", "not the password at all")
	}
	clock.Advance(14*time.Minute + 59*time.Second)
	if _, err := sessions.SignIn(context.Background(), "auditor", vigiltest.DemoPassword); err == nil {
		t.Fatal("signed in before the lock ran out")
	}
	clock.Advance(time.Second)
	if _, err := sessions.SignIn(context.Background(), "auditor", vigiltest.DemoPassword); err != nil {
		t.Fatalf("still locked after 15 minutes: %v", err)
	}
}

func code(t *testing.T, secret string, at time.Time) string {
	t.Helper()
	c, err := totp.GenerateCodeCustom(secret, at, totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestSecondFactor: an administrator must enrol a second factor before the
// session is any use, and then give a code at each sign-in; a code works
// once.
func TestSecondFactor(t *testing.T) {
	forEachDemo(t, func(t *testing.T, db *sqlstore.DB, _ *demo.Org) {
		s := sqlstore.NewSessionService(db)
		ctx := context.Background()
		in := signIn(t, s, "admin", vigiltest.DemoPassword)
		if in.Stage != vigil.StagePartial || !in.Enrol {
			t.Fatalf("an administrator without a second factor: %+v; want a partial session that must enrol", in)
		}
		if _, _, err := s.Authenticate(ctx, in.Token, false); vigil.ErrorCode(err) != vigil.EUNAUTHENTICATED {
			t.Fatal("a partial session works as a full one")
		}
		e, err := s.BeginEnrolment(ctx, in.Token)
		if err != nil || len(e.Secret) < 16 {
			t.Fatalf("enrol: %+v %v", e, err)
		}
		now := vigiltest.Epoch
		if _, err := s.CompleteEnrolment(ctx, in.Token, "000000"); vigil.ErrorCode(err) != vigil.EUNAUTHENTICATED {
			t.Fatalf("a wrong enrolment code: %v", err)
		}
		full, err := s.CompleteEnrolment(ctx, in.Token, code(t, e.Secret, now))
		if err != nil || full.Stage != vigil.StageFull || full.Token == in.Token {
			t.Fatalf("complete enrolment: %+v %v", full, err)
		}
		p, _, err := s.Authenticate(ctx, full.Token, false)
		if err != nil || !p.User.SecondFactor {
			t.Fatalf("after enrolment: %+v %v", p, err)
		}
		// Next sign-in: a code is due; the enrolment code cannot be replayed.
		in = signIn(t, s, "admin", vigiltest.DemoPassword)
		if in.Stage != vigil.StagePartial || in.Enrol {
			t.Fatalf("second sign-in: %+v", in)
		}
		if _, err := s.SecondFactor(ctx, in.Token, code(t, e.Secret, now)); vigil.ErrorCode(err) != vigil.EUNAUTHENTICATED {
			t.Fatalf("a code was accepted twice: %v", err)
		}
		if _, err := s.SecondFactor(ctx, in.Token, code(t, e.Secret, now.Add(30*time.Second))); err != nil {
			t.Fatalf("the next code: %v", err)
		}
		// A reset makes them enrol again.
		if err := sqlstore.NewUserService(db).ResetSecondFactor(vigiltest.AsSystem(t, db), "admin"); err != nil {
			t.Fatal(err)
		}
		if in := signIn(t, s, "admin", vigiltest.DemoPassword); !in.Enrol {
			t.Fatal("after a reset the administrator is not asked to enrol")
		}
		// An auditor need not use one, but may.
		if in := signIn(t, s, "auditor", vigiltest.DemoPassword); in.Stage != vigil.StageFull {
			t.Fatalf("an auditor without a second factor: %+v", in)
		}
	})
}

func TestAPITokens(t *testing.T) {
	forEachDemo(t, func(t *testing.T, db *sqlstore.DB, _ *demo.Org) {
		sys := vigiltest.AsSystem(t, db)
		tokens := sqlstore.NewTokenService(db)
		sessions := sqlstore.NewSessionService(db)
		week := vigiltest.Epoch.Add(7 * 24 * time.Hour)
		tok, info, err := tokens.CreateToken(sys, "auditor", "reporting", &week)
		if err != nil {
			t.Fatal(err)
		}
		p, err := sessions.AuthenticateToken(context.Background(), tok)
		if err != nil || p.User.Username != "auditor" || p.Via != "token" || !p.HasRole(vigil.RoleAuditor) || p.HasRole(vigil.RoleAdministrator) {
			t.Fatalf("token principal: %+v %v", p, err)
		}
		list, _ := tokens.Tokens(sys, "auditor")
		if len(list) != 1 || list[0].ID != info.ID {
			t.Fatalf("tokens: %+v", list)
		}
		if err := tokens.RevokeToken(sys, info.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := sessions.AuthenticateToken(context.Background(), tok); vigil.ErrorCode(err) != vigil.EUNAUTHENTICATED {
			t.Fatal("a revoked token still works")
		}
		if _, err := sessions.AuthenticateToken(context.Background(), "vgl_forged"); vigil.ErrorCode(err) != vigil.EUNAUTHENTICATED {
			t.Fatal("a forged token works")
		}
	})
	clock := vigiltest.NewClock(vigiltest.Epoch)
	db := vigiltest.NewDB(t, "sqlite", vigiltest.WithClock(clock))
	loadSmallDemo(t, db)
	exp := vigiltest.Epoch.Add(time.Hour)
	tok, _, err := sqlstore.NewTokenService(db).CreateToken(vigiltest.AsSystem(t, db), "auditor", "short-lived", &exp)
	if err != nil {
		t.Fatal(err)
	}
	clock.Advance(time.Hour)
	if _, err := sqlstore.NewSessionService(db).AuthenticateToken(context.Background(), tok); err == nil {
		t.Fatal("an expired token still works")
	}
}

func TestUsers(t *testing.T) {
	forEachDemo(t, func(t *testing.T, db *sqlstore.DB, org *demo.Org) {
		sys := vigiltest.AsSystem(t, db)
		users := sqlstore.NewUserService(db)
		page, err := users.Users(sys, vigil.PageRequest{Limit: 5})
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Items) != 5 || page.Next == "" || page.Items[0].Username != "admin" {
			t.Fatalf("first page of users: %d items, next %q", len(page.Items), page.Next)
		}
		all := len(page.Items)
		for page.Next != "" {
			page, err = users.Users(sys, vigil.PageRequest{Limit: 5, Cursor: page.Next})
			if err != nil {
				t.Fatal(err)
			}
			all += len(page.Items)
		}
		if all != len(org.Users) {
			t.Errorf("listed %d users; the demo has %d (the system account is not listed)", all, len(org.Users))
		}
		spare := spareOfficer(org)
		u, err := users.CreateUser(sys, vigil.NewUser{Username: "new.officer", PersonID: spare, Password: goodPassword,
			Roles: []vigil.Role{vigil.RoleCallHandler}, Scope: vigil.ScopeForce})
		if err != nil {
			t.Fatal(err)
		}
		if !u.HasPassword || u.Person == nil || u.Person.ID != spare || u.CreatedBy == 0 || len(u.Roles) != 1 || u.Scope != vigil.ScopeForce {
			t.Errorf("created %+v", u)
		}
		call := vigil.NewUser{Roles: []vigil.Role{vigil.RoleCallHandler}, Scope: vigil.ScopeTeam}
		for _, tc := range []struct {
			name  string
			nu    vigil.NewUser
			field string
		}{
			{"taken username", vigil.NewUser{Username: "new.officer"}, "username"},
			{"bad username", vigil.NewUser{Username: "New Officer"}, "username"},
			{"person has an account", vigil.NewUser{Username: "another", PersonID: spare}, "person_id"},
			{"no such person", vigil.NewUser{Username: "another", PersonID: 99999}, "person_id"},
			{"short password", vigil.NewUser{Username: "another", Password: "short"}, "password"},
			{"common password", vigil.NewUser{Username: "another", Password: "password12345"}, "password"},
			{"no roles", vigil.NewUser{Username: "another", Scope: vigil.ScopeTeam}, "roles"},
			{"partner without agency scope", vigil.NewUser{Username: "another", Roles: []vigil.Role{vigil.RolePartner}, Scope: vigil.ScopeTeam}, "scope"},
		} {
			nu := tc.nu
			if nu.Roles == nil && tc.name != "no roles" {
				nu.Roles, nu.Scope = call.Roles, call.Scope
			}
			_, err := users.CreateUser(sys, nu)
			if f := vigil.ErrorFields(err); len(f) == 0 || f[0].Field != tc.field {
				t.Errorf("%s: got %v, want a field error on %s", tc.name, err, tc.field)
			}
		}
		if err := users.DisableUser(sys, "system"); err == nil {
			t.Error("the system account was disabled")
		}
	})
}

// TestGrantRules: nobody changes their own access, nor grants a permission
// or a scope they lack.
func TestGrantRules(t *testing.T) {
	forEachDemo(t, func(t *testing.T, db *sqlstore.DB, org *demo.Org) {
		users := sqlstore.NewUserService(db)
		admin := vigiltest.As(t, db, "admin")
		me, _ := users.UserByUsername(admin, "admin")
		_, err := users.SetAccess(admin, me.ID, vigil.Access{Roles: me.Roles, Scope: vigil.ScopeForce, Version: me.Version})
		if vigil.ErrorCode(err) != vigil.EFORBIDDEN {
			t.Errorf("an administrator changed their own access: %v", err)
		}
		target, _ := users.UserByUsername(admin, "call.handler")
		// The demo administrator holds no offender-management roles, but
		// offender_manager's permissions are all within theirs.
		if _, err := users.SetAccess(admin, target.ID, vigil.Access{Roles: []vigil.Role{vigil.RoleOffenderManager},
			Scope: vigil.ScopeLPA, Version: target.Version}); err != nil {
			t.Errorf("granting a role within the administrator's permissions: %v", err)
		}
		// A local administrator with LPA scope cannot grant force scope.
		local, err := users.CreateUser(vigiltest.AsSystem(t, db), vigil.NewUser{Username: "local.admin", PersonID: spareOfficer(org),
			Password: goodPassword, Roles: []vigil.Role{vigil.RoleAdministrator}, Scope: vigil.ScopeLPA})
		if err != nil {
			t.Fatal(err)
		}
		lctx := vigiltest.As(t, db, local.Username)
		target, _ = users.UserByUsername(lctx, "call.handler")
		_, err = users.SetAccess(lctx, target.ID, vigil.Access{Roles: []vigil.Role{vigil.RoleCallHandler}, Scope: vigil.ScopeForce, Version: target.Version})
		if f := vigil.ErrorFields(err); len(f) == 0 {
			t.Errorf("an LPA administrator granted force scope and a role with child permissions: %v", err)
		}
		// The auditor may not grant anything.
		_, err = users.SetAccess(vigiltest.As(t, db, "auditor"), target.ID, vigil.Access{Roles: []vigil.Role{vigil.RoleAuditor},
			Scope: vigil.ScopeForce, Version: target.Version})
		if vigil.ErrorCode(err) != vigil.EFORBIDDEN {
			t.Errorf("an auditor granted roles: %v", err)
		}
	})
}

// spareOfficer returns a police officer or staff member with no account.
func spareOfficer(org *demo.Org) int64 {
	for _, p := range org.People {
		taken := false
		for _, u := range org.Users {
			taken = taken || u.PersonID == p.ID
		}
		if !taken && p.TeamID != 0 {
			return p.ID
		}
	}
	return 0
}
