package web_test

import (
	"encoding/json"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vigilcp/vigil/internal/sqlstore"
	"github.com/vigilcp/vigil/internal/vigil"
	"github.com/vigilcp/vigil/internal/vigiltest"
	"github.com/vigilcp/vigil/internal/web"
)

// elizabethSmith is a new Ashvale child's record with a full profile, as
// a request body.
func elizabethSmith() map[string]any {
	return map[string]any{"given_name": "Elizabeth", "family_name": "Smith", "other_names": "Rose", "date_of_birth": "2014-07-19",
		"sex": "female", "ethnicity": "White: British", "address_line": "3 Canal Walk", "town": "Ashvale", "postcode": "km1 4ab",
		"lpa_id": 1, "school": "Ashvale Academy", "warning_markers": []string{"self_harm", "sexual_exploitation"},
		"social_worker": "Dawn Carter, Ashvale Children's Services", "looked_after": true,
		"placing_authority": "Ashvale Borough Council", "placement": "Residential children's home", "carers": "Home staff"}
}

// childRecordOf decodes a child's record from a response with the status
// wanted, checking its ETag when a write answered.
func childRecordOf(t *testing.T, what string, resp *http.Response, body []byte, status int) vigil.ChildRecord {
	t.Helper()
	if resp.StatusCode != status {
		t.Fatalf("%s: %s, want %d: %s", what, resp.Status, status, body)
	}
	var c vigil.ChildRecord
	if err := json.Unmarshal(body, &c); err != nil {
		t.Fatalf("%s: %v: %s", what, err, body)
	}
	if got, want := resp.Header.Get("ETag"), strconv.Quote(strconv.FormatInt(c.Version, 10)); got != want && resp.Request.Method != "GET" {
		t.Errorf("%s: ETag %s, want %s", what, got, want)
	}
	return c
}

// matchesOf runs the search before create and returns its raw items.
func matchesOf(t *testing.T, f *fixture, c *http.Client, q url.Values) []map[string]json.RawMessage {
	t.Helper()
	resp, body := f.do(c, "GET", "/api/v1/children/matches?"+q.Encode(), nil)
	if resp.StatusCode != 200 {
		t.Fatalf("matches %v: %s %s", q, resp.Status, body)
	}
	var out struct {
		Items []map[string]json.RawMessage `json:"items"`
	}
	if err := json.Unmarshal(body, &out); err != nil || out.Items == nil {
		t.Fatalf("matches %v: %v: %s", q, err, body)
	}
	return out.Items
}

// shownMatch decodes the match that shows the child, or nil.
func shownMatch(t *testing.T, items []map[string]json.RawMessage, id int64) *vigil.ChildMatch {
	t.Helper()
	for _, it := range items {
		var m vigil.ChildMatch
		raw, _ := json.Marshal(it)
		if err := json.Unmarshal(raw, &m); err != nil {
			t.Fatal(err)
		}
		if m.Child != nil && m.Child.ID == id {
			return &m
		}
	}
	return nil
}

// teamName is the name of a demo team.
func teamName(t *testing.T, f *fixture, code string) string {
	t.Helper()
	for _, tm := range f.org.Teams {
		if tm.Code == code {
			return tm.Name
		}
	}
	t.Fatalf("no demo team %s", code)
	return ""
}

// TestChildCreateAPISearchesFirst: a child is recorded once; the same
// child again is refused with a problem that says how to search and how to
// confirm a different child; the search finds her under another spelling,
// in full for those who may read her and only as the team that holds her
// for others.
func TestChildCreateAPISearchesFirst(t *testing.T) {
	f := newFixture(t)
	coord := f.client("missing.ashvale")

	resp, body := f.do(coord, "POST", "/api/v1/children", elizabethSmith())
	c := childRecordOf(t, "create", resp, body, http.StatusCreated)
	if loc := resp.Header.Get("Location"); loc != "/api/v1/children/"+itoa(c.ID) {
		t.Errorf("Location %q for child %d", loc, c.ID)
	}
	if c.ID == 0 || c.Version != 1 || c.GivenName != "Elizabeth" || c.FamilyName != "Smith" || c.OtherNames != "Rose" ||
		!c.DateOfBirth.Equal(time.Date(2014, 7, 19, 0, 0, 0, 0, time.UTC)) || c.Sex != vigil.SexFemale || c.LPAID != 1 ||
		c.Postcode != "KM1 4AB" || c.School != "Ashvale Academy" || !c.LookedAfter || c.PlacingAuthority != "Ashvale Borough Council" ||
		c.Placement != "Residential children's home" || c.Carers != "Home staff" || !strings.HasPrefix(c.SocialWorker, "Dawn Carter") ||
		!slices.Equal(c.WarningMarkers, []string{"sexual_exploitation", "self_harm"}) || c.CreatedBy != f.org.UserID("missing.ashvale") {
		t.Fatalf("created %+v", c)
	}
	resp, body = f.do(coord, "GET", "/api/v1/children/"+itoa(c.ID), nil)
	if got := childRecordOf(t, "read back", resp, body, 200); got.School != c.School || got.Version != 1 {
		t.Errorf("read back %+v", got)
	}

	// The same child again: refused, saying why and what to do.
	resp, body = f.do(coord, "POST", "/api/v1/children", elizabethSmith())
	p := problem(t, resp, body)
	var ext struct {
		PossibleMatches int    `json:"possible_matches"`
		Matches         string `json:"matches"`
	}
	if err := json.Unmarshal(body, &ext); err != nil {
		t.Fatal(err)
	}
	wantHref := "/api/v1/children/matches?date_of_birth=2014-07-19&family_name=Smith&given_name=Elizabeth&other_names=Rose"
	if resp.StatusCode != 409 || p.Code != vigil.ECONFLICT || !strings.Contains(p.Detail, "1 possible match ") ||
		!strings.Contains(p.Detail, "GET "+wantHref) || !strings.Contains(p.Detail, `"confirmed_new": true`) ||
		ext.PossibleMatches != 1 || ext.Matches != wantHref {
		t.Fatalf("the same child again: %s %s", resp.Status, body)
	}

	// The search finds her by a short form and another spelling; the
	// coordinator may read her, so sees her record and why she matched.
	liz := url.Values{"given_name": {"Liz"}, "family_name": {"Smyth"}, "date_of_birth": {"2014-07-19"}}
	items := matchesOf(t, f, coord, liz)
	m := shownMatch(t, items, c.ID)
	if len(items) != 1 || m == nil || m.Score < vigil.PossibleMatch || m.HeldBy != "" || m.Child.School != "Ashvale Academy" ||
		!slices.Contains(m.Reasons, "Given name is a short form or other spelling of the same name") ||
		!slices.Contains(m.Reasons, "Family name is spelt or sounds alike") || !slices.Contains(m.Reasons, "Same date of birth") {
		t.Fatalf("Liz Smyth's matches: %+v", items)
	}

	// Confirmed as a different child, she is recorded; the refusal before
	// recorded nothing, so the search now finds two.
	confirmed := elizabethSmith()
	confirmed["confirmed_new"] = true
	resp, body = f.do(coord, "POST", "/api/v1/children", confirmed)
	second := childRecordOf(t, "create, confirmed new", resp, body, http.StatusCreated)
	if second.ID == c.ID {
		t.Fatal("no new record")
	}
	if items := matchesOf(t, f, coord, liz); len(items) != 2 || shownMatch(t, items, second.ID) == nil {
		t.Fatalf("after the confirmed record: %+v", items)
	}
	page, err := sqlstore.NewAccessLogService(f.db).AccessLog(vigiltest.As(t, f.db, "auditor"),
		vigil.AccessLogFilter{RecordKind: vigil.KindChild, RecordID: second.ID})
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(page.Items, func(e vigil.AccessEntry) bool { return e.Action == vigil.ActionCreate })
	if i < 0 || page.Items[i].Purpose != "recording a new child for safeguarding" ||
		!strings.Contains(page.Items[i].Reason, "confirmed a different child") {
		t.Errorf("the confirmed creation's log entries: %+v", page.Items)
	}

	// The response officer's team does not hold her: each match is only
	// the team that does, with no id, name or score, and the reference
	// with which the officer (who reports children missing) may report
	// that child.
	items = matchesOf(t, f, f.client("response.officer"), liz)
	holder := teamName(t, f, "ASH-MISP")
	if len(items) != 2 {
		t.Fatalf("the response officer's matches: %+v", items)
	}
	for _, it := range items {
		var held, ref string
		if err := json.Unmarshal(it["held_by"], &held); err != nil || len(it) != 2 || held != holder ||
			json.Unmarshal(it["ref"], &ref) != nil || !strings.HasPrefix(ref, "hm_") {
			t.Errorf("a match out of the response officer's scope: %s, want only held_by %q and a ref", it, holder)
		}
	}
	// The auditor reads every child: no match is held from them.
	for _, it := range matchesOf(t, f, f.client("auditor"), liz) {
		if _, ok := it["ref"]; ok {
			t.Errorf("the auditor was given a reference: %s", it)
		}
	}
	// A partner agency is told nothing of a child not shared with it.
	if items := matchesOf(t, f, f.client("social.worker"), liz); len(items) != 0 {
		t.Errorf("the social worker's matches: %+v", items)
	}
}

// TestChildCreateAPIRefusesBadInput: every problem with a new record is a
// field error pointing at what was sent, and nothing is recorded.
func TestChildCreateAPIRefusesBadInput(t *testing.T) {
	f := newFixture(t)
	coord := f.client("missing.ashvale")
	base := func(change map[string]any) map[string]any {
		b := elizabethSmith()
		b["family_name"] = "Quillfeather"
		maps.Copy(b, change)
		for k, v := range change {
			if v == nil {
				delete(b, k)
			}
		}
		return b
	}
	for _, c := range []struct {
		name   string
		body   any
		fields map[string]string // pointer: part of its detail
	}{
		{"no names", base(map[string]any{"given_name": "", "family_name": nil}),
			map[string]string{"/given_name": "Enter the child's given name", "/family_name": "Enter the child's family name"}},
		{"a name without a letter", base(map[string]any{"given_name": "--"}), map[string]string{"/given_name": "must include a letter"}},
		{"born tomorrow", base(map[string]any{"date_of_birth": "2026-03-03"}),
			map[string]string{"/date_of_birth": "today or in the past"}},
		{"18 already", base(map[string]any{"date_of_birth": "2008-03-01"}), map[string]string{"/date_of_birth": "under 18"}},
		{"no date of birth", base(map[string]any{"date_of_birth": nil}), map[string]string{"/date_of_birth": "Enter the child's date of birth"}},
		{"a date of birth that is no date", base(map[string]any{"date_of_birth": "19/07/2014"}),
			map[string]string{"/date_of_birth": "YYYY-MM-DD"}},
		{"a date of birth with a time", base(map[string]any{"date_of_birth": "2014-07-19T00:00:00Z"}),
			map[string]string{"/date_of_birth": "YYYY-MM-DD"}},
		{"an unknown warning marker", base(map[string]any{"warning_markers": []string{"self_harm", "absconder"}}),
			map[string]string{"/warning_markers/1": `"absconder" is not a warning marker; use the codes sexual_exploitation, criminal_exploitation`}},
		{"a bad sex", base(map[string]any{"sex": "F"}), map[string]string{"/sex": "female, male, other or unknown"}},
		{"no sex", base(map[string]any{"sex": nil}), map[string]string{"/sex": "female, male, other or unknown"}},
		{"no such LPA", base(map[string]any{"lpa_id": 99}), map[string]string{"/lpa_id": "GET /api/v1/organisation"}},
		{"looked after by nobody", base(map[string]any{"placing_authority": ""}), map[string]string{"/placing_authority": "placing authority"}},
		{"a bad postcode", base(map[string]any{"postcode": "Ashvale"}), map[string]string{"/postcode": "full UK postcode"}},
		{"everything at once", base(map[string]any{"given_name": "", "family_name": "", "sex": "x", "warning_markers": []string{"weapons", "nope", "trafficking", "also nope"}}),
			map[string]string{"/given_name": "given name", "/family_name": "family name", "/sex": "female", "/warning_markers/1": `"nope"`,
				"/warning_markers/3": `"also nope"`}},
		{"an unknown field", base(map[string]any{"nickname": "Lizzie"}), map[string]string{"/nickname": "not a field"}},
		{"an LPA that is not a number", base(map[string]any{"lpa_id": "Ashvale"}), map[string]string{"/lpa_id": "must be a number"}},
		{"markers that are not a list", base(map[string]any{"warning_markers": "self_harm"}), map[string]string{"/warning_markers": "must be a list"}},
		{"a version", base(map[string]any{"version": 1}), map[string]string{"/version": "not a field of a new record"}},
	} {
		resp, body := f.do(coord, "POST", "/api/v1/children", c.body)
		p := problem(t, resp, body)
		got := map[string]string{}
		for _, e := range p.Errors {
			got[e.Pointer] = e.Detail
		}
		if resp.StatusCode != 422 || p.Code != vigil.EINVALID || len(got) != len(c.fields) {
			t.Errorf("%s: %s %+v", c.name, resp.Status, p)
			continue
		}
		for ptr, want := range c.fields {
			if !strings.Contains(got[ptr], want) {
				t.Errorf("%s: %s: %q, want it to say %q", c.name, ptr, got[ptr], want)
			}
		}
	}
	page, err := sqlstore.NewChildService(f.db).Children(vigiltest.AsSystem(t, f.db), vigil.ChildFilter{Query: "Quillfeather"})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Items) != 0 {
		t.Errorf("refused records were recorded: %+v", page.Items)
	}
	if items := matchesOf(t, f, coord, url.Values{"given_name": {"Elizabeth"}, "family_name": {"Smith"}, "date_of_birth": {"2014-07-19"}}); len(items) != 0 {
		t.Errorf("a refused record is found: %+v", items)
	}

	// Creating is for those whose work it is.
	resp, body := f.do(f.client("response.officer"), "POST", "/api/v1/children", elizabethSmith())
	if p := problem(t, resp, body); resp.StatusCode != 403 || p.Code != vigil.EFORBIDDEN {
		t.Errorf("a response officer creating: %s %+v", resp.Status, p)
	}
}

// TestChildMatchesAPIRefusesBadQueries: a search must name the child, and
// its date of birth must be a date, not in the future.
func TestChildMatchesAPIRefusesBadQueries(t *testing.T) {
	f := newFixture(t)
	c := f.client("call.handler")
	for _, q := range []struct {
		query, pointer, detail string
	}{
		{"", "/given_name", "given name or family name"},
		{"given_name=--&date_of_birth=2014-07-19", "/given_name", "given name or family name"},
		{"family_name=Smith&date_of_birth=2014-13-01", "/date_of_birth", "YYYY-MM-DD"},
		{"family_name=Smith&date_of_birth=19%2F07%2F2014", "/date_of_birth", "YYYY-MM-DD"},
		{"family_name=Smith&date_of_birth=2026-03-03", "/date_of_birth", "today or in the past"},
		{"family_name=" + strings.Repeat("a", 101), "/family_name", "100 characters or fewer"},
	} {
		resp, body := f.do(c, "GET", "/api/v1/children/matches?"+q.query, nil)
		p := problem(t, resp, body)
		if resp.StatusCode != 422 || len(p.Errors) != 1 || p.Errors[0].Pointer != q.pointer || !strings.Contains(p.Errors[0].Detail, q.detail) {
			t.Errorf("?%.60s: %s %+v", q.query, resp.Status, p)
		}
	}
	// Not the child with id "matches".
	resp, body := f.do(c, "GET", "/api/v1/children/matches?family_name=Smith", nil)
	if resp.StatusCode != 200 || !strings.HasPrefix(string(body), `{"items":[`) {
		t.Errorf("a family name alone: %s %s", resp.Status, body)
	}
}

// TestChildUpdateAPI: a record is changed whole, based on the version read
// (in the body or as If-Match); a change based on an old version, or
// breaking a rule, changes nothing.
func TestChildUpdateAPI(t *testing.T) {
	f := newFixture(t)
	coord := f.client("missing.ashvale")
	resp, body := f.do(coord, "POST", "/api/v1/children", elizabethSmith())
	c := childRecordOf(t, "create", resp, body, http.StatusCreated)
	path := "/api/v1/children/" + itoa(c.ID)

	change := elizabethSmith()
	change["school"] = "Ashvale Pupil Referral Unit"
	change["warning_markers"] = []string{"weapons"}
	change["looked_after"] = false
	change["version"] = c.Version
	resp, body = f.do(coord, "PUT", path, change)
	u := childRecordOf(t, "update", resp, body, 200)
	if u.ID != c.ID || u.Version != 2 || u.School != "Ashvale Pupil Referral Unit" || !slices.Equal(u.WarningMarkers, []string{"weapons"}) ||
		u.LookedAfter || u.PlacingAuthority != "" || u.Placement != "" || u.Carers != "" || u.GivenName != "Elizabeth" ||
		u.UpdatedBy != f.org.UserID("missing.ashvale") {
		t.Fatalf("updated %+v", u)
	}

	// The old version again: refused, and the record stays as it is.
	change["school"] = "Somewhere else"
	resp, body = f.do(coord, "PUT", path, change)
	if p := problem(t, resp, body); resp.StatusCode != 409 || p.Code != vigil.ECONFLICT || !strings.Contains(p.Detail, "changed by someone else") {
		t.Fatalf("a stale change: %s %+v", resp.Status, p)
	}
	resp, body = f.do(coord, "GET", path, nil)
	if got := childRecordOf(t, "after the stale change", resp, body, 200); got.Version != 2 || got.School != "Ashvale Pupil Referral Unit" {
		t.Fatalf("the stale change changed the record: %+v", got)
	}
	// Stale as If-Match too.
	delete(change, "version")
	resp, body = f.do(coord, "PUT", path, change, "If-Match", `"1"`)
	if p := problem(t, resp, body); resp.StatusCode != 409 {
		t.Errorf("a stale If-Match: %s %+v", resp.Status, p)
	}

	// The version as If-Match, from the last answer's ETag.
	resp, body = f.do(coord, "PUT", path, change, "If-Match", strconv.Quote(itoa(u.Version)))
	if u = childRecordOf(t, "update with If-Match", resp, body, 200); u.Version != 3 || u.School != "Somewhere else" {
		t.Fatalf("updated with If-Match: %+v", u)
	}

	for _, c := range []struct {
		name   string
		body   map[string]any
		header []string
		status int
		detail string
	}{
		{"no version", change, nil, 422, "Give the version"},
		{"versions that disagree", withField(change, "version", 2), []string{"If-Match", `"3"`}, 422, "disagree"},
		{"a bad If-Match", change, []string{"If-Match", "yesterday"}, 422, "If-Match"},
		{"a confirmation, which only a new record takes", withField(withField(change, "version", 3), "confirmed_new", true), nil, 422, "only for a new record"},
		{"a bad sex", withField(withField(change, "version", 3), "sex", "girl"), nil, 422, "There is a problem"},
	} {
		resp, body := f.do(coord, "PUT", path, c.body, c.header...)
		if p := problem(t, resp, body); resp.StatusCode != c.status || !strings.Contains(p.Detail+fieldDetails(p.Errors), c.detail) {
			t.Errorf("%s: %s %+v", c.name, resp.Status, p)
		}
	}
	resp, body = f.do(coord, "GET", path, nil)
	if got := childRecordOf(t, "after the refused changes", resp, body, 200); got.Version != 3 || got.Sex != vigil.SexFemale {
		t.Fatalf("a refused change changed the record: %+v", got)
	}

	// Outside the changer's scope, or no record at all.
	resp, body = f.do(f.client("response.officer"), "PUT", path, withField(change, "version", 3))
	if p := problem(t, resp, body); resp.StatusCode != 403 || p.Code != vigil.EFORBIDDEN {
		t.Errorf("the response officer changing a child on another team's caseload: %s %+v", resp.Status, p)
	}
	resp, body = f.do(coord, "PUT", "/api/v1/children/999999", withField(change, "version", 1))
	if p := problem(t, resp, body); resp.StatusCode != 404 {
		t.Errorf("no such child: %s %+v", resp.Status, p)
	}
}

func withField(m map[string]any, k string, v any) map[string]any {
	out := maps.Clone(m)
	out[k] = v
	return out
}

func fieldDetails(es []web.ProblemDetail) string {
	var b strings.Builder
	for _, e := range es {
		b.WriteString(" " + e.Pointer + ": " + e.Detail)
	}
	return b.String()
}

// TestOpenAPIChildren: the document's warning markers are Vigil's, and its
// request schemas name every field a request may send.
func TestOpenAPIChildren(t *testing.T) {
	f := newFixture(t)
	_, body := f.do(http.DefaultClient, "GET", "/api/v1/openapi.json", nil)
	type schema struct {
		Properties map[string]json.RawMessage `json:"properties"`
		Enum       []string                   `json:"enum"`
		AllOf      []struct {
			Ref        string                     `json:"$ref"`
			Properties map[string]json.RawMessage `json:"properties"`
		} `json:"allOf"`
	}
	var doc struct {
		Components struct {
			Schemas map[string]schema `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		t.Fatal(err)
	}
	s := doc.Components.Schemas
	var codes []string
	for _, m := range vigil.WarningMarkers {
		codes = append(codes, m.Code)
	}
	if !slices.Equal(s["WarningMarkerCode"].Enum, codes) {
		t.Errorf("warning marker codes %q, want %q", s["WarningMarkerCode"].Enum, codes)
	}
	fields := slices.Sorted(maps.Keys(elizabethSmith()))
	if got := slices.Sorted(maps.Keys(s["ChildInput"].Properties)); !slices.Equal(got, fields) {
		t.Errorf("ChildInput properties %q, want %q", got, fields)
	}
	for name, extra := range map[string]string{"NewChildInput": "confirmed_new", "ChildUpdate": "version"} {
		all := s[name].AllOf
		if len(all) != 2 || all[0].Ref != "#/components/schemas/ChildInput" || len(all[1].Properties) != 1 || all[1].Properties[extra] == nil {
			t.Errorf("%s = %+v, want ChildInput and %s", name, s[name], extra)
		}
	}
	for _, p := range append(fields, "id", "version", "withheld", "created_at") {
		if s["ChildRecord"].Properties[p] == nil && p != "confirmed_new" {
			t.Errorf("ChildRecord has no %s", p)
		}
	}
}
