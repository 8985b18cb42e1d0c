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

// missingDB is a demo force with a clock the test moves.
func missingDB(t *testing.T, e sqlstore.Engine) (*sqlstore.DB, *vigiltest.Clock) {
	t.Helper()
	clock := vigiltest.NewClock(vigiltest.Epoch)
	db, _ := vigiltest.DemoDB(t, e, vigiltest.SmallDemo(true), vigiltest.WithClock(clock))
	return db, clock
}

// forEachMissing runs fn on each engine with the demo force and its
// missing episodes, then checks the dashboard's statistics against a
// recount: whatever fn did, each step kept them right.
func forEachMissing(t *testing.T, fn func(t *testing.T, db *sqlstore.DB, clock *vigiltest.Clock)) {
	for _, e := range vigiltest.Engines() {
		t.Run(string(e), func(t *testing.T) {
			db, clock := missingDB(t, e)
			fn(t, db, clock)
			if err := db.CheckMissingStats(context.Background()); err != nil {
				t.Error(err)
			}
		})
	}
}

// sharedChild is an Ashvale child shared with Ashvale children's services
// (the social worker's agency) and not missing now.
func sharedChild(t *testing.T, db *sqlstore.DB) int64 {
	t.Helper()
	page, err := sqlstore.NewChildService(db).Children(vigiltest.As(t, db, "social.worker"),
		vigil.ChildFilter{PageRequest: vigil.PageRequest{Limit: vigil.MaxPageSize}})
	if err != nil {
		t.Fatal(err)
	}
	svc := sqlstore.NewMissingService(db)
	for _, c := range page.Items {
		open, err := svc.Episodes(vigiltest.As(t, db, "missing.ashvale"), vigil.EpisodeFilter{ChildID: c.ID, Status: vigil.EpisodeOpen})
		if err != nil {
			continue // outside Ashvale
		}
		if len(open.Items) == 0 && c.LPAID == 1 {
			return c.ID
		}
	}
	t.Fatal("no Ashvale child is shared with the social worker's agency")
	return 0
}

// notShared is an Ashvale child the social worker's agency has not been
// given.
func notShared(t *testing.T, db *sqlstore.DB) int64 {
	t.Helper()
	svc := sqlstore.NewChildService(db)
	sw := vigiltest.As(t, db, "social.worker")
	page, err := svc.Children(vigiltest.As(t, db, "missing.ashvale"), vigil.ChildFilter{LPAID: 1, PageRequest: vigil.PageRequest{Limit: vigil.MaxPageSize}})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range page.Items {
		if _, err := svc.Child(sw, c.ID); vigil.ErrorCode(err) == vigil.ENOTFOUND {
			return c.ID
		}
	}
	t.Fatal("the social worker sees every Ashvale child")
	return 0
}

func report(child int64, at time.Time, level vigil.RiskLevel) vigil.NewReport {
	return vigil.NewReport{ChildID: child, ReportedAt: at, ReporterName: "Dawn Carter", ReporterContact: "07700 900123",
		ReporterRelation: "Residential carer", LastSeenAt: at.Add(-2 * time.Hour), LastSeenPlace: "Ashvale bus station",
		Circumstances: "Did not return to the home after school", DescriptionClothing: "Grey hoodie, black trainers", LPAID: 1,
		Grading: vigil.Grading{Level: level, Factors: []string{"looked_after", "exploitation"}, Rationale: "Known links to older males in the town centre"}}
}

// TestMissingJourney runs one episode from the call to its closure, each
// step by the person whose job it is, and checks the times kept.
func TestMissingJourney(t *testing.T) {
	forEachMissing(t, func(t *testing.T, db *sqlstore.DB, clock *vigiltest.Clock) {
		svc := sqlstore.NewMissingService(db)
		child := sharedChild(t, db)
		start := clock.Now()
		e, err := svc.Report(vigiltest.As(t, db, "call.handler"), report(child, start, vigil.RiskMedium))
		if err != nil {
			t.Fatal(err)
		}
		if e.Status != vigil.EpisodeOpen || e.Risk != vigil.RiskMedium || len(e.Gradings) != 1 || e.RatifyDueAt == nil ||
			!e.RatifyDueAt.Equal(start.Add(time.Hour)) || e.DeployDueAt == nil || !e.DeployDueAt.Equal(start.Add(2*time.Hour)) {
			t.Fatalf("reported episode = %+v", e)
		}
		crm := vigiltest.As(t, db, "control.manager")
		queue, err := svc.Episodes(crm, vigil.EpisodeFilter{Queue: vigil.QueueAwaitingRatification})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.ContainsFunc(queue.Items, func(x vigil.Episode) bool { return x.ID == e.ID }) {
			t.Fatalf("episode %d is not awaiting ratification: %+v", e.ID, queue.Items)
		}
		// Ratified at the last millisecond of the target: met.
		clock.Advance(time.Hour)
		if e, err = svc.Ratify(crm, e.ID, true, "", "", e.Version); err != nil {
			t.Fatal(err)
		}
		tm := vigil.RatificationTiming(e.Gradings[0], vigil.DefaultTargets(), clock.Now())
		if !tm.Met || tm.Took != time.Hour {
			t.Fatalf("ratification timing = %+v", tm)
		}
		queue, _ = svc.Episodes(crm, vigil.EpisodeFilter{Queue: vigil.QueueAwaitingRatification})
		if slices.ContainsFunc(queue.Items, func(x vigil.Episode) bool { return x.ID == e.ID }) {
			t.Fatal("a ratified episode is still awaiting ratification")
		}
		// Deployed one millisecond late.
		clock.Advance(time.Hour + time.Millisecond)
		officer := personOfUser(t, db, "response.officer")
		if e, err = svc.Deploy(crm, e.ID, []int64{officer}, time.Time{}, e.Version); err != nil {
			t.Fatal(err)
		}
		if dt := vigil.DeploymentTiming(*e, vigil.DefaultTargets(), clock.Now()); dt.Met || dt.Took != 2*time.Hour+time.Millisecond {
			t.Fatalf("deployment timing = %+v", dt)
		}
		if err := svc.Note(crm, e.ID, "enquiry", "Checked the bus station CCTV with the operator"); err != nil {
			t.Fatal(err)
		}
		clock.Advance(5 * time.Hour)
		coord := vigiltest.As(t, db, "missing.ashvale")
		e, _ = svc.Episode(coord, e.ID)
		if len(e.Notes) != 1 || e.Notes[0].Author != "control.manager" {
			t.Fatalf("timeline = %+v", e.Notes)
		}
		found := clock.Now().Add(-30 * time.Minute)
		if e, err = svc.Found(coord, e.ID, vigil.FoundDetails{At: found, Place: "Friend's flat, Mill Lane", By: "PC 4412",
			Condition: "Tired, no injuries"}, e.Version); err != nil {
			t.Fatal(err)
		}
		if e.Status != vigil.EpisodeFound || e.RatifyDueAt != nil || e.DeployDueAt != nil {
			t.Fatalf("found episode = %+v", e)
		}
		// Closing before the follow-up is refused, field by field.
		if _, err := svc.Close(coord, e.ID, e.Version); vigil.ErrorCode(err) != vigil.EINVALID {
			t.Fatalf("closing before the follow-up: %v", err)
		} else if fe := fieldErrs(err); len(fe) != 2 {
			t.Fatalf("closing before the follow-up: %v", fe)
		}
		clock.Advance(20 * time.Hour)
		if e, err = svc.Prevention(coord, e.ID, time.Time{}, "Says she was with friends", e.Version); err != nil {
			t.Fatal(err)
		}
		sw := vigiltest.As(t, db, "social.worker")
		offered := clock.Now()
		if e, err = svc.ReturnInterview(sw, e.ID, vigil.RHIDetails{OfferedAt: &offered, CompletedAt: &offered,
			Notes: "Talked about who she meets in town"}, e.Version); err != nil {
			t.Fatal(err)
		}
		offeredT, completedT := vigil.RHITimings(*e, clock.Now())
		if !offeredT.Met || !completedT.Met {
			t.Fatalf("return interview timings = %+v, %+v", offeredT, completedT)
		}
		// The social worker may not close it.
		if _, err := svc.Close(sw, e.ID, e.Version); vigil.ErrorCode(err) != vigil.EFORBIDDEN {
			t.Fatalf("partner closing: %v", err)
		}
		if e, err = svc.Close(coord, e.ID, e.Version); err != nil {
			t.Fatal(err)
		}
		if e.Status != vigil.EpisodeClosed || e.ClosedBy == 0 {
			t.Fatalf("closed episode = %+v", e)
		}
		// The dashboard counts it.
		month := vigil.MonthStart(vigil.MonthOf(start))
		d, err := svc.Dashboard(vigiltest.As(t, db, "gold.chair"), vigil.DashboardFilter{From: month, To: month.AddDate(0, 1, 0)})
		if err != nil {
			t.Fatal(err)
		}
		if d.Episodes < 1 || d.RHIOffered.Met < 1 {
			t.Fatalf("dashboard = %+v", d)
		}
		list, err := svc.Episodes(vigiltest.As(t, db, "gold.chair"), vigil.EpisodeFilter{Figure: "deploy_missed", Risk: vigil.RiskMedium,
			From: start.Add(-time.Minute), To: clock.Now().Add(time.Minute)})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.ContainsFunc(list.Items, func(x vigil.Episode) bool { return x.ID == e.ID }) {
			t.Fatalf("the late deployment is not behind the deploy_missed figure: %+v", list.Items)
		}
		list, _ = svc.Episodes(vigiltest.As(t, db, "gold.chair"), vigil.EpisodeFilter{Figure: "ratify_met", Risk: vigil.RiskMedium,
			From: start.Add(-time.Minute), To: clock.Now().Add(time.Minute)})
		if !slices.ContainsFunc(list.Items, func(x vigil.Episode) bool { return x.ID == e.ID }) {
			t.Fatalf("the ratification at the target is not behind the ratify_met figure")
		}
	})
}

func personOfUser(t *testing.T, db *sqlstore.DB, username string) int64 {
	t.Helper()
	p, err := db.PrincipalFor(context.Background(), username, "test")
	if err != nil {
		t.Fatal(err)
	}
	return p.User.PersonID
}

// TestGraderCannotRatify: whoever graded a risk cannot ratify it, even
// holding a control-room manager's role.
func TestGraderCannotRatify(t *testing.T) {
	forEachMissing(t, func(t *testing.T, db *sqlstore.DB, clock *vigiltest.Clock) {
		svc := sqlstore.NewMissingService(db)
		admin := vigiltest.As(t, db, "admin") // control-room manager and missing coordinator
		e, err := svc.Report(admin, report(sharedChild(t, db), clock.Now(), vigil.RiskHigh))
		if err != nil {
			t.Fatal(err)
		}
		_, err = svc.Ratify(admin, e.ID, true, "", "", e.Version)
		if vigil.ErrorCode(err) != vigil.EFORBIDDEN {
			t.Fatalf("the grader ratifying: %v", err)
		}
		// A regrading by the control-room manager can be ratified by the
		// admin, but not by the manager.
		crm := vigiltest.As(t, db, "control.manager")
		if e, err = svc.Grade(crm, e.ID, vigil.Grading{Level: vigil.RiskMedium, Rationale: "Seen on CCTV with a school friend"}, e.Version); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Ratify(crm, e.ID, true, "", "", e.Version); vigil.ErrorCode(err) != vigil.EFORBIDDEN {
			t.Fatalf("the regrader ratifying: %v", err)
		}
		if e, err = svc.Ratify(admin, e.ID, false, vigil.RiskHigh, "The friend is 19 and known to us", e.Version); err != nil {
			t.Fatal(err)
		}
		if e.Risk != vigil.RiskHigh || len(e.Gradings) != 2 || e.Gradings[1].RatifiedLevel != vigil.RiskHigh {
			t.Fatalf("after changing the grading: %+v", e)
		}
	})
}

// TestPartnerSeesOnlySharedEpisodes: a partner-agency user lists and reads
// only episodes of children shared with their agency.
func TestPartnerSeesOnlySharedEpisodes(t *testing.T) {
	forEachMissing(t, func(t *testing.T, db *sqlstore.DB, clock *vigiltest.Clock) {
		svc := sqlstore.NewMissingService(db)
		ch := vigiltest.As(t, db, "call.handler")
		shared, err := svc.Report(ch, report(sharedChild(t, db), clock.Now(), vigil.RiskLow))
		if err != nil {
			t.Fatal(err)
		}
		other, err := svc.Report(ch, report(notShared(t, db), clock.Now(), vigil.RiskLow))
		if err != nil {
			t.Fatal(err)
		}
		sw := vigiltest.As(t, db, "social.worker")
		seenBySW, err := svc.Episode(sw, shared.ID)
		if err != nil {
			t.Fatalf("reading a shared child's episode: %v", err)
		}
		// The reporter's contact details stay with the police.
		if shared.ReporterContact == "" || shared.IsWithheld(vigil.FieldReporterContact) {
			t.Fatalf("the call handler does not see the reporter's contact: %+v", shared)
		}
		if seenBySW.ReporterContact != "" || !seenBySW.IsWithheld(vigil.FieldReporterContact) ||
			seenBySW.ReporterName != shared.ReporterName {
			t.Errorf("the social worker sees contact %q (withheld %v), reporter %q", seenBySW.ReporterContact,
				seenBySW.Withheld, seenBySW.ReporterName)
		}
		// Partners are told "not found": not even that it exists.
		if _, err := svc.Episode(sw, other.ID); vigil.ErrorCode(err) != vigil.ENOTFOUND {
			t.Fatalf("reading an unshared child's episode: %v", err)
		}
		page, err := svc.Episodes(sw, vigil.EpisodeFilter{PageRequest: vigil.PageRequest{Limit: vigil.MaxPageSize}})
		if err != nil {
			t.Fatal(err)
		}
		var seen []int64
		for _, e := range page.Items {
			seen = append(seen, e.ID)
		}
		if !slices.Contains(seen, shared.ID) || slices.Contains(seen, other.ID) {
			t.Fatalf("the social worker lists %v; want %d and not %d", seen, shared.ID, other.ID)
		}
		for _, e := range page.Items {
			if e.ReporterContact != "" {
				t.Errorf("the social worker's list shows episode %d's reporter contact", e.ID)
			}
			if _, err := sqlstore.NewChildService(db).Child(sw, e.ChildID); err != nil {
				t.Fatalf("listed episode %d of child %d the social worker cannot read: %v", e.ID, e.ChildID, err)
			}
		}
		// Partners cannot report or grade.
		if _, err := svc.Report(sw, report(shared.ChildID, clock.Now(), vigil.RiskLow)); vigil.ErrorCode(err) != vigil.EFORBIDDEN {
			t.Fatalf("a partner reporting: %v", err)
		}
	})
}

// TestBadInputChangesNothing: dates out of order, an unknown risk level and
// "absent" are refused with a field error, a second open episode as a
// conflict naming child_id, and nothing is written.
func TestBadInputChangesNothing(t *testing.T) {
	forEachMissing(t, func(t *testing.T, db *sqlstore.DB, clock *vigiltest.Clock) {
		svc := sqlstore.NewMissingService(db)
		ch := vigiltest.As(t, db, "call.handler")
		child := sharedChild(t, db)
		count := func() int {
			p, err := svc.Episodes(vigiltest.As(t, db, "gold.chair"), vigil.EpisodeFilter{ChildID: child, PageRequest: vigil.PageRequest{Limit: vigil.MaxPageSize}})
			if err != nil {
				t.Fatal(err)
			}
			return len(p.Items)
		}
		before := count()
		now := clock.Now()
		cases := map[string]func(r *vigil.NewReport){
			"last_seen_at":  func(r *vigil.NewReport) { r.LastSeenAt = now.Add(time.Hour) },
			"grading.level": func(r *vigil.NewReport) { r.Grading.Level = "severe" },
			"absent":        func(r *vigil.NewReport) { r.Grading.Level = vigil.RiskNoApparentRisk },
			"reported_at":   func(r *vigil.NewReport) { r.ReportedAt = now.Add(time.Hour) },
			"born":          func(r *vigil.NewReport) { r.LastSeenAt = time.Date(1990, 1, 1, 0, 0, 0, 0, time.UTC) },
		}
		for name, mutate := range cases {
			r := report(child, now, vigil.RiskMedium)
			mutate(&r)
			_, err := svc.Report(ch, r)
			if vigil.ErrorCode(err) != vigil.EINVALID || len(fieldErrs(err)) == 0 {
				t.Errorf("%s: %v", name, err)
			}
		}
		if n := count(); n != before {
			t.Fatalf("refused reports wrote %d episodes", n-before)
		}
		e, err := svc.Report(ch, report(child, now, vigil.RiskMedium))
		if err != nil {
			t.Fatal(err)
		}
		_, err = svc.Report(ch, report(child, now.Add(time.Minute), vigil.RiskMedium))
		if fe := fieldErrs(err); vigil.ErrorCode(err) != vigil.ECONFLICT || fe["child_id"] == "" {
			t.Fatalf("a second open episode: %v", err)
		}
		// Found before the child went missing.
		_, err = svc.Found(ch, e.ID, vigil.FoundDetails{At: now.Add(-3 * time.Hour), Place: "Home"}, e.Version)
		if vigil.ErrorCode(err) != vigil.EINVALID {
			t.Fatalf("found before last seen: %v", err)
		}
		// A stale version is refused.
		if _, err := svc.Grade(ch, e.ID, vigil.Grading{Level: vigil.RiskHigh, Rationale: "More worried now"}, e.Version-1); vigil.ErrorCode(err) != vigil.ECONFLICT {
			t.Fatalf("stale regrade: %v", err)
		}
		got, _ := svc.Episode(ch, e.ID)
		if got.Status != vigil.EpisodeOpen || got.Version != e.Version || len(got.Gradings) != 1 {
			t.Fatalf("refused steps changed the episode: %+v", got)
		}
	})
}

// TestRepeatChildrenAndPlans: the third report within 90 days makes a
// child repeat-missing; a plan takes them off the "without a plan" list.
func TestRepeatChildrenAndPlans(t *testing.T) {
	forEachMissing(t, func(t *testing.T, db *sqlstore.DB, clock *vigiltest.Clock) {
		svc := sqlstore.NewMissingService(db)
		coord := vigiltest.As(t, db, "missing.ashvale")
		child := sharedChild(t, db)
		noPlan := func() bool {
			page, err := svc.RepeatChildren(coord, vigil.RepeatFilter{NoPlan: true, PageRequest: vigil.PageRequest{Limit: vigil.MaxPageSize}})
			if err != nil {
				t.Fatal(err)
			}
			return slices.ContainsFunc(page.Items, func(c vigil.RepeatChild) bool { return c.ChildID == child })
		}
		episode := func() {
			t.Helper()
			now := clock.Now()
			e, err := svc.Report(coord, report(child, now, vigil.RiskLow))
			if err != nil {
				t.Fatal(err)
			}
			clock.Advance(3 * time.Hour)
			if _, err := svc.Found(coord, e.ID, vigil.FoundDetails{At: clock.Now(), Place: "Ashvale town centre"}, e.Version); err != nil {
				t.Fatal(err)
			}
		}
		episode()
		clock.Advance(40 * 24 * time.Hour)
		episode()
		if noPlan() {
			t.Fatal("two episodes make a child repeat-missing")
		}
		clock.Advance(45 * 24 * time.Hour)
		episode()
		if !noPlan() {
			t.Fatal("the third episode within 90 days does not make the child repeat-missing")
		}
		// A plan with bad input is refused, and changes nothing.
		_, err := svc.SavePlan(coord, vigil.Plan{ChildID: child, StrategyMeetingAt: clock.Now(), ReviewAt: clock.Now().Add(-time.Hour)})
		if fe := fieldErrs(err); fe["review_at"] == "" || fe["agencies"] == "" || fe["actions"] == "" {
			t.Fatalf("bad plan: %v", err)
		}
		if !noPlan() {
			t.Fatal("a refused plan counted")
		}
		p, err := svc.SavePlan(coord, vigil.Plan{ChildID: child, StrategyMeetingAt: clock.Now(), ReviewAt: clock.Now().Add(28 * 24 * time.Hour),
			Agencies: []int64{1, 4}, Summary: "Return home interviews by one worker; school to report absences the same morning",
			Actions: []vigil.PlanAction{{Action: "Share the Philomena profile with the control room", Owner: "Residential home manager"}}})
		if err != nil {
			t.Fatal(err)
		}
		if noPlan() {
			t.Fatal("a child with a plan is still listed without one")
		}
		// Past its review date, the plan shows up.
		clock.Advance(29 * 24 * time.Hour)
		page, err := svc.RepeatChildren(coord, vigil.RepeatFilter{PastReview: true, PageRequest: vigil.PageRequest{Limit: vigil.MaxPageSize}})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.ContainsFunc(page.Items, func(c vigil.RepeatChild) bool { return c.PlanID == p.ID && c.PlanOverdue }) {
			t.Fatalf("the plan past its review is not listed: %+v", page.Items)
		}
	})
}

// fieldErrs is an error's field errors by field.
func fieldErrs(err error) map[string]string {
	out := map[string]string{}
	for _, f := range vigil.ErrorFields(err) {
		out[f.Field] = f.Message
	}
	return out
}

// TestDashboardFiguresMatchTheirLists: on the demo's years of episodes,
// every dashboard figure counts exactly the episodes its list shows, on
// both engines, for the force and for one LPA.
func TestDashboardFiguresMatchTheirLists(t *testing.T) {
	forEachMissing(t, func(t *testing.T, db *sqlstore.DB, clock *vigiltest.Clock) {
		svc := sqlstore.NewMissingService(db)
		ctx := vigiltest.AsSystem(t, db)
		to := vigil.MonthStart(vigil.MonthOf(clock.Now())).AddDate(0, 1, 0)
		from := to.AddDate(-1, 0, 0)
		count := func(f vigil.EpisodeFilter) int {
			t.Helper()
			n := 0
			f.From, f.To, f.Limit = from, to, vigil.MaxPageSize
			for {
				page, err := svc.Episodes(ctx, f)
				if err != nil {
					t.Fatalf("%s: %v", f.Figure, err)
				}
				n += len(page.Items)
				if page.Next == "" {
					return n
				}
				f.Cursor = page.Next
			}
		}
		for _, lpa := range []int64{0, 2} {
			d, err := svc.Dashboard(ctx, vigil.DashboardFilter{LPAID: lpa, From: from, To: to})
			if err != nil {
				t.Fatal(err)
			}
			if d.Episodes < 100 {
				t.Fatalf("LPA %d: only %d episodes in the last year of the demo", lpa, d.Episodes)
			}
			checks := map[string][2]int{
				"reported":          {d.Episodes, count(vigil.EpisodeFilter{LPAID: lpa, Figure: "reported"})},
				"time_missing":      {d.TimeMissing.Count, count(vigil.EpisodeFilter{LPAID: lpa, Figure: "time_missing"})},
				"prevention_met":    {d.Prevention.WithinTarget, count(vigil.EpisodeFilter{LPAID: lpa, Figure: "prevention_met"})},
				"prevention_missed": {d.Prevention.Count - d.Prevention.WithinTarget, count(vigil.EpisodeFilter{LPAID: lpa, Figure: "prevention_missed"})},
				"rhi_offered":       {d.RHIOffered.Met, count(vigil.EpisodeFilter{LPAID: lpa, Figure: "rhi_offered"})},
				"rhi_not_offered":   {d.RHIOffered.Of - d.RHIOffered.Met, count(vigil.EpisodeFilter{LPAID: lpa, Figure: "rhi_not_offered"})},
				"rhi_completed":     {d.RHICompleted.Met, count(vigil.EpisodeFilter{LPAID: lpa, Figure: "rhi_completed"})},
				"rhi_not_completed": {d.RHICompleted.Of - d.RHICompleted.Met, count(vigil.EpisodeFilter{LPAID: lpa, Figure: "rhi_not_completed"})},
			}
			open := 0
			for _, r := range d.Deploy {
				checks["deploy_met "+string(r.Risk)] = [2]int{r.WithinTarget, count(vigil.EpisodeFilter{LPAID: lpa, Figure: "deploy_met", Risk: r.Risk})}
				checks["deploy_missed "+string(r.Risk)] = [2]int{r.Count - r.WithinTarget,
					count(vigil.EpisodeFilter{LPAID: lpa, Figure: "deploy_missed", Risk: r.Risk})}
			}
			for _, r := range vigil.RiskLevels {
				open += d.Open[r]
			}
			f := vigil.EpisodeFilter{LPAID: lpa, Figure: "open", PageRequest: vigil.PageRequest{Limit: vigil.MaxPageSize}}
			page, err := svc.Episodes(ctx, f)
			if err != nil {
				t.Fatal(err)
			}
			checks["open"] = [2]int{open, len(page.Items)}
			for name, c := range checks {
				if c[0] != c[1] {
					t.Errorf("LPA %d: figure %s counts %d, its list shows %d", lpa, name, c[0], c[1])
				}
			}
			// Ratification counts gradings; its list shows episodes, each
			// with at least one grading counted.
			for _, r := range d.Ratify {
				if n := count(vigil.EpisodeFilter{LPAID: lpa, Figure: "ratify_missed", Risk: r.Risk}); n > r.Count-r.WithinTarget || (r.Count > r.WithinTarget) != (n > 0) {
					t.Errorf("LPA %d: %s ratified late: figure %d, list %d", lpa, r.Risk, r.Count-r.WithinTarget, n)
				}
			}
		}
	})
}
