package demo

import (
	"errors"
	"fmt"
	"os"
	"reflect"
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/vigilcp/vigil/internal/language"
	"github.com/vigilcp/vigil/internal/vigil"
)

// The seeds the shape tests run with: the shape must hold for any seed,
// not one lucky one.
var shapeSeeds = []uint64{1, 2, 3, 42}

func episodes(t testing.TB, cfg Config) (*Org, []EpisodeData) {
	t.Helper()
	o := Build(cfg)
	var out []EpisodeData
	if err := o.Episodes(cfg, func(e EpisodeData) error { out = append(out, e); return nil }); err != nil {
		t.Fatal(err)
	}
	return o, out
}

func plans(t testing.TB, o *Org, cfg Config) []Plan {
	t.Helper()
	var out []Plan
	if err := o.Plans(cfg, func(p Plan) error { out = append(out, p); return nil }); err != nil {
		t.Fatal(err)
	}
	return out
}

func firstEpisodes(t *testing.T, cfg Config, n int) []EpisodeData {
	t.Helper()
	stop := errors.New("enough")
	var out []EpisodeData
	err := Build(cfg).Episodes(cfg, func(e EpisodeData) error {
		out = append(out, e)
		if len(out) == n {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) {
		t.Fatalf("Episodes did not stop at the first error: %v", err)
	}
	return out
}

func TestEpisodesDeterministic(t *testing.T) {
	cfg := Config{Seed: 7, Scale: Small, AsOf: asOf}
	a, b := firstEpisodes(t, cfg, 500), firstEpisodes(t, cfg, 500)
	if !reflect.DeepEqual(a, b) {
		t.Fatal("two runs with one seed give different episodes")
	}
	c := firstEpisodes(t, Config{Seed: 8, Scale: Small, AsOf: asOf}, 500)
	if reflect.DeepEqual(a, c) {
		t.Fatal("different seeds give the same episodes")
	}
	o := Build(cfg)
	if !reflect.DeepEqual(plans(t, o, cfg), plans(t, o, cfg)) {
		t.Fatal("two runs of plans with one seed differ")
	}
}

func TestEpisodesSameOnAnyNumberOfCores(t *testing.T) {
	cfg := Config{Seed: 11, Scale: Small, AsOf: asOf}
	_, parallel := episodes(t, cfg)
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	_, sequential := episodes(t, cfg)
	if !reflect.DeepEqual(parallel, sequential) {
		t.Fatal("episodes differ between one core and several")
	}
}

// childFacts are the children as Children yields them.
func childFacts(t *testing.T, o *Org, cfg Config) []vigil.Child {
	t.Helper()
	var cs []vigil.Child
	if err := o.Children(cfg, func(c vigil.Child, _ ChildLinks) error { cs = append(cs, c); return nil }); err != nil {
		t.Fatal(err)
	}
	return cs
}

func median(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}

// delays are the ratification and deployment delays of a set of episodes
// by LPA (0 Ashvale, 1 Marlcombe) and by risk index (very low .. high).
type delays struct {
	ratify, deploy [2][4][]time.Duration
}

func measureDelays(eps []EpisodeData) delays {
	var d delays
	for _, e := range eps {
		ep := e.Episode
		li := int(ep.LPAID - 1)
		for _, g := range ep.Gradings {
			if g.RatifiedAt != nil {
				ri := riskIndex(g.Level)
				d.ratify[li][ri] = append(d.ratify[li][ri], g.RatifiedAt.Sub(g.GradedAt))
			}
		}
		if ep.DeployedAt != nil {
			ri := riskIndex(ep.Gradings[0].Level)
			d.deploy[li][ri] = append(d.deploy[li][ri], ep.DeployedAt.Sub(ep.ReportedAt))
		}
	}
	return d
}

func all(xs [4][]time.Duration) []time.Duration {
	var out []time.Duration
	for _, x := range xs {
		out = append(out, x...)
	}
	return out
}

func TestEpisodesSmallShape(t *testing.T) {
	for _, seed := range shapeSeeds {
		t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) {
			cfg := Config{Seed: seed, Scale: Small, AsOf: asOf}
			o, eps := episodes(t, cfg)
			checkShape(t, o, cfg, childFacts(t, o, cfg), eps)
		})
	}
}

func checkShape(t *testing.T, o *Org, cfg Config, cs []vigil.Child, eps []EpisodeData) {
	t.Helper()
	if len(eps) != EpisodeCount(cfg) || len(eps) != 1200 {
		t.Fatalf("%d episodes at small scale, want %d", len(eps), EpisodeCount(cfg))
	}
	start := cfg.AsOf.AddDate(-HistoryYears(cfg), 0, -1)
	callHandler, manager := o.UserID("call.handler"), o.UserID("control.manager")
	coordinators := []int64{o.UserID("missing.ashvale"), o.UserID("missing.marlcombe")}
	missingTeam, responders := map[int64]int64{}, map[int64]map[int64]bool{}
	for _, tm := range o.Teams {
		switch tm.Kind {
		case vigil.TeamMissingPersons:
			missingTeam[tm.LPAID] = tm.ID
		case vigil.TeamResponse:
			responders[tm.LPAID] = map[int64]bool{}
			for _, p := range o.People {
				if p.TeamID == tm.ID {
					responders[tm.LPAID][p.ID] = true
				}
			}
		}
	}

	byChild := map[int64][]vigil.Episode{}
	risk := map[vigil.RiskLevel]int{}
	var teens, found, in24h, in72h, over72h, nmpu, openNow, awaiting, overdue int
	var regraded, changed, deployedVeryLow, veryLow int
	var prevented, preventedOnTime, offered, rhiOnTime, declined int
	for i, e := range eps {
		ep := e.Episode
		if ep.ID != int64(i+1) {
			t.Fatalf("episode %d has id %d", i, ep.ID)
		}
		if i > 0 && ep.ReportedAt.Before(eps[i-1].Episode.ReportedAt) {
			t.Errorf("episode %d reported before episode %d", ep.ID, ep.ID-1)
		}
		// Nothing after the as-of day, nothing before the history.
		for _, at := range episodeTimes(e) {
			if at.After(cfg.AsOf) {
				t.Errorf("episode %d has a time %s after the as-of day", ep.ID, at)
			}
			if at.Before(start) {
				t.Errorf("episode %d has a time %s before the history starts", ep.ID, at)
			}
		}
		// The child.
		if ep.ChildID < 1 || ep.ChildID > int64(o.ChildCount) {
			t.Fatalf("episode %d: child %d is not a demo child", ep.ID, ep.ChildID)
		}
		c := cs[ep.ChildID-1]
		if ep.LPAID != c.LPAID || ep.TeamID != missingTeam[c.LPAID] {
			t.Errorf("episode %d: LPA %d team %d, child's LPA %d", ep.ID, ep.LPAID, ep.TeamID, c.LPAID)
		}
		age := vigil.AgeOn(c.DateOfBirth, ep.ReportedAt)
		if age < 10 || age > 17 || !ep.LastSeenAt.After(c.DateOfBirth) {
			t.Errorf("episode %d: child aged %d (born %s)", ep.ID, age, c.DateOfBirth.Format(time.DateOnly))
		}
		if age >= 12 {
			teens++
		}
		byChild[ep.ChildID] = append(byChild[ep.ChildID], ep)
		// Order of events.
		if !ep.LastSeenAt.Before(ep.ReportedAt) {
			t.Errorf("episode %d: last seen %s, reported %s", ep.ID, ep.LastSeenAt, ep.ReportedAt)
		}
		// Gradings: the call handler's first; ratified by the control-room
		// manager, never by the grader.
		if len(ep.Gradings) == 0 || ep.Gradings[0].GradedBy != callHandler {
			t.Fatalf("episode %d: first grading is not the call handler's: %+v", ep.ID, ep.Gradings)
		}
		if len(ep.Gradings) > 1 {
			regraded++
		}
		for j, g := range ep.Gradings {
			if !g.Level.Gradable() || g.Rationale == "" || g.GradedAt.Before(ep.ReportedAt) || !g.ReviewBy.After(g.GradedAt) {
				t.Errorf("episode %d grading %d: %+v", ep.ID, j, g)
			}
			if j > 0 && (g.GradedBy != coordinators[ep.LPAID-1] || !g.GradedAt.After(ep.Gradings[j-1].GradedAt)) {
				t.Errorf("episode %d regrading %d by %d at %s", ep.ID, j, g.GradedBy, g.GradedAt)
			}
			if g.RatifiedAt == nil {
				continue
			}
			if g.RatifiedBy == g.GradedBy || g.RatifiedBy != manager || g.RatifiedAt.Before(g.GradedAt) {
				t.Errorf("episode %d grading %d: graded by %d, ratified by %d at %s", ep.ID, j, g.GradedBy, g.RatifiedBy, g.RatifiedAt)
			}
			if (g.RatifiedLevel != g.Level) != (g.RatifyReason != "") || !g.RatifiedLevel.Gradable() {
				t.Errorf("episode %d grading %d: %s ratified as %s with reason %q", ep.ID, j, g.Level, g.RatifiedLevel, g.RatifyReason)
			}
			if g.RatifiedLevel != g.Level {
				changed++
			}
		}
		if last := ep.Gradings[len(ep.Gradings)-1]; ep.Risk != inForce(last) {
			t.Errorf("episode %d: risk %s, last grading in force %s", ep.ID, ep.Risk, inForce(last))
		}
		risk[ep.Risk]++
		// Deployment.
		if ep.Gradings[0].Level == vigil.RiskVeryLow {
			veryLow++
			if ep.DeployedAt != nil {
				deployedVeryLow++
			}
		}
		if ep.DeployedAt != nil {
			if !ep.DeployedAt.After(ep.ReportedAt) || ep.FoundAt != nil && !ep.DeployedAt.Before(*ep.FoundAt) || len(ep.DeployedTo) == 0 {
				t.Errorf("episode %d: deployed at %s to %v", ep.ID, ep.DeployedAt, ep.DeployedTo)
			}
			for _, p := range ep.DeployedTo {
				if !responders[ep.LPAID][p] {
					t.Errorf("episode %d: deployed person %d is not in the LPA's response team", ep.ID, p)
				}
			}
		}
		// Status and follow-up.
		switch ep.Status {
		case vigil.EpisodeOpen:
			if ep.FoundAt != nil || ep.ClosedAt != nil {
				t.Errorf("open episode %d is found or closed", ep.ID)
			}
			openNow++
			if cfg.AsOf.Sub(ep.ReportedAt) > 72*time.Hour && ep.NMPUSentAt == nil {
				t.Logf("open episode %d: missing over 72 hours and not yet notified", ep.ID)
			}
			continue
		case vigil.EpisodeFound:
			if ep.FoundAt == nil || ep.ClosedAt != nil {
				t.Errorf("found episode %d: found %v closed %v", ep.ID, ep.FoundAt, ep.ClosedAt)
			}
			if cfg.AsOf.Sub(*ep.FoundAt) < 31*24*time.Hour {
				awaiting++
			}
			if ep.PreventionAt == nil && cfg.AsOf.Sub(*ep.FoundAt) > 72*time.Hour ||
				ep.RHICompletedAt == nil && ep.RHIDeclinedAt == nil && cfg.AsOf.Sub(*ep.FoundAt) > 72*time.Hour {
				overdue++
			}
		case vigil.EpisodeClosed:
			if ep.FoundAt == nil || ep.ClosedAt == nil || ep.ClosedAt.Before(*ep.FoundAt) || ep.ClosedBy == 0 || ep.CheckedBy == 0 || ep.ClosedBy == ep.CheckedBy {
				t.Errorf("closed episode %d: %+v", ep.ID, ep)
			}
		default:
			t.Fatalf("episode %d: status %q", ep.ID, ep.Status)
		}
		if cfg.AsOf.Sub(ep.ReportedAt) > 120*24*time.Hour && ep.Status != vigil.EpisodeClosed {
			t.Errorf("episode %d reported %s is still %s", ep.ID, ep.ReportedAt.Format(time.DateOnly), ep.Status)
		}
		missing := ep.FoundAt.Sub(ep.ReportedAt)
		if missing <= 0 || ep.FoundPlace == "" || ep.FoundBy == "" || ep.Condition == "" {
			t.Errorf("episode %d: found %s after the report at %q by %q", ep.ID, missing, ep.FoundPlace, ep.FoundBy)
		}
		found++
		if missing <= 24*time.Hour {
			in24h++
		}
		if missing <= 72*time.Hour {
			in72h++
		} else {
			over72h++
		}
		if ep.NMPUSentAt != nil {
			if missing <= 72*time.Hour || ep.NMPUSentAt.Before(ep.ReportedAt.Add(72*time.Hour)) || ep.NMPUSentAt.After(*ep.FoundAt) {
				t.Errorf("episode %d: missing %s, notified at %s", ep.ID, missing, ep.NMPUSentAt)
			}
			nmpu++
		}
		if ep.PreventionAt != nil {
			if ep.PreventionAt.Before(*ep.FoundAt) {
				t.Errorf("episode %d: prevention interview before the return", ep.ID)
			}
			prevented++
			if ep.PreventionAt.Sub(*ep.FoundAt) <= 72*time.Hour {
				preventedOnTime++
			}
		}
		if ep.RHIOfferedAt != nil {
			offered++
			if ep.RHIOfferedAt.Before(*ep.FoundAt) || ep.RHICompletedAt != nil && ep.RHICompletedAt.Before(*ep.RHIOfferedAt) ||
				ep.RHIDeclinedAt != nil && (ep.RHIDeclinedAt.Before(*ep.RHIOfferedAt) || ep.RHICompletedAt != nil) {
				t.Errorf("episode %d: return interview offered %v declined %v completed %v", ep.ID, ep.RHIOfferedAt, ep.RHIDeclinedAt, ep.RHICompletedAt)
			}
			if ep.RHIDeclinedAt != nil {
				declined++
			}
			if ep.RHICompletedAt != nil && ep.RHICompletedAt.Sub(*ep.FoundAt) <= 72*time.Hour {
				rhiOnTime++
			}
		} else if ep.RHICompletedAt != nil || ep.RHIDeclinedAt != nil {
			t.Errorf("episode %d: return interview never offered but completed or declined", ep.ID)
		}
		// The timeline.
		for j, n := range e.Notes {
			if n.By == 0 || n.Text == "" || n.At.Before(ep.ReportedAt) || j > 0 && n.At.Before(e.Notes[j-1].At) ||
				!slices.Contains([]string{NoteEnquiry, NoteAction, NoteReview, NoteUpdate}, n.Kind) {
				t.Errorf("episode %d note %d: %+v", ep.ID, j, n)
			}
		}
	}

	t.Run("children never overlap", func(t *testing.T) {
		for child, es := range byChild {
			for j := 1; j < len(es); j++ {
				prev, next := es[j-1], es[j]
				if prev.FoundAt == nil {
					t.Errorf("child %d: episode %d still open when episode %d starts", child, prev.ID, next.ID)
				} else if !next.LastSeenAt.After(*prev.FoundAt) {
					t.Errorf("child %d: episode %d last seen %s before episode %d ended %s", child, next.ID, next.LastSeenAt, prev.ID, prev.FoundAt)
				}
			}
		}
	})
	t.Run("mostly teenagers", func(t *testing.T) {
		if share := float64(teens) / float64(len(eps)); share < 0.85 {
			t.Errorf("%.0f%% of episodes are of children aged 12 to 17, want most", 100*share)
		}
	})
	t.Run("a few children, many episodes", func(t *testing.T) {
		counts := make([]int, 0, len(byChild))
		for _, es := range byChild {
			counts = append(counts, len(es))
		}
		slices.Sort(counts)
		slices.Reverse(counts)
		top := 0
		for _, n := range counts[:len(counts)/10] {
			top += n
		}
		if share := float64(top) / float64(len(eps)); share < 0.40 {
			t.Errorf("the top 10%% of %d missing children have %.0f%% of the episodes, want at least 40%%", len(counts), 100*share)
		}
	})
	t.Run("medium the largest risk group", func(t *testing.T) {
		for _, l := range vigil.RiskLevels {
			if l != vigil.RiskMedium && risk[l] >= risk[vigil.RiskMedium] {
				t.Errorf("risk mix %v: %s is not below medium", risk, l)
			}
		}
		share := func(l vigil.RiskLevel) float64 { return float64(risk[l]) / float64(len(eps)) }
		if share(vigil.RiskVeryLow) < 0.05 || share(vigil.RiskVeryLow) > 0.16 || share(vigil.RiskLow) < 0.22 || share(vigil.RiskLow) > 0.38 ||
			share(vigil.RiskMedium) < 0.36 || share(vigil.RiskMedium) > 0.52 || share(vigil.RiskHigh) < 0.10 || share(vigil.RiskHigh) > 0.22 {
			t.Errorf("risk mix %v is far from 10/30/45/15", risk)
		}
		if regraded == 0 || changed == 0 {
			t.Errorf("%d episodes regraded, %d gradings changed at ratification: want some of each", regraded, changed)
		}
	})
	t.Run("Marlcombe slower than Ashvale", func(t *testing.T) {
		d := measureDelays(eps)
		for _, k := range []struct {
			name               string
			ashvale, marlcombe []time.Duration
			target             time.Duration
		}{
			{"ratification, high", d.ratify[0][3], d.ratify[1][3], 30 * time.Minute},
			{"ratification, medium", d.ratify[0][2], d.ratify[1][2], time.Hour},
			{"deployment, high", d.deploy[0][3], d.deploy[1][3], time.Hour},
			{"deployment, medium", d.deploy[0][2], d.deploy[1][2], 2 * time.Hour},
			{"ratification, all", all(d.ratify[0]), all(d.ratify[1]), 0},
			{"deployment, all", all(d.deploy[0]), all(d.deploy[1]), 0},
		} {
			a, m := median(k.ashvale), median(k.marlcombe)
			if m <= a {
				t.Errorf("%s: median Marlcombe %s, Ashvale %s; want Marlcombe slower", k.name, m, a)
			}
			if k.target > 0 && (a > k.target || m <= k.target) {
				t.Errorf("%s: median Ashvale %s, Marlcombe %s; want Ashvale within the target %s and Marlcombe beyond it", k.name, a, m, k.target)
			}
		}
		if float64(deployedVeryLow) > 0.4*float64(veryLow) {
			t.Errorf("%d of %d very low risk episodes deployed; want most not", deployedVeryLow, veryLow)
		}
	})
	t.Run("time missing", func(t *testing.T) {
		day, three := float64(in24h)/float64(found), float64(in72h)/float64(found)
		if day < 0.68 || day > 0.82 || three < 0.85 || three > 0.96 {
			t.Errorf("%.0f%% back within a day and %.0f%% within 72 hours; want about 75%% and 92%%", 100*day, 100*three)
		}
		if float64(nmpu) < 0.7*float64(over72h) {
			t.Errorf("%d of %d episodes over 72 hours notified to the UK Missing Persons Unit; want most", nmpu, over72h)
		}
	})
	t.Run("follow-up after return", func(t *testing.T) {
		share := func(n int) float64 { return float64(n) / float64(found) }
		if share(preventedOnTime) < 0.7 || prevented == preventedOnTime || share(prevented) > 0.97 {
			t.Errorf("prevention interviews: %d of %d, %d within 72 hours; want most on time, some late, some missing", prevented, found, preventedOnTime)
		}
		if share(offered) < 0.78 || share(offered) > 0.92 || share(rhiOnTime) < 0.5 || share(rhiOnTime) > 0.7 || declined == 0 {
			t.Errorf("return interviews: %d offered, %d completed within 72 hours, %d declined, of %d returns; want about 85%%, 60%% and some",
				offered, rhiOnTime, declined, found)
		}
	})
	t.Run("work queues have content", func(t *testing.T) {
		if openNow < 2 || openNow > 20 {
			t.Errorf("%d episodes open on the as-of day; want a handful", openNow)
		}
		if awaiting == 0 || overdue == 0 {
			t.Errorf("%d found in the last month awaiting follow-up, %d overdue; want some of each", awaiting, overdue)
		}
	})
	t.Run("criticised phrases, and only there", func(t *testing.T) {
		checker, err := language.NewChecker(language.Default())
		if err != nil {
			t.Fatal(err)
		}
		flagged := 0
		for _, e := range eps {
			var found []string
			for _, text := range episodeTexts(e) {
				for _, f := range checker.Check(text) {
					found = append(found, f.EntryID)
				}
			}
			if len(found) == 0 {
				continue
			}
			flagged++
			if len(found) != 1 || found[0] != "missing-through-choice" && found[0] != "deliberately-missing" {
				t.Errorf("episode %d: the language checker found %v", e.Episode.ID, found)
			}
		}
		if flagged < 2 || flagged != len(eps)/200 {
			t.Errorf("%d episodes use the criticised phrases; want one in 200 (%d)", flagged, len(eps)/200)
		}
	})
}

// episodeTimes are every time an episode records.
func episodeTimes(e EpisodeData) []time.Time {
	ep := e.Episode
	ts := []time.Time{ep.ReportedAt, ep.LastSeenAt}
	for _, p := range []*time.Time{ep.DeployedAt, ep.FoundAt, ep.NMPUSentAt, ep.PreventionAt, ep.RHIOfferedAt, ep.RHIDeclinedAt, ep.RHICompletedAt, ep.ClosedAt} {
		if p != nil {
			ts = append(ts, *p)
		}
	}
	for _, g := range ep.Gradings {
		ts = append(ts, g.GradedAt)
		if g.RatifiedAt != nil {
			ts = append(ts, *g.RatifiedAt)
		}
	}
	for _, n := range e.Notes {
		ts = append(ts, n.At)
	}
	return ts
}

// episodeTexts are every free text an episode records.
func episodeTexts(e EpisodeData) []string {
	ep := e.Episode
	xs := []string{ep.ReporterRelation, ep.LastSeenPlace, ep.Circumstances, ep.DescriptionClothing, ep.FoundPlace, ep.FoundBy,
		ep.Condition, ep.HarmSuffered, ep.PreventionDisclosures, ep.RHINotes}
	xs = append(xs, ep.ExploitationIndicators...)
	for _, g := range ep.Gradings {
		xs = append(xs, g.Rationale, g.RatifyReason)
	}
	for _, n := range e.Notes {
		xs = append(xs, n.Text)
	}
	return xs
}

// repeatSince returns, for each child, the report that first made them
// repeat-missing: the third within 90 calendar days.
func repeatSince(eps []EpisodeData) map[int64]time.Time {
	reports := map[int64][]time.Time{}
	out := map[int64]time.Time{}
	for _, e := range eps {
		id, at := e.Episode.ChildID, e.Episode.ReportedAt
		rs := append(reports[id], at)
		reports[id] = rs
		if _, ok := out[id]; !ok && len(rs) >= 3 {
			first := rs[len(rs)-3]
			d1 := time.Date(first.Year(), first.Month(), first.Day(), 0, 0, 0, 0, time.UTC)
			d3 := time.Date(at.Year(), at.Month(), at.Day(), 0, 0, 0, 0, time.UTC)
			if d3.Sub(d1) <= 90*24*time.Hour {
				out[id] = at
			}
		}
	}
	return out
}

func TestPlansForRepeatChildren(t *testing.T) {
	for _, seed := range shapeSeeds {
		cfg := Config{Seed: seed, Scale: Small, AsOf: asOf}
		o, eps := episodes(t, cfg)
		ps := plans(t, o, cfg)
		repeat := repeatSince(eps)
		checker, err := language.NewChecker(language.Default())
		if err != nil {
			t.Fatal(err)
		}
		pastReview, futureReview := 0, 0
		for i, p := range ps {
			since, ok := repeat[p.ChildID]
			if !ok {
				t.Errorf("seed %d: plan for child %d, who is not repeat-missing", seed, p.ChildID)
				continue
			}
			if i > 0 && p.ChildID <= ps[i-1].ChildID {
				t.Errorf("seed %d: plans out of child order at %d", seed, p.ChildID)
			}
			if !p.StrategyMeetingAt.After(since) || p.StrategyMeetingAt.After(cfg.AsOf) || !p.ReviewAt.After(p.StrategyMeetingAt) {
				t.Errorf("seed %d: child %d repeat since %s, meeting %s, review %s", seed, p.ChildID, since, p.StrategyMeetingAt, p.ReviewAt)
			}
			if p.ReviewAt.Before(cfg.AsOf) {
				pastReview++
			} else {
				futureReview++
			}
			if len(p.Agencies) < 2 || len(p.Actions) < 3 || p.CreatedBy == 0 {
				t.Errorf("seed %d: thin plan %+v", seed, p)
			}
			for _, a := range p.Agencies {
				if a < 1 || a > int64(len(o.Agencies)) {
					t.Errorf("seed %d: plan for child %d names agency %d", seed, p.ChildID, a)
				}
			}
			for _, a := range p.Actions {
				if a.Action == "" || a.Owner == "" || !a.DueAt.After(p.StrategyMeetingAt) ||
					a.DoneAt != nil && (a.DoneAt.After(cfg.AsOf) || a.DoneAt.Before(p.StrategyMeetingAt)) {
					t.Errorf("seed %d: plan for child %d: action %+v", seed, p.ChildID, a)
				}
				if fs := checker.Check(a.Action + " " + a.Owner); len(fs) > 0 {
					t.Errorf("seed %d: plan action %q: the language checker found %s", seed, a.Action, fs[0].EntryID)
				}
			}
		}
		if pastReview == 0 || futureReview == 0 {
			t.Errorf("seed %d: %d plans past review, %d not; want some of each", seed, pastReview, futureReview)
		}
		if share := float64(len(ps)) / float64(len(repeat)); share < 0.25 || share > 0.75 {
			t.Errorf("seed %d: %d plans for %d repeat children; want about half", seed, len(ps), len(repeat))
		}
	}
}

// TestEpisodesForceShape checks the force scale keeps the shape: the
// count, and the slower LPA.
func TestEpisodesForceShape(t *testing.T) {
	if testing.Short() {
		t.Skip("force scale")
	}
	cfg := Config{Seed: 5, Scale: Force, AsOf: asOf}
	o := Build(cfg)
	n := 0
	var last time.Time
	var sample []EpisodeData
	err := o.Episodes(cfg, func(e EpisodeData) error {
		n++
		if e.Episode.ReportedAt.Before(last) || e.Episode.ReportedAt.After(cfg.AsOf) {
			t.Fatalf("episode %d reported at %s, after %s", e.Episode.ID, e.Episode.ReportedAt, last)
		}
		last = e.Episode.ReportedAt
		if n%5 == 0 {
			e.Notes = nil
			sample = append(sample, e)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n != 25_000 {
		t.Fatalf("%d episodes at force scale, want 25,000", n)
	}
	d := measureDelays(sample)
	if median(all(d.ratify[1])) <= median(all(d.ratify[0])) || median(all(d.deploy[1])) <= median(all(d.deploy[0])) {
		t.Error("Marlcombe is not slower than Ashvale at force scale")
	}
}

// TestSmallFigures logs the figures the small scale produces (go test -v).
func TestSmallFigures(t *testing.T) {
	cfg := Config{Seed: 1, Scale: Small, AsOf: asOf}
	o, eps := episodes(t, cfg)
	risk := map[vigil.RiskLevel]int{}
	status := map[vigil.EpisodeStatus]int{}
	var found, in24h, in48h, in72h int
	for _, e := range eps {
		risk[e.Episode.Risk]++
		status[e.Episode.Status]++
		if f := e.Episode.FoundAt; f != nil {
			found++
			m := f.Sub(e.Episode.ReportedAt)
			in24h += boolInt(m <= 24*time.Hour)
			in48h += boolInt(m <= 48*time.Hour)
			in72h += boolInt(m <= 72*time.Hour)
		}
	}
	t.Logf("%d episodes; risk in force %v; status %v", len(eps), risk, status)
	t.Logf("of %d found: %.1f%% within 24h, %.1f%% within 48h, %.1f%% within 72h", found,
		100*float64(in24h)/float64(found), 100*float64(in48h)/float64(found), 100*float64(in72h)/float64(found))
	d := measureDelays(eps)
	for li, name := range []string{"Ashvale", "Marlcombe"} {
		t.Logf("%-9s median ratification very low/low/medium/high: %v %v %v %v; deployment: %v %v %v %v", name,
			median(d.ratify[li][0]), median(d.ratify[li][1]), median(d.ratify[li][2]), median(d.ratify[li][3]),
			median(d.deploy[li][0]), median(d.deploy[li][1]), median(d.deploy[li][2]), median(d.deploy[li][3]))
	}
	t.Logf("%d repeat children, %d plans", len(repeatSince(eps)), len(plans(t, o, cfg)))
}

// BenchmarkEpisodes generates a whole demo history. National scale (two
// million episodes) runs only with VIGIL_DEMO_NATIONAL=1.
func BenchmarkEpisodes(b *testing.B) {
	scales := []Scale{Small, Force}
	if os.Getenv("VIGIL_DEMO_NATIONAL") != "" {
		scales = append(scales, National)
	}
	for _, sc := range scales {
		b.Run(string(sc), func(b *testing.B) {
			cfg := Config{Seed: 1, Scale: sc, AsOf: asOf}
			o := Build(cfg)
			for b.Loop() {
				n := 0
				if err := o.Episodes(cfg, func(EpisodeData) error { n++; return nil }); err != nil {
					b.Fatal(err)
				}
				if n != EpisodeCount(cfg) {
					b.Fatalf("%d episodes", n)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(EpisodeCount(cfg)), "ns/episode")
		})
	}
}
