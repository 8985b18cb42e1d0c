package vigil

import (
	"context"
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
	Stamp
}

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
}

// NewReport is a new missing report.
type NewReport struct {
	ChildID             int64
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
