package sqlstore_test

import (
	"slices"
	"testing"
	"time"

	"github.com/vigilcp/vigil/internal/sqlstore"
	"github.com/vigilcp/vigil/internal/vigil"
	"github.com/vigilcp/vigil/internal/vigiltest"
)

// TestDeployedOfficerHoldsTheEpisode: the response officer (team scope,
// another team's episode) may not read an episode before being deployed
// to it; once deployed, reads it and finds it in their lists, through its
// closure and for the force's setting after it (24 hours by default), and
// then no longer. The list and the read agree at every stage. With the
// setting at 0 hours the holding ends with the episode.
func TestDeployedOfficerHoldsTheEpisode(t *testing.T) {
	for _, c := range []struct {
		name    string
		setting string // "" for the default
		after   time.Duration
	}{{"default", "", 24 * time.Hour}, {"zero hours", "0", 0}} {
		t.Run(c.name, func(t *testing.T) {
			forEachMissing(t, func(t *testing.T, db *sqlstore.DB, clock *vigiltest.Clock) {
				if c.setting != "" {
					if err := db.ExecForTest(t.Context(), "INSERT INTO settings (name, value, updated_at) VALUES ($1, $2, $3)",
						"missing.deployed_access_hours", c.setting, clock.Now().UTC().Format("2006-01-02T15:04:05.000Z")); err != nil {
						t.Fatal(err)
					}
				}
				svc := sqlstore.NewMissingService(db)
				resp := vigiltest.As(t, db, "response.officer")
				child := sharedChild(t, db)
				e, err := svc.Report(vigiltest.As(t, db, "call.handler"), report(child, clock.Now(), vigil.RiskHigh))
				if err != nil {
					t.Fatal(err)
				}
				holds := func(stage string, want bool) {
					t.Helper()
					_, err := svc.Episode(resp, e.ID)
					read := err == nil
					if err != nil && vigil.ErrorCode(err) != vigil.EFORBIDDEN {
						t.Fatalf("%s: reading: %v", stage, err)
					}
					listed := slices.Contains(allEpisodes(t, svc, resp), e.ID)
					if read != want || listed != want {
						t.Errorf("%s: the response officer reads the episode: %v, lists it: %v; want %v", stage, read, listed, want)
					}
				}
				holds("before deployment", false)
				crm := vigiltest.As(t, db, "control.manager")
				if e, err = svc.Deploy(crm, e.ID, []int64{personOfUser(t, db, "response.officer")}, time.Time{}, e.Version); err != nil {
					t.Fatal(err)
				}
				holds("deployed", true)
				// The officer takes their role's steps on it: a note.
				if err := svc.Note(resp, e.ID, "enquiry", "Searched the railway embankment behind the home with a dog unit"); err != nil {
					t.Errorf("the deployed officer adding a note: %v", err)
				}
				coord := vigiltest.As(t, db, "missing.ashvale")
				clock.Advance(3 * time.Hour)
				if e, err = svc.Found(coord, e.ID, vigil.FoundDetails{At: clock.Now().Add(-10 * time.Minute), Place: "Friend's flat",
					By: "PC 4412", Condition: "Cold, no injuries"}, e.Version); err != nil {
					t.Fatal(err)
				}
				holds("found", true)
				clock.Advance(2 * time.Hour)
				if e, err = svc.Prevention(coord, e.ID, time.Time{}, "Says she was with friends", e.Version); err != nil {
					t.Fatal(err)
				}
				offered := clock.Now()
				if e, err = svc.ReturnInterview(vigiltest.As(t, db, "social.worker"), e.ID, vigil.RHIDetails{OfferedAt: &offered},
					e.Version); err != nil {
					t.Fatal(err)
				}
				if e, err = svc.Close(coord, e.ID, e.Version); err != nil {
					t.Fatal(err)
				}
				if c.after > 0 {
					holds("just closed", true)
					clock.Advance(c.after - time.Millisecond)
					holds("a millisecond before the holding ends", true)
				}
				clock.Advance(time.Millisecond)
				holds("when the holding ends", false)
			})
		})
	}
}
