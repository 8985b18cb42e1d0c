package sqlstore_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vigilcp/vigil/internal/sqlstore"
	"github.com/vigilcp/vigil/internal/vigil"
	"github.com/vigilcp/vigil/internal/vigiltest"
)

// reportMany reports n children of Ashvale missing at now, each a
// different child with no open episode, and returns the episodes.
func reportMany(t *testing.T, db *sqlstore.DB, now time.Time, n int) []*vigil.Episode {
	t.Helper()
	svc := sqlstore.NewMissingService(db)
	ch := vigiltest.As(t, db, "call.handler")
	page, err := sqlstore.NewChildService(db).Children(vigiltest.As(t, db, "missing.ashvale"),
		vigil.ChildFilter{LPAID: 1, PageRequest: vigil.PageRequest{Limit: vigil.MaxPageSize}})
	if err != nil {
		t.Fatal(err)
	}
	var out []*vigil.Episode
	for _, c := range page.Items {
		if len(out) == n {
			break
		}
		e, err := svc.Report(ch, report(c.ID, now, vigil.RiskMedium))
		if vigil.ErrorCode(err) == vigil.ECONFLICT || vigil.ErrorCode(err) == vigil.EINVALID || vigil.ErrorCode(err) == vigil.EFORBIDDEN {
			continue // missing now, or otherwise not reportable by the call handler
		}
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, e)
	}
	if len(out) < n {
		t.Fatalf("only %d Ashvale children could be reported missing, want %d", len(out), n)
	}
	return out
}

// TestRaceStepsOnDifferentEpisodes: many steps at once, each on an episode
// of its own but all touching the same rows of the statistics (one LPA,
// one team, one month, one risk), all succeed: none waits for another in
// a cycle (PostgreSQL would break the deadlock by failing one with
// "someone else changed this"). Then the statistics still add up.
func TestRaceStepsOnDifferentEpisodes(t *testing.T) {
	n := raceCount(t, "VIGIL_RACE_EPISODES", 24)
	forEachMissing(t, func(t *testing.T, db *sqlstore.DB, clock *vigiltest.Clock) {
		svc := sqlstore.NewMissingService(db)
		start := clock.Now()
		episodes := reportMany(t, db, start, n)
		coord := vigiltest.As(t, db, "missing.ashvale")
		clock.Advance(5 * time.Hour)
		found := clock.Now().Add(-time.Hour)
		steps := []struct {
			name string
			do   func(e *vigil.Episode) (*vigil.Episode, error)
		}{
			{"found", func(e *vigil.Episode) (*vigil.Episode, error) {
				return svc.Found(coord, e.ID, vigil.FoundDetails{At: found, Place: "Home address"}, e.Version)
			}},
			{"prevention", func(e *vigil.Episode) (*vigil.Episode, error) {
				return svc.Prevention(coord, e.ID, clock.Now(), "", e.Version)
			}},
			{"return interview", func(e *vigil.Episode) (*vigil.Episode, error) {
				at := clock.Now()
				return svc.ReturnInterview(coord, e.ID, vigil.RHIDetails{OfferedAt: &at, CompletedAt: &at}, e.Version)
			}},
		}
		failed := map[string]int{}
		var messages []string
		for _, st := range steps {
			fns := make([]func() error, len(episodes))
			for i := range episodes {
				fns[i] = func() error {
					e, err := st.do(episodes[i])
					if err == nil {
						episodes[i] = e
					}
					return err
				}
			}
			for i, err := range together(fns...) {
				if err != nil {
					failed[st.name]++
					if len(messages) < 3 {
						messages = append(messages, fmt.Sprintf("%s of episode %d: %v", st.name, episodes[i].ID, err))
					}
				}
			}
		}
		total := 0
		for _, k := range failed {
			total += k
		}
		if total > 0 {
			t.Errorf("%d of %d steps on different episodes failed (%v), first: %s", total, len(steps)*len(episodes), failed,
				strings.Join(messages, "; "))
		}
		for _, e := range episodes {
			got, err := svc.Episode(coord, e.ID)
			if err != nil {
				t.Fatal(err)
			}
			if total == 0 && (got.FoundAt == nil || got.PreventionAt == nil || got.RHICompletedAt == nil || got.Version != 4) {
				t.Fatalf("episode %d after its steps: %+v", e.ID, got)
			}
		}
		if slices.ContainsFunc(episodes, func(e *vigil.Episode) bool { return e.LPAID != 1 }) {
			t.Fatal("an episode outside Ashvale: the steps do not share statistics rows")
		}
	})
}
