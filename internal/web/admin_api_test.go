package web_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/vigilcp/vigil/internal/vigil"
)

func TestAPIUsers(t *testing.T) {
	f := newFixture(t)
	c := f.client("admin")
	seen := map[string]bool{}
	path := "/api/v1/users?limit=4"
	for pages := 0; ; pages++ {
		resp, body := f.do(c, "GET", path, nil)
		if resp.StatusCode != 200 {
			t.Fatalf("%s: %s %s", path, resp.Status, body)
		}
		var page vigil.Page[vigil.User]
		if err := json.Unmarshal(body, &page); err != nil {
			t.Fatal(err)
		}
		if len(page.Items) > 4 {
			t.Fatalf("page of %d with limit 4", len(page.Items))
		}
		for _, u := range page.Items {
			if seen[u.Username] {
				t.Fatalf("%s on two pages", u.Username)
			}
			seen[u.Username] = true
			if u.Username == "missing.ashvale" && (u.Scope != vigil.ScopeLPA || len(u.Roles) != 1 || u.Roles[0] != vigil.RoleMissingCoordinator) {
				t.Errorf("missing.ashvale listed as %+v", u)
			}
		}
		if page.Next == "" {
			break
		}
		path = "/api/v1/users?limit=4&cursor=" + page.Next
		if pages > 20 {
			t.Fatal("paging does not end")
		}
	}
	if len(seen) != len(f.org.Users) || seen["system"] {
		t.Errorf("paged through %d accounts, want the %d demo ones", len(seen), len(f.org.Users))
	}
	resp, body := f.do(c, "GET", "/api/v1/users?limit=0", nil)
	if p := problem(t, resp, body); resp.StatusCode != 422 || len(p.Errors) != 1 || p.Errors[0].Pointer != "/limit" {
		t.Errorf("limit=0: %s %+v", resp.Status, p)
	}
	resp, _ = f.do(c, "GET", "/api/v1/users/999999", nil)
	if resp.StatusCode != 404 {
		t.Errorf("no such user: %s", resp.Status)
	}
}

func TestAPIUserAccess(t *testing.T) {
	f := newFixture(t)
	c := f.client("admin")
	id := f.org.UserID("missing.marlcombe")
	path := "/api/v1/users/" + itoa(id)
	resp, _ := f.do(c, "GET", path, nil)
	etag := resp.Header.Get("ETag")
	if etag != `"1"` {
		t.Fatalf("ETag %q", etag)
	}
	access := map[string]any{"roles": []string{"missing_coordinator", "designated_officer"}, "scope": "lpa",
		"supervisor_id": f.org.UserID("auditor")}
	resp, body := f.do(c, "PUT", path+"/access", access, "If-Match", etag)
	if resp.StatusCode != 200 || resp.Header.Get("ETag") != `"2"` {
		t.Fatalf("set access: %s %s", resp.Status, body)
	}
	var u vigil.User
	json.Unmarshal(body, &u)
	if len(u.Roles) != 2 || u.SupervisorID != f.org.UserID("auditor") || u.Version != 2 {
		t.Errorf("after the change: %+v", u)
	}
	access["roles"] = []string{"auditor"}
	resp, body = f.do(c, "PUT", path+"/access", access, "If-Match", etag)
	if p := problem(t, resp, body); resp.StatusCode != http.StatusConflict || p.Code != vigil.ECONFLICT {
		t.Errorf("stale change: %s %+v", resp.Status, p)
	}
	if got := f.user(c, id); got.Version != 2 || len(got.Roles) != 2 {
		t.Errorf("the stale change was applied: %+v", got)
	}

	cases := []struct {
		name    string
		body    any
		status  int
		pointer string
		detail  string
	}{
		{"no version", map[string]any{"roles": []string{"auditor"}, "scope": "force"}, 422, "/version", "version"},
		{"unknown role", map[string]any{"roles": []string{"wizard"}, "scope": "force", "version": 2}, 422, "/roles", `"wizard" is not a role`},
		{"no roles", map[string]any{"roles": []string{}, "scope": "force", "version": 2}, 422, "/roles", "Select at least one role"},
		{"partner without agency scope", map[string]any{"roles": []string{"partner"}, "scope": "lpa", "version": 2}, 422, "/scope", "Partner-agency"},
		{"unknown field", map[string]any{"roles": []string{"auditor"}, "scope": "force", "version": 2, "password": "x"}, 422, "/password", "not a field"},
		{"wrong type", map[string]any{"roles": "auditor", "scope": "force", "version": 2}, 422, "/roles", "must be a list"},
	}
	for _, tc := range cases {
		resp, body := f.do(c, "PUT", path+"/access", tc.body)
		p := problem(t, resp, body)
		found := false
		for _, e := range p.Errors {
			found = found || e.Pointer == tc.pointer && strings.Contains(e.Detail, tc.detail)
		}
		if resp.StatusCode != tc.status || !found {
			t.Errorf("%s: %s %+v; want %d with %s: %s", tc.name, resp.Status, p, tc.status, tc.pointer, tc.detail)
		}
	}
	if got := f.user(c, id); got.Version != 2 {
		t.Errorf("refused changes moved the version to %d", got.Version)
	}
	self := "/api/v1/users/" + itoa(f.org.UserID("admin")) + "/access"
	resp, body = f.do(c, "PUT", self, map[string]any{"roles": []string{"administrator", "senior_leader"}, "scope": "force", "version": 1})
	if p := problem(t, resp, body); resp.StatusCode != 403 || p.Detail != "You cannot change your own roles, scope or agency" {
		t.Errorf("own access: %s %+v", resp.Status, p)
	}
	resp, _ = f.do(c, "PUT", "/api/v1/users/999999/access", map[string]any{"roles": []string{"auditor"}, "scope": "force", "version": 1})
	if resp.StatusCode != 404 {
		t.Errorf("no such user: %s", resp.Status)
	}
	resp, body = f.do(c, "PUT", path+"/access", access, "If-Match", `"x"`)
	if p := problem(t, resp, body); resp.StatusCode != 422 || !strings.Contains(p.Detail, "If-Match") {
		t.Errorf("bad If-Match: %s %+v", resp.Status, p)
	}
}

func TestAPITeams(t *testing.T) {
	f := newFixture(t)
	c := f.client("admin")
	resp, body := f.do(c, "POST", "/api/v1/teams", map[string]any{"name": "", "code": "bad code", "kind": "catering", "lpa_id": 99})
	p := problem(t, resp, body)
	var got []string
	for _, e := range p.Errors {
		got = append(got, e.Pointer)
	}
	if resp.StatusCode != 422 || strings.Join(got, " ") != "/name /code /kind /lpa_id" {
		t.Errorf("invalid team: %s, pointers %v", resp.Status, got)
	}
	resp, body = f.do(c, "POST", "/api/v1/teams", map[string]any{"name": "Ashvale Night Response", "code": "ash-night", "kind": "response", "lpa_id": 1})
	if resp.StatusCode != 201 {
		t.Fatalf("create team: %s %s", resp.Status, body)
	}
	var team vigil.Team
	json.Unmarshal(body, &team)
	if resp.Header.Get("Location") != "/api/v1/teams/"+itoa(team.ID) || team.Code != "ASH-NIGHT" || team.LPAName != "Ashvale" || team.Version != 1 {
		t.Errorf("created %+v at %q", team, resp.Header.Get("Location"))
	}
	resp, body = f.do(c, "POST", "/api/v1/teams", map[string]any{"name": "Copy", "code": "ASH-NIGHT", "kind": "response"})
	if p := problem(t, resp, body); resp.StatusCode != 422 || len(p.Errors) != 1 || p.Errors[0].Pointer != "/code" {
		t.Errorf("duplicate code: %s %+v", resp.Status, p)
	}
	path := "/api/v1/teams/" + itoa(team.ID)
	change := map[string]any{"name": "Ashvale Late Turn", "code": "ASH-NIGHT", "kind": "response", "lpa_id": 1}
	resp, body = f.do(c, "PUT", path, change, "If-Match", `"1"`)
	if resp.StatusCode != 200 || resp.Header.Get("ETag") != `"2"` {
		t.Fatalf("update team: %s %s", resp.Status, body)
	}
	change["name"] = "Lost"
	change["version"] = 1
	resp, body = f.do(c, "PUT", path, change)
	if p := problem(t, resp, body); resp.StatusCode != 409 || p.Code != vigil.ECONFLICT {
		t.Errorf("stale team update: %s %+v", resp.Status, p)
	}
	_, body = f.do(c, "GET", path, nil)
	json.Unmarshal(body, &team)
	if team.Name != "Ashvale Late Turn" || team.Version != 2 {
		t.Errorf("after a good and a stale update: %+v", team)
	}
	resp, _ = f.do(c, "PUT", "/api/v1/teams/999999", map[string]any{"name": "X", "code": "X", "kind": "mash", "version": 1})
	if resp.StatusCode != 404 {
		t.Errorf("no such team: %s", resp.Status)
	}
}

func TestAPIAgencies(t *testing.T) {
	f := newFixture(t)
	c := f.client("admin")
	resp, body := f.do(c, "POST", "/api/v1/agencies", map[string]any{"name": "Kingsmoor Youth Justice", "code": "km-yjs", "kind": "other"})
	if resp.StatusCode != 201 {
		t.Fatalf("create agency: %s %s", resp.Status, body)
	}
	var a vigil.Agency
	json.Unmarshal(body, &a)
	loc := resp.Header.Get("Location")
	if loc != "/api/v1/agencies/"+itoa(a.ID) || a.Code != "KM-YJS" {
		t.Errorf("created %+v at %q", a, loc)
	}
	resp, body = f.do(c, "GET", loc, nil)
	if resp.StatusCode != 200 || resp.Header.Get("ETag") != `"1"` {
		t.Fatalf("read agency: %s %s", resp.Status, body)
	}
	// Any member of staff may read an agency, as they may read the organisation.
	if resp, _ := f.do(f.client("auditor"), "GET", loc, nil); resp.StatusCode != 200 {
		t.Errorf("the auditor reading an agency: %s", resp.Status)
	}
	change := map[string]any{"name": "Kingsmoor Youth Justice Service", "code": "KM-YJS", "kind": "other"}
	resp, body = f.do(c, "PUT", loc, change, "If-Match", `"1"`)
	if resp.StatusCode != 200 || resp.Header.Get("ETag") != `"2"` {
		t.Fatalf("update agency: %s %s", resp.Status, body)
	}
	resp, body = f.do(c, "PUT", loc, change, "If-Match", `"1"`)
	if p := problem(t, resp, body); resp.StatusCode != 409 {
		t.Errorf("stale agency update: %s %+v", resp.Status, p)
	}
	resp, body = f.do(c, "PUT", loc, map[string]any{"name": "X", "code": "KM-YJS", "kind": "police", "version": 2})
	if p := problem(t, resp, body); resp.StatusCode != 422 || len(p.Errors) != 1 || p.Errors[0].Pointer != "/kind" {
		t.Errorf("bad kind: %s %+v", resp.Status, p)
	}
}
