package web_test

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/vigilcp/vigil/internal/sqlstore"
	"github.com/vigilcp/vigil/internal/vigil"
	"github.com/vigilcp/vigil/internal/vigiltest"
	"github.com/vigilcp/vigil/internal/web"
)

// newFixtureOn serves a fresh copy of the small demo force, without its
// missing episodes, on the engine given (newFixture's is SQLite).
func newFixtureOn(t *testing.T, engine sqlstore.Engine) *fixture {
	t.Helper()
	db, org := vigiltest.DemoDB(t, engine, vigiltest.SmallDemo(false))
	svc := web.Services{Org: sqlstore.NewOrgService(db), Users: sqlstore.NewUserService(db),
		Sessions: sqlstore.NewSessionService(db), Children: sqlstore.NewChildService(db),
		AccessLog: sqlstore.NewAccessLogService(db), BreakGlass: sqlstore.NewBreakGlassService(db),
		Language: sqlstore.NewLanguageService(db), Missing: sqlstore.NewMissingService(db), Profiles: sqlstore.NewProfileService(db), Health: db}
	logs := &syncBuffer{}
	srv, err := web.New(web.Config{Version: "test"}, svc, slog.New(slog.NewJSONHandler(logs, nil)), prometheus.NewRegistry())
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	return &fixture{t: t, db: db, org: org, srv: srv, ts: ts, logs: logs, secrets: map[string]string{}}
}

// answer is what a client is told, without what differs from one request
// to the next (the request's id and path): the status, and the problem's
// code, detail and fields, or a page's heading and error summary.
func answer(t *testing.T, resp *http.Response, body []byte) string {
	t.Helper()
	s := fmt.Sprint(resp.StatusCode)
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "application/problem+json") {
		p := problem(t, resp, body)
		s += " " + p.Code + ": " + p.Detail
		for _, e := range p.Errors {
			s += "; " + e.Pointer + " " + e.Field + ": " + e.Detail
		}
		return s
	}
	for _, h := range elements(body, "h1", nil) {
		s += " " + h.text
	}
	for _, a := range elements(body, "a", map[string]string{"href": ""}) {
		if strings.HasPrefix(a.attrs["href"], "#") && a.attrs["href"] != "#main-content" {
			s += "; " + a.attrs["href"] + " " + a.text
		}
	}
	return s
}

var regexpWildcard = regexp.MustCompile(`\{[^}]*\}`)

// badTextCase is one way of sending faulty text to a route.
type badTextCase struct {
	name        string
	path        string // with the query
	body        string
	contentType string
	field       string // the field the refusal must name, or "" when a handler may refuse first
}

// routeParts splits a route into its method (GET for a route of any) and
// path pattern.
func routeParts(route string) (method, pattern string) {
	if m, p, ok := strings.Cut(route, " "); ok {
		return m, p
	}
	return "GET", route
}

// bodyless are the API routes that take a POST with no body (and read
// none).
var bodyless = map[string]bool{"POST /api/v1/shares/{id}/revoke": true}

// badTextCases are the ways of sending a NUL or bytes that are not UTF-8
// to a route: in the query, in each path segment, and, for a route that
// takes a body, in a form and in JSON.
func badTextCases(route string) []badTextCase {
	method, pattern := routeParts(route)
	fill := func(except string, with string) string {
		p := strings.TrimSuffix(pattern, "{$}")
		for _, w := range regexpWildcard.FindAllString(p, -1) {
			v := "1"
			if w == except {
				v = with
			}
			p = strings.Replace(p, w, v, 1)
		}
		return p
	}
	path := fill("", "")
	out := []badTextCase{
		{name: "NUL in the query", path: path + "?probe=a%00b", field: "probe"},
		{name: "not UTF-8 in the query", path: path + "?q=%ff%fe", field: "q"},
	}
	for _, w := range regexpWildcard.FindAllString(pattern, -1) {
		if w == "{$}" {
			continue // the end of the path, not a segment
		}
		name := strings.TrimSuffix(strings.Trim(w, "{}"), "...")
		out = append(out, badTextCase{name: "NUL in " + w, path: fill(w, "a%00b"), field: name},
			badTextCase{name: "not UTF-8 in " + w, path: fill(w, "%C3%28"), field: name})
	}
	if method == "POST" || method == "PUT" {
		out = append(out, badTextCase{name: "NUL in a form", path: path, body: "probe=a%00b&other=fine",
			contentType: "application/x-www-form-urlencoded", field: "probe"},
			badTextCase{name: "not UTF-8 in a form", path: path, body: "probe=%80", contentType: "application/x-www-form-urlencoded", field: "probe"})
		if strings.HasPrefix(pattern, "/api/") && !bodyless[route] {
			out = append(out, badTextCase{name: "NUL in JSON", path: path, body: `{"probe":"a\u0000b"}`, contentType: "application/json"},
				badTextCase{name: "not UTF-8 in JSON", path: path, body: "{\"probe\":\"a\xffb\"}", contentType: "application/json"})
		}
	}
	for i := range out {
		out[i].name = route + ": " + out[i].name
	}
	return out
}

// TestBadTextRefusedAlikeOnBothEngines sends a NUL and bytes that are not
// UTF-8 to every route, in every place a route reads text from: the query,
// each path segment, a form body and, for the API, a JSON body. Each is
// refused with 422 naming the field (or, for a JSON body the route reads
// only after another check, refused by that check), never 500, and the
// engines answer every case in the same words.
func TestBadTextRefusedAlikeOnBothEngines(t *testing.T) {
	answers := map[sqlstore.Engine]map[string]string{}
	for _, e := range vigiltest.Engines() {
		t.Run(string(e), func(t *testing.T) {
			f := newFixtureOn(t, e)
			c := f.client("admin")
			got := map[string]string{}
			refusedJSON := 0
			for _, route := range f.srv.Routes() {
				for _, tc := range badTextCases(route) {
					method, _ := routeParts(route)
					var body any
					header := []string{}
					if tc.body != "" {
						body, header = tc.body, []string{"Content-Type", tc.contentType}
					}
					resp, data := f.do(c, method, tc.path, body, header...)
					got[tc.name] = answer(t, resp, data)
					switch {
					case resp.StatusCode >= 500:
						t.Errorf("%s: %s", tc.name, got[tc.name])
					case tc.field != "" && (resp.StatusCode != 422 || !strings.Contains(got[tc.name], " "+tc.field+" holds ")):
						t.Errorf("%s: %s, want 422 naming %s", tc.name, got[tc.name], tc.field)
					case tc.field == "" && resp.StatusCode < 400:
						t.Errorf("%s: accepted: %s", tc.name, got[tc.name])
					case tc.field == "" && resp.StatusCode == 422 && strings.Contains(got[tc.name], "/probe probe: probe holds "):
						refusedJSON++
					}
				}
			}
			if refusedJSON < 20 {
				t.Errorf("only %d JSON bodies were refused naming /probe", refusedJSON)
			}
			answers[e] = got
		})
	}
	if len(answers) < 2 {
		return
	}
	var cases []string
	for name := range answers[sqlstore.SQLite] {
		cases = append(cases, name)
	}
	slices.Sort(cases)
	differ := 0
	for _, name := range cases {
		if l, p := answers[sqlstore.SQLite][name], answers[sqlstore.Postgres][name]; l != p {
			if differ++; differ <= 10 {
				t.Errorf("%s: SQLite %q, PostgreSQL %q", name, l, p)
			}
		}
	}
	if differ > 0 {
		t.Errorf("the engines answer %d of %d cases differently", differ, len(cases))
	}
}

// TestBadTextInJSONNamedByPointer: a missing report or a plan with a NUL,
// bytes that are not UTF-8 or a lone surrogate in its free text is refused
// with 422 naming each field by its JSON pointer (nested ones too), and
// nothing is written, on both engines alike; a U+FFFD sent as itself, or a
// surrogate pair, is text like any other.
func TestBadTextInJSONNamedByPointer(t *testing.T) {
	answers := map[sqlstore.Engine][]string{}
	for _, e := range vigiltest.Engines() {
		t.Run(string(e), func(t *testing.T) {
			f := newFixtureOn(t, e)
			handler, coord := f.client("call.handler"), f.client("missing.ashvale")
			child := childrenOf(t, f, 1, 1)[0].ID
			now := vigiltest.Epoch
			list := "/api/v1/missing-episodes?child_id=" + itoa(child)
			report := func(change func(b map[string]any)) string {
				b := reportBody(child, now.Add(-time.Hour), now.Add(-2*time.Hour), "medium")
				change(b)
				j, _ := json.Marshal(b)
				return string(j)
			}
			var got []string
			cases := []struct {
				name, body string
				pointers   []string
			}{
				{"NUL in circumstances", strings.Replace(report(func(b map[string]any) { b["circumstances"] = "Left at 4pm NUL" }),
					"NUL", `\u0000`, 1), []string{"/circumstances"}},
				{"bad bytes and a lone surrogate", strings.Replace(strings.Replace(report(func(b map[string]any) {
					b["description_clothing"] = "Grey BAD hoodie"
					b["grading"].(map[string]any)["rationale"] = "Known SURROGATE links"
				}), "BAD", "\xc3\x28", 1), "SURROGATE", `\ud83d`, 1), []string{"/description_clothing", "/grading/rationale"}},
				{"NUL in a risk factor", strings.Replace(report(func(b map[string]any) {
					b["grading"].(map[string]any)["factors"] = []string{"looked_after", "NUL"}
				}), "NUL", `\u0000`, 1), []string{"/grading/factors/1"}},
			}
			for _, tc := range cases {
				resp, body := f.do(handler, "POST", "/api/v1/missing-episodes", tc.body)
				p := problem(t, resp, body)
				var pointers []string
				for _, fe := range p.Errors {
					pointers = append(pointers, fe.Pointer)
				}
				if resp.StatusCode != 422 || p.Code != vigil.EINVALID || !slices.Equal(pointers, tc.pointers) {
					t.Errorf("%s: %s %+v, want 422 at %v", tc.name, resp.Status, p, tc.pointers)
				}
				got = append(got, tc.name+" → "+answer(t, resp, body))
			}
			if ids := episodeIDs(t, f, handler, list); len(ids) != 0 {
				t.Fatalf("refused reports made episodes %v", ids)
			}
			// A plan's action, in a list.
			plan := `{"strategy_meeting_at":"2026-03-01","review_at":"2026-04-01","agencies":[1],"summary":"Joint plan",` +
				`"actions":[{"action":"Return home interview","owner":"Children's services"},{"action":"Visit\u0000","owner":"School"}]}`
			resp, body := f.do(coord, "POST", "/api/v1/children/"+itoa(child)+"/plans", plan)
			if p := problem(t, resp, body); resp.StatusCode != 422 || len(p.Errors) != 1 || p.Errors[0].Pointer != "/actions/1/action" {
				t.Errorf("NUL in a plan's action: %s %+v", resp.Status, p)
			}
			got = append(got, "plan → "+answer(t, resp, body))
			// A replacement character sent as itself, escaped or not, and a
			// surrogate pair, are stored as sent.
			ok := strings.Replace(report(func(b map[string]any) { b["circumstances"] = "Said \ufffd twice: PAIR" }), "PAIR", `\ud83d\ude00 \uFFFD`, 1)
			resp, body = f.do(handler, "POST", "/api/v1/missing-episodes", ok)
			ep := episodeOf(t, "report with U+FFFD and a pair", resp, body, 201)
			if want := "Said \ufffd twice: \U0001F600 \ufffd"; ep.Circumstances != want {
				t.Errorf("circumstances stored as %q, want %q", ep.Circumstances, want)
			}
			answers[e] = got
		})
	}
	if len(answers) == 2 && !slices.Equal(answers[sqlstore.SQLite], answers[sqlstore.Postgres]) {
		t.Errorf("the engines answer differently:\nSQLite %q\nPostgreSQL %q", answers[sqlstore.SQLite], answers[sqlstore.Postgres])
	}
}

// TestBadTextInFormPage: the report form sent with a NUL in the
// circumstances comes back as a page (422) whose error summary names the
// field, and nothing is written.
func TestBadTextInFormPage(t *testing.T) {
	for _, e := range vigiltest.Engines() {
		t.Run(string(e), func(t *testing.T) {
			f := newFixtureOn(t, e)
			handler := f.client("call.handler")
			child := childrenOf(t, f, 1, 1)[0].ID
			form := "reported_at-day=2&reported_at-month=3&reported_at-year=2026&reported_at-time=09:00" +
				"&last_seen_at-day=2&last_seen_at-month=3&last_seen_at-year=2026&last_seen_at-time=08:00" +
				"&reporter_name=Dawn+Carter&lpa_id=1&circumstances=Left+at+4pm%00&risk=medium&rationale=Known+links+to+older+males"
			resp, body := f.do(handler, "POST", "/children/"+itoa(child)+"/report-missing", form,
				"Content-Type", "application/x-www-form-urlencoded")
			if resp.StatusCode != 422 {
				t.Fatalf("report form with a NUL: %s", resp.Status)
			}
			links := elements(body, "a", map[string]string{"href": "#circumstances"})
			rows := elements(body, "div", map[string]string{"id": "circumstances", "class": "govuk-summary-list__row"})
			if len(elements(body, "div", map[string]string{"class": "govuk-error-summary"})) != 1 || len(links) != 1 ||
				!strings.Contains(links[0].text, "circumstances holds a NUL character") || len(rows) != 1 {
				t.Errorf("the page does not name the field: %s", body)
			}
			if ids := episodeIDs(t, f, handler, "/api/v1/missing-episodes?child_id="+itoa(child)); len(ids) != 0 {
				t.Fatalf("a refused form made episodes %v", ids)
			}
		})
	}
}

// TestRaceLoserProblemAlike: two reports of one child sent to the API at
// the same moment give one episode and one 409 whose problem names
// child_id, the same on both engines, and the same as a report sent after.
func TestRaceLoserProblemAlike(t *testing.T) {
	told := map[sqlstore.Engine][]string{}
	for _, e := range vigiltest.Engines() {
		t.Run(string(e), func(t *testing.T) {
			f := newFixtureOn(t, e)
			c := f.client("call.handler") // one session, two requests at once
			child := childrenOf(t, f, 1, 1)[0].ID
			now := vigiltest.Epoch
			var got []string
			for try := range 10 {
				reported := now.Add(-time.Duration(100-try*3) * time.Hour)
				type result struct {
					resp *http.Response
					body []byte
				}
				var results [2]result
				var wg sync.WaitGroup
				start := make(chan struct{})
				for i := range results {
					wg.Add(1)
					go func() {
						defer wg.Done()
						<-start
						results[i].resp, results[i].body = f.do(c, "POST", "/api/v1/missing-episodes", reportBody(child, reported, reported.Add(-time.Hour), "medium"))
					}()
				}
				close(start)
				wg.Wait()
				won := 0
				for _, r := range results {
					if r.resp.StatusCode == 201 {
						won++
						var ep vigil.Episode
						_ = json.Unmarshal(r.body, &ep)
						found := fmt.Sprintf(`{"found_at":%q,"found_place":"Home","version":%d}`, rfc(reported.Add(time.Hour)), ep.Version)
						if resp, body := f.do(c, "POST", "/api/v1/missing-episodes/"+itoa(ep.ID)+"/found", found); resp.StatusCode != 200 {
							t.Fatalf("found: %s %s", resp.Status, body)
						}
						continue
					}
					got = append(got, answer(t, r.resp, r.body))
				}
				if won != 1 {
					t.Fatalf("try %d: %d reports made", try, won)
				}
			}
			slices.Sort(got)
			got = slices.Compact(got)
			if len(got) != 1 || !strings.HasPrefix(got[0], "409 conflict: ") || !strings.Contains(got[0], "/child_id child_id: ") {
				t.Errorf("the losers were told %q, want one 409 naming child_id", got)
			}
			told[e] = got
		})
	}
	if len(told) == 2 && !slices.Equal(told[sqlstore.SQLite], told[sqlstore.Postgres]) {
		t.Errorf("the engines answer differently: SQLite %q, PostgreSQL %q", told[sqlstore.SQLite], told[sqlstore.Postgres])
	}
}
