package web_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"testing"

	"github.com/vigilcp/vigil/internal/vigil"
)

func TestAdminTeamPages(t *testing.T) {
	f := newFixture(t)
	c := f.client("admin")
	resp, body := f.do(c, "GET", "/admin/teams/new", nil)
	if resp.StatusCode != 200 || len(elements(body, "option", map[string]string{"value": "2"})) == 0 {
		t.Fatalf("new team form: %s", resp.Status)
	}
	resp, body = f.post(c, "/admin/teams/new", url.Values{"name": {""}, "code": {"bad code"}, "kind": {""}, "lpa_id": {"2"}})
	if resp.StatusCode != 422 {
		t.Fatalf("invalid team: %s", resp.Status)
	}
	links := summaryLinks(body)
	for _, want := range []string{"#name: Enter a name", "#code: Code must be", "#kind: Select what the team does"} {
		if !contains(links, want) {
			t.Errorf("error summary %v lacks %q", links, want)
		}
	}
	if len(elements(body, "input", map[string]string{"id": "code", "value": "bad code"})) != 1 ||
		len(elements(body, "option", map[string]string{"value": "2", "selected": ""})) != 1 ||
		!has(body, "p", map[string]string{"id": "kind-error"}, "Select what the team does") {
		t.Error("the returned form lost what was typed, or has no inline errors")
	}
	resp, _ = f.post(c, "/admin/teams/new", url.Values{"name": {"Marlcombe Night Response"}, "code": {"mar-night"},
		"kind": {"response"}, "lpa_id": {"2"}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/organisation?saved=team" {
		t.Fatalf("add team: %s %q", resp.Status, resp.Header.Get("Location"))
	}
	_, body = f.do(c, "GET", "/organisation?saved=team", nil)
	if !has(body, "p", map[string]string{"class": "govuk-notification-banner__heading"}, "The team has been saved") {
		t.Error("no banner after adding a team")
	}
	var team *vigil.Team
	_, orgBody := f.do(c, "GET", "/api/v1/organisation", nil)
	var org vigil.Organisation
	json.Unmarshal(orgBody, &org)
	for i := range org.Teams {
		if org.Teams[i].Code == "MAR-NIGHT" {
			team = &org.Teams[i]
		}
	}
	if team == nil || team.LPAID != 2 || team.Kind != vigil.TeamResponse {
		t.Fatalf("the new team: %+v", team)
	}
	if !has(body, "a", map[string]string{"href": "/organisation/teams/" + itoa(team.ID)}, "Marlcombe Night Response") {
		t.Error("the organisation page does not list the new team")
	}

	edit := "/admin/teams/" + itoa(team.ID) + "/edit"
	_, body = f.do(c, "GET", edit, nil)
	if len(elements(body, "input", map[string]string{"name": "version", "value": "1"})) != 1 ||
		len(elements(body, "option", map[string]string{"value": "response", "selected": ""})) != 1 ||
		!has(body, "h3", map[string]string{"class": "moj-timeline__title"}, "Team added") {
		t.Fatal("the edit form does not hold the team, or has no history")
	}
	resp, _ = f.post(c, edit, url.Values{"name": {"Marlcombe Late Turn"}, "code": {"MAR-NIGHT"}, "kind": {"response"}, "lpa_id": {""}, "version": {"1"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("change team: %s", resp.Status)
	}
	_, body = f.do(c, "GET", edit, nil)
	lines := texts(elements(body, "li", nil))
	for _, want := range []string{"Name: Marlcombe Night Response → changed to Marlcombe Late Turn",
		"Local policing area: Marlcombe → changed to Force-wide"} {
		if !contains(lines, want) {
			t.Errorf("the team's timeline lacks %q: %v", want, lines)
		}
	}
	resp, body = f.post(c, edit, url.Values{"name": {"Lost"}, "code": {"MAR-NIGHT"}, "kind": {"response"}, "version": {"1"}})
	if links := summaryLinks(body); resp.StatusCode != 409 || !contains(links, "#form: This team has been changed by someone else") ||
		len(elements(body, "input", map[string]string{"id": "name", "value": "Lost"})) != 1 {
		t.Errorf("stale team change: %s %v", resp.Status, links)
	}
	resp, _ = f.do(c, "GET", "/admin/teams/99999/edit", nil)
	if resp.StatusCode != 404 {
		t.Errorf("editing no team: %s", resp.Status)
	}
}

func TestAdminAgencyPages(t *testing.T) {
	f := newFixture(t)
	c := f.client("admin")
	resp, body := f.post(c, "/admin/agencies/new", url.Values{"name": {"Kingsmoor Youth Justice"}, "code": {f.org.Agencies[0].Code}})
	if links := summaryLinks(body); resp.StatusCode != 422 || !contains(links, "#kind: Select the kind of agency") ||
		!contains(links, "#code: The code "+f.org.Agencies[0].Code+" is already used") {
		t.Errorf("invalid agency: %s %v", resp.Status, links)
	}
	if len(elements(body, "input", map[string]string{"id": "name", "value": "Kingsmoor Youth Justice"})) != 1 {
		t.Error("the returned form lost the name")
	}
	resp, _ = f.post(c, "/admin/agencies/new", url.Values{"name": {"Kingsmoor Youth Justice"}, "code": {"KM-YJS"}, "kind": {"other"}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/organisation?saved=agency" {
		t.Fatalf("add agency: %s", resp.Status)
	}
	a := f.org.Agencies[2]
	edit := "/admin/agencies/" + itoa(a.ID) + "/edit"
	_, body = f.do(c, "GET", edit, nil)
	if len(elements(body, "input", map[string]string{"name": "kind", "value": string(a.Kind), "checked": ""})) != 1 {
		t.Fatal("the agency form does not hold its kind")
	}
	resp, _ = f.post(c, edit, url.Values{"name": {a.Name + " (Safeguarding)"}, "code": {a.Code}, "kind": {"other"}, "version": {"1"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("change agency: %s", resp.Status)
	}
	_, body = f.do(c, "GET", edit, nil)
	lines := texts(elements(body, "li", nil))
	if !contains(lines, "Kind: Health → changed to Other") || !contains(lines, "Name: "+a.Name+" → changed to "+a.Name+" (Safeguarding)") {
		t.Errorf("agency timeline %v", lines)
	}
}
