package web_test

import (
	"fmt"
	"slices"
	"time"

	"github.com/vigilcp/vigil/internal/sqlstore"
	"github.com/vigilcp/vigil/internal/vigil"
	"github.com/vigilcp/vigil/internal/vigiltest"
)

// The missing-children API's rows of the permission matrix, written out by
// hand from the product brief: who reports, grades, ratifies, deploys,
// records the return and the interviews, closes, plans, and reads the
// figures.

func init() {
	for k, v := range missingAPIMatrix {
		matrix[k] = v
	}
}

var (
	// Reporting a child missing grades the risk with it.
	reporters     = []vigil.Role{vigil.RoleCallHandler, vigil.RoleControlRoomManager, vigil.RoleResponseOfficer, vigil.RoleMissingCoordinator}
	ratifiers     = []vigil.Role{vigil.RoleControlRoomManager}
	deployers     = []vigil.Role{vigil.RoleCallHandler, vigil.RoleControlRoomManager}
	episodeWork   = []vigil.Role{vigil.RoleCallHandler, vigil.RoleControlRoomManager, vigil.RoleResponseOfficer, vigil.RoleMissingCoordinator, vigil.RoleMASHPractitioner, vigil.RoleDesignatedOfficer}
	interviewers  = []vigil.Role{vigil.RoleMissingCoordinator, vigil.RolePartner}
	closers       = []vigil.Role{vigil.RoleControlRoomManager, vigil.RoleMissingCoordinator}
	planners      = []vigil.Role{vigil.RoleMissingCoordinator, vigil.RoleMASHPractitioner}
	figureReaders = []vigil.Role{vigil.RoleControlRoomManager, vigil.RoleMissingCoordinator, vigil.RoleMASHPractitioner, vigil.RoleDesignatedOfficer, vigil.RoleAuditor, vigil.RoleSeniorLeader}
	targetReader  = append(slices.Clone(figureReaders), vigil.RoleAdministrator, vigil.RolePartner)
	targetSetter  = []vigil.Role{vigil.RoleSeniorLeader, vigil.RoleAdministrator}
)

// Episode states a route needs before it is called.
const (
	stateNone       = "none"       // no open episode: a new report may be made
	stateOpen       = "open"       // an open episode
	stateUnratified = "unratified" // open, the grading in force not ratified
	stateFound      = "found"      // found, not closed
	stateClosable   = "closable"   // found, with the prevention interview and the offer of a return interview
)

// matrixEpisode brings the child's episodes, as the system, to the state
// and returns the episode (nil for stateNone). Every time is the fixture's
// fixed clock, so that episodes touch but never overlap.
func matrixEpisode(f *fixture, child int64, state string) *vigil.Episode {
	f.t.Helper()
	sys := vigiltest.AsSystem(f.t, f.db)
	svc := sqlstore.NewMissingService(f.db)
	now := vigiltest.Epoch
	must := func(e *vigil.Episode, err error) *vigil.Episode {
		f.t.Helper()
		if err != nil {
			f.t.Fatalf("matrix episode of child %d (%s): %v", child, state, err)
		}
		return e
	}
	first := func(status vigil.EpisodeStatus) *vigil.Episode {
		page, err := svc.Episodes(sys, vigil.EpisodeFilter{ChildID: child, Status: status})
		if err != nil {
			f.t.Fatal(err)
		}
		if len(page.Items) == 0 {
			return nil
		}
		return must(svc.Episode(sys, page.Items[0].ID))
	}
	found := func(e *vigil.Episode) *vigil.Episode {
		return must(svc.Found(sys, e.ID, vigil.FoundDetails{At: now, Place: "Home address"}, e.Version))
	}
	open := first(vigil.EpisodeOpen)
	if state == stateNone {
		if open != nil {
			found(open)
		}
		return nil
	}
	if state == stateFound || state == stateClosable {
		e := first(vigil.EpisodeFound)
		if e != nil && state == stateFound && (e.PreventionAt != nil || e.RHICompletedAt != nil || e.RHIDeclinedAt != nil) {
			// Its follow-up has begun: close it, and find a fresh one.
			if e.PreventionAt == nil {
				e = must(svc.Prevention(sys, e.ID, now, "", e.Version))
			}
			if e.RHIOfferedAt == nil {
				e = must(svc.ReturnInterview(sys, e.ID, vigil.RHIDetails{OfferedAt: &now}, e.Version))
			}
			must(svc.Close(sys, e.ID, e.Version))
			e = nil
		}
		if e == nil {
			if open == nil {
				open = matrixReport(f, child)
			}
			e = found(open)
		}
		if state == stateClosable {
			if e.PreventionAt == nil {
				e = must(svc.Prevention(sys, e.ID, now, "", e.Version))
			}
			if e.RHIOfferedAt == nil {
				e = must(svc.ReturnInterview(sys, e.ID, vigil.RHIDetails{OfferedAt: &now}, e.Version))
			}
		}
		return e
	}
	if open == nil {
		open = matrixReport(f, child)
	}
	if state == stateUnratified && open.Gradings[len(open.Gradings)-1].RatifiedAt != nil {
		open = must(svc.Grade(sys, open.ID, vigil.Grading{Level: vigil.RiskMedium, Rationale: "Regraded for the matrix"}, open.Version))
	}
	return open
}

// matrixReport reports the child missing as the system, from the child's
// own LPA (so that the episode brings no one else's scope to it).
func matrixReport(f *fixture, child int64) *vigil.Episode {
	f.t.Helper()
	sys := vigiltest.AsSystem(f.t, f.db)
	c, err := sqlstore.NewChildService(f.db).Child(sys, child)
	if err != nil {
		f.t.Fatal(err)
	}
	if c.LPAID == 0 {
		f.t.Fatalf("child %d has no LPA", child)
	}
	e, err := sqlstore.NewMissingService(f.db).Report(sys, vigil.NewReport{ChildID: child, ReportedAt: vigiltest.Epoch,
		ReporterName: "Matrix Reporter", LastSeenAt: vigiltest.Epoch, Circumstances: "Did not come home", LPAID: c.LPAID,
		Grading: vigil.Grading{Level: vigil.RiskMedium, Rationale: "Matrix test"}})
	if err != nil {
		f.t.Fatalf("report child %d: %v", child, err)
	}
	return e
}

// episodeCall builds a request about the child's episode in a state:
// path and body are formats taking the episode's id and version.
func episodeCall(method, state, path, body string) func(*fixture, *who, int64) call {
	return func(f *fixture, _ *who, child int64) call {
		e := matrixEpisode(f, child, state)
		return call{method, fmt.Sprintf(path, e.ID), fmt.Sprintf(body, e.Version), "application/json"}
	}
}

// matrixOfficer is an active officer on a team, for deployments.
func matrixOfficer(f *fixture) int64 {
	for _, p := range f.org.People {
		if p.TeamID == 2 && p.Active {
			return p.ID
		}
	}
	f.t.Fatal("no active officer on team 2")
	return 0
}

// matrixPlan returns the child's active plan, made as the system if it has
// none; with none set, it ends any active plan and returns nil.
func matrixPlan(f *fixture, child int64, none bool) *vigil.Plan {
	f.t.Helper()
	sys := vigiltest.AsSystem(f.t, f.db)
	svc := sqlstore.NewMissingService(f.db)
	plans, err := svc.Plans(sys, child)
	if err != nil {
		f.t.Fatal(err)
	}
	for _, p := range plans {
		if p.EndedAt != nil {
			continue
		}
		if !none {
			return &p
		}
		ended := vigiltest.Epoch
		p.EndedAt = &ended
		if _, err := svc.SavePlan(sys, p); err != nil {
			f.t.Fatal(err)
		}
	}
	if none {
		return nil
	}
	p, err := svc.SavePlan(sys, vigil.Plan{ChildID: child, StrategyMeetingAt: vigiltest.Epoch.AddDate(0, 0, -1),
		ReviewAt: vigiltest.Epoch.AddDate(0, 1, 0), Agencies: []int64{1}, Summary: "Matrix plan",
		Actions: []vigil.PlanAction{{Action: "Return interview", Owner: "Children's services"}}})
	if err != nil {
		f.t.Fatal(err)
	}
	return p
}

const matrixPlanBody = `{"strategy_meeting_at":"2026-03-01","review_at":"2026-04-01","agencies":[1],` +
	`"summary":"Joint plan after the third episode","actions":[{"action":"Return home interview","owner":"Children's services"}]`

var missingAPIMatrix = map[string]row{
	"POST /api/v1/missing-episodes": {req: func(f *fixture, _ *who, child int64) call {
		matrixEpisode(f, child, stateNone)
		c, err := sqlstore.NewChildService(f.db).Child(vigiltest.AsSystem(f.t, f.db), child)
		if err != nil {
			f.t.Fatal(err)
		}
		at := vigiltest.Epoch.Format(time.RFC3339)
		return call{"POST", "/api/v1/missing-episodes", fmt.Sprintf(`{"child_id":%d,"reported_at":%q,"last_seen_at":%q,
			"reporter_name":"Carer","circumstances":"Did not return from school","lpa_id":%d,
			"grading":{"level":"high","factors":["looked_after"],"rationale":"Known to older associates"}}`, child, at, at, c.LPAID), "application/json"}
	}, allowed: reporters, ok: 201, scoped: true, anon: 401},
	"GET /api/v1/missing-episodes": {req: get("/api/v1/missing-episodes?limit=5"), allowed: readChild, ok: 200, anon: 401},
	"GET /api/v1/missing-episodes/{id}": {req: func(f *fixture, _ *who, child int64) call {
		return call{method: "GET", path: fmt.Sprintf("/api/v1/missing-episodes/%d", matrixEpisode(f, child, stateOpen).ID)}
	}, allowed: readChild, ok: 200, scoped: true, anon: 401},
	"POST /api/v1/missing-episodes/{id}/gradings": {req: episodeCall("POST", stateOpen, "/api/v1/missing-episodes/%d/gradings",
		`{"level":"high","factors":["exploitation"],"rationale":"Seen with an older man","version":%d}`), allowed: reporters, ok: 200, scoped: true, anon: 401},
	"POST /api/v1/missing-episodes/{id}/ratification": {req: episodeCall("POST", stateUnratified, "/api/v1/missing-episodes/%d/ratification",
		`{"agree":true,"version":%d}`), allowed: ratifiers, ok: 200, scoped: true, anon: 401},
	"POST /api/v1/missing-episodes/{id}/deployments": {req: func(f *fixture, _ *who, child int64) call {
		e := matrixEpisode(f, child, stateOpen)
		return call{"POST", fmt.Sprintf("/api/v1/missing-episodes/%d/deployments", e.ID),
			fmt.Sprintf(`{"people":[%d],"version":%d}`, matrixOfficer(f), e.Version), "application/json"}
	}, allowed: deployers, ok: 200, scoped: true, anon: 401},
	"POST /api/v1/missing-episodes/{id}/notes": {req: func(f *fixture, _ *who, child int64) call {
		return call{"POST", fmt.Sprintf("/api/v1/missing-episodes/%d/notes", matrixEpisode(f, child, stateOpen).ID),
			`{"kind":"enquiry","text":"Called the school"}`, "application/json"}
	}, allowed: episodeWork, ok: 204, scoped: true, anon: 401},
	"POST /api/v1/missing-episodes/{id}/found": {req: episodeCall("POST", stateOpen, "/api/v1/missing-episodes/%d/found",
		`{"found_at":"`+vigiltest.Epoch.Format(time.RFC3339)+`","found_place":"Friend's flat","version":%d}`), allowed: episodeWork, ok: 200, scoped: true, anon: 401},
	"POST /api/v1/missing-episodes/{id}/nmpu": {req: episodeCall("POST", stateOpen, "/api/v1/missing-episodes/%d/nmpu",
		`{"version":%d}`), allowed: episodeWork, ok: 200, scoped: true, anon: 401},
	"POST /api/v1/missing-episodes/{id}/prevention": {req: episodeCall("POST", stateFound, "/api/v1/missing-episodes/%d/prevention",
		`{"prevention_disclosures":"None","version":%d}`), allowed: episodeWork, ok: 200, scoped: true, anon: 401},
	"POST /api/v1/missing-episodes/{id}/return-interview": {req: episodeCall("POST", stateFound, "/api/v1/missing-episodes/%d/return-interview",
		`{"rhi_offered_at":"`+vigiltest.Epoch.Format(time.RFC3339)+`","version":%d}`), allowed: interviewers, ok: 200, scoped: true, anon: 401},
	"POST /api/v1/missing-episodes/{id}/close": {req: episodeCall("POST", stateClosable, "/api/v1/missing-episodes/%d/close",
		`{"version":%d}`), allowed: closers, ok: 200, scoped: true, anon: 401},

	"GET /api/v1/repeat-children":     {req: get("/api/v1/repeat-children?no_plan=true"), allowed: readChild, ok: 200, anon: 401},
	"GET /api/v1/children/{id}/plans": {req: get("/api/v1/children/{id}/plans"), allowed: readChild, ok: 200, scoped: true, anon: 401},
	"POST /api/v1/children/{id}/plans": {req: func(f *fixture, _ *who, child int64) call {
		matrixPlan(f, child, true)
		return call{"POST", fmt.Sprintf("/api/v1/children/%d/plans", child), matrixPlanBody + "}", "application/json"}
	}, allowed: planners, ok: 201, scoped: true, anon: 401},
	"GET /api/v1/children/{id}/plans/{plan}": {req: func(f *fixture, _ *who, child int64) call {
		return call{method: "GET", path: fmt.Sprintf("/api/v1/children/%d/plans/%d", child, matrixPlan(f, child, false).ID)}
	}, allowed: readChild, ok: 200, scoped: true, anon: 401},
	"PUT /api/v1/children/{id}/plans/{plan}": {req: func(f *fixture, _ *who, child int64) call {
		p := matrixPlan(f, child, false)
		return call{"PUT", fmt.Sprintf("/api/v1/children/%d/plans/%d", child, p.ID), fmt.Sprintf(`%s,"version":%d}`, matrixPlanBody, p.Version),
			"application/json"}
	}, allowed: planners, ok: 200, scoped: true, anon: 401},

	"GET /api/v1/missing-dashboard": {req: get("/api/v1/missing-dashboard?lpa_id=1"), allowed: figureReaders, ok: 200, anon: 401},
	"GET /api/v1/missing-targets":   {req: get("/api/v1/missing-targets"), allowed: targetReader, ok: 200, anon: 401},
	"PUT /api/v1/missing-targets": {req: jsonCall("PUT", "/api/v1/missing-targets", `{"ratify_ms":{"high":1800000,"medium":3600000,"low":7200000,"very_low":14400000},
		"deploy_ms":{"high":3600000,"medium":7200000,"low":28800000,"very_low":0},"review_ms":{"high":3600000,"medium":14400000,"low":43200000,"very_low":86400000},
		"prevention_ms":259200000,"repeat_episodes":3,"repeat_window_days":90}`), allowed: targetSetter, ok: 200, anon: 401},
}
