package web_test

import (
	"net/http"
	"net/url"
	"testing"
)

func TestPersonPageShowsHistory(t *testing.T) {
	f := newFixture(t)
	c := f.client("admin")
	p := f.org.People[20]
	path := "/organisation/people/" + itoa(p.ID)
	_, body := f.do(c, "GET", path, nil)
	if !has(body, "h2", map[string]string{"id": "history"}, "History") || len(elements(body, "div", map[string]string{"class": "moj-timeline__item"})) != 0 {
		t.Fatal("the person page has no (empty) history")
	}
	form := url.Values{"version": {"1"}, "given_name": {p.GivenName}, "family_name": {p.FamilyName}, "collar_number": {p.CollarNumber},
		"rank": {string(p.Rank)}, "role": {"Acting sergeant"}, "email": {p.Email}, "active": {"yes"}}
	if resp, _ := f.post(c, path+"/edit", form); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("edit: %s", resp.Status)
	}
	_, body = f.do(c, "GET", path, nil)
	if !has(body, "h3", map[string]string{"class": "moj-timeline__title"}, "Details changed") ||
		!has(body, "li", nil, "Role: "+p.Role+" → changed to Acting sergeant") ||
		!has(body, "p", map[string]string{"class": "moj-timeline__byline"}, "by admin") {
		t.Error("the person's timeline does not show the change")
	}
	// Another member of staff sees it too.
	_, body = f.do(f.client("auditor"), "GET", path, nil)
	if !has(body, "li", nil, "Acting sergeant") {
		t.Error("the auditor does not see the person's history")
	}
}
