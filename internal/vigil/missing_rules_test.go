package vigil

import (
	"fmt"
	"math"
	"slices"
	"testing"
	"time"
	_ "time/tzdata" // the tests do not depend on the host's zone files
)

const milli = time.Millisecond

// rulesT0 is a fixed instant the timing tests count from.
var rulesT0 = time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC)

// rulesAfter returns a pointer to rulesT0 plus d.
func rulesAfter(d time.Duration) *time.Time { x := rulesT0.Add(d); return &x }

// inLondon is a wall-clock time in Europe/London.
func inLondon(y int, m time.Month, d, h, mi int) time.Time {
	return time.Date(y, m, d, h, mi, 0, 0, london)
}

// validationFields lists the fields of a validation error, in order.
func validationFields(err error) []string {
	var got []string
	for _, f := range ErrorFields(err) {
		got = append(got, f.Field)
	}
	return got
}

// checkValidation compares a validation result with the fields expected.
func checkValidation(t *testing.T, name string, err error, want []string) {
	t.Helper()
	if got := validationFields(err); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("%s: fields %v, want %v (%v)", name, got, want, err)
	}
	if want != nil && ErrorCode(err) != EINVALID {
		t.Errorf("%s: code %q, want %q", name, ErrorCode(err), EINVALID)
	}
	if want == nil && err != nil {
		t.Errorf("%s: unexpected error %v", name, err)
	}
}

func TestDefaultTargets(t *testing.T) {
	d := DefaultTargets()
	if err := d.Validate(); err != nil {
		t.Fatalf("defaults invalid: %v", err)
	}
	want := map[string]time.Duration{
		"ratify high": 30 * time.Minute, "ratify medium": time.Hour, "ratify low": 2 * time.Hour, "ratify very low": 4 * time.Hour,
		"deploy high": time.Hour, "deploy medium": 2 * time.Hour, "deploy low": 8 * time.Hour, "deploy very low": 0,
		"review high": time.Hour, "review medium": 4 * time.Hour, "review low": 12 * time.Hour, "review very low": 24 * time.Hour,
		"prevention": 72 * time.Hour,
	}
	got := map[string]time.Duration{
		"ratify high": d.Ratify[RiskHigh], "ratify medium": d.Ratify[RiskMedium], "ratify low": d.Ratify[RiskLow], "ratify very low": d.Ratify[RiskVeryLow],
		"deploy high": d.Deploy[RiskHigh], "deploy medium": d.Deploy[RiskMedium], "deploy low": d.Deploy[RiskLow], "deploy very low": d.Deploy[RiskVeryLow],
		"review high": d.Review[RiskHigh], "review medium": d.Review[RiskMedium], "review low": d.Review[RiskLow], "review very low": d.Review[RiskVeryLow],
		"prevention": d.Prevention,
	}
	for k, w := range want {
		if got[k] != w {
			t.Errorf("%s: %v, want %v", k, got[k], w)
		}
	}
	if d.RepeatEpisodes != 3 || d.RepeatWindow != 90 {
		t.Errorf("repeat: %d in %d days, want 3 in 90", d.RepeatEpisodes, d.RepeatWindow)
	}
	// Each call returns its own maps, so one force's change is not another's.
	d.Ratify[RiskHigh] = time.Minute
	if DefaultTargets().Ratify[RiskHigh] != 30*time.Minute {
		t.Error("DefaultTargets shares its maps between calls")
	}
}

func TestTargetsValidate(t *testing.T) {
	cases := []struct {
		name   string
		change func(t *Targets)
		fields []string
	}{
		{"defaults", func(t *Targets) {}, nil},
		{"ratify high zero", func(t *Targets) { t.Ratify[RiskHigh] = 0 }, []string{"ratify_high"}},
		{"ratify very low missing", func(t *Targets) { delete(t.Ratify, RiskVeryLow) }, []string{"ratify_very_low"}},
		{"no ratify targets", func(t *Targets) { t.Ratify = nil },
			[]string{"ratify_very_low", "ratify_low", "ratify_medium", "ratify_high"}},
		{"deploy very low zero is allowed", func(t *Targets) { t.Deploy[RiskVeryLow] = 0 }, nil},
		{"deploy very low positive is allowed", func(t *Targets) { t.Deploy[RiskVeryLow] = 24 * time.Hour }, nil},
		{"deploy very low negative", func(t *Targets) { t.Deploy[RiskVeryLow] = -time.Minute }, []string{"deploy_very_low"}},
		{"deploy medium zero", func(t *Targets) { t.Deploy[RiskMedium] = 0 }, []string{"deploy_medium"}},
		{"review low negative", func(t *Targets) { t.Review[RiskLow] = -milli }, []string{"review_low"}},
		{"review smallest positive", func(t *Targets) { t.Review[RiskLow] = milli }, nil},
		{"absent level", func(t *Targets) { t.Ratify[RiskNoApparentRisk] = time.Hour }, []string{"ratify"}},
		{"prevention zero", func(t *Targets) { t.Prevention = 0 }, []string{"prevention"}},
		{"threshold 1", func(t *Targets) { t.RepeatEpisodes = 1 }, []string{"repeat_episodes"}},
		{"threshold 2", func(t *Targets) { t.RepeatEpisodes = 2 }, nil},
		{"window 0", func(t *Targets) { t.RepeatWindow = 0 }, []string{"repeat_window_days"}},
		{"window 1", func(t *Targets) { t.RepeatWindow = 1 }, nil},
		{"window 365", func(t *Targets) { t.RepeatWindow = 365 }, nil},
		{"window 366", func(t *Targets) { t.RepeatWindow = 366 }, []string{"repeat_window_days"}},
	}
	for _, tc := range cases {
		tg := DefaultTargets()
		tc.change(&tg)
		checkValidation(t, tc.name, tg.Validate(), tc.fields)
	}
}

// timingWant is what a Timing should be; the test checks every field.
type timingWant struct {
	took, target          time.Duration
	met, pending, overdue bool
	due                   time.Time
	words                 string
}

func checkTiming(t *testing.T, name string, got Timing, w timingWant) {
	t.Helper()
	exp := Timing{Took: w.took, Target: w.target, Met: w.met, Pending: w.pending, Overdue: w.overdue, Due: w.due}
	if got != exp {
		t.Errorf("%s:\n got %+v\nwant %+v", name, got, exp)
	}
	if s := got.Words(); s != w.words {
		t.Errorf("%s: words %q, want %q", name, s, w.words)
	}
}

func TestRatificationTiming(t *testing.T) {
	tg := DefaultTargets()
	cases := []struct {
		name     string
		level    RiskLevel
		ratified *time.Time
		now      time.Time
		want     timingWant
	}{
		{"high at the last millisecond", RiskHigh, rulesAfter(30 * time.Minute), rulesT0.Add(time.Hour),
			timingWant{30 * time.Minute, 30 * time.Minute, true, false, false, rulesT0.Add(30 * time.Minute), "within target"}},
		{"high a millisecond late", RiskHigh, rulesAfter(30*time.Minute + milli), rulesT0.Add(time.Hour),
			timingWant{30*time.Minute + milli, 30 * time.Minute, false, false, false, rulesT0.Add(30 * time.Minute), "late by 1 min"}},
		{"medium late by 42 min", RiskMedium, rulesAfter(time.Hour + 42*time.Minute), rulesT0.Add(5 * time.Hour),
			timingWant{time.Hour + 42*time.Minute, time.Hour, false, false, false, rulesT0.Add(time.Hour), "late by 42 min"}},
		{"low late by 3 h 5 min", RiskLow, rulesAfter(5*time.Hour + 5*time.Minute), rulesT0.Add(6 * time.Hour),
			timingWant{5*time.Hour + 5*time.Minute, 2 * time.Hour, false, false, false, rulesT0.Add(2 * time.Hour), "late by 3 h 5 min"}},
		{"very low early", RiskVeryLow, rulesAfter(time.Minute), rulesT0.Add(time.Hour),
			timingWant{time.Minute, 4 * time.Hour, true, false, false, rulesT0.Add(4 * time.Hour), "within target"}},
		{"high pending, 12 min left", RiskHigh, nil, rulesT0.Add(18 * time.Minute),
			timingWant{18 * time.Minute, 30 * time.Minute, false, true, false, rulesT0.Add(30 * time.Minute), "due in 12 min"}},
		{"high pending at the due instant", RiskHigh, nil, rulesT0.Add(30 * time.Minute),
			timingWant{30 * time.Minute, 30 * time.Minute, false, true, false, rulesT0.Add(30 * time.Minute), "due now"}},
		{"high pending a millisecond after", RiskHigh, nil, rulesT0.Add(30*time.Minute + milli),
			timingWant{30*time.Minute + milli, 30 * time.Minute, false, true, true, rulesT0.Add(30 * time.Minute), "overdue by 1 min"}},
		{"very low overdue by 1 h", RiskVeryLow, nil, rulesT0.Add(5 * time.Hour),
			timingWant{5 * time.Hour, 4 * time.Hour, false, true, true, rulesT0.Add(4 * time.Hour), "overdue by 1 h"}},
		{"imported absent: no target", RiskNoApparentRisk, nil, rulesT0.Add(5 * time.Hour),
			timingWant{0, 0, true, false, false, time.Time{}, "not required"}},
	}
	for _, tc := range cases {
		g := Grading{Level: tc.level, GradedAt: rulesT0, RatifiedAt: tc.ratified}
		checkTiming(t, tc.name, RatificationTiming(g, tg, tc.now), tc.want)
	}
}

func TestDeploymentTiming(t *testing.T) {
	tg := DefaultTargets()
	// Graded high first, then low; listed newest first to show the
	// earliest grading counts, not the first in the list.
	regraded := []Grading{{Level: RiskLow, GradedAt: rulesT0.Add(20 * time.Minute)}, {Level: RiskHigh, GradedAt: rulesT0.Add(time.Minute)}}
	cases := []struct {
		name     string
		gradings []Grading
		risk     RiskLevel
		deployed *time.Time
		found    *time.Time
		now      time.Time
		want     timingWant
	}{
		{"first grading high, deployed at the last millisecond", regraded, RiskLow, rulesAfter(time.Hour), nil, rulesT0.Add(2 * time.Hour),
			timingWant{time.Hour, time.Hour, true, false, false, rulesT0.Add(time.Hour), "within target"}},
		{"first grading high, a millisecond late", regraded, RiskLow, rulesAfter(time.Hour + milli), nil, rulesT0.Add(2 * time.Hour),
			timingWant{time.Hour + milli, time.Hour, false, false, false, rulesT0.Add(time.Hour), "late by 1 min"}},
		{"medium pending", []Grading{{Level: RiskMedium, GradedAt: rulesT0}}, RiskMedium, nil, nil, rulesT0.Add(108 * time.Minute),
			timingWant{108 * time.Minute, 2 * time.Hour, false, true, false, rulesT0.Add(2 * time.Hour), "due in 12 min"}},
		{"medium overdue", []Grading{{Level: RiskMedium, GradedAt: rulesT0}}, RiskMedium, nil, nil, rulesT0.Add(5*time.Hour + 5*time.Minute),
			timingWant{5*time.Hour + 5*time.Minute, 2 * time.Hour, false, true, true, rulesT0.Add(2 * time.Hour), "overdue by 3 h 5 min"}},
		{"very low: none expected", []Grading{{Level: RiskVeryLow, GradedAt: rulesT0}}, RiskVeryLow, nil, nil, rulesT0.Add(48 * time.Hour),
			timingWant{0, 0, true, false, false, time.Time{}, "not required"}},
		{"very low deployed anyway", []Grading{{Level: RiskVeryLow, GradedAt: rulesT0}}, RiskVeryLow, rulesAfter(3 * time.Hour), nil, rulesT0.Add(48 * time.Hour),
			timingWant{3 * time.Hour, 0, true, false, false, time.Time{}, "not required"}},
		{"no gradings: the episode's risk", nil, RiskLow, rulesAfter(8 * time.Hour), nil, rulesT0.Add(9 * time.Hour),
			timingWant{8 * time.Hour, 8 * time.Hour, true, false, false, rulesT0.Add(8 * time.Hour), "within target"}},
		{"found before deployment was due", regraded, RiskLow, nil, rulesAfter(40 * time.Minute), rulesT0.Add(9 * time.Hour),
			timingWant{40 * time.Minute, time.Hour, true, false, false, rulesT0.Add(time.Hour), "within target"}},
		{"still missing and undeployed when due, then found", regraded, RiskLow, nil, rulesAfter(3 * time.Hour), rulesT0.Add(9 * time.Hour),
			timingWant{3 * time.Hour, time.Hour, false, false, false, rulesT0.Add(time.Hour), "late by 2 h"}},
		{"deployed after the find: the find stops the clock", regraded, RiskLow, rulesAfter(4 * time.Hour), rulesAfter(50 * time.Minute), rulesT0.Add(9 * time.Hour),
			timingWant{50 * time.Minute, time.Hour, true, false, false, rulesT0.Add(time.Hour), "within target"}},
	}
	for _, tc := range cases {
		e := Episode{ReportedAt: rulesT0, Risk: tc.risk, Gradings: tc.gradings, DeployedAt: tc.deployed, FoundAt: tc.found}
		checkTiming(t, tc.name, DeploymentTiming(e, tg, tc.now), tc.want)
	}
}

func TestPreventionTiming(t *testing.T) {
	tg := DefaultTargets()
	found := rulesAfter(0)
	cases := []struct {
		name       string
		found, say *time.Time
		now        time.Time
		want       timingWant
	}{
		{"still missing: not started", nil, nil, rulesT0.Add(100 * time.Hour),
			timingWant{0, 72 * time.Hour, false, false, false, time.Time{}, "not started"}},
		{"found, pending", found, nil, rulesT0.Add(71 * time.Hour),
			timingWant{71 * time.Hour, 72 * time.Hour, false, true, false, rulesT0.Add(72 * time.Hour), "due in 1 h"}},
		{"found, overdue", found, nil, rulesT0.Add(100 * time.Hour),
			timingWant{100 * time.Hour, 72 * time.Hour, false, true, true, rulesT0.Add(72 * time.Hour), "overdue by 1 d 4 h"}},
		{"at the last millisecond", found, rulesAfter(72 * time.Hour), rulesT0.Add(100 * time.Hour),
			timingWant{72 * time.Hour, 72 * time.Hour, true, false, false, rulesT0.Add(72 * time.Hour), "within target"}},
		{"a millisecond late", found, rulesAfter(72*time.Hour + milli), rulesT0.Add(100 * time.Hour),
			timingWant{72*time.Hour + milli, 72 * time.Hour, false, false, false, rulesT0.Add(72 * time.Hour), "late by 1 min"}},
	}
	for _, tc := range cases {
		e := Episode{ReportedAt: rulesT0.Add(-5 * time.Hour), FoundAt: tc.found, PreventionAt: tc.say}
		checkTiming(t, tc.name, PreventionTiming(e, tg, tc.now), tc.want)
	}
}

func TestRHITimings(t *testing.T) {
	notStarted := timingWant{0, 72 * time.Hour, false, false, false, time.Time{}, "not started"}
	due := rulesT0.Add(72 * time.Hour)
	cases := []struct {
		name                       string
		found                      *time.Time
		offered, declined, done    *time.Time
		now                        time.Time
		wantOffered, wantCompleted timingWant
	}{
		{"still missing", nil, nil, nil, nil, rulesT0.Add(200 * time.Hour), notStarted, notStarted},
		{"found, nothing yet", rulesAfter(0), nil, nil, nil, rulesT0.Add(60 * time.Hour),
			timingWant{60 * time.Hour, 72 * time.Hour, false, true, false, due, "due in 12 h"},
			timingWant{60 * time.Hour, 72 * time.Hour, false, true, false, due, "due in 12 h"}},
		{"nothing at 72 h and a millisecond", rulesAfter(0), nil, nil, nil, rulesT0.Add(72*time.Hour + milli),
			timingWant{72*time.Hour + milli, 72 * time.Hour, false, true, true, due, "overdue by 1 min"},
			timingWant{72*time.Hour + milli, 72 * time.Hour, false, true, true, due, "overdue by 1 min"}},
		{"offered at 72 h, completed a millisecond after", rulesAfter(0), rulesAfter(72 * time.Hour), nil, rulesAfter(72*time.Hour + milli), rulesT0.Add(200 * time.Hour),
			timingWant{72 * time.Hour, 72 * time.Hour, true, false, false, due, "within target"},
			timingWant{72*time.Hour + milli, 72 * time.Hour, false, false, false, due, "late by 1 min"}},
		{"completed at 72 h", rulesAfter(0), rulesAfter(time.Hour), nil, rulesAfter(72 * time.Hour), rulesT0.Add(200 * time.Hour),
			timingWant{time.Hour, 72 * time.Hour, true, false, false, due, "within target"},
			timingWant{72 * time.Hour, 72 * time.Hour, true, false, false, due, "within target"}},
		{"declined with no offer recorded", rulesAfter(0), nil, rulesAfter(10 * time.Hour), nil, rulesT0.Add(200 * time.Hour),
			timingWant{10 * time.Hour, 72 * time.Hour, true, false, false, due, "within target"},
			timingWant{0, 0, true, false, false, time.Time{}, "not required"}},
		{"offered late, declined", rulesAfter(0), rulesAfter(80 * time.Hour), rulesAfter(81 * time.Hour), nil, rulesT0.Add(200 * time.Hour),
			timingWant{80 * time.Hour, 72 * time.Hour, false, false, false, due, "late by 8 h"},
			timingWant{0, 0, true, false, false, time.Time{}, "not required"}},
		{"declined, then completed", rulesAfter(0), rulesAfter(time.Hour), rulesAfter(2 * time.Hour), rulesAfter(90 * time.Hour), rulesT0.Add(200 * time.Hour),
			timingWant{time.Hour, 72 * time.Hour, true, false, false, due, "within target"},
			timingWant{90 * time.Hour, 72 * time.Hour, false, false, false, due, "late by 18 h"}},
	}
	for _, tc := range cases {
		e := Episode{ReportedAt: rulesT0.Add(-time.Hour), FoundAt: tc.found, RHIOfferedAt: tc.offered, RHIDeclinedAt: tc.declined, RHICompletedAt: tc.done}
		o, c := RHITimings(e, tc.now)
		checkTiming(t, tc.name+" (offered)", o, tc.wantOffered)
		checkTiming(t, tc.name+" (completed)", c, tc.wantCompleted)
	}
}

func TestReviewDue(t *testing.T) {
	review := rulesT0.Add(4 * time.Hour)
	gradings := []Grading{
		{Level: RiskHigh, GradedAt: rulesT0, ReviewBy: rulesT0.Add(time.Hour)},
		{Level: RiskMedium, GradedAt: rulesT0.Add(30 * time.Minute), ReviewBy: review},
	}
	cases := []struct {
		name    string
		change  func(e *Episode)
		now     time.Time
		due     time.Time
		overdue bool
	}{
		{"the latest grading's review, before it", func(e *Episode) {}, rulesT0.Add(2 * time.Hour), review, false},
		{"at the review time", func(e *Episode) {}, review, review, false},
		{"a millisecond after", func(e *Episode) {}, review.Add(milli), review, true},
		{"gradings listed newest first", func(e *Episode) { slices.Reverse(e.Gradings) }, review.Add(milli), review, true},
		{"found", func(e *Episode) { e.FoundAt = rulesAfter(3 * time.Hour) }, review.Add(time.Hour), time.Time{}, false},
		{"closed", func(e *Episode) { e.Status = EpisodeClosed }, review.Add(time.Hour), time.Time{}, false},
		{"no gradings", func(e *Episode) { e.Gradings = nil }, review.Add(time.Hour), time.Time{}, false},
		{"no review time", func(e *Episode) { e.Gradings = []Grading{{Level: RiskLow, GradedAt: rulesT0}} }, review.Add(time.Hour), time.Time{}, false},
	}
	for _, tc := range cases {
		e := Episode{Status: EpisodeOpen, ReportedAt: rulesT0, Gradings: slices.Clone(gradings)}
		tc.change(&e)
		due, overdue := ReviewDue(e, tc.now)
		if !due.Equal(tc.due) || overdue != tc.overdue {
			t.Errorf("%s: %v %v, want %v %v", tc.name, due, overdue, tc.due, tc.overdue)
		}
	}
}

func TestNMPUNotification(t *testing.T) {
	dueAt := rulesT0.Add(72 * time.Hour)
	cases := []struct {
		name        string
		found, sent *time.Time
		now         time.Time
		due         bool
	}{
		{"missing 71 h", nil, nil, rulesT0.Add(71 * time.Hour), false},
		{"missing exactly 72 h", nil, nil, dueAt, false},
		{"missing 72 h and a millisecond", nil, nil, dueAt.Add(milli), true},
		{"found at exactly 72 h", rulesAfter(72 * time.Hour), nil, dueAt.Add(100 * time.Hour), false},
		{"found a millisecond after 72 h, not sent", rulesAfter(72*time.Hour + milli), nil, dueAt.Add(100 * time.Hour), true},
		{"sent", nil, rulesAfter(73 * time.Hour), dueAt.Add(100 * time.Hour), false},
		{"found late and sent", rulesAfter(80 * time.Hour), rulesAfter(81 * time.Hour), dueAt.Add(100 * time.Hour), false},
	}
	for _, tc := range cases {
		// Last seen five days before the report: the 72 hours still run
		// from the report.
		e := Episode{ReportedAt: rulesT0, LastSeenAt: rulesT0.Add(-120 * time.Hour), FoundAt: tc.found, NMPUSentAt: tc.sent}
		due, at := NMPUNotification(e, tc.now)
		if due != tc.due || !at.Equal(dueAt) {
			t.Errorf("%s: %v at %v, want %v at %v", tc.name, due, at, tc.due, dueAt)
		}
	}
}

func TestTimingWords(t *testing.T) {
	d := rulesT0 // any non-zero Due
	cases := []struct {
		timing Timing
		words  string
	}{
		{Timing{}, "not started"},
		{Timing{Target: time.Hour}, "not started"},
		{Timing{Met: true}, "not required"},
		{Timing{Took: time.Hour, Met: true}, "not required"},
		{Timing{Took: time.Hour, Target: time.Hour, Met: true, Due: d}, "within target"},
		{Timing{Took: time.Hour + milli, Target: time.Hour, Due: d}, "late by 1 min"},
		{Timing{Took: time.Hour + 59*time.Second, Target: time.Hour, Due: d}, "late by 1 min"},
		{Timing{Took: time.Hour + time.Minute, Target: time.Hour, Due: d}, "late by 1 min"},
		{Timing{Took: time.Hour + time.Minute + milli, Target: time.Hour, Due: d}, "late by 2 min"},
		{Timing{Took: 2 * time.Hour, Target: time.Hour, Due: d}, "late by 1 h"},
		{Timing{Took: 2*time.Hour + milli, Target: time.Hour, Due: d}, "late by 1 h 1 min"},
		{Timing{Took: 24*time.Hour + time.Hour - 30*time.Second, Target: time.Hour, Due: d}, "late by 1 d"},
		{Timing{Took: 25 * time.Hour, Target: time.Hour, Due: d}, "late by 1 d"},
		{Timing{Took: 25*time.Hour + milli, Target: time.Hour, Due: d}, "late by 1 d 1 h"},
		{Timing{Took: 51*time.Hour + 30*time.Minute, Target: 2 * time.Hour, Due: d}, "late by 2 d 2 h"},
		{Timing{Took: 0, Target: 30 * time.Hour, Pending: true, Due: d}, "due in 1 d 6 h"},
		{Timing{Took: 30 * time.Minute, Target: 31*time.Hour + 29*time.Minute, Pending: true, Due: d}, "due in 1 d 6 h"},
		{Timing{Took: 10 * time.Minute, Target: time.Hour, Pending: true, Due: d}, "due in 50 min"},
		{Timing{Took: 10*time.Minute + milli, Target: time.Hour, Pending: true, Due: d}, "due in 49 min"},
		{Timing{Took: 59*time.Minute - milli, Target: time.Hour, Pending: true, Due: d}, "due in 1 min"},
		{Timing{Took: 59*time.Minute + milli, Target: time.Hour, Pending: true, Due: d}, "due now"},
		{Timing{Took: time.Hour, Target: time.Hour, Pending: true, Due: d}, "due now"},
		{Timing{Took: time.Hour + milli, Target: time.Hour, Pending: true, Overdue: true, Due: d}, "overdue by 1 min"},
		{Timing{Took: 4*time.Hour + 5*time.Minute, Target: time.Hour, Pending: true, Overdue: true, Due: d}, "overdue by 3 h 5 min"},
	}
	for _, tc := range cases {
		if got := tc.timing.Words(); got != tc.words {
			t.Errorf("%+v: %q, want %q", tc.timing, got, tc.words)
		}
	}
}

func TestRepeatWindowStart(t *testing.T) {
	cases := []struct {
		name   string
		latest time.Time
		days   int
		want   time.Time
	}{
		{"1 June, 90 days: 3 March", inLondon(2026, 6, 1, 10, 0), 90, inLondon(2026, 3, 3, 0, 0)},
		// 00:30 BST on 1 June is 23:30 UTC on 31 May: the London date counts.
		{"just after London midnight in summer", time.Date(2026, 5, 31, 23, 30, 0, 0, time.UTC), 90,
			time.Date(2026, 3, 3, 0, 0, 0, 0, time.UTC)},
		// Across the October change the window starts at midnight BST,
		// 23:00 UTC the day before.
		{"1 December, 90 days: 2 September, in BST", time.Date(2026, 12, 1, 0, 30, 0, 0, time.UTC), 90,
			time.Date(2026, 9, 1, 23, 0, 0, 0, time.UTC)},
		{"the same day", inLondon(2026, 7, 4, 23, 59), 0, inLondon(2026, 7, 4, 0, 0)},
		{"across a year end", inLondon(2027, 1, 15, 9, 0), 30, inLondon(2026, 12, 16, 0, 0)},
	}
	for _, tc := range cases {
		if got := RepeatWindowStart(tc.latest, tc.days); !got.Equal(tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want.In(london))
		}
	}
}

func TestRepeatMissing(t *testing.T) {
	tg := DefaultTargets()
	latest := inLondon(2026, 6, 1, 12, 0)
	mid := inLondon(2026, 4, 20, 8, 0)
	day90 := inLondon(2026, 3, 3, 0, 0) // the first instant of the window
	day91 := day90.Add(-milli)          // 23:59:59.999 on 2 March

	// A latest report just after midnight BST: a 24-hour count would put
	// the window's start at 23:30 UTC on 2 March, an hour into the London
	// day before the window.
	summer := time.Date(2026, 5, 31, 23, 30, 0, 0, time.UTC) // 00:30 BST, 1 June
	// A latest report in GMT with the window starting in BST.
	winter := time.Date(2026, 12, 1, 0, 30, 0, 0, time.UTC)

	cases := []struct {
		name    string
		reports []time.Time
		change  func(t *Targets)
		want    bool
	}{
		{"third on day 90", []time.Time{day90, mid, latest}, nil, true},
		{"third on day 91", []time.Time{day91, mid, latest}, nil, false},
		{"third on day 90, late in the day", []time.Time{inLondon(2026, 3, 3, 23, 59), mid, latest}, nil, true},
		{"unsorted", []time.Time{mid, latest, day90}, nil, true},
		{"unsorted, out", []time.Time{latest, day91, mid}, nil, false},
		{"two only", []time.Time{mid, latest}, nil, false},
		{"none", nil, nil, false},
		{"zero times ignored", []time.Time{{}, {}, mid, latest}, nil, false},
		{"duplicate counts once", []time.Time{mid, mid, latest}, nil, false},
		{"duplicate in another zone counts once", []time.Time{mid, mid.UTC(), latest}, nil, false},
		{"duplicates and a third", []time.Time{latest, mid, day90, mid, latest}, nil, true},
		{"older reports outside do not count", []time.Time{inLondon(2025, 1, 1, 0, 0), day91, mid, latest}, nil, false},
		{"four in the window", []time.Time{day90, inLondon(2026, 3, 10, 0, 0), mid, latest}, nil, true},
		{"the latest report ends the window, whatever now", []time.Time{day90, mid, latest}, nil, true},
		{"threshold 4", []time.Time{day90, mid, latest}, func(t *Targets) { t.RepeatEpisodes = 4 }, false},
		{"threshold 2, window 1 day", []time.Time{inLondon(2026, 5, 31, 0, 0), latest}, func(t *Targets) { t.RepeatEpisodes, t.RepeatWindow = 2, 1 }, true},
		{"threshold 2, window 1 day, out", []time.Time{inLondon(2026, 5, 30, 23, 59), latest}, func(t *Targets) { t.RepeatEpisodes, t.RepeatWindow = 2, 1 }, false},

		// Across the March change (BST from 29 March 2026).
		{"March change: 90 days of 24 h is still day 91", []time.Time{time.Date(2026, 3, 2, 23, 30, 0, 0, time.UTC), mid, summer}, nil, false},
		{"March change: London midnight is day 90", []time.Time{time.Date(2026, 3, 3, 0, 0, 0, 0, time.UTC), mid, summer}, nil, true},
		// Across the October change (GMT from 25 October 2026).
		{"October change: 00:30 BST on 2 September is day 90", []time.Time{time.Date(2026, 9, 1, 23, 30, 0, 0, time.UTC), inLondon(2026, 10, 30, 9, 0), winter}, nil, true},
		{"October change: 23:59 BST on 1 September is day 91", []time.Time{time.Date(2026, 9, 1, 22, 59, 59, 999e6, time.UTC), inLondon(2026, 10, 30, 9, 0), winter}, nil, false},
	}
	for _, tc := range cases {
		tg := tg
		tg.RepeatEpisodes, tg.RepeatWindow = 3, 90
		if tc.change != nil {
			tc.change(&tg)
		}
		in := slices.Clone(tc.reports)
		if got := RepeatMissing(tc.reports, tg); got != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
		if !slices.Equal(in, tc.reports) {
			t.Errorf("%s: the input was changed", tc.name)
		}
	}
}

func TestNewReportValidate(t *testing.T) {
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	dob := time.Date(2012, 7, 1, 0, 0, 0, 0, time.UTC)
	ok := NewReport{
		ChildID: 7, ReportedAt: now.Add(-10 * time.Minute), ReporterName: "Sam Carter", LastSeenAt: now.Add(-3 * time.Hour),
		Circumstances: "Did not come home from school.", LPAID: 2,
		Grading: Grading{Level: RiskMedium, Factors: []string{"exploitation", "associates"}, Rationale: "Seen with older males."},
	}
	cases := []struct {
		name   string
		change func(r *NewReport)
		dob    time.Time
		fields []string
	}{
		{"valid", func(r *NewReport) {}, dob, nil},
		{"valid with no factors and no date of birth", func(r *NewReport) { r.Grading.Factors = nil }, time.Time{}, nil},
		{"empty", func(r *NewReport) { *r = NewReport{} }, dob,
			[]string{"child_id", "reported_at", "last_seen_at", "reporter_name", "circumstances", "lpa_id", "risk", "rationale"}},
		{"blank text", func(r *NewReport) { r.ReporterName, r.Circumstances, r.Grading.Rationale = " ", "\n\t", "  " }, dob,
			[]string{"reporter_name", "circumstances", "rationale"}},
		{"reporter name too long", func(r *NewReport) { r.ReporterName = string(make([]byte, 201)) }, dob, []string{"reporter_name"}},
		{"reported at the clock skew", func(r *NewReport) { r.ReportedAt = now.Add(5 * time.Minute) }, dob, nil},
		{"reported a millisecond beyond it", func(r *NewReport) { r.ReportedAt = now.Add(5*time.Minute + milli) }, dob, []string{"reported_at"}},
		{"last seen in the future", func(r *NewReport) { r.LastSeenAt, r.ReportedAt = now.Add(time.Hour), now.Add(time.Hour) }, dob,
			[]string{"reported_at", "last_seen_at"}},
		{"last seen at the report", func(r *NewReport) { r.LastSeenAt = r.ReportedAt }, dob, nil},
		{"last seen a millisecond after the report", func(r *NewReport) { r.LastSeenAt = r.ReportedAt.Add(milli) }, dob, []string{"last_seen_at"}},
		{"last seen before birth", func(r *NewReport) { r.LastSeenAt = time.Date(2012, 6, 30, 12, 0, 0, 0, time.UTC) }, dob, []string{"last_seen_at"}},
		// The order of the two times is not checked while one is wrong.
		{"reported before birth", func(r *NewReport) { r.ReportedAt = time.Date(2011, 1, 1, 0, 0, 0, 0, time.UTC) }, dob,
			[]string{"reported_at"}},
		// Born 1 July: 00:30 BST on 1 July is 23:30 UTC on 30 June, but it
		// is the birthday in London; 23:59 BST on 30 June is not.
		{"last seen on the day of birth, London time", func(r *NewReport) { r.LastSeenAt = time.Date(2012, 6, 30, 23, 30, 0, 0, time.UTC) }, dob, nil},
		{"last seen the London day before birth", func(r *NewReport) { r.LastSeenAt = time.Date(2012, 6, 30, 22, 59, 0, 0, time.UTC) }, dob,
			[]string{"last_seen_at"}},
		{"no child", func(r *NewReport) { r.ChildID = 0 }, dob, []string{"child_id"}},
		{"no LPA", func(r *NewReport) { r.LPAID = -1 }, dob, []string{"lpa_id"}},
		{"graded absent", func(r *NewReport) { r.Grading.Level = RiskNoApparentRisk }, dob, []string{"risk"}},
		{"unknown level", func(r *NewReport) { r.Grading.Level = "urgent" }, dob, []string{"risk"}},
		{"no level", func(r *NewReport) { r.Grading.Level = "" }, dob, []string{"risk"}},
		{"unknown factor", func(r *NewReport) { r.Grading.Factors = []string{"medical", "lifestyle choice"} }, dob, []string{"factors"}},
		{"factor twice", func(r *NewReport) { r.Grading.Factors = []string{"medical", "medical"} }, dob, []string{"factors"}},
	}
	for _, tc := range cases {
		r := ok
		r.Grading.Factors = slices.Clone(ok.Grading.Factors)
		tc.change(&r)
		checkValidation(t, tc.name, r.Validate(tc.dob, now), tc.fields)
	}
}

func TestValidateGrading(t *testing.T) {
	ok := Grading{Level: RiskHigh, Factors: []string{"self_harm"}, Rationale: "Texted a friend about ending it.",
		GradedAt: rulesT0, GradedBy: 4, ReviewBy: rulesT0.Add(time.Hour)}
	cases := []struct {
		name   string
		change func(g *Grading)
		fields []string
	}{
		{"valid", func(g *Grading) {}, nil},
		{"every factor", func(g *Grading) {
			g.Factors = nil
			for _, f := range RiskFactors {
				g.Factors = append(g.Factors, f.ID)
			}
		}, nil},
		{"absent", func(g *Grading) { g.Level = RiskNoApparentRisk }, []string{"risk"}},
		{"no rationale", func(g *Grading) { g.Rationale = "" }, []string{"rationale"}},
		{"review at the grading", func(g *Grading) { g.ReviewBy = g.GradedAt }, nil},
		{"review before the grading", func(g *Grading) { g.ReviewBy = g.GradedAt.Add(-milli) }, []string{"review_by"}},
		{"ratified by someone else", func(g *Grading) { g.RatifiedAt, g.RatifiedBy, g.RatifiedLevel = rulesAfter(time.Minute), 5, RiskMedium }, nil},
		{"ratified by the grader", func(g *Grading) { g.RatifiedAt, g.RatifiedBy, g.RatifiedLevel = rulesAfter(time.Minute), 4, RiskHigh }, []string{"ratified_by"}},
		{"ratified as absent", func(g *Grading) {
			g.RatifiedAt, g.RatifiedBy, g.RatifiedLevel = rulesAfter(time.Minute), 5, RiskNoApparentRisk
		}, []string{"ratified_level"}},
		{"ratified before graded", func(g *Grading) { g.RatifiedAt, g.RatifiedBy, g.RatifiedLevel = rulesAfter(-milli), 5, RiskHigh }, []string{"ratified_at"}},
	}
	for _, tc := range cases {
		g := ok
		tc.change(&g)
		checkValidation(t, tc.name, ValidateGrading(g), tc.fields)
	}
}

func TestValidateFound(t *testing.T) {
	e := Episode{Status: EpisodeOpen, LastSeenAt: rulesT0.Add(-2 * time.Hour), ReportedAt: rulesT0}
	now := rulesT0.Add(3 * time.Hour)
	cases := []struct {
		name   string
		at     time.Time
		place  string
		fields []string
	}{
		{"valid", rulesT0.Add(time.Hour), "Home address", nil},
		{"at the report", rulesT0, "Home address", nil},
		{"a millisecond before the report", rulesT0.Add(-milli), "Home address", []string{"found_at"}},
		{"before the last sighting", rulesT0.Add(-3 * time.Hour), "Home address", []string{"found_at"}},
		{"at the clock skew", now.Add(5 * time.Minute), "Home address", nil},
		{"a millisecond beyond it", now.Add(5*time.Minute + milli), "Home address", []string{"found_at"}},
		{"no time, no place", time.Time{}, " ", []string{"found_at", "found_place"}},
	}
	for _, tc := range cases {
		checkValidation(t, tc.name, ValidateFound(e, FoundDetails{At: tc.at, Place: tc.place}, now), tc.fields)
	}
}

func TestEpisodesOverlap(t *testing.T) {
	ep := func(id int64, lastSeen time.Duration, found *time.Time) Episode {
		return Episode{ID: id, LastSeenAt: rulesT0.Add(lastSeen), FoundAt: found}
	}
	cases := []struct {
		name string
		a, b Episode
		want bool
	}{
		{"two open episodes", ep(1, 0, nil), ep(2, 48*time.Hour, nil), true},
		{"found, then missing again at the same instant", ep(1, 0, rulesAfter(10*time.Hour)), ep(2, 10*time.Hour, nil), false},
		{"missing again a millisecond before the find", ep(1, 0, rulesAfter(10*time.Hour)), ep(2, 10*time.Hour-milli, nil), true},
		{"an open episode starting before a closed one", ep(1, time.Hour, rulesAfter(10*time.Hour)), ep(2, 0, nil), true},
		{"closed, apart", ep(1, 0, rulesAfter(time.Hour)), ep(2, 2*time.Hour, rulesAfter(3*time.Hour)), false},
		{"closed, one inside the other", ep(1, 0, rulesAfter(10*time.Hour)), ep(2, 2*time.Hour, rulesAfter(3*time.Hour)), true},
		{"closed, crossing", ep(1, 0, rulesAfter(10*time.Hour)), ep(2, 9*time.Hour, rulesAfter(11*time.Hour)), true},
		{"the same episode", ep(1, 0, nil), ep(1, 0, nil), false},
		{"two new episodes (no IDs yet)", ep(0, 0, nil), ep(0, time.Hour, nil), true},
	}
	for _, tc := range cases {
		if got := EpisodesOverlap(tc.a, tc.b); got != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
		if got := EpisodesOverlap(tc.b, tc.a); got != tc.want {
			t.Errorf("%s, swapped: %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestSummarise(t *testing.T) {
	m := time.Minute
	cases := []struct {
		name      string
		durations []time.Duration
		target    time.Duration
		want      DelayStats
	}{
		{"none", nil, time.Hour, DelayStats{}},
		{"one", []time.Duration{10 * m}, 10 * m, DelayStats{Count: 1, WithinTarget: 1, Median: 10 * m, P90: 10 * m, Share: 1}},
		{"one, a millisecond over", []time.Duration{10*m + milli}, 10 * m, DelayStats{Count: 1, WithinTarget: 0, Median: 10*m + milli, P90: 10*m + milli, Share: 0}},
		// Sorted 10 20 30 40: median rank ⌈2⌉ = 2 → 20; P90 rank ⌈3.6⌉ = 4 → 40.
		{"four", []time.Duration{40 * m, 10 * m, 30 * m, 20 * m}, 25 * m,
			DelayStats{Count: 4, WithinTarget: 2, Median: 20 * m, P90: 40 * m, Share: 0.5}},
		// 1..10 minutes: median rank 5 → 5; P90 rank 9 → 9; 7 of 10 at or under 7.
		{"ten", []time.Duration{7 * m, 3 * m, 10 * m, 1 * m, 9 * m, 2 * m, 8 * m, 4 * m, 6 * m, 5 * m}, 7 * m,
			DelayStats{Count: 10, WithinTarget: 7, Median: 5 * m, P90: 9 * m, Share: 0.7}},
		// 1..11 minutes: median rank ⌈5.5⌉ = 6 → 6; P90 rank ⌈9.9⌉ = 10 → 10.
		{"eleven", []time.Duration{11 * m, 1 * m, 2 * m, 3 * m, 4 * m, 5 * m, 6 * m, 7 * m, 8 * m, 9 * m, 10 * m}, 0,
			DelayStats{Count: 11, WithinTarget: 0, Median: 6 * m, P90: 10 * m, Share: 0}},
		// Twenty: P90 rank 18. Ties count once each.
		{"twenty with ties", append(slices.Repeat([]time.Duration{time.Hour}, 17), 2*time.Hour, 3*time.Hour, 4*time.Hour), time.Hour,
			DelayStats{Count: 20, WithinTarget: 17, Median: time.Hour, P90: 2 * time.Hour, Share: 0.85}},
	}
	for _, tc := range cases {
		in := slices.Clone(tc.durations)
		if got := Summarise(tc.durations, tc.target); got != tc.want {
			t.Errorf("%s: %+v, want %+v", tc.name, got, tc.want)
		}
		if !slices.Equal(in, tc.durations) {
			t.Errorf("%s: the input was changed", tc.name)
		}
	}
}

// TestBuckets: a delay is within a target exactly when its bucket is, at
// the boundaries of each bucket size.
func TestBuckets(t *testing.T) {
	for _, c := range []struct {
		d    time.Duration
		want int64
	}{
		{0, 0}, {time.Millisecond, 1}, {time.Minute, 1}, {time.Minute + time.Millisecond, 2}, {time.Hour, 60},
		{time.Hour + time.Millisecond, 65}, {2 * time.Hour, 120}, {2*time.Hour + time.Millisecond, 125}, {6 * time.Hour, 360},
		{6*time.Hour + time.Millisecond, 375}, {24 * time.Hour, 1440}, {24*time.Hour + time.Millisecond, 1500},
		{72 * time.Hour, 4320}, {72*time.Hour + time.Millisecond, 4380}, {7 * 24 * time.Hour, 10080},
		{7*24*time.Hour + time.Millisecond, 11520},
	} {
		if got := Bucket(c.d); got != c.want {
			t.Errorf("Bucket(%v) = %d, want %d", c.d, got, c.want)
		}
	}
	for _, target := range []time.Duration{30 * time.Minute, time.Hour, 2 * time.Hour, 4 * time.Hour, 8 * time.Hour, 72 * time.Hour, 25 * time.Minute} {
		if !BucketExact(target) {
			t.Fatalf("%v is not on a bucket boundary", target)
		}
		for _, d := range []time.Duration{target - time.Millisecond, target, target + time.Millisecond} {
			within := time.Duration(Bucket(d))*time.Minute <= target
			if within != (d <= target) {
				t.Errorf("target %v, delay %v: bucket says within=%v", target, d, within)
			}
		}
	}
	for _, d := range []time.Duration{121 * time.Minute, 7*time.Hour + 5*time.Minute, 1441 * time.Minute, 90 * time.Second} {
		if BucketExact(d) {
			t.Errorf("%v should not be on a bucket boundary", d)
		}
	}
	h := map[int64]int{}
	var raw []time.Duration
	for i, d := range []time.Duration{3 * time.Minute, 50 * time.Minute, 61 * time.Minute, 59 * time.Minute, 2 * time.Hour} {
		h[Bucket(d)]++
		raw = append(raw, d)
		_ = i
	}
	got, want := SummariseBuckets(h, time.Hour), Summarise(raw, time.Hour)
	if got.Count != want.Count || got.WithinTarget != want.WithinTarget || got.Median != want.Median || got.P90 != want.P90 {
		t.Errorf("from buckets %+v, from delays %+v", got, want)
	}
	h[NotYet] = 5
	if s := SummariseBuckets(h, time.Hour); s.Count != 10 || s.WithinTarget != 3 || s.P90 != time.Duration(math.MaxInt64) {
		t.Errorf("with five not yet: %+v", s)
	}
}

// TestBucketsRemapFromTheFinerScheme: migration 00008 moves each count
// kept in the earlier buckets (minutes up to two hours, five minutes up to
// a day, hours beyond) to the bucket of its old bucket; that is the bucket
// of every delay the old bucket held.
func TestBucketsRemapFromTheFinerScheme(t *testing.T) {
	old := func(m int64) int64 {
		switch {
		case m <= 120:
			return m
		case m <= 1440:
			return (m + 4) / 5 * 5
		}
		return (m + 59) / 60 * 60
	}
	for m := int64(0); m <= 60*24*60; m++ {
		d := time.Duration(m) * time.Minute
		if got, want := Bucket(time.Duration(old(m))*time.Minute), Bucket(d); got != want {
			t.Fatalf("%d minutes: old bucket %d moves to %d, want %d", m, old(m), got, want)
		}
	}
}
