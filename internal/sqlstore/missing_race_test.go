package sqlstore_test

import (
	"strings"
	"testing"
	"time"

	"github.com/vigilcp/vigil/internal/sqlstore"
	"github.com/vigilcp/vigil/internal/vigil"
	"github.com/vigilcp/vigil/internal/vigiltest"
)

// TestRaceOneOpenEpisode: two reports of one child at the same moment give
// one open episode; the other is refused with 409 (ECONFLICT) naming
// child_id, in the same words on both engines, and a report made after
// the first is refused in the same words again.
func TestRaceOneOpenEpisode(t *testing.T) {
	tries := raceCount(t, "VIGIL_RACE_TRIES", 20)
	told := map[sqlstore.Engine]string{}
	for _, e := range vigiltest.Engines() {
		t.Run(string(e), func(t *testing.T) {
			db, clock := missingDB(t, e)
			svc := sqlstore.NewMissingService(db)
			ch := vigiltest.As(t, db, "call.handler")
			child := sharedChild(t, db)
			doubles, losers := 0, map[string]int{}
			for try := range tries {
				clock.Advance(3 * time.Hour)
				now := clock.Now()
				var got [2]*vigil.Episode
				errs := together(func() (err error) {
					got[0], err = svc.Report(ch, report(child, now, vigil.RiskMedium))
					return err
				}, func() (err error) {
					got[1], err = svc.Report(ch, report(child, now, vigil.RiskHigh))
					return err
				})
				won := 0
				for i, err := range errs {
					switch {
					case err == nil:
						won++
						// Found, so that the next try may report again.
						if _, err := svc.Found(ch, got[i].ID, vigil.FoundDetails{At: now, Place: "Home"}, got[i].Version); err != nil {
							t.Fatalf("try %d: found: %v", try, err)
						}
					default:
						losers[refusal(err)]++
					}
				}
				if won == 2 {
					doubles++
				} else if won == 0 {
					t.Fatalf("try %d: neither report was made: %v", try, errs)
				}
			}
			if doubles > 0 {
				t.Errorf("two open episodes for one child in %d of %d tries", doubles, tries)
			}
			// A report once the child is missing again is refused alike.
			clock.Advance(3 * time.Hour)
			if _, err := svc.Report(ch, report(child, clock.Now(), vigil.RiskLow)); err != nil {
				t.Fatal(err)
			}
			_, err := svc.Report(ch, report(child, clock.Now().Add(time.Minute), vigil.RiskLow))
			losers[refusal(err)]++
			if len(losers) != 1 {
				t.Fatalf("the losers were told %d different things: %v", len(losers), losers)
			}
			for s := range losers {
				told[e] = s
			}
			if !strings.HasPrefix(told[e], vigil.ECONFLICT+": ") || !strings.Contains(told[e], "; child_id: ") ||
				!strings.Contains(told[e], "already has an open missing episode") {
				t.Errorf("the loser was told %q, want a conflict naming child_id", told[e])
			}
		})
	}
	if len(told) == 2 && told[sqlstore.SQLite] != told[sqlstore.Postgres] {
		t.Errorf("the engines refuse differently: SQLite %q, PostgreSQL %q", told[sqlstore.SQLite], told[sqlstore.Postgres])
	}
}

// TestRaceOneActivePlan: two new plans for one child at the same moment
// give one active plan; the other is refused with 409 in the same words on
// both engines.
func TestRaceOneActivePlan(t *testing.T) {
	tries := raceCount(t, "VIGIL_RACE_TRIES", 20)
	told := map[sqlstore.Engine]string{}
	for _, e := range vigiltest.Engines() {
		t.Run(string(e), func(t *testing.T) {
			db, clock := missingDB(t, e)
			svc := sqlstore.NewMissingService(db)
			coord := vigiltest.As(t, db, "missing.ashvale")
			child := sharedChild(t, db)
			plan := func(summary string) vigil.Plan {
				return vigil.Plan{ChildID: child, StrategyMeetingAt: clock.Now().Add(-24 * time.Hour), ReviewAt: clock.Now().AddDate(0, 1, 0),
					Agencies: []int64{1}, Summary: summary, Actions: []vigil.PlanAction{{Action: "Return home interview", Owner: "Children's services"}}}
			}
			doubles, losers := 0, map[string]int{}
			for try := range tries {
				clock.Advance(time.Hour)
				var got [2]*vigil.Plan
				errs := together(func() (err error) {
					got[0], err = svc.SavePlan(coord, plan("Joint plan agreed at the strategy meeting"))
					return err
				}, func() (err error) {
					got[1], err = svc.SavePlan(coord, plan("Plan after the third episode"))
					return err
				})
				won := 0
				for i, err := range errs {
					if err != nil {
						losers[refusal(err)]++
						continue
					}
					won++
					p := *got[i]
					ended := clock.Now()
					p.EndedAt = &ended
					if _, err := svc.SavePlan(coord, p); err != nil {
						t.Fatalf("try %d: ending the plan: %v", try, err)
					}
				}
				if won == 2 {
					doubles++
				} else if won == 0 {
					t.Fatalf("try %d: neither plan was made: %v", try, errs)
				}
			}
			if doubles > 0 {
				t.Errorf("two active plans for one child in %d of %d tries", doubles, tries)
			}
			if _, err := svc.SavePlan(coord, plan("The plan in force")); err != nil {
				t.Fatal(err)
			}
			_, err := svc.SavePlan(coord, plan("A second plan"))
			losers[refusal(err)]++
			if len(losers) != 1 {
				t.Fatalf("the losers were told %d different things: %v", len(losers), losers)
			}
			for s := range losers {
				told[e] = s
			}
			if !strings.HasPrefix(told[e], vigil.ECONFLICT+": ") || !strings.Contains(told[e], "already has an active plan") {
				t.Errorf("the loser was told %q, want a conflict about the active plan", told[e])
			}
		})
	}
	if len(told) == 2 && told[sqlstore.SQLite] != told[sqlstore.Postgres] {
		t.Errorf("the engines refuse differently: SQLite %q, PostgreSQL %q", told[sqlstore.SQLite], told[sqlstore.Postgres])
	}
}
