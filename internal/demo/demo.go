// Package demo builds Vigil's fictional demo force: an organisation of two
// local policing areas with their teams, officers, staff and partner
// agencies, and children with realistic names, ages and addresses. The
// output is a function of the seed, the scale and the as-of date only, so
// a run can be reproduced. Later capabilities add their records here; the
// same builders serve tests.
package demo

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/vigilcp/vigil/internal/vigil"
)

// Scale is how big a demo force to build.
type Scale string

// Scales. National is the stress scale of the engineering standards: the
// volume of ten years of every force in England and Wales in one
// installation, a benchmark fixture rather than a CI step.
const (
	Small    Scale = "small"
	Force    Scale = "force"
	National Scale = "national"
)

// ParseScale reads a scale name.
func ParseScale(s string) (Scale, error) {
	switch Scale(s) {
	case Small, Force, National:
		return Scale(s), nil
	}
	return "", fmt.Errorf("scale must be small, force or national (got %q)", s)
}

// Config says what to build.
type Config struct {
	Seed  uint64
	Scale Scale
	// AsOf is the day the data is built around (children's ages, later
	// capabilities' history); records never lie after it.
	AsOf time.Time
	// NoMissing leaves out the missing episodes and plans, for tests that
	// count from nothing.
	NoMissing bool
}

// sizes per scale.
type sizes struct {
	staffFactor int // multiplies the people in each team
	children    int
}

func (c Config) sizes() sizes {
	switch c.Scale {
	case Force:
		return sizes{staffFactor: 4, children: 25_000}
	case National:
		return sizes{staffFactor: 40, children: 1_000_000}
	}
	return sizes{staffFactor: 1, children: 400}
}

// Org is a built organisation, with ids assigned from 1 in each table.
type Org struct {
	Force    vigil.Force
	LPAs     []vigil.LPA
	Teams    []vigil.Team
	Agencies []vigil.Agency
	People   []vigil.Person
	// Users are the demo sign-ins, one for each kind of work.
	Users []User
	// ChildCount is how many children Children yields.
	ChildCount int
}

// User is a demo account: its username, the person it belongs to, what
// kind of work it shows, and what it may do. IDs start at 2 (the system
// account is 1).
type User struct {
	ID         int64
	Username   string
	PersonID   int64
	Does       string
	Roles      []vigil.Role
	Scope      vigil.Scope
	Supervisor string // username
}

// Build returns the demo organisation for cfg.
func Build(cfg Config) *Org {
	r := rand.New(rand.NewPCG(cfg.Seed, cfg.Seed^0x9e3779b97f4a7c15))
	sz := cfg.sizes()
	o := &Org{ChildCount: sz.children}
	o.Force = vigil.Force{ID: 1, Code: "KMP", Name: "Kingsmoor Police"}
	o.LPAs = []vigil.LPA{
		{ID: 1, ForceID: 1, Code: "ASH", Name: "Ashvale"},
		{ID: 2, ForceID: 1, Code: "MAR", Name: "Marlcombe"},
	}
	o.Agencies = []vigil.Agency{
		{ID: 1, ForceID: 1, Code: "ASH-CSC", Name: "Ashvale Council Children's Services", Kind: vigil.AgencyChildrensSocialCare},
		{ID: 2, ForceID: 1, Code: "MAR-CSC", Name: "Marlcombe Borough Council Children's Services", Kind: vigil.AgencyChildrensSocialCare},
		{ID: 3, ForceID: 1, Code: "KM-ICB", Name: "Kingsmoor NHS Integrated Care Board", Kind: vigil.AgencyHealth},
		{ID: 4, ForceID: 1, Code: "ASH-EDU", Name: "Ashvale Education Safeguarding Service", Kind: vigil.AgencyEducation},
		{ID: 5, ForceID: 1, Code: "MAR-EDU", Name: "Marlcombe Schools Safeguarding Team", Kind: vigil.AgencyEducation},
	}
	type teamPlan struct {
		team  vigil.Team
		staff []rankCount // ranks and how many, before scaling
	}
	plans := []teamPlan{
		{vigil.Team{Code: "CR", Name: "Force Control Room", Kind: vigil.TeamControlRoom},
			[]rankCount{{vigil.RankInspector, 3, "Control room manager", false}, {vigil.RankSergeant, 3, "Control room supervisor", false}, {vigil.RankStaff, 12, "Call handler", true}}},
		{vigil.Team{LPAID: 1, Code: "ASH-RESP", Name: "Ashvale Response", Kind: vigil.TeamResponse},
			[]rankCount{{vigil.RankInspector, 1, "Response inspector", false}, {vigil.RankSergeant, 3, "Response sergeant", true}, {vigil.RankConstable, 16, "Response officer", true}}},
		{vigil.Team{LPAID: 2, Code: "MAR-RESP", Name: "Marlcombe Response", Kind: vigil.TeamResponse},
			[]rankCount{{vigil.RankInspector, 1, "Response inspector", false}, {vigil.RankSergeant, 3, "Response sergeant", true}, {vigil.RankConstable, 14, "Response officer", true}}},
		{vigil.Team{LPAID: 1, Code: "ASH-MISP", Name: "Ashvale Missing Persons Team", Kind: vigil.TeamMissingPersons},
			[]rankCount{{vigil.RankSergeant, 1, "Missing persons sergeant", false}, {vigil.RankConstable, 3, "Missing person coordinator", true}, {vigil.RankStaff, 2, "Missing person coordinator", true}}},
		{vigil.Team{LPAID: 2, Code: "MAR-MISP", Name: "Marlcombe Missing Persons Team", Kind: vigil.TeamMissingPersons},
			[]rankCount{{vigil.RankSergeant, 1, "Missing persons sergeant", false}, {vigil.RankConstable, 3, "Missing person coordinator", true}, {vigil.RankStaff, 2, "Missing person coordinator", true}}},
		{vigil.Team{Code: "CAIT", Name: "Child Abuse Investigation Team", Kind: vigil.TeamInvestigation},
			[]rankCount{{vigil.RankDetectiveInspector, 1, "Investigations manager", false}, {vigil.RankDetectiveSergeant, 2, "Investigations supervisor", true}, {vigil.RankDetectiveConstable, 9, "Investigator", true}}},
		{vigil.Team{Code: "MOSOVO", Name: "Management of Sexual or Violent Offenders", Kind: vigil.TeamMOSOVO},
			[]rankCount{{vigil.RankDetectiveSergeant, 1, "MOSOVO manager", false}, {vigil.RankDetectiveConstable, 5, "Offender manager", true}, {vigil.RankConstable, 3, "Offender manager", true}}},
		{vigil.Team{Code: "MASH", Name: "Multi-Agency Safeguarding Hub (Police)", Kind: vigil.TeamMASH},
			[]rankCount{{vigil.RankDetectiveSergeant, 1, "MASH supervisor", false}, {vigil.RankDetectiveConstable, 3, "MASH practitioner", true}, {vigil.RankStaff, 5, "MASH researcher", true}}},
		{vigil.Team{Code: "QA", Name: "Make the Difference (Quality Assurance)", Kind: vigil.TeamAssurance},
			[]rankCount{{vigil.RankSergeant, 1, "Audit lead", false}, {vigil.RankStaff, 3, "Quality assurance auditor", true}}},
		{vigil.Team{Code: "PPC", Name: "Public Protection Command", Kind: vigil.TeamCommand},
			[]rankCount{{vigil.RankAssistantChief, 1, "Gold Group chair", false}, {vigil.RankChiefSuperintendent, 1, "Head of public protection", false}, {vigil.RankSuperintendent, 1, "Vulnerability lead", false}, {vigil.RankDetectiveChiefInspector, 1, "Safeguarding lead", false}}},
		{vigil.Team{Code: "SYS", Name: "Information Systems", Kind: vigil.TeamAdministration},
			[]rankCount{{vigil.RankStaff, 2, "System administrator", false}}},
	}
	names := newNamer(r)
	collar := 1000 + r.IntN(500)
	var pid int64
	addPerson := func(p vigil.Person) int64 {
		pid++
		p.ID, p.ForceID, p.Active = pid, 1, true
		p.GivenName, p.FamilyName = names.adult()
		if p.Rank.IsOfficer() {
			collar += 1 + r.IntN(7)
			p.CollarNumber = fmt.Sprint(collar)
		}
		p.Email = strings.ToLower(emailPart(p.GivenName)+"."+emailPart(p.FamilyName)) + fmt.Sprintf(".%d@kingsmoor.police.example", pid)
		o.People = append(o.People, p)
		return pid
	}
	for i, pl := range plans {
		t := pl.team
		t.ID, t.ForceID = int64(i+1), 1
		o.Teams = append(o.Teams, t)
		for _, rc := range pl.staff {
			n := rc.n
			if rc.scales {
				n *= sz.staffFactor
			}
			for range n {
				addPerson(vigil.Person{Rank: rc.rank, Role: rc.role, TeamID: t.ID})
			}
		}
	}
	for _, a := range o.Agencies {
		roles := map[vigil.AgencyKind]string{
			vigil.AgencyChildrensSocialCare: "Social worker",
			vigil.AgencyHealth:              "Safeguarding nurse",
			vigil.AgencyEducation:           "Designated safeguarding lead",
		}
		for range 3 * sz.staffFactor {
			addPerson(vigil.Person{Rank: vigil.RankPartner, Role: roles[a.Kind], AgencyID: a.ID})
		}
	}
	o.Users = demoUsers(o)
	return o
}

type rankCount struct {
	rank   vigil.Rank
	n      int
	role   string
	scales bool // grows with the scale
}

func emailPart(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if r >= 'a' && r <= 'z' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// demoUsers picks one person for each kind of work and names an account
// after the work, so that a demo visitor can tell them apart.
func demoUsers(o *Org) []User {
	pick := func(teamCode, role string) int64 {
		var teamID int64
		for _, t := range o.Teams {
			if t.Code == teamCode {
				teamID = t.ID
			}
		}
		for _, p := range o.People {
			if p.TeamID == teamID && p.Role == role {
				return p.ID
			}
		}
		panic("demo: no " + role + " in " + teamCode)
	}
	pickAgency := func(code string) int64 {
		for _, a := range o.Agencies {
			if a.Code == code {
				for _, p := range o.People {
					if p.AgencyID == a.ID {
						return p.ID
					}
				}
			}
		}
		panic("demo: nobody in agency " + code)
	}
	r := func(roles ...vigil.Role) []vigil.Role { return roles }
	users := []User{
		{0, "call.handler", pick("CR", "Call handler"), "Control room call handler: takes missing reports and grades risk",
			r(vigil.RoleCallHandler), vigil.ScopeForce, "control.manager"},
		{0, "control.manager", pick("CR", "Control room manager"), "Control room manager (inspector): ratifies risk gradings",
			r(vigil.RoleControlRoomManager), vigil.ScopeForce, "gold.chair"},
		{0, "response.officer", pick("ASH-RESP", "Response officer"), "Response officer, Ashvale: deployed to reports (own team's caseload)",
			r(vigil.RoleResponseOfficer), vigil.ScopeTeam, "designated.officer"},
		{0, "missing.ashvale", pick("ASH-MISP", "Missing person coordinator"), "Missing person coordinator, Ashvale LPA",
			r(vigil.RoleMissingCoordinator), vigil.ScopeLPA, "gold.chair"},
		{0, "missing.marlcombe", pick("MAR-MISP", "Missing person coordinator"), "Missing person coordinator, Marlcombe LPA",
			r(vigil.RoleMissingCoordinator), vigil.ScopeLPA, "gold.chair"},
		{0, "offender.manager", pick("MOSOVO", "Offender manager"), "Offender manager (MOSOVO): own caseload",
			r(vigil.RoleOffenderManager), vigil.ScopeCaseload, "mosovo.manager"},
		{0, "mosovo.manager", pick("MOSOVO", "MOSOVO manager"), "MOSOVO manager", r(vigil.RoleMOSOVOManager), vigil.ScopeForce, "gold.chair"},
		{0, "mash.officer", pick("MASH", "MASH practitioner"), "MASH practitioner (police)", r(vigil.RoleMASHPractitioner), vigil.ScopeForce, "gold.chair"},
		{0, "designated.officer", pick("ASH-RESP", "Response inspector"), "Designated officer for police protection, Ashvale",
			r(vigil.RoleDesignatedOfficer), vigil.ScopeLPA, "gold.chair"},
		{0, "auditor", pick("QA", "Quality assurance auditor"), "Quality assurance auditor: the access log and case audits",
			r(vigil.RoleAuditor), vigil.ScopeForce, "gold.chair"},
		{0, "gold.chair", pick("PPC", "Gold Group chair"), "Gold Group chair (senior leader): reviews break-glass openings",
			r(vigil.RoleSeniorLeader), vigil.ScopeForce, ""},
		{0, "social.worker", pickAgency("ASH-CSC"), "Social worker, Ashvale children's services (partner agency; second factor)",
			r(vigil.RolePartner), vigil.ScopeAgency, ""},
		{0, "health.nurse", pickAgency("KM-ICB"), "Safeguarding nurse (partner agency; second factor)",
			r(vigil.RolePartner), vigil.ScopeAgency, ""},
		{0, "admin", pick("SYS", "System administrator"), "System administrator (second factor): users, roles, teams, agencies",
			r(vigil.RoleAdministrator, vigil.RoleControlRoomManager, vigil.RoleMissingCoordinator, vigil.RoleAuditor),
			vigil.ScopeForce, "gold.chair"},
	}
	for i := range users {
		users[i].ID = int64(i + 2)
	}
	return users
}

// UserID returns the id of a demo user, or 0.
func (o *Org) UserID(username string) int64 {
	for _, u := range o.Users {
		if u.Username == username {
			return u.ID
		}
	}
	return 0
}

// Assignment puts a child on a team's or an officer's caseload.
type Assignment struct {
	ChildID, TeamID, PersonID int64
}

// ChildLinks are the records that hang off a demo child: who has it on
// their caseload, which agencies it is shared with, and any restriction.
type ChildLinks struct {
	Assignments []Assignment
	Shares      []vigil.Share
	Restriction *vigil.Restriction
}

// Children yields the demo children in id order, from 1, with their links,
// calling yield for each; it stops at the first error yield returns.
func (o *Org) Children(cfg Config, yield func(vigil.Child, ChildLinks) error) error {
	// A stream of its own, so that the organisation's size does not shift
	// the children.
	r := rand.New(rand.NewPCG(cfg.Seed^0x5eed, cfg.Seed+1))
	names := newNamer(r)
	// The profile (school, markers, care) draws on a stream of its own, so
	// that it leaves the rest of each child as it was.
	pr := rand.New(rand.NewPCG(cfg.Seed^0xc41d_9f11e, cfg.Seed+2))
	asOf := time.Date(cfg.AsOf.Year(), cfg.AsOf.Month(), cfg.AsOf.Day(), 0, 0, 0, 0, time.UTC)
	for i := range o.ChildCount {
		c := vigil.Child{ID: int64(i + 1), ForceID: o.Force.ID}
		if r.IntN(100) < 52 {
			c.Sex = vigil.SexFemale
		} else {
			c.Sex = vigil.SexMale
		}
		if r.IntN(500) == 0 {
			c.Sex = vigil.SexOther
		}
		c.GivenName, c.FamilyName = names.child(c.Sex)
		if nick, ok := nicknames[c.GivenName]; ok && r.IntN(3) == 0 {
			c.OtherNames = nick
		}
		// Ages: children known to child protection skew to teenagers.
		age := childAge(r)
		days := r.IntN(365)
		c.DateOfBirth = asOf.AddDate(-age, 0, -days)
		c.Ethnicity = pickEthnicity(r)
		lpa := r.IntN(len(lpaPlaces))
		c.LPAID = o.LPAs[lpa].ID
		place := lpaPlaces[lpa][r.IntN(len(lpaPlaces[lpa]))]
		c.AddressLine = fmt.Sprintf("%d %s %s", 1+r.IntN(180), streetNames[r.IntN(len(streetNames))], streetKinds[r.IntN(len(streetKinds))])
		c.Town = place.town
		c.Postcode = fmt.Sprintf("%s %d%c%c", place.district, 1+r.IntN(9), postcodeLetter(r), postcodeLetter(r))
		childProfile(pr, &c, lpa, vigil.AgeOn(c.DateOfBirth, asOf))
		if err := yield(c, o.links(r, c, asOf)); err != nil {
			return err
		}
	}
	return nil
}

// childProfile gives a child a school for their age and area, warning
// markers for about a quarter (teenagers more often), a social worker for
// about a third, and for about one in eight a care placement: foster
// carers, a children's home or a relative, placed mostly by the council
// of the child's own area.
func childProfile(r *rand.Rand, c *vigil.Child, lpa, age int) {
	switch {
	case age >= 16:
		c.School = pickFrom(r, lpaSchools[lpa].secondary)
		if r.IntN(3) == 0 {
			c.School = "Kingsmoor College"
		}
	case age >= 11:
		c.School = pickFrom(r, lpaSchools[lpa].secondary)
	case age >= 4:
		c.School = pickFrom(r, lpaSchools[lpa].primary)
	}
	teen := age >= 12
	chance := 12
	if teen {
		chance = 35
	}
	if r.IntN(100) < chance {
		n := 1 + r.IntN(2)
		for range n {
			m := demoMarkers[r.IntN(len(demoMarkers))]
			if !teen && (m == "sexual_exploitation" || m == "criminal_exploitation" || m == "weapons" || m == "substance_misuse") {
				m = "medical"
			}
			if !slices.Contains(c.WarningMarkers, m) {
				c.WarningMarkers = append(c.WarningMarkers, m)
			}
		}
	}
	council := []string{"Ashvale Council", "Marlcombe Borough Council"}
	if r.IntN(100) < 13 {
		c.LookedAfter = true
		home := lpa
		if r.IntN(5) == 0 {
			home = 1 - lpa
		}
		c.PlacingAuthority = council[home]
		carerGiven, carerFamily := demoCarer(r)
		switch n := r.IntN(100); {
		case n < 55:
			c.Placement = "Foster placement"
			c.Carers = fmt.Sprintf("%s and %s %s (foster carers)", carerGiven, pickFrom(r, boysNames), carerFamily)
		case n < 85 && age >= 10:
			h := pickFrom(r, childrensHomes[lpa])
			c.Placement = "Residential children's home, " + h
			c.Carers = "Staff at " + h + "; registered manager " + carerGiven + " " + carerFamily
		default:
			c.Placement = "Kinship care with a relative"
			c.Carers = carerGiven + " " + c.FamilyName + " (" + pickFrom(r, []string{"grandmother", "aunt", "older sister"}) + ")"
		}
	}
	if c.LookedAfter || r.IntN(100) < 25 {
		given, family := demoCarer(r)
		team := council[lpa]
		if c.LookedAfter {
			team = c.PlacingAuthority
		}
		c.SocialWorker = given + " " + family + ", " + team + " Children's Services"
	}
}

// demoCarer is an adult's name from the profile stream.
func demoCarer(r *rand.Rand) (string, string) {
	return pickFrom(r, girlsNames), pickFrom(r, familyNames)
}

func pickFrom(r *rand.Rand, xs []string) string { return xs[r.IntN(len(xs))] }

func childAge(r *rand.Rand) int {
	if r.IntN(100) < 70 {
		return 12 + r.IntN(6) // 12–17
	}
	return r.IntN(12) // 0–11
}

// postcodeLetter is one of the letters a postcode's inward code may use.
func postcodeLetter(r *rand.Rand) byte {
	const letters = "ABDEFGHJLNPQRSTUWXYZ"
	return letters[r.IntN(len(letters))]
}

func pickEthnicity(r *rand.Rand) string {
	n := r.IntN(1000)
	for _, e := range ethnicities {
		if n < e.weight {
			return e.name
		}
		n -= e.weight
	}
	return ethnicities[0].name
}

type namer struct{ r *rand.Rand }

func newNamer(r *rand.Rand) namer { return namer{r} }

func (n namer) adult() (string, string) {
	pool := girlsNames
	if n.r.IntN(2) == 0 {
		pool = boysNames
	}
	return pool[n.r.IntN(len(pool))], familyNames[n.r.IntN(len(familyNames))]
}

func (n namer) child(sex vigil.Sex) (string, string) {
	pool := boysNames
	if sex == vigil.SexFemale || sex == vigil.SexOther && n.r.IntN(2) == 0 {
		pool = girlsNames
	}
	return pool[n.r.IntN(len(pool))], familyNames[n.r.IntN(len(familyNames))]
}

// links decides a child's caseload, sharing and restriction: most children
// known to the force sit with their LPA's missing-persons or response team
// or the MASH; some are shared with their local authority's children's
// services or with health; a few live where their address must be held
// back (a refuge or a secure placement).
func (o *Org) links(r *rand.Rand, c vigil.Child, asOf time.Time) ChildLinks {
	var l ChildLinks
	team := func(code string) int64 {
		for _, t := range o.Teams {
			if t.Code == code {
				return t.ID
			}
		}
		return 0
	}
	lpa := map[int64]string{1: "ASH", 2: "MAR"}[c.LPAID]
	switch n := r.IntN(100); {
	case n < 40:
		l.Assignments = append(l.Assignments, Assignment{ChildID: c.ID, TeamID: team(lpa + "-MISP")})
	case n < 60:
		l.Assignments = append(l.Assignments, Assignment{ChildID: c.ID, TeamID: team(lpa + "-RESP")})
	case n < 72:
		l.Assignments = append(l.Assignments, Assignment{ChildID: c.ID, TeamID: team("MASH")})
	case n < 78:
		l.Assignments = append(l.Assignments, Assignment{ChildID: c.ID, TeamID: team("CAIT")})
	}
	// A small caseload for the demo offender manager: children living near
	// the offenders they manage.
	if om := o.userPerson("offender.manager"); om != 0 && r.IntN(40) == 0 {
		l.Assignments = append(l.Assignments, Assignment{ChildID: c.ID, PersonID: om})
	}
	sharedAt := asOf.AddDate(0, 0, -1-r.IntN(300))
	by := o.UserID("mash.officer")
	if r.IntN(100) < 20 {
		agency := map[int64]int64{1: 1, 2: 2}[c.LPAID] // the child's local authority
		purpose := "Joint safeguarding: strategy discussion and return home interviews"
		// A few purposes carry the wording the inspection criticised, as
		// real records did, so the language view has something to show.
		if n := r.IntN(40); n < len(flaggedPurposes) {
			purpose = flaggedPurposes[n]
		}
		l.Shares = append(l.Shares, vigil.Share{AgencyID: agency, RecordID: c.ID,
			Parts: []string{vigil.PartIdentity, vigil.PartAddress}, Purpose: purpose,
			LawfulBasis: vigil.LawfulBases[2], SharedBy: by, SharedAt: sharedAt})
	}
	if r.IntN(100) < 6 {
		l.Shares = append(l.Shares, vigil.Share{AgencyID: 3, RecordID: c.ID, Parts: []string{vigil.PartIdentity},
			Purpose: "Health assessment after a missing episode", LawfulBasis: vigil.LawfulBases[1], SharedBy: by, SharedAt: sharedAt})
	}
	if r.IntN(100) == 0 {
		l.Restriction = &vigil.Restriction{RecordID: c.ID, Part: vigil.PartAddress,
			AllowedRoles: []vigil.Role{vigil.RoleMissingCoordinator, vigil.RoleMASHPractitioner},
			Reason:       "Lives in a refuge: address known only to missing-person coordinators and the MASH",
			CreatedBy:    by, CreatedAt: sharedAt}
	}
	return l
}

func (o *Org) userPerson(username string) int64 {
	for _, u := range o.Users {
		if u.Username == username {
			return u.PersonID
		}
	}
	return 0
}

// flaggedPurposes are sharing purposes written the way the 2022 review
// found some records written: the language checker flags each.
var flaggedPurposes = []string{
	"Strategy discussion: she is missing through choice and refuses to engage",
	"Return interviews: appears deliberately missing from the placement again",
	"Repeat missing; he is putting himself at risk with older associates",
}
