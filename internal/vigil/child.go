package vigil

import (
	"context"
	"regexp"
	"slices"
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
	// The child's profile. School, placement and carers say where the
	// child can be found, so they belong to the address part and are held
	// back with it; the rest belong to the identity part.
	School         string   `json:"school,omitempty"`
	WarningMarkers []string `json:"warning_markers,omitempty"` // codes of WarningMarkers
	SocialWorker   string   `json:"social_worker,omitempty"`
	// LookedAfter says the child is in the care of a local authority (the
	// placing authority), living in Placement with Carers.
	LookedAfter      bool   `json:"looked_after"`
	PlacingAuthority string `json:"placing_authority,omitempty"`
	Placement        string `json:"placement,omitempty"`
	Carers           string `json:"carers,omitempty"`
	Stamp
}

// FullName is the child's name as a page shows it.
func (c Child) FullName() string { return strings.TrimSpace(c.GivenName + " " + c.FamilyName) }

// NewChild is what is recorded about a child when their record is created
// or changed.
type NewChild struct {
	GivenName        string    `json:"given_name"`
	FamilyName       string    `json:"family_name"`
	OtherNames       string    `json:"other_names,omitempty"`
	DateOfBirth      time.Time `json:"date_of_birth"`
	Sex              Sex       `json:"sex"`
	Ethnicity        string    `json:"ethnicity,omitempty"`
	AddressLine      string    `json:"address_line,omitempty"`
	Town             string    `json:"town,omitempty"`
	Postcode         string    `json:"postcode,omitempty"`
	LPAID            int64     `json:"lpa_id"`
	School           string    `json:"school,omitempty"`
	WarningMarkers   []string  `json:"warning_markers,omitempty"`
	SocialWorker     string    `json:"social_worker,omitempty"`
	LookedAfter      bool      `json:"looked_after"`
	PlacingAuthority string    `json:"placing_authority,omitempty"`
	Placement        string    `json:"placement,omitempty"`
	Carers           string    `json:"carers,omitempty"`
	// ConfirmedNew says the person searched first, saw the possible
	// matches, and this child is none of them. A new record with possible
	// matches is refused without it.
	ConfirmedNew bool `json:"confirmed_new,omitempty"`
}

// NewChildFrom returns a child's record as the fields a change starts from.
func NewChildFrom(c Child) NewChild {
	return NewChild{GivenName: c.GivenName, FamilyName: c.FamilyName, OtherNames: c.OtherNames, DateOfBirth: c.DateOfBirth,
		Sex: c.Sex, Ethnicity: c.Ethnicity, AddressLine: c.AddressLine, Town: c.Town, Postcode: c.Postcode, LPAID: c.LPAID,
		School: c.School, WarningMarkers: slices.Clone(c.WarningMarkers), SocialWorker: c.SocialWorker, LookedAfter: c.LookedAfter,
		PlacingAuthority: c.PlacingAuthority, Placement: c.Placement, Carers: c.Carers}
}

// Query is the search before create for this child.
func (n NewChild) Query() ChildQuery {
	return ChildQuery{GivenName: n.GivenName, FamilyName: n.FamilyName, OtherNames: n.OtherNames, DateOfBirth: n.DateOfBirth}
}

// postcodeRE is the shape of a UK postcode, spaces removed.
var postcodeRE = regexp.MustCompile(`^[A-Z]{1,2}[0-9][A-Z0-9]?[0-9][A-Z]{2}$`)

// Normalise tidies what was entered: spaces trimmed, the date of birth a
// calendar date, the postcode in capitals with one space before its last
// three characters, warning markers in the order of WarningMarkers without
// repeats, and the placing authority, placement and carers cleared when
// the child is not looked after (a form hides those questions then, so
// whatever they hold was not meant).
func (n *NewChild) Normalise() {
	for _, f := range []*string{&n.GivenName, &n.FamilyName, &n.OtherNames, &n.Ethnicity, &n.AddressLine, &n.Town,
		&n.School, &n.SocialWorker, &n.PlacingAuthority, &n.Placement, &n.Carers} {
		*f = strings.Join(strings.Fields(*f), " ")
	}
	if !n.DateOfBirth.IsZero() {
		n.DateOfBirth = dateOnly(n.DateOfBirth)
	}
	if pc := strings.ToUpper(strings.Join(strings.Fields(n.Postcode), "")); len(pc) > 3 {
		n.Postcode = pc[:len(pc)-3] + " " + pc[len(pc)-3:]
	} else {
		n.Postcode = pc
	}
	var known, unknown []string
	for _, m := range WarningMarkers {
		if slices.Contains(n.WarningMarkers, m.Code) {
			known = append(known, m.Code)
		}
	}
	for _, m := range n.WarningMarkers {
		if m = strings.TrimSpace(m); m != "" && !ValidWarningMarker(m) && !slices.Contains(unknown, m) {
			unknown = append(unknown, m)
		}
	}
	n.WarningMarkers = append(known, unknown...)
	if !n.LookedAfter {
		n.PlacingAuthority, n.Placement, n.Carers = "", "", ""
	}
}

// Validate checks a new child's record (call Normalise first): the child
// must be under 18 today. Fields: given_name, family_name, other_names,
// date_of_birth, sex, ethnicity, address_line, town, postcode, lpa_id,
// school, warning_markers, social_worker, placing_authority, placement,
// carers.
func (n NewChild) Validate(now time.Time) error { return n.validate(now, now) }

// ValidateChange checks a change to the record of a child first recorded
// at created: the child must have been under 18 then (a child on record
// may since have turned 18, and their date of birth may still be put
// right).
func (n NewChild) ValidateChange(now, created time.Time) error { return n.validate(now, created) }

func (n NewChild) validate(now, childOn time.Time) error {
	var v Validation
	name := func(field, what, value string, most int) {
		switch {
		case value == "":
			v.Add(field, "Enter the child's %s", what)
		case len(NameTokens(value)) == 0:
			v.Add(field, "%s must include a letter", upperFirst(what))
		case len(value) > most:
			v.Add(field, "%s must be %d characters or fewer", upperFirst(what), most)
		}
	}
	name("given_name", "given name", n.GivenName, 100)
	name("family_name", "family name", n.FamilyName, 100)
	if len(n.OtherNames) > 200 {
		v.Add("other_names", "Other names must be 200 characters or fewer")
	}
	today := londonDate(now)
	switch dob := dateOnly(n.DateOfBirth); {
	case n.DateOfBirth.IsZero():
		v.Add("date_of_birth", "Enter the child's date of birth")
	case dob.After(today):
		v.Add("date_of_birth", "Date of birth must be today or in the past")
	case AgeOn(dob, londonDate(childOn)) >= 18:
		v.Add("date_of_birth", "Date of birth must be after %s: Vigil's records are about children under 18",
			londonDate(childOn).AddDate(-18, 0, 0).Format("2 January 2006"))
	}
	if !n.Sex.Valid() {
		v.Add("sex", "Select the child's sex, or not known")
	}
	if n.LPAID <= 0 {
		v.Add("lpa_id", "Select the local policing area where the child lives")
	}
	if n.Postcode != "" && !postcodeRE.MatchString(strings.ReplaceAll(n.Postcode, " ", "")) {
		v.Add("postcode", "Enter a full UK postcode, like KM1 4AB")
	}
	for _, f := range []struct {
		field, what, value string
		most               int
	}{
		{"ethnicity", "Ethnicity", n.Ethnicity, 100}, {"address_line", "Address", n.AddressLine, 200},
		{"town", "Town or city", n.Town, 100}, {"school", "School", n.School, 200},
		{"social_worker", "Social worker", n.SocialWorker, 200}, {"placing_authority", "Placing authority", n.PlacingAuthority, 200},
		{"placement", "Placement", n.Placement, 300}, {"carers", "Carers", n.Carers, 300},
	} {
		if len(f.value) > f.most {
			v.Add(f.field, "%s must be %d characters or fewer", f.what, f.most)
		}
	}
	for _, m := range n.WarningMarkers {
		if !ValidWarningMarker(m) {
			v.Add("warning_markers", "Select warning markers from the list")
			break
		}
	}
	if n.LookedAfter && n.PlacingAuthority == "" {
		v.Add("placing_authority", "Enter the placing authority: the council responsible for the child's care")
	}
	return v.Err()
}

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
	// PartIdentity is the child's names, date of birth, sex and ethnicity,
	// with the profile that does not say where the child is: warning
	// markers, social worker, and whether the child is looked after and by
	// which authority. It is always part of any share.
	PartIdentity = "identity"
	// PartAddress is where the child lives (a placement or refuge, say)
	// and can be found: the address, the school, the placement and the
	// carers. Holding back an address while showing the school or the
	// carers' names would defeat the point.
	PartAddress = "address"
)

// childFieldParts says which part each of a child's recorded fields (as
// the change history names them) belongs to.
var childFieldParts = func() map[string]string {
	m := map[string]string{}
	for _, f := range []string{"given_name", "family_name", "other_names", "date_of_birth", "sex", "ethnicity", "lpa_id",
		"warning_markers", "social_worker", "looked_after", "placing_authority"} {
		m[f] = PartIdentity
	}
	for _, f := range []string{"address_line", "town", "postcode", "school", "placement", "carers"} {
		m[f] = PartAddress
	}
	// The profile and the links, as SaveProfile and Link record them.
	for _, f := range []string{"description", "photo_ref", "medical", "financial", "phones", "social_media", "kept_by",
		"confirmed_at", "link", "relation", "associate_id", "place_id"} {
		m[f] = PartProfile
	}
	return m
}()

// ChildFieldPart returns the part of a child's record a recorded field
// belongs to, or "" for a field of no part (a share, say).
func ChildFieldPart(field string) string { return childFieldParts[field] }

// ChildParts lists the parts of a child's record, in the order forms
// offer them.
var ChildParts = []string{PartIdentity, PartAddress, PartProfile}

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
	// CreatedByName is who restricted it, as pages show them.
	CreatedByName string `json:"created_by_name,omitempty"`
	// LiftedAt, LiftedBy and LiftReason say when, by whom and why the
	// restriction was lifted; nil while it holds.
	LiftedAt   *time.Time `json:"lifted_at,omitempty"`
	LiftedBy   int64      `json:"lifted_by,omitempty"`
	LiftReason string     `json:"lift_reason,omitempty"`
	// Excludes says the restriction holds the reader back: they see that
	// it exists and why, not what it withholds.
	Excludes bool `json:"excludes_you"`
}

// Holds reports whether the restriction is in force.
func (r Restriction) Holds() bool { return r.LiftedAt == nil }

// ValidateLift checks the reason for lifting a restriction. Field: reason.
func ValidateLift(reason string) error {
	var v Validation
	switch n := len([]rune(strings.TrimSpace(reason))); {
	case n < 5:
		v.Add("reason", "Say why the restriction is no longer needed")
	case n > 1000:
		v.Add("reason", "Your reason must be 1,000 characters or fewer")
	}
	return v.Err()
}

// BreakGlass is an opening of a record outside the opener's scope, with
// their reason; supervisors and auditors review them.
type BreakGlass struct {
	ID         int64      `json:"id"`
	UserID     int64      `json:"user_id"`
	Username   string     `json:"username"`
	RecordKind RecordKind `json:"record_kind"`
	RecordID   int64      `json:"record_id"`
	Purpose    string     `json:"purpose"` // a code of BreakGlassPurposes
	Reason     string     `json:"reason"`
	OpenedAt   time.Time  `json:"opened_at"`
	ExpiresAt  time.Time  `json:"expires_at"`
	// SupervisorID is the opener's supervisor, who reviews the opening;
	// NoSupervisor says they have none, or theirs is disabled, so the
	// Gold Group and auditors review it.
	SupervisorID   int64      `json:"supervisor_id,omitempty"`
	SupervisorName string     `json:"supervisor,omitempty"`
	NoSupervisor   bool       `json:"no_supervisor"`
	ReviewedAt     *time.Time `json:"reviewed_at,omitempty"`
	ReviewedBy     int64      `json:"reviewed_by,omitempty"`
	ReviewNote     string     `json:"review_note,omitempty"`
	// ChildName is the child's name when the reader may read the child;
	// otherwise only the record's reference (RecordKind and RecordID).
	ChildName string `json:"child_name,omitempty"`
}

// ChildService reads children's records and decides who else may.
type ChildService interface {
	// Children lists the children the principal may see, by family then
	// given name; the scope rule is applied in the query itself.
	Children(ctx context.Context, f ChildFilter) (Page[ChildRecord], error)
	// Child returns one child as the principal may see it.
	Child(ctx context.Context, id int64) (*ChildRecord, error)
	// ChildView is what a child's page shows, read at once and logged as
	// one read of the child.
	ChildView(ctx context.Context, id int64) (*ChildView, error)
	// OpenWithReason opens a child's record outside the principal's scope
	// for a while, for one of BreakGlassPurposes, recording the reason and
	// telling their supervisor. It opens the record for reading only.
	OpenWithReason(ctx context.Context, id int64, purpose, reason string) (*BreakGlass, error)
	// Share shares a child's record, or parts of it, with an agency.
	Share(ctx context.Context, s Share) (*Share, error)
	// RevokeShare ends a share.
	RevokeShare(ctx context.Context, id int64) error
	// Shares lists a child's shares, current and past.
	Shares(ctx context.Context, childID int64) ([]Share, error)
	// Restrict holds back a child's record or one part of it.
	Restrict(ctx context.Context, r Restriction) (*Restriction, error)
	// Restrictions lists the restrictions of a child's record, in force
	// and lifted, newest first, to those who may restrict it: holders of
	// the restrict permission whose scope covers the record, even where a
	// restriction excludes them (they see that it exists and why).
	Restrictions(ctx context.Context, childID int64) ([]Restriction, error)
	// LiftRestriction ends a restriction, with a reason, for the same
	// people; it is logged and kept in the record's history.
	LiftRestriction(ctx context.Context, childID, restrictionID int64, reason string) (*Restriction, error)
	// ChildHistory returns the changes to a child's record, newest first,
	// without the values of parts held back from the principal.
	ChildHistory(ctx context.Context, id int64) ([]Change, error)
	// CreateChild records a new child after a search before create: it
	// refuses while the search finds possible matches, unless the person
	// confirms the child is none of them (NewChild.ConfirmedNew). The child
	// goes on the creator's team's caseload.
	CreateChild(ctx context.Context, c NewChild) (*ChildRecord, error)
	// UpdateChild changes a child's record, based on the version the
	// person saw; parts held back from them are left as they are.
	UpdateChild(ctx context.Context, id, version int64, c NewChild) (*ChildRecord, error)
	// MatchChildren is the search before create: the children who could
	// be the one described, best first, at most MaxMatches. A match the
	// principal may not read is given only as the team that holds it, and
	// partner agencies are given only children shared with them.
	MatchChildren(ctx context.Context, q ChildQuery) ([]ChildMatch, error)
}

// BreakGlassService lets supervisors, the Gold Group and auditors review
// openings. A person's supervisor reviews their openings whatever roles
// the supervisor holds; those with the review permission see every
// opening, marked where the opener has no supervisor (or a disabled one).
type BreakGlassService interface {
	// Openings lists break-glass openings, newest first; only those not
	// yet reviewed when pending is true. Reviewers see every opening;
	// a supervisor without the review permission sees those of the people
	// they supervise.
	Openings(ctx context.Context, pending bool, page PageRequest) (Page[BreakGlass], error)
	// Review records that an opening has been looked at, with a note: by
	// a reviewer or the opener's supervisor, never the opener.
	Review(ctx context.Context, id int64, note string) error
	// Tasks are the openings waiting for the principal's review as a
	// supervisor, for My work.
	TaskSource
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

// childPermissions: children's records. Partner-agency practitioners read
// the children shared with their agency and never break glass.
var childPermissions = map[Role][]Permission{
	RoleCallHandler:        perms(KindChild, ActionRead, ActionList, ActionSearch, ActionCreate, ActionBreakGlass),
	RoleControlRoomManager: perms(KindChild, ActionRead, ActionList, ActionSearch, ActionCreate, ActionUpdate, ActionBreakGlass),
	RoleResponseOfficer:    perms(KindChild, ActionRead, ActionList, ActionSearch, ActionUpdate, ActionBreakGlass),
	RoleMissingCoordinator: perms(KindChild, ActionRead, ActionList, ActionSearch, ActionCreate, ActionUpdate, ActionExport, ActionShare,
		ActionRestrict, ActionBreakGlass),
	RoleOffenderManager: perms(KindChild, ActionRead, ActionList, ActionSearch, ActionBreakGlass),
	RoleMOSOVOManager:   perms(KindChild, ActionRead, ActionList, ActionSearch, ActionExport, ActionBreakGlass),
	RoleMASHPractitioner: perms(KindChild, ActionRead, ActionList, ActionSearch, ActionCreate, ActionUpdate, ActionExport, ActionShare,
		ActionRestrict, ActionBreakGlass),
	RoleDesignatedOfficer: perms(KindChild, ActionRead, ActionList, ActionSearch, ActionUpdate, ActionBreakGlass),
	RolePartner:           perms(KindChild, ActionRead, ActionList, ActionSearch),
	RoleAuditor:           perms(KindChild, ActionRead, ActionList, ActionSearch, ActionExport),
	RoleSeniorLeader:      perms(KindChild, ActionRead, ActionList, ActionSearch),
}

// ChildView is a child's page: the child as the principal may see them,
// with the names the page shows, their shares, the agencies the principal
// may share with, and the language findings in their record.
type ChildView struct {
	Child    *ChildRecord
	LPAName  string
	Shares   []Share
	Agencies []Agency // for those who may share
	Findings []StoredFinding
}
