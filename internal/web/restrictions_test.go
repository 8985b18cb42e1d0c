package web_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/vigilcp/vigil/internal/sqlstore"
	"github.com/vigilcp/vigil/internal/vigil"
	"github.com/vigilcp/vigil/internal/vigiltest"
)

// TestLiftARestrictionInThePages: a coordinator locked out of an Ashvale
// child by a restriction is told so, follows the link to the
// restrictions, sees why, lifts it with a reason, and reads the record.
func TestLiftARestrictionInThePages(t *testing.T) {
	f := newFixture(t)
	children := sqlstore.NewChildService(f.db)
	page, err := children.Children(vigiltest.As(t, f.db, "missing.ashvale"), vigil.ChildFilter{LPAID: 1, PageRequest: vigil.PageRequest{Limit: 1}})
	if err != nil || len(page.Items) == 0 {
		t.Fatal(err)
	}
	child := page.Items[0]
	res, err := children.Restrict(vigiltest.AsSystem(t, f.db), vigil.Restriction{RecordID: child.ID, Reason: "Covert operation under way",
		AllowedRoles: []vigil.Role{vigil.RoleAuditor}})
	if err != nil {
		t.Fatal(err)
	}
	c := f.client("missing.ashvale")
	path := "/children/" + itoa(child.ID)
	r, body := f.do(c, "GET", path, nil)
	if r.StatusCode != 403 || !has(body, "h1", nil, "This record is restricted") {
		t.Fatalf("the restricted record: %s %.300s", r.Status, body)
	}
	if strings.Contains(string(body), child.FamilyName) {
		t.Error("the refusal names the child")
	}
	link := ""
	for _, a := range elements(body, "a", map[string]string{"class": "govuk-link"}) {
		if strings.Contains(a.text, "restrictions") {
			link = a.attrs["href"]
		}
	}
	if link != path+"/restrictions" {
		t.Fatalf("the refusal links to %q", link)
	}
	r, body = f.do(c, "GET", link, nil)
	if r.StatusCode != 200 || !has(body, "td", nil, "Covert operation under way") || !has(body, "strong", nil, "Not you") {
		t.Fatalf("the restrictions page: %s %.400s", r.Status, body)
	}
	if strings.Contains(string(body), child.FamilyName) {
		t.Error("the restrictions page names a child the restriction holds back")
	}
	liftPath := link + "/" + itoa(res.ID) + "/lift"
	if r, _ := f.do(c, "GET", liftPath, nil); r.StatusCode != 200 {
		t.Fatalf("the lift form: %s", r.Status)
	}
	r, body = f.post(c, liftPath, url.Values{"reason": {""}})
	if r.StatusCode != 422 || len(summaryLinks(body)) != 1 || !strings.HasPrefix(summaryLinks(body)[0], "#reason") {
		t.Errorf("lifting with no reason: %s %v", r.Status, summaryLinks(body))
	}
	r, _ = f.post(c, liftPath, url.Values{"reason": {"The operation ended on Friday"}})
	if r.StatusCode != 303 || r.Header.Get("Location") != link+"?lifted=1" {
		t.Fatalf("lifting: %s %q", r.Status, r.Header.Get("Location"))
	}
	if r, body := f.do(c, "GET", path, nil); r.StatusCode != 200 || !has(body, "h1", nil, child.GivenName) {
		t.Errorf("the record after lifting: %s", r.Status)
	}
	// A response officer (no restrict permission) is not offered the list.
	resp := f.client("response.officer")
	if r, _ := f.do(resp, "GET", link, nil); r.StatusCode != 403 {
		t.Errorf("the response officer's view of the restrictions: %s", r.Status)
	}
}
