package web

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/vigilcp/vigil/internal/vigil"
)

// Purposes recorded in the access log for the missing-children pages.
const (
	purposeMissingWork = "managing missing-children work"
	purposeEpisodeView = "working on a missing child's episode"
)

// missingRoutes registers the missing-children pages.
func (s *Server) missingRoutes() {
	s.handle("GET /missing", s.missingWorkPage)
	s.handle("GET /missing/episodes", s.episodesPage)
	s.handle("GET /missing/episodes/{id}", s.episodePage)
	for _, st := range episodeSteps {
		s.handle("GET /missing/episodes/{id}/"+st.Path, s.stepPage(st))
		s.handle("POST /missing/episodes/{id}/"+st.Path, s.stepSubmit(st))
	}
	s.handle("GET /missing/report", s.reportSearchPage)
	s.handle("GET /missing/report/match/{ref}", s.reportMissingPage)
	s.handle("POST /missing/report/match/{ref}", s.reportMissing)
	s.handle("GET /children/new", s.newChildPage)
	s.handle("POST /children/new", s.newChild)
	s.handle("GET /children/{id}/report-missing", s.reportMissingPage)
	s.handle("POST /children/{id}/report-missing", s.reportMissing)
	s.handle("GET /children/{id}/missing", s.childMissingPage)
	s.handle("GET /children/{id}/missing/plan", s.planPage)
	s.handle("POST /children/{id}/missing/plan", s.savePlan)
	s.handle("GET /missing/repeat", s.repeatPage)
	s.handle("GET /missing/dashboard", s.dashboardPage)
	s.handle("GET /missing/targets", s.targetsPage)
	s.handle("POST /missing/targets", s.saveTargets)
}

// queueInfo names a work queue for people.
type queueInfo struct {
	Name, Label, Due string
}

var queueLabels = []queueInfo{
	{vigil.QueueAwaitingRatification, "Awaiting ratification", "Ratify by"},
	{vigil.QueueAwaitingDeployment, "Awaiting deployment", "Deploy by"},
	{vigil.QueueOpen, "Missing now", "Review by"},
	{vigil.QueueReviewsDue, "Reviews due", "Review by"},
	{vigil.QueueNoPrevention, "No prevention interview", "Interview by"},
	{vigil.QueueRHIDue, "Return interviews due", "Interview by"},
	{vigil.QueueToClose, "Ready to close", "Found"},
}

func queueLabel(name string) queueInfo {
	for _, q := range queueLabels {
		if q.Name == name {
			return q
		}
	}
	return queueInfo{Name: name, Label: name}
}

// defaultQueue is the queue each kind of work starts on.
func defaultQueue(p *vigil.Principal) string {
	switch {
	case p.Has(vigil.ActionRatify, vigil.KindEpisode):
		return vigil.QueueAwaitingRatification
	case p.Has(vigil.ActionReturnInterview, vigil.KindEpisode) && !p.Has(vigil.ActionGrade, vigil.KindEpisode):
		return vigil.QueueRHIDue
	}
	return vigil.QueueOpen
}

// episodeRow is one episode in a list, with the due time the list is
// about and how it stands.
type episodeRow struct {
	vigil.Episode
	Due    time.Time
	Status timingTag
}

// timingTag is how a step stands, as a GOV.UK tag.
type timingTag struct {
	Text, Class string
}

func tagFor(t vigil.Timing) timingTag {
	w := t.Words()
	switch {
	case t.Pending && t.Overdue, !t.Pending && !t.Met && !t.Due.IsZero():
		return timingTag{w, "govuk-tag--red"}
	case t.Pending:
		return timingTag{w, "govuk-tag--yellow"}
	case t.Met && t.Target > 0:
		return timingTag{w, "govuk-tag--green"}
	}
	return timingTag{w, "govuk-tag--grey"}
}

// rowFor picks the due time a queue is about.
func rowFor(queue string, e vigil.Episode, t vigil.Targets, now time.Time) episodeRow {
	r := episodeRow{Episode: e}
	var tm vigil.Timing
	switch queue {
	case vigil.QueueAwaitingRatification:
		if len(e.Gradings) > 0 {
			tm = vigil.RatificationTiming(e.Gradings[len(e.Gradings)-1], t, now)
		} else if e.RatifyDueAt != nil {
			tm = vigil.Timing{Pending: true, Due: *e.RatifyDueAt, Target: t.Ratify[e.Risk], Took: now.Sub(e.GradedAt),
				Overdue: now.After(*e.RatifyDueAt)}
		}
	case vigil.QueueAwaitingDeployment:
		tm = vigil.DeploymentTiming(e, t, now)
	case vigil.QueueOpen, vigil.QueueReviewsDue:
		if e.ReviewBy != nil {
			r.Due = *e.ReviewBy
			overdue := now.After(*e.ReviewBy)
			tm = vigil.Timing{Pending: true, Due: *e.ReviewBy, Overdue: overdue, Target: time.Hour}
			tm.Took = now.Sub(e.ReviewBy.Add(-time.Hour))
		}
	case vigil.QueueNoPrevention:
		tm = vigil.PreventionTiming(e, t, now)
	case vigil.QueueRHIDue:
		_, tm = vigil.RHITimings(e, now)
	case vigil.QueueToClose:
		if e.FoundAt != nil {
			r.Due = *e.FoundAt
		}
		r.Status = timingTag{"ready", "govuk-tag--blue"}
		return r
	default:
		r.Status = timingTag{statusLabel(e.Status), statusClass(e.Status)}
		return r
	}
	if r.Due.IsZero() {
		r.Due = tm.Due
	}
	r.Status = tagFor(tm)
	return r
}

func statusLabel(s vigil.EpisodeStatus) string {
	switch s {
	case vigil.EpisodeOpen:
		return "missing"
	case vigil.EpisodeFound:
		return "found"
	}
	return "closed"
}

func statusClass(s vigil.EpisodeStatus) string {
	switch s {
	case vigil.EpisodeOpen:
		return "govuk-tag--red"
	case vigil.EpisodeFound:
		return "govuk-tag--blue"
	}
	return "govuk-tag--grey"
}

func riskClass(r vigil.RiskLevel) string {
	switch r {
	case vigil.RiskHigh:
		return "govuk-tag--red"
	case vigil.RiskMedium:
		return "govuk-tag--orange"
	case vigil.RiskLow:
		return "govuk-tag--yellow"
	}
	return "govuk-tag--grey"
}

// targetsFor reads the force's targets, or the defaults for someone who
// may not read them.
func (s *Server) targetsFor(r *http.Request) vigil.Targets {
	t, err := s.svc.Missing.Targets(r.Context())
	if err != nil {
		return vigil.DefaultTargets()
	}
	return t
}

// workData is the missing-children work page.
type workData struct {
	Queue    queueInfo
	Queues   []queueInfo
	Rows     []episodeRow
	Repeat   []vigil.RepeatChild
	ShowPlan bool
	LPAs     []vigil.LPA
	LPAID    int64
	Now      time.Time
}

func (s *Server) missingWorkPage(w http.ResponseWriter, r *http.Request) {
	p := vigil.PrincipalFrom(r.Context())
	if p == nil {
		s.pageError(w, r, vigil.Errorf(vigil.EUNAUTHENTICATED, "sign in"))
		return
	}
	q := r.URL.Query()
	queue := q.Get("queue")
	if queue == "" {
		queue = defaultQueue(p)
	}
	var v vigil.Validation
	lpa := queryID(r, "lpa_id", &v)
	if err := v.Err(); err != nil {
		s.pageError(w, r, err)
		return
	}
	ctx := vigil.WithPurpose(r.Context(), purposeMissingWork)
	d := workData{Queue: queueLabel(queue), Queues: queueLabels, LPAID: lpa, Now: s.now()}
	if org, err := s.svc.Org.Organisation(r.Context()); err == nil {
		d.LPAs = org.LPAs
	}
	if queue == "repeat" || queue == "plans_past_review" {
		d.Queue = queueInfo{Name: queue, Label: "Repeat children without a plan"}
		f := vigil.RepeatFilter{LPAID: lpa, NoPlan: queue == "repeat", PastReview: queue == "plans_past_review",
			PageRequest: vigil.PageRequest{Limit: vigil.MaxPageSize}}
		if f.PastReview {
			d.Queue.Label = "Plans past their review date"
		}
		page, err := s.svc.Missing.RepeatChildren(ctx, f)
		if err != nil {
			s.pageError(w, r, err)
			return
		}
		d.Repeat, d.ShowPlan = page.Items, true
	} else {
		page, err := s.svc.Missing.Episodes(ctx, vigil.EpisodeFilter{Queue: queue, LPAID: lpa, PageRequest: vigil.PageRequest{Limit: 200}})
		if err != nil {
			s.pageError(w, r, err)
			return
		}
		t := s.targetsFor(r)
		for _, e := range page.Items {
			d.Rows = append(d.Rows, rowFor(queue, e, t, d.Now))
		}
	}
	s.render(w, r, http.StatusOK, "missing", &Page{Title: d.Queue.Label + " – Missing children", Data: d})
}

// episodesData is a list of episodes: a dashboard figure's, or a filter's.
type episodesData struct {
	Title    string
	Rows     []episodeRow
	NextHref string
	Filter   vigil.EpisodeFilter
	Back     string
}

// figureTitles say what each dashboard figure's list is.
var figureTitles = map[string]string{
	"open": "Missing now", "reported": "Reported", "ratify_met": "Ratified within target", "ratify_missed": "Ratified late",
	"deploy_met": "Deployed within target", "deploy_missed": "Deployed late", "time_missing": "Found or returned",
	"prevention_met": "Prevention interview within target", "prevention_missed": "Prevention interview late or not done",
	"rhi_offered": "Return interview offered within 72 hours", "rhi_not_offered": "Return interview not offered within 72 hours",
	"rhi_completed": "Return interview completed within 72 hours", "rhi_not_completed": "Return interview not completed within 72 hours",
}

// episodeFilterFrom reads a list's filter from the query string.
func episodeFilterFrom(r *http.Request) (vigil.EpisodeFilter, error) {
	q := r.URL.Query()
	var v vigil.Validation
	f := vigil.EpisodeFilter{Figure: q.Get("figure"), Queue: q.Get("queue"), Risk: vigil.RiskLevel(q.Get("risk")),
		Status: vigil.EpisodeStatus(q.Get("status")), ChildID: queryID(r, "child_id", &v), LPAID: queryID(r, "lpa_id", &v),
		TeamID: queryID(r, "team_id", &v), PageRequest: vigil.PageRequest{Cursor: q.Get("cursor"), Limit: 100}}
	f.From = queryDate(r, "from", &v, false)
	f.To = queryDate(r, "to", &v, true)
	if f.Figure != "" {
		figuresDefault(vigil.PrincipalFrom(r.Context()), &f.LPAID, &f.TeamID)
	}
	return f, v.Err()
}

// queryDate reads a YYYY-MM-DD date as the start of that day in London;
// end dates mean the end of the day (the start of the next).
func queryDate(r *http.Request, name string, v *vigil.Validation, end bool) time.Time {
	s := r.URL.Query().Get(name)
	if s == "" {
		return time.Time{}
	}
	d, err := time.ParseInLocation("2006-01-02", s, london)
	if err != nil {
		v.Add(name, "%s must be a date like 2026-03-31", name)
		return time.Time{}
	}
	if end {
		d = d.AddDate(0, 0, 1)
	}
	return d
}

func (s *Server) episodesPage(w http.ResponseWriter, r *http.Request) {
	f, err := episodeFilterFrom(r)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	page, err := s.svc.Missing.Episodes(vigil.WithPurpose(r.Context(), purposeMissingWork), f)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	d := episodesData{Title: "Missing episodes", Filter: f}
	if t, ok := figureTitles[f.Figure]; ok {
		d.Title = t
		if f.Risk != "" {
			d.Title += ": " + strings.ToLower(f.Risk.Label()) + " risk"
		}
		back := url.Values{}
		for _, k := range []string{"from", "to", "lpa_id", "team_id"} {
			if v := r.URL.Query().Get(k); v != "" {
				back.Set(k, v)
			}
		}
		d.Back = "/missing/dashboard?" + back.Encode()
	}
	t, now := s.targetsFor(r), s.now()
	for _, e := range page.Items {
		d.Rows = append(d.Rows, rowFor(f.Queue, e, t, now))
	}
	if page.Next != "" {
		q := r.URL.Query()
		q.Set("cursor", page.Next)
		d.NextHref = "/missing/episodes?" + q.Encode()
	}
	s.render(w, r, http.StatusOK, "episodes", &Page{Title: d.Title, Data: d})
}

// keyTime is one step of an episode on its page.
type keyTime struct {
	Label, When string
	Tag         timingTag
	Note        string
}

// episodeData is an episode's page.
type episodeData struct {
	E        *vigil.Episode
	LPA      string
	Times    []keyTime
	Steps    []episodeStep
	Events   []episodeEvent
	Factors  map[string]string
	People   map[int64]string
	Findings []vigil.StoredFinding
	Done     string
}

// episodeEvent is one entry of an episode's timeline.
type episodeEvent struct {
	At          time.Time
	Title, By   string
	Text        string
	Description []string
}

func (s *Server) loadEpisode(w http.ResponseWriter, r *http.Request) (*vigil.Episode, bool) {
	id, err := pathID(r)
	if err != nil {
		s.pageError(w, r, err)
		return nil, false
	}
	e, err := s.svc.Missing.Episode(vigil.WithPurpose(r.Context(), purposeEpisodeView), id)
	if err != nil {
		s.pageError(w, r, err)
		return nil, false
	}
	return e, true
}

func (s *Server) episodePage(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	// One call: the episode, its names, targets and findings, in one
	// transaction with one access-log entry.
	v, err := s.svc.Missing.EpisodeView(vigil.WithPurpose(r.Context(), purposeEpisodeView), id)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	e, p, now := v.Episode, vigil.PrincipalFrom(r.Context()), s.now()
	d := &episodeData{E: e, LPA: v.LPAName, Factors: map[string]string{}, People: map[int64]string{}, Findings: v.Findings,
		Done: r.URL.Query().Get("done")}
	for _, f := range vigil.RiskFactors {
		d.Factors[f.ID] = f.Question
	}
	for _, o := range v.Deployed {
		d.People[o.PersonID] = o.Label()
	}
	d.Times = episodeTimes(e, v.Targets, now)
	for _, st := range episodeSteps {
		if st.Allowed(p, e, now) && !e.ByBreakGlass {
			d.Steps = append(d.Steps, st)
		}
	}
	d.Events = episodeEvents(e)
	s.render(w, r, http.StatusOK, "episode", &Page{Title: "Missing episode: " + e.ChildName, Data: d})
}

// episodeTimes are the key times of an episode, each against its target.
func episodeTimes(e *vigil.Episode, t vigil.Targets, now time.Time) []keyTime {
	at := func(p *time.Time) string {
		if p == nil {
			return ""
		}
		return londonTime(*p).Format("2 Jan 2006 15:04")
	}
	out := []keyTime{{Label: "Reported", When: at(&e.ReportedAt), Note: "Last seen " + at(&e.LastSeenAt)}}
	if n := len(e.Gradings); n > 0 {
		g := e.Gradings[n-1]
		label := "Ratified"
		if n > 1 {
			label = "Latest grading ratified"
		}
		out = append(out, keyTime{Label: label, When: at(g.RatifiedAt), Tag: tagFor(vigil.RatificationTiming(g, t, now)),
			Note: fmt.Sprintf("Target %s for %s risk", durationWords(t.Ratify[g.Level]), strings.ToLower(g.Level.Label()))})
	}
	dt := vigil.DeploymentTiming(*e, t, now)
	deployNote := "No deployment expected at this risk"
	if dt.Target > 0 {
		deployNote = "Target " + durationWords(dt.Target) + " from the report"
	}
	out = append(out, keyTime{Label: "Officers deployed", When: at(e.DeployedAt), Tag: tagFor(dt), Note: deployNote})
	if due, overdue := vigil.ReviewDue(*e, now); !due.IsZero() {
		tag := timingTag{"due " + londonTime(due).Format("15:04"), "govuk-tag--yellow"}
		if overdue {
			tag = timingTag{"overdue", "govuk-tag--red"}
		}
		out = append(out, keyTime{Label: "Supervisor review", When: at(&due), Tag: tag, Note: "Set at each grading and review"})
	}
	out = append(out, keyTime{Label: "Found or returned", When: at(e.FoundAt)})
	if due, dueAt := vigil.NMPUNotification(*e, now); due || e.NMPUSentAt != nil {
		tag := timingTag{"notify now", "govuk-tag--red"}
		if e.NMPUSentAt != nil {
			tag = timingTag{"sent", "govuk-tag--green"}
		}
		out = append(out, keyTime{Label: "UK Missing Persons Unit told", When: at(e.NMPUSentAt), Tag: tag,
			Note: "Due for anyone missing over 72 hours (from " + at(&dueAt) + ")"})
	}
	out = append(out, keyTime{Label: "Prevention interview", When: at(e.PreventionAt), Tag: tagFor(vigil.PreventionTiming(*e, t, now)),
		Note: "Target " + durationWords(t.Prevention) + " from the return"})
	offered, completed := vigil.RHITimings(*e, now)
	offeredAt := e.RHIOfferedAt
	out = append(out, keyTime{Label: "Return interview offered", When: at(offeredAt), Tag: tagFor(offered), Note: "Within 72 hours of the return"})
	doneNote := "Within 72 hours of the return"
	if e.RHIDeclinedAt != nil {
		doneNote = "Declined " + at(e.RHIDeclinedAt)
	}
	out = append(out, keyTime{Label: "Return interview completed", When: at(e.RHICompletedAt), Tag: tagFor(completed), Note: doneNote})
	if e.ClosedAt != nil {
		out = append(out, keyTime{Label: "Closed", When: at(e.ClosedAt), Tag: timingTag{"closed", "govuk-tag--grey"}})
	}
	return out
}

// durationWords writes a target: "30 min", "2 h", "3 d".
func durationWords(d time.Duration) string {
	switch {
	case d <= 0:
		return "none"
	case d%(24*time.Hour) == 0:
		return fmt.Sprintf("%d d", d/(24*time.Hour))
	case d%time.Hour == 0:
		return fmt.Sprintf("%d h", d/time.Hour)
	case d >= time.Hour:
		return fmt.Sprintf("%d h %d min", d/time.Hour, d%time.Hour/time.Minute)
	}
	return fmt.Sprintf("%d min", d/time.Minute)
}

// episodeEvents is the episode's timeline, newest first: the steps and
// the notes.
func episodeEvents(e *vigil.Episode) []episodeEvent {
	ev := []episodeEvent{{At: e.ReportedAt, Title: "Reported missing", By: e.ReporterName + " (" + e.ReporterRelation + ")",
		Description: []string{"Last seen " + londonTime(e.LastSeenAt).Format("2 Jan 15:04") + " at " + e.LastSeenPlace}}}
	for i, g := range e.Gradings {
		title := "Graded " + strings.ToLower(g.Level.Label()) + " risk"
		if i > 0 {
			title = "Regraded " + strings.ToLower(g.Level.Label()) + " risk"
		}
		ev = append(ev, episodeEvent{At: g.GradedAt, Title: title, By: g.Grader, Text: g.Rationale})
		if g.RatifiedAt != nil {
			t := "Grading ratified"
			if g.RatifiedLevel != g.Level {
				t = "Grading changed to " + strings.ToLower(g.RatifiedLevel.Label()) + " risk"
			}
			ev = append(ev, episodeEvent{At: *g.RatifiedAt, Title: t, Text: g.RatifyReason})
		}
	}
	if e.DeployedAt != nil {
		ev = append(ev, episodeEvent{At: *e.DeployedAt, Title: "Officers deployed"})
	}
	for _, n := range e.Notes {
		ev = append(ev, episodeEvent{At: n.At, Title: noteTitles[n.Kind], By: n.Author, Text: n.Text})
	}
	if e.FoundAt != nil {
		ev = append(ev, episodeEvent{At: *e.FoundAt, Title: "Found or returned", By: e.FoundBy,
			Description: []string{"At " + e.FoundPlace}, Text: strings.TrimSpace(e.Condition + "\n" + e.HarmSuffered)})
	}
	if e.NMPUSentAt != nil {
		ev = append(ev, episodeEvent{At: *e.NMPUSentAt, Title: "UK Missing Persons Unit told"})
	}
	if e.PreventionAt != nil {
		ev = append(ev, episodeEvent{At: *e.PreventionAt, Title: "Prevention interview", Text: e.PreventionDisclosures})
	}
	if e.RHIOfferedAt != nil {
		ev = append(ev, episodeEvent{At: *e.RHIOfferedAt, Title: "Return home interview offered"})
	}
	if e.RHIDeclinedAt != nil {
		ev = append(ev, episodeEvent{At: *e.RHIDeclinedAt, Title: "Return home interview declined", Text: e.RHINotes})
	}
	if e.RHICompletedAt != nil {
		ev = append(ev, episodeEvent{At: *e.RHICompletedAt, Title: "Return home interview completed", Text: e.RHINotes})
	}
	if e.ClosedAt != nil {
		ev = append(ev, episodeEvent{At: *e.ClosedAt, Title: "Closed after a supervisor's check"})
	}
	slices.SortStableFunc(ev, func(a, b episodeEvent) int { return b.At.Compare(a.At) })
	return ev
}

var noteTitles = map[string]string{"enquiry": "Enquiry", "action": "Action", "review": "Supervisor review", "update": "Update"}

// episodeStep is one thing that can be done to an episode, with its own
// form page.
type episodeStep struct {
	Path, Label, Title string
	Action             vigil.Action
	// When says whether the step applies to the episode as it stands.
	When   func(e *vigil.Episode, now time.Time) bool
	submit func(s *Server, r *http.Request, e *vigil.Episode) error
}

// Allowed says whether p may take the step on e now.
func (st episodeStep) Allowed(p *vigil.Principal, e *vigil.Episode, now time.Time) bool {
	return p.Has(st.Action, vigil.KindEpisode) && st.When(e, now)
}

func isOpen(e *vigil.Episode, _ time.Time) bool  { return e.Status == vigil.EpisodeOpen }
func isFound(e *vigil.Episode, _ time.Time) bool { return e.Status == vigil.EpisodeFound }

var episodeSteps = []episodeStep{
	{Path: "ratify", Label: "Ratify the grading", Title: "Ratify the risk grading", Action: vigil.ActionRatify,
		When: func(e *vigil.Episode, now time.Time) bool {
			return len(e.Gradings) > 0 && e.Gradings[len(e.Gradings)-1].RatifiedAt == nil && e.Status == vigil.EpisodeOpen
		},
		submit: func(s *Server, r *http.Request, e *vigil.Episode) error {
			agree := r.PostFormValue("agree")
			var v vigil.Validation
			if agree != "yes" && agree != "no" {
				v.Add("agree", "Say whether you agree with the grading")
				return v.Err()
			}
			_, err := s.svc.Missing.Ratify(r.Context(), e.ID, agree == "yes", vigil.RiskLevel(r.PostFormValue("level")),
				r.PostFormValue("reason"), episodeVersion(r))
			return err
		}},
	{Path: "grade", Label: "Regrade the risk", Title: "Regrade the risk", Action: vigil.ActionGrade, When: isOpen,
		submit: func(s *Server, r *http.Request, e *vigil.Episode) error {
			_, err := s.svc.Missing.Grade(r.Context(), e.ID, gradingFrom(r), episodeVersion(r))
			return err
		}},
	{Path: "deploy", Label: "Deploy officers", Title: "Deploy officers", Action: vigil.ActionDeploy, When: isOpen,
		submit: func(s *Server, r *http.Request, e *vigil.Episode) error {
			var v vigil.Validation
			var people []int64
			for _, p := range r.PostForm["people"] {
				id, err := strconv.ParseInt(p, 10, 64)
				if err != nil {
					v.Add("people", "Select officers from the list")
					break
				}
				people = append(people, id)
			}
			at := formInstant(r, "deployed_at", &v)
			if err := v.Err(); err != nil {
				return err
			}
			_, err := s.svc.Missing.Deploy(r.Context(), e.ID, people, at, episodeVersion(r))
			return err
		}},
	{Path: "note", Label: "Add to the timeline", Title: "Add an enquiry, action or review", Action: vigil.ActionUpdate,
		When: func(e *vigil.Episode, now time.Time) bool { return e.Status != vigil.EpisodeClosed },
		submit: func(s *Server, r *http.Request, e *vigil.Episode) error {
			return s.svc.Missing.Note(r.Context(), e.ID, r.PostFormValue("kind"), r.PostFormValue("text"))
		}},
	{Path: "found", Label: "Record found or returned", Title: "Found or returned", Action: vigil.ActionUpdate, When: isOpen,
		submit: func(s *Server, r *http.Request, e *vigil.Episode) error {
			var v vigil.Validation
			at := formInstant(r, "found_at", &v)
			if at.IsZero() && !v.Has("found_at") {
				v.Add("found_at", "Enter when the child was found or returned")
			}
			if err := v.Err(); err != nil {
				return err
			}
			_, err := s.svc.Missing.Found(r.Context(), e.ID, vigil.FoundDetails{At: at, Place: r.PostFormValue("found_place"),
				By: r.PostFormValue("found_by"), Condition: r.PostFormValue("condition"), HarmSuffered: r.PostFormValue("harm_suffered"),
				ExploitationIndicators: r.PostForm["exploitation_indicators"]}, episodeVersion(r))
			return err
		}},
	{Path: "nmpu", Label: "Record the notification to the UK Missing Persons Unit", Title: "UK Missing Persons Unit notification",
		Action: vigil.ActionUpdate,
		When: func(e *vigil.Episode, now time.Time) bool {
			due, _ := vigil.NMPUNotification(*e, now)
			return e.Status != vigil.EpisodeClosed && e.NMPUSentAt == nil && due
		},
		submit: func(s *Server, r *http.Request, e *vigil.Episode) error {
			var v vigil.Validation
			at := formInstant(r, "nmpu_sent_at", &v)
			if err := v.Err(); err != nil {
				return err
			}
			_, err := s.svc.Missing.NotifyNMPU(r.Context(), e.ID, at, episodeVersion(r))
			return err
		}},
	{Path: "prevention", Label: "Record the prevention interview", Title: "Prevention interview", Action: vigil.ActionUpdate,
		When: func(e *vigil.Episode, now time.Time) bool { return isFound(e, now) && e.PreventionAt == nil },
		submit: func(s *Server, r *http.Request, e *vigil.Episode) error {
			var v vigil.Validation
			at := formInstant(r, "prevention_at", &v)
			if err := v.Err(); err != nil {
				return err
			}
			_, err := s.svc.Missing.Prevention(r.Context(), e.ID, at, r.PostFormValue("disclosures"), episodeVersion(r))
			return err
		}},
	{Path: "return-interview", Label: "Record the return home interview", Title: "Return home interview", Action: vigil.ActionReturnInterview,
		When: func(e *vigil.Episode, now time.Time) bool {
			return isFound(e, now) && e.RHICompletedAt == nil && e.RHIDeclinedAt == nil
		},
		submit: func(s *Server, r *http.Request, e *vigil.Episode) error {
			var v vigil.Validation
			var d vigil.RHIDetails
			for _, x := range []struct {
				name string
				p    **time.Time
			}{{"rhi_offered_at", &d.OfferedAt}, {"rhi_declined_at", &d.DeclinedAt}, {"rhi_completed_at", &d.CompletedAt}} {
				if at := formInstant(r, x.name, &v); !at.IsZero() {
					*x.p = &at
				}
			}
			d.Notes = r.PostFormValue("rhi_notes")
			if err := v.Err(); err != nil {
				return err
			}
			_, err := s.svc.Missing.ReturnInterview(r.Context(), e.ID, d, episodeVersion(r))
			return err
		}},
	{Path: "close", Label: "Close the episode", Title: "Close the episode", Action: vigil.ActionClose, When: isFound,
		submit: func(s *Server, r *http.Request, e *vigil.Episode) error {
			var v vigil.Validation
			if r.PostFormValue("checked") != "yes" {
				v.Add("checked", "Confirm that you have checked the follow-up")
				return v.Err()
			}
			_, err := s.svc.Missing.Close(r.Context(), e.ID, episodeVersion(r))
			return err
		}},
}

func episodeVersion(r *http.Request) int64 {
	v, _ := strconv.ParseInt(r.PostFormValue("version"), 10, 64)
	return v
}

// gradingFrom reads a risk grading from a form.
func gradingFrom(r *http.Request) vigil.Grading {
	return vigil.Grading{Level: vigil.RiskLevel(r.PostFormValue("risk")), Factors: r.PostForm["factors"], Rationale: r.PostFormValue("rationale")}
}

// formInstant reads a date and time entered as day, month, year and
// "HH:MM" fields named name-day, name-month, name-year and name-time, in
// London time. All empty is the zero time.
func formInstant(r *http.Request, name string, v *vigil.Validation) time.Time {
	day, month, year := strings.TrimSpace(r.PostFormValue(name+"-day")), strings.TrimSpace(r.PostFormValue(name+"-month")),
		strings.TrimSpace(r.PostFormValue(name+"-year"))
	clock := strings.TrimSpace(r.PostFormValue(name + "-time"))
	if day == "" && month == "" && year == "" && clock == "" {
		return time.Time{}
	}
	d, errD := strconv.Atoi(day)
	m, errM := strconv.Atoi(month)
	y, errY := strconv.Atoi(year)
	if errD != nil || errM != nil || errY != nil || m < 1 || m > 12 || d < 1 || d > 31 || y < 1900 || y > 2200 {
		v.Add(name, "Enter a real date, like 27 3 2026")
		return time.Time{}
	}
	hh, mm := 0, 0
	if clock != "" {
		t, err := time.Parse("15:04", strings.ReplaceAll(clock, ".", ":"))
		if err != nil {
			v.Add(name, "Enter a time on the 24-hour clock, like 14:05")
			return time.Time{}
		}
		hh, mm = t.Hour(), t.Minute()
	} else {
		v.Add(name, "Enter the time as well as the date, like 14:05")
		return time.Time{}
	}
	at := time.Date(y, time.Month(m), d, hh, mm, 0, 0, london)
	if at.Day() != d {
		v.Add(name, "Enter a real date, like 27 3 2026")
		return time.Time{}
	}
	return at
}

// nowFields fills a date-time field with the current London time, so a
// step done now needs no typing.
func nowFields(f url.Values, name string, at time.Time) {
	l := londonTime(at)
	f.Set(name+"-day", strconv.Itoa(l.Day()))
	f.Set(name+"-month", strconv.Itoa(int(l.Month())))
	f.Set(name+"-year", strconv.Itoa(l.Year()))
	f.Set(name+"-time", l.Format("15:04"))
}

// stepData is a step's form page.
type stepData struct {
	E        *vigil.Episode
	Step     episodeStep
	Levels   []vigil.RiskLevel
	Factors  []vigil.RiskFactor
	Officers []vigil.Person
	Grading  *vigil.Grading
	Kinds    []string
	Signs    []string
}

// exploitationSigns are the indicators offered when a child is found.
var exploitationSigns = []string{"Unexplained money, phones or gifts", "Found with older adults", "Found out of area",
	"Signs of drug or alcohol use", "Injuries", "Travel tickets or taxi use", "Known exploitation location"}

func (s *Server) stepData(r *http.Request, e *vigil.Episode, st episodeStep) *stepData {
	d := &stepData{E: e, Step: st, Levels: slices.Clone(vigil.RiskLevels), Factors: vigil.RiskFactors, Kinds: vigil.NoteKinds,
		Signs: exploitationSigns}
	slices.Reverse(d.Levels)
	if n := len(e.Gradings); n > 0 {
		d.Grading = &e.Gradings[n-1]
	}
	if st.Path == "deploy" {
		if org, err := s.svc.Org.Organisation(r.Context()); err == nil {
			teams := map[int64]bool{}
			for _, t := range org.Teams {
				if t.LPAID == e.LPAID && (t.Kind == vigil.TeamResponse || t.Kind == vigil.TeamMissingPersons) {
					teams[t.ID] = true
				}
			}
			page, err := s.svc.Org.People(r.Context(), vigil.PersonFilter{LPAID: e.LPAID, PageRequest: vigil.PageRequest{Limit: vigil.MaxPageSize}})
			if err == nil {
				for _, p := range page.Items {
					if teams[p.TeamID] && p.Active {
						d.Officers = append(d.Officers, p)
					}
				}
			}
		}
	}
	return d
}

func (s *Server) stepPage(st episodeStep) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !s.mayStep(w, r, st) {
			return
		}
		e, ok := s.loadEpisode(w, r)
		if !ok {
			return
		}
		if !st.When(e, s.now()) {
			http.Redirect(w, r, fmt.Sprintf("/missing/episodes/%d", e.ID), http.StatusSeeOther)
			return
		}
		form := url.Values{"version": {strconv.FormatInt(e.Version, 10)}}
		now := s.now()
		for _, name := range []string{"deployed_at", "found_at", "nmpu_sent_at", "prevention_at", "rhi_offered_at"} {
			nowFields(form, name, now)
		}
		if st.Path == "grade" {
			form.Set("risk", string(e.Risk))
		}
		s.render(w, r, http.StatusOK, "episode-step", &Page{Title: st.Title, Data: s.stepData(r, e, st), Form: form})
	}
}

// mayStep refuses a step to someone whose role does not allow it, before
// the episode is read.
func (s *Server) mayStep(w http.ResponseWriter, r *http.Request, st episodeStep) bool {
	p := vigil.PrincipalFrom(r.Context())
	switch {
	case p == nil:
		s.pageError(w, r, vigil.Errorf(vigil.EUNAUTHENTICATED, "Sign in"))
		return false
	case !p.Has(st.Action, vigil.KindEpisode):
		s.pageError(w, r, vigil.Errorf(vigil.EFORBIDDEN, "Your role does not include this step"))
		return false
	}
	return true
}

func (s *Server) stepSubmit(st episodeStep) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !s.mayStep(w, r, st) {
			return
		}
		e, ok := s.loadEpisode(w, r)
		if !ok {
			return
		}
		if err := r.ParseForm(); err != nil {
			s.pageError(w, r, vigil.Errorf(vigil.EINVALID, "The form could not be read"))
			return
		}
		err := st.submit(s, r, e)
		if err != nil {
			if fields := vigil.ErrorFields(err); len(fields) > 0 || vigil.ErrorCode(err) == vigil.EINVALID ||
				vigil.ErrorCode(err) == vigil.ECONFLICT || vigil.ErrorCode(err) == vigil.EFORBIDDEN && vigil.PrincipalFrom(r.Context()).Has(st.Action, vigil.KindEpisode) {
				if len(fields) == 0 {
					fields = []vigil.FieldError{{Field: "form", Message: vigil.ErrorMessage(err)}}
				}
				status := http.StatusUnprocessableEntity
				if vigil.ErrorCode(err) == vigil.ECONFLICT {
					status = http.StatusConflict
				} else if vigil.ErrorCode(err) == vigil.EFORBIDDEN {
					status = http.StatusForbidden
				}
				s.render(w, r, status, "episode-step", &Page{Title: st.Title, Data: s.stepData(r, e, st), Errors: fields, Form: r.PostForm})
				return
			}
			s.pageError(w, r, err)
			return
		}
		http.Redirect(w, r, fmt.Sprintf("/missing/episodes/%d?done=%s", e.ID, st.Path), http.StatusSeeOther)
	}
}

// reportData is the missing report form: about a child the reporter may
// read (Child), or about a possible match held by another area (Held).
type reportData struct {
	Child    *vigil.ChildRecord
	Held     *heldMatch
	Action   string // where the form posts
	BackHref string
	Levels   []vigil.RiskLevel
	Factors  []vigil.RiskFactor
	LPAs     []vigil.LPA
	Open     []vigil.Episode
}

// heldMatch is a possible match the search before create found that the
// reporter may not read: its reference, and (for the page only, from the
// search) who holds it and the name searched for.
type heldMatch struct {
	Ref, HeldBy, Name string
}

// title is the report form's page title.
func (d *reportData) title() string {
	if d.Child != nil {
		return "Report " + d.Child.FullName() + " missing"
	}
	return "Report a child missing"
}

func (s *Server) reportForm(w http.ResponseWriter, r *http.Request) (*reportData, bool) {
	switch p := vigil.PrincipalFrom(r.Context()); {
	case p == nil:
		s.pageError(w, r, vigil.Errorf(vigil.EUNAUTHENTICATED, "Sign in to continue"))
		return nil, false
	case !p.Has(vigil.ActionCreate, vigil.KindEpisode):
		s.pageError(w, r, vigil.Errorf(vigil.EFORBIDDEN, "You cannot report children missing"))
		return nil, false
	}
	rd := &reportData{Levels: slices.Clone(vigil.RiskLevels), Factors: vigil.RiskFactors}
	slices.Reverse(rd.Levels)
	if ref := r.PathValue("ref"); ref != "" {
		q := r.URL.Query()
		rd.Held = &heldMatch{Ref: ref, HeldBy: q.Get("held_by"), Name: q.Get("name")}
		rd.Action = "/missing/report/match/" + url.PathEscape(ref) + "?" + url.Values{"held_by": {rd.Held.HeldBy}, "name": {rd.Held.Name}}.Encode()
		rd.BackHref = "/missing/report"
	} else {
		d, ok := s.loadChild(w, r, purposeEpisodeView)
		if !ok {
			return nil, false
		}
		rd.Child = d.Child
		rd.Action = fmt.Sprintf("/children/%d/report-missing", d.Child.ID)
		rd.BackHref = fmt.Sprintf("/children/%d", d.Child.ID)
		if page, err := s.svc.Missing.Episodes(vigil.WithPurpose(r.Context(), purposeEpisodeView),
			vigil.EpisodeFilter{ChildID: d.Child.ID, Status: vigil.EpisodeOpen}); err == nil {
			rd.Open = page.Items
		}
	}
	if org, err := s.svc.Org.Organisation(r.Context()); err == nil {
		rd.LPAs = org.LPAs
	}
	return rd, true
}

func (s *Server) reportMissingPage(w http.ResponseWriter, r *http.Request) {
	d, ok := s.reportForm(w, r)
	if !ok {
		return
	}
	form := url.Values{}
	nowFields(form, "reported_at", s.now())
	if d.Child != nil && d.Child.LPAID != 0 {
		form.Set("lpa_id", strconv.FormatInt(d.Child.LPAID, 10))
	} else if p := vigil.PrincipalFrom(r.Context()); p.LPAID != 0 {
		form.Set("lpa_id", strconv.FormatInt(p.LPAID, 10))
	}
	s.render(w, r, http.StatusOK, "report-missing", &Page{Title: d.title(), Data: d, Form: form})
}

func (s *Server) reportMissing(w http.ResponseWriter, r *http.Request) {
	d, ok := s.reportForm(w, r)
	if !ok {
		return
	}
	if err := r.ParseForm(); err != nil {
		s.pageError(w, r, vigil.Errorf(vigil.EINVALID, "The form could not be read"))
		return
	}
	var v vigil.Validation
	rep := vigil.NewReport{ReportedAt: formInstant(r, "reported_at", &v),
		ReporterName: r.PostFormValue("reporter_name"), ReporterContact: r.PostFormValue("reporter_contact"),
		ReporterRelation: r.PostFormValue("reporter_relation"), LastSeenAt: formInstant(r, "last_seen_at", &v),
		LastSeenPlace: r.PostFormValue("last_seen_place"), Circumstances: r.PostFormValue("circumstances"),
		DescriptionClothing: r.PostFormValue("description_clothing"), Grading: gradingFrom(r)}
	if d.Child != nil {
		rep.ChildID = d.Child.ID
	} else {
		rep.MatchRef = d.Held.Ref
	}
	rep.LPAID, _ = strconv.ParseInt(r.PostFormValue("lpa_id"), 10, 64)
	err := v.Err()
	var e *vigil.Episode
	if err == nil {
		e, err = s.svc.Missing.Report(r.Context(), rep)
	} else if rerr := rep.Validate(time.Time{}, s.now()); rerr != nil {
		// Show every problem at once, not the dates first.
		for _, f := range vigil.ErrorFields(rerr) {
			if !v.Has(f.Field) && f.Field != "child_id" {
				v.Add(f.Field, "%s", f.Message)
			}
		}
		err = v.Err()
	}
	if err != nil {
		fields := vigil.ErrorFields(err)
		if slices.ContainsFunc(fields, func(f vigil.FieldError) bool { return f.Field == "match_ref" }) {
			// The possible match has run out or been used: search again.
			http.Redirect(w, r, "/missing/report?expired=1", http.StatusSeeOther)
			return
		}
		if len(fields) > 0 {
			s.render(w, r, http.StatusUnprocessableEntity, "report-missing", &Page{Title: d.title(),
				Data: d, Errors: fields, Form: r.PostForm})
			return
		}
		s.pageError(w, r, err)
		return
	}
	http.Redirect(w, r, fmt.Sprintf("/missing/episodes/%d?done=report", e.ID), http.StatusSeeOther)
}
