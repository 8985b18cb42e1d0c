package sqlstore_test

import (
	"testing"

	"github.com/vigilcp/vigil/internal/sqlstore"
	"github.com/vigilcp/vigil/internal/vigil"
	"github.com/vigilcp/vigil/internal/vigiltest"
)

// TestFiguresRespectScope: an LPA's coordinator reads their LPA's figures
// (logged as a figures read) and is refused the force's and another
// LPA's (logged); a coordinator of their own caseload gets none; the list
// behind a figure has the figure's total, with an episode restricted from
// the reader shown as a withheld row.
func TestFiguresRespectScope(t *testing.T) {
	forEachMissing(t, func(t *testing.T, db *sqlstore.DB, clock *vigiltest.Clock) {
		svc, children := sqlstore.NewMissingService(db), sqlstore.NewChildService(db)
		sys := vigiltest.AsSystem(t, db)
		to := vigil.MonthStart(vigil.MonthOf(clock.Now())).AddDate(0, 1, 0)
		from := to.AddDate(-1, 0, 0)
		ash := vigiltest.As(t, db, "missing.ashvale")
		for _, lpa := range []int64{0, 2} {
			if _, err := svc.Dashboard(ash, vigil.DashboardFilter{LPAID: lpa, From: from, To: to}); vigil.ErrorCode(err) != vigil.EFORBIDDEN {
				t.Errorf("the Ashvale coordinator reading LPA %d's figures: %v", lpa, err)
			}
			if _, err := svc.Episodes(ash, vigil.EpisodeFilter{LPAID: lpa, Figure: "reported", From: from, To: to}); vigil.ErrorCode(err) != vigil.EFORBIDDEN {
				t.Errorf("the Ashvale coordinator listing LPA %d's figure: %v", lpa, err)
			}
		}
		if !logged(t, db, vigil.KindMissingDashboard, 0, vigil.ActionRead, vigil.OutcomeDenied) {
			t.Error("the refused figures are not in the access log")
		}
		// A coordinator whose scope is their own caseload.
		person, err := sqlstore.NewOrgService(db).CreatePerson(sys, vigil.Person{GivenName: "Priya", FamilyName: "Sharma", Rank: vigil.RankConstable,
			CollarNumber: "4821", Role: "Missing person coordinator", TeamID: personTeam(t, db, "missing.ashvale")})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := sqlstore.NewUserService(db).CreateUser(sys, vigil.NewUser{Username: "coordinator.own", PersonID: person.ID,
			Roles: []vigil.Role{vigil.RoleMissingCoordinator}, Scope: vigil.ScopeCaseload}); err != nil {
			t.Fatal(err)
		}
		own := vigiltest.As(t, db, "coordinator.own")
		if _, err := svc.Dashboard(own, vigil.DashboardFilter{LPAID: 1, From: from, To: to}); vigil.ErrorCode(err) != vigil.EFORBIDDEN {
			t.Errorf("a caseload-scoped coordinator's figures: %v", err)
		}
		// An Ashvale episode in the period, its child restricted from the
		// coordinator.
		all, err := svc.Episodes(sys, vigil.EpisodeFilter{LPAID: 1, Figure: "reported", From: from, To: to, PageRequest: vigil.PageRequest{Limit: 1}})
		if err != nil || len(all.Items) == 0 {
			t.Fatalf("no Ashvale episode in the last year: %v", err)
		}
		hidden := all.Items[0]
		if _, err := children.Restrict(sys, vigil.Restriction{RecordID: hidden.ChildID, Reason: "Covert operation",
			AllowedRoles: []vigil.Role{vigil.RoleAuditor}}); err != nil {
			t.Fatal(err)
		}
		theirs, err := svc.Episodes(sys, vigil.EpisodeFilter{ChildID: hidden.ChildID, LPAID: 1, From: from, To: to})
		if err != nil {
			t.Fatal(err)
		}
		hiddenIDs := map[int64]bool{}
		for _, e := range theirs.Items {
			hiddenIDs[e.ID] = true
		}
		d, err := svc.Dashboard(ash, vigil.DashboardFilter{LPAID: 1, From: from, To: to})
		if err != nil {
			t.Fatal(err)
		}
		if !logged(t, db, vigil.KindMissingDashboard, 0, vigil.ActionRead, vigil.OutcomeOK) {
			t.Error("the figures read is not in the access log")
		}
		n, withheld := 0, 0
		f := vigil.EpisodeFilter{LPAID: 1, Figure: "reported", From: from, To: to, PageRequest: vigil.PageRequest{Limit: vigil.MaxPageSize}}
		for {
			page, err := svc.Episodes(ash, f)
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range page.Items {
				n++
				if e.IsWithheld(vigil.FieldRecord) {
					withheld++
					if !hiddenIDs[e.ID] || e.ChildName != "" || e.ChildID != 0 || e.Circumstances != "" || e.ReportedAt.IsZero() {
						t.Errorf("a withheld row: %+v", e)
					}
				}
			}
			if page.Next == "" {
				break
			}
			f.Cursor = page.Next
		}
		if n != d.Episodes || withheld != len(hiddenIDs) {
			t.Errorf("the figure counts %d episodes, its list shows %d of which %d withheld (want %d)", d.Episodes, n, withheld, len(hiddenIDs))
		}
		if _, err := svc.Episode(ash, hidden.ID); vigil.ErrorCode(err) != vigil.EFORBIDDEN {
			t.Errorf("reading the withheld episode: %v", err)
		}
	})
}

// personTeam is the team of a user's person.
func personTeam(t *testing.T, db *sqlstore.DB, username string) int64 {
	t.Helper()
	p, err := db.PrincipalFor(vigiltest.AsSystem(t, db), username, "test")
	if err != nil {
		t.Fatal(err)
	}
	return p.TeamID
}
