package web_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/vigilcp/vigil/internal/sqlstore"
	"github.com/vigilcp/vigil/internal/vigil"
	"github.com/vigilcp/vigil/internal/vigiltest"
)

// TestSupervisorReviewsFromMyWork: a response officer's opening appears
// in their supervisor's My work with the reason; the supervisor, who holds
// no review permission, follows it to the review page and records a
// review.
func TestSupervisorReviewsFromMyWork(t *testing.T) {
	f := newFixture(t)
	svc := sqlstore.NewChildService(f.db)
	resp := vigiltest.As(t, f.db, "response.officer")
	var opened *vigil.BreakGlass
	for id := int64(1); id <= int64(f.org.ChildCount) && opened == nil; id++ {
		if _, err := svc.Child(resp, id); vigil.ErrorCode(err) == vigil.EFORBIDDEN {
			bg, err := svc.OpenWithReason(resp, id, "incident", "Called to the child's school about a disclosure this morning")
			if err != nil {
				t.Fatal(err)
			}
			opened = bg
		}
	}
	c := f.client("designated.officer")
	_, page := f.do(c, "GET", "/", nil)
	var href string
	for _, a := range elements(page, "a", map[string]string{"class": "govuk-link"}) {
		if strings.HasPrefix(a.text, "Review: response.officer opened") {
			href = a.attrs["href"]
		}
	}
	if href == "" || !strings.Contains(string(page), "Called to the child&#39;s school") {
		t.Fatalf("My work does not show the opening to review (link %q)", href)
	}
	r, page := f.do(c, "GET", href, nil)
	if r.StatusCode != 200 || !has(page, "div", map[string]string{"id": "opening-" + itoa(opened.ID)}, "") {
		t.Fatalf("the review page: %s", r.Status)
	}
	r, _ = f.post(c, "/access/break-glass/"+itoa(opened.ID)+"/review", url.Values{"note": {"Justified: the school called it in"}})
	if r.StatusCode != 303 {
		t.Fatalf("reviewing: %s", r.Status)
	}
	_, page = f.do(c, "GET", "/", nil)
	if strings.Contains(string(page), "Review: response.officer opened") {
		t.Error("a reviewed opening is still waiting in My work")
	}
}
