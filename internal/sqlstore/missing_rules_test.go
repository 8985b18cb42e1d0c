package sqlstore_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/vigilcp/vigil/internal/password"
	"github.com/vigilcp/vigil/internal/sqlstore"
	"github.com/vigilcp/vigil/internal/vigil"
	"github.com/vigilcp/vigil/internal/vigiltest"
)

// at is an instant as both engines store it, for statements written by hand.
func at(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

// insertEpisode is the statement that writes an episode by hand: child,
// status, last seen, found (or nil).
const insertEpisode = `INSERT INTO missing_episodes (child_id, status, lpa_id, reported_at, reporter_name, last_seen_at, circumstances,
	risk, first_risk, graded_at, found_at, created_at, updated_at) VALUES ($1, $2, 1, $3, 'By hand', $3, 'Written by the test',
	'medium', 'medium', $3, $4, $3, $3)`

// TestMissingRulesHeldByDatabase: with the store's checks out of the way
// (rows written by hand), the database itself refuses a second open
// episode, an episode that overlaps another, a child found before they
// were last seen and a second active plan, and each refusal is mapped to
// the same words on both engines as the store's own check gives. Episodes
// that only touch, or span nothing, are allowed.
func TestMissingRulesHeldByDatabase(t *testing.T) {
	told := map[sqlstore.Engine][]string{}
	for _, e := range vigiltest.Engines() {
		t.Run(string(e), func(t *testing.T) {
			db, clock := missingDB(t, e)
			ctx := context.Background()
			svc := sqlstore.NewMissingService(db)
			ch := vigiltest.As(t, db, "call.handler")
			child := sharedChild(t, db)
			// The child was missing from 10:00 to 12:00 (found), and is
			// missing again from 20:00 (open).
			base := clock.Now().Add(-48 * time.Hour).Truncate(24 * time.Hour)
			h := func(n int) time.Time { return base.Add(time.Duration(n) * time.Hour) }
			exec := func(q string, args ...any) error { return db.ExecMapped(ctx, q, args...) }
			if err := exec(insertEpisode, child, "found", at(h(10)), at(h(12))); err != nil {
				t.Fatalf("a found episode: %v", err)
			}
			if err := exec(insertEpisode, child, "open", at(h(20)), nil); err != nil {
				t.Fatalf("an open episode after it: %v", err)
			}
			var got []string
			refused := func(what string, err error, code, field, words string) {
				t.Helper()
				if vigil.ErrorCode(err) != code || !strings.Contains(vigil.ErrorMessage(err), words) ||
					field != "" && fieldErrs(err)[field] == "" || field == "" && len(fieldErrs(err)) > 0 {
					t.Errorf("%s: %v; want %s on %q saying %q", what, err, code, field, words)
				}
				got = append(got, what+" → "+refusal(err))
			}
			refused("a second open episode", exec(insertEpisode, child, "open", at(h(30)), nil),
				vigil.ECONFLICT, "child_id", "already has an open missing episode")
			refused("a found episode inside the found one", exec(insertEpisode, child, "found", at(h(11)), at(h(13))),
				vigil.ECONFLICT, "last_seen_at", "the episodes would overlap")
			refused("a found episode reaching into the open one", exec(insertEpisode, child, "found", at(h(14)), at(h(21))),
				vigil.ECONFLICT, "last_seen_at", "the episodes would overlap")
			refused("found before last seen", exec(insertEpisode, child, "found", at(h(15)), at(h(14))),
				vigil.EINVALID, "found_at", "cannot be before the child was last seen")
			refused("a found episode stretched into the open one", exec(`UPDATE missing_episodes SET found_at = $1
				WHERE child_id = $2 AND status = 'found' AND last_seen_at = $3`, at(h(22)), child, at(h(10))),
				vigil.ECONFLICT, "last_seen_at", "the episodes would overlap")
			// Touching (found at 12:00, missing again from 12:00) and an
			// episode found the moment the child was last seen are not
			// overlaps.
			if err := exec(insertEpisode, child, "found", at(h(12)), at(h(13))); err != nil {
				t.Errorf("an episode touching the one before: %v", err)
			}
			if err := exec(insertEpisode, child, "found", at(h(11)), at(h(11))); err != nil {
				t.Errorf("an episode that spans nothing: %v", err)
			}
			// The store's own check says the same as the database.
			_, err := svc.Report(ch, report(child, clock.Now(), vigil.RiskMedium))
			refused("a report by the service", err, vigil.ECONFLICT, "child_id", "already has an open missing episode")
			if err := exec(`UPDATE missing_episodes SET status = 'found', found_at = $1 WHERE child_id = $2 AND status = 'open'`,
				at(h(21)), child); err != nil {
				t.Fatal(err)
			}
			r := report(child, h(16).Add(2*time.Hour), vigil.RiskMedium) // last seen 16:00, before the 20:00 to 21:00 episode ended
			r.ReportedAt = clock.Now()
			_, err = svc.Report(ch, r)
			refused("an overlapping report by the service", err, vigil.ECONFLICT, "last_seen_at", "the episodes would overlap")

			plan := `INSERT INTO missing_plans (child_id, strategy_meeting_at, review_at, created_at, updated_at) VALUES ($1, $2, $2, $2, $2)`
			if err := exec(plan, child, at(h(1))); err != nil {
				t.Fatalf("a plan: %v", err)
			}
			refused("a second active plan", exec(plan, child, at(h(2))), vigil.ECONFLICT, "", "already has an active plan")
			if err := exec(`UPDATE missing_plans SET ended_at = $1 WHERE child_id = $2`, at(h(3)), child); err != nil {
				t.Fatal(err)
			}
			if err := exec(plan, child, at(h(4))); err != nil {
				t.Errorf("a plan after the last one ended: %v", err)
			}
			told[e] = got
		})
	}
	if len(told) == 2 && strings.Join(told[sqlstore.SQLite], "\n") != strings.Join(told[sqlstore.Postgres], "\n") {
		t.Errorf("the engines refuse differently:\nSQLite:\n%s\nPostgreSQL:\n%s", strings.Join(told[sqlstore.SQLite], "\n"),
			strings.Join(told[sqlstore.Postgres], "\n"))
	}
}

// TestMigrationStopsOnBrokenMissingRules: a database written before the
// rules may already break them. The migration that makes them rules stops,
// changing nothing, naming every child, episode and plan at fault and what
// to do; once they are put right it applies.
func TestMigrationStopsOnBrokenMissingRules(t *testing.T) {
	for _, e := range vigiltest.Engines() {
		t.Run(string(e), func(t *testing.T) {
			ctx := context.Background()
			db, err := sqlstore.Open(ctx, vigiltest.NewURL(t, e), sqlstore.Options{Hasher: password.Hasher{Params: password.Cheap},
				Clock: vigiltest.NewClock(vigiltest.Epoch)})
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			if err := db.MigrateTo(ctx, 14); err != nil {
				t.Fatal(err)
			}
			exec := func(q string, args ...any) {
				t.Helper()
				if err := db.ExecForTest(ctx, q, args...); err != nil {
					t.Fatalf("%s: %v", q, err)
				}
			}
			stamp := at(vigiltest.Epoch)
			exec(`INSERT INTO forces (id, code, name, created_at, updated_at) VALUES (1, 'T', 'Test', $1, $1)`, stamp)
			exec(`INSERT INTO lpas (id, force_id, code, name, created_at, updated_at) VALUES (1, 1, 'A', 'Ashvale', $1, $1)`, stamp)
			for id := 1; id <= 6; id++ {
				exec(`INSERT INTO children (id, force_id, given_name, family_name, date_of_birth, sex, lpa_id, created_at, updated_at)
					VALUES ($1, 1, 'Test', 'Child', '2012-05-01', 'female', 1, $2, $2)`, id, stamp)
			}
			h := func(n int) string { return at(vigiltest.Epoch.Add(time.Duration(n) * time.Hour)) }
			episode := func(id, child int, status string, lastSeen string, found any) {
				exec(`INSERT INTO missing_episodes (id, child_id, status, lpa_id, reported_at, reporter_name, last_seen_at, circumstances,
					risk, first_risk, graded_at, found_at, created_at, updated_at) VALUES ($1, $2, $3, 1, $4, 'R', $4, 'C', 'low', 'low', $4, $5, $4, $4)`,
					id, child, status, lastSeen, found)
			}
			episode(101, 1, "open", h(-5), nil) // child 1: reported twice at once
			episode(102, 1, "open", h(-5), nil)
			episode(201, 2, "found", h(-10), h(-2)) // child 2: overlapping
			episode(202, 2, "closed", h(-4), h(-1))
			episode(301, 3, "found", h(-3), h(-6))  // child 3: found before last seen
			episode(401, 4, "found", h(-10), h(-8)) // child 4: touching, and one that spans nothing: fine
			episode(402, 4, "found", h(-8), h(-7))
			episode(403, 4, "found", h(-9), h(-9))
			episode(501, 5, "open", h(-1), nil) // child 5: one open episode: fine
			plan := func(id, child int) {
				exec(`INSERT INTO missing_plans (id, child_id, strategy_meeting_at, review_at, created_at, updated_at)
					VALUES ($1, $2, $3, $3, $3, $3)`, id, child, stamp)
			}
			plan(61, 6) // child 6: two active plans
			plan(62, 6)
			plan(51, 5)
			_, err = db.Migrate(ctx)
			for _, want := range []string{"child 1: episodes 101, 102", "child 2: episodes 201 and 202", "episode 301 of child 3",
				"child 6: plans 61, 62", "at most one open episode", "record the child found", "migrate again"} {
				if err == nil || !strings.Contains(err.Error(), want) {
					t.Errorf("migrating over records that break the rules: %v; want it to say %q", err, want)
				}
			}
			for _, not := range []string{"child 4", "child 5", "40", "50"} {
				if err != nil && strings.Contains(err.Error(), not) {
					t.Errorf("the refusal names %q, which breaks no rule: %v", not, err)
				}
			}
			if err := db.CheckMigrations(ctx); err == nil || !strings.Contains(err.Error(), "at version 14") && !strings.Contains(err.Error(), "at version 13") {
				t.Errorf("the stopped migration was applied in part: %v", err)
			}
			// Put right, it applies.
			exec(`UPDATE missing_episodes SET status = 'found', found_at = last_seen_at WHERE id = 102`)
			exec(`UPDATE missing_episodes SET last_seen_at = $1, reported_at = $1 WHERE id = 202`, h(-2))
			exec(`UPDATE missing_episodes SET found_at = $1 WHERE id = 301`, h(-2))
			exec(`UPDATE missing_plans SET ended_at = $1 WHERE id = 61`, stamp)
			if _, err := db.Migrate(ctx); err != nil {
				t.Fatalf("migrating once the records are put right: %v", err)
			}
			if err := db.CheckMigrations(ctx); err != nil {
				t.Error(err)
			}
		})
	}
}

// TestPlanReviewCannotMakeASecondActivePlan: a review that puts an ended
// plan back in force while another is active is refused like a second new
// plan, and changes nothing.
func TestPlanReviewCannotMakeASecondActivePlan(t *testing.T) {
	forEachMissing(t, func(t *testing.T, db *sqlstore.DB, clock *vigiltest.Clock) {
		svc := sqlstore.NewMissingService(db)
		coord := vigiltest.As(t, db, "missing.ashvale")
		child := sharedChild(t, db)
		plan := vigil.Plan{ChildID: child, StrategyMeetingAt: clock.Now().Add(-48 * time.Hour), ReviewAt: clock.Now().AddDate(0, 1, 0),
			Agencies: []int64{1}, Summary: "First plan", Actions: []vigil.PlanAction{{Action: "Return home interview", Owner: "Children's services"}}}
		first, err := svc.SavePlan(coord, plan)
		if err != nil {
			t.Fatal(err)
		}
		ended := clock.Now()
		first.EndedAt = &ended
		if first, err = svc.SavePlan(coord, *first); err != nil {
			t.Fatal(err)
		}
		plan.Summary = "Second plan"
		if _, err := svc.SavePlan(coord, plan); err != nil {
			t.Fatal(err)
		}
		first.EndedAt = nil
		_, err = svc.SavePlan(coord, *first)
		if vigil.ErrorCode(err) != vigil.ECONFLICT || !strings.Contains(vigil.ErrorMessage(err), "already has an active plan") {
			t.Fatalf("putting the ended plan back in force beside another: %v", err)
		}
		plans, err := svc.Plans(coord, child)
		if err != nil {
			t.Fatal(err)
		}
		active := 0
		for _, p := range plans {
			if p.EndedAt == nil {
				active++
			}
		}
		if active != 1 {
			t.Fatalf("%d active plans after the refused review: %+v", active, plans)
		}
	})
}
