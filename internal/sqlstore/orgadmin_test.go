package sqlstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/vigilcp/vigil/internal/demo"
	"github.com/vigilcp/vigil/internal/sqlstore"
	"github.com/vigilcp/vigil/internal/vigil"
	"github.com/vigilcp/vigil/internal/vigiltest"
)

// logged reports whether the access log holds an entry with this action,
// outcome and record, read as the (auditing) administrator.
func logged(t *testing.T, db *sqlstore.DB, kind vigil.RecordKind, id int64, action vigil.Action, outcome string) bool {
	t.Helper()
	page, err := sqlstore.NewAccessLogService(db).AccessLog(vigiltest.As(t, db, "admin"),
		vigil.AccessLogFilter{RecordKind: kind, RecordID: id, PageRequest: vigil.PageRequest{Limit: vigil.MaxPageSize}})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range page.Items {
		if e.Action == action && e.Outcome == outcome {
			return true
		}
	}
	return false
}

// field returns the change to one field in a history entry.
func field(c vigil.Change, name string) (vigil.FieldChange, bool) {
	for _, f := range c.Fields {
		if f.Field == name {
			return f, true
		}
	}
	return vigil.FieldChange{}, false
}

func str(p *string) string {
	if p == nil {
		return "<nil>"
	}
	return *p
}

func TestCreateTeamValidates(t *testing.T) {
	forEachDemo(t, func(t *testing.T, db *sqlstore.DB, org *demo.Org) {
		ctx := vigiltest.As(t, db, "admin")
		svc := sqlstore.NewOrgService(db)
		cases := []struct {
			name   string
			team   vigil.Team
			fields []string
		}{
			{"nothing", vigil.Team{}, []string{"name", "code", "kind"}},
			{"bad code", vigil.Team{Name: "Night team", Code: "night team!", Kind: vigil.TeamResponse}, []string{"code"}},
			{"unknown kind", vigil.Team{Name: "Night team", Code: "NIGHT", Kind: "catering"}, []string{"kind"}},
			{"no such LPA", vigil.Team{Name: "Night team", Code: "NIGHT", Kind: vigil.TeamResponse, LPAID: 99}, []string{"lpa_id"}},
			{"code taken (in any case)", vigil.Team{Name: "Another", Code: " ash-misp ", Kind: vigil.TeamMissingPersons, LPAID: 1}, []string{"code"}},
		}
		for _, tc := range cases {
			_, err := svc.CreateTeam(ctx, tc.team)
			var got []string
			for _, f := range vigil.ErrorFields(err) {
				got = append(got, f.Field)
			}
			if vigil.ErrorCode(err) != vigil.EINVALID || len(got) != len(tc.fields) {
				t.Errorf("%s: got %v (fields %v); want field errors on %v", tc.name, err, got, tc.fields)
				continue
			}
			for i := range got {
				if got[i] != tc.fields[i] {
					t.Errorf("%s: fields %v; want %v", tc.name, got, tc.fields)
				}
			}
		}
		o, _ := svc.Organisation(ctx)
		if len(o.Teams) != len(org.Teams) {
			t.Fatalf("refused creates added teams: %d, want %d", len(o.Teams), len(org.Teams))
		}

		team, err := svc.CreateTeam(ctx, vigil.Team{Name: " Marlcombe Night Response ", Code: "mar-night", Kind: vigil.TeamResponse, LPAID: 2})
		if err != nil {
			t.Fatal(err)
		}
		if team.ID == 0 || team.Code != "MAR-NIGHT" || team.Name != "Marlcombe Night Response" || team.LPAName != "Marlcombe" ||
			team.Version != 1 || team.CreatedBy != org.UserID("admin") || team.ForceID != org.Force.ID {
			t.Errorf("created %+v", team)
		}
		hist, err := svc.TeamHistory(ctx, team.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(hist) != 1 || hist[0].Action != "create" || hist[0].Username != "admin" || !hist[0].At.Equal(vigiltest.Epoch) {
			t.Fatalf("history of a new team: %+v", hist)
		}
		if f, ok := field(hist[0], "code"); !ok || f.Before != nil || str(f.After) != "MAR-NIGHT" {
			t.Errorf("code in the create history: %+v", f)
		}
		if f, ok := field(hist[0], "lpa_id"); !ok || str(f.After) != "2" {
			t.Errorf("lpa_id in the create history: %+v", f)
		}
		if !logged(t, db, vigil.KindTeam, team.ID, vigil.ActionCreate, vigil.OutcomeOK) {
			t.Error("the create is not in the access log")
		}
		// A force-wide team has no LPA.
		cr, err := svc.CreateTeam(ctx, vigil.Team{Name: "Force Night Desk", Code: "FND", Kind: vigil.TeamControlRoom})
		if err != nil || cr.LPAID != 0 || cr.LPAName != "" {
			t.Errorf("force-wide team: %+v, %v", cr, err)
		}
	})
}

func TestUpdateTeamVersionAndHistory(t *testing.T) {
	clock := vigiltest.NewClock(vigiltest.Epoch)
	for _, e := range vigiltest.Engines() {
		t.Run(string(e), func(t *testing.T) {
			clock.Set(vigiltest.Epoch)
			db := vigiltest.NewDB(t, e, vigiltest.WithClock(clock))
			org := loadSmallDemo(t, db)
			ctx := vigiltest.As(t, db, "admin")
			svc := sqlstore.NewOrgService(db)
			orig, err := svc.Team(ctx, org.Teams[3].ID)
			if err != nil {
				t.Fatal(err)
			}
			clock.Advance(time.Hour)
			a := *orig
			a.Name = "Ashvale Missing and Exploited Children Team"
			a.LPAID = 2
			updated, err := svc.UpdateTeam(ctx, a)
			if err != nil {
				t.Fatal(err)
			}
			if updated.Version != 2 || updated.Name != a.Name || updated.LPAName != "Marlcombe" || updated.Members != orig.Members {
				t.Fatalf("after update: %+v", updated)
			}
			b := *orig // still version 1
			b.Name = "Lost update"
			if _, err := svc.UpdateTeam(ctx, b); vigil.ErrorCode(err) != vigil.ECONFLICT {
				t.Fatalf("stale update: got %v, want conflict", err)
			}
			again, _ := svc.Team(ctx, orig.ID)
			if again.Name != a.Name || again.Version != 2 {
				t.Errorf("the stale update changed the team: %q v%d", again.Name, again.Version)
			}
			c := *updated
			c.Code = org.Teams[0].Code
			if _, err := svc.UpdateTeam(ctx, c); vigil.ErrorCode(err) != vigil.EINVALID || vigil.ErrorFields(err)[0].Field != "code" {
				t.Errorf("taking another team's code: %v", err)
			}
			c.ID = 99999
			if _, err := svc.UpdateTeam(ctx, c); vigil.ErrorCode(err) != vigil.ENOTFOUND {
				t.Errorf("updating a team that does not exist: %v", err)
			}

			hist, err := svc.TeamHistory(ctx, orig.ID)
			if err != nil {
				t.Fatal(err)
			}
			if len(hist) != 1 {
				t.Fatalf("history has %d changes, want 1 (the refused ones record nothing): %+v", len(hist), hist)
			}
			h := hist[0]
			if h.Action != "update" || h.Username != "admin" || !h.At.Equal(vigiltest.Epoch.Add(time.Hour)) || len(h.Fields) != 2 {
				t.Fatalf("change %+v", h)
			}
			if f, _ := field(h, "name"); str(f.Before) != orig.Name || str(f.After) != a.Name {
				t.Errorf("name change %s → %s", str(f.Before), str(f.After))
			}
			if f, _ := field(h, "lpa_id"); str(f.Before) != "1" || str(f.After) != "2" {
				t.Errorf("lpa change %s → %s", str(f.Before), str(f.After))
			}
			if !logged(t, db, vigil.KindTeam, orig.ID, vigil.ActionUpdate, vigil.OutcomeOK) {
				t.Error("the update is not in the access log")
			}
			if _, err := svc.TeamHistory(ctx, 99999); vigil.ErrorCode(err) != vigil.ENOTFOUND {
				t.Errorf("history of no team: %v", err)
			}
		})
	}
}

func TestAgencyCreateUpdateAndHistory(t *testing.T) {
	forEachDemo(t, func(t *testing.T, db *sqlstore.DB, org *demo.Org) {
		ctx := vigiltest.As(t, db, "admin")
		svc := sqlstore.NewOrgService(db)
		_, err := svc.CreateAgency(ctx, vigil.Agency{Name: "", Code: org.Agencies[0].Code, Kind: "police"})
		fields := vigil.ErrorFields(err)
		if vigil.ErrorCode(err) != vigil.EINVALID || len(fields) != 3 || fields[0].Field != "name" || fields[1].Field != "kind" ||
			fields[2].Field != "code" {
			t.Errorf("invalid agency (every problem at once): %v", err)
		}
		_, err = svc.CreateAgency(ctx, vigil.Agency{Name: "Copy", Code: org.Agencies[0].Code, Kind: vigil.AgencyHealth})
		if fe := vigil.ErrorFields(err); len(fe) != 1 || fe[0].Field != "code" {
			t.Errorf("duplicate agency code: %v", err)
		}
		a, err := svc.CreateAgency(ctx, vigil.Agency{Name: "Kingsmoor Youth Justice Service", Code: "km-yjs", Kind: vigil.AgencyOther})
		if err != nil {
			t.Fatal(err)
		}
		if a.Code != "KM-YJS" || a.Version != 1 || a.ID == 0 {
			t.Errorf("created %+v", a)
		}
		got, err := svc.Agency(ctx, a.ID)
		if err != nil || *got != *a {
			t.Errorf("read back %+v, %v; want %+v", got, err, a)
		}
		b := *a
		b.Kind = vigil.AgencyEducation
		b2, err := svc.UpdateAgency(ctx, b)
		if err != nil || b2.Version != 2 || b2.Kind != vigil.AgencyEducation {
			t.Fatalf("update: %+v, %v", b2, err)
		}
		if _, err := svc.UpdateAgency(ctx, b); vigil.ErrorCode(err) != vigil.ECONFLICT {
			t.Errorf("stale agency update: %v", err)
		}
		hist, err := svc.AgencyHistory(ctx, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(hist) != 2 || hist[0].Action != "update" || hist[1].Action != "create" {
			t.Fatalf("agency history %+v", hist)
		}
		if f, ok := field(hist[0], "kind"); !ok || len(hist[0].Fields) != 1 || str(f.Before) != "other" || str(f.After) != "education" {
			t.Errorf("kind change %+v", hist[0].Fields)
		}
		if !logged(t, db, vigil.KindAgency, a.ID, vigil.ActionUpdate, vigil.OutcomeOK) {
			t.Error("the agency update is not in the access log")
		}
		// Agency 1 and team 1 have histories of their own.
		if th, _ := svc.TeamHistory(ctx, a.ID); len(th) != 0 {
			t.Errorf("team %d shows the agency's history: %+v", a.ID, th)
		}
		if _, err := svc.Agency(ctx, 99999); vigil.ErrorCode(err) != vigil.ENOTFOUND {
			t.Errorf("no such agency: %v", err)
		}
	})
}

func TestOrganisationChangesNeedAdministrator(t *testing.T) {
	forEachDemo(t, func(t *testing.T, db *sqlstore.DB, org *demo.Org) {
		svc := sqlstore.NewOrgService(db)
		team := org.Teams[1]
		team.Version = 1
		agency := org.Agencies[1]
		agency.Version = 1
		for _, who := range []string{"control.manager", "auditor", "gold.chair", "social.worker"} {
			ctx := vigiltest.As(t, db, who)
			calls := map[string]func() error{
				"create team": func() error {
					_, err := svc.CreateTeam(ctx, vigil.Team{Name: "Rogue", Code: "ROGUE", Kind: vigil.TeamResponse})
					return err
				},
				"update team": func() error {
					t := team
					t.Name = "Renamed by " + who
					_, err := svc.UpdateTeam(ctx, t)
					return err
				},
				"create agency": func() error {
					_, err := svc.CreateAgency(ctx, vigil.Agency{Name: "Rogue", Code: "ROGUE", Kind: vigil.AgencyOther})
					return err
				},
				"update agency": func() error {
					a := agency
					a.Name = "Renamed by " + who
					_, err := svc.UpdateAgency(ctx, a)
					return err
				},
			}
			for name, call := range calls {
				if err := call(); vigil.ErrorCode(err) != vigil.EFORBIDDEN {
					t.Errorf("%s: %s: got %v, want forbidden", who, name, err)
				}
			}
		}
		admin := vigiltest.As(t, db, "admin")
		o, err := svc.Organisation(admin)
		if err != nil {
			t.Fatal(err)
		}
		if len(o.Teams) != len(org.Teams) || len(o.Agencies) != len(org.Agencies) {
			t.Errorf("refused creates changed the organisation: %d teams, %d agencies", len(o.Teams), len(o.Agencies))
		}
		for _, tm := range o.Teams {
			if tm.ID == team.ID && (tm.Name != team.Name || tm.Version != 1) {
				t.Errorf("refused update changed the team: %q v%d", tm.Name, tm.Version)
			}
		}
		if h, _ := svc.TeamHistory(admin, team.ID); len(h) != 0 {
			t.Errorf("refused updates left history: %+v", h)
		}
		page, err := sqlstore.NewAccessLogService(db).AccessLog(admin, vigil.AccessLogFilter{UserID: org.UserID("auditor"),
			PageRequest: vigil.PageRequest{Limit: vigil.MaxPageSize}})
		if err != nil {
			t.Fatal(err)
		}
		denied := 0
		for _, e := range page.Items {
			if e.Outcome == vigil.OutcomeDenied && e.RecordKind == vigil.KindOrganisation {
				denied++
			}
		}
		if denied != 4 {
			t.Errorf("the auditor's 4 refusals left %d denied entries in the access log", denied)
		}
	})
}

func TestNobodyChangesTheirOwnTeamOrAgency(t *testing.T) {
	forEachDemo(t, func(t *testing.T, db *sqlstore.DB, org *demo.Org) {
		svc := sqlstore.NewOrgService(db)
		ctx := vigiltest.As(t, db, "admin")
		self := vigil.PrincipalFrom(ctx).PersonID
		if self == 0 {
			t.Fatal("the demo administrator has no person")
		}
		me, err := svc.Person(ctx, self)
		if err != nil {
			t.Fatal(err)
		}
		other := org.Teams[0].ID
		if other == me.TeamID {
			other = org.Teams[1].ID
		}
		move := *me
		move.TeamID = other
		_, err = svc.UpdatePerson(ctx, move)
		if vigil.ErrorCode(err) != vigil.EFORBIDDEN || vigil.ErrorMessage(err) != "You cannot change your own team or agency" {
			t.Fatalf("moving yourself to another team: got %v, want forbidden", err)
		}
		toAgency := *me
		toAgency.TeamID, toAgency.AgencyID, toAgency.Rank = 0, org.Agencies[0].ID, vigil.RankPartner
		if _, err := svc.UpdatePerson(ctx, toAgency); vigil.ErrorCode(err) != vigil.EFORBIDDEN {
			t.Errorf("moving yourself to an agency: got %v, want forbidden", err)
		}
		after, _ := svc.Person(ctx, self)
		if after.TeamID != me.TeamID || after.Version != me.Version {
			t.Fatalf("the refused change moved the person: team %d v%d", after.TeamID, after.Version)
		}
		if !logged(t, db, vigil.KindPerson, self, vigil.ActionUpdate, vigil.OutcomeDenied) {
			t.Error("the refusal is not in the access log")
		}
		// Other details of your own record may change.
		role := *me
		role.Role = "Senior system administrator"
		if _, err := svc.UpdatePerson(ctx, role); err != nil {
			t.Errorf("changing your own role title: %v", err)
		}
		// Another administrator may move you.
		_, err = sqlstore.NewUserService(db).CreateUser(vigiltest.AsSystem(t, db), vigil.NewUser{Username: "second.admin",
			Roles: []vigil.Role{vigil.RoleAdministrator}, Scope: vigil.ScopeForce})
		if err != nil {
			t.Fatal(err)
		}
		cur, _ := svc.Person(ctx, self)
		cur.TeamID = other
		moved, err := svc.UpdatePerson(vigiltest.As(t, db, "second.admin"), *cur)
		if err != nil || moved.TeamID != other {
			t.Errorf("another administrator moving the person: %+v, %v", moved, err)
		}
	})
}

func TestPersonHistory(t *testing.T) {
	clock := vigiltest.NewClock(vigiltest.Epoch)
	for _, e := range vigiltest.Engines() {
		t.Run(string(e), func(t *testing.T) {
			clock.Set(vigiltest.Epoch)
			db := vigiltest.NewDB(t, e, vigiltest.WithClock(clock))
			org := loadSmallDemo(t, db)
			ctx := vigiltest.As(t, db, "admin")
			svc := sqlstore.NewOrgService(db)
			p, err := svc.Person(ctx, org.People[30].ID)
			if err != nil {
				t.Fatal(err)
			}
			if h, err := svc.PersonHistory(ctx, p.ID); err != nil || len(h) != 0 {
				t.Fatalf("history of a loaded person: %+v, %v", h, err)
			}
			clock.Advance(2 * time.Minute)
			q := *p
			q.Role = "Acting sergeant"
			q.Email = "acting.sergeant@kingsmoor.police.uk"
			if _, err := svc.UpdatePerson(ctx, q); err != nil {
				t.Fatal(err)
			}
			clock.Advance(3 * time.Minute)
			r, _ := svc.Person(ctx, p.ID)
			r.Active = false
			if _, err := svc.UpdatePerson(ctx, *r); err != nil {
				t.Fatal(err)
			}
			// Anyone who may read the person may read their history.
			h, err := svc.PersonHistory(vigiltest.As(t, db, "auditor"), p.ID)
			if err != nil {
				t.Fatal(err)
			}
			if len(h) != 2 {
				t.Fatalf("%d changes, want 2: %+v", len(h), h)
			}
			if !h[0].At.Equal(vigiltest.Epoch.Add(5*time.Minute)) || len(h[0].Fields) != 1 || h[0].Fields[0].Field != "active" ||
				str(h[0].Fields[0].Before) != "yes" || str(h[0].Fields[0].After) != "no" {
				t.Errorf("newest change %+v", h[0])
			}
			if f, _ := field(h[1], "role"); h[1].Username != "admin" || str(f.Before) != p.Role || str(f.After) != "Acting sergeant" {
				t.Errorf("older change %+v", h[1])
			}
			if f, _ := field(h[1], "email"); str(f.After) != q.Email {
				t.Errorf("email change %+v", f)
			}
			if _, err := svc.PersonHistory(ctx, 99999); vigil.ErrorCode(err) != vigil.ENOTFOUND {
				t.Errorf("history of nobody: %v", err)
			}
			if _, err := svc.PersonHistory(vigiltest.As(t, db, "social.worker"), p.ID); vigil.ErrorCode(err) != vigil.EFORBIDDEN {
				t.Errorf("a partner reading staff history: %v", err)
			}
			if _, err := svc.PersonHistory(context.Background(), p.ID); vigil.ErrorCode(err) != vigil.EUNAUTHENTICATED {
				t.Errorf("anonymous history: %v", err)
			}
		})
	}
}

func TestPeopleWithoutAccount(t *testing.T) {
	forEachDemo(t, func(t *testing.T, db *sqlstore.DB, org *demo.Org) {
		svc := sqlstore.NewOrgService(db)
		ctx := vigiltest.As(t, db, "admin")
		page, err := svc.People(ctx, vigil.PersonFilter{WithoutAccount: true, PageRequest: vigil.PageRequest{Limit: vigil.MaxPageSize}})
		if err != nil {
			t.Fatal(err)
		}
		holders := map[int64]bool{}
		for _, u := range org.Users {
			if u.PersonID != 0 {
				holders[u.PersonID] = true
			}
		}
		for _, p := range page.Items {
			if holders[p.ID] {
				t.Errorf("%s has an account but is listed as without one", p.FullName())
			}
		}
		if want := len(org.People) - len(holders); len(page.Items) != want || want == 0 {
			t.Errorf("%d people without an account; want %d", len(page.Items), want)
		}
	})
}
