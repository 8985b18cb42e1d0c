package sqlstore_test

import (
	"testing"
	"time"

	"github.com/vigilcp/vigil/internal/sqlstore"
	"github.com/vigilcp/vigil/internal/vigil"
	"github.com/vigilcp/vigil/internal/vigiltest"
)

func TestSessions(t *testing.T) {
	for _, e := range vigiltest.Engines() {
		t.Run(string(e), func(t *testing.T) {
			clock := vigiltest.NewClock(vigiltest.Epoch)
			db := vigiltest.NewDB(t, e, vigiltest.WithClock(clock))
			loadSmallDemo(t, db)
			sys := vigiltest.AsSystem(t, db)
			users := sqlstore.NewUserService(db)
			sessions := sqlstore.NewSessionService(db)
			if err := users.SetPassword(sys, "auditor", "correct horse battery staple"); err != nil {
				t.Fatal(err)
			}
			if err := users.SetPassword(sys, "auditor", "short"); vigil.ErrorCode(err) != vigil.EINVALID {
				t.Errorf("a short password was accepted: %v", err)
			}

			for _, tc := range []struct{ user, pw string }{
				{"auditor", "wrong password here"}, {"nobody", "correct horse battery staple"}, {"system", "anything at all"},
				{"admin", "no password set for admin"},
			} {
				if _, _, err := sessions.SignIn(sys, tc.user, tc.pw); vigil.ErrorCode(err) != vigil.EUNAUTHENTICATED ||
					vigil.ErrorMessage(err) != "The username or password is not right" {
					t.Errorf("sign in as %s with a bad password: %v", tc.user, err)
				}
			}

			token, u, err := sessions.SignIn(sys, "auditor", "correct horse battery staple")
			if err != nil || u.Username != "auditor" || len(token) < 40 {
				t.Fatalf("sign in: %v %v %q", u, err, token)
			}
			// Idle timeout: 30 minutes without use ends the session; use
			// within it keeps it alive, up to the absolute 12 hours.
			for i := range 23 {
				clock.Advance(29 * time.Minute)
				if _, err := sessions.Authenticate(sys, token); err != nil {
					t.Fatalf("session ended after %d uses 29 minutes apart: %v", i+1, err)
				}
			}
			clock.Advance(29 * time.Minute) // 23×29 + 29 = 696 min < 720
			if _, err := sessions.Authenticate(sys, token); err != nil {
				t.Fatalf("session ended before 12 hours: %v", err)
			}
			clock.Advance(25 * time.Minute) // past 12 hours since sign-in
			if _, err := sessions.Authenticate(sys, token); vigil.ErrorCode(err) != vigil.EUNAUTHENTICATED {
				t.Fatalf("session still valid after 12 hours: %v", err)
			}

			token, _, _ = sessions.SignIn(sys, "auditor", "correct horse battery staple")
			clock.Advance(30 * time.Minute)
			if _, err := sessions.Authenticate(sys, token); vigil.ErrorCode(err) != vigil.EUNAUTHENTICATED {
				t.Fatalf("session still valid after 30 idle minutes: %v", err)
			}

			token, _, _ = sessions.SignIn(sys, "auditor", "correct horse battery staple")
			if err := sessions.SignOut(sys, token); err != nil {
				t.Fatal(err)
			}
			if _, err := sessions.Authenticate(sys, token); vigil.ErrorCode(err) != vigil.EUNAUTHENTICATED {
				t.Fatalf("session valid after sign-out: %v", err)
			}

			token, _, _ = sessions.SignIn(sys, "auditor", "correct horse battery staple")
			if err := users.DisableUser(sys, "auditor"); err != nil {
				t.Fatal(err)
			}
			if _, err := sessions.Authenticate(sys, token); vigil.ErrorCode(err) != vigil.EUNAUTHENTICATED {
				t.Fatalf("session of a disabled user still valid: %v", err)
			}
			if _, _, err := sessions.SignIn(sys, "auditor", "correct horse battery staple"); vigil.ErrorCode(err) != vigil.EUNAUTHENTICATED {
				t.Fatalf("a disabled user signed in: %v", err)
			}
		})
	}
}

func TestUsers(t *testing.T) {
	vigiltest.ForEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		org := loadSmallDemo(t, db)
		sys := vigiltest.AsSystem(t, db)
		users := sqlstore.NewUserService(db)
		page, err := users.Users(sys, vigil.PageRequest{Limit: 5})
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Items) != 5 || page.Next == "" || page.Items[0].Username != "admin" {
			t.Fatalf("first page of users: %d items, next %q, first %v", len(page.Items), page.Next, page.Items[0].Username)
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
		var spare int64
		for _, p := range org.People {
			taken := false
			for _, u := range org.Users {
				taken = taken || u.PersonID == p.ID
			}
			if !taken {
				spare = p.ID
				break
			}
		}
		u, err := users.CreateUser(sys, "new.officer", spare, "a perfectly long password")
		if err != nil {
			t.Fatal(err)
		}
		if !u.HasPassword || u.Person == nil || u.Person.ID != spare || u.CreatedBy == 0 {
			t.Errorf("created %+v", u)
		}
		for _, tc := range []struct {
			name, username string
			person         int64
			pw, field      string
		}{
			{"taken username", "new.officer", 0, "", "username"},
			{"bad username", "New Officer", 0, "", "username"},
			{"person has an account", "another", spare, "", "person_id"},
			{"no such person", "another", 99999, "", "person_id"},
			{"short password", "another", 0, "short", "password"},
		} {
			_, err := users.CreateUser(sys, tc.username, tc.person, tc.pw)
			if f := vigil.ErrorFields(err); len(f) == 0 || f[0].Field != tc.field {
				t.Errorf("%s: got %v, want a field error on %s", tc.name, err, tc.field)
			}
		}
		if err := users.DisableUser(sys, "system"); err == nil {
			t.Error("the system account was disabled")
		}
	})
}

// TestInstantsAreUTCMilliseconds stores an instant with nanoseconds in a
// far-off zone and reads back the same instant, in UTC, to the millisecond.
func TestInstantsAreUTCMilliseconds(t *testing.T) {
	zone := time.FixedZone("UTC+5:45", 5*3600+45*60)
	at := time.Date(2026, 7, 1, 23, 59, 59, 987654321, zone)
	for _, e := range vigiltest.Engines() {
		t.Run(string(e), func(t *testing.T) {
			clock := vigiltest.NewClock(at)
			db := vigiltest.NewDB(t, e, vigiltest.WithClock(clock))
			loadSmallDemo(t, db)
			org, err := sqlstore.NewOrgService(db).Organisation(vigiltest.As(t, db, "admin"))
			if err != nil {
				t.Fatal(err)
			}
			got := org.Force.CreatedAt
			want := time.Date(2026, 7, 1, 18, 14, 59, 987000000, time.UTC)
			if !got.Equal(want) || got.Location() != time.UTC {
				t.Fatalf("stored %v, read back %v; want %v in UTC", at, got, want)
			}
		})
	}
}
