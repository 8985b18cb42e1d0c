package vigil

import (
	"context"
	"slices"
	"strings"
)

// Role is a set of permissions a user holds. The roles are the product
// brief's users.
type Role string

// Roles.
const (
	RoleCallHandler        Role = "call_handler"
	RoleControlRoomManager Role = "control_room_manager"
	RoleResponseOfficer    Role = "response_officer"
	RoleMissingCoordinator Role = "missing_coordinator"
	RoleOffenderManager    Role = "offender_manager"
	RoleMOSOVOManager      Role = "mosovo_manager"
	RoleMASHPractitioner   Role = "mash_practitioner"
	RolePartner            Role = "partner"
	RoleDesignatedOfficer  Role = "designated_officer"
	RoleAuditor            Role = "auditor"
	RoleSeniorLeader       Role = "senior_leader"
	RoleAdministrator      Role = "administrator"
)

// Roles lists every role, in the order pages show them.
var Roles = []Role{RoleCallHandler, RoleControlRoomManager, RoleResponseOfficer, RoleMissingCoordinator,
	RoleOffenderManager, RoleMOSOVOManager, RoleMASHPractitioner, RoleDesignatedOfficer, RolePartner,
	RoleAuditor, RoleSeniorLeader, RoleAdministrator}

// Valid reports whether r is a known role.
func (r Role) Valid() bool { return slices.Contains(Roles, r) }

// Label is the role as people say it.
func (r Role) Label() string {
	switch r {
	case RoleCallHandler:
		return "Call handler"
	case RoleControlRoomManager:
		return "Control room manager"
	case RoleResponseOfficer:
		return "Response officer or investigator"
	case RoleMissingCoordinator:
		return "Missing person coordinator"
	case RoleOffenderManager:
		return "Offender manager"
	case RoleMOSOVOManager:
		return "MOSOVO manager"
	case RoleMASHPractitioner:
		return "MASH practitioner"
	case RolePartner:
		return "Partner agency practitioner"
	case RoleDesignatedOfficer:
		return "Designated officer"
	case RoleAuditor:
		return "Quality assurance auditor"
	case RoleSeniorLeader:
		return "Senior leader (Gold Group)"
	case RoleAdministrator:
		return "Administrator"
	}
	return string(r)
}

// Scope says which records a user's roles apply to.
type Scope string

// Scopes, widest first.
const (
	ScopeForce    Scope = "force"    // every record
	ScopeLPA      Scope = "lpa"      // records of the user's LPA
	ScopeTeam     Scope = "team"     // records on the user's team's caseload
	ScopeCaseload Scope = "caseload" // records on the user's own caseload
	ScopeAgency   Scope = "agency"   // records shared with the user's partner agency
)

// Scopes lists every scope, widest first.
var Scopes = []Scope{ScopeForce, ScopeLPA, ScopeTeam, ScopeCaseload, ScopeAgency}

// Valid reports whether s is a known scope.
func (s Scope) Valid() bool { return slices.Contains(Scopes, s) }

// Label is the scope as a page says it.
func (s Scope) Label() string {
	switch s {
	case ScopeForce:
		return "Whole force"
	case ScopeLPA:
		return "Their local policing area"
	case ScopeTeam:
		return "Their team's caseload"
	case ScopeCaseload:
		return "Their own caseload"
	case ScopeAgency:
		return "What is shared with their agency"
	}
	return string(s)
}

// within reports whether scope s is no wider than t: force ⊇ lpa ⊇ team ⊇
// caseload; agency sits apart, within force only.
func (s Scope) within(t Scope) bool {
	if t == ScopeForce {
		return true
	}
	if s == ScopeAgency || t == ScopeAgency {
		return s == t
	}
	rank := map[Scope]int{ScopeLPA: 1, ScopeTeam: 2, ScopeCaseload: 3}
	return rank[s] >= rank[t]
}

// Action is something done to a record.
type Action string

// Actions.
const (
	ActionRead       Action = "read"
	ActionList       Action = "list"
	ActionSearch     Action = "search"
	ActionCreate     Action = "create"
	ActionUpdate     Action = "update"
	ActionExport     Action = "export"
	ActionShare      Action = "share"       // share with a partner agency
	ActionRestrict   Action = "restrict"    // restrict a record or part
	ActionGrant      Action = "grant"       // give roles and scopes
	ActionBreakGlass Action = "break_glass" // open a record outside scope, with a reason
	ActionReview     Action = "review"      // review break-glass openings
	// Missing episodes.
	ActionGrade           Action = "grade"            // grade (or regrade) the risk
	ActionRatify          Action = "ratify"           // agree or change another's grading
	ActionDeploy          Action = "deploy"           // deploy officers
	ActionReturnInterview Action = "return_interview" // record a return home interview
	ActionClose           Action = "close"            // close after a supervisor's check
	ActionPlan            Action = "plan"             // multi-agency plans for repeat-missing children
	// ActionProfile keeps a child's Philomena profile; ActionLink links
	// people and places to children (police intelligence: partner
	// agencies see the links on children shared with them, but do not
	// search or make them).
	ActionProfile Action = "profile"
	ActionLink    Action = "link"
)

// RecordKind names a type of record for permission checks.
type RecordKind string

// Record kinds.
const (
	KindOrganisation RecordKind = "organisation" // force, LPAs, teams, agencies
	KindPerson       RecordKind = "person"       // staff and partner practitioners
	KindUser         RecordKind = "user"         // accounts, roles, scopes, tokens
	KindChild        RecordKind = "child"
	KindAccessLog    RecordKind = "access_log"
	KindBreakGlass   RecordKind = "break_glass"
	KindEpisode      RecordKind = "missing_episode"
	// People and places linked to children (see ProfileService): read
	// through a child one may read, so no role names them.
	KindAssociate RecordKind = "associate"
	KindPlace     RecordKind = "place"
	// The missing-children dashboard (figures, never a person's record)
	// and the force's missing-children targets.
	KindMissingDashboard RecordKind = "missing_dashboard"
	KindMissingTargets   RecordKind = "missing_targets"
)

// Permission is one action on one kind of record.
type Permission struct {
	Action Action
	Kind   RecordKind
}

func perms(kind RecordKind, actions ...Action) []Permission {
	out := make([]Permission, len(actions))
	for i, a := range actions {
		out[i] = Permission{a, kind}
	}
	return out
}

func join(ps ...[]Permission) []Permission {
	var out []Permission
	for _, p := range ps {
		out = append(out, p...)
	}
	return out
}

// RolePermissions is the permission data: what each role may do. Whether
// it may do it to a particular record is then a matter of scope. Each
// capability declares its roles' permissions in its own file (org.go,
// user.go, child.go, profile.go, missing.go, language.go); they are merged
// here once.
var RolePermissions = mergePermissions(organisationPermissions, identityPermissions, childPermissions, profilePermissions,
	missingPermissions, languagePermissions)

// mergePermissions joins capabilities' permission tables, each role's
// permissions in the order given, without repeats.
func mergePermissions(tables ...map[Role][]Permission) map[Role][]Permission {
	out := map[Role][]Permission{}
	for _, t := range tables {
		for _, r := range Roles {
			for _, p := range t[r] {
				if !slices.Contains(out[r], p) {
					out[r] = append(out[r], p)
				}
			}
		}
	}
	return out
}

// police are the roles of the force's own staff.
var police = []Role{RoleCallHandler, RoleControlRoomManager, RoleResponseOfficer, RoleMissingCoordinator, RoleOffenderManager,
	RoleMOSOVOManager, RoleMASHPractitioner, RoleDesignatedOfficer, RoleAuditor, RoleSeniorLeader}

// each gives every one of the roles the same permissions.
func each(roles []Role, ps ...[]Permission) map[Role][]Permission {
	out := map[Role][]Permission{}
	for _, r := range roles {
		out[r] = join(ps...)
	}
	return out
}

// Has reports whether any of the principal's roles grants the permission.
// A read-only principal holds only the read, list and search permissions
// of its roles.
func (p *Principal) Has(action Action, kind RecordKind) bool {
	if p == nil {
		return false
	}
	if p.ReadOnly && action != ActionRead && action != ActionList && action != ActionSearch {
		return false
	}
	for _, r := range p.Roles {
		if slices.Contains(RolePermissions[r], Permission{action, kind}) {
			return true
		}
	}
	return false
}

// HasRole reports whether the principal holds the role.
func (p *Principal) HasRole(r Role) bool { return p != nil && slices.Contains(p.Roles, r) }

// RecordFacts are what the policy needs to know about one record to decide
// whether a principal may touch it: where it sits and who it is shared
// with, restricted to, or opened for.
type RecordFacts struct {
	// LPAIDs are the LPAs the record belongs to (a child's home LPA, and
	// the LPAs of the teams it is assigned to).
	LPAIDs []int64
	// TeamIDs and PersonIDs hold the record on their caseload; a person
	// named here holds it whatever their account's scope.
	TeamIDs, PersonIDs []int64
	// SharedWith are the agencies with a current share of the record.
	SharedWith []int64
	// Restricted holds the whole record back from everyone but these.
	Restricted   bool
	AllowedRoles []Role
	AllowedUsers []int64
	// BrokenGlass says the principal holds a current break-glass opening
	// of the record.
	BrokenGlass bool
}

// Decision is the policy's answer.
type Decision struct {
	Allowed bool
	// ByBreakGlass says the record is open only through break-glass.
	ByBreakGlass bool
	// CanBreakGlass says a refused principal may open it with a reason.
	CanBreakGlass bool
	// Restricted says a whole-record restriction holds the principal back.
	Restricted bool
	// NoPermission says no role of the principal's (or a read-only token)
	// allows the action; Shown says the principal may nonetheless see
	// the record, so a partner agency is told it is refused, not that it
	// does not exist.
	NoPermission, Shown bool
	// ReadOnlyOpening says the principal holds a break-glass opening of
	// the record, which lets them read it but not take this action.
	ReadOnlyOpening bool
	// Reason explains a refusal, for the access log.
	Reason string
}

// ReadsOnly reports whether an action only reads: the actions a
// break-glass opening (or a read-only API token) allows.
func ReadsOnly(a Action) bool { return a == ActionRead || a == ActionList || a == ActionSearch }

// Decide is the one policy function: whether the principal may take the
// action on a record with these facts. Lists apply the same rule in SQL
// (sqlstore's scope filter), and a test proves the two agree.
func Decide(p *Principal, action Action, kind RecordKind, f RecordFacts) Decision {
	if p == nil || p.User.ID == 0 {
		return Decision{Reason: "not signed in"}
	}
	if p.User.Disabled() {
		return Decision{Reason: "account disabled"}
	}
	if !p.Has(action, kind) {
		// A partner is told a record not shared with them does not exist,
		// but one that is shared may be refused for what it is.
		return Decision{Reason: noPermission(p, action, kind), NoPermission: true,
			Shown: inScope(p, f) && !(f.Restricted && !restrictionAllows(p, f))}
	}
	if f.Restricted && !restrictionAllows(p, f) {
		return Decision{Reason: "restricted to named people or roles", Restricted: true}
	}
	if inScope(p, f) {
		return Decision{Allowed: true}
	}
	if f.BrokenGlass && p.Scope != ScopeAgency {
		if ReadsOnly(action) {
			return Decision{Allowed: true, ByBreakGlass: true}
		}
		return Decision{Reason: "break-glass opens a record for reading only, not to " + string(action), ReadOnlyOpening: true}
	}
	return Decision{Reason: "outside the user's scope (" + string(p.Scope) + ")",
		CanBreakGlass: p.Scope != ScopeAgency && p.Has(ActionBreakGlass, kind) && action == ActionRead}
}

// RestrictedFrom reports whether a whole-record restriction holds the
// record back from the principal, whatever their scope.
func RestrictedFrom(p *Principal, f RecordFacts) bool {
	return f.Restricted && !restrictionAllows(p, f)
}

func restrictionAllows(p *Principal, f RecordFacts) bool {
	if slices.Contains(f.AllowedUsers, p.User.ID) {
		return true
	}
	for _, r := range p.Roles {
		if slices.Contains(f.AllowedRoles, r) {
			return true
		}
	}
	return false
}

func inScope(p *Principal, f RecordFacts) bool {
	// A person named as a holder of the record (an officer deployed to an
	// episode, a child's named officer) holds it at any police scope.
	if p.Scope != ScopeAgency && p.PersonID != 0 && slices.Contains(f.PersonIDs, p.PersonID) {
		return true
	}
	switch p.Scope {
	case ScopeForce:
		return true
	case ScopeLPA:
		return p.LPAID != 0 && slices.Contains(f.LPAIDs, p.LPAID)
	case ScopeTeam:
		return p.TeamID != 0 && slices.Contains(f.TeamIDs, p.TeamID)
	case ScopeCaseload:
		return p.PersonID != 0 && slices.Contains(f.PersonIDs, p.PersonID)
	case ScopeAgency:
		return p.AgencyID != 0 && slices.Contains(f.SharedWith, p.AgencyID)
	}
	return false
}

// Require checks a permission that does not depend on a particular record
// (listing, creating, administration): the principal must be signed in,
// active, and hold a role that grants it.
func Require(ctx context.Context, action Action, kind RecordKind) error {
	p := PrincipalFrom(ctx)
	if p == nil || p.User.ID == 0 {
		return Errorf(EUNAUTHENTICATED, "Sign in to continue")
	}
	if p.User.Disabled() {
		return Errorf(EFORBIDDEN, "This account is disabled")
	}
	if !p.Has(action, kind) {
		msg := "You do not have permission to do that"
		if p.ReadOnly && !ReadsOnly(action) {
			msg = "This API token is read-only: it may read, list and search, nothing else"
		}
		return &Error{Code: EFORBIDDEN, Message: msg, Err: denial{action, kind, noPermission(p, action, kind)}}
	}
	return nil
}

// noPermission is why a principal lacks a permission, for the access log.
func noPermission(p *Principal, action Action, kind RecordKind) string {
	if p.ReadOnly && !ReadsOnly(action) {
		return "read-only token: " + string(action) + " " + string(kind) + " refused"
	}
	return "no role grants " + string(action) + " " + string(kind)
}

// denial is the cause inside a permission error, for the access log.
type denial struct {
	action Action
	kind   RecordKind
	reason string
}

func (d denial) Error() string { return d.reason }

// DenialReason returns why a permission error was raised, for the access
// log, or "" when err is not a denial.
func DenialReason(err error) string {
	var e *Error
	for err != nil {
		if d, ok := err.(denial); ok {
			return d.reason
		}
		if ee, ok := err.(*Error); ok {
			e = ee
			err = e.Err
			continue
		}
		if u, ok := err.(interface{ Unwrap() error }); ok {
			err = u.Unwrap()
			continue
		}
		break
	}
	return ""
}

// Refuse returns the error for a refused decision on a record: not found
// for partner-agency users (they may not learn that a record they were not
// given exists), forbidden with the offer of break-glass otherwise.
func Refuse(p *Principal, d Decision, what string) error {
	if p != nil && p.Scope == ScopeAgency && !(d.NoPermission && d.Shown) {
		return &Error{Code: ENOTFOUND, Message: what + " not found", Err: denial{reason: d.Reason}}
	}
	if d.NoPermission {
		msg := "You do not have permission to do that"
		if p != nil && p.ReadOnly {
			msg = "This API token is read-only: it may read, list and search, nothing else"
		}
		return &Error{Code: EFORBIDDEN, Message: msg, Err: denial{reason: d.Reason}}
	}
	if d.ReadOnlyOpening {
		return &Error{Code: EFORBIDDEN, Message: "You opened this " + strings.ToLower(what) + " with a reason, which lets you read it only. " +
			"Ask the team that holds it to make this change", Err: denial{reason: d.Reason}}
	}
	if d.Restricted {
		return &Error{Code: EFORBIDDEN, Message: "This " + strings.ToLower(what) + " is restricted to named people and roles",
			Err: denial{reason: d.Reason}, Restricted: true}
	}
	msg := "This " + strings.ToLower(what) + " is outside your area of work"
	if d.CanBreakGlass {
		msg += ". You can open it by giving a reason, which is recorded and sent to your supervisor"
	}
	return &Error{Code: EFORBIDDEN, Message: msg, Err: denial{reason: d.Reason}, BreakGlass: d.CanBreakGlass}
}

// CanGrant decides whether the granter may give a user these roles and
// this scope. Nobody may grant a permission they do not hold themselves
// (every permission of the granted roles must be among the granter's), nor
// a scope wider than their own, nor change their own roles or scope. The
// partner-agency role is held alone: a partner's account is never also a
// police one.
func CanGrant(granter *Principal, targetUserID int64, roles []Role, scope Scope) error {
	if err := requireP(granter, ActionGrant, KindUser); err != nil {
		return err
	}
	if granter.User.ID == targetUserID {
		return Errorf(EFORBIDDEN, "You cannot change your own roles, scope or agency")
	}
	var v Validation
	for _, r := range roles {
		if !r.Valid() {
			v.Add("roles", "%q is not a role", r)
			continue
		}
		for _, perm := range RolePermissions[r] {
			if !granter.Has(perm.Action, perm.Kind) {
				v.Add("roles", "You cannot grant the role %s: it would give %s %s, which you do not hold",
					r.Label(), perm.Action, perm.Kind)
				break
			}
		}
	}
	if !scope.Valid() {
		v.Add("scope", "Select a scope")
	} else if !scope.within(granter.Scope) {
		v.Add("scope", "You cannot grant the scope %q, which is wider than your own", scope.Label())
	}
	if slices.Contains(roles, RolePartner) && slices.ContainsFunc(roles, func(r Role) bool { return r != RolePartner }) {
		v.Add("roles", "The %s role cannot be combined with police roles: give a partner-agency account that role alone",
			RolePartner.Label())
	}
	if slices.Contains(roles, RolePartner) != (scope == ScopeAgency) {
		v.Add("scope", "Partner-agency practitioners, and only they, have the agency scope")
	}
	if len(roles) == 0 {
		v.Add("roles", "Select at least one role")
	}
	return v.Err()
}

func requireP(p *Principal, action Action, kind RecordKind) error {
	return Require(WithPrincipal(context.Background(), p), action, kind)
}

// NeedsSecondFactor reports whether these roles require a second factor at
// sign-in: administrators and partner-agency users must use one.
func NeedsSecondFactor(roles []Role) bool {
	return slices.Contains(roles, RoleAdministrator) || slices.Contains(roles, RolePartner)
}
