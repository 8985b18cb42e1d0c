package vigil

import (
	"context"
	"strings"
	"time"
)

// Sex as recorded for a child.
type Sex string

// Recorded sexes.
const (
	SexFemale  Sex = "female"
	SexMale    Sex = "male"
	SexOther   Sex = "other"
	SexUnknown Sex = "unknown"
)

// Valid reports whether s is a recorded sex.
func (s Sex) Valid() bool {
	switch s {
	case SexFemale, SexMale, SexOther, SexUnknown:
		return true
	}
	return false
}

// Child is a child Vigil holds records about.
type Child struct {
	ID          int64     `json:"id"`
	ForceID     int64     `json:"force_id"`
	GivenName   string    `json:"given_name"`
	FamilyName  string    `json:"family_name"`
	OtherNames  string    `json:"other_names,omitempty"`
	DateOfBirth time.Time `json:"date_of_birth"`
	Sex         Sex       `json:"sex"`
	Ethnicity   string    `json:"ethnicity,omitempty"`
	AddressLine string    `json:"address_line,omitempty"`
	Town        string    `json:"town,omitempty"`
	Postcode    string    `json:"postcode,omitempty"`
	LPAID       int64     `json:"lpa_id,omitempty"`
	Stamp
}

// FullName is the child's name as a page shows it.
func (c Child) FullName() string { return strings.TrimSpace(c.GivenName + " " + c.FamilyName) }

// AgeOn returns the child's age in whole years on the given day.
func AgeOn(dob, on time.Time) int {
	y := on.Year() - dob.Year()
	if on.Month() < dob.Month() || on.Month() == dob.Month() && on.Day() < dob.Day() {
		y--
	}
	return y
}

// Parts of a child's record that can be shared or restricted on their own.
const (
	// PartIdentity is the child's names, date of birth, sex and ethnicity:
	// always part of any share.
	PartIdentity = "identity"
	// PartAddress is where the child lives (a placement or refuge, say).
	PartAddress = "address"
)

// ChildParts lists the parts of a child's record, in the order forms
// offer them.
var ChildParts = []string{PartIdentity, PartAddress}

// ChildFilter narrows a list of children.
type ChildFilter struct {
	// Query matches the start of a given, family or other name.
	Query string
	LPAID int64
	PageRequest
}

// ChildRecord is a child as one principal may see it: parts they may not
// see are blanked and named in Withheld, so that a page can say something
// is held back.
type ChildRecord struct {
	Child
	Withheld []string `json:"withheld,omitempty"`
	// ByBreakGlass says the record is open only because the principal gave
	// a reason.
	ByBreakGlass bool `json:"by_break_glass,omitempty"`
}

// IsWithheld reports whether a part is held back from the viewer.
func (c ChildRecord) IsWithheld(part string) bool {
	for _, w := range c.Withheld {
		if w == part {
			return true
		}
	}
	return false
}

// Share is a decision to share a record, or parts of it, with a partner
// agency: what, with whom, why, on what lawful basis, by whom, until when.
type Share struct {
	ID          int64      `json:"id"`
	AgencyID    int64      `json:"agency_id"`
	AgencyName  string     `json:"agency_name,omitempty"`
	RecordKind  RecordKind `json:"record_kind"`
	RecordID    int64      `json:"record_id"`
	Parts       []string   `json:"parts"`
	Purpose     string     `json:"purpose"`
	LawfulBasis string     `json:"lawful_basis"`
	SharedBy    int64      `json:"shared_by"`
	SharedAt    time.Time  `json:"shared_at"`
	Until       *time.Time `json:"until,omitempty"`
	RevokedAt   *time.Time `json:"revoked_at,omitempty"`
}

// Active reports whether the share is in force at t.
func (s Share) Active(t time.Time) bool {
	return s.RevokedAt == nil && (s.Until == nil || t.Before(*s.Until))
}

// LawfulBases are the grounds a share may rest on (Data Protection Act
// 2018; Children Act 1989 and 2004; Working Together 2023).
var LawfulBases = []string{
	"DPA 2018 Part 3: law enforcement purposes (s35)",
	"DPA 2018 Sch 8 para 4: safeguarding of children and individuals at risk",
	"Children Act 1989 s47: enquiries into significant harm",
	"Children Act 2004 s11: duty to safeguard and promote welfare",
	"Working Together to Safeguard Children 2023: information sharing",
}

// Restriction holds back a record, or one part of it, from everyone but
// named people and roles.
type Restriction struct {
	ID           int64      `json:"id"`
	RecordKind   RecordKind `json:"record_kind"`
	RecordID     int64      `json:"record_id"`
	Part         string     `json:"part"` // "" for the whole record
	AllowedRoles []Role     `json:"allowed_roles"`
	AllowedUsers []int64    `json:"allowed_users"`
	Reason       string     `json:"reason"`
	CreatedAt    time.Time  `json:"created_at"`
	CreatedBy    int64      `json:"created_by"`
}

// BreakGlass is an opening of a record outside the opener's scope, with
// their reason; supervisors and auditors review them.
type BreakGlass struct {
	ID           int64      `json:"id"`
	UserID       int64      `json:"user_id"`
	Username     string     `json:"username"`
	RecordKind   RecordKind `json:"record_kind"`
	RecordID     int64      `json:"record_id"`
	Reason       string     `json:"reason"`
	OpenedAt     time.Time  `json:"opened_at"`
	ExpiresAt    time.Time  `json:"expires_at"`
	SupervisorID int64      `json:"supervisor_id,omitempty"`
	ReviewedAt   *time.Time `json:"reviewed_at,omitempty"`
	ReviewedBy   int64      `json:"reviewed_by,omitempty"`
	ReviewNote   string     `json:"review_note,omitempty"`
}

// ChildService reads children's records and decides who else may.
type ChildService interface {
	// Children lists the children the principal may see, by family then
	// given name; the scope rule is applied in the query itself.
	Children(ctx context.Context, f ChildFilter) (Page[ChildRecord], error)
	// Child returns one child as the principal may see it.
	Child(ctx context.Context, id int64) (*ChildRecord, error)
	// OpenWithReason opens a child's record outside the principal's scope
	// for a while, recording the reason and telling their supervisor.
	OpenWithReason(ctx context.Context, id int64, reason string) (*BreakGlass, error)
	// Share shares a child's record, or parts of it, with an agency.
	Share(ctx context.Context, s Share) (*Share, error)
	// RevokeShare ends a share.
	RevokeShare(ctx context.Context, id int64) error
	// Shares lists a child's shares, current and past.
	Shares(ctx context.Context, childID int64) ([]Share, error)
	// Restrict holds back a child's record or one part of it.
	Restrict(ctx context.Context, r Restriction) (*Restriction, error)
	// ChildHistory returns the changes to a child's record, newest first.
	ChildHistory(ctx context.Context, id int64) ([]Change, error)
}

// BreakGlassService lets supervisors and auditors review openings.
type BreakGlassService interface {
	// Openings lists break-glass openings, newest first; only those not
	// yet reviewed when pending is true.
	Openings(ctx context.Context, pending bool, page PageRequest) (Page[BreakGlass], error)
	// Review records that an opening has been looked at, with a note.
	Review(ctx context.Context, id int64, note string) error
}

// Notification is a message for one user (a supervisor told of a
// break-glass opening).
type Notification struct {
	ID        int64      `json:"id"`
	CreatedAt time.Time  `json:"created_at"`
	Kind      string     `json:"kind"`
	Message   string     `json:"message"`
	Link      string     `json:"link,omitempty"`
	ReadAt    *time.Time `json:"read_at,omitempty"`
}
