package vigil

import (
	"context"
	"time"
)

// KindLanguage is the language checker's findings and lexicon, for
// permission checks.
const KindLanguage RecordKind = "language"

// TextFinding is wording the language checker flagged in one free-text
// field: where it is, what it matched, why it is harmful and what to write
// instead.
type TextFinding struct {
	Field        string   `json:"field"`
	Start        int      `json:"start"`
	End          int      `json:"end"`
	Text         string   `json:"text"`
	EntryID      string   `json:"entry"`
	Category     string   `json:"category"`
	Why          string   `json:"why"`
	Alternatives []string `json:"alternatives"`
}

// StoredFinding is a finding kept with the record it was found in.
type StoredFinding struct {
	ID         int64      `json:"id"`
	RecordKind RecordKind `json:"record_kind"`
	RecordID   int64      `json:"record_id"`
	// Field names the free-text field as people know it ("Sharing purpose").
	Field      string    `json:"field"`
	Text       string    `json:"text"`
	EntryID    string    `json:"entry"`
	Category   string    `json:"category"`
	At         time.Time `json:"at"`
	UserID     int64     `json:"user_id,omitempty"`
	Username   string    `json:"username,omitempty"`
	TeamID     int64     `json:"team_id,omitempty"`
	LPAID      int64     `json:"lpa_id,omitempty"`
	KeepReason string    `json:"keep_reason,omitempty"`
	Lexicon    string    `json:"lexicon"`
}

// FindingFilter narrows the stored findings for the language view.
type FindingFilter struct {
	TeamID, LPAID int64
	RecordKind    RecordKind
	RecordID      int64
	From, To      time.Time // To exclusive
	PageRequest
}

// LanguageSettings are the force's choices about flagged wording.
type LanguageSettings struct {
	// RequireReason refuses to save flagged wording unless the writer says
	// why it should stay. Off by default: findings warn and do not block.
	RequireReason bool `json:"require_reason"`
	// LexiconVersion is the version of the lexicon in force.
	LexiconVersion string `json:"lexicon_version"`
}

// LexiconChange is one saved change to the force's lexicon overrides.
type LexiconChange struct {
	ID        int64     `json:"id"`
	Version   string    `json:"version"`
	Document  string    `json:"document"`
	CreatedAt time.Time `json:"created_at"`
	CreatedBy int64     `json:"created_by"`
	Username  string    `json:"username"`
}

// LanguageService checks text, keeps findings with their records, and
// manages the force's lexicon.
type LanguageService interface {
	// Check checks text without storing anything (live checking as a
	// person writes, and other systems' calls).
	Check(ctx context.Context, text string) ([]TextFinding, error)
	// Findings lists stored findings, newest first.
	Findings(ctx context.Context, f FindingFilter) (Page[StoredFinding], error)
	// Settings returns the force's language settings.
	Settings(ctx context.Context) (LanguageSettings, error)
	// SetRequireReason turns the "say why it should stay" rule on or off.
	SetRequireReason(ctx context.Context, on bool) error
	// Overrides returns the force's current lexicon overrides document
	// ("" for none) and the change log, newest first.
	Overrides(ctx context.Context) (string, []LexiconChange, error)
	// SaveOverrides checks and saves a new overrides document; the checker
	// everywhere uses it from then on.
	SaveOverrides(ctx context.Context, document string) (*LexiconChange, error)
}

// keepKey carries the reasons a writer gave for keeping flagged wording,
// by form field, from the form helper to the store hook.
type keepKey struct{}

// WithKeepReasons returns a context carrying, by field, the writer's
// reasons for keeping wording the checker flagged.
func WithKeepReasons(ctx context.Context, reasons map[string]string) context.Context {
	return context.WithValue(ctx, keepKey{}, reasons)
}

// KeepReason returns the reason given for keeping flagged wording in a
// field, or "".
func KeepReason(ctx context.Context, field string) string {
	m, _ := ctx.Value(keepKey{}).(map[string]string)
	return m[field]
}

// languagePermissions: the language checker's findings and lexicon.
var languagePermissions = map[Role][]Permission{
	RoleAuditor:       perms(KindLanguage, ActionRead, ActionList),
	RoleSeniorLeader:  perms(KindLanguage, ActionRead, ActionList),
	RoleAdministrator: perms(KindLanguage, ActionRead, ActionList, ActionUpdate),
}
