package vigil

import (
	"context"
	"slices"
	"strings"
	"time"
)

// RiskLevel is a missing child's grading on the APP's continuum of risk.
type RiskLevel string

// Risk levels. NoApparentRisk ("absent") is the pre-2017 level: it exists
// only on imported historical records, and a child is never graded absent.
const (
	RiskVeryLow        RiskLevel = "very_low"
	RiskLow            RiskLevel = "low"
	RiskMedium         RiskLevel = "medium"
	RiskHigh           RiskLevel = "high"
	RiskNoApparentRisk RiskLevel = "no_apparent_risk"
)

// RiskLevels are the levels a child may be graded, lowest first.
var RiskLevels = []RiskLevel{RiskVeryLow, RiskLow, RiskMedium, RiskHigh}

// Gradable reports whether a child may be graded at this level now.
func (r RiskLevel) Gradable() bool {
	for _, x := range RiskLevels {
		if x == r {
			return true
		}
	}
	return false
}

// Label is the level as people say it.
func (r RiskLevel) Label() string {
	switch r {
	case RiskVeryLow:
		return "Very low"
	case RiskLow:
		return "Low"
	case RiskMedium:
		return "Medium"
	case RiskHigh:
		return "High"
	case RiskNoApparentRisk:
		return "No apparent risk (absent)"
	}
	return string(r)
}

// RiskFactor is one question of the structured risk assessment, drawn
// from the APP's risk factors.
type RiskFactor struct {
	ID       string
	Question string
}

// RiskFactors is the questionnaire a grader answers.
var RiskFactors = []RiskFactor{
	{"out_of_character", "Is going missing out of character?"},
	{"crime_suspected", "Is the child thought to be the victim of a crime in progress (abduction, exploitation)?"},
	{"exploitation", "Are there concerns about child sexual or criminal exploitation (including county lines)?"},
	{"self_harm", "Is there any indication of self-harm or suicidal thoughts?"},
	{"medical", "Does the child need medication or have a condition that puts them at risk without it?"},
	{"mental_health", "Are there mental health concerns?"},
	{"substance", "Is drug or alcohol use a concern?"},
	{"domestic_abuse", "Is there domestic abuse or family conflict at home?"},
	{"online", "Is there concerning online contact?"},
	{"associates", "Is the child with, or thought to be with, adults or peers who pose a risk?"},
	{"weather", "Do the weather or the place put the child at risk?"},
	{"young_age", "Is the child's age or vulnerability a risk in itself?"},
	{"previous_harm", "Was the child harmed, or at risk, when missing before?"},
	{"looked_after", "Is the child looked after (in care)?"},
}

// EpisodeStatus is where a missing episode has got to.
type EpisodeStatus string

// Episode statuses.
const (
	EpisodeOpen   EpisodeStatus = "open"   // missing
	EpisodeFound  EpisodeStatus = "found"  // found or returned; follow-up under way
	EpisodeClosed EpisodeStatus = "closed" // closed after a supervisor's check
)

// Grading is one risk grading of an episode, kept with every regrading.
type Grading struct {
	ID        int64     `json:"id"`
	Level     RiskLevel `json:"level"`
	Factors   []string  `json:"factors"`
	Rationale string    `json:"rationale"`
	GradedAt  time.Time `json:"graded_at"`
	GradedBy  int64     `json:"graded_by"`
	Grader    string    `json:"grader,omitempty"`
	// Ratification: a control-room manager, not the grader, agrees or
	// changes it.
	RatifiedAt    *time.Time `json:"ratified_at,omitempty"`
	RatifiedBy    int64      `json:"ratified_by,omitempty"`
	RatifiedLevel RiskLevel  `json:"ratified_level,omitempty"`
	RatifyReason  string     `json:"ratify_reason,omitempty"`
	// ReviewBy is when a supervisor must next review the grading (APP's
	// minimum actions).
	ReviewBy time.Time `json:"review_by"`
}

// Episode is one missing episode of one child, from the first call to its
// closure. Each step is timed and attributed.
type Episode struct {
	ID      int64         `json:"id"`
	ChildID int64         `json:"child_id"`
	Status  EpisodeStatus `json:"status"`
	LPAID   int64         `json:"lpa_id"`
	TeamID  int64         `json:"team_id,omitempty"`
	// Report.
	ReportedAt          time.Time `json:"reported_at"`
	ReporterName        string    `json:"reporter_name"`
	ReporterContact     string    `json:"reporter_contact"`
	ReporterRelation    string    `json:"reporter_relation"`
	LastSeenAt          time.Time `json:"last_seen_at"`
	LastSeenPlace       string    `json:"last_seen_place"`
	Circumstances       string    `json:"circumstances"`
	DescriptionClothing string    `json:"description_clothing"`
	// Risk: the grading in force, and all of them.
	Risk     RiskLevel `json:"risk"`
	Gradings []Grading `json:"gradings,omitempty"`
	// Deployment.
	DeployedAt *time.Time `json:"deployed_at,omitempty"`
	DeployedTo []int64    `json:"deployed_to,omitempty"` // people
	// Found or returned.
	FoundAt                *time.Time `json:"found_at,omitempty"`
	FoundPlace             string     `json:"found_place,omitempty"`
	FoundBy                string     `json:"found_by,omitempty"`
	Condition              string     `json:"condition,omitempty"`
	HarmSuffered           string     `json:"harm_suffered,omitempty"`
	ExploitationIndicators []string   `json:"exploitation_indicators,omitempty"`
	// National Missing Persons Unit notification, due when missing over
	// 72 hours.
	NMPUSentAt *time.Time `json:"nmpu_sent_at,omitempty"`
	// Prevention interview (safe and well check) by police.
	PreventionAt          *time.Time `json:"prevention_at,omitempty"`
	PreventionDisclosures string     `json:"prevention_disclosures,omitempty"`
	// Return home interview by the local authority.
	RHIOfferedAt   *time.Time `json:"rhi_offered_at,omitempty"`
	RHIDeclinedAt  *time.Time `json:"rhi_declined_at,omitempty"`
	RHICompletedAt *time.Time `json:"rhi_completed_at,omitempty"`
	RHINotes       string     `json:"rhi_notes,omitempty"`
	// Closure.
	ClosedAt  *time.Time `json:"closed_at,omitempty"`
	ClosedBy  int64      `json:"closed_by,omitempty"`
	CheckedBy int64      `json:"checked_by,omitempty"`
	// Imported says the episode came from an older system (the only way
	// it may carry the "absent" level).
	Imported bool `json:"imported,omitempty"`
	// Due times for the work queues: ratification of the grading in
	// force, deployment, and the supervisor's next review.
	FirstRisk   RiskLevel  `json:"first_risk"`
	GradedAt    time.Time  `json:"graded_at"`
	RatifiedAt  *time.Time `json:"ratified_at,omitempty"`
	RatifyDueAt *time.Time `json:"ratify_due_at,omitempty"`
	DeployDueAt *time.Time `json:"deploy_due_at,omitempty"`
	ReviewBy    *time.Time `json:"review_by,omitempty"`
	// The child as lists show them.
	ChildName string    `json:"child_name,omitempty"`
	ChildDOB  time.Time `json:"child_date_of_birth,omitzero"`
	// ByBreakGlass says the reader sees the episode only through a
	// break-glass opening of the child (on reading one episode): for
	// reading, not for its steps.
	ByBreakGlass bool `json:"by_break_glass,omitempty"`
	// Notes is the timeline of enquiries and actions (on reading one
	// episode).
	Notes []EpisodeNote `json:"notes,omitempty"`
	// Withheld names the fields blanked for this reader (WithholdFor).
	Withheld []string `json:"withheld,omitempty"`
	Stamp
}

// FieldReporterContact is the episode field withheld from partner agencies.
const FieldReporterContact = "reporter_contact"

// WithholdFor blanks what the reader has no need to see: a partner
// agency's practitioner (doing the return home interview) does not get
// the phone number or email address of whoever reported the child missing,
// often a member of the public who gave it to the police. The reporter's
// name and relation to the child stay.
func (e *Episode) WithholdFor(p *Principal) {
	if p == nil || p.Scope != ScopeAgency || slices.Contains(e.Withheld, FieldReporterContact) {
		return
	}
	e.ReporterContact = ""
	e.Withheld = append(e.Withheld, FieldReporterContact)
}

// WithholdRecord blanks everything of an episode the reader may not read
// but its id, status, area, risk and times: what a list behind a figure
// counts. Withheld says FieldRecord.
func (e *Episode) WithholdRecord() {
	*e = Episode{ID: e.ID, Status: e.Status, LPAID: e.LPAID, TeamID: e.TeamID, ReportedAt: e.ReportedAt, LastSeenAt: e.LastSeenAt,
		Risk: e.Risk, DeployedAt: e.DeployedAt, FoundAt: e.FoundAt, NMPUSentAt: e.NMPUSentAt, PreventionAt: e.PreventionAt,
		RHIOfferedAt: e.RHIOfferedAt, RHIDeclinedAt: e.RHIDeclinedAt, RHICompletedAt: e.RHICompletedAt, ClosedAt: e.ClosedAt,
		Imported: e.Imported, FirstRisk: e.FirstRisk, GradedAt: e.GradedAt, RatifiedAt: e.RatifiedAt, RatifyDueAt: e.RatifyDueAt,
		DeployDueAt: e.DeployDueAt, ReviewBy: e.ReviewBy, Withheld: []string{FieldRecord}}
}

// IsWithheld reports whether a field is held back from the reader.
func (e Episode) IsWithheld(field string) bool { return slices.Contains(e.Withheld, field) }

// EpisodeNote is one entry on an episode's timeline.
type EpisodeNote struct {
	ID     int64     `json:"id"`
	At     time.Time `json:"at"`
	By     int64     `json:"by,omitempty"`
	Author string    `json:"author,omitempty"`
	Kind   string    `json:"kind"`
	Text   string    `json:"text"`
}

// NoteKinds are the kinds of timeline entry.
var NoteKinds = []string{"enquiry", "action", "review", "update"}

// Work queues: each lists the episodes waiting on one step, the soonest
// due first.
const (
	QueueAwaitingRatification = "awaiting_ratification" // graded, not yet ratified
	QueueAwaitingDeployment   = "awaiting_deployment"   // open, deployment expected, none yet
	QueueOpen                 = "open"                  // open, highest risk first
	QueueReviewsDue           = "reviews_due"           // open, supervisor review due within the hour or overdue
	QueueNoPrevention         = "no_prevention"         // found, no prevention interview yet
	QueueRHIDue               = "rhi_due"               // found, return home interview not completed or declined
	QueueToClose              = "to_close"              // found, follow-up recorded, awaiting closure
)

// Queues are the work queues' names, as the API accepts them.
var Queues = []string{QueueAwaitingRatification, QueueAwaitingDeployment, QueueOpen, QueueReviewsDue,
	QueueNoPrevention, QueueRHIDue, QueueToClose}

// Plan is a multi-agency plan for a child who goes missing again and
// again: a strategy meeting, the agencies involved, actions with owners
// and a review date.
type Plan struct {
	ID                int64        `json:"id"`
	ChildID           int64        `json:"child_id"`
	ChildName         string       `json:"child_name,omitempty"`
	StrategyMeetingAt time.Time    `json:"strategy_meeting_at"`
	Agencies          []int64      `json:"agencies"`
	ReviewAt          time.Time    `json:"review_at"`
	Summary           string       `json:"summary"`
	Actions           []PlanAction `json:"actions"`
	EndedAt           *time.Time   `json:"ended_at,omitempty"`
	Stamp
}

// PlanAction is one action of a plan, with its owner.
type PlanAction struct {
	ID     int64      `json:"id,omitempty"`
	Action string     `json:"action"`
	Owner  string     `json:"owner"`
	DueAt  *time.Time `json:"due_at,omitempty"`
	DoneAt *time.Time `json:"done_at,omitempty"`
}

// RepeatChild is a child who is repeat-missing now: the force's threshold
// of episodes reported within its window, the window ending at the
// child's latest report, and that report inside the window back from
// today.
type RepeatChild struct {
	ChildID  int64     `json:"child_id"`
	Name     string    `json:"name"`
	LPAID    int64     `json:"lpa_id"`
	Episodes int       `json:"episodes_in_window"`
	Total    int       `json:"episodes_total"`
	Latest   time.Time `json:"latest_report"`
	// The active plan, if any.
	PlanID       int64      `json:"plan_id,omitempty"`
	PlanReviewAt *time.Time `json:"plan_review_at,omitempty"`
	PlanOverdue  bool       `json:"plan_overdue,omitempty"`
	// Episodes since the plan's strategy meeting.
	SincePlan int `json:"episodes_since_plan,omitempty"`
}

// RepeatFilter narrows the repeat children.
type RepeatFilter struct {
	LPAID, TeamID int64
	NoPlan        bool // only those with no active plan
	PastReview    bool // only those whose plan is past its review date
	PageRequest
}

// DashboardFilter chooses the dashboard's area and period.
type DashboardFilter struct {
	LPAID, TeamID int64
	From, To      time.Time // reported in [From, To)
}

// RiskDelay is a step's delay for one risk level.
type RiskDelay struct {
	Risk   RiskLevel     `json:"risk"`
	Target time.Duration `json:"target"`
	DelayStats
}

// Count is a number of episodes or children and how many of them met a
// condition.
type Count struct {
	Of  int `json:"of"`
	Met int `json:"met"`
}

// Share is Met as a share of Of (0 when Of is zero).
func (c Count) Share() float64 {
	if c.Of == 0 {
		return 0
	}
	return float64(c.Met) / float64(c.Of)
}

// Dashboard is the missing-children figures for an area and period.
type Dashboard struct {
	Filter  DashboardFilter `json:"-"`
	Targets Targets         `json:"-"`
	// Open episodes now, by risk (not limited to the period).
	Open map[RiskLevel]int `json:"open"`
	// Reported in the period.
	Episodes    int         `json:"episodes"`
	Ratify      []RiskDelay `json:"ratification"`
	Deploy      []RiskDelay `json:"deployment"`
	TimeMissing DelayStats  `json:"time_missing"`
	Prevention  DelayStats  `json:"prevention"`
	// Returns in the period: return home interviews offered, and
	// completed, within 72 hours of the return.
	RHIOffered   Count `json:"rhi_offered_within_72h"`
	RHICompleted Count `json:"rhi_completed_within_72h"`
	// Repeat-missing children now, and those with an active plan.
	Repeat Count `json:"repeat_children_with_plan"`
	// Trend, one point per month of the period.
	Trend []TrendPoint `json:"trend"`
}

// TrendPoint is one month of the trend.
type TrendPoint struct {
	Month        time.Time     `json:"month"`
	Episodes     int           `json:"episodes"`
	RatifyWithin Count         `json:"ratified_within_target"`
	DeployWithin Count         `json:"deployed_within_target"`
	RatifyMedian time.Duration `json:"ratify_median"`
	DeployMedian time.Duration `json:"deploy_median"`
}

// Figures name the sets of episodes behind the dashboard's figures, for
// EpisodeFilter.Figure: "open", "reported", "ratify_missed",
// "ratify_met", "deploy_missed", "deploy_met", "prevention_missed",
// "rhi_not_offered", "rhi_not_completed". Each takes the filter's risk,
// area and period.
var Figures = []string{"open", "reported", "ratify_met", "ratify_missed", "deploy_met", "deploy_missed", "time_missing",
	"prevention_met", "prevention_missed", "rhi_offered", "rhi_not_offered", "rhi_completed", "rhi_not_completed"}

// Targets are the force's settings for how fast each step should happen.
// None is a national rule; DefaultTargets documents the defaults.
type Targets struct {
	// Ratify and Deploy are per risk level: from grading to ratification,
	// and from report to deployment. A zero deployment target means no
	// deployment is expected (very low risk), only a review.
	Ratify map[RiskLevel]time.Duration `json:"ratify"`
	Deploy map[RiskLevel]time.Duration `json:"deploy"`
	// Review is how soon after each grading a supervisor must review it.
	Review map[RiskLevel]time.Duration `json:"review"`
	// Prevention is from return to the prevention interview.
	Prevention time.Duration `json:"prevention"`
	// RepeatEpisodes within RepeatWindow days make a child repeat-missing.
	RepeatEpisodes int `json:"repeat_episodes"`
	RepeatWindow   int `json:"repeat_window_days"`
}

// EpisodeFilter narrows a list of episodes.
type EpisodeFilter struct {
	ChildID       int64
	LPAID, TeamID int64
	Status        EpisodeStatus
	Risk          RiskLevel
	From, To      time.Time // reported in [From, To)
	Queue         string    // a work queue's name
	Figure        string    // a dashboard figure's name: the episodes behind it
	PageRequest
}

// MissingService runs missing episodes.
type MissingService interface {
	Report(ctx context.Context, r NewReport) (*Episode, error)
	Episode(ctx context.Context, id int64) (*Episode, error)
	// EpisodeView is what an episode's page shows, read at once and logged
	// as one read of the episode.
	EpisodeView(ctx context.Context, id int64) (*EpisodeView, error)
	Episodes(ctx context.Context, f EpisodeFilter) (Page[Episode], error)
	Grade(ctx context.Context, id int64, g Grading, version int64) (*Episode, error)
	Ratify(ctx context.Context, id int64, agree bool, level RiskLevel, reason string, version int64) (*Episode, error)
	Deploy(ctx context.Context, id int64, people []int64, at time.Time, version int64) (*Episode, error)
	Note(ctx context.Context, id int64, kind, text string) error
	Found(ctx context.Context, id int64, f FoundDetails, version int64) (*Episode, error)
	NotifyNMPU(ctx context.Context, id int64, at time.Time, version int64) (*Episode, error)
	Prevention(ctx context.Context, id int64, at time.Time, disclosures string, version int64) (*Episode, error)
	ReturnInterview(ctx context.Context, id int64, r RHIDetails, version int64) (*Episode, error)
	Close(ctx context.Context, id int64, version int64) (*Episode, error)
	// Plans.
	RepeatChildren(ctx context.Context, f RepeatFilter) (Page[RepeatChild], error)
	Plans(ctx context.Context, childID int64) ([]Plan, error)
	SavePlan(ctx context.Context, p Plan) (*Plan, error)
	// Dashboard returns the figures for an area and period.
	Dashboard(ctx context.Context, f DashboardFilter) (*Dashboard, error)
	// Targets returns the force's targets; SetTargets changes them.
	Targets(ctx context.Context) (Targets, error)
	SetTargets(ctx context.Context, t Targets) error
}

// NewReport is a new missing report.
type NewReport struct {
	ChildID int64
	// MatchRef, in place of ChildID, is the reference of a possible match
	// the reporter's search before create found but they may not read
	// (ChildMatch.Ref): the report is about that child, and opens none of
	// the child's other records to the reporter.
	MatchRef            string
	ReportedAt          time.Time
	ReporterName        string
	ReporterContact     string
	ReporterRelation    string
	LastSeenAt          time.Time
	LastSeenPlace       string
	Circumstances       string
	DescriptionClothing string
	LPAID               int64
	// The first grading, made with the report.
	Grading Grading
}

// FoundDetails record a child found or returned.
type FoundDetails struct {
	At                     time.Time
	Place                  string
	By                     string
	Condition              string
	HarmSuffered           string
	ExploitationIndicators []string
}

// RHIDetails record a return home interview's offer, refusal or completion.
type RHIDetails struct {
	OfferedAt, DeclinedAt, CompletedAt *time.Time
	Notes                              string
}

// missingPermissions: missing episodes, their figures and targets. Partner
// agencies read the episodes of children shared with them and record
// return home interviews.
var missingPermissions = map[Role][]Permission{
	RoleCallHandler: perms(KindEpisode, ActionRead, ActionList, ActionCreate, ActionGrade, ActionDeploy, ActionUpdate),
	RoleControlRoomManager: join(perms(KindEpisode, ActionRead, ActionList, ActionCreate, ActionGrade, ActionRatify, ActionDeploy,
		ActionUpdate, ActionClose), missingFigures),
	RoleResponseOfficer: perms(KindEpisode, ActionRead, ActionList, ActionCreate, ActionGrade, ActionUpdate),
	RoleMissingCoordinator: join(perms(KindEpisode, ActionRead, ActionList, ActionCreate, ActionGrade, ActionUpdate,
		ActionReturnInterview, ActionClose, ActionPlan, ActionExport), missingFigures),
	RoleOffenderManager:   perms(KindEpisode, ActionRead, ActionList),
	RoleMOSOVOManager:     perms(KindEpisode, ActionRead, ActionList),
	RoleMASHPractitioner:  join(perms(KindEpisode, ActionRead, ActionList, ActionUpdate, ActionPlan), missingFigures),
	RoleDesignatedOfficer: join(perms(KindEpisode, ActionRead, ActionList, ActionUpdate), missingFigures),
	RolePartner:           join(perms(KindEpisode, ActionRead, ActionList, ActionReturnInterview), perms(KindMissingTargets, ActionRead)),
	RoleAuditor:           join(perms(KindEpisode, ActionRead, ActionList, ActionExport), missingFigures),
	RoleSeniorLeader:      join(perms(KindEpisode, ActionRead, ActionList), missingFigures, perms(KindMissingTargets, ActionUpdate)),
	RoleAdministrator:     perms(KindMissingTargets, ActionRead, ActionUpdate),
}

// missingFigures is the missing-children dashboard and the targets it
// measures against.
var missingFigures = join(perms(KindMissingDashboard, ActionRead), perms(KindMissingTargets, ActionRead))

// EpisodeView is an episode's page: the episode with the names it shows,
// the targets its times are measured against, and the language checker's
// findings in its text for those who may list them. One read, one entry in
// the access log.
type EpisodeView struct {
	Episode *Episode
	LPAName string
	// Deployed are the people deployed to the episode, by name, for
	// readers who may see the staff directory.
	Deployed []Officer
	Targets  Targets
	Findings []StoredFinding
}

// Officer is a member of staff as an episode names them.
type Officer struct {
	PersonID     int64  `json:"person_id"`
	Name         string `json:"name"`
	CollarNumber string `json:"collar_number,omitempty"`
}

// Label is the officer as a page names them: collar number and name.
func (o Officer) Label() string { return strings.TrimSpace(o.CollarNumber + " " + o.Name) }
