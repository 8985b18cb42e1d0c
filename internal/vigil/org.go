package vigil

import (
	"context"
	"regexp"
	"strings"
)

// Force is the police force that runs this installation of Vigil.
type Force struct {
	ID   int64  `json:"id"`
	Code string `json:"code"`
	Name string `json:"name"`
	Stamp
}

// LPA is a local policing area: a geographic division of the force.
type LPA struct {
	ID      int64  `json:"id"`
	ForceID int64  `json:"force_id"`
	Code    string `json:"code"`
	Name    string `json:"name"`
	Stamp
}

// TeamKind says what a team does; queues and dashboards are built per kind.
type TeamKind string

// Team kinds.
const (
	TeamMissingPersons TeamKind = "missing_persons" // an LPA missing-persons team
	TeamMOSOVO         TeamKind = "mosovo"          // management of sexual or violent offenders
	TeamMASH           TeamKind = "mash"            // multi-agency safeguarding hub (police side)
	TeamControlRoom    TeamKind = "control_room"    // force control room
	TeamResponse       TeamKind = "response"        // response officers
	TeamInvestigation  TeamKind = "investigation"   // child abuse and exploitation investigators
	TeamAssurance      TeamKind = "assurance"       // quality assurance and audit
	TeamAdministration TeamKind = "administration"  // system administration
	TeamCommand        TeamKind = "command"         // senior leaders (the Gold Group sits here)
)

// TeamKinds lists every team kind, in the order pages show them.
var TeamKinds = []TeamKind{TeamControlRoom, TeamResponse, TeamMissingPersons, TeamInvestigation,
	TeamMASH, TeamMOSOVO, TeamAssurance, TeamCommand, TeamAdministration}

// Valid reports whether k is a known team kind.
func (k TeamKind) Valid() bool {
	for _, x := range TeamKinds {
		if x == k {
			return true
		}
	}
	return false
}

// Label is the team kind as people say it.
func (k TeamKind) Label() string {
	switch k {
	case TeamMissingPersons:
		return "Missing persons"
	case TeamMOSOVO:
		return "MOSOVO"
	case TeamMASH:
		return "MASH"
	case TeamControlRoom:
		return "Control room"
	case TeamResponse:
		return "Response"
	case TeamInvestigation:
		return "Investigation"
	case TeamAssurance:
		return "Quality assurance"
	case TeamAdministration:
		return "Administration"
	case TeamCommand:
		return "Command"
	}
	return string(k)
}

// Team is a unit of the force. Force-wide teams (control room, MOSOVO, MASH)
// have no LPA.
type Team struct {
	ID      int64    `json:"id"`
	ForceID int64    `json:"force_id"`
	LPAID   int64    `json:"lpa_id,omitempty"`
	LPAName string   `json:"lpa_name,omitempty"`
	Code    string   `json:"code"`
	Name    string   `json:"name"`
	Kind    TeamKind `json:"kind"`
	// Members is filled by reads that count people; zero otherwise.
	Members int `json:"members,omitempty"`
	Stamp
}

// KindTeam and KindAgency name teams and partner agencies in the access log
// and the change history, so that team 3 and agency 3 are told apart.
// Permission to read or change either is checked on KindOrganisation.
const (
	KindTeam   RecordKind = "team"
	KindAgency RecordKind = "agency"
)

// orgCodePattern is a team's or agency's short code: capital letters,
// digits and hyphens, starting with a letter or digit ("ASH-MISP").
var orgCodePattern = regexp.MustCompile(`^[A-Z0-9][A-Z0-9-]{0,19}$`)

// validateNameAndCode checks the name and code every unit of the
// organisation has.
func validateNameAndCode(v *Validation, name, code string) {
	if strings.TrimSpace(name) == "" {
		v.Add("name", "Enter a name")
	} else if len(name) > 200 {
		v.Add("name", "Name must be 200 characters or fewer")
	}
	if strings.TrimSpace(code) == "" {
		v.Add("code", "Enter a code")
	} else if !orgCodePattern.MatchString(code) {
		v.Add("code", "Code must be 1 to 20 capital letters, digits and hyphens, like ASH-MISP")
	}
}

// Validate checks a team's fields, collecting every problem.
func (t Team) Validate() error {
	var v Validation
	validateNameAndCode(&v, t.Name, t.Code)
	if !t.Kind.Valid() {
		v.Add("kind", "Select what the team does")
	}
	if t.LPAID < 0 {
		v.Add("lpa_id", "Select a local policing area from the list")
	}
	return v.Err()
}

// AgencyKind is the kind of partner agency.
type AgencyKind string

// Partner agency kinds.
const (
	AgencyChildrensSocialCare AgencyKind = "childrens_social_care"
	AgencyHealth              AgencyKind = "health"
	AgencyEducation           AgencyKind = "education"
	AgencyOther               AgencyKind = "other"
)

// Valid reports whether k is a known agency kind.
func (k AgencyKind) Valid() bool {
	switch k {
	case AgencyChildrensSocialCare, AgencyHealth, AgencyEducation, AgencyOther:
		return true
	}
	return false
}

// Label is the agency kind as people say it.
func (k AgencyKind) Label() string {
	switch k {
	case AgencyChildrensSocialCare:
		return "Children's social care"
	case AgencyHealth:
		return "Health"
	case AgencyEducation:
		return "Education"
	}
	return "Other"
}

// Agency is a partner agency the force works with: a local authority's
// children's social care, a health trust, an education service.
type Agency struct {
	ID      int64      `json:"id"`
	ForceID int64      `json:"force_id"`
	Code    string     `json:"code"`
	Name    string     `json:"name"`
	Kind    AgencyKind `json:"kind"`
	Stamp
}

// Validate checks a partner agency's fields, collecting every problem.
func (a Agency) Validate() error {
	var v Validation
	validateNameAndCode(&v, a.Name, a.Code)
	if !a.Kind.Valid() {
		v.Add("kind", "Select the kind of agency")
	}
	return v.Err()
}

// AgencyKinds lists every agency kind, in the order forms offer them.
var AgencyKinds = []AgencyKind{AgencyChildrensSocialCare, AgencyHealth, AgencyEducation, AgencyOther}

// Rank is a police rank, or a police staff or partner grade.
type Rank string

// Ranks, lowest first, then staff.
const (
	RankConstable               Rank = "constable"
	RankSergeant                Rank = "sergeant"
	RankInspector               Rank = "inspector"
	RankChiefInspector          Rank = "chief_inspector"
	RankSuperintendent          Rank = "superintendent"
	RankChiefSuperintendent     Rank = "chief_superintendent"
	RankAssistantChief          Rank = "assistant_chief_constable"
	RankDeputyChief             Rank = "deputy_chief_constable"
	RankChiefConstable          Rank = "chief_constable"
	RankStaff                   Rank = "police_staff"
	RankPartner                 Rank = "partner"
	RankDetectiveConstable      Rank = "detective_constable"
	RankDetectiveSergeant       Rank = "detective_sergeant"
	RankDetectiveInspector      Rank = "detective_inspector"
	RankDetectiveChiefInspector Rank = "detective_chief_inspector"
)

// Ranks lists every rank, in the order forms offer them.
var Ranks = []Rank{RankConstable, RankDetectiveConstable, RankSergeant, RankDetectiveSergeant,
	RankInspector, RankDetectiveInspector, RankChiefInspector, RankDetectiveChiefInspector,
	RankSuperintendent, RankChiefSuperintendent, RankAssistantChief, RankDeputyChief,
	RankChiefConstable, RankStaff, RankPartner}

// Valid reports whether r is a known rank.
func (r Rank) Valid() bool {
	for _, x := range Ranks {
		if x == r {
			return true
		}
	}
	return false
}

// Label is the rank as written on a page ("Detective Sergeant").
func (r Rank) Label() string {
	switch r {
	case RankStaff:
		return "Police staff"
	case RankPartner:
		return "Partner agency"
	case RankAssistantChief:
		return "Assistant Chief Constable"
	case RankDeputyChief:
		return "Deputy Chief Constable"
	}
	words := strings.Split(string(r), "_")
	for i, w := range words {
		if w != "" {
			words[i] = strings.ToUpper(w[:1]) + w[1:]
		}
	}
	return strings.Join(words, " ")
}

// IsOfficer reports whether the rank is a warranted police rank, which
// carries a collar number.
func (r Rank) IsOfficer() bool { return r.Valid() && r != RankStaff && r != RankPartner }

// Person is someone who works in child protection: an officer or member of
// police staff in a team, or a practitioner in a partner agency.
type Person struct {
	ID           int64  `json:"id"`
	ForceID      int64  `json:"force_id"`
	GivenName    string `json:"given_name"`
	FamilyName   string `json:"family_name"`
	CollarNumber string `json:"collar_number,omitempty"`
	Rank         Rank   `json:"rank"`
	Role         string `json:"role"`
	TeamID       int64  `json:"team_id,omitempty"`
	AgencyID     int64  `json:"agency_id,omitempty"`
	Email        string `json:"email,omitempty"`
	Active       bool   `json:"active"`
	Stamp
}

// FullName is the person's name as a page shows it.
func (p Person) FullName() string { return strings.TrimSpace(p.GivenName + " " + p.FamilyName) }

// Validate checks a person's fields, collecting every problem.
func (p Person) Validate() error {
	var v Validation
	if strings.TrimSpace(p.GivenName) == "" {
		v.Add("given_name", "Enter a given name")
	} else if len(p.GivenName) > 100 {
		v.Add("given_name", "Given name must be 100 characters or fewer")
	}
	if strings.TrimSpace(p.FamilyName) == "" {
		v.Add("family_name", "Enter a family name")
	} else if len(p.FamilyName) > 100 {
		v.Add("family_name", "Family name must be 100 characters or fewer")
	}
	if !p.Rank.Valid() {
		v.Add("rank", "Select a rank from the list")
	}
	if len(p.Role) > 100 {
		v.Add("role", "Role must be 100 characters or fewer")
	}
	if p.Rank.IsOfficer() && strings.TrimSpace(p.CollarNumber) == "" {
		v.Add("collar_number", "Enter a collar number for a police officer")
	}
	if p.CollarNumber != "" && !validCollar(p.CollarNumber) {
		v.Add("collar_number", "Collar number must be 1 to 8 letters and digits")
	}
	if p.TeamID != 0 && p.AgencyID != 0 {
		v.Add("agency_id", "A person belongs to a team or a partner agency, not both")
	}
	if p.Rank == RankPartner && p.AgencyID == 0 {
		v.Add("agency_id", "Select the partner agency this person works for")
	}
	if p.Rank != RankPartner && p.AgencyID != 0 {
		v.Add("rank", "A partner agency practitioner must have the rank 'partner'")
	}
	if p.Email != "" && (!strings.Contains(p.Email, "@") || len(p.Email) > 254) {
		v.Add("email", "Enter an email address in the correct format, like name@example.police.uk")
	}
	return v.Err()
}

func validCollar(s string) bool {
	if len(s) < 1 || len(s) > 8 {
		return false
	}
	for _, r := range s {
		if !(r >= '0' && r <= '9' || r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z') {
			return false
		}
	}
	return true
}

// PersonFilter narrows a list of people.
type PersonFilter struct {
	TeamID   int64
	AgencyID int64
	LPAID    int64
	// Query matches the start of a given or family name, or a collar number.
	Query string
	// WithoutAccount keeps only people who have no user account yet.
	WithoutAccount bool
	PageRequest
}

// Organisation is a snapshot of the force's structure, for pages that show
// it whole.
type Organisation struct {
	Force    Force    `json:"force"`
	LPAs     []LPA    `json:"lpas"`
	Teams    []Team   `json:"teams"`
	Agencies []Agency `json:"agencies"`
}

// OrgService reads and changes the force's organisation.
type OrgService interface {
	// Organisation returns the force, its LPAs, teams (with member counts)
	// and partner agencies.
	Organisation(ctx context.Context) (*Organisation, error)
	// Team returns one team.
	Team(ctx context.Context, id int64) (*Team, error)
	// People lists people, ordered by family then given name.
	People(ctx context.Context, f PersonFilter) (Page[Person], error)
	// Person returns one person.
	Person(ctx context.Context, id int64) (*Person, error)
	// CreatePerson adds a person and returns it as stored.
	CreatePerson(ctx context.Context, p Person) (*Person, error)
	// UpdatePerson changes a person. p.Version must be the version the
	// change was based on; a stale version is refused with ECONFLICT.
	// Nobody may change their own team or agency.
	UpdatePerson(ctx context.Context, p Person) (*Person, error)
	// PersonHistory returns the changes made to a person, newest first.
	PersonHistory(ctx context.Context, id int64) ([]Change, error)

	// Agency returns one partner agency.
	Agency(ctx context.Context, id int64) (*Agency, error)
	// CreateTeam adds a team (administrators only) and returns it as stored.
	CreateTeam(ctx context.Context, t Team) (*Team, error)
	// UpdateTeam changes a team's code, name, kind and LPA. t.Version must
	// be the version the change was based on; a stale one is ECONFLICT.
	UpdateTeam(ctx context.Context, t Team) (*Team, error)
	// TeamHistory returns the changes made to a team, newest first.
	TeamHistory(ctx context.Context, id int64) ([]Change, error)
	// CreateAgency adds a partner agency (administrators only).
	CreateAgency(ctx context.Context, a Agency) (*Agency, error)
	// UpdateAgency changes an agency's code, name and kind, based on
	// a.Version like UpdateTeam.
	UpdateAgency(ctx context.Context, a Agency) (*Agency, error)
	// AgencyHistory returns the changes made to an agency, newest first.
	AgencyHistory(ctx context.Context, id int64) ([]Change, error)
}

// organisationPermissions: every police role sees the organisation and
// its staff; partner agencies see the names of teams and agencies;
// administrators keep them.
var organisationPermissions = mergePermissions(
	each(police, perms(KindOrganisation, ActionRead), perms(KindPerson, ActionRead, ActionList, ActionSearch)),
	map[Role][]Permission{
		RolePartner: perms(KindOrganisation, ActionRead),
		RoleAdministrator: join(perms(KindOrganisation, ActionRead, ActionCreate, ActionUpdate),
			perms(KindPerson, ActionRead, ActionList, ActionSearch, ActionCreate, ActionUpdate)),
	})
