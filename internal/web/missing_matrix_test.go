package web_test

import (
	"fmt"
	"net/url"
	"strconv"
	"time"

	"github.com/vigilcp/vigil/internal/sqlstore"
	"github.com/vigilcp/vigil/internal/vigil"
	"github.com/vigilcp/vigil/internal/vigiltest"
)

// The missing-children pages in the permission matrix. Each request about
// an episode first puts one of the child's episodes in the state the step
// needs (as the system), so that an allowed role's request succeeds.

func init() {
	for k, v := range missingPageMatrix {
		matrix[k] = v
	}
}

var (
	episodeReaders = append(append([]vigil.Role{}, police...), vigil.RolePartner)
	graders        = reporters
	updaters       = episodeWork
	figureReader   = figureReaders
)

// at writes a time as the date-time fields of a form.
func at(v url.Values, name string, t time.Time) {
	l := t.In(vigil.London())
	v.Set(name+"-day", strconv.Itoa(l.Day()))
	v.Set(name+"-month", strconv.Itoa(int(l.Month())))
	v.Set(name+"-year", strconv.Itoa(l.Year()))
	v.Set(name+"-time", l.Format("15:04"))
}

// step builds a request to an episode step's page or form.
func step(method, path, state string, body func(f *fixture, e *vigil.Episode, v url.Values)) func(*fixture, *who, int64) call {
	return func(f *fixture, _ *who, child int64) call {
		e := matrixEpisode(f, child, state)
		c := call{method: method, path: fmt.Sprintf("/missing/episodes/%d/%s", e.ID, path)}
		if path == "" {
			c.path = fmt.Sprintf("/missing/episodes/%d", e.ID)
		}
		if method == "POST" {
			v := url.Values{"version": {strconv.FormatInt(e.Version, 10)}}
			body(f, e, v)
			c.body, c.contentType = v.Encode(), "application/x-www-form-urlencoded"
		}
		return c
	}
}

func reportForm(f *fixture, _ *who, child int64) call {
	// The child must not be missing already.
	matrixEpisode(f, child, stateNone)
	seen := vigiltest.Epoch
	v := url.Values{"reporter_name": {"Matrix Reporter"}, "last_seen_place": {"School"}, "circumstances": {"Left school at lunchtime"},
		"risk": {"low"}, "rationale": {"No known risks"}, "lpa_id": {"2"}}
	if c, err := sqlstore.NewChildService(f.db).Child(vigiltest.AsSystem(f.t, f.db), child); err == nil && c.LPAID != 0 {
		v.Set("lpa_id", strconv.FormatInt(c.LPAID, 10))
	}
	at(v, "last_seen_at", seen)
	at(v, "reported_at", seen)
	return call{"POST", fmt.Sprintf("/children/%d/report-missing", child), v.Encode(), "application/x-www-form-urlencoded"}
}

func planForm(f *fixture, _ *who, child int64) call {
	v := url.Values{"agencies": {"1"}, "summary": {"Weekly review by the missing-persons team"}, "action-0": {"Share the profile"},
		"owner-0": {"Carer"}}
	meeting := vigiltest.Epoch.Add(-48 * time.Hour).In(vigil.London())
	review := meeting.AddDate(0, 0, 28)
	for name, t := range map[string]time.Time{"strategy_meeting_at": meeting, "review_at": review} {
		v.Set(name+"-day", strconv.Itoa(t.Day()))
		v.Set(name+"-month", strconv.Itoa(int(t.Month())))
		v.Set(name+"-year", strconv.Itoa(t.Year()))
	}
	plans, err := sqlstore.NewMissingService(f.db).Plans(vigiltest.AsSystem(f.t, f.db), child)
	if err != nil {
		f.t.Fatal(err)
	}
	for _, p := range plans {
		if p.EndedAt == nil {
			v.Set("version", strconv.FormatInt(p.Version, 10))
		}
	}
	return call{"POST", fmt.Sprintf("/children/%d/missing/plan", child), v.Encode(), "application/x-www-form-urlencoded"}
}

func targetsForm(*fixture, *who, int64) call {
	v := url.Values{"prevention": {"72"}, "repeat_episodes": {"3"}, "repeat_window_days": {"90"}}
	for _, l := range []string{"high", "medium", "low", "very_low"} {
		v.Set("ratify_"+l, "60")
		v.Set("review_"+l, "120")
		v.Set("deploy_"+l, "60")
	}
	v.Set("deploy_very_low", "0")
	return call{"POST", "/missing/targets", v.Encode(), "application/x-www-form-urlencoded"}
}

var missingPageMatrix = map[string]row{
	"GET /missing":        {req: get("/missing"), allowed: episodeReaders, ok: 200, anon: 303},
	"GET /missing/repeat": {req: get("/missing/repeat"), allowed: episodeReaders, ok: 200, anon: 303},
	// The list behind a figure counts an area: partner agencies have none.
	"GET /missing/episodes":  {req: get("/missing/episodes?figure=reported&from=2025-01-01"), allowed: police, ok: 200, anon: 303},
	"GET /missing/dashboard": {req: get("/missing/dashboard"), allowed: figureReader, ok: 200, anon: 303},
	"GET /missing/targets":   {req: get("/missing/targets"), allowed: targetSetter, ok: 200, anon: 303},
	"POST /missing/targets":  {req: targetsForm, allowed: targetSetter, ok: 303, anon: 303},

	"GET /missing/episodes/{id}":        {req: step("GET", "", stateUnratified, nil), allowed: episodeReaders, ok: 200, scoped: true, anon: 303},
	"GET /missing/episodes/{id}/ratify": {req: step("GET", "ratify", stateUnratified, nil), allowed: ratifiers, ok: 200, scoped: true, anon: 303},
	"POST /missing/episodes/{id}/ratify": {req: step("POST", "ratify", stateUnratified, func(_ *fixture, _ *vigil.Episode, v url.Values) { v.Set("agree", "yes") }),
		allowed: ratifiers, ok: 303, scoped: true, anon: 303},
	"GET /missing/episodes/{id}/grade": {req: step("GET", "grade", stateOpen, nil), allowed: graders, ok: 200, scoped: true, anon: 303},
	"POST /missing/episodes/{id}/grade": {req: step("POST", "grade", stateOpen, func(_ *fixture, _ *vigil.Episode, v url.Values) {
		v.Set("risk", "high")
		v.Set("rationale", "Seen with an older man")
	}), allowed: graders, ok: 303, scoped: true, anon: 303},
	"GET /missing/episodes/{id}/deploy": {req: step("GET", "deploy", stateOpen, nil), allowed: deployers, ok: 200, scoped: true, anon: 303},
	"POST /missing/episodes/{id}/deploy": {req: step("POST", "deploy", stateOpen, func(f *fixture, e *vigil.Episode, v url.Values) {
		for _, p := range f.org.People {
			if p.TeamID != 0 {
				v.Set("people", strconv.FormatInt(p.ID, 10))
				break
			}
		}
		at(v, "deployed_at", e.ReportedAt)
	}), allowed: deployers, ok: 303, scoped: true, anon: 303},
	"GET /missing/episodes/{id}/note": {req: step("GET", "note", stateOpen, nil), allowed: updaters, ok: 200, scoped: true, anon: 303},
	"POST /missing/episodes/{id}/note": {req: step("POST", "note", stateOpen, func(_ *fixture, _ *vigil.Episode, v url.Values) {
		v.Set("kind", "enquiry")
		v.Set("text", "Called the school")
	}), allowed: updaters, ok: 303, scoped: true, anon: 303},
	"GET /missing/episodes/{id}/found": {req: step("GET", "found", stateOpen, nil), allowed: updaters, ok: 200, scoped: true, anon: 303},
	"POST /missing/episodes/{id}/found": {req: step("POST", "found", stateOpen, func(_ *fixture, e *vigil.Episode, v url.Values) {
		at(v, "found_at", vigiltest.Epoch)
		v.Set("found_place", "Park")
	}), allowed: updaters, ok: 303, scoped: true, anon: 303},
	"GET /missing/episodes/{id}/nmpu": {req: step("GET", "nmpu", stateOpen, nil), allowed: updaters, ok: 200, scoped: true, anon: 303},
	"POST /missing/episodes/{id}/nmpu": {req: step("POST", "nmpu", stateOpen, func(_ *fixture, e *vigil.Episode, v url.Values) {
		at(v, "nmpu_sent_at", vigiltest.Epoch)
	}), allowed: updaters, ok: 303, scoped: true, anon: 303},
	"GET /missing/episodes/{id}/prevention": {req: step("GET", "prevention", stateFound, nil), allowed: updaters, ok: 200, scoped: true, anon: 303},
	"POST /missing/episodes/{id}/prevention": {req: step("POST", "prevention", stateFound, func(_ *fixture, e *vigil.Episode, v url.Values) {
		at(v, "prevention_at", vigiltest.Epoch)
	}), allowed: updaters, ok: 303, scoped: true, anon: 303},
	"GET /missing/episodes/{id}/return-interview": {req: step("GET", "return-interview", stateFound, nil), allowed: interviewers, ok: 200,
		scoped: true, anon: 303},
	"POST /missing/episodes/{id}/return-interview": {req: step("POST", "return-interview", stateFound, func(_ *fixture, e *vigil.Episode, v url.Values) {
		at(v, "rhi_offered_at", vigiltest.Epoch)
	}), allowed: interviewers, ok: 303, scoped: true, anon: 303},
	"GET /missing/episodes/{id}/close": {req: step("GET", "close", stateClosable, nil), allowed: closers, ok: 200, scoped: true, anon: 303},
	"POST /missing/episodes/{id}/close": {req: step("POST", "close", stateClosable, func(_ *fixture, _ *vigil.Episode, v url.Values) { v.Set("checked", "yes") }),
		allowed: closers, ok: 303, scoped: true, anon: 303},

	"GET /children/{id}/report-missing":  {req: get("/children/{id}/report-missing"), allowed: reporters, ok: 200, scoped: true, anon: 303},
	"POST /children/{id}/report-missing": {req: reportForm, allowed: reporters, ok: 303, scoped: true, anon: 303},
	"GET /children/{id}/missing":         {req: get("/children/{id}/missing"), allowed: episodeReaders, ok: 200, scoped: true, anon: 303},
	"GET /children/{id}/missing/plan":    {req: get("/children/{id}/missing/plan"), allowed: planners, ok: 200, scoped: true, anon: 303},
	"POST /children/{id}/missing/plan":   {req: planForm, allowed: planners, ok: 303, scoped: true, anon: 303},
}

func init() {
	matrix["GET /missing/report"] = row{req: get("/missing/report?search=1&given_name=Lucy&family_name=Smith"), allowed: reporters, ok: 200, anon: 303}
	// A held match's reference is the searcher's own: here one that was
	// never given, so an allowed reporter is sent back to search again.
	matrix["GET /missing/report/match/{ref}"] = row{req: get("/missing/report/match/hm_never_given?held_by=Ashvale"), allowed: reporters,
		ok: 200, anon: 303}
	matrix["POST /missing/report/match/{ref}"] = row{req: func(f *fixture, w *who, child int64) call {
		c := reportForm(f, w, child)
		c.path = "/missing/report/match/hm_never_given"
		return c
	}, allowed: reporters, ok: 303, anon: 303}
	matrix["GET /children/new"] = row{req: get("/children/new?given_name=Lucy"), allowed: childCreators, ok: 200, anon: 303}
	matrix["POST /children/new"] = row{req: func(*fixture, *who, int64) call {
		serial++
		v := url.Values{"given_name": {"Matrix"}, "family_name": {fmt.Sprintf("Child%c%c", 'a'+serial%26, 'a'+serial/26%26)},
			"date_of_birth-day": {"4"}, "date_of_birth-month": {"5"}, "date_of_birth-year": {"2013"}, "sex": {"female"},
			"lpa_id": {"1"}, "confirmed_new": {"yes"}, "matches": {"1"}}
		return call{"POST", "/children/new", v.Encode(), "application/x-www-form-urlencoded"}
	}, allowed: childCreators, ok: 303, anon: 303}
}
