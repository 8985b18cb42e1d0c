package vigil

import (
	"context"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Break-glass: a police user may open a record outside their scope by
// choosing a purpose and giving a reason. The opening lets them read the
// record (and what hangs off it, as their role allows) for one shift; it
// never lets them change, share, restrict, link or export it. Their
// supervisor reviews it, or, when they have none, the Gold Group and
// auditors do.

// BreakGlassPurpose is one of the purposes a person chooses from when they
// open a record outside their scope.
type BreakGlassPurpose struct {
	Code  string `json:"code"`
	Label string `json:"label"`
}

// BreakGlassPurposes lists the purposes an opening may serve, in the order
// the form offers them.
var BreakGlassPurposes = []BreakGlassPurpose{
	{"immediate_risk", "A child is missing or at immediate risk"},
	{"incident", "Responding to an incident or call I am dealing with"},
	{"investigation", "An investigation or enquiry I am working on"},
	{"safeguarding", "A safeguarding referral or strategy discussion"},
	{"partner_request", "A request for information from a partner agency"},
	{"legal", "A court, disclosure or legal request"},
}

// BreakGlassPurposeLabel returns a purpose as people say it, or the code
// itself when it is not one of BreakGlassPurposes.
func BreakGlassPurposeLabel(code string) string {
	for _, p := range BreakGlassPurposes {
		if p.Code == code {
			return p.Label
		}
	}
	return code
}

// Limits on a break-glass reason.
const (
	MinBreakGlassReason      = 20   // characters
	MaxBreakGlassReason      = 1000 // characters
	MinBreakGlassReasonWords = 4    // distinct words of three or more letters
	maxRunOfOneCharacter     = 3
)

// ValidateBreakGlass checks an opening's purpose and reason. A reason must
// say something a reviewer can judge: at least 20 characters, at least
// four distinct words of three or more letters, and no character repeated
// more than three times in a row (so "aaaaaaaaaa" and "asdf asdf asdf
// asdf" are refused). Fields: purpose, reason.
func ValidateBreakGlass(purpose, reason string) error {
	var v Validation
	known := false
	for _, p := range BreakGlassPurposes {
		known = known || p.Code == purpose
	}
	if !known {
		v.Add("purpose", "Select why you need to open this record")
	}
	if msg := breakGlassReasonProblem(strings.TrimSpace(reason)); msg != "" {
		v.Add("reason", "%s", msg)
	}
	return v.Err()
}

func breakGlassReasonProblem(reason string) string {
	n := utf8.RuneCountInString(reason)
	switch {
	case n == 0:
		return "Say why you need to open this record"
	case n < MinBreakGlassReason:
		return "Say why you need to open this record in at least 20 characters: what you are dealing with and why this record helps"
	case n > MaxBreakGlassReason:
		return "Your reason must be 1,000 characters or fewer"
	}
	run, last := 0, rune(-1)
	for _, r := range reason {
		if unicode.ToLower(r) == last {
			run++
		} else {
			run, last = 1, unicode.ToLower(r)
		}
		if run > maxRunOfOneCharacter && !unicode.IsSpace(r) {
			return "Your reason repeats a character more than three times in a row: say in words why you need this record"
		}
	}
	words := map[string]bool{}
	for _, w := range strings.FieldsFunc(strings.ToLower(reason), func(r rune) bool { return !unicode.IsLetter(r) }) {
		if utf8.RuneCountInString(w) >= 3 {
			words[w] = true
		}
	}
	if len(words) < MinBreakGlassReasonWords {
		return "Say in a few words what you are dealing with and why this record helps: at least four different words"
	}
	return ""
}

// Task is one thing waiting for a person: what it is, about which record,
// since when, and where to do it. My work lists each person's tasks; each
// capability that hands work to a named person gives its own through a
// TaskSource, so that a general inbox can gather them all.
type Task struct {
	Kind       string     `json:"kind"` // what sort of task: "break_glass_review"
	Title      string     `json:"title"`
	Detail     string     `json:"detail,omitempty"`
	RecordKind RecordKind `json:"record_kind,omitempty"`
	RecordID   int64      `json:"record_id,omitempty"`
	Href       string     `json:"href"` // where the task is done
	Since      time.Time  `json:"since"`
}

// TaskSource gives the principal's tasks of one kind, oldest first.
type TaskSource interface {
	Tasks(ctx context.Context) ([]Task, error)
}

// TaskBreakGlassReview is the task of reviewing a supervisee's opening.
const TaskBreakGlassReview = "break_glass_review"

// PurposeLabel is the opening's purpose as people say it.
func (b BreakGlass) PurposeLabel() string { return BreakGlassPurposeLabel(b.Purpose) }
