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
	reporters      = []vigil.Role{vigil.RoleCallHandler, vigil.RoleControlRoomManager, vigil.RoleResponseOfficer, vigil.RoleMissingCoordinator}
	graders        = reporters
	ratifiers      = []vigil.Role{vigil.RoleControlRoomManager}
	deployers      = []vigil.Role{vigil.RoleCallHandler, vigil.RoleControlRoomManager}
	updaters       = []vigil.Role{vigil.RoleCallHandler, vigil.RoleControlRoomManager, vigil.RoleResponseOfficer, vigil.RoleMissingCoordinator,
		vigil.RoleMASHPractitioner, vigil.RoleDesignatedOfficer}
	interviewers = []vigil.Role{vigil.RoleMissingCoordinator, vigil.RolePartner}
	closers      = []vigil.Role{vigil.RoleControlRoomManager, vigil.RoleMissingCoordinator}
	planners     = []vigil.Role{vigil.RoleMissingCoordinator, vigil.RoleMASHPractitioner}
	figureReader = []vigil.Role{vigil.RoleControlRoomManager, vigil.RoleMissingCoordinator, vigil.RoleMASHPractitioner,
		vigil.RoleDesignatedOfficer, vigil.RoleAuditor, vigil.RoleSeniorLeader}
	targetSetter = []vigil.Role{vigil.RoleSeniorLeader, vigil.RoleAdministrator}
)

// episodeSerial spaces the test episodes out in time: each new one is
// earlier than the last, so none overlaps another.
var episodeSerial int

// Episode states a step needs.
const (
	stateOpen       = "open"       // missing, latest grading not ratified
	stateFound      = "found"      // found, nothing after
	stateFollowedUp = "followedup" // found, prevention interview and return interview offered
)

// episodeIn returns an episode of child in state.
func episodeIn(f *fixture, child int64, state string) *vigil.Episode {
	svc := sqlstore.NewMissingService(f.db)
	sys := vigiltest.AsSystem(f.t, f.db)
	open, err := svc.Episodes(sys, vigil.EpisodeFilter{ChildID: child, Status: vigil.EpisodeOpen})
	if err != nil {
		f.t.Fatal(err)
	}
	var e *vigil.Episode
	if len(open.Items) > 0 {
		if e, err = svc.Episode(sys, open.Items[0].ID); err != nil {
			f.t.Fatal(err)
		}
	} else {
		c, err := sqlstore.NewChildService(f.db).Child(sys, child)
		if err != nil {
			f.t.Fatal(err)
		}
		lpa := c.LPAID
		if lpa == 0 {
			lpa = 2
		}
		episodeSerial++
		seen := vigiltest.Epoch.Add(-time.Duration(episodeSerial) * 6 * time.Hour)
		e, err = svc.Report(sys, vigil.NewReport{ChildID: child, ReportedAt: seen.Add(30 * time.Minute), ReporterName: "Matrix Reporter",
			LastSeenAt: seen, LastSeenPlace: "Home", Circumstances: "Did not come home", LPAID: lpa,
			Grading: vigil.Grading{Level: vigil.RiskMedium, Rationale: "Matrix test"}})
		if err != nil {
			f.t.Fatal(err)
		}
	}
	if state == stateOpen {
		if g := e.Gradings[len(e.Gradings)-1]; g.RatifiedAt != nil {
			if e, err = svc.Grade(sys, e.ID, vigil.Grading{Level: vigil.RiskMedium, Rationale: "Matrix regrade"}, e.Version); err != nil {
				f.t.Fatal(err)
			}
		}
		return e
	}
	if e, err = svc.Found(sys, e.ID, vigil.FoundDetails{At: e.LastSeenAt.Add(time.Hour), Place: "Town centre"}, e.Version); err != nil {
		f.t.Fatal(err)
	}
	if state == stateFollowedUp {
		if e, err = svc.Prevention(sys, e.ID, e.FoundAt.Add(10*time.Minute), "", e.Version); err != nil {
			f.t.Fatal(err)
		}
		offered := e.FoundAt.Add(20 * time.Minute)
		if e, err = svc.ReturnInterview(sys, e.ID, vigil.RHIDetails{OfferedAt: &offered}, e.Version); err != nil {
			f.t.Fatal(err)
		}
	}
	return e
}

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
		e := episodeIn(f, child, state)
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
	episodeIn(f, child, stateFound)
	episodeSerial++
	seen := vigiltest.Epoch.Add(-time.Duration(episodeSerial) * 6 * time.Hour)
	v := url.Values{"reporter_name": {"Matrix Reporter"}, "last_seen_place": {"School"}, "circumstances": {"Left school at lunchtime"},
		"risk": {"low"}, "rationale": {"No known risks"}, "lpa_id": {"2"}}
	if c, err := sqlstore.NewChildService(f.db).Child(vigiltest.AsSystem(f.t, f.db), child); err == nil && c.LPAID != 0 {
		v.Set("lpa_id", strconv.FormatInt(c.LPAID, 10))
	}
	at(v, "last_seen_at", seen)
	at(v, "reported_at", seen.Add(30*time.Minute))
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
	"GET /missing":           {req: get("/missing"), allowed: episodeReaders, ok: 200, anon: 303},
	"GET /missing/repeat":    {req: get("/missing/repeat"), allowed: episodeReaders, ok: 200, anon: 303},
	"GET /missing/episodes":  {req: get("/missing/episodes?figure=reported&from=2025-01-01"), allowed: episodeReaders, ok: 200, anon: 303},
	"GET /missing/dashboard": {req: get("/missing/dashboard"), allowed: figureReader, ok: 200, anon: 303},
	"GET /missing/targets":   {req: get("/missing/targets"), allowed: targetSetter, ok: 200, anon: 303},
	"POST /missing/targets":  {req: targetsForm, allowed: targetSetter, ok: 303, anon: 303},

	"GET /missing/episodes/{id}":        {req: step("GET", "", stateOpen, nil), allowed: episodeReaders, ok: 200, scoped: true, anon: 303},
	"GET /missing/episodes/{id}/ratify": {req: step("GET", "ratify", stateOpen, nil), allowed: ratifiers, ok: 200, scoped: true, anon: 303},
	"POST /missing/episodes/{id}/ratify": {req: step("POST", "ratify", stateOpen, func(_ *fixture, _ *vigil.Episode, v url.Values) { v.Set("agree", "yes") }),
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
		at(v, "deployed_at", e.ReportedAt.Add(10*time.Minute))
	}), allowed: deployers, ok: 303, scoped: true, anon: 303},
	"GET /missing/episodes/{id}/note": {req: step("GET", "note", stateOpen, nil), allowed: updaters, ok: 200, scoped: true, anon: 303},
	"POST /missing/episodes/{id}/note": {req: step("POST", "note", stateOpen, func(_ *fixture, _ *vigil.Episode, v url.Values) {
		v.Set("kind", "enquiry")
		v.Set("text", "Called the school")
	}), allowed: updaters, ok: 303, scoped: true, anon: 303},
	"GET /missing/episodes/{id}/found": {req: step("GET", "found", stateOpen, nil), allowed: updaters, ok: 200, scoped: true, anon: 303},
	"POST /missing/episodes/{id}/found": {req: step("POST", "found", stateOpen, func(_ *fixture, e *vigil.Episode, v url.Values) {
		at(v, "found_at", e.LastSeenAt.Add(2*time.Hour))
		v.Set("found_place", "Park")
	}), allowed: updaters, ok: 303, scoped: true, anon: 303},
	"GET /missing/episodes/{id}/nmpu": {req: step("GET", "nmpu", stateOpen, nil), allowed: updaters, ok: 200, scoped: true, anon: 303},
	"POST /missing/episodes/{id}/nmpu": {req: step("POST", "nmpu", stateOpen, func(_ *fixture, e *vigil.Episode, v url.Values) {
		at(v, "nmpu_sent_at", e.ReportedAt.Add(time.Hour))
	}), allowed: updaters, ok: 303, scoped: true, anon: 303},
	"GET /missing/episodes/{id}/prevention": {req: step("GET", "prevention", stateFound, nil), allowed: updaters, ok: 200, scoped: true, anon: 303},
	"POST /missing/episodes/{id}/prevention": {req: step("POST", "prevention", stateFound, func(_ *fixture, e *vigil.Episode, v url.Values) {
		at(v, "prevention_at", e.FoundAt.Add(time.Minute))
	}), allowed: updaters, ok: 303, scoped: true, anon: 303},
	"GET /missing/episodes/{id}/return-interview": {req: step("GET", "return-interview", stateFound, nil), allowed: interviewers, ok: 200,
		scoped: true, anon: 303},
	"POST /missing/episodes/{id}/return-interview": {req: step("POST", "return-interview", stateFound, func(_ *fixture, e *vigil.Episode, v url.Values) {
		at(v, "rhi_offered_at", e.FoundAt.Add(time.Minute))
	}), allowed: interviewers, ok: 303, scoped: true, anon: 303},
	"GET /missing/episodes/{id}/close": {req: step("GET", "close", stateFollowedUp, nil), allowed: closers, ok: 200, scoped: true, anon: 303},
	"POST /missing/episodes/{id}/close": {req: step("POST", "close", stateFollowedUp, func(_ *fixture, _ *vigil.Episode, v url.Values) { v.Set("checked", "yes") }),
		allowed: closers, ok: 303, scoped: true, anon: 303},

	"GET /children/{id}/report-missing":  {req: get("/children/{id}/report-missing"), allowed: reporters, ok: 200, scoped: true, anon: 303},
	"POST /children/{id}/report-missing": {req: reportForm, allowed: reporters, ok: 303, scoped: true, anon: 303},
	"GET /children/{id}/missing":         {req: get("/children/{id}/missing"), allowed: episodeReaders, ok: 200, scoped: true, anon: 303},
	"GET /children/{id}/missing/plan":    {req: get("/children/{id}/missing/plan"), allowed: planners, ok: 200, scoped: true, anon: 303},
	"POST /children/{id}/missing/plan":   {req: planForm, allowed: planners, ok: 303, scoped: true, anon: 303},
}
