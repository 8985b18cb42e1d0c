package sqlstore_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/vigilcp/vigil/internal/sqlstore"
	"github.com/vigilcp/vigil/internal/vigil"
	"github.com/vigilcp/vigil/internal/vigiltest"
)

const (
	wrongCodeWords = "The code is not right. Enter the 6-digit code your authenticator app shows now."
	lockedWords    = "There have been too many failed attempts to sign in with this username. Wait 15 minutes, then try again."
)

// enrolled signs a demo user in and sets up their second factor at the
// clock's time, returning its secret.
func enrolled(t *testing.T, s *sqlstore.SessionService, clock *vigiltest.Clock, username string) string {
	t.Helper()
	in := signIn(t, s, username, vigiltest.DemoPassword)
	e, err := s.BeginEnrolment(context.Background(), in.Token)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.CompleteEnrolment(context.Background(), in.Token, code(t, e.Secret, clock.Now())); err != nil {
		t.Fatal(err)
	}
	return e.Secret
}

// wrongCode is a code that the secret does not give for any time-step
// accepted at now.
func wrongCode(t *testing.T, secret string, now time.Time) string {
	t.Helper()
	valid := []string{code(t, secret, now.Add(-30*time.Second)), code(t, secret, now), code(t, secret, now.Add(30*time.Second))}
	for _, c := range []string{"000000", "111111", "222222", "333333"} {
		if !slices.Contains(valid, c) {
			return c
		}
	}
	t.Fatal("no wrong code")
	return ""
}

// TestSecondFactorCannotBeBruteForced: wrong codes count against the
// account across every sign-in and partial session, and a correct
// password does not clear the count; the fifth wrong code locks it for
// the lockout time with the same words as a password lockout; while it is
// locked a right code, on any open partial session, is refused. Only the
// lock running out, or a right code before the lock, clears the count.
func TestSecondFactorCannotBeBruteForced(t *testing.T) {
	for _, e := range vigiltest.Engines() {
		t.Run(string(e), func(t *testing.T) {
			clock := vigiltest.NewClock(vigiltest.Epoch)
			db, _ := vigiltest.DemoDB(t, e, vigiltest.SmallDemo(false), vigiltest.WithClock(clock))
			s := sqlstore.NewSessionService(db)
			ctx := context.Background()
			secret := enrolled(t, s, clock, "admin")
			clock.Advance(time.Minute)
			wrong := wrongCode(t, secret, clock.Now())

			// Four sign-ins with four wrong codes each. Three partial
			// sessions are opened before any code; one (b) after the
			// first four wrong codes, with the right password.
			a, c, d, spare := signIn(t, s, "admin", vigiltest.DemoPassword).Token, signIn(t, s, "admin", vigiltest.DemoPassword).Token,
				signIn(t, s, "admin", vigiltest.DemoPassword).Token, signIn(t, s, "admin", vigiltest.DemoPassword).Token
			n := 0
			guess := func(token string) {
				t.Helper()
				n++
				_, err := s.SecondFactor(ctx, token, wrong)
				want := wrongCodeWords
				if n > 5 {
					want = lockedWords
				}
				if vigil.ErrorCode(err) != vigil.EUNAUTHENTICATED || vigil.ErrorMessage(err) != want {
					t.Errorf("wrong code %d: %v; want %q", n, err, want)
				}
			}
			for range 4 {
				guess(a)
			}
			b := signIn(t, s, "admin", vigiltest.DemoPassword)
			if b.Stage != vigil.StagePartial {
				t.Fatalf("the fifth sign-in: %+v", b)
			}
			for _, token := range []string{b.Token, c, d} {
				for range 4 {
					guess(token)
				}
			}
			log := lastEntries(t, db, 12)
			for _, e := range log[:11] { // codes 16 back to 6
				wantEntry(t, e, vigil.ActionSecondFactor, vigil.OutcomeFailed, "admin", "locked")
			}
			wantEntry(t, log[11], vigil.ActionSecondFactor, vigil.OutcomeFailed, "admin", "wrong code")

			// A right code on another partial session opened before the
			// lock is refused, in the same words; so is the right password.
			clock.Advance(30 * time.Second)
			if in, err := s.SecondFactor(ctx, spare, code(t, secret, clock.Now())); err == nil || vigil.ErrorMessage(err) != lockedWords {
				t.Fatalf("a right code while locked: %+v, %v; want %q", in, err, lockedWords)
			}
			wantEntry(t, lastEntries(t, db, 1)[0], vigil.ActionSecondFactor, vigil.OutcomeFailed, "admin", "locked")
			if _, err := s.SignIn(ctx, "admin", vigiltest.DemoPassword); vigil.ErrorMessage(err) != lockedWords {
				t.Errorf("the right password while locked: %v", err)
			}

			// The lock lasts the lockout time from the fifth wrong code.
			clock.Advance(15*time.Minute - 30*time.Second - time.Millisecond)
			if _, err := s.SignIn(ctx, "admin", vigiltest.DemoPassword); vigil.ErrorMessage(err) != lockedWords {
				t.Errorf("a millisecond before the lock runs out: %v", err)
			}
			clock.Advance(time.Millisecond)

			// The lock has run out: the count starts again. Four wrong
			// codes, then a right one, which clears the count again.
			in := signIn(t, s, "admin", vigiltest.DemoPassword)
			wrong = wrongCode(t, secret, clock.Now())
			for i := range 4 {
				if _, err := s.SecondFactor(ctx, in.Token, wrong); vigil.ErrorMessage(err) != wrongCodeWords {
					t.Fatalf("after the lock ran out, wrong code %d: %v", i+1, err)
				}
			}
			if _, err := s.SecondFactor(ctx, in.Token, code(t, secret, clock.Now())); err != nil {
				t.Fatalf("a right code after four wrong ones: %v", err)
			}
			clock.Advance(30 * time.Second)
			in = signIn(t, s, "admin", vigiltest.DemoPassword)
			wrong = wrongCode(t, secret, clock.Now())
			for i := range 4 {
				if _, err := s.SecondFactor(ctx, in.Token, wrong); vigil.ErrorMessage(err) != wrongCodeWords {
					t.Fatalf("after a right code, wrong code %d: %v", i+1, err)
				}
			}
			if _, err := s.SecondFactor(ctx, in.Token, code(t, secret, clock.Now())); err != nil {
				t.Errorf("the right code counted the wrong codes before the last right one: %v", err)
			}
		})
	}
}
