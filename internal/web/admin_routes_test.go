package web_test

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/vigilcp/vigil/internal/vigil"
)

// TestAdminRoutesRefuseOthers: every administration page and API route
// refuses a signed-in user whose roles do not allow it, and changes
// nothing.
func TestAdminRoutesRefuseOthers(t *testing.T) {
	f := newFixture(t)
	adminID, teamID, agencyID := f.org.UserID("admin"), f.org.Teams[2].ID, f.org.Agencies[1].ID
	apiRoutes := []string{"GET /api/v1/users", "GET /api/v1/users/{id}", "PUT /api/v1/users/{id}/access",
		"POST /api/v1/teams", "PUT /api/v1/teams/{id}", "POST /api/v1/agencies", "PUT /api/v1/agencies/{id}"}
	var routes []string
	for _, r := range f.srv.Routes() {
		if strings.Contains(r, " /admin/") || slices.Contains(apiRoutes, r) {
			routes = append(routes, r)
		}
	}
	if len(routes) < 17+len(apiRoutes) {
		t.Fatalf("only %d administration routes found: %v", len(routes), routes)
	}
	forms := url.Values{"username": {"rogue"}, "roles": {"administrator"}, "scope": {"force"}, "password": {"generate"},
		"name": {"Rogue"}, "code": {"ROGUE"}, "kind": {"response"}, "version": {"1"}}
	bodies := map[string]any{
		"/api/v1/users/{id}/access": map[string]any{"roles": []string{"administrator"}, "scope": "force", "version": 1},
		"/api/v1/teams":             map[string]any{"name": "Rogue", "code": "ROGUE", "kind": "response"},
		"/api/v1/teams/{id}":        map[string]any{"name": "Rogue", "code": "ROGUE", "kind": "response", "version": 1},
		"/api/v1/agencies":          map[string]any{"name": "Rogue", "code": "ROGUE", "kind": "health"},
		"/api/v1/agencies/{id}":     map[string]any{"name": "Rogue", "code": "ROGUE", "kind": "health", "version": 1},
	}
	for _, who := range []string{"auditor", "control.manager", "gold.chair"} {
		c := f.client(who)
		for _, route := range routes {
			method, pattern, _ := strings.Cut(route, " ")
			// Auditors may look at accounts (not change them): "what has
			// this user looked at" starts from an account.
			if who == "auditor" && slices.Contains([]string{"GET /admin/users", "GET /admin/users/{id}", "GET /api/v1/users",
				"GET /api/v1/users/{id}"}, route) {
				continue
			}
			id := adminID
			switch {
			case strings.Contains(pattern, "/teams/"):
				id = teamID
			case strings.Contains(pattern, "/agencies/"):
				id = agencyID
			}
			path := strings.Replace(pattern, "{id}", itoa(id), 1)
			var resp *http.Response
			var body []byte
			switch {
			case strings.HasPrefix(pattern, "/api/"):
				var b any
				if method != "GET" {
					b = bodies[pattern]
				}
				resp, body = f.do(c, method, path, b)
				if p := problem(t, resp, body); p.Code != vigil.EFORBIDDEN {
					t.Errorf("%s: %s %s: problem %+v", who, method, path, p)
				}
			case method == "POST":
				resp, body = f.post(c, path, forms)
			default:
				resp, body = f.do(c, method, path, nil)
			}
			if resp.StatusCode != http.StatusForbidden {
				t.Errorf("%s: %s %s: %s, want 403", who, method, path, resp.Status)
				continue
			}
			if !strings.HasPrefix(pattern, "/api/") && !has(body, "h1", map[string]string{"class": "govuk-heading-l"}, "You do not have permission") {
				t.Errorf("%s: %s %s: not the forbidden page", who, method, path)
			}
		}
		// They are offered none of it.
		for _, page := range []string{"/", "/organisation"} {
			_, body := f.do(c, "GET", page, nil)
			hrefs := []string{"/admin/teams/new", "/admin/agencies/new", "/admin/teams/" + itoa(teamID) + "/edit"}
			if who != "auditor" {
				hrefs = append(hrefs, "/admin/users")
			}
			for _, href := range hrefs {
				if len(elements(body, "a", map[string]string{"href": href})) > 0 {
					t.Errorf("%s sees a link to %s on %s", who, href, page)
				}
			}
		}
	}
	admin := f.client("admin")
	if u := f.user(admin, adminID); u.Version != 1 || len(u.Roles) != 4 {
		t.Errorf("refused requests changed the administrator's account: %+v", u)
	}
	_, body := f.do(admin, "GET", "/api/v1/organisation", nil)
	if strings.Contains(string(body), "Rogue") || strings.Contains(string(body), "ROGUE") {
		t.Error("a refused request changed the organisation")
	}
	_, body = f.do(admin, "GET", "/organisation", nil)
	for _, href := range []string{"/admin/teams/new", "/admin/agencies/new", "/admin/teams/" + itoa(teamID) + "/edit",
		"/admin/agencies/" + itoa(agencyID) + "/edit"} {
		if len(elements(body, "a", map[string]string{"href": href})) != 1 {
			t.Errorf("the administrator has no link to %s on the organisation page", href)
		}
	}
	_, body = f.do(admin, "GET", "/", nil)
	if len(elements(body, "a", map[string]string{"href": "/admin/users", "class": "moj-primary-navigation__link"})) != 1 {
		t.Error("the administrator's navigation has no Users entry")
	}
}
