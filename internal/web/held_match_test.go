package web_test

import (
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/vigilcp/vigil/internal/sqlstore"
	"github.com/vigilcp/vigil/internal/vigil"
	"github.com/vigilcp/vigil/internal/vigiltest"
)

// TestReportAHeldMatchInThePages: a response officer searches for a child
// held by another team, reports them missing from the search's "Report
// this child missing", and sees the episode they made but not the child's
// record; the same reference works once.
func TestReportAHeldMatchInThePages(t *testing.T) {
	f := newFixture(t)
	children := sqlstore.NewChildService(f.db)
	resp := vigiltest.As(t, f.db, "response.officer")
	var child *vigil.ChildRecord
	for id := int64(1); id <= int64(f.org.ChildCount) && child == nil; id++ {
		if _, err := children.Child(resp, id); vigil.ErrorCode(err) == vigil.EFORBIDDEN {
			child, _ = children.Child(vigiltest.AsSystem(t, f.db), id)
		}
	}
	if child == nil {
		t.Fatal("the response officer sees every child")
	}
	c := f.client("response.officer")
	dob := child.DateOfBirth
	q := url.Values{"search": {"1"}, "given_name": {child.GivenName}, "family_name": {child.FamilyName},
		"date_of_birth-day": {strconv.Itoa(dob.Day())}, "date_of_birth-month": {strconv.Itoa(int(dob.Month()))},
		"date_of_birth-year": {strconv.Itoa(dob.Year())}}
	r, page := f.do(c, "GET", "/missing/report?"+q.Encode(), nil)
	if r.StatusCode != 200 {
		t.Fatalf("search: %s", r.Status)
	}
	var href string
	for _, a := range elements(page, "a", map[string]string{"class": "govuk-button"}) {
		if strings.Contains(a.text, "Report this child missing") {
			href = a.attrs["href"]
		}
	}
	if !strings.HasPrefix(href, "/missing/report/match/hm_") {
		t.Fatalf("the search offers no report of the held match: %q", href)
	}
	if strings.Contains(string(page), child.FamilyName+", born") || strings.Contains(string(page), "/children/"+itoa(child.ID)) {
		t.Error("the search page shows the held child's record")
	}
	r, page = f.do(c, "GET", href, nil)
	if r.StatusCode != 200 {
		t.Fatalf("the report form: %s %s", r.Status, page)
	}
	forms := elements(page, "form", map[string]string{"method": "post"})
	if len(forms) == 0 {
		t.Fatal("no form on the report page")
	}
	action := forms[len(forms)-1].attrs["action"]
	if !strings.HasPrefix(action, "/missing/report/match/hm_") {
		t.Fatalf("the report form posts to %q", action)
	}
	form := url.Values{"reporter_name": {"Dawn Carter"}, "last_seen_place": {"Ashvale bus station"},
		"circumstances": {"Did not come home from school"}, "risk": {"medium"}, "rationale": {"Has been missing before"}, "lpa_id": {"1"}}
	at(form, "reported_at", vigiltest.Epoch)
	at(form, "last_seen_at", vigiltest.Epoch.Add(-3600e9))
	r, page = f.post(c, action, form)
	loc := r.Header.Get("Location")
	m := regexp.MustCompile(`^/missing/episodes/(\d+)\?done=report$`).FindStringSubmatch(loc)
	if r.StatusCode != 303 || m == nil {
		t.Fatalf("reporting: %s %q %.300s", r.Status, loc, page)
	}
	if r, _ := f.do(c, "GET", "/missing/episodes/"+m[1], nil); r.StatusCode != 200 {
		t.Errorf("the officer's own episode: %s", r.Status)
	}
	if r, _ := f.do(c, "GET", "/children/"+itoa(child.ID), nil); r.StatusCode != 403 {
		t.Errorf("the child's record: %s, want 403", r.Status)
	}
	// Used once: the officer is sent back to search.
	r, _ = f.post(c, action, form)
	if r.StatusCode != 303 || r.Header.Get("Location") != "/missing/report?expired=1" {
		t.Fatalf("a used reference: %s %q", r.Status, r.Header.Get("Location"))
	}
	_, page = f.do(c, "GET", "/missing/report?expired=1", nil)
	if !has(page, "p", map[string]string{"class": "govuk-notification-banner__heading"}, "expired or has been used") {
		t.Error("the search page does not say the match expired")
	}
}
