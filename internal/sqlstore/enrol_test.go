package sqlstore_test

import (
	"context"
	"strings"
	"testing"

	"github.com/vigilcp/vigil/internal/sqlstore"
	"github.com/vigilcp/vigil/internal/vigil"
	"github.com/vigilcp/vigil/internal/vigiltest"
)

// TestEnrollingNeedsThePassword: a signed-in session cannot set up a
// second factor without the password given again, so a session taken
// over cannot put its own phone on the account; setting one up at sign-in
// (just after the password) can, and ends the account's other sessions.
func TestEnrollingNeedsThePassword(t *testing.T) {
	for _, e := range vigiltest.Engines() {
		t.Run(string(e), func(t *testing.T) {
			clock := vigiltest.NewClock(vigiltest.Epoch)
			db, org := vigiltest.DemoDB(t, e, vigiltest.SmallDemo(false), vigiltest.WithClock(clock))
			s := sqlstore.NewSessionService(db)
			ctx := context.Background()

			// A full session, without the password again.
			full := signIn(t, s, "auditor", vigiltest.DemoPassword).Token
			if en, err := s.BeginEnrolment(ctx, full); vigil.ErrorCode(err) != vigil.EUNAUTHENTICATED ||
				!strings.Contains(vigil.ErrorMessage(err), "password again") {
				t.Errorf("a signed-in session began setting up a second factor without the password: %+v, %v", en, err)
			}
			if in, err := s.CompleteEnrolment(ctx, full, "123456"); vigil.ErrorCode(err) != vigil.EUNAUTHENTICATED ||
				!strings.Contains(vigil.ErrorMessage(err), "password again") {
				t.Errorf("a signed-in session completed setting up a second factor without the password: %+v, %v", in, err)
			}

			// At sign-in, just after the password: the administrator must
			// enrol. Their other sessions, partial and full (single
			// sign-on), end when they do.
			first := signIn(t, s, "admin", vigiltest.DemoPassword)
			second := signIn(t, s, "admin", vigiltest.DemoPassword)
			sso, err := s.StartSession(ctx, org.UserID("admin"), "single sign-on")
			if err != nil {
				t.Fatal(err)
			}
			en, err := s.BeginEnrolment(ctx, first.Token)
			if err != nil {
				t.Fatalf("set up a second factor at sign-in: %v", err)
			}
			done, err := s.CompleteEnrolment(ctx, first.Token, code(t, en.Secret, clock.Now()))
			if err != nil {
				t.Fatalf("complete the set-up at sign-in: %v", err)
			}
			if _, _, err := s.Authenticate(ctx, done.Token, false); err != nil {
				t.Errorf("the session the set-up gave: %v", err)
			}
			for name, token := range map[string]string{"another partial session": second.Token, "a single sign-on session": sso,
				"the set-up's partial session": first.Token} {
				if _, _, err := s.Authenticate(ctx, token, true); vigil.ErrorCode(err) != vigil.EUNAUTHENTICATED {
					t.Errorf("%s survived setting up a second factor: %v", name, err)
				}
			}
			wantEntry(t, lastEntries(t, db, 1)[0], vigil.ActionSecondFactor, vigil.OutcomeOK, "admin", "2 other sessions ended")
		})
	}
}
