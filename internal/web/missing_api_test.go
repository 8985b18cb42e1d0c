package web_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vigilcp/vigil/internal/sqlstore"
	"github.com/vigilcp/vigil/internal/vigil"
	"github.com/vigilcp/vigil/internal/vigiltest"
)

// The test database's clock stands still at vigiltest.Epoch: every time a
// test sends is at or before it.

func rfc(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

// episodeOf decodes an episode from a response with the status wanted.
func episodeOf(t *testing.T, what string, resp *http.Response, body []byte, status int) vigil.Episode {
	t.Helper()
	if resp.StatusCode != status {
		t.Fatalf("%s: %s, want %d: %s", what, resp.Status, status, body)
	}
	var e vigil.Episode
	if err := json.Unmarshal(body, &e); err != nil {
		t.Fatalf("%s: %v: %s", what, err, body)
	}
	if got, want := resp.Header.Get("ETag"), strconv.Quote(strconv.FormatInt(e.Version, 10)); got != want {
		t.Errorf("%s: ETag %s, want %s", what, got, want)
	}
	return e
}

// episodeIDs lists the ids of the episodes a list answers, failing on
// anything but 200.
func episodeIDs(t *testing.T, f *fixture, c *http.Client, path string) []int64 {
	t.Helper()
	resp, body := f.do(c, "GET", path, nil)
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %s %s", path, resp.Status, body)
	}
	var page vigil.Page[vigil.Episode]
	if err := json.Unmarshal(body, &page); err != nil {
		t.Fatal(err)
	}
	ids := []int64{}
	for _, e := range page.Items {
		ids = append(ids, e.ID)
	}
	slices.Sort(ids)
	return ids
}

// childrenOf returns the first n children of an LPA, as the system sees them.
func childrenOf(t *testing.T, f *fixture, lpa int64, n int) []vigil.ChildRecord {
	t.Helper()
	page, err := sqlstore.NewChildService(f.db).Children(vigiltest.AsSystem(t, f.db), vigil.ChildFilter{LPAID: lpa,
		PageRequest: vigil.PageRequest{Limit: vigil.MaxPageSize}})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Items) < n {
		t.Fatalf("LPA %d has %d children, want %d", lpa, len(page.Items), n)
	}
	return page.Items[:n]
}

// unsharedChild is an Ashvale child that the social worker's agency has
// not been given.
func unsharedChild(t *testing.T, f *fixture) int64 {
	t.Helper()
	sw := vigiltest.As(t, f.db, "social.worker")
	children := sqlstore.NewChildService(f.db)
	page, err := children.Children(vigiltest.AsSystem(t, f.db), vigil.ChildFilter{LPAID: 1, PageRequest: vigil.PageRequest{Limit: vigil.MaxPageSize}})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range page.Items {
		if _, err := children.Child(sw, c.ID); vigil.ErrorCode(err) == vigil.ENOTFOUND {
			return c.ID
		}
	}
	t.Fatal("the social worker sees every Ashvale child")
	return 0
}

func reportBody(child int64, reported, lastSeen time.Time, level string) map[string]any {
	return map[string]any{"child_id": child, "reported_at": rfc(reported), "last_seen_at": rfc(lastSeen),
		"reporter_name": "Dawn Carter", "reporter_contact": "07700 900123", "reporter_relation": "Residential carer",
		"last_seen_place": "Ashvale bus station", "circumstances": "Did not return to the home after school",
		"description_clothing": "Grey hoodie, black trainers", "lpa_id": 1,
		"grading": map[string]any{"level": level, "factors": []string{"looked_after", "exploitation"},
			"rationale": "Known links to older males in the town centre"}}
}

// TestMissingAPIJourney runs one episode through the API from the call to
// its closure, each step by the person whose job it is: the return home
// interview by a partner-agency social worker, through a share.
func TestMissingAPIJourney(t *testing.T) {
	f := newBlankMissingFixture(t)
	now := vigiltest.Epoch
	child := unsharedChild(t, f)
	handler, coord := f.client("call.handler"), f.client("missing.ashvale")
	worker := f.client("social.worker")

	// Reported by the call handler.
	resp, body := f.do(handler, "POST", "/api/v1/missing-episodes", reportBody(child, now.Add(-3*time.Hour), now.Add(-4*time.Hour), "medium"))
	e := episodeOf(t, "report", resp, body, http.StatusCreated)
	path := "/api/v1/missing-episodes/" + itoa(e.ID)
	if loc := resp.Header.Get("Location"); loc != path {
		t.Errorf("Location %q, want %q", loc, path)
	}
	if e.Status != vigil.EpisodeOpen || e.Risk != vigil.RiskMedium || e.ChildID != child || e.LPAID != 1 || len(e.Gradings) != 1 ||
		e.Gradings[0].GradedBy != f.org.UserID("call.handler") || e.RatifyDueAt == nil || !e.RatifyDueAt.Equal(now.Add(time.Hour)) ||
		e.DeployDueAt == nil || !e.DeployDueAt.Equal(now.Add(-time.Hour)) || !e.ReportedAt.Equal(now.Add(-3*time.Hour)) {
		t.Fatalf("reported episode = %+v", e)
	}
	if ids := episodeIDs(t, f, coord, "/api/v1/missing-episodes?queue=awaiting_ratification"); !slices.Contains(ids, e.ID) {
		t.Errorf("episode %d is not awaiting ratification: %v", e.ID, ids)
	}

	// The social worker's agency has not been given the child: the
	// episode does not exist for them until it is shared.
	resp, body = f.do(worker, "GET", path, nil)
	if p := problem(t, resp, body); resp.StatusCode != 404 || p.Code != vigil.ENOTFOUND {
		t.Fatalf("partner before the share: %s %+v", resp.Status, p)
	}
	if _, err := sqlstore.NewChildService(f.db).Share(vigiltest.AsSystem(t, f.db), vigil.Share{AgencyID: 1, RecordID: child,
		Parts: []string{vigil.PartIdentity}, Purpose: "Return home interview", LawfulBasis: vigil.LawfulBases[2]}); err != nil {
		t.Fatal(err)
	}

	// Ratified by the control-room manager, with an API token.
	token, _, err := sqlstore.NewTokenService(f.db).CreateToken(vigiltest.AsSystem(t, f.db), "control.manager", "missing test", nil)
	if err != nil {
		t.Fatal(err)
	}
	bearer := []string{"Authorization", "Bearer " + token}
	api := &http.Client{}
	resp, body = f.do(api, "POST", path+"/ratification", map[string]any{"agree": true, "version": e.Version}, bearer...)
	e = episodeOf(t, "ratify", resp, body, 200)
	g := e.Gradings[0]
	if g.RatifiedAt == nil || g.RatifiedBy != f.org.UserID("control.manager") || g.RatifiedLevel != vigil.RiskMedium || e.RatifyDueAt != nil {
		t.Fatalf("ratified grading = %+v, episode due %v", g, e.RatifyDueAt)
	}

	// The manager regrades, and may not ratify their own grading.
	resp, body = f.do(api, "POST", path+"/gradings", map[string]any{"level": "high", "factors": []string{"crime_suspected"},
		"rationale": "Seen getting into a car with an older man", "version": e.Version}, bearer...)
	e = episodeOf(t, "regrade", resp, body, 200)
	if e.Risk != vigil.RiskHigh || len(e.Gradings) != 2 || e.RatifyDueAt == nil {
		t.Fatalf("regraded episode = %+v", e)
	}
	resp, body = f.do(api, "POST", path+"/ratification", map[string]any{"agree": true, "version": e.Version}, bearer...)
	if p := problem(t, resp, body); resp.StatusCode != 403 || p.Code != vigil.EFORBIDDEN || !strings.Contains(p.Detail, "someone else") {
		t.Fatalf("the grader ratifying: %s %+v", resp.Status, p)
	}
	resp, body = f.do(coord, "GET", path, nil)
	if after := episodeOf(t, "read", resp, body, 200); after.Version != e.Version || after.Gradings[1].RatifiedAt != nil {
		t.Fatalf("the refused ratification changed the episode: %+v", after)
	}
	// Another manager changes the level, with a reason.
	resp, body = f.do(f.client("admin"), "POST", path+"/ratification", map[string]any{"agree": false, "level": "medium",
		"reason": "The car belongs to her uncle, confirmed by the carer", "version": e.Version})
	e = episodeOf(t, "ratify with a change", resp, body, 200)
	if g := e.Gradings[1]; e.Risk != vigil.RiskMedium || g.RatifiedLevel != vigil.RiskMedium || g.RatifiedBy != f.org.UserID("admin") ||
		!strings.Contains(g.RatifyReason, "uncle") {
		t.Fatalf("changed ratification = %+v", e)
	}

	// Deployed, the version given as If-Match; an old version is refused.
	officer := matrixOfficer(f)
	resp, body = f.do(api, "POST", path+"/deployments", map[string]any{"people": []int64{officer}},
		"Authorization", "Bearer "+token, "If-Match", strconv.Quote(itoa(e.Version)))
	deployed := episodeOf(t, "deploy", resp, body, 200)
	if deployed.DeployedAt == nil || !deployed.DeployedAt.Equal(now) || !slices.Equal(deployed.DeployedTo, []int64{officer}) || deployed.DeployDueAt != nil {
		t.Fatalf("deployed episode = %+v", deployed)
	}
	resp, body = f.do(api, "POST", path+"/deployments", map[string]any{"people": []int64{officer}, "version": e.Version}, bearer...)
	if p := problem(t, resp, body); resp.StatusCode != 409 || p.Code != vigil.ECONFLICT {
		t.Fatalf("deploying on an old version: %s %+v", resp.Status, p)
	}
	e = deployed

	// The coordinator's enquiries, the return and the prevention interview.
	resp, body = f.do(coord, "POST", path+"/notes", map[string]any{"kind": "enquiry", "text": "Checked the bus station CCTV"})
	if resp.StatusCode != 204 {
		t.Fatalf("note: %s %s", resp.Status, body)
	}
	resp, body = f.do(coord, "POST", path+"/found", map[string]any{"found_at": rfc(now.Add(-time.Hour)), "found_place": "Friend's flat, Mill Lane",
		"found_by": "PC 4412", "condition": "Tired, no injuries", "exploitation_indicators": []string{"new phone"}, "version": e.Version})
	e = episodeOf(t, "found", resp, body, 200)
	if e.Status != vigil.EpisodeFound || e.FoundAt == nil || !e.FoundAt.Equal(now.Add(-time.Hour)) || e.FoundPlace != "Friend's flat, Mill Lane" ||
		len(e.Notes) != 1 || e.Notes[0].Author != "missing.ashvale" || e.Notes[0].Kind != "enquiry" {
		t.Fatalf("found episode = %+v", e)
	}
	resp, body = f.do(coord, "POST", path+"/prevention", map[string]any{"prevention_at": rfc(now.Add(-30 * time.Minute)),
		"prevention_disclosures": "Said she stayed with a friend", "version": e.Version})
	e = episodeOf(t, "prevention", resp, body, 200)
	if e.PreventionAt == nil || !e.PreventionAt.Equal(now.Add(-30*time.Minute)) || e.PreventionDisclosures != "Said she stayed with a friend" {
		t.Fatalf("prevention = %+v", e)
	}

	// The social worker, through the share: the return home interview;
	// closing is not theirs.
	resp, body = f.do(worker, "POST", path+"/return-interview", map[string]any{"rhi_completed_at": rfc(now),
		"rhi_notes": "Spoke with her at school", "version": e.Version})
	e = episodeOf(t, "return interview", resp, body, 200)
	if e.RHICompletedAt == nil || e.RHIOfferedAt == nil || !e.RHIOfferedAt.Equal(now) || e.RHINotes != "Spoke with her at school" {
		t.Fatalf("return interview = %+v", e)
	}
	if e.ReporterContact != "" || !slices.Equal(e.Withheld, []string{vigil.FieldReporterContact}) {
		t.Errorf("the social worker was sent the reporter's contact %q (withheld %v)", e.ReporterContact, e.Withheld)
	}
	if resp, page := f.do(worker, "GET", "/missing/episodes/"+itoa(e.ID), nil); resp.StatusCode != 200 ||
		!bytes.Contains(page, []byte("Not shared with partner agencies")) || bytes.Contains(page, []byte("07700")) {
		t.Errorf("the social worker's episode page (%s) does not say the contact is withheld, or shows it", resp.Status)
	}
	resp, body = f.do(worker, "POST", path+"/close", map[string]any{"version": e.Version})
	if p := problem(t, resp, body); resp.StatusCode != 403 {
		t.Fatalf("partner closing: %s %+v", resp.Status, p)
	}

	// Closed by the coordinator, with If-Match and no body.
	resp, body = f.do(coord, "POST", path+"/close", nil, "If-Match", strconv.Quote(itoa(e.Version)))
	e = episodeOf(t, "close", resp, body, 200)
	if e.Status != vigil.EpisodeClosed || e.ClosedAt == nil || e.ClosedBy != f.org.UserID("missing.ashvale") {
		t.Fatalf("closed episode = %+v", e)
	}
	if ids := episodeIDs(t, f, worker, "/api/v1/missing-episodes?status=closed&child_id="+itoa(child)); !slices.Equal(ids, []int64{e.ID}) {
		t.Errorf("the social worker's list of the child's closed episodes: %v", ids)
	}

	// Each read is logged with why.
	resp, body = f.do(f.client("auditor"), "GET", "/api/v1/access-log?record_kind=missing_episode&record_id="+itoa(e.ID)+"&limit=500", nil)
	var log vigil.Page[vigil.AccessEntry]
	if err := json.Unmarshal(body, &log); err != nil || resp.StatusCode != 200 {
		t.Fatalf("access log: %s %s", resp.Status, body)
	}
	var reads, denied int
	for _, a := range log.Items {
		if a.Action == vigil.ActionRead && a.Username == "missing.ashvale" && a.Purpose == "working on a missing child's episode" {
			reads++
		}
		if a.Username == "social.worker" && a.Outcome == vigil.OutcomeDenied {
			denied++
		}
	}
	if reads != 1 || denied == 0 {
		t.Errorf("access log of the episode: %d reads with a purpose by the coordinator, %d refusals of the social worker: %+v", reads, denied, log.Items)
	}
}

// TestMissingAPIBadInput: bad input is refused with the fields at fault,
// and changes nothing.
func TestMissingAPIBadInput(t *testing.T) {
	f := newBlankMissingFixture(t)
	now := vigiltest.Epoch
	handler, manager := f.client("call.handler"), f.client("control.manager")
	child := childrenOf(t, f, 1, 1)[0].ID
	list := "/api/v1/missing-episodes?child_id=" + itoa(child)
	with := func(change func(map[string]any)) map[string]any {
		b := reportBody(child, now.Add(-time.Hour), now.Add(-2*time.Hour), "medium")
		change(b)
		return b
	}
	cases := []struct {
		name   string
		body   any
		fields []string
		detail string
	}{
		{"last seen after the report", with(func(b map[string]any) { b["last_seen_at"] = rfc(now) }), []string{"last_seen_at"}, ""},
		{"unknown risk level", with(func(b map[string]any) { b["grading"].(map[string]any)["level"] = "severe" }), []string{"grading.level"}, ""},
		{"unknown risk factor", with(func(b map[string]any) { b["grading"].(map[string]any)["factors"] = []string{"moon"} }), []string{"grading.factors"}, ""},
		{"no rationale or reporter", with(func(b map[string]any) {
			b["grading"].(map[string]any)["rationale"] = " "
			b["reporter_name"] = ""
		}), []string{"reporter_name", "grading.rationale"}, ""},
		{"reported in the future", with(func(b map[string]any) { b["reported_at"] = rfc(now.Add(time.Hour)) }), []string{"reported_at"}, ""},
		{"not a time", with(func(b map[string]any) { b["reported_at"] = "yesterday teatime"; b["last_seen_at"] = "2026-03-02" }),
			[]string{"reported_at", "last_seen_at"}, ""},
		{"unknown field", with(func(b map[string]any) { b["shoe_size"] = 5 }), []string{"shoe_size"}, ""},
		{"wrong type", with(func(b map[string]any) { b["child_id"] = "seven" }), []string{"child_id"}, ""},
		{"no such LPA", with(func(b map[string]any) { b["lpa_id"] = 99 }), []string{"lpa_id"}, ""},
		{"not JSON", `{"child_id": `, nil, "not valid JSON"},
	}
	for _, tc := range cases {
		resp, body := f.do(handler, "POST", "/api/v1/missing-episodes", tc.body)
		p := problem(t, resp, body)
		if resp.StatusCode != 422 {
			t.Errorf("%s: %s %+v", tc.name, resp.Status, p)
			continue
		}
		var fields []string
		for _, e := range p.Errors {
			fields = append(fields, e.Field)
			if e.Pointer != "/"+strings.ReplaceAll(e.Field, ".", "/") {
				t.Errorf("%s: pointer %q for field %q", tc.name, e.Pointer, e.Field)
			}
		}
		if !slices.Equal(fields, tc.fields) {
			t.Errorf("%s: fields %v, want %v (%+v)", tc.name, fields, tc.fields, p.Errors)
		}
		if tc.detail != "" && !strings.Contains(p.Detail, tc.detail) {
			t.Errorf("%s: detail %q lacks %q", tc.name, p.Detail, tc.detail)
		}
	}
	if ids := episodeIDs(t, f, manager, list); len(ids) != 0 {
		t.Fatalf("refused reports made episodes: %v", ids)
	}

	// A second open episode is refused as a conflict naming child_id.
	resp, body := f.do(handler, "POST", "/api/v1/missing-episodes", with(func(map[string]any) {}))
	e := episodeOf(t, "report", resp, body, 201)
	resp, body = f.do(handler, "POST", "/api/v1/missing-episodes", with(func(b map[string]any) { b["reported_at"] = rfc(now) }))
	if p := problem(t, resp, body); resp.StatusCode != 409 || p.Code != vigil.ECONFLICT || len(p.Errors) != 1 || p.Errors[0].Field != "child_id" ||
		!strings.Contains(p.Errors[0].Detail, "already has an open") {
		t.Errorf("second open episode: %s %+v", resp.Status, p)
	}
	if ids := episodeIDs(t, f, manager, list); !slices.Equal(ids, []int64{e.ID}) {
		t.Fatalf("episodes of the child after a refused second report: %v", ids)
	}

	// Steps: each refusal names its field and leaves the episode as it was.
	path := "/api/v1/missing-episodes/" + itoa(e.ID)
	steps := []struct {
		name, step string
		body       map[string]any
		status     int
		field      string
	}{
		{"found before last seen", "found", map[string]any{"found_at": rfc(now.Add(-3 * time.Hour)), "found_place": "Home", "version": e.Version}, 422, "found_at"},
		{"found without a place", "found", map[string]any{"found_at": rfc(now), "version": e.Version}, 422, "found_place"},
		{"regrade without a version", "gradings", map[string]any{"level": "high", "rationale": "Worse"}, 422, "version"},
		{"regrade to a level nobody is graded", "gradings", map[string]any{"level": "no_apparent_risk", "rationale": "Absent", "version": e.Version}, 422, "level"},
		{"ratify without saying", "ratification", map[string]any{"version": e.Version}, 422, "agree"},
		{"change without a reason", "ratification", map[string]any{"agree": false, "level": "high", "version": e.Version}, 422, "reason"},
		{"deploy nobody", "deployments", map[string]any{"people": []int64{}, "version": e.Version}, 422, "people"},
		{"deploy before the report", "deployments", map[string]any{"people": []int64{matrixOfficer(f)}, "deployed_at": rfc(now.Add(-5 * time.Hour)), "version": e.Version}, 422, "deployed_at"},
		{"prevention before the return", "prevention", map[string]any{"version": e.Version}, 422, ""},
		{"close while missing", "close", map[string]any{"version": e.Version}, 422, ""},
		{"note of no kind", "notes", map[string]any{"kind": "gossip", "text": "x"}, 422, "kind"},
		{"stale version", "found", map[string]any{"found_at": rfc(now), "found_place": "Home", "version": e.Version + 5}, 409, ""},
	}
	for _, s := range steps {
		resp, body := f.do(manager, "POST", path+"/"+s.step, s.body)
		p := problem(t, resp, body)
		if resp.StatusCode != s.status || s.field != "" && (len(p.Errors) == 0 || p.Errors[0].Field != s.field) {
			t.Errorf("%s: %s %+v, want %d on %q", s.name, resp.Status, p, s.status, s.field)
		}
	}
	resp, body = f.do(manager, "GET", path, nil)
	if after := episodeOf(t, "read", resp, body, 200); after.Version != e.Version || after.Status != vigil.EpisodeOpen || len(after.Gradings) != 1 ||
		after.DeployedAt != nil || len(after.Notes) != 0 {
		t.Errorf("refused steps changed the episode: %+v", after)
	}

	// Lists and the dashboard.
	for query, field := range map[string]string{"queue=someday": "queue", "status=lost": "status", "risk=severe": "risk",
		"from=2026-13-01": "from", "to=soon": "to", "from=2026-03-02&to=2026-03-01": "to", "limit=0": "limit", "child_id=x": "child_id",
		"figure=popular": "figure", "cursor=zzz": "cursor"} {
		resp, body := f.do(manager, "GET", "/api/v1/missing-episodes?"+query, nil)
		if p := problem(t, resp, body); resp.StatusCode != 422 || len(p.Errors) != 1 || p.Errors[0].Field != field {
			t.Errorf("list %s: %s %+v", query, resp.Status, p)
		}
	}
	for query, field := range map[string]string{"from=2026-04&to=2026-03": "from", "lpa_id=-1": "lpa_id", "to=2026-13": "to", "from=2026-03-01": "from"} {
		resp, body := f.do(manager, "GET", "/api/v1/missing-dashboard?"+query, nil)
		if p := problem(t, resp, body); resp.StatusCode != 422 || len(p.Errors) != 1 || p.Errors[0].Field != field {
			t.Errorf("dashboard %s: %s %+v", query, resp.Status, p)
		}
	}
	for query, field := range map[string]string{"no_plan=perhaps": "no_plan", "team_id=0": "team_id"} {
		resp, body := f.do(manager, "GET", "/api/v1/repeat-children?"+query, nil)
		if p := problem(t, resp, body); resp.StatusCode != 422 || len(p.Errors) != 1 || p.Errors[0].Field != field {
			t.Errorf("repeat children %s: %s %+v", query, resp.Status, p)
		}
	}

	// Targets: every field error points into the body, and nothing is saved.
	gold := f.client("gold.chair")
	resp, before := f.do(gold, "GET", "/api/v1/missing-targets", nil)
	if resp.StatusCode != 200 {
		t.Fatalf("targets: %s %s", resp.Status, before)
	}
	var targets map[string]any
	json.Unmarshal(before, &targets)
	if targets["prevention_ms"] != float64(72*time.Hour/time.Millisecond) || targets["ratify_ms"].(map[string]any)["high"] != float64(30*time.Minute/time.Millisecond) {
		t.Errorf("default targets: %s", before)
	}
	bad := map[string]any{"ratify_ms": map[string]any{"high": 0, "medium": 3600000, "low": 7200000, "very_low": 14400000, "severe": 60000},
		"deploy_ms": targets["deploy_ms"], "review_ms": map[string]any{"high": 3600000, "medium": 14400000, "low": 43200000, "very_low": 400 * 24 * 3600000},
		"repeat_episodes": 1, "repeat_window_days": 90}
	resp, body = f.do(gold, "PUT", "/api/v1/missing-targets", bad)
	p := problem(t, resp, body)
	var fields []string
	for _, e := range p.Errors {
		fields = append(fields, e.Field)
	}
	if resp.StatusCode != 422 || !slices.Equal(fields, []string{"review_ms.very_low"}) {
		t.Errorf("a target over a year: %s %v", resp.Status, fields)
	}
	bad["review_ms"].(map[string]any)["very_low"] = 86400000
	resp, body = f.do(gold, "PUT", "/api/v1/missing-targets", bad)
	p = problem(t, resp, body)
	fields = nil
	for _, e := range p.Errors {
		fields = append(fields, e.Field)
		if e.Pointer != "/"+strings.ReplaceAll(e.Field, ".", "/") {
			t.Errorf("targets: pointer %q for %q", e.Pointer, e.Field)
		}
	}
	slices.Sort(fields)
	if want := []string{"prevention_ms", "ratify_ms", "ratify_ms.high", "repeat_episodes"}; resp.StatusCode != 422 || !slices.Equal(fields, want) {
		t.Errorf("bad targets: %s fields %v, want %v", resp.Status, fields, want)
	}
	if _, after := f.do(gold, "GET", "/api/v1/missing-targets", nil); string(after) != string(before) {
		t.Errorf("refused targets changed them: %s, then %s", before, after)
	}
	targets["ratify_ms"].(map[string]any)["high"] = 20 * 60 * 1000
	resp, body = f.do(gold, "PUT", "/api/v1/missing-targets", targets)
	if resp.StatusCode != 200 || !strings.Contains(string(body), `"high":1200000`) {
		t.Errorf("valid targets: %s %s", resp.Status, body)
	}
}

// TestMissingAPIDashboardLinks: each of the dashboard's figures links to
// the episodes behind it, and those lists hold exactly them.
func TestMissingAPIDashboardLinks(t *testing.T) {
	f := newBlankMissingFixture(t)
	now := vigiltest.Epoch
	sys, crm := vigiltest.AsSystem(t, f.db), vigiltest.As(t, f.db, "control.manager")
	svc := sqlstore.NewMissingService(f.db)
	must := func(e *vigil.Episode, err error) *vigil.Episode {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return e
	}
	ash := childrenOf(t, f, 1, 4)
	mar := childrenOf(t, f, 2, 1)
	report := func(child, lpa int64, level vigil.RiskLevel, reported time.Time) *vigil.Episode {
		return must(svc.Report(sys, vigil.NewReport{ChildID: child, ReportedAt: reported, LastSeenAt: now.Add(-7 * time.Hour),
			ReporterName: "Carer", Circumstances: "Did not come home", LPAID: lpa, Grading: vigil.Grading{Level: level, Rationale: "Test"}}))
	}
	officer := matrixOfficer(f)
	// Two high-risk returns: one on time at every step, one late or
	// without each step.
	onTime := report(ash[0].ID, 1, vigil.RiskHigh, now.Add(-6*time.Hour))
	onTime = must(svc.Ratify(crm, onTime.ID, true, "", "", onTime.Version))
	onTime = must(svc.Deploy(crm, onTime.ID, []int64{officer}, now.Add(-330*time.Minute), onTime.Version))
	onTime = must(svc.Found(sys, onTime.ID, vigil.FoundDetails{At: now.Add(-2 * time.Hour), Place: "Home"}, onTime.Version))
	onTime = must(svc.Prevention(sys, onTime.ID, now.Add(-time.Hour), "", onTime.Version))
	must(svc.ReturnInterview(sys, onTime.ID, vigil.RHIDetails{CompletedAt: &now}, onTime.Version))
	late := report(ash[1].ID, 1, vigil.RiskHigh, now.Add(-6*time.Hour))
	late = must(svc.Ratify(crm, late.ID, true, "", "", late.Version))
	late = must(svc.Deploy(crm, late.ID, []int64{officer}, now.Add(-3*time.Hour), late.Version))
	must(svc.Found(sys, late.ID, vigil.FoundDetails{At: now.Add(-time.Hour), Place: "Home"}, late.Version))
	// Two still missing, and one in the other LPA.
	medium := report(ash[2].ID, 1, vigil.RiskMedium, now.Add(-2*time.Hour))
	low := report(ash[3].ID, 1, vigil.RiskLow, now.Add(-time.Hour))
	report(mar[0].ID, 2, vigil.RiskHigh, now.Add(-time.Hour))

	c := f.client("control.manager")
	resp, body := f.do(c, "GET", "/api/v1/missing-dashboard?lpa_id=1&from=2026-03&to=2026-03", nil)
	if resp.StatusCode != 200 {
		t.Fatalf("dashboard: %s %s", resp.Status, body)
	}
	type figLinks struct{ All, Met, Missed string }
	type targetFig struct {
		Risk         vigil.RiskLevel
		TargetMS     int64 `json:"target_ms"`
		Count        int
		WithinTarget int `json:"within_target"`
		Share        *float64
		MedianMS     *int64 `json:"median_ms"`
		P90MS        *int64 `json:"p90_ms"`
		Links        figLinks
	}
	type countFig struct {
		Of, Met int
		Share   *float64
		Links   figLinks
	}
	type fig struct {
		Risk  vigil.RiskLevel
		Count int
		Href  string
	}
	var d struct {
		From, To time.Time
		LPAID    int64 `json:"lpa_id"`
		Open     struct {
			Count  int
			Href   string
			ByRisk []fig `json:"by_risk"`
		}
		Reported                 fig
		Ratification, Deployment []targetFig
		TimeMissing              struct {
			Count    int
			MedianMS *int64 `json:"median_ms"`
			P90MS    *int64 `json:"p90_ms"`
			Links    figLinks
		} `json:"time_missing"`
		Prevention   targetFig
		RHIOffered   countFig `json:"rhi_offered_within_72h"`
		RHICompleted countFig `json:"rhi_completed_within_72h"`
		Repeat       countFig `json:"repeat_children_with_plan"`
		Trend        []struct {
			Month          string
			Reported       fig
			DeployedWithin countFig `json:"deployed_within_target"`
		}
		Targets struct {
			DeployMS map[vigil.RiskLevel]int64 `json:"deploy_ms"`
		}
	}
	if err := json.Unmarshal(body, &d); err != nil {
		t.Fatal(err)
	}
	ids := func(es ...*vigil.Episode) []int64 {
		out := []int64{}
		for _, e := range es {
			out = append(out, e.ID)
		}
		slices.Sort(out)
		return out
	}
	behind := func(name, href string, want []int64) {
		t.Helper()
		if !strings.HasPrefix(href, "/api/v1/missing-episodes?") {
			t.Errorf("%s: link %q", name, href)
			return
		}
		if got := episodeIDs(t, f, c, href); !slices.Equal(got, want) {
			t.Errorf("%s: %s lists %v, want %v", name, href, got, want)
		}
	}
	ms := func(p *int64) any {
		if p == nil {
			return nil
		}
		return *p
	}
	share := func(p *float64) any {
		if p == nil {
			return nil
		}
		return *p
	}
	none := []int64{}
	both := ids(onTime, late)

	if !d.From.Equal(time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)) || !d.To.Equal(time.Date(2026, 3, 31, 23, 0, 0, 0, time.UTC)) || d.LPAID != 1 {
		t.Errorf("period [%s, %s) of LPA %d", d.From, d.To, d.LPAID)
	}
	if d.Reported.Count != 4 {
		t.Errorf("reported %d, want 4", d.Reported.Count)
	}
	behind("reported", d.Reported.Href, ids(onTime, late, medium, low))
	if d.Open.Count != 2 || len(d.Open.ByRisk) != 4 || d.Open.ByRisk[0].Risk != vigil.RiskHigh || d.Open.ByRisk[0].Count != 0 ||
		d.Open.ByRisk[1].Count != 1 || d.Open.ByRisk[2].Count != 1 || d.Open.ByRisk[3].Count != 0 {
		t.Errorf("open = %+v", d.Open)
	}
	behind("open", d.Open.Href, ids(medium, low))
	behind("open medium", d.Open.ByRisk[1].Href, ids(medium))
	behind("open high", d.Open.ByRisk[0].Href, none)

	if len(d.Ratification) != 4 || d.Ratification[0].Risk != vigil.RiskHigh {
		t.Fatalf("ratification = %+v", d.Ratification)
	}
	high := d.Ratification[0]
	if high.Count != 2 || high.WithinTarget != 2 || share(high.Share) != 1.0 || ms(high.MedianMS) != int64(0) || high.TargetMS != 1800000 {
		t.Errorf("ratification of high risk = %+v", high)
	}
	behind("ratified in time", high.Links.Met, both)
	behind("ratified late", high.Links.Missed, none)
	if m := d.Ratification[1]; m.Risk != vigil.RiskMedium || m.Count != 0 || m.Share != nil || m.MedianMS != nil {
		t.Errorf("ratification of medium risk, none ratified = %+v", m)
	}

	// Very low risk expects no deployment: it has no figure.
	if len(d.Deployment) != 3 || d.Deployment[0].Risk != vigil.RiskHigh || d.Targets.DeployMS[vigil.RiskVeryLow] != 0 {
		t.Fatalf("deployment = %+v", d.Deployment)
	}
	dep := d.Deployment[0]
	if dep.Count != 2 || dep.WithinTarget != 1 || share(dep.Share) != 0.5 || ms(dep.MedianMS) != int64(30*60*1000) ||
		ms(dep.P90MS) != int64(3*3600*1000) || dep.TargetMS != 3600000 {
		t.Errorf("deployment of high risk = %+v", dep)
	}
	behind("deployed in time", dep.Links.Met, ids(onTime))
	behind("deployed late", dep.Links.Missed, ids(late))

	tm := d.TimeMissing
	if tm.Count != 2 || ms(tm.MedianMS) != int64(5*3600*1000) || ms(tm.P90MS) != int64(6*3600*1000) {
		t.Errorf("time missing = %+v", tm)
	}
	behind("time missing", tm.Links.All, both)

	// The late return has had no prevention interview: it counts as
	// missed, and its 90th percentile is not yet known.
	pv := d.Prevention
	if pv.Count != 2 || pv.WithinTarget != 1 || share(pv.Share) != 0.5 || ms(pv.MedianMS) != int64(3600*1000) || pv.P90MS != nil ||
		pv.TargetMS != 72*3600*1000 || pv.Risk != "" {
		t.Errorf("prevention = %+v", pv)
	}
	behind("prevention in time", pv.Links.Met, ids(onTime))
	behind("prevention late or not held", pv.Links.Missed, ids(late))

	for name, cf := range map[string]countFig{"offered": d.RHIOffered, "completed": d.RHICompleted} {
		if cf.Of != 2 || cf.Met != 1 || share(cf.Share) != 0.5 {
			t.Errorf("return interviews %s = %+v", name, cf)
		}
		behind("return interview "+name, cf.Links.Met, ids(onTime))
		behind("return interview not "+name, cf.Links.Missed, ids(late))
	}

	if d.Repeat.Of != 0 || d.Repeat.Share != nil || d.Repeat.Links.All != "/api/v1/repeat-children?lpa_id=1" ||
		d.Repeat.Links.Missed != "/api/v1/repeat-children?lpa_id=1&no_plan=true" {
		t.Errorf("repeat children = %+v", d.Repeat)
	}
	for _, href := range []string{d.Repeat.Links.All, d.Repeat.Links.Missed} {
		if resp, body := f.do(c, "GET", href, nil); resp.StatusCode != 200 || !strings.Contains(string(body), `"items":[]`) {
			t.Errorf("%s: %s %s", href, resp.Status, body)
		}
	}

	if len(d.Trend) != 1 || d.Trend[0].Month != "2026-03" || d.Trend[0].Reported.Count != 4 || d.Trend[0].DeployedWithin.Of != 2 ||
		d.Trend[0].DeployedWithin.Met != 1 {
		t.Fatalf("trend = %+v", d.Trend)
	}
	behind("reported in March", d.Trend[0].Reported.Href, ids(onTime, late, medium, low))
	behind("deployed late in March", d.Trend[0].DeployedWithin.Links.Missed, ids(late))

	// The whole force: the Marlcombe child too.
	resp, body = f.do(c, "GET", "/api/v1/missing-dashboard?from=2026-03&to=2026-03", nil)
	d.LPAID = 0 // left out for the force
	if err := json.Unmarshal(body, &d); err != nil || resp.StatusCode != 200 || d.Reported.Count != 5 || d.LPAID != 0 {
		t.Fatalf("force dashboard: %s %+v", resp.Status, d.Reported)
	}
	if got := episodeIDs(t, f, c, d.Reported.Href); len(got) != 5 {
		t.Errorf("the force's reported episodes: %v", got)
	}

	// By default, the twelve calendar months ending with this one.
	resp, body = f.do(c, "GET", "/api/v1/missing-dashboard", nil)
	if err := json.Unmarshal(body, &d); err != nil || resp.StatusCode != 200 {
		t.Fatalf("default dashboard: %s %s", resp.Status, body)
	}
	from, to := d.From.In(londonTZ), d.To.In(londonTZ)
	now = f.db.Clock().Now()
	if from.Day() != 1 || from.Hour() != 0 || to.Day() != 1 || to.Hour() != 0 || !to.After(now) || to.Sub(now) > 32*24*time.Hour ||
		!from.AddDate(0, 12, 0).Equal(to) {
		t.Errorf("default period [%s, %s)", from, to)
	}
}

var londonTZ = func() *time.Location {
	l, err := time.LoadLocation("Europe/London")
	if err != nil {
		panic(err)
	}
	return l
}()

// TestMissingAPIRepeatChildrenAndPlans: a child missing three times in the
// window is repeat-missing with no plan until a plan is recorded; plans are
// reviewed and ended with their version.
func TestMissingAPIRepeatChildrenAndPlans(t *testing.T) {
	f := newBlankMissingFixture(t)
	now := vigiltest.Epoch
	sys := vigiltest.AsSystem(t, f.db)
	svc := sqlstore.NewMissingService(f.db)
	kids := childrenOf(t, f, 1, 2)
	child, other := kids[0].ID, kids[1].ID
	for _, daysAgo := range []int{40, 20, 2} {
		at := now.AddDate(0, 0, -daysAgo)
		e, err := svc.Report(sys, vigil.NewReport{ChildID: child, ReportedAt: at, LastSeenAt: at.Add(-time.Hour), ReporterName: "Carer",
			Circumstances: "Did not come home", LPAID: 1, Grading: vigil.Grading{Level: vigil.RiskMedium, Rationale: "Test"}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Found(sys, e.ID, vigil.FoundDetails{At: at.Add(time.Hour), Place: "Home"}, e.Version); err != nil {
			t.Fatal(err)
		}
	}
	mash := f.client("mash.officer")
	repeat := func(query string) []vigil.RepeatChild {
		t.Helper()
		resp, body := f.do(mash, "GET", "/api/v1/repeat-children"+query, nil)
		var page vigil.Page[vigil.RepeatChild]
		if err := json.Unmarshal(body, &page); err != nil || resp.StatusCode != 200 {
			t.Fatalf("repeat children%s: %s %s", query, resp.Status, body)
		}
		return page.Items
	}
	if r := repeat("?no_plan=true&lpa_id=1"); len(r) != 1 || r[0].ChildID != child || r[0].Episodes != 3 || r[0].PlanID != 0 {
		t.Fatalf("repeat children with no plan = %+v", r)
	}

	plans := "/api/v1/children/" + itoa(child) + "/plans"
	bad := map[string]any{"strategy_meeting_at": "next Tuesday", "review_at": "2026-03-01", "agencies": []int64{1},
		"summary": "Joint plan", "actions": []map[string]any{{"action": "Return home interviews", "owner": "Children's services", "due_at": "soon"}}}
	resp, body := f.do(mash, "POST", plans, bad)
	p := problem(t, resp, body)
	var fields []string
	for _, e := range p.Errors {
		fields = append(fields, e.Field)
	}
	if resp.StatusCode != 422 || !slices.Equal(fields, []string{"strategy_meeting_at", "actions.0.due_at"}) || p.Errors[1].Pointer != "/actions/0/due_at" {
		t.Fatalf("bad plan: %s %+v", resp.Status, p.Errors)
	}
	good := map[string]any{"strategy_meeting_at": "2026-03-01", "review_at": "2026-04-01", "agencies": []int64{1, 3},
		"summary": "Joint plan after the third episode", "actions": []map[string]any{{"action": "Return home interviews", "owner": "Children's services",
			"due_at": "2026-03-05"}}}
	resp, body = f.do(mash, "POST", plans, good)
	if resp.StatusCode != 201 {
		t.Fatalf("new plan: %s %s", resp.Status, body)
	}
	var plan vigil.Plan
	json.Unmarshal(body, &plan)
	london, _ := time.LoadLocation("Europe/London")
	if resp.Header.Get("Location") != plans+"/"+itoa(plan.ID) || resp.Header.Get("ETag") != `"1"` || plan.ChildID != child ||
		!plan.StrategyMeetingAt.Equal(time.Date(2026, 3, 1, 0, 0, 0, 0, london)) || len(plan.Actions) != 1 || plan.Actions[0].DueAt == nil {
		t.Fatalf("new plan at %q: %+v", resp.Header.Get("Location"), plan)
	}
	resp, body = f.do(mash, "POST", plans, good)
	if p := problem(t, resp, body); resp.StatusCode != 409 {
		t.Errorf("a second active plan: %s %+v", resp.Status, p)
	}
	if r := repeat("?no_plan=true"); len(r) != 0 {
		t.Errorf("a child with a plan is listed as having none: %+v", r)
	}
	if r := repeat(""); len(r) != 1 || r[0].PlanID != plan.ID || r[0].PlanOverdue {
		t.Errorf("repeat children = %+v", r)
	}

	// Reviewed with If-Match, then ended; a stale version and another
	// child's plan are refused.
	path := plans + "/" + itoa(plan.ID)
	good["review_at"] = "2026-05-01"
	resp, body = f.do(mash, "PUT", path, good, "If-Match", `"1"`)
	if resp.StatusCode != 200 || resp.Header.Get("ETag") != `"2"` || !strings.Contains(string(body), `"review_at":"2026-04-30T23:00:00Z"`) {
		t.Fatalf("plan review: %s %s", resp.Status, body)
	}
	resp, body = f.do(mash, "PUT", path, good, "If-Match", `"1"`)
	if p := problem(t, resp, body); resp.StatusCode != 409 || p.Code != vigil.ECONFLICT {
		t.Errorf("stale plan review: %s %+v", resp.Status, p)
	}
	for _, wrong := range []string{"/api/v1/children/" + itoa(other) + "/plans/" + itoa(plan.ID), plans + "/999999"} {
		resp, body = f.do(mash, "PUT", wrong, good, "If-Match", `"2"`)
		if p := problem(t, resp, body); resp.StatusCode != 404 {
			t.Errorf("PUT %s: %s %+v", wrong, resp.Status, p)
		}
		resp, body = f.do(mash, "GET", wrong, nil)
		if p := problem(t, resp, body); resp.StatusCode != 404 {
			t.Errorf("GET %s: %s %+v", wrong, resp.Status, p)
		}
	}
	good["ended_at"] = rfc(now)
	good["version"] = 2
	resp, body = f.do(mash, "PUT", path, good)
	if resp.StatusCode != 200 || !strings.Contains(string(body), `"ended_at":"`+rfc(now)+`"`) {
		t.Fatalf("ending the plan: %s %s", resp.Status, body)
	}
	resp, body = f.do(mash, "GET", plans, nil)
	var list struct{ Items []vigil.Plan }
	if err := json.Unmarshal(body, &list); err != nil || resp.StatusCode != 200 || len(list.Items) != 1 || list.Items[0].EndedAt == nil {
		t.Errorf("plans: %s %s", resp.Status, body)
	}
	if r := repeat("?no_plan=true"); len(r) != 1 {
		t.Errorf("after the plan ended, repeat children with no plan = %+v", r)
	}
}

// TestMissingAPIGradeTypeError: a wrongly typed field is named as the
// client sent it.
func TestMissingAPIGradeTypeError(t *testing.T) {
	f := newBlankMissingFixture(t)
	child := childrenOf(t, f, 1, 1)[0].ID
	manager := f.client("control.manager")
	resp, body := f.do(manager, "POST", "/api/v1/missing-episodes", reportBody(child, vigiltest.Epoch, vigiltest.Epoch.Add(-time.Hour), "medium"))
	e := episodeOf(t, "report", resp, body, 201)
	resp, body = f.do(manager, "POST", "/api/v1/missing-episodes/"+itoa(e.ID)+"/gradings", map[string]any{"level": 3, "version": e.Version})
	p := problem(t, resp, body)
	if resp.StatusCode != 422 && resp.StatusCode != 400 || len(p.Errors) != 1 || p.Errors[0].Field != "level" || strings.Contains(p.Errors[0].Detail, "apiGrading") {
		t.Fatalf("grading with a number for the level: %s %+v", resp.Status, p)
	}
}
