package vigil

import (
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"
	"time"
)

// This file holds the rules for missing episodes as pure functions: the
// force's default targets, how each step is timed against its target, when
// the national missing persons unit must be told, who is repeat-missing,
// what a report, a grading or a return must contain, and the figures the
// dashboard shows. Every rule takes the time it needs as an argument.

// london is the force's local time, for calendar-day rules. The main
// program embeds time/tzdata, so loading it does not depend on the host.
var london = func() *time.Location {
	l, err := time.LoadLocation("Europe/London")
	if err != nil {
		panic(err) // time/tzdata is embedded by the main package
	}
	return l
}()

// London is the force's local time zone, for calendar days and months.
func London() *time.Location { return london }

// Fixed periods. These two come from national documents; the clock skew is
// ours.
const (
	// RHIWithin is how soon after a child's return a return home interview
	// should be offered and carried out: the statutory DfE guidance (2014)
	// says within 72 hours. Offering is measured against the same 72 hours.
	RHIWithin = 72 * time.Hour
	// NMPUAfter is how long a child may be missing before the NCA UK
	// Missing Persons Unit must be told: the statutory Code of Practice
	// (2009) requires notification of everyone missing over 72 hours.
	NMPUAfter = 72 * time.Hour
	// ClockSkew is how far in the future an entered time may be and still
	// be accepted, for a device clock a little ahead of the server's.
	ClockSkew = 5 * time.Minute
)

// DefaultTargets returns the targets a force starts with. None of them is a
// national rule: the APP sets no timescale for ratification, deployment,
// supervisor review or the prevention interview, and no national threshold
// for repeat missing (domain brief §3). Each is a force setting, and these
// are starting points a force is expected to change.
func DefaultTargets() Targets {
	return Targets{
		// Grading to ratification by a control-room manager. The inspection
		// found managers slow to ratify; a high-risk child "normally
		// requires immediate, intensive action" (APP), so the check that
		// the grading and resources are right comes within half an hour,
		// and the lower the risk the longer it may wait, up to half a shift.
		Ratify: map[RiskLevel]time.Duration{
			RiskHigh:    30 * time.Minute,
			RiskMedium:  time.Hour,
			RiskLow:     2 * time.Hour,
			RiskVeryLow: 4 * time.Hour,
		},
		// Report to deployment. The inspection found officers deployed late
		// depending on risk. High risk needs immediate action, so within an
		// hour; medium within two hours; low within a shift (eight hours).
		// Very low risk expects no deployment (zero), only a review.
		Deploy: map[RiskLevel]time.Duration{
			RiskHigh:    time.Hour,
			RiskMedium:  2 * time.Hour,
			RiskLow:     8 * time.Hour,
			RiskVeryLow: 0,
		},
		// Grading to a supervisor's review. The APP's minimum actions set
		// "a time to review the decisions taken" but no period, and ACPO
		// (2010) asked for review "as soon as practicable". Our choice:
		// hourly for high risk, then about twice a shift, once a shift and
		// once a day.
		Review: map[RiskLevel]time.Duration{
			RiskHigh:    time.Hour,
			RiskMedium:  4 * time.Hour,
			RiskLow:     12 * time.Hour,
			RiskVeryLow: 24 * time.Hour,
		},
		// Return to the police prevention interview. The "within 24 hours"
		// sometimes quoted is not confirmed; 72 hours matches the statutory
		// period for the local authority's return home interview, so both
		// happen while the episode is fresh.
		Prevention: 72 * time.Hour,
		// Three episodes reported within 90 days, the default the issue
		// sets; no national threshold is confirmed (domain brief §3.5).
		RepeatEpisodes: 3,
		RepeatWindow:   90,
	}
}

// Validate checks the targets a force sets, naming each field as the
// settings form does ("ratify_high", "deploy_very_low", "prevention",
// "repeat_episodes", "repeat_window_days"). Ratification and review targets
// must be positive for every risk level; so must deployment, except that
// very low risk may have none (zero: no deployment expected).
func (t Targets) Validate() error {
	var v Validation
	perLevel := func(name, what string, m map[RiskLevel]time.Duration, zeroOK func(RiskLevel) bool) {
		for _, r := range RiskLevels {
			d, ok := m[r]
			field := name + "_" + string(r)
			switch {
			case !ok:
				v.Add(field, "Enter a %s target for %s risk", what, strings.ToLower(r.Label()))
			case d < 0 && zeroOK(r):
				v.Add(field, "The %s target for %s risk cannot be less than zero", what, strings.ToLower(r.Label()))
			case d <= 0 && !zeroOK(r):
				v.Add(field, "The %s target for %s risk must be more than zero", what, strings.ToLower(r.Label()))
			}
		}
		for _, r := range slices.Sorted(maps.Keys(m)) {
			if !r.Gradable() {
				v.Add(name, "There is no risk level %q; use very low, low, medium or high", string(r))
			}
		}
	}
	for name, m := range map[string]map[RiskLevel]time.Duration{"ratify": t.Ratify, "deploy": t.Deploy} {
		for r, d := range m {
			if r.Gradable() && d > 0 && !BucketExact(d) {
				v.Add(name+"_"+string(r), "Give targets in whole minutes up to an hour, in steps of 5 minutes up to 6 hours, of 15 minutes up to a day, and in whole hours beyond")
			}
			if d > 7*24*time.Hour {
				v.Add(name+"_"+string(r), "A target can be at most 7 days")
			}
		}
	}
	if t.Prevention > 0 && !BucketExact(t.Prevention) {
		v.Add("prevention", "Give the prevention interview target in whole minutes up to an hour, in steps of 5 minutes up to 6 hours, of 15 minutes up to a day, and in whole hours beyond")
	}
	never := func(RiskLevel) bool { return false }
	perLevel("ratify", "ratification", t.Ratify, never)
	perLevel("deploy", "deployment", t.Deploy, func(r RiskLevel) bool { return r == RiskVeryLow })
	perLevel("review", "review", t.Review, never)
	if t.Prevention <= 0 {
		v.Add("prevention", "The prevention interview target must be more than zero")
	}
	if t.RepeatEpisodes < 2 {
		v.Add("repeat_episodes", "The repeat threshold must be 2 episodes or more")
	}
	if t.RepeatWindow < 1 || t.RepeatWindow > 365 {
		v.Add("repeat_window_days", "The repeat window must be from 1 to 365 days")
	}
	return v.Err()
}

// Timing is one step of an episode measured against its target. It is in
// one of five states:
//
//   - not required: Target is zero and Met is true (very low risk needs no
//     deployment; a declined return interview cannot be completed);
//   - not started: the step's clock has not started (a prevention interview
//     before the child is found): Due is zero, Met and Pending are false;
//   - pending: the step has not happened yet; Took is the time so far, and
//     Overdue says whether now is past Due;
//   - met: the step happened within its target (Took ≤ Target, so the last
//     millisecond counts as met);
//   - missed: the step happened, or its clock stopped, after Due.
type Timing struct {
	// Took is how long the step took; while it is pending, how long it
	// has been waiting.
	Took time.Duration
	// Target is the step's target; zero when the step is not required.
	Target time.Duration
	Met    bool
	// Pending says the step has not happened yet; Overdue that it is
	// pending and now is past Due.
	Pending bool
	Overdue bool
	// Due is when the step's target runs out; zero when the step is not
	// required or its clock has not started.
	Due time.Time
}

// timing measures a step that started at start and happened at end (nil:
// not yet), against target, at now. A target of zero or less means the step
// is not required.
func timing(start time.Time, end *time.Time, target time.Duration, now time.Time) Timing {
	if target <= 0 {
		t := Timing{Met: true}
		if end != nil {
			t.Took = end.Sub(start)
		}
		return t
	}
	t := Timing{Target: target, Due: start.Add(target)}
	if end != nil {
		t.Took = end.Sub(start)
		t.Met = t.Took <= target
		return t
	}
	t.Pending = true
	t.Took = now.Sub(start)
	t.Overdue = t.Took > target
	return t
}

// RatificationTiming measures a grading's ratification, from GradedAt to
// RatifiedAt, against the force's target for the graded level. A level with
// no target (only the imported "absent" level, as Validate requires the
// others) is not required. The caller chooses which gradings to time: a
// grading superseded before it was ratified stays pending here.
func RatificationTiming(g Grading, t Targets, now time.Time) Timing {
	return timing(g.GradedAt, g.RatifiedAt, t.Ratify[g.Level], now)
}

// firstGrading returns the episode's earliest grading, or false.
func firstGrading(e Episode) (Grading, bool) {
	if len(e.Gradings) == 0 {
		return Grading{}, false
	}
	first := e.Gradings[0]
	for _, g := range e.Gradings[1:] {
		if g.GradedAt.Before(first.GradedAt) {
			first = g
		}
	}
	return first, true
}

// currentGrading returns the grading in force: the latest, and of two made
// at the same instant the later in the list.
func currentGrading(e Episode) (Grading, bool) {
	if len(e.Gradings) == 0 {
		return Grading{}, false
	}
	cur := e.Gradings[0]
	for _, g := range e.Gradings[1:] {
		if !g.GradedAt.Before(cur.GradedAt) {
			cur = g
		}
	}
	return cur, true
}

// DeploymentTiming measures deployment, from ReportedAt to DeployedAt,
// against the force's target for the level the child was first graded
// (the earliest grading's Level, before any ratification or regrading;
// the episode's Risk if it has no gradings). A zero target means no
// deployment is expected: not required.
//
// Deployment is only needed while the child is missing, so the clock also
// stops when the child is found: found within the target without a
// deployment is met (nothing was late), and still missing and undeployed
// when the target ran out is missed, by the time from Due to the find.
// Whether anyone was deployed is the caller's to show from DeployedAt.
func DeploymentTiming(e Episode, t Targets, now time.Time) Timing {
	level := e.Risk
	if g, ok := firstGrading(e); ok {
		level = g.Level
	}
	end := e.DeployedAt
	if e.FoundAt != nil && (end == nil || e.FoundAt.Before(*end)) {
		end = e.FoundAt
	}
	return timing(e.ReportedAt, end, t.Deploy[level], now)
}

// PreventionTiming measures the police prevention interview (safe and well
// check), from FoundAt to PreventionAt, against the force's target. Its
// clock starts when the child is found: before that it is not started.
func PreventionTiming(e Episode, t Targets, now time.Time) Timing {
	if e.FoundAt == nil {
		return Timing{Target: t.Prevention}
	}
	return timing(*e.FoundAt, e.PreventionAt, t.Prevention, now)
}

// RHITimings measures the local authority's return home interview against
// the statutory guidance: offered on every return, and completed within 72
// hours of it. Both are measured from FoundAt against RHIWithin, and both
// are not started until the child is found.
//
// A refusal shows the interview was offered, so a refusal with no offer
// recorded counts as offered when refused. A refused interview that was
// not then completed is not required to be completed.
func RHITimings(e Episode, now time.Time) (offered, completed Timing) {
	if e.FoundAt == nil {
		return Timing{Target: RHIWithin}, Timing{Target: RHIWithin}
	}
	offer := e.RHIOfferedAt
	if offer == nil {
		offer = e.RHIDeclinedAt
	}
	offered = timing(*e.FoundAt, offer, RHIWithin, now)
	if e.RHICompletedAt == nil && e.RHIDeclinedAt != nil {
		return offered, Timing{Met: true}
	}
	return offered, timing(*e.FoundAt, e.RHICompletedAt, RHIWithin, now)
}

// ReviewDue returns when a supervisor must next review the grading in force
// (the latest grading's ReviewBy) and whether now is past it. No review is
// due (zero time, false) once the child is found or the episode closed, or
// when no review time is set.
func ReviewDue(e Episode, now time.Time) (due time.Time, overdue bool) {
	if e.FoundAt != nil || e.Status == EpisodeFound || e.Status == EpisodeClosed {
		return time.Time{}, false
	}
	g, ok := currentGrading(e)
	if !ok || g.ReviewBy.IsZero() {
		return time.Time{}, false
	}
	return g.ReviewBy, now.After(g.ReviewBy)
}

// NMPUNotification says whether the episode must now be notified to the
// NCA UK Missing Persons Unit, and when that became or becomes due. The
// Code of Practice requires notification of everyone missing over 72 hours;
// dueAt is ReportedAt plus NMPUAfter, and notification is due once the
// child has been missing longer than that (not at exactly 72 hours, but a
// millisecond after): while still missing after dueAt, or found after it.
// It stops being due once NMPUSentAt is set.
//
// The 72 hours run from the report, not from the last sighting: the report
// is when the police knew, and the period is the police's to act in. A
// child last seen days before the report would otherwise be overdue on
// arrival, and the time that counts would rest on a reporter's estimate.
func NMPUNotification(e Episode, now time.Time) (due bool, dueAt time.Time) {
	dueAt = e.ReportedAt.Add(NMPUAfter)
	if e.NMPUSentAt != nil {
		return false, dueAt
	}
	end := now
	if e.FoundAt != nil {
		end = *e.FoundAt
	}
	return end.After(dueAt), dueAt
}

// Words says how a step stands against its target, in the short form the
// pages use: "within target", "late by 42 min", "late by 3 h 5 min", "due
// in 12 min", "due now", "overdue by 1 h", "not required", "not started".
//
// Times are whole minutes; from a day upwards, days and whole hours ("late
// by 2 d 3 h"). Lateness is rounded up and time left rounded down, so a
// page never shows a late step as on time or more time left than there is:
// one millisecond late is "late by 1 min", and under a minute left is "due
// now".
func (t Timing) Words() string {
	switch {
	case t.Target == 0 && t.Met:
		return "not required"
	case t.Pending && t.Overdue:
		return "overdue by " + span(t.Took-t.Target, true)
	case t.Pending:
		left := t.Target - t.Took
		if left < time.Minute {
			return "due now"
		}
		return "due in " + span(left, false)
	case t.Met:
		return "within target"
	case t.Due.IsZero():
		return "not started"
	default:
		return "late by " + span(t.Took-t.Target, true)
	}
}

// span writes a positive duration in minutes, hours and days, rounded up
// or down to the unit shown.
func span(d time.Duration, up bool) string {
	round := func(unit time.Duration) time.Duration {
		if up {
			return (d + unit - 1) / unit * unit
		}
		return d / unit * unit
	}
	const day = 24 * time.Hour
	if m := round(time.Minute); m < day {
		h, mins := m/time.Hour, m%time.Hour/time.Minute
		switch {
		case h == 0:
			return fmt.Sprintf("%d min", mins)
		case mins == 0:
			return fmt.Sprintf("%d h", h)
		}
		return fmt.Sprintf("%d h %d min", h, mins)
	}
	h := round(time.Hour)
	days, hours := h/day, h%day/time.Hour
	if hours == 0 {
		return fmt.Sprintf("%d d", days)
	}
	return fmt.Sprintf("%d d %d h", days, hours)
}

// RepeatWindowStart returns the start of a repeat-missing window of days
// calendar days ending on latest's day: midnight in Europe/London at the
// start of the day that is days calendar days before latest's London date.
// With 90 days and latest on 1 June, that is 3 March 00:00. Days are
// calendar days, not 24-hour periods, so a clock change inside the window
// does not move its start by an hour.
func RepeatWindowStart(latest time.Time, days int) time.Time {
	y, m, d := latest.In(london).Date()
	return time.Date(y, m, d-days, 0, 0, 0, 0, london)
}

// RepeatMissing reports whether a child with missing episodes reported at
// these times is repeat-missing under the force's targets: at least
// t.RepeatEpisodes reports fall in the window that ends at the latest report
// and starts at RepeatWindowStart(latest, t.RepeatWindow), both ends
// included. Order does not matter. Zero times are ignored, and reports at
// the same instant count once: one child cannot have two episodes reported
// at the same millisecond, so they are one episode listed twice.
//
// The answer is as at the latest report given; to ask about a past date,
// pass only the reports up to it. t must be valid (see Targets.Validate).
func RepeatMissing(reports []time.Time, t Targets) bool {
	times := make([]time.Time, 0, len(reports))
	for _, r := range reports {
		if !r.IsZero() {
			times = append(times, r)
		}
	}
	if len(times) == 0 {
		return false
	}
	slices.SortFunc(times, func(a, b time.Time) int { return a.Compare(b) })
	times = slices.CompactFunc(times, time.Time.Equal)
	latest := times[len(times)-1]
	start := RepeatWindowStart(latest, t.RepeatWindow)
	n := 0
	for _, r := range times {
		if !r.Before(start) {
			n++
		}
	}
	return n >= t.RepeatEpisodes
}

// londonDate is the Europe/London calendar date of an instant, as a date at
// midnight UTC, for comparing with dates of birth.
func londonDate(t time.Time) time.Time {
	y, m, d := t.In(london).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// dateOnly is a calendar date (a date of birth) as a date at midnight UTC,
// taken from its own fields whatever its location.
func dateOnly(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// checkTime checks an entered instant: present, not more than ClockSkew
// ahead of now, and not before the child's date of birth (compared as
// London calendar dates; a zero dob is not checked).
func checkTime(v *Validation, field, what string, at, dob, now time.Time) bool {
	switch {
	case at.IsZero():
		v.Add(field, "Enter when %s", what)
	case at.After(now.Add(ClockSkew)):
		v.Add(field, "The time %s cannot be in the future", what)
	case !dob.IsZero() && londonDate(at).Before(dateOnly(dob)):
		v.Add(field, "The time %s cannot be before the child's date of birth", what)
	default:
		return true
	}
	return false
}

// validateGrading checks a grading's level, factors and rationale, and
// its ratification if it has one.
func validateGrading(v *Validation, g Grading) {
	switch {
	case g.Level == RiskNoApparentRisk:
		v.Add("risk", "A child cannot be graded \"no apparent risk (absent)\"; select very low, low, medium or high")
	case !g.Level.Gradable():
		v.Add("risk", "Select a risk level: very low, low, medium or high")
	}
	seen := map[string]bool{}
	for _, f := range g.Factors {
		known := slices.ContainsFunc(RiskFactors, func(r RiskFactor) bool { return r.ID == f })
		switch {
		case !known:
			v.Add("factors", "There is no risk factor %q", f)
		case seen[f]:
			v.Add("factors", "The risk factor %q is given twice", f)
		}
		seen[f] = true
	}
	if strings.TrimSpace(g.Rationale) == "" {
		v.Add("rationale", "Enter the reasons for the risk level")
	}
	if !g.ReviewBy.IsZero() && !g.GradedAt.IsZero() && g.ReviewBy.Before(g.GradedAt) {
		v.Add("review_by", "The review time cannot be before the grading")
	}
	if g.RatifiedAt != nil {
		if !g.RatifiedLevel.Gradable() {
			v.Add("ratified_level", "Select a risk level: very low, low, medium or high")
		}
		if g.RatifiedBy != 0 && g.RatifiedBy == g.GradedBy {
			v.Add("ratified_by", "A grading must be ratified by someone other than the person who made it")
		}
		if !g.GradedAt.IsZero() && g.RatifiedAt.Before(g.GradedAt) {
			v.Add("ratified_at", "Ratification cannot be before the grading")
		}
	}
}

// ValidateGrading checks a grading: a level a child may be graded now
// (never "no apparent risk (absent)"), risk factors from RiskFactors, each
// once, and a rationale; a review time not before the grading; and, once
// ratified, a gradable ratified level, a ratifier other than the grader and
// a ratification not before the grading. Fields: risk, factors, rationale,
// review_by, ratified_level, ratified_by, ratified_at.
func ValidateGrading(g Grading) error {
	var v Validation
	validateGrading(&v, g)
	return v.Err()
}

// Validate checks a new missing report, given the child's date of birth
// (zero if not known) and the time now, collecting every problem with the
// report form's field names: child_id, reported_at, last_seen_at,
// reporter_name, circumstances, lpa_id, and the first grading's risk,
// factors and rationale (see ValidateGrading). Times may be up to ClockSkew
// ahead of now, must not be before the child's date of birth, and the child
// must have been last seen no later than the report.
func (r NewReport) Validate(dob, now time.Time) error {
	var v Validation
	if r.ChildID <= 0 {
		v.Add("child_id", "Select the child who is missing")
	}
	reportedOK := checkTime(&v, "reported_at", "it was reported", r.ReportedAt, dob, now)
	lastSeenOK := checkTime(&v, "last_seen_at", "the child was last seen", r.LastSeenAt, dob, now)
	if reportedOK && lastSeenOK && r.LastSeenAt.After(r.ReportedAt) {
		v.Add("last_seen_at", "The time the child was last seen cannot be after the report")
	}
	if strings.TrimSpace(r.ReporterName) == "" {
		v.Add("reporter_name", "Enter the name of the person reporting")
	} else if len(r.ReporterName) > 200 {
		v.Add("reporter_name", "Name must be 200 characters or fewer")
	}
	if strings.TrimSpace(r.Circumstances) == "" {
		v.Add("circumstances", "Enter the circumstances in which the child went missing")
	}
	if r.LPAID <= 0 {
		v.Add("lpa_id", "Select a local policing area")
	}
	validateGrading(&v, r.Grading)
	return v.Err()
}

// ValidateFound checks a child's return against the episode: the time found
// is present, not more than ClockSkew in the future, and not before the
// child was last seen or reported missing; and the place is given. Fields:
// found_at, found_place.
func ValidateFound(e Episode, f FoundDetails, now time.Time) error {
	var v Validation
	switch {
	case f.At.IsZero():
		v.Add("found_at", "Enter when the child was found or returned")
	case f.At.After(now.Add(ClockSkew)):
		v.Add("found_at", "The time found cannot be in the future")
	case f.At.Before(e.LastSeenAt):
		v.Add("found_at", "The time found cannot be before the child was last seen")
	case f.At.Before(e.ReportedAt):
		v.Add("found_at", "The time found cannot be before the child was reported missing")
	}
	if strings.TrimSpace(f.Place) == "" {
		v.Add("found_place", "Enter where the child was found or returned to")
	}
	return v.Err()
}

// EpisodesOverlap reports whether two episodes of one child overlap in
// time, for the rule that a child has no two open episodes and no
// overlapping ones. An episode spans from LastSeenAt up to FoundAt, and is
// open-ended while the child is missing, so two open episodes always
// overlap. The span excludes its end: a child found at 14:00 who goes
// missing again at 14:00 has two episodes that touch but do not overlap.
// An episode does not overlap itself (the same non-zero ID).
func EpisodesOverlap(a, b Episode) bool {
	if a.ID != 0 && a.ID == b.ID {
		return false
	}
	// a starts before b ends, and b starts before a ends.
	before := func(start time.Time, end *time.Time) bool { return end == nil || start.Before(*end) }
	return before(a.LastSeenAt, b.FoundAt) && before(b.LastSeenAt, a.FoundAt)
}

// DelayStats summarise how long a step took across episodes, for the
// dashboard.
type DelayStats struct {
	Count        int           // durations summarised
	WithinTarget int           // of them, at or under the target
	Median, P90  time.Duration // nearest-rank 50th and 90th percentiles
	Share        float64       // WithinTarget / Count, from 0 to 1
}

// Summarise returns the count, the number and share within target (at or
// under it), and the median and 90th percentile of durations, each by the
// nearest-rank method: the value at rank ⌈p × n⌉ of the sorted durations,
// always one of the durations given (so the median of an even count is the
// lower of the middle two, not their mean). No durations give all zeros.
// A target of zero counts only durations of zero or less as within it;
// callers should not show a share for a step with no target. durations is
// not changed.
func Summarise(durations []time.Duration, target time.Duration) DelayStats {
	n := len(durations)
	if n == 0 {
		return DelayStats{}
	}
	sorted := slices.Clone(durations)
	slices.Sort(sorted)
	s := DelayStats{Count: n}
	for _, d := range sorted {
		if d <= target {
			s.WithinTarget++
		}
	}
	rank := func(p int) time.Duration { return sorted[(p*n+99)/100-1] } // ⌈p·n/100⌉, 1-based
	s.Median, s.P90 = rank(50), rank(90)
	s.Share = float64(s.WithinTarget) / float64(n)
	return s
}

// The dashboard counts each step's delays in buckets, kept as each step is
// recorded, so that a year of a force's figures is a few thousand rows and
// not half a million episodes. A bucket is a number of minutes, rounded up:
// to the minute up to an hour, to five minutes up to six hours, to fifteen
// minutes up to a day, to the hour up to a week, to the day beyond (each
// step's boundaries are among those of the finer steps before them, so a
// bucket of a finer scheme maps onto one of a coarser: see migration
// 00008). A delay is within a target exactly when its bucket is, for any
// target on a bucket boundary (BucketExact), which Targets.Validate
// requires; a percentile read from buckets is rounded up to its bucket.

// NotYet is the bucket of a step that has not happened (a return with no
// prevention interview yet): later than any delay, so it sorts last and
// counts against every target.
const NotYet int64 = 1 << 40

// Bucket is the bucket of a delay, in minutes.
func Bucket(d time.Duration) int64 {
	if d <= 0 {
		return 0
	}
	return bucketMinutes(int64((d + time.Minute - 1) / time.Minute))
}

// bucketMinutes rounds whole minutes up to their bucket.
func bucketMinutes(m int64) int64 {
	up := func(step int64) int64 { return (m + step - 1) / step * step }
	switch {
	case m <= 60:
		return m
	case m <= 6*60:
		return up(5)
	case m <= 24*60:
		return up(15)
	case m <= 7*24*60:
		return up(60)
	}
	return up(24 * 60)
}

// BucketExact reports whether a target lies on a bucket boundary, so that
// "within target" read from buckets is exact.
func BucketExact(d time.Duration) bool {
	return d >= 0 && d%time.Minute == 0 && Bucket(d) == int64(d/time.Minute)
}

// Statistics measures.
const (
	StatReported    = "reported"     // episodes reported, by first grading (bucket 0)
	StatRatify      = "ratify"       // gradings ratified, by level graded, month graded
	StatDeploy      = "deploy"       // report to first deployment, by first grading, month reported
	StatMissing     = "missing"      // last seen to found, month found (every return)
	StatPrevention  = "prevention"   // found to prevention interview, month found
	StatRHIOffer    = "rhi_offer"    // found to return interview offered, month found
	StatRHIComplete = "rhi_complete" // found to return interview completed, month found
)

// StatKey is one count of the dashboard's statistics.
type StatKey struct {
	Month   time.Time // first day of the Europe/London month, as a date at midnight UTC
	LPAID   int64
	TeamID  int64
	Measure string
	Risk    RiskLevel
	Bucket  int64
}

// StatEpisode is what an episode contributes to the statistics.
type StatEpisode struct {
	ReportedAt time.Time
	FoundAt    *time.Time
	LPAID      int64
	TeamID     int64
	FirstRisk  RiskLevel
	// Delays in milliseconds, nil where the step has not happened.
	DeployMS, MissingMS, PreventionMS, RHIOfferMS, RHICompleteMS *int64
	// Ratifications are the ratified gradings.
	Ratifications []StatRatification
}

// StatRatification is one ratified grading.
type StatRatification struct {
	GradedAt time.Time
	Level    RiskLevel
	RatifyMS int64
}

// MonthOf is the first day of the Europe/London month of an instant, as a
// date at midnight UTC.
func MonthOf(t time.Time) time.Time {
	y, m, _ := t.In(london).Date()
	return time.Date(y, m, 1, 0, 0, 0, 0, time.UTC)
}

// MonthStart is the instant a London month (as MonthOf gives it) starts.
func MonthStart(month time.Time) time.Time {
	return time.Date(month.Year(), month.Month(), 1, 0, 0, 0, 0, london)
}

// Contributions are the counts an episode adds to the statistics.
func (e StatEpisode) Contributions() map[StatKey]int {
	out := map[StatKey]int{}
	add := func(at time.Time, measure string, risk RiskLevel, bucket int64) {
		out[StatKey{Month: MonthOf(at), LPAID: e.LPAID, TeamID: e.TeamID, Measure: measure, Risk: risk, Bucket: bucket}]++
	}
	ms := func(v *int64) int64 {
		if v == nil {
			return NotYet
		}
		return Bucket(time.Duration(*v) * time.Millisecond)
	}
	add(e.ReportedAt, StatReported, e.FirstRisk, 0)
	if e.DeployMS != nil {
		add(e.ReportedAt, StatDeploy, e.FirstRisk, ms(e.DeployMS))
	}
	for _, r := range e.Ratifications {
		add(r.GradedAt, StatRatify, r.Level, Bucket(time.Duration(r.RatifyMS)*time.Millisecond))
	}
	if e.FoundAt != nil {
		add(*e.FoundAt, StatMissing, "", ms(e.MissingMS))
		add(*e.FoundAt, StatPrevention, "", ms(e.PreventionMS))
		add(*e.FoundAt, StatRHIOffer, "", ms(e.RHIOfferMS))
		add(*e.FoundAt, StatRHIComplete, "", ms(e.RHICompleteMS))
	}
	return out
}

// SummariseBuckets is Summarise over a histogram of buckets (minutes to
// counts): the count, the number and share within target, and the median
// and 90th percentile by the nearest-rank method, each its bucket's upper
// bound. A NotYet bucket counts, and is never within a target.
func SummariseBuckets(h map[int64]int, target time.Duration) DelayStats {
	keys := make([]int64, 0, len(h))
	var s DelayStats
	for b, n := range h {
		if n <= 0 {
			continue
		}
		keys = append(keys, b)
		s.Count += n
		if b != NotYet && time.Duration(b)*time.Minute <= target {
			s.WithinTarget += n
		}
	}
	if s.Count == 0 {
		return DelayStats{}
	}
	slices.Sort(keys)
	rank := func(p int) time.Duration {
		want := (p*s.Count + 99) / 100
		cum := 0
		for _, b := range keys {
			cum += h[b]
			if cum >= want {
				if b == NotYet {
					return time.Duration(math.MaxInt64)
				}
				return time.Duration(b) * time.Minute
			}
		}
		return 0
	}
	s.Median, s.P90 = rank(50), rank(90)
	s.Share = float64(s.WithinTarget) / float64(s.Count)
	return s
}
