package web

import (
	"context"
	"errors"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/vigilcp/vigil/internal/vigil"
)

// The missing-children API: a missing episode from the first call to its
// closure, the work queues and the lists behind the dashboard's figures,
// repeat-missing children and their multi-agency plans, the dashboard and
// the force's targets. Every handler makes one service call, which checks
// permission and writes the access log in its own transaction.
//
// Times: the times of events (reported, last seen, found, deployed, the
// interviews) are RFC 3339 instants with their offset. Plan dates, and the
// from and to of lists and the dashboard, may also be calendar dates
// (YYYY-MM-DD), read in Europe/London: a from date starts at midnight at
// the start of that day, and a to date includes the whole day. Given as
// instants, from is included and to is not.
//
// Durations are whole milliseconds, in fields named _ms, everywhere: the
// dashboard's delays and the force's targets alike.
//
// Request fields that change an episode are named as the episode's own
// fields are (found_at, prevention_disclosures, rhi_offered_at…), so that
// a field error's pointer names the field that was sent.

// Purposes recorded in the access log for the missing-children API.
const (
	apiPurposeMissingList = "working on missing children: queues and lists"
	apiPurposeMissingView = "working on a missing child's episode"
	apiPurposeMissingPlan = "planning for a child who goes missing repeatedly"
	apiPurposeMissingFigs = "measuring the response to missing children"
)

// missingAPIRoutes registers the missing-children API.
func (s *Server) missingAPIRoutes() {
	s.handle("POST /api/v1/missing-episodes", s.apiReportMissing)
	s.handle("GET /api/v1/missing-episodes", s.apiMissingEpisodes)
	s.handle("GET /api/v1/missing-episodes/{id}", s.apiMissingEpisode)
	s.handle("POST /api/v1/missing-episodes/{id}/gradings", s.apiGradeEpisode)
	s.handle("POST /api/v1/missing-episodes/{id}/ratification", s.apiRatifyEpisode)
	s.handle("POST /api/v1/missing-episodes/{id}/deployments", s.apiDeployEpisode)
	s.handle("POST /api/v1/missing-episodes/{id}/notes", s.apiEpisodeNote)
	s.handle("POST /api/v1/missing-episodes/{id}/found", s.apiEpisodeFound)
	s.handle("POST /api/v1/missing-episodes/{id}/nmpu", s.apiEpisodeNMPU)
	s.handle("POST /api/v1/missing-episodes/{id}/prevention", s.apiEpisodePrevention)
	s.handle("POST /api/v1/missing-episodes/{id}/return-interview", s.apiEpisodeReturnInterview)
	s.handle("POST /api/v1/missing-episodes/{id}/close", s.apiCloseEpisode)
	s.handle("GET /api/v1/repeat-children", s.apiRepeatChildren)
	s.handle("GET /api/v1/children/{id}/plans", s.apiPlans)
	s.handle("POST /api/v1/children/{id}/plans", s.apiCreatePlan)
	s.handle("GET /api/v1/children/{id}/plans/{plan}", s.apiPlan)
	s.handle("PUT /api/v1/children/{id}/plans/{plan}", s.apiUpdatePlan)
	s.handle("GET /api/v1/missing-dashboard", s.apiMissingDashboard)
	s.handle("GET /api/v1/missing-targets", s.apiMissingTargets)
	s.handle("PUT /api/v1/missing-targets", s.apiSetMissingTargets)
}

// Reading times.

// apiInstant reads an RFC 3339 instant from a request field; "" is the
// zero time (not given).
func apiInstant(v *vigil.Validation, field, s string) time.Time {
	if s == "" {
		return time.Time{}
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		v.Add(field, "%s must be a date and time with its offset, like 2026-03-02T09:30:00Z", field)
		return time.Time{}
	}
	return t.UTC()
}

// apiInstantPtr is apiInstant for an optional time: nil when not given.
func apiInstantPtr(v *vigil.Validation, field, s string) *time.Time {
	t := apiInstant(v, field, s)
	if t.IsZero() {
		return nil
	}
	return &t
}

// apiDateOrInstant reads a calendar date (YYYY-MM-DD, Europe/London) or an
// RFC 3339 instant; "" is the zero time. A date is the midnight that starts
// it, or with end set the midnight that ends it (a "to" date includes its
// whole day). A space is read as "+": an unencoded offset in a query
// string arrives as one.
func apiDateOrInstant(v *vigil.Validation, field, s string, end bool) time.Time {
	if s == "" {
		return time.Time{}
	}
	if d, err := time.ParseInLocation(time.DateOnly, s, london); err == nil {
		if end {
			d = d.AddDate(0, 0, 1)
		}
		return d.UTC()
	}
	if t, err := time.Parse(time.RFC3339Nano, strings.ReplaceAll(s, " ", "+")); err == nil {
		return t.UTC()
	}
	v.Add(field, "%s must be a date like 2026-03-02, or a date and time with its offset like 2026-03-02T09:30:00Z", field)
	return time.Time{}
}

// apiPeriod reads the from and to query parameters (see apiDateOrInstant),
// which must be in order when both are given.
func apiPeriod(v *vigil.Validation, q url.Values) (from, to time.Time) {
	from = apiDateOrInstant(v, "from", q.Get("from"), false)
	to = apiDateOrInstant(v, "to", q.Get("to"), true)
	if !from.IsZero() && !to.IsZero() && !from.Before(to) {
		v.Add("to", "to must be after from")
	}
	return from, to
}

// apiBool reads an optional true/false query parameter.
func apiBool(v *vigil.Validation, q url.Values, field string) bool {
	s := q.Get(field)
	if s == "" {
		return false
	}
	b, err := strconv.ParseBool(s)
	if err != nil {
		v.Add(field, "%s must be true or false", field)
	}
	return b
}

// apiMerge adds err's field errors to v; any other error is returned.
func apiMerge(v *vigil.Validation, err error) error {
	if err == nil {
		return nil
	}
	fields := vigil.ErrorFields(err)
	if len(fields) == 0 {
		return err
	}
	for _, f := range fields {
		v.Add(f.Field, "%s", f.Message)
	}
	return nil
}

// apiRename renames the fields of a validation error from the names the
// domain rules use to the request's (a JSON pointer is made from the
// name, with "." between levels).
func apiRename(err error, names map[string]string) error {
	var e *vigil.Error
	if !errors.As(err, &e) || len(e.Fields) == 0 {
		return err
	}
	out := *e
	out.Fields = make([]vigil.FieldError, len(e.Fields))
	for i, f := range e.Fields {
		if n, ok := names[f.Field]; ok {
			f.Field = n
		}
		out.Fields[i] = f
	}
	return &out
}

// apiMS is a duration in whole milliseconds.
func apiMS(d time.Duration) int64 { return d.Milliseconds() }

// Episodes.

// apiGradingInput is a risk grading as a request gives it.
type apiGradingInput struct {
	Level     vigil.RiskLevel `json:"level"`
	Factors   []string        `json:"factors"`
	Rationale string          `json:"rationale"`
}

func (g apiGradingInput) grading() vigil.Grading {
	return vigil.Grading{Level: g.Level, Factors: g.Factors, Rationale: g.Rationale}
}

// apiReportInput is the body of a new missing report.
type apiReportInput struct {
	ChildID             int64           `json:"child_id"`
	MatchRef            string          `json:"match_ref"`
	ReportedAt          string          `json:"reported_at"`
	ReporterName        string          `json:"reporter_name"`
	ReporterContact     string          `json:"reporter_contact"`
	ReporterRelation    string          `json:"reporter_relation"`
	LastSeenAt          string          `json:"last_seen_at"`
	LastSeenPlace       string          `json:"last_seen_place"`
	Circumstances       string          `json:"circumstances"`
	DescriptionClothing string          `json:"description_clothing"`
	LPAID               int64           `json:"lpa_id"`
	Grading             apiGradingInput `json:"grading"`
}

// apiReportFields maps the report rules' field names to the body's.
var apiReportFields = map[string]string{"risk": "grading.level", "factors": "grading.factors", "rationale": "grading.rationale"}

func episodeLocation(id int64) string { return "/api/v1/missing-episodes/" + strconv.FormatInt(id, 10) }

func (s *Server) apiReportMissing(w http.ResponseWriter, r *http.Request) {
	if err := requireSignIn(r); err != nil {
		s.apiError(w, r, err)
		return
	}
	var in apiReportInput
	if err := decode(r, &in); err != nil {
		s.apiError(w, r, err)
		return
	}
	var v vigil.Validation
	rep := vigil.NewReport{ChildID: in.ChildID, MatchRef: in.MatchRef, ReportedAt: apiInstant(&v, "reported_at", in.ReportedAt),
		ReporterName: in.ReporterName, ReporterContact: in.ReporterContact, ReporterRelation: in.ReporterRelation,
		LastSeenAt: apiInstant(&v, "last_seen_at", in.LastSeenAt), LastSeenPlace: in.LastSeenPlace,
		Circumstances: in.Circumstances, DescriptionClothing: in.DescriptionClothing, LPAID: in.LPAID,
		Grading: in.Grading.grading()}
	if err := v.Err(); err != nil {
		s.apiError(w, r, err)
		return
	}
	e, err := s.svc.Missing.Report(vigil.WithPurpose(r.Context(), apiPurposeMissingView), rep)
	if err != nil {
		s.apiError(w, r, apiRename(err, apiReportFields))
		return
	}
	w.Header().Set("Location", episodeLocation(e.ID))
	setETag(w, e.Version)
	writeJSON(w, http.StatusCreated, e)
}

func (s *Server) apiMissingEpisodes(w http.ResponseWriter, r *http.Request) {
	if err := requireSignIn(r); err != nil {
		s.apiError(w, r, err)
		return
	}
	q := r.URL.Query()
	var v vigil.Validation
	f := vigil.EpisodeFilter{ChildID: queryID(r, "child_id", &v), LPAID: queryID(r, "lpa_id", &v), TeamID: queryID(r, "team_id", &v),
		Queue: q.Get("queue"), Figure: q.Get("figure"), Status: vigil.EpisodeStatus(q.Get("status")), Risk: vigil.RiskLevel(q.Get("risk"))}
	if f.Queue != "" && !slices.Contains(vigil.Queues, f.Queue) {
		v.Add("queue", "There is no work queue %q; use one of %s", f.Queue, strings.Join(vigil.Queues, ", "))
	}
	if f.Status != "" && !slices.Contains([]vigil.EpisodeStatus{vigil.EpisodeOpen, vigil.EpisodeFound, vigil.EpisodeClosed}, f.Status) {
		v.Add("status", "status must be open, found or closed")
	}
	if f.Risk != "" && !f.Risk.Gradable() && f.Risk != vigil.RiskNoApparentRisk {
		v.Add("risk", "There is no risk level %q; use very_low, low, medium, high or no_apparent_risk", string(f.Risk))
	}
	f.From, f.To = apiPeriod(&v, q)
	pr, err := pageRequest(r)
	if err = apiMerge(&v, err); err == nil {
		err = v.Err()
	}
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	f.PageRequest = pr
	if f.Figure != "" {
		figuresDefault(vigil.PrincipalFrom(r.Context()), &f.LPAID, &f.TeamID)
	}
	page, err := s.svc.Missing.Episodes(vigil.WithPurpose(r.Context(), apiPurposeMissingList), f)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	if page.Items == nil {
		page.Items = []vigil.Episode{}
	}
	writeJSON(w, http.StatusOK, page)
}

func (s *Server) apiMissingEpisode(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err == nil {
		err = requireSignIn(r)
	}
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	e, err := s.svc.Missing.Episode(vigil.WithPurpose(r.Context(), apiPurposeMissingView), id)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	setETag(w, e.Version)
	writeJSON(w, http.StatusOK, e)
}

// apiEpisodeStep runs one step of an episode: the id from the path, the
// body decoded into in, the version it is based on from the body (*version)
// or If-Match, then run, whose episode is answered with its ETag.
func (s *Server) apiEpisodeStep(w http.ResponseWriter, r *http.Request, in any, version *int64,
	run func(ctx context.Context, id int64) (*vigil.Episode, error)) {
	id, err := pathID(r)
	if err == nil {
		err = requireSignIn(r)
	}
	if err == nil {
		err = decode(r, in)
	}
	if err == nil {
		*version, err = baseVersion(r, *version, "episode")
	}
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	e, err := run(vigil.WithPurpose(r.Context(), apiPurposeMissingView), id)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	setETag(w, e.Version)
	writeJSON(w, http.StatusOK, e)
}

func (s *Server) apiGradeEpisode(w http.ResponseWriter, r *http.Request) {
	// A flat struct: an embedded one would put its type's name in the
	// decoder's type errors ("apiGradingInput.level must be a string").
	var in struct {
		Level     vigil.RiskLevel `json:"level"`
		Factors   []string        `json:"factors"`
		Rationale string          `json:"rationale"`
		Version   int64           `json:"version"`
	}
	s.apiEpisodeStep(w, r, &in, &in.Version, func(ctx context.Context, id int64) (*vigil.Episode, error) {
		g := apiGradingInput{Level: in.Level, Factors: in.Factors, Rationale: in.Rationale}
		e, err := s.svc.Missing.Grade(ctx, id, g.grading(), in.Version)
		return e, apiRename(err, map[string]string{"risk": "level"})
	})
}

func (s *Server) apiRatifyEpisode(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Agree   *bool           `json:"agree"`
		Level   vigil.RiskLevel `json:"level"`
		Reason  string          `json:"reason"`
		Version int64           `json:"version"`
	}
	s.apiEpisodeStep(w, r, &in, &in.Version, func(ctx context.Context, id int64) (*vigil.Episode, error) {
		if in.Agree == nil {
			var v vigil.Validation
			v.Add("agree", "Say whether you agree with the grading (true) or change it (false, with a level and a reason)")
			return nil, v.Err()
		}
		return s.svc.Missing.Ratify(ctx, id, *in.Agree, in.Level, in.Reason, in.Version)
	})
}

func (s *Server) apiDeployEpisode(w http.ResponseWriter, r *http.Request) {
	var in struct {
		People     []int64 `json:"people"`
		DeployedAt string  `json:"deployed_at"`
		Version    int64   `json:"version"`
	}
	s.apiEpisodeStep(w, r, &in, &in.Version, func(ctx context.Context, id int64) (*vigil.Episode, error) {
		var v vigil.Validation
		at := apiInstant(&v, "deployed_at", in.DeployedAt)
		if err := v.Err(); err != nil {
			return nil, err
		}
		return s.svc.Missing.Deploy(ctx, id, in.People, at, in.Version)
	})
}

// apiEpisodeNote adds an entry to an episode's timeline: 204, as the
// timeline is read with the episode.
func (s *Server) apiEpisodeNote(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err == nil {
		err = requireSignIn(r)
	}
	var in struct {
		Kind string `json:"kind"`
		Text string `json:"text"`
	}
	if err == nil {
		err = decode(r, &in)
	}
	if err == nil {
		err = s.svc.Missing.Note(vigil.WithPurpose(r.Context(), apiPurposeMissingView), id, in.Kind, in.Text)
	}
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) apiEpisodeFound(w http.ResponseWriter, r *http.Request) {
	var in struct {
		FoundAt                string   `json:"found_at"`
		FoundPlace             string   `json:"found_place"`
		FoundBy                string   `json:"found_by"`
		Condition              string   `json:"condition"`
		HarmSuffered           string   `json:"harm_suffered"`
		ExploitationIndicators []string `json:"exploitation_indicators"`
		Version                int64    `json:"version"`
	}
	s.apiEpisodeStep(w, r, &in, &in.Version, func(ctx context.Context, id int64) (*vigil.Episode, error) {
		var v vigil.Validation
		f := vigil.FoundDetails{At: apiInstant(&v, "found_at", in.FoundAt), Place: in.FoundPlace, By: in.FoundBy,
			Condition: in.Condition, HarmSuffered: in.HarmSuffered, ExploitationIndicators: in.ExploitationIndicators}
		if err := v.Err(); err != nil {
			return nil, err
		}
		return s.svc.Missing.Found(ctx, id, f, in.Version)
	})
}

func (s *Server) apiEpisodeNMPU(w http.ResponseWriter, r *http.Request) {
	var in struct {
		NMPUSentAt string `json:"nmpu_sent_at"`
		Version    int64  `json:"version"`
	}
	s.apiEpisodeStep(w, r, &in, &in.Version, func(ctx context.Context, id int64) (*vigil.Episode, error) {
		var v vigil.Validation
		at := apiInstant(&v, "nmpu_sent_at", in.NMPUSentAt)
		if err := v.Err(); err != nil {
			return nil, err
		}
		return s.svc.Missing.NotifyNMPU(ctx, id, at, in.Version)
	})
}

func (s *Server) apiEpisodePrevention(w http.ResponseWriter, r *http.Request) {
	var in struct {
		PreventionAt          string `json:"prevention_at"`
		PreventionDisclosures string `json:"prevention_disclosures"`
		Version               int64  `json:"version"`
	}
	s.apiEpisodeStep(w, r, &in, &in.Version, func(ctx context.Context, id int64) (*vigil.Episode, error) {
		var v vigil.Validation
		at := apiInstant(&v, "prevention_at", in.PreventionAt)
		if err := v.Err(); err != nil {
			return nil, err
		}
		e, err := s.svc.Missing.Prevention(ctx, id, at, in.PreventionDisclosures, in.Version)
		return e, apiRename(err, map[string]string{"disclosures": "prevention_disclosures"})
	})
}

func (s *Server) apiEpisodeReturnInterview(w http.ResponseWriter, r *http.Request) {
	var in struct {
		RHIOfferedAt   string `json:"rhi_offered_at"`
		RHIDeclinedAt  string `json:"rhi_declined_at"`
		RHICompletedAt string `json:"rhi_completed_at"`
		RHINotes       string `json:"rhi_notes"`
		Version        int64  `json:"version"`
	}
	s.apiEpisodeStep(w, r, &in, &in.Version, func(ctx context.Context, id int64) (*vigil.Episode, error) {
		var v vigil.Validation
		d := vigil.RHIDetails{OfferedAt: apiInstantPtr(&v, "rhi_offered_at", in.RHIOfferedAt),
			DeclinedAt:  apiInstantPtr(&v, "rhi_declined_at", in.RHIDeclinedAt),
			CompletedAt: apiInstantPtr(&v, "rhi_completed_at", in.RHICompletedAt), Notes: in.RHINotes}
		if err := v.Err(); err != nil {
			return nil, err
		}
		return s.svc.Missing.ReturnInterview(ctx, id, d, in.Version)
	})
}

// apiCloseEpisode closes an episode. The body holds only the version, so
// it may be left out when If-Match is sent.
func (s *Server) apiCloseEpisode(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Version int64 `json:"version"`
	}
	if r.ContentLength == 0 && r.Header.Get("If-Match") != "" {
		id, err := pathID(r)
		if err == nil {
			err = requireSignIn(r)
		}
		if err == nil {
			in.Version, err = baseVersion(r, 0, "episode")
		}
		var e *vigil.Episode
		if err == nil {
			e, err = s.svc.Missing.Close(vigil.WithPurpose(r.Context(), apiPurposeMissingView), id, in.Version)
		}
		if err != nil {
			s.apiError(w, r, err)
			return
		}
		setETag(w, e.Version)
		writeJSON(w, http.StatusOK, e)
		return
	}
	s.apiEpisodeStep(w, r, &in, &in.Version, func(ctx context.Context, id int64) (*vigil.Episode, error) {
		return s.svc.Missing.Close(ctx, id, in.Version)
	})
}

// Repeat-missing children and their plans.

func (s *Server) apiRepeatChildren(w http.ResponseWriter, r *http.Request) {
	if err := requireSignIn(r); err != nil {
		s.apiError(w, r, err)
		return
	}
	q := r.URL.Query()
	var v vigil.Validation
	f := vigil.RepeatFilter{LPAID: queryID(r, "lpa_id", &v), TeamID: queryID(r, "team_id", &v),
		NoPlan: apiBool(&v, q, "no_plan"), PastReview: apiBool(&v, q, "past_review")}
	pr, err := pageRequest(r)
	if err = apiMerge(&v, err); err == nil {
		err = v.Err()
	}
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	f.PageRequest = pr
	page, err := s.svc.Missing.RepeatChildren(vigil.WithPurpose(r.Context(), apiPurposeMissingPlan), f)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	if page.Items == nil {
		page.Items = []vigil.RepeatChild{}
	}
	writeJSON(w, http.StatusOK, page)
}

func (s *Server) apiPlans(w http.ResponseWriter, r *http.Request) {
	child, err := pathID(r)
	if err == nil {
		err = requireSignIn(r)
	}
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	plans, err := s.svc.Missing.Plans(vigil.WithPurpose(r.Context(), apiPurposeMissingPlan), child)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	if plans == nil {
		plans = []vigil.Plan{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": plans})
}

// planID reads the plan's id from the path.
func planID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("plan"), 10, 64)
	if err != nil || id <= 0 {
		return 0, vigil.Errorf(vigil.ENOTFOUND, "Not found")
	}
	return id, nil
}

// findPlan returns the child's plan with the id, read through the service.
func (s *Server) findPlan(ctx context.Context, child, id int64) (*vigil.Plan, error) {
	plans, err := s.svc.Missing.Plans(ctx, child)
	if err != nil {
		return nil, err
	}
	for i := range plans {
		if plans[i].ID == id {
			return &plans[i], nil
		}
	}
	return nil, vigil.Errorf(vigil.ENOTFOUND, "This child has no plan %d", id)
}

func planLocation(child, id int64) string {
	return "/api/v1/children/" + strconv.FormatInt(child, 10) + "/plans/" + strconv.FormatInt(id, 10)
}

func (s *Server) apiPlan(w http.ResponseWriter, r *http.Request) {
	child, err := pathID(r)
	var id int64
	if err == nil {
		id, err = planID(r)
	}
	if err == nil {
		err = requireSignIn(r)
	}
	var p *vigil.Plan
	if err == nil {
		p, err = s.findPlan(vigil.WithPurpose(r.Context(), apiPurposeMissingPlan), child, id)
	}
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	setETag(w, p.Version)
	writeJSON(w, http.StatusOK, p)
}

// apiPlanAction is one action of a plan as a request gives it.
type apiPlanAction struct {
	Action string `json:"action"`
	Owner  string `json:"owner"`
	DueAt  string `json:"due_at"`
	DoneAt string `json:"done_at"`
}

// apiPlanInput is the body of a new plan.
type apiPlanInput struct {
	StrategyMeetingAt string          `json:"strategy_meeting_at"`
	Agencies          []int64         `json:"agencies"`
	ReviewAt          string          `json:"review_at"`
	Summary           string          `json:"summary"`
	Actions           []apiPlanAction `json:"actions"`
}

// apiPlanUpdate is the body of a review of a plan, or its end: the whole
// plan as it now stands, and the version it is based on.
type apiPlanUpdate struct {
	apiPlanInput
	EndedAt string `json:"ended_at"`
	Version int64  `json:"version"`
}

// plan reads the input's dates (a date or an instant each) into a plan.
func (in apiPlanInput) plan(v *vigil.Validation, child int64) vigil.Plan {
	p := vigil.Plan{ChildID: child, StrategyMeetingAt: apiDateOrInstant(v, "strategy_meeting_at", in.StrategyMeetingAt, false),
		Agencies: in.Agencies, ReviewAt: apiDateOrInstant(v, "review_at", in.ReviewAt, false), Summary: in.Summary,
		Actions: []vigil.PlanAction{}}
	for i, a := range in.Actions {
		pa := vigil.PlanAction{Action: a.Action, Owner: a.Owner}
		field := "actions." + strconv.Itoa(i) + "."
		if t := apiDateOrInstant(v, field+"due_at", a.DueAt, false); !t.IsZero() {
			pa.DueAt = &t
		}
		if t := apiDateOrInstant(v, field+"done_at", a.DoneAt, false); !t.IsZero() {
			pa.DoneAt = &t
		}
		p.Actions = append(p.Actions, pa)
	}
	return p
}

func (s *Server) apiCreatePlan(w http.ResponseWriter, r *http.Request) {
	child, err := pathID(r)
	if err == nil {
		err = requireSignIn(r)
	}
	var in apiPlanInput
	if err == nil {
		err = decode(r, &in)
	}
	var p vigil.Plan
	if err == nil {
		var v vigil.Validation
		p = in.plan(&v, child)
		err = v.Err()
	}
	var out *vigil.Plan
	if err == nil {
		out, err = s.svc.Missing.SavePlan(vigil.WithPurpose(r.Context(), apiPurposeMissingPlan), p)
	}
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	w.Header().Set("Location", planLocation(child, out.ID))
	setETag(w, out.Version)
	writeJSON(w, http.StatusCreated, out)
}

// apiUpdatePlan replaces a plan: a review (new review date, actions) or its
// end (ended_at). A stale version is refused with 409; a plan that is not
// the child's is not found.
func (s *Server) apiUpdatePlan(w http.ResponseWriter, r *http.Request) {
	child, err := pathID(r)
	var id int64
	if err == nil {
		id, err = planID(r)
	}
	if err == nil {
		err = requireSignIn(r)
	}
	var in apiPlanUpdate
	if err == nil {
		err = decode(r, &in)
	}
	if err == nil {
		in.Version, err = baseVersion(r, in.Version, "plan")
	}
	var p vigil.Plan
	if err == nil {
		var v vigil.Validation
		p = in.plan(&v, child)
		if t := apiDateOrInstant(&v, "ended_at", in.EndedAt, false); !t.IsZero() {
			p.EndedAt = &t
		}
		p.ID, p.Version = id, in.Version
		err = v.Err()
	}
	ctx := vigil.WithPurpose(r.Context(), apiPurposeMissingPlan)
	var out *vigil.Plan
	if err == nil {
		out, err = s.svc.Missing.SavePlan(ctx, p)
		if vigil.ErrorCode(err) == vigil.ECONFLICT {
			// Stale, or not this child's plan at all.
			if _, ferr := s.findPlan(ctx, child, id); vigil.ErrorCode(ferr) == vigil.ENOTFOUND {
				err = ferr
			}
		}
	}
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	setETag(w, out.Version)
	writeJSON(w, http.StatusOK, out)
}

// The dashboard.

// apiFigureLinks are the lists of episodes (or children) behind a figure:
// all of them, those that met the target and those that missed it.
type apiFigureLinks struct {
	All    string `json:"all,omitempty"`
	Met    string `json:"met,omitempty"`
	Missed string `json:"missed,omitempty"`
}

// apiFigure is a number of episodes and the list of them.
type apiFigure struct {
	Count int    `json:"count"`
	Href  string `json:"href"`
}

// apiRiskFigure is a number of episodes at one risk level.
type apiRiskFigure struct {
	Risk  vigil.RiskLevel `json:"risk"`
	Count int             `json:"count"`
	Href  string          `json:"href"`
}

// apiOpenFigure is the episodes open now, by risk.
type apiOpenFigure struct {
	Count  int             `json:"count"`
	Href   string          `json:"href"`
	ByRisk []apiRiskFigure `json:"by_risk"`
}

// apiTargetFigure is how long a step took against its target: the share
// within it (null when nothing was measured), and the median and 90th
// percentile (null when nothing was measured, or when the step has not yet
// happened for that many of them).
type apiTargetFigure struct {
	Risk         vigil.RiskLevel `json:"risk,omitempty"`
	TargetMS     int64           `json:"target_ms"`
	Count        int             `json:"count"`
	WithinTarget int             `json:"within_target"`
	Share        *float64        `json:"share"`
	MedianMS     *int64          `json:"median_ms"`
	P90MS        *int64          `json:"p90_ms"`
	Links        apiFigureLinks  `json:"links"`
}

// apiDurationFigure is how long something took, with no target.
type apiDurationFigure struct {
	Count    int            `json:"count"`
	MedianMS *int64         `json:"median_ms"`
	P90MS    *int64         `json:"p90_ms"`
	Links    apiFigureLinks `json:"links"`
}

// apiCountFigure is how many of a number met a condition.
type apiCountFigure struct {
	Of    int            `json:"of"`
	Met   int            `json:"met"`
	Share *float64       `json:"share"`
	Links apiFigureLinks `json:"links"`
}

// apiTrendPoint is one month of the trend.
type apiTrendPoint struct {
	Month          string         `json:"month"`
	From           time.Time      `json:"from"`
	To             time.Time      `json:"to"`
	Reported       apiFigure      `json:"reported"`
	RatifiedWithin apiCountFigure `json:"ratified_within_target"`
	DeployedWithin apiCountFigure `json:"deployed_within_target"`
	RatifyMedianMS *int64         `json:"ratify_median_ms"`
	DeployMedianMS *int64         `json:"deploy_median_ms"`
}

// apiDashboard is the missing-children dashboard for an area and period.
type apiDashboard struct {
	From         time.Time         `json:"from"`
	To           time.Time         `json:"to"`
	LPAID        int64             `json:"lpa_id,omitempty"`
	TeamID       int64             `json:"team_id,omitempty"`
	Open         apiOpenFigure     `json:"open"`
	Reported     apiFigure         `json:"reported"`
	Ratification []apiTargetFigure `json:"ratification"`
	Deployment   []apiTargetFigure `json:"deployment"`
	TimeMissing  apiDurationFigure `json:"time_missing"`
	Prevention   apiTargetFigure   `json:"prevention"`
	RHIOffered   apiCountFigure    `json:"rhi_offered_within_72h"`
	RHICompleted apiCountFigure    `json:"rhi_completed_within_72h"`
	Repeat       apiCountFigure    `json:"repeat_children_with_plan"`
	Trend        []apiTrendPoint   `json:"trend"`
	Targets      apiTargets        `json:"targets"`
}

// apiNotYet: a delay this long stands for a step that has not happened
// (the store counts a return with no prevention interview yet against the
// target with the longest duration there is).
const apiNotYet = 100 * 365 * 24 * time.Hour

// apiDelayMS is a summarised delay in milliseconds, or null when none was
// measured or the step has not happened.
func apiDelayMS(d time.Duration, count int) *int64 {
	if count == 0 || d >= apiNotYet {
		return nil
	}
	ms := apiMS(d)
	return &ms
}

func apiShare(met, of int) *float64 {
	if of == 0 {
		return nil
	}
	s := float64(met) / float64(of)
	return &s
}

// apiDashboardLinks makes the links of one dashboard.
type apiDashboardLinks struct {
	lpa, team int64
	from, to  time.Time
}

// episodes is the list of the episodes behind a figure: risk may be "", and
// a zero period (the open episodes) leaves out from and to.
func (l apiDashboardLinks) episodes(figure string, risk vigil.RiskLevel, from, to time.Time) string {
	q := url.Values{"figure": {figure}}
	if risk != "" {
		q.Set("risk", string(risk))
	}
	if !from.IsZero() {
		q.Set("from", from.UTC().Format(time.RFC3339Nano))
		q.Set("to", to.UTC().Format(time.RFC3339Nano))
	}
	l.area(q)
	return "/api/v1/missing-episodes?" + q.Encode()
}

func (l apiDashboardLinks) area(q url.Values) {
	if l.lpa != 0 {
		q.Set("lpa_id", strconv.FormatInt(l.lpa, 10))
	}
	if l.team != 0 {
		q.Set("team_id", strconv.FormatInt(l.team, 10))
	}
}

func (l apiDashboardLinks) metMissed(met, missed string, risk vigil.RiskLevel, from, to time.Time) apiFigureLinks {
	return apiFigureLinks{Met: l.episodes(met, risk, from, to), Missed: l.episodes(missed, risk, from, to)}
}

func (l apiDashboardLinks) repeat(noPlan bool) string {
	q := url.Values{}
	if noPlan {
		q.Set("no_plan", "true")
	}
	l.area(q)
	if len(q) == 0 {
		return "/api/v1/repeat-children"
	}
	return "/api/v1/repeat-children?" + q.Encode()
}

func targetFigure(risk vigil.RiskLevel, target time.Duration, s vigil.DelayStats, links apiFigureLinks) apiTargetFigure {
	return apiTargetFigure{Risk: risk, TargetMS: apiMS(target), Count: s.Count, WithinTarget: s.WithinTarget,
		Share: apiShare(s.WithinTarget, s.Count), MedianMS: apiDelayMS(s.Median, s.Count), P90MS: apiDelayMS(s.P90, s.Count), Links: links}
}

func countFigure(c vigil.Count, links apiFigureLinks) apiCountFigure {
	return apiCountFigure{Of: c.Of, Met: c.Met, Share: apiShare(c.Met, c.Of), Links: links}
}

// apiDashboardPeriod reads the dashboard's period. By default it ends at
// the end of today and starts on the first day of the month eleven months
// before (Europe/London): twelve calendar months, this one so far.
func apiDashboardPeriod(v *vigil.Validation, q url.Values, now time.Time) (from, to time.Time) {
	return monthPeriod(v, q.Get("from"), q.Get("to"), now)
}

func (s *Server) apiMissingDashboard(w http.ResponseWriter, r *http.Request) {
	if err := requireSignIn(r); err != nil {
		s.apiError(w, r, err)
		return
	}
	q := r.URL.Query()
	var v vigil.Validation
	f := vigil.DashboardFilter{LPAID: queryID(r, "lpa_id", &v), TeamID: queryID(r, "team_id", &v)}
	f.From, f.To = apiDashboardPeriod(&v, q, s.now())
	if err := v.Err(); err != nil {
		s.apiError(w, r, err)
		return
	}
	figuresDefault(vigil.PrincipalFrom(r.Context()), &f.LPAID, &f.TeamID)
	d, err := s.svc.Missing.Dashboard(vigil.WithPurpose(r.Context(), apiPurposeMissingFigs), f)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, dashboardJSON(d, f))
}

// dashboardJSON is the dashboard as the API shows it: durations in
// milliseconds, shares from 0 to 1, and the lists behind each figure.
func dashboardJSON(d *vigil.Dashboard, f vigil.DashboardFilter) apiDashboard {
	l := apiDashboardLinks{lpa: f.LPAID, team: f.TeamID, from: f.From, to: f.To}
	out := apiDashboard{From: f.From, To: f.To, LPAID: f.LPAID, TeamID: f.TeamID,
		Reported: apiFigure{Count: d.Episodes, Href: l.episodes("reported", "", f.From, f.To)},
		TimeMissing: apiDurationFigure{Count: d.TimeMissing.Count, MedianMS: apiDelayMS(d.TimeMissing.Median, d.TimeMissing.Count),
			P90MS: apiDelayMS(d.TimeMissing.P90, d.TimeMissing.Count), Links: apiFigureLinks{All: l.episodes("time_missing", "", f.From, f.To)}},
		Prevention: targetFigure("", d.Targets.Prevention, d.Prevention,
			l.metMissed("prevention_met", "prevention_missed", "", f.From, f.To)),
		RHIOffered:   countFigure(d.RHIOffered, l.metMissed("rhi_offered", "rhi_not_offered", "", f.From, f.To)),
		RHICompleted: countFigure(d.RHICompleted, l.metMissed("rhi_completed", "rhi_not_completed", "", f.From, f.To)),
		Repeat:       countFigure(d.Repeat, apiFigureLinks{All: l.repeat(false), Missed: l.repeat(true)}),
		Ratification: []apiTargetFigure{}, Deployment: []apiTargetFigure{}, Trend: []apiTrendPoint{},
		Targets: targetsJSON(d.Targets),
	}
	out.Open = apiOpenFigure{Href: l.episodes("open", "", time.Time{}, time.Time{}), ByRisk: []apiRiskFigure{}}
	// Highest risk first; the imported "absent" level only when some are.
	levels := []vigil.RiskLevel{vigil.RiskHigh, vigil.RiskMedium, vigil.RiskLow, vigil.RiskVeryLow, vigil.RiskNoApparentRisk}
	for _, risk := range levels {
		n := d.Open[risk]
		if n == 0 && risk == vigil.RiskNoApparentRisk {
			continue
		}
		out.Open.Count += n
		out.Open.ByRisk = append(out.Open.ByRisk, apiRiskFigure{Risk: risk, Count: n, Href: l.episodes("open", risk, time.Time{}, time.Time{})})
	}
	for _, rd := range d.Ratify {
		out.Ratification = append(out.Ratification, targetFigure(rd.Risk, rd.Target, rd.DelayStats,
			l.metMissed("ratify_met", "ratify_missed", rd.Risk, f.From, f.To)))
	}
	for _, rd := range d.Deploy {
		out.Deployment = append(out.Deployment, targetFigure(rd.Risk, rd.Target, rd.DelayStats,
			l.metMissed("deploy_met", "deploy_missed", rd.Risk, f.From, f.To)))
	}
	for i, p := range d.Trend {
		// Each month, cut to the period.
		from := p.Month
		if from.Before(f.From) {
			from = f.From
		}
		to := f.To
		if i+1 < len(d.Trend) && d.Trend[i+1].Month.Before(to) {
			to = d.Trend[i+1].Month
		}
		out.Trend = append(out.Trend, apiTrendPoint{Month: p.Month.In(london).Format("2006-01"), From: from.UTC(), To: to.UTC(),
			Reported:       apiFigure{Count: p.Episodes, Href: l.episodes("reported", "", from, to)},
			RatifiedWithin: countFigure(p.RatifyWithin, l.metMissed("ratify_met", "ratify_missed", "", from, to)),
			DeployedWithin: countFigure(p.DeployWithin, l.metMissed("deploy_met", "deploy_missed", "", from, to)),
			RatifyMedianMS: apiDelayMS(p.RatifyMedian, p.RatifyWithin.Of), DeployMedianMS: apiDelayMS(p.DeployMedian, p.DeployWithin.Of)})
	}
	return out
}

// Targets.

// apiTargets are the force's targets with durations in milliseconds, each
// per-risk map keyed by level (very_low, low, medium, high).
type apiTargets struct {
	RatifyMS       map[vigil.RiskLevel]int64 `json:"ratify_ms"`
	DeployMS       map[vigil.RiskLevel]int64 `json:"deploy_ms"`
	ReviewMS       map[vigil.RiskLevel]int64 `json:"review_ms"`
	PreventionMS   int64                     `json:"prevention_ms"`
	RepeatEpisodes int                       `json:"repeat_episodes"`
	RepeatWindow   int                       `json:"repeat_window_days"`
}

// apiMaxTargetMS is the longest target the API takes: a year.
const apiMaxTargetMS = 365 * 24 * 60 * 60 * 1000

func targetsJSON(t vigil.Targets) apiTargets {
	ms := func(m map[vigil.RiskLevel]time.Duration) map[vigil.RiskLevel]int64 {
		out := make(map[vigil.RiskLevel]int64, len(m))
		for k, d := range m {
			out[k] = apiMS(d)
		}
		return out
	}
	return apiTargets{RatifyMS: ms(t.Ratify), DeployMS: ms(t.Deploy), ReviewMS: ms(t.Review), PreventionMS: apiMS(t.Prevention),
		RepeatEpisodes: t.RepeatEpisodes, RepeatWindow: t.RepeatWindow}
}

// targets reads the body's targets, refusing any longer than a year.
func (in apiTargets) targets(v *vigil.Validation) vigil.Targets {
	dur := func(field string, ms int64) time.Duration {
		if ms > apiMaxTargetMS {
			v.Add(field, "A target cannot be longer than a year (%d ms)", int64(apiMaxTargetMS))
			return 0
		}
		return time.Duration(ms) * time.Millisecond
	}
	perLevel := func(name string, m map[vigil.RiskLevel]int64) map[vigil.RiskLevel]time.Duration {
		if m == nil {
			return nil
		}
		out := make(map[vigil.RiskLevel]time.Duration, len(m))
		for _, k := range slices.Sorted(maps.Keys(m)) {
			out[k] = dur(name+"."+string(k), m[k])
		}
		return out
	}
	return vigil.Targets{Ratify: perLevel("ratify_ms", in.RatifyMS), Deploy: perLevel("deploy_ms", in.DeployMS),
		Review: perLevel("review_ms", in.ReviewMS), Prevention: dur("prevention_ms", in.PreventionMS),
		RepeatEpisodes: in.RepeatEpisodes, RepeatWindow: in.RepeatWindow}
}

// targetFields maps the targets rules' field names ("ratify_high",
// "prevention") to the body's ("ratify_ms.high", "prevention_ms").
func targetFields() map[string]string {
	names := map[string]string{"prevention": "prevention_ms"}
	for _, kind := range []string{"ratify", "deploy", "review"} {
		names[kind] = kind + "_ms"
		for _, r := range vigil.RiskLevels {
			names[kind+"_"+string(r)] = kind + "_ms." + string(r)
		}
	}
	return names
}

func (s *Server) apiMissingTargets(w http.ResponseWriter, r *http.Request) {
	if err := requireSignIn(r); err != nil {
		s.apiError(w, r, err)
		return
	}
	t, err := s.svc.Missing.Targets(r.Context())
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, targetsJSON(t))
}

// apiSetMissingTargets replaces the force's targets, every one of them;
// the answer is the targets as saved.
func (s *Server) apiSetMissingTargets(w http.ResponseWriter, r *http.Request) {
	if err := requireSignIn(r); err != nil {
		s.apiError(w, r, err)
		return
	}
	var in apiTargets
	if err := decode(r, &in); err != nil {
		s.apiError(w, r, err)
		return
	}
	var v vigil.Validation
	t := in.targets(&v)
	err := v.Err()
	if err == nil {
		err = apiRename(s.svc.Missing.SetTargets(r.Context(), t), targetFields())
	}
	if err == nil {
		t, err = s.svc.Missing.Targets(r.Context())
	}
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, targetsJSON(t))
}
