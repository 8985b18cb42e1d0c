package web_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/vigilcp/vigil/internal/sqlstore"
	"github.com/vigilcp/vigil/internal/vigil"
	"github.com/vigilcp/vigil/internal/vigiltest"
)

func TestAdminUsersListPages(t *testing.T) {
	f := newFixture(t)
	users := sqlstore.NewUserService(f.db)
	sys := vigiltest.AsSystem(t, f.db)
	for i := range 40 {
		if _, err := users.CreateUser(sys, vigil.NewUser{Username: "zz.user" + itoa(int64(100+i)),
			Roles: []vigil.Role{vigil.RoleResponseOfficer}}); err != nil {
			t.Fatal(err)
		}
	}
	c := f.client("admin")
	resp, body := f.do(c, "GET", "/admin/users", nil)
	if resp.StatusCode != 200 {
		t.Fatalf("users page: %s", resp.Status)
	}
	if len(elements(body, "a", map[string]string{"href": "/admin/users/new"})) != 1 {
		t.Error("no link to add a user")
	}
	rows := elements(body, "tr", map[string]string{"class": "govuk-table__row"})
	if len(rows) != 1+vigil.DefaultPageSize {
		t.Fatalf("first page has %d rows, want a header and %d accounts", len(rows), vigil.DefaultPageSize)
	}
	adminRow := ""
	for _, r := range rows {
		if strings.HasPrefix(r.text, "admin ") {
			adminRow = r.text
		}
	}
	for _, want := range []string{"Administrator", "Control room manager", "Quality assurance auditor", "Whole force", "Yes", "Active"} {
		if !strings.Contains(adminRow, want) {
			t.Errorf("the administrator's row %q lacks %q", adminRow, want)
		}
	}
	if !has(body, "strong", map[string]string{"class": "govuk-tag"}, "Missing person coordinator") {
		t.Error("roles are not shown as tags")
	}
	next := elements(body, "a", map[string]string{"rel": "next"})
	if len(next) != 1 {
		t.Fatal("no next page link")
	}
	_, body2 := f.do(c, "GET", next[0].attrs["href"], nil)
	rows2 := elements(body2, "tr", map[string]string{"class": "govuk-table__row"})
	if want := len(f.org.Users) + 40 - vigil.DefaultPageSize; len(rows2)-1 != want {
		t.Errorf("second page has %d accounts, want %d", len(rows2)-1, want)
	}
	if len(elements(body2, "a", map[string]string{"rel": "next"})) != 0 {
		t.Error("the last page links to a next one")
	}
	seen := map[string]bool{}
	for _, r := range append(rows[1:], rows2[1:]...) {
		name := strings.Fields(r.text)[0]
		if seen[name] {
			t.Errorf("%s listed twice", name)
		}
		seen[name] = true
	}
	if seen["system"] {
		t.Error("the system account is listed")
	}
}

func TestAdminCreateUser(t *testing.T) {
	f := newFixture(t)
	c := f.client("admin")
	resp, body := f.do(c, "GET", "/admin/users/new", nil)
	if resp.StatusCode != 200 {
		t.Fatalf("new user form: %s", resp.Status)
	}
	holders := map[int64]bool{}
	for _, u := range f.org.Users {
		holders[u.PersonID] = true
	}
	var person vigil.Person
	for _, p := range f.org.People {
		if !holders[p.ID] && p.Active {
			person = p
			break
		}
	}
	people := selectIn(body, "person_id")
	if !has(people, "option", map[string]string{"value": itoa(person.ID)}, person.FamilyName) {
		t.Errorf("%s, who has no account, is not offered", person.FullName())
	}
	for _, u := range f.org.Users {
		if u.PersonID != 0 && len(elements(people, "option", map[string]string{"value": itoa(u.PersonID)})) != 0 {
			t.Errorf("person %d, who has an account, is offered", u.PersonID)
		}
	}
	if sup := selectIn(body, "supervisor_id"); len(elements(sup, "option", nil)) != len(f.org.Users)+1 {
		t.Errorf("the supervisor list offers %d choices, want every account and none", len(elements(sup, "option", nil)))
	}
	if len(elements(body, "input", map[string]string{"name": "roles", "type": "checkbox"})) != len(vigil.Roles) {
		t.Error("the form does not offer every role as a checkbox")
	}

	// Mistakes come back with a summary, inline errors, and what was typed.
	form := url.Values{"username": {"Bad Name"}, "person_id": {itoa(person.ID)}, "scope": {"team"}, "password": {"generate"}}
	resp, body = f.post(c, "/admin/users/new", form)
	if resp.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("invalid new user: %s", resp.Status)
	}
	links := summaryLinks(body)
	if !contains(links, "#username: Username must be") || !contains(links, "#roles: Select at least one role") {
		t.Errorf("error summary %v", links)
	}
	if !has(body, "p", map[string]string{"id": "roles-error"}, "Select at least one role") ||
		len(elements(body, "input", map[string]string{"id": "username", "value": "Bad Name", "aria-describedby": "username-hint username-error"})) != 1 ||
		len(elements(body, "option", map[string]string{"value": itoa(person.ID), "selected": ""})) != 1 ||
		!has(body, "title", nil, "Error: ") {
		t.Error("the returned form lost what was typed, or has no inline errors")
	}

	// A refusal of the grant rules is a field error.
	form = url.Values{"username": {"new.partner"}, "roles": {"partner"}, "scope": {"team"}, "password": {"none"}}
	resp, body = f.post(c, "/admin/users/new", form)
	if links := summaryLinks(body); resp.StatusCode != 422 || !contains(links, "#scope: Partner-agency practitioners, and only they") {
		t.Errorf("partner with team scope: %s %v", resp.Status, links)
	}
	if len(elements(body, "input", map[string]string{"name": "roles", "value": "partner", "checked": ""})) != 1 ||
		len(elements(body, "input", map[string]string{"id": "password-none", "checked": ""})) != 1 {
		t.Error("the returned form lost the choices made")
	}

	// A good one shows the generated password once.
	form = url.Values{"username": {"sam.okafor"}, "person_id": {itoa(person.ID)}, "roles": {"call_handler", "response_officer"},
		"scope": {"team"}, "supervisor_id": {itoa(f.org.UserID("control.manager"))}, "password": {"generate"}}
	resp, body = f.post(c, "/admin/users/new", form)
	if resp.StatusCode != 200 || !has(body, "h1", map[string]string{"class": "govuk-panel__title"}, "Account created") {
		t.Fatalf("create: %s %v", resp.Status, summaryLinks(body))
	}
	pw := elements(body, "strong", map[string]string{"id": "generated-password"})
	if len(pw) != 1 || len(pw[0].text) != 20 {
		t.Fatalf("generated password %v", texts(pw))
	}
	nc := f.client("")
	resp, err := nc.PostForm(f.ts.URL+"/sign-in", url.Values{"username": {"sam.okafor"}, "password": {pw[0].text}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/" {
		t.Errorf("signing in with the generated password: %s to %q", resp.Status, resp.Header.Get("Location"))
	}
	_, body = f.do(nc, "GET", "/api/v1/me", nil)
	var me vigil.User
	json.Unmarshal(body, &me)
	if me.Username != "sam.okafor" || me.PersonID != person.ID || me.Scope != vigil.ScopeTeam || len(me.Roles) != 2 ||
		me.SupervisorID != f.org.UserID("control.manager") {
		t.Errorf("the new account: %+v", me)
	}
	resp, body = f.post(c, "/admin/users/new", url.Values{"username": {"sam.okafor"}, "roles": {"call_handler"},
		"scope": {"team"}, "password": {"none"}})
	if links := summaryLinks(body); resp.StatusCode != 422 || !contains(links, "#username: The username \"sam.okafor\" is already taken") {
		t.Errorf("taken username: %s %v", resp.Status, links)
	}
}

// TestAdminCannotGrantMoreThanHeld: an administrator of one LPA, holding
// only the administrator role, cannot give roles with permissions beyond
// theirs, nor a wider scope; the form says so beside each field.
func TestAdminCannotGrantMoreThanHeld(t *testing.T) {
	f := newFixture(t)
	_, err := sqlstore.NewUserService(f.db).CreateUser(vigiltest.AsSystem(t, f.db), vigil.NewUser{Username: "lpa.admin",
		Password: vigiltest.DemoPassword, Roles: []vigil.Role{vigil.RoleAdministrator}, Scope: vigil.ScopeLPA})
	if err != nil {
		t.Fatal(err)
	}
	c := f.client("lpa.admin")
	resp, body := f.post(c, "/admin/users/new", url.Values{"username": {"too.much"}, "roles": {"call_handler", "auditor", "administrator"},
		"scope": {"force"}, "password": {"none"}})
	if resp.StatusCode != 422 {
		t.Fatalf("granting more than held: %s", resp.Status)
	}
	links := summaryLinks(body)
	for _, want := range []string{"#roles: You cannot grant the role Call handler", "#roles: You cannot grant the role Quality assurance auditor",
		"#scope: You cannot grant the scope \"Whole force\""} {
		if !contains(links, want) {
			t.Errorf("error summary %v lacks %q", links, want)
		}
	}
	inline := elements(body, "p", map[string]string{"id": "roles-error"})
	if len(inline) != 1 || !strings.Contains(inline[0].text, "Call handler") || !strings.Contains(inline[0].text, "Quality assurance auditor") {
		t.Errorf("inline roles error %v", texts(inline))
	}
	resp, _ = f.post(c, "/admin/users/new", url.Values{"username": {"lpa.helper"}, "roles": {"administrator"},
		"scope": {"lpa"}, "password": {"none"}})
	if resp.StatusCode != 200 {
		t.Errorf("granting what is held: %s", resp.Status)
	}
}

func TestAdminChangeAccess(t *testing.T) {
	f := newFixture(t)
	c := f.client("admin")
	id := f.org.UserID("missing.ashvale")
	path := "/admin/users/" + itoa(id)
	resp, body := f.do(c, "GET", path, nil)
	if resp.StatusCode != 200 {
		t.Fatalf("user page: %s", resp.Status)
	}
	if len(elements(body, "form", map[string]string{"action": path + "/access"})) != 1 ||
		len(elements(body, "input", map[string]string{"name": "roles", "value": "missing_coordinator", "checked": ""})) != 1 ||
		len(elements(body, "input", map[string]string{"name": "scope", "value": "lpa", "checked": ""})) != 1 ||
		len(elements(body, "input", map[string]string{"type": "hidden", "name": "version", "value": "1"})) != 1 {
		t.Fatal("the access form does not hold the account's access")
	}
	if len(elements(body, "div", map[string]string{"class": "moj-timeline__item"})) != 0 {
		t.Error("a loaded account shows history")
	}

	access := url.Values{"roles": {"missing_coordinator", "call_handler"}, "scope": {"lpa"},
		"supervisor_id": {itoa(f.org.UserID("auditor"))}, "version": {"1"}}
	resp, _ = f.post(c, path+"/access", access)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != path+"?done=access" {
		t.Fatalf("change access: %s to %q", resp.Status, resp.Header.Get("Location"))
	}
	_, body = f.do(c, "GET", path+"?done=access", nil)
	if !has(body, "p", map[string]string{"class": "govuk-notification-banner__heading"}, "Their access has been changed") {
		t.Error("no success banner")
	}
	items := elements(body, "div", map[string]string{"class": "moj-timeline__item"})
	if len(items) != 1 || !has(body, "h3", map[string]string{"class": "moj-timeline__title"}, "Access changed") ||
		!has(body, "p", map[string]string{"class": "moj-timeline__byline"}, "by admin") ||
		!has(body, "time", map[string]string{"datetime": "2026-03-02T09:30:00Z"}, "2 March 2026 at 09:30") {
		t.Fatalf("timeline after a change: %d items", len(items))
	}
	lines := texts(elements(body, "li", nil))
	for _, want := range []string{"Roles: Missing person coordinator → changed to Call handler, Missing person coordinator",
		"Supervisor: gold.chair"} {
		if !contains(lines, want) {
			t.Errorf("the timeline lacks %q", want)
		}
	}
	if !contains(lines, "→ changed to auditor") {
		t.Errorf("the supervisor is not named in the timeline: %v", lines)
	}

	// The old version is refused, and the choices made are kept.
	stale := url.Values{"roles": {"auditor"}, "scope": {"force"}, "version": {"1"}}
	resp, body = f.post(c, path+"/access", stale)
	if links := summaryLinks(body); resp.StatusCode != http.StatusConflict || !contains(links, "#access: This user has been changed by someone else") {
		t.Errorf("stale change: %s %v", resp.Status, links)
	}
	if len(elements(body, "input", map[string]string{"name": "roles", "value": "auditor", "checked": ""})) != 1 ||
		len(elements(body, "input", map[string]string{"name": "version", "value": "1"})) != 1 {
		t.Error("the refused form lost its choices or took the new version")
	}
	if u := f.user(c, id); u.Version != 2 || len(u.Roles) != 2 || u.Scope != vigil.ScopeLPA {
		t.Errorf("the stale change was applied: %+v", u)
	}
	resp, body = f.post(c, path+"/access", url.Values{"scope": {"lpa"}, "version": {"2"}})
	if resp.StatusCode != 422 || !has(body, "p", map[string]string{"id": "roles-error"}, "Select at least one role") {
		t.Errorf("no roles: %s", resp.Status)
	}
}

func TestAdminCannotChangeOwnAccess(t *testing.T) {
	f := newFixture(t)
	c := f.client("admin")
	id := f.org.UserID("admin")
	path := "/admin/users/" + itoa(id)
	_, body := f.do(c, "GET", path, nil)
	if len(elements(body, "form", map[string]string{"action": path + "/access"})) != 0 ||
		len(elements(body, "a", map[string]string{"href": path + "/disable"})) != 0 {
		t.Error("the administrator is offered a change to their own account")
	}
	if !has(body, "div", map[string]string{"id": "access", "class": "govuk-inset-text"}, "This is your own account") {
		t.Error("the page does not say why")
	}
	resp, body := f.post(c, path+"/access", url.Values{"roles": {"administrator", "auditor", "senior_leader"},
		"scope": {"force"}, "version": {"1"}})
	if links := summaryLinks(body); resp.StatusCode != http.StatusForbidden ||
		!contains(links, "#access: You cannot change your own roles, scope or agency") {
		t.Errorf("changing own access: %s %v", resp.Status, links)
	}
	if u := f.user(c, id); u.Version != 1 || slices.Contains(u.Roles, vigil.RoleSeniorLeader) {
		t.Errorf("own access changed: %+v", u)
	}
	resp, body = f.post(c, path+"/disable", nil)
	if resp.StatusCode != http.StatusForbidden || !has(body, "p", map[string]string{"class": "govuk-body"}, "You cannot disable your own account") {
		t.Errorf("disabling own account: %s", resp.Status)
	}
	// Nor their own team, through the API.
	me := f.user(c, id)
	resp, body = f.do(c, "GET", "/api/v1/people/"+itoa(me.PersonID), nil)
	var p map[string]any
	json.Unmarshal(body, &p)
	for _, k := range []string{"id", "force_id", "created_at", "created_by", "updated_at", "updated_by"} {
		delete(p, k)
	}
	p["team_id"] = f.org.Teams[0].ID
	resp, body = f.do(c, "PUT", "/api/v1/people/"+itoa(me.PersonID), p, "If-Match", resp.Header.Get("ETag"))
	if pr := problem(t, resp, body); resp.StatusCode != 403 || pr.Detail != "You cannot change your own team or agency" {
		t.Errorf("moving yourself: %s %+v", resp.Status, pr)
	}
}

func TestAdminDisableAndResetSecondFactor(t *testing.T) {
	f := newFixture(t)
	worker := f.client("social.worker") // sets up a second factor
	c := f.client("admin")
	id := f.org.UserID("social.worker")
	path := "/admin/users/" + itoa(id)
	_, body := f.do(c, "GET", path, nil)
	if len(elements(body, "a", map[string]string{"href": path + "/reset-second-factor"})) != 1 ||
		len(elements(body, "a", map[string]string{"href": path + "/disable"})) != 1 {
		t.Fatal("the account page offers no reset or disable")
	}
	resp, body := f.do(c, "GET", path+"/reset-second-factor", nil)
	if resp.StatusCode != 200 || len(elements(body, "form", map[string]string{"method": "post", "action": path + "/reset-second-factor"})) != 1 {
		t.Fatalf("reset confirmation: %s", resp.Status)
	}
	if u := f.user(c, id); !u.SecondFactor {
		t.Fatal("asking to confirm reset the second factor")
	}
	resp, _ = f.post(c, path+"/reset-second-factor", nil)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != path+"?done=second_factor" {
		t.Fatalf("reset: %s %q", resp.Status, resp.Header.Get("Location"))
	}
	if u := f.user(c, id); u.SecondFactor {
		t.Error("the second factor is still set up")
	}
	if resp, _ := f.do(worker, "GET", "/api/v1/me", nil); resp.StatusCode != 401 {
		t.Errorf("their session survived the reset: %s", resp.Status)
	}
	resp, body = f.do(c, "GET", path+"/disable", nil)
	if resp.StatusCode != 200 || !has(body, "button", map[string]string{"class": "govuk-button--warning"}, "Disable account") {
		t.Fatalf("disable confirmation: %s", resp.Status)
	}
	resp, _ = f.post(c, path+"/disable", nil)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("disable: %s", resp.Status)
	}
	if u := f.user(c, id); u.DisabledAt == nil {
		t.Error("the account is not disabled")
	}
	_, body = f.do(c, "GET", path, nil)
	titles := texts(elements(body, "h3", map[string]string{"class": "moj-timeline__title"}))
	if !slices.Equal(titles, []string{"Account disabled", "Second factor reset"}) {
		t.Errorf("timeline titles %v", titles)
	}
	if len(elements(body, "a", map[string]string{"href": path + "/disable"})) != 0 {
		t.Error("a disabled account is offered disabling")
	}
	resp, err := f.client("").PostForm(f.ts.URL+"/sign-in", url.Values{"username": {"social.worker"}, "password": {vigiltest.DemoPassword}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode == http.StatusSeeOther {
		t.Error("a disabled account signed in")
	}
}

// TestAdminKeepsDisabledSupervisor: an account whose supervisor has been
// disabled still shows and offers that supervisor, so that saving a
// change to its roles does not silently drop them.
func TestAdminKeepsDisabledSupervisor(t *testing.T) {
	f := newFixture(t)
	if err := sqlstore.NewUserService(f.db).DisableUser(vigiltest.AsSystem(t, f.db), "gold.chair"); err != nil {
		t.Fatal(err)
	}
	c := f.client("admin")
	id := f.org.UserID("missing.marlcombe")
	_, body := f.do(c, "GET", "/admin/users/"+itoa(id), nil)
	gold := itoa(f.org.UserID("gold.chair"))
	if len(elements(selectIn(body, "supervisor_id"), "option", map[string]string{"value": gold, "selected": ""})) != 1 {
		t.Fatal("the disabled supervisor is not the chosen option")
	}
	resp, _ := f.post(c, "/admin/users/"+itoa(id)+"/access", url.Values{"roles": {"missing_coordinator", "call_handler"},
		"scope": {"lpa"}, "supervisor_id": {gold}, "version": {"1"}})
	if u := f.user(c, id); resp.StatusCode != http.StatusSeeOther || u.SupervisorID != f.org.UserID("gold.chair") {
		t.Errorf("after saving: %s, supervisor %d", resp.Status, u.SupervisorID)
	}
}

// TestAdminPagesRefuseTakeover: an administrator who does not hold all of
// an account's permissions is not offered its second-factor reset or its
// email: the account page says to use vigil user set-password or
// reset-second-factor on the server, and the change, tried anyway, is
// refused and changes nothing. An administrator who holds them all is
// offered the reset.
func TestAdminPagesRefuseTakeover(t *testing.T) {
	f := newFixture(t)
	f.client("social.worker") // sets up a second factor
	if _, err := sqlstore.NewUserService(f.db).CreateUser(vigiltest.AsSystem(t, f.db), vigil.NewUser{Username: "only.admin",
		Password: vigiltest.DemoPassword, Roles: []vigil.Role{vigil.RoleAdministrator}, Scope: vigil.ScopeForce}); err != nil {
		t.Fatal(err)
	}
	rogue := f.client("only.admin")
	id := f.org.UserID("social.worker")
	path := "/admin/users/" + itoa(id)
	_, body := f.do(rogue, "GET", path, nil)
	if len(elements(body, "a", map[string]string{"href": path + "/reset-second-factor"})) != 0 {
		t.Error("an administrator-only account is offered the reset of a partner's second factor")
	}
	inset := texts(elements(body, "div", map[string]string{"id": "sign-in-changes"}))
	if len(inset) != 1 || !strings.Contains(inset[0], "vigil user reset-second-factor social.worker") ||
		!strings.Contains(inset[0], "vigil user set-password social.worker") || !strings.Contains(inset[0], "Partner agency practitioner") {
		t.Errorf("the account page does not say to use the server: %q", inset)
	}
	if len(elements(body, "a", map[string]string{"href": path + "/disable"})) != 1 {
		t.Error("disabling is no longer offered")
	}
	// The confirmation page says why, and offers no button; the change,
	// posted anyway, is refused.
	resp, body := f.do(rogue, "GET", path+"/reset-second-factor", nil)
	if resp.StatusCode != http.StatusOK || len(elements(body, "form", map[string]string{"action": path + "/reset-second-factor"})) != 0 ||
		!has(body, "div", map[string]string{"id": "refused"}, "vigil user reset-second-factor social.worker") {
		t.Errorf("GET %s/reset-second-factor: %s, or it offers the reset", path, resp.Status)
	}
	resp, body = f.post(rogue, path+"/reset-second-factor", nil)
	if resp.StatusCode != http.StatusForbidden || !has(body, "p", nil, "vigil user reset-second-factor social.worker") {
		t.Errorf("POST %s/reset-second-factor: %s", path, resp.Status)
	}
	if u := f.user(rogue, id); !u.SecondFactor {
		t.Error("the refused reset removed the second factor")
	}
	// The person's email, through the page and the API.
	auditor := personOf(t, f, "auditor")
	resp, body = f.post(rogue, "/organisation/people/"+itoa(auditor.ID)+"/edit", url.Values{"given_name": {auditor.GivenName},
		"family_name": {auditor.FamilyName}, "rank": {string(auditor.Rank)}, "role": {auditor.Role}, "email": {"rogue@attacker.example"},
		"active": {"yes"}, "version": {itoa(auditor.Version)}})
	if resp.StatusCode != http.StatusForbidden || !has(body, "p", nil, "vigil user set-email auditor") {
		t.Errorf("changing the auditor's email in the page: %s", resp.Status)
	}
	p := map[string]any{"given_name": auditor.GivenName, "family_name": auditor.FamilyName, "rank": auditor.Rank, "role": auditor.Role,
		"team_id": auditor.TeamID, "email": "rogue@attacker.example", "active": true, "version": auditor.Version}
	resp, body = f.do(rogue, "PUT", "/api/v1/people/"+itoa(auditor.ID), p)
	if pr := problem(t, resp, body); resp.StatusCode != http.StatusForbidden || !strings.Contains(pr.Detail, "vigil user set-email auditor") {
		t.Errorf("changing the auditor's email in the API: %s %+v", resp.Status, pr)
	}
	if got := personOf(t, f, "auditor"); got.Email != auditor.Email {
		t.Errorf("the refused email change was written: %q", got.Email)
	}
	// The demo administrator, who holds the partner's permissions, is offered the reset.
	_, body = f.do(f.client("admin"), "GET", path, nil)
	if len(elements(body, "a", map[string]string{"href": path + "/reset-second-factor"})) != 1 ||
		len(elements(body, "div", map[string]string{"id": "sign-in-changes"})) != 0 {
		t.Error("an administrator who holds the account's permissions is not offered the reset")
	}
}

// personOf reads a demo user's person as the system account.
func personOf(t *testing.T, f *fixture, username string) *vigil.Person {
	t.Helper()
	u, err := sqlstore.NewUserService(f.db).UserByUsername(vigiltest.AsSystem(t, f.db), username)
	if err != nil {
		t.Fatal(err)
	}
	p, err := sqlstore.NewOrgService(f.db).Person(vigiltest.AsSystem(t, f.db), u.PersonID)
	if err != nil {
		t.Fatal(err)
	}
	return p
}
