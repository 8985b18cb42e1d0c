package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/vigilcp/vigil/internal/sqlstore"
	"github.com/vigilcp/vigil/internal/vigil"
	"github.com/vigilcp/vigil/internal/vigiltest"
)

func TestAPIPeoplePaging(t *testing.T) {
	f := newFixture(t)
	c := f.client("admin")
	seen := map[int64]bool{}
	path := "/api/v1/people?limit=9"
	for pages := 0; ; pages++ {
		resp, body := f.do(c, "GET", path, nil)
		if resp.StatusCode != 200 {
			t.Fatalf("%s: %s %s", path, resp.Status, body)
		}
		var page vigil.Page[vigil.Person]
		if err := json.Unmarshal(body, &page); err != nil {
			t.Fatal(err)
		}
		if len(page.Items) > 9 {
			t.Fatalf("page of %d with limit 9", len(page.Items))
		}
		for _, p := range page.Items {
			if seen[p.ID] {
				t.Fatalf("person %d on two pages", p.ID)
			}
			seen[p.ID] = true
		}
		if page.Next == "" {
			break
		}
		if strings.ContainsAny(page.Next, "{}\"") {
			t.Fatalf("cursor %q is not opaque", page.Next)
		}
		path = "/api/v1/people?limit=9&cursor=" + page.Next
		if pages > 100 {
			t.Fatal("paging does not end")
		}
	}
	if len(seen) != len(f.org.People) {
		t.Errorf("paged through %d of %d people", len(seen), len(f.org.People))
	}
	for query, field := range map[string]string{"limit=0": "limit", "limit=501": "limit", "limit=x": "limit",
		"cursor=zzz": "cursor", "team_id=-1": "team_id", "agency_id=x": "agency_id"} {
		resp, body := f.do(c, "GET", "/api/v1/people?"+query, nil)
		p := problem(t, resp, body)
		if resp.StatusCode != 422 || len(p.Errors) != 1 || p.Errors[0].Field != field || p.Errors[0].Pointer != "/"+field {
			t.Errorf("%s: %s %+v", query, resp.Status, p)
		}
	}
	resp, body := f.do(c, "GET", "/api/v1/people?team_id=4", nil)
	var page vigil.Page[vigil.Person]
	json.Unmarshal(body, &page)
	if resp.StatusCode != 200 || len(page.Items) == 0 {
		t.Fatalf("team filter: %s, %d people", resp.Status, len(page.Items))
	}
	for _, p := range page.Items {
		if p.TeamID != 4 {
			t.Errorf("team_id=4 listed %s of team %d", p.FullName(), p.TeamID)
		}
	}
}

func TestAPICreatePersonErrors(t *testing.T) {
	f := newFixture(t)
	c := f.client("admin")
	count := func() int {
		_, body := f.do(c, "GET", "/api/v1/people?limit=500", nil)
		var page vigil.Page[vigil.Person]
		json.Unmarshal(body, &page)
		return len(page.Items)
	}
	before := count()
	cases := []struct {
		name, body    string
		contentType   string
		field, detail string
	}{
		{"not JSON", `{"given_name": `, "application/json", "", "not valid JSON"},
		{"wrong media type", `{}`, "text/plain", "", "Content-Type: application/json"},
		{"unknown field", `{"given_name":"A","family_name":"B","rank":"police_staff","shoe_size":9}`, "application/json", "shoe_size", ""},
		{"wrong type", `{"given_name":"A","family_name":"B","rank":"police_staff","team_id":"four"}`, "application/json", "team_id", ""},
		{"missing names", `{"rank":"police_staff"}`, "application/json", "given_name", ""},
		{"bad rank", `{"given_name":"A","family_name":"B","rank":"general"}`, "application/json", "rank", ""},
		{"two objects", `{"given_name":"A"} {"given_name":"B"}`, "application/json", "", "one JSON object"},
		{"empty", ``, "application/json", "", "empty"},
	}
	for _, tc := range cases {
		resp, body := f.do(c, "POST", "/api/v1/people", tc.body, "Content-Type", tc.contentType)
		p := problem(t, resp, body)
		if resp.StatusCode != 422 {
			t.Errorf("%s: %s", tc.name, resp.Status)
		}
		if tc.field != "" && (len(p.Errors) == 0 || p.Errors[0].Field != tc.field) {
			t.Errorf("%s: errors %+v, want one on %s", tc.name, p.Errors, tc.field)
		}
		if tc.detail != "" && !strings.Contains(p.Detail, tc.detail) {
			t.Errorf("%s: detail %q lacks %q", tc.name, p.Detail, tc.detail)
		}
	}
	if after := count(); after != before {
		t.Errorf("refused requests changed the people: %d then %d", before, after)
	}
	resp, body := f.do(c, "POST", "/api/v1/people", map[string]any{"given_name": "Dami", "family_name": "Adeyemi",
		"rank": "sergeant", "collar_number": "s4410", "team_id": 4, "role": "Missing persons sergeant"})
	if resp.StatusCode != 201 {
		t.Fatalf("create: %s %s", resp.Status, body)
	}
	var p vigil.Person
	json.Unmarshal(body, &p)
	if resp.Header.Get("Location") != "/api/v1/people/"+itoa(p.ID) || p.CollarNumber != "S4410" || p.Version != 1 {
		t.Errorf("created %+v at %q", p, resp.Header.Get("Location"))
	}
	resp, body = f.do(c, "POST", "/api/v1/people", map[string]any{"given_name": "Other", "family_name": "Officer",
		"rank": "constable", "collar_number": "S4410", "team_id": 4})
	if pr := problem(t, resp, body); resp.StatusCode != 422 || pr.Errors[0].Field != "collar_number" {
		t.Errorf("duplicate collar number: %s %+v", resp.Status, pr)
	}
}

func TestAPIUpdatePersonConcurrency(t *testing.T) {
	f := newFixture(t)
	// A second administrator, so that two people edit at once.
	admin, err := f.db.PrincipalFor(context.Background(), "admin", "test")
	if err != nil {
		t.Fatal(err)
	}
	_, err = sqlstore.NewUserService(f.db).CreateUser(vigiltest.AsSystem(t, f.db), vigil.NewUser{Username: "second.admin",
		Password: vigiltest.DemoPassword, Roles: admin.Roles, Scope: vigil.ScopeForce})
	if err != nil {
		t.Fatal(err)
	}
	alice, bob := f.client("admin"), f.client("second.admin")
	path := "/api/v1/people/" + itoa(f.org.People[12].ID)
	resp, body := f.do(alice, "GET", path, nil)
	etag := resp.Header.Get("ETag")
	if etag != `"1"` {
		t.Fatalf("ETag %q", etag)
	}
	var p map[string]any
	json.Unmarshal(body, &p)
	for _, k := range []string{"id", "force_id", "created_at", "created_by", "updated_at", "updated_by", "version"} {
		delete(p, k)
	}
	p["role"] = "Alice's change"
	resp, body = f.do(alice, "PUT", path, p, "If-Match", etag)
	if resp.StatusCode != 200 || resp.Header.Get("ETag") != `"2"` {
		t.Fatalf("first update: %s %s", resp.Status, body)
	}
	p["role"] = "Bob's change, from the old version"
	resp, body = f.do(bob, "PUT", path, p, "If-Match", etag)
	if pr := problem(t, resp, body); resp.StatusCode != http.StatusConflict || pr.Code != vigil.ECONFLICT {
		t.Fatalf("stale update: %s %+v", resp.Status, pr)
	}
	_, body = f.do(bob, "GET", path, nil)
	if !strings.Contains(string(body), "Alice's change") {
		t.Error("the stale update was applied")
	}
	resp, body = f.do(bob, "PUT", path, p)
	if pr := problem(t, resp, body); resp.StatusCode != 422 || pr.Errors[0].Field != "version" {
		t.Errorf("update without a version: %s %+v", resp.Status, pr)
	}
	p["version"] = 2
	resp, _ = f.do(bob, "PUT", path, p)
	if resp.StatusCode != 200 {
		t.Errorf("update with the current version in the body: %s", resp.Status)
	}
	resp, _ = f.do(bob, "PUT", "/api/v1/people/999999", p)
	if resp.StatusCode != 404 {
		t.Errorf("update of a person that does not exist: %s", resp.Status)
	}
	resp, _ = f.do(bob, "GET", "/api/v1/people/abc", nil)
	if resp.StatusCode != 404 {
		t.Errorf("non-numeric id: %s", resp.Status)
	}
}

func TestPersonEditPageKeepsInputOnError(t *testing.T) {
	f := newFixture(t)
	c := f.client("admin")
	id := itoa(f.org.People[20].ID)
	form := "version=1&given_name=Temi&family_name=&rank=general&role=Coordinator+%28acting%29&email=nope&active=yes"
	resp, body := f.do(c, "POST", "/organisation/people/"+id+"/edit", form, "Content-Type", "application/x-www-form-urlencoded")
	if resp.StatusCode != 422 {
		t.Fatalf("invalid edit: %s", resp.Status)
	}
	html := string(body)
	for _, want := range []string{`<a href="#family_name">Enter a family name</a>`, `<a href="#rank">Select a rank from the list</a>`,
		`<a href="#email">Enter an email address`, `value="Coordinator (acting)"`, `value="Temi"`, `<title>Error: `} {
		if !strings.Contains(html, want) {
			t.Errorf("the returned form lacks %s", want)
		}
	}
	_, body = f.do(c, "GET", "/api/v1/people/"+id, nil)
	if strings.Contains(string(body), "Temi") {
		t.Error("the refused edit was saved")
	}
	form = "version=1&given_name=Temi&family_name=Okoro&rank=police_staff&role=Coordinator&active=yes"
	resp, _ = f.do(c, "POST", "/organisation/people/"+id+"/edit", form, "Content-Type", "application/x-www-form-urlencoded")
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("valid edit: %s", resp.Status)
	}
	resp, body = f.do(c, "POST", "/organisation/people/"+id+"/edit", form, "Content-Type", "application/x-www-form-urlencoded")
	if resp.StatusCode != http.StatusConflict || !strings.Contains(string(body), "changed by someone else") {
		t.Errorf("resubmitting the old version: %s", resp.Status)
	}
}
