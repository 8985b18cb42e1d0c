package web_test

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vigilcp/vigil/internal/sqlstore"
	"github.com/vigilcp/vigil/internal/vigil"
	"github.com/vigilcp/vigil/internal/vigiltest"
)

// The permission matrix: every route, for every role, against a record in
// the role's scope and one outside it, and for a visitor not signed in,
// gives the status written here. The expectations are written out by hand
// from the product brief, not derived from vigil.RolePermissions, so that
// a change to the permission data that nobody meant fails here. A route
// that is not in the matrix fails the test.

var (
	police    = []vigil.Role{vigil.RoleCallHandler, vigil.RoleControlRoomManager, vigil.RoleResponseOfficer, vigil.RoleMissingCoordinator, vigil.RoleOffenderManager, vigil.RoleMOSOVOManager, vigil.RoleMASHPractitioner, vigil.RoleDesignatedOfficer, vigil.RoleAuditor, vigil.RoleSeniorLeader}
	everyone  = append(slices.Clone(police), vigil.RolePartner, vigil.RoleAdministrator)
	readChild = append(slices.Clone(police), vigil.RolePartner)
	staff     = append(slices.Clone(police), vigil.RoleAdministrator)
	sharers   = []vigil.Role{vigil.RoleMissingCoordinator, vigil.RoleMASHPractitioner}
	glass     = []vigil.Role{vigil.RoleCallHandler, vigil.RoleControlRoomManager, vigil.RoleResponseOfficer, vigil.RoleMissingCoordinator, vigil.RoleOffenderManager, vigil.RoleMOSOVOManager, vigil.RoleMASHPractitioner, vigil.RoleDesignatedOfficer}
	reviewers = []vigil.Role{vigil.RoleMOSOVOManager, vigil.RoleAuditor, vigil.RoleSeniorLeader}
	auditors  = []vigil.Role{vigil.RoleAuditor}
	admins    = []vigil.Role{vigil.RoleAdministrator}
)

// who is a matrix user: a role, its session, and the children in and out
// of its scope.
type who struct {
	role   vigil.Role
	client *http.Client
	in     int64
	// outs are children outside the role's scope: outs[0] for most routes,
	// a fresh one for each break-glass route (an opening lasts hours).
	outs []int64
}

// call is one request of a route for one user.
type call struct {
	method, path, body, contentType string
}

// row is one route's expectations.
type row struct {
	// req builds the request; child is the record it is about.
	req func(f *fixture, w *who, child int64) call
	// public routes answer everyone alike with status ok.
	public bool
	// allowed roles succeed with ok; others are refused (403, or 404 for a
	// partner on a record route).
	allowed []vigil.Role
	ok      int
	// scoped routes are about one child: outside the role's scope they are
	// refused; glass routes are the reverse (opening only works outside),
	// and use their own out-of-scope child, numbered here.
	scoped bool
	glass  int
	// anon is the status for a visitor not signed in.
	anon int
	// factor, when set, is the status for a user who already has a
	// second factor.
	factor int
}

func get(path string) func(*fixture, *who, int64) call {
	return func(_ *fixture, _ *who, c int64) call {
		return call{method: "GET", path: strings.ReplaceAll(path, "{id}", fmt.Sprint(c))}
	}
}

func form(path, body string) func(*fixture, *who, int64) call {
	return func(_ *fixture, _ *who, c int64) call {
		return call{"POST", strings.ReplaceAll(path, "{id}", fmt.Sprint(c)), body, "application/x-www-form-urlencoded"}
	}
}

func jsonCall(method, path, body string) func(*fixture, *who, int64) call {
	return func(_ *fixture, _ *who, c int64) call {
		return call{method, strings.ReplaceAll(path, "{id}", fmt.Sprint(c)), body, "application/json"}
	}
}

// newShare shares a child with Ashvale children's services, as the system,
// and returns the share's id.
func newShare(f *fixture, child int64) int64 {
	sh, err := sqlstore.NewChildService(f.db).Share(vigiltest.AsSystem(f.t, f.db), vigil.Share{AgencyID: 2, RecordID: child,
		Purpose: "matrix test", LawfulBasis: vigil.LawfulBases[0]})
	if err != nil {
		f.t.Fatal(err)
	}
	return sh.ID
}

// newOpening makes a break-glass opening to review, by a user who is not
// the reviewer.
func newOpening(f *fixture, w *who) int64 {
	opener := "response.officer"
	ctx := vigiltest.As(f.t, f.db, opener)
	svc := sqlstore.NewChildService(f.db)
	for id := int64(1); id <= int64(f.org.ChildCount); id++ {
		if _, err := svc.Child(ctx, id); vigil.ErrorCode(err) == vigil.EFORBIDDEN {
			bg, err := svc.OpenWithReason(ctx, id, "investigation", "matrix test: a reason long enough to judge")
			if err == nil {
				return bg.ID
			}
		}
	}
	f.t.Fatal("no record to open for the review test")
	return 0
}

var matrix = map[string]row{
	"GET /healthz":          {req: get("/healthz"), public: true, ok: 200},
	"GET /readyz":           {req: get("/readyz"), public: true, ok: 200},
	"GET /metrics":          {req: get("/metrics"), public: true, ok: 200},
	"GET /assets/{path...}": {req: get("/assets/css/vigil.css"), public: true, ok: 200},
	"GET /favicon.ico":      {req: get("/favicon.ico"), public: true, ok: 301},
	"GET /{$}":              {req: get("/"), allowed: everyone, ok: 200, anon: 200},
	"GET /sign-in":          {req: get("/sign-in"), allowed: everyone, ok: 303, anon: 200},
	"POST /sign-in":         {req: form("/sign-in", "username=nobody&password=wrong+password+here"), public: true, ok: 401},
	"GET /sign-in/code":     {req: get("/sign-in/code"), allowed: everyone, ok: 303, anon: 303},
	"POST /sign-in/code":    {req: form("/sign-in/code", "code=123456"), allowed: everyone, ok: 303, anon: 303},
	"GET /sign-in/set-up":   {req: get("/sign-in/set-up"), allowed: everyone, ok: 303, anon: 303},
	"POST /sign-in/set-up":  {req: form("/sign-in/set-up", "code=123456"), allowed: everyone, ok: 303, anon: 303},
	// Single sign-on is off in this fixture: its routes are not found for
	// anyone (oidc_test.go covers them switched on).
	"POST /sign-in/sso":         {req: form("/sign-in/sso", ""), public: true, ok: 404},
	"GET /sign-in/sso/callback": {req: get("/sign-in/sso/callback?state=x&code=y"), public: true, ok: 404},
	"GET /signed-out":           {req: get("/signed-out"), public: true, ok: 200},
	"GET /account":              {req: get("/account"), allowed: everyone, ok: 200, anon: 303},
	// The matrix users without a second factor may set one up; those
	// who have one (administrators, partners) are told they are signed in.
	"GET /account/second-factor":  {req: get("/account/second-factor"), public: false, allowed: everyone, ok: 200, anon: 303, factor: 422},
	"POST /account/second-factor": {req: form("/account/second-factor", "code=000000"), allowed: everyone, ok: 401, anon: 303, factor: 422},
	"POST /sign-out":              {req: form("/sign-out", ""), public: true, ok: 303},
	"POST /sign-out/everywhere":   {req: form("/sign-out/everywhere", ""), allowed: everyone, ok: 303, anon: 303},

	"GET /children":              {req: get("/children"), allowed: readChild, ok: 200, anon: 303},
	"GET /children/{id}":         {req: get("/children/{id}"), allowed: readChild, ok: 200, scoped: true, anon: 303},
	"GET /children/{id}/history": {req: get("/children/{id}/history"), allowed: readChild, ok: 200, scoped: true, anon: 303},
	"POST /children/{id}/open-with-reason": {req: form("/children/{id}/open-with-reason", "purpose=incident&reason=Called+to+the+child+at+a+bus+station+at+night"),
		allowed: glass, ok: 303, glass: 1, anon: 303},
	"GET /children/{id}/share":  {req: get("/children/{id}/share"), allowed: sharers, ok: 200, scoped: true, anon: 303},
	"POST /children/{id}/share": {req: form("/children/{id}/share", "agency_id=3&parts=identity&purpose=Strategy+discussion&lawful_basis="+strings.ReplaceAll(vigil.LawfulBases[2], " ", "+")), allowed: sharers, ok: 303, scoped: true, anon: 303},
	"POST /children/{id}/shares/{share}/revoke": {req: func(f *fixture, w *who, c int64) call {
		return call{"POST", fmt.Sprintf("/children/%d/shares/%d/revoke", c, newShare(f, c)), "", "application/x-www-form-urlencoded"}
	}, allowed: sharers, ok: 303, scoped: true, anon: 303},
	"GET /children/{id}/restrict":  {req: get("/children/{id}/restrict"), allowed: sharers, ok: 200, scoped: true, anon: 303},
	"POST /children/{id}/restrict": {req: form("/children/{id}/restrict", "part=address&allowed_roles=missing_coordinator&reason=Lives+in+a+refuge"), allowed: sharers, ok: 303, scoped: true, anon: 303},

	"GET /access":             {req: get("/access"), allowed: auditors, ok: 200, anon: 303},
	"GET /access/break-glass": {req: get("/access/break-glass"), allowed: reviewers, ok: 200, anon: 303},
	"POST /access/break-glass/{id}/review": {req: func(f *fixture, w *who, c int64) call {
		return call{"POST", fmt.Sprintf("/access/break-glass/%d/review", newOpening(f, w)), "note=Looked+at%3A+justified", "application/x-www-form-urlencoded"}
	}, allowed: reviewers, ok: 303, anon: 303},

	"GET /organisation":                   {req: get("/organisation"), allowed: everyone, ok: 200, anon: 303},
	"GET /organisation/teams/{id}":        {req: get("/organisation/teams/4"), allowed: staff, ok: 200, anon: 303},
	"GET /organisation/people/{id}":       {req: get("/organisation/people/5"), allowed: staff, ok: 200, anon: 303},
	"GET /organisation/people/{id}/edit":  {req: get("/organisation/people/5/edit"), allowed: staff, ok: 200, anon: 303},
	"POST /organisation/people/{id}/edit": {req: form("/organisation/people/30/edit", "version=1&given_name=A&family_name=B&rank=police_staff&role=x"), allowed: admins, ok: 303, anon: 303},

	"GET /api/v1/openapi.json": {req: get("/api/v1/openapi.json"), public: true, ok: 200},
	"GET /api/v1/me":           {req: get("/api/v1/me"), allowed: everyone, ok: 200, anon: 401},
	"GET /api/v1/organisation": {req: get("/api/v1/organisation"), allowed: everyone, ok: 200, anon: 401},
	"GET /api/v1/teams/{id}":   {req: get("/api/v1/teams/4"), allowed: everyone, ok: 200, anon: 401},
	"GET /api/v1/people":       {req: get("/api/v1/people"), allowed: staff, ok: 200, anon: 401},
	"POST /api/v1/people": {req: jsonCall("POST", "/api/v1/people", `{"given_name":"Ada","family_name":"Lovelace","rank":"police_staff","team_id":4}`),
		allowed: admins, ok: 201, anon: 401},
	"GET /api/v1/people/{id}": {req: get("/api/v1/people/5"), allowed: staff, ok: 200, anon: 401},
	"PUT /api/v1/people/{id}": {req: func(f *fixture, w *who, c int64) call {
		p, err := sqlstore.NewOrgService(f.db).Person(vigiltest.AsSystem(f.t, f.db), 31)
		if err != nil {
			f.t.Fatal(err)
		}
		return call{"PUT", "/api/v1/people/31", fmt.Sprintf(`{"given_name":"Ada","family_name":"Lovelace","rank":%q,"collar_number":%q,"team_id":%d,"version":%d}`,
			p.Rank, p.CollarNumber, p.TeamID, p.Version), "application/json"}
	}, allowed: admins, ok: 200, anon: 401},
	"GET /api/v1/children":              {req: get("/api/v1/children"), allowed: readChild, ok: 200, anon: 401},
	"GET /api/v1/children/{id}":         {req: get("/api/v1/children/{id}"), allowed: readChild, ok: 200, scoped: true, anon: 401},
	"GET /api/v1/children/{id}/history": {req: get("/api/v1/children/{id}/history"), allowed: readChild, ok: 200, scoped: true, anon: 401},
	"POST /api/v1/children/{id}/break-glass": {req: jsonCall("POST", "/api/v1/children/{id}/break-glass", `{"purpose":"incident","reason":"Called to the child at a bus station at night"}`),
		allowed: glass, ok: 201, glass: 2, anon: 401},
	"GET /api/v1/children/{id}/shares": {req: get("/api/v1/children/{id}/shares"), allowed: readChild, ok: 200, scoped: true, anon: 401},
	"POST /api/v1/children/{id}/shares": {req: jsonCall("POST", "/api/v1/children/{id}/shares",
		`{"agency_id":3,"parts":["identity"],"purpose":"Strategy discussion","lawful_basis":"`+vigil.LawfulBases[2]+`"}`),
		allowed: sharers, ok: 201, scoped: true, anon: 401},
	"POST /api/v1/shares/{id}/revoke": {req: func(f *fixture, w *who, c int64) call {
		return call{"POST", fmt.Sprintf("/api/v1/shares/%d/revoke", newShare(f, c)), "", "application/json"}
	}, allowed: sharers, ok: 204, scoped: true, anon: 401},
	"POST /api/v1/children/{id}/restrictions": {req: jsonCall("POST", "/api/v1/children/{id}/restrictions",
		`{"part":"address","allowed_roles":["missing_coordinator"],"reason":"Lives in a refuge"}`), allowed: sharers, ok: 201, scoped: true, anon: 401},
	"GET /api/v1/access-log":  {req: get("/api/v1/access-log"), allowed: auditors, ok: 200, anon: 401},
	"GET /api/v1/break-glass": {req: get("/api/v1/break-glass"), allowed: reviewers, ok: 200, anon: 401},
	"POST /api/v1/break-glass/{id}/review": {req: func(f *fixture, w *who, c int64) call {
		return call{"POST", fmt.Sprintf("/api/v1/break-glass/%d/review", newOpening(f, w)), `{"note":"Justified"}`, "application/json"}
	}, allowed: reviewers, ok: 204, anon: 401},

	"GET /admin/users":                          {req: get("/admin/users"), allowed: userReaders, ok: 200, anon: 303},
	"GET /admin/users/new":                      {req: get("/admin/users/new"), allowed: admins, ok: 200, anon: 303},
	"POST /admin/users/new":                     {req: newUserForm, allowed: admins, ok: 200, anon: 303},
	"GET /admin/users/{id}":                     {req: get("/admin/users/2"), allowed: userReaders, ok: 200, anon: 303},
	"POST /admin/users/{id}/access":             {req: accessForm, allowed: admins, ok: 303, anon: 303},
	"GET /admin/users/{id}/disable":             {req: get("/admin/users/2/disable"), allowed: admins, ok: 200, anon: 303},
	"POST /admin/users/{id}/disable":            {req: throwaway("/admin/users/%d/disable"), allowed: admins, ok: 303, anon: 303},
	"GET /admin/users/{id}/reset-second-factor": {req: get("/admin/users/2/reset-second-factor"), allowed: admins, ok: 200, anon: 303},
	"POST /admin/users/{id}/reset-second-factor": {req: throwaway("/admin/users/%d/reset-second-factor"), allowed: admins, ok: 303,
		anon: 303},
	"GET /admin/teams/new":           {req: get("/admin/teams/new"), allowed: admins, ok: 200, anon: 303},
	"POST /admin/teams/new":          {req: uniqueForm("/admin/teams/new", "name=Night+Team+%[1]d&code=NT%[1]d&kind=response&lpa_id=1"), allowed: admins, ok: 303, anon: 303},
	"GET /admin/teams/{id}/edit":     {req: get("/admin/teams/4/edit"), allowed: admins, ok: 200, anon: 303},
	"POST /admin/teams/{id}/edit":    {req: teamEdit, allowed: admins, ok: 303, anon: 303},
	"GET /admin/agencies/new":        {req: get("/admin/agencies/new"), allowed: admins, ok: 200, anon: 303},
	"POST /admin/agencies/new":       {req: uniqueForm("/admin/agencies/new", "name=Youth+Service+%[1]d&code=YS%[1]d&kind=other"), allowed: admins, ok: 303, anon: 303},
	"GET /admin/agencies/{id}/edit":  {req: get("/admin/agencies/3/edit"), allowed: admins, ok: 200, anon: 303},
	"POST /admin/agencies/{id}/edit": {req: agencyEdit, allowed: admins, ok: 303, anon: 303},
	"GET /api/v1/users":              {req: get("/api/v1/users"), allowed: userReaders, ok: 200, anon: 401},
	"GET /api/v1/users/{id}":         {req: get("/api/v1/users/2"), allowed: userReaders, ok: 200, anon: 401},
	"PUT /api/v1/users/{id}/access":  {req: apiAccess, allowed: admins, ok: 200, anon: 401},
	"POST /api/v1/teams": {req: uniqueJSON("POST", "/api/v1/teams", `{"name":"Day Team %[1]d","code":"DT%[1]d","kind":"response","lpa_id":2}`),
		allowed: admins, ok: 201, anon: 401},
	"PUT /api/v1/teams/{id}":    {req: apiTeamEdit, allowed: admins, ok: 200, anon: 401},
	"GET /api/v1/agencies/{id}": {req: get("/api/v1/agencies/3"), allowed: everyone, ok: 200, anon: 401},
	"POST /api/v1/agencies": {req: uniqueJSON("POST", "/api/v1/agencies", `{"name":"Refuge %[1]d","code":"RF%[1]d","kind":"other"}`),
		allowed: admins, ok: 201, anon: 401},
	"PUT /api/v1/agencies/{id}": {req: apiAgencyEdit, allowed: admins, ok: 200, anon: 401},

	"POST /language/check":          {req: form("/language/check", "field=purpose&purpose=missing+through+choice"), allowed: everyone, ok: 200, anon: 401},
	"POST /api/v1/language/check":   {req: jsonCall("POST", "/api/v1/language/check", `{"text":"appears deliberately missing"}`), allowed: everyone, ok: 200, anon: 401},
	"GET /language":                 {req: get("/language"), allowed: languageReaders, ok: 200, anon: 303},
	"GET /admin/language":           {req: get("/admin/language"), allowed: admins, ok: 200, anon: 303},
	"POST /admin/language/lexicon":  {req: form("/admin/language/lexicon", "document=%7B%7D"), allowed: admins, ok: 303, anon: 303},
	"POST /admin/language/settings": {req: form("/admin/language/settings", "require_reason=no"), allowed: admins, ok: 303, anon: 303},

	"/": {req: get("/no/such/thing"), public: true, ok: 404},
}

// languageReaders see where flagged wording appears: auditors, senior
// leaders and administrators.
var languageReaders = []vigil.Role{vigil.RoleAuditor, vigil.RoleSeniorLeader, vigil.RoleAdministrator}

// userReaders may look at accounts: administrators, and auditors, whose
// "what has this user looked at" starts from an account.
var userReaders = []vigil.Role{vigil.RoleAuditor, vigil.RoleAdministrator}

// serial makes names unique across a test's requests.
var serial int

func uniqueForm(path, body string) func(*fixture, *who, int64) call {
	return func(*fixture, *who, int64) call {
		serial++
		return call{"POST", path, fmt.Sprintf(body, serial), "application/x-www-form-urlencoded"}
	}
}

func uniqueJSON(method, path, body string) func(*fixture, *who, int64) call {
	return func(*fixture, *who, int64) call {
		serial++
		return call{method, path, fmt.Sprintf(body, serial), "application/json"}
	}
}

// throwawayUser makes an account, as the system, for a request to change.
func throwawayUser(f *fixture) *vigil.User {
	serial++
	u, err := sqlstore.NewUserService(f.db).CreateUser(vigiltest.AsSystem(f.t, f.db), vigil.NewUser{Username: fmt.Sprintf("throwaway.%d", serial),
		Password: vigiltest.DemoPassword, Roles: []vigil.Role{vigil.RoleAdministrator}, Scope: vigil.ScopeLPA})
	if err != nil {
		f.t.Fatal(err)
	}
	return u
}

func throwaway(path string) func(*fixture, *who, int64) call {
	return func(f *fixture, _ *who, _ int64) call {
		return call{"POST", fmt.Sprintf(path, throwawayUser(f).ID), "", "application/x-www-form-urlencoded"}
	}
}

func newUserForm(*fixture, *who, int64) call {
	serial++
	return call{"POST", "/admin/users/new", fmt.Sprintf("username=new.user.%d&roles=administrator&scope=lpa&password=generate", serial),
		"application/x-www-form-urlencoded"}
}

// Granting: the matrix administrator holds only the administrator role
// with LPA scope, so that is what it may give.
func accessForm(f *fixture, _ *who, _ int64) call {
	u := throwawayUser(f)
	return call{"POST", fmt.Sprintf("/admin/users/%d/access", u.ID), fmt.Sprintf("roles=administrator&scope=lpa&version=%d", u.Version),
		"application/x-www-form-urlencoded"}
}

func apiAccess(f *fixture, _ *who, _ int64) call {
	u := throwawayUser(f)
	return call{"PUT", fmt.Sprintf("/api/v1/users/%d/access", u.ID), fmt.Sprintf(`{"roles":["administrator"],"scope":"lpa","version":%d}`, u.Version),
		"application/json"}
}

func team(f *fixture) *vigil.Team {
	t, err := sqlstore.NewOrgService(f.db).Team(vigiltest.AsSystem(f.t, f.db), 5)
	if err != nil {
		f.t.Fatal(err)
	}
	return t
}

func teamEdit(f *fixture, _ *who, _ int64) call {
	t := team(f)
	return call{"POST", "/admin/teams/5/edit", fmt.Sprintf("name=%s&code=%s&kind=%s&lpa_id=%d&version=%d", strings.ReplaceAll(t.Name, " ", "+"),
		t.Code, t.Kind, t.LPAID, t.Version), "application/x-www-form-urlencoded"}
}

func apiTeamEdit(f *fixture, _ *who, _ int64) call {
	t := team(f)
	return call{"PUT", "/api/v1/teams/5", fmt.Sprintf(`{"name":%q,"code":%q,"kind":%q,"lpa_id":%d,"version":%d}`, t.Name, t.Code, t.Kind, t.LPAID, t.Version),
		"application/json"}
}

func agency(f *fixture) *vigil.Agency {
	a, err := sqlstore.NewOrgService(f.db).Agency(vigiltest.AsSystem(f.t, f.db), 4)
	if err != nil {
		f.t.Fatal(err)
	}
	return a
}

func agencyEdit(f *fixture, _ *who, _ int64) call {
	a := agency(f)
	return call{"POST", "/admin/agencies/4/edit", fmt.Sprintf("name=%s&code=%s&kind=%s&version=%d", strings.ReplaceAll(a.Name, " ", "+"),
		a.Code, a.Kind, a.Version), "application/x-www-form-urlencoded"}
}

func apiAgencyEdit(f *fixture, _ *who, _ int64) call {
	a := agency(f)
	return call{"PUT", "/api/v1/agencies/4", fmt.Sprintf(`{"name":%q,"code":%q,"kind":%q,"version":%d}`, a.Name, a.Code, a.Kind, a.Version),
		"application/json"}
}

// matrixUsers makes one user per role, each with a person of its own:
// police roles scoped to the Ashvale LPA, the partner to Ashvale's
// children's services. It finds each a child in scope and one outside.
func matrixUsers(t *testing.T, f *fixture) []*who {
	t.Helper()
	sys := vigiltest.AsSystem(t, f.db)
	org, users, children := sqlstore.NewOrgService(f.db), sqlstore.NewUserService(f.db), sqlstore.NewChildService(f.db)
	var out []*who
	for i, role := range vigil.Roles {
		p := vigil.Person{GivenName: "Matrix", FamilyName: string(role), Rank: vigil.RankStaff, TeamID: 4, Role: "matrix"}
		scope := vigil.ScopeLPA
		if role == vigil.RolePartner {
			p.Rank, p.TeamID, p.AgencyID, scope = vigil.RankPartner, 0, 1, vigil.ScopeAgency
		}
		person, err := org.CreatePerson(sys, p)
		if err != nil {
			t.Fatal(err)
		}
		name := fmt.Sprintf("matrix.%d", i)
		if _, err := users.CreateUser(sys, vigil.NewUser{Username: name, PersonID: person.ID, Password: vigiltest.DemoPassword,
			Roles: []vigil.Role{role}, Scope: scope}); err != nil {
			t.Fatal(err)
		}
		w := &who{role: role, client: f.client(name)}
		// In and out of scope, judged as a reader with the same scope.
		reader := vigiltest.As(t, f.db, "missing.ashvale")
		if role == vigil.RolePartner {
			reader = vigiltest.As(t, f.db, "social.worker")
		}
		for id := int64(1); id <= int64(f.org.ChildCount) && (w.in == 0 || len(w.outs) < 3); id++ {
			_, err := children.Child(reader, id)
			switch {
			case err == nil && w.in == 0:
				w.in = id
			case err != nil && len(w.outs) < 3:
				w.outs = append(w.outs, id)
			}
		}
		out = append(out, w)
	}
	return out
}

func expected(r row, w *who, inScope bool) int {
	if r.public {
		return r.ok
	}
	if r.factor != 0 && (w.role == vigil.RoleAdministrator || w.role == vigil.RolePartner) {
		return r.factor
	}
	if !slices.Contains(r.allowed, w.role) {
		return 403
	}
	refused := 403
	if w.role == vigil.RolePartner {
		refused = 404
	}
	switch {
	case r.glass > 0 && inScope:
		return 422 // already open to them
	case r.scoped && !inScope:
		return refused
	}
	return r.ok
}

func TestPermissionMatrix(t *testing.T) {
	// The pages look at the fixture's episodes four days after they were
	// made, so that every open one is due its notification to the UK
	// Missing Persons Unit (after 72 hours) and that step is offered.
	f := newFixture(t, pagesAt(vigil.FixedClock(vigiltest.Epoch.Add(96*time.Hour))))
	for _, route := range f.srv.Routes() {
		if _, ok := matrix[route]; !ok {
			t.Errorf("route %q is not in the permission matrix", route)
		}
	}
	whos := matrixUsers(t, f)
	anon := f.client("")
	// Signing out everywhere ends the matrix users' sessions: do it last.
	routes := f.srv.Routes()
	slices.SortStableFunc(routes, func(a, b string) int {
		return boolInt(strings.Contains(a, "/sign-out")) - boolInt(strings.Contains(b, "/sign-out"))
	})
	for _, route := range routes {
		r, ok := matrix[route]
		if !ok {
			continue
		}
		for _, w := range whos {
			for _, inScope := range []bool{true, false} {
				child := w.in
				if !inScope {
					child = w.outs[r.glass]
				}
				c := r.req(f, w, child)
				resp, body := f.do(w.client, c.method, c.path, nilIfEmpty(c.body), "Content-Type", c.contentType)
				if want := expected(r, w, inScope); resp.StatusCode != want {
					t.Errorf("%s as %s (%s scope): %d, want %d: %.200s", route, w.role, map[bool]string{true: "in", false: "out of"}[inScope],
						resp.StatusCode, want, body)
				}
				if !r.scoped && r.glass == 0 {
					break // the record does not matter
				}
			}
		}
		c := r.req(f, whos[0], whos[0].in)
		resp, _ := f.do(anon, c.method, c.path, nilIfEmpty(c.body), "Content-Type", c.contentType)
		want := r.anon
		if r.public {
			want = r.ok
		}
		if resp.StatusCode != want {
			t.Errorf("%s not signed in: %d, want %d", route, resp.StatusCode, want)
		}
	}
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func nilIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}
