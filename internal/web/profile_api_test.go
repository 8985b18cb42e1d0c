package web_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/vigilcp/vigil/internal/vigil"
	"github.com/vigilcp/vigil/internal/web"
)

// TestProfileAPI: a profile is created from version 0 and changed from
// the version read; bad input is refused with field errors and changes
// nothing; a new person whose name matches one already recorded is
// refused with 409 until the client chooses it or confirms a new one.
func TestProfileAPI(t *testing.T) {
	f := newFixture(t)
	c := f.client("missing.ashvale")
	kids := childrenOf(t, f, 1, 2)
	path := "/api/v1/children/" + itoa(kids[0].ID) + "/profile"

	fields := func(p web.Problem) []string {
		var out []string
		for _, e := range p.Errors {
			out = append(out, e.Field)
		}
		slices.Sort(out)
		return out
	}
	for _, tc := range []struct {
		name   string
		body   any
		status int
		fields []string
	}{
		{"no version", map[string]any{"kept_by": "Oakfield"}, 422, []string{"version"}},
		{"no carer, confirmed tomorrow", map[string]any{"version": 0, "confirmed_at": "2099-01-01"}, 422, []string{"confirmed_at", "kept_by"}},
		{"not a date", map[string]any{"version": 0, "kept_by": "Oakfield", "confirmed_at": "last week"}, 422, []string{"confirmed_at"}},
		{"unknown field", map[string]any{"version": 0, "kept_by": "Oakfield", "shoe_size": 5}, 422, []string{"shoe_size"}},
		{"stale version", map[string]any{"version": 3, "kept_by": "Oakfield"}, 409, nil},
	} {
		resp, body := f.do(c, "PUT", path, tc.body)
		p := problem(t, resp, body)
		if resp.StatusCode != tc.status || !slices.Equal(fields(p), tc.fields) {
			t.Errorf("%s: %s %+v", tc.name, resp.Status, p)
		}
	}
	resp, body := f.do(c, "GET", path, nil)
	var got vigil.ChildProfile
	if err := json.Unmarshal(body, &got); err != nil || resp.StatusCode != 200 || got.Profile.Version != 0 {
		t.Fatalf("after refused saves: %s %s", resp.Status, body)
	}
	resp, body = f.do(c, "PUT", path, map[string]any{"version": 0, "kept_by": "Oakfield children's home", "phones": "07700 900456",
		"confirmed_at": "2026-01-10"})
	if resp.StatusCode != 200 || resp.Header.Get("ETag") != `"1"` {
		t.Fatalf("first save: %s %s", resp.Status, body)
	}
	resp, body = f.do(c, "PUT", path, map[string]any{"kept_by": "Oakfield children's home", "description": "Tall"}, "If-Match", `"1"`)
	if resp.StatusCode != 200 || resp.Header.Get("ETag") != `"2"` {
		t.Fatalf("second save: %s %s", resp.Status, body)
	}

	// Links: a new person, then the same name for another child.
	links := func(child int64) string { return "/api/v1/children/" + itoa(child) + "/links" }
	resp, body = f.do(c, "POST", links(kids[0].ID), map[string]any{"relation": "suspected_exploiter", "name": "Quinton Ashby-Vale"})
	var first vigil.Link
	if err := json.Unmarshal(body, &first); err != nil || resp.StatusCode != 201 || first.AssociateID == 0 {
		t.Fatalf("first link: %s %s", resp.Status, body)
	}
	resp, body = f.do(c, "POST", links(kids[1].ID), map[string]any{"relation": "associate", "name": "quinton ashby vale"})
	if p := problem(t, resp, body); resp.StatusCode != 409 || !strings.Contains(p.Detail, "could be the one you mean") {
		t.Fatalf("a second Quinton: %s %+v", resp.Status, p)
	}
	resp, body = f.do(c, "GET", "/api/v1/link-matches?kind=person&name=Quinton+Ashby-Vale", nil)
	var matches struct{ Items []vigil.LinkMatch }
	if err := json.Unmarshal(body, &matches); err != nil || len(matches.Items) != 1 || matches.Items[0].AssociateID != first.AssociateID {
		t.Fatalf("matches: %s %s", resp.Status, body)
	}
	resp, body = f.do(c, "POST", links(kids[1].ID), map[string]any{"relation": "associate", "associate_id": first.AssociateID})
	if resp.StatusCode != 201 {
		t.Fatalf("linking the match: %s %s", resp.Status, body)
	}
	for _, tc := range []struct {
		name   string
		body   any
		fields []string
	}{
		{"unknown relation", map[string]any{"relation": "cousin", "name": "Sam"}, []string{"relation"}},
		{"a place as a person", map[string]any{"relation": "frequents", "associate_id": first.AssociateID}, []string{"relation"}},
		{"found with, no episode", map[string]any{"relation": "found_with", "name": "Sam Boyle", "confirmed_new": true}, []string{"episode_id"}},
		{"no name", map[string]any{"relation": "frequents", "name": " "}, []string{"name"}},
		{"bad postcode", map[string]any{"relation": "frequents", "name": "The park", "postcode": "nowhere"}, []string{"postcode"}},
		{"no such person", map[string]any{"relation": "associate", "associate_id": 999999}, []string{"associate_id"}},
	} {
		resp, body := f.do(c, "POST", links(kids[1].ID), tc.body)
		p := problem(t, resp, body)
		if resp.StatusCode != 422 || !slices.Equal(fields(p), tc.fields) {
			t.Errorf("%s: %s %+v", tc.name, resp.Status, p)
		}
	}
	resp, body = f.do(c, "GET", "/api/v1/associates/"+itoa(first.AssociateID), nil)
	var rec vigil.LinkedRecord
	if err := json.Unmarshal(body, &rec); err != nil || resp.StatusCode != 200 || len(rec.Children) != 2 {
		t.Fatalf("the person: %s %s", resp.Status, body)
	}
	// Another LPA's coordinator may not read a person linked only to
	// children outside their scope; a partner may not search.
	if resp, _ := f.do(f.client("missing.marlcombe"), "GET", "/api/v1/associates/"+itoa(first.AssociateID), nil); resp.StatusCode != 403 {
		t.Errorf("Marlcombe reading the person: %s", resp.Status)
	}
	if resp, _ := f.do(f.client("social.worker"), "GET", "/api/v1/link-matches?kind=person&name=Quinton", nil); resp.StatusCode != 403 {
		t.Errorf("a partner searching people: %s", resp.Status)
	}
	resp, body = f.do(c, "GET", "/api/v1/link-matches?kind=animal&name=", nil)
	if p := problem(t, resp, body); resp.StatusCode != 422 || !slices.Equal(fields(p), []string{"kind", "name"}) {
		t.Errorf("bad match query: %s %+v", resp.Status, p)
	}
}
