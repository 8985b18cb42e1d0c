package web_test

import (
	"encoding/json"
	"testing"
)

// TestDashboardKeepsToTheReadersArea: an LPA's coordinator's dashboard
// opens on their LPA and offers no other area; asking for another LPA, or
// the whole force, in the pages or the API is refused; a partner agency
// gets no figures.
func TestDashboardKeepsToTheReadersArea(t *testing.T) {
	f := newFixture(t)
	c := f.client("missing.ashvale")
	r, page := f.do(c, "GET", "/missing/dashboard", nil)
	if r.StatusCode != 200 {
		t.Fatalf("the coordinator's dashboard: %s", r.Status)
	}
	lpas := texts(elements(selectIn(page, "lpa_id"), "option", nil))
	if len(lpas) != 1 || lpas[0] != "Ashvale" {
		t.Errorf("areas offered: %q, want only Ashvale", lpas)
	}
	if !has(selectIn(page, "lpa_id"), "option", map[string]string{"selected": ""}, "Ashvale") {
		t.Error("the dashboard does not open on the coordinator's LPA")
	}
	for _, path := range []string{"/missing/dashboard?lpa_id=2", "/missing/episodes?figure=reported&lpa_id=2",
		"/api/v1/missing-dashboard?lpa_id=2", "/api/v1/missing-episodes?figure=reported&lpa_id=2"} {
		if r, _ := f.do(c, "GET", path, nil); r.StatusCode != 403 {
			t.Errorf("%s as the Ashvale coordinator: %s, want 403", path, r.Status)
		}
	}
	r, body := f.do(c, "GET", "/api/v1/missing-dashboard", nil)
	var dash struct {
		LPAID int64 `json:"lpa_id"`
	}
	if r.StatusCode != 200 || json.Unmarshal(body, &dash) != nil || dash.LPAID != 1 {
		t.Errorf("the API's default area: %s, lpa_id %d, want Ashvale's (1)", r.Status, dash.LPAID)
	}
	if r, _ := f.do(f.client("auditor"), "GET", "/missing/dashboard?lpa_id=2", nil); r.StatusCode != 200 {
		t.Errorf("the auditor (force scope) reading Marlcombe's figures: %s", r.Status)
	}
}
