package sqlstore_test

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/vigilcp/vigil/internal/demo"
	"github.com/vigilcp/vigil/internal/sqlstore"
	"github.com/vigilcp/vigil/internal/vigil"
	"github.com/vigilcp/vigil/internal/vigiltest"
)

// loadSmallDemo fills db with the small demo force and returns it.
// loadSmallDemo loads the small demo force, without its missing episodes
// (missing_test.go loads them): most store tests need only the people and
// children, and the episodes would slow every one of them.
func loadSmallDemo(t *testing.T, db *sqlstore.DB) *demo.Org {
	t.Helper()
	return vigiltest.LoadDemoWithoutMissing(t, db)
}

// forEachDemo runs fn on each engine with a fresh copy of the small demo
// force without missing episodes (see vigiltest.DemoDB).
func forEachDemo(t *testing.T, fn func(t *testing.T, db *sqlstore.DB, org *demo.Org)) {
	t.Helper()
	for _, e := range vigiltest.Engines() {
		t.Run(string(e), func(t *testing.T) {
			db, org := vigiltest.DemoDB(t, e, vigiltest.SmallDemo(false))
			fn(t, db, org)
		})
	}
}

func TestMain(m *testing.M) { os.Exit(vigiltest.Main(m)) }

func TestOrganisationRoundTrip(t *testing.T) {
	forEachDemo(t, func(t *testing.T, db *sqlstore.DB, org *demo.Org) {
		ctx := vigiltest.As(t, db, "admin")
		got, err := sqlstore.NewOrgService(db).Organisation(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if got.Force.Name != "Kingsmoor Police" || len(got.LPAs) != 2 || len(got.Teams) != len(org.Teams) || len(got.Agencies) != len(org.Agencies) {
			t.Fatalf("organisation = %s, %d LPAs, %d teams, %d agencies; want Kingsmoor Police, 2, %d, %d",
				got.Force.Name, len(got.LPAs), len(got.Teams), len(got.Agencies), len(org.Teams), len(org.Agencies))
		}
		members := 0
		for _, tm := range got.Teams {
			members += tm.Members
			if tm.CreatedAt != vigiltest.Epoch || tm.Version != 1 {
				t.Errorf("team %s stamped %v v%d; want %v v1", tm.Code, tm.CreatedAt, tm.Version, vigiltest.Epoch)
			}
		}
		police := 0
		for _, p := range org.People {
			if p.TeamID != 0 {
				police++
			}
		}
		if members != police {
			t.Errorf("team member counts add up to %d; the demo has %d police officers and staff", members, police)
		}
	})
}

func TestOrganisationNeedsPrincipal(t *testing.T) {
	forEachDemo(t, func(t *testing.T, db *sqlstore.DB, _ *demo.Org) {
		_, err := sqlstore.NewOrgService(db).Organisation(context.Background())
		if vigil.ErrorCode(err) != vigil.EUNAUTHENTICATED {
			t.Fatalf("anonymous read: got %v, want %s", err, vigil.EUNAUTHENTICATED)
		}
	})
}

func TestPeoplePagesWithCursor(t *testing.T) {
	forEachDemo(t, func(t *testing.T, db *sqlstore.DB, org *demo.Org) {
		ctx := vigiltest.As(t, db, "admin")
		svc := sqlstore.NewOrgService(db)
		seen := map[int64]bool{}
		var prev vigil.Person
		f := vigil.PersonFilter{PageRequest: vigil.PageRequest{Limit: 7}}
		pages := 0
		for {
			page, err := svc.People(ctx, f)
			if err != nil {
				t.Fatal(err)
			}
			pages++
			for _, p := range page.Items {
				if seen[p.ID] {
					t.Fatalf("person %d listed twice", p.ID)
				}
				seen[p.ID] = true
				if prev.ID != 0 && (p.FamilyName < prev.FamilyName || p.FamilyName == prev.FamilyName && p.GivenName < prev.GivenName) {
					t.Fatalf("out of order: %s after %s", p.FullName(), prev.FullName())
				}
				prev = p
			}
			if page.Next == "" {
				break
			}
			f.Cursor = page.Next
		}
		if len(seen) != len(org.People) {
			t.Fatalf("paged through %d people; the demo has %d", len(seen), len(org.People))
		}
		if want := (len(org.People) + 6) / 7; pages != want {
			t.Errorf("took %d pages of 7 for %d people; want %d", pages, len(org.People), want)
		}
		_, err := svc.People(ctx, vigil.PersonFilter{PageRequest: vigil.PageRequest{Cursor: "not-a-cursor"}})
		if fe := vigil.ErrorFields(err); vigil.ErrorCode(err) != vigil.EINVALID || len(fe) != 1 || fe[0].Field != "cursor" {
			t.Errorf("bad cursor: got %v, want an invalid-cursor field error", err)
		}
	})
}

func TestPeopleFilterByTeamAndName(t *testing.T) {
	forEachDemo(t, func(t *testing.T, db *sqlstore.DB, org *demo.Org) {
		ctx := vigiltest.As(t, db, "admin")
		svc := sqlstore.NewOrgService(db)
		team := org.Teams[3] // an LPA missing-persons team
		page, err := svc.People(ctx, vigil.PersonFilter{TeamID: team.ID})
		if err != nil {
			t.Fatal(err)
		}
		want := 0
		for _, p := range org.People {
			if p.TeamID == team.ID {
				want++
			}
		}
		if len(page.Items) != want || want == 0 {
			t.Fatalf("team %s lists %d people; want %d", team.Code, len(page.Items), want)
		}
		target := org.People[5]
		page, err = svc.People(ctx, vigil.PersonFilter{Query: target.FamilyName[:3]})
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, p := range page.Items {
			found = found || p.ID == target.ID
		}
		if !found {
			t.Errorf("searching %q did not find %s", target.FamilyName[:3], target.FullName())
		}
		page, err = svc.People(ctx, vigil.PersonFilter{Query: "%"})
		if err != nil || len(page.Items) != 0 {
			t.Errorf("a %% in the query must be literal: got %d people, %v", len(page.Items), err)
		}
	})
}

func TestUpdatePersonRefusesStaleVersion(t *testing.T) {
	clock := vigiltest.NewClock(vigiltest.Epoch)
	for _, e := range vigiltest.Engines() {
		t.Run(string(e), func(t *testing.T) {
			db := vigiltest.NewDB(t, e, vigiltest.WithClock(clock))
			org := loadSmallDemo(t, db)
			ctx := vigiltest.As(t, db, "admin")
			svc := sqlstore.NewOrgService(db)
			p, err := svc.Person(ctx, org.People[10].ID)
			if err != nil {
				t.Fatal(err)
			}
			clock.Advance(90*time.Minute + 1234*time.Microsecond)
			a := *p
			a.Role = "Acting sergeant"
			updated, err := svc.UpdatePerson(ctx, a)
			if err != nil {
				t.Fatal(err)
			}
			if updated.Version != 2 || updated.Role != "Acting sergeant" {
				t.Fatalf("after update: v%d role %q; want v2, Acting sergeant", updated.Version, updated.Role)
			}
			if want := vigil.Millis(clock.Now()); !updated.UpdatedAt.Equal(want) || updated.UpdatedAt.Nanosecond()%1e6 != 0 {
				t.Errorf("updated_at = %v; want %v (UTC, to the millisecond)", updated.UpdatedAt, want)
			}
			if updated.UpdatedBy == 0 || updated.CreatedAt != p.CreatedAt {
				t.Errorf("stamp after update: %+v", updated.Stamp)
			}
			b := *p // still version 1
			b.Role = "Lost update"
			_, err = svc.UpdatePerson(ctx, b)
			if vigil.ErrorCode(err) != vigil.ECONFLICT {
				t.Fatalf("stale update: got %v, want conflict", err)
			}
			again, _ := svc.Person(ctx, p.ID)
			if again.Role != "Acting sergeant" || again.Version != 2 {
				t.Errorf("stale update changed the record: %q v%d", again.Role, again.Version)
			}
		})
	}
}

func TestCreatePersonValidates(t *testing.T) {
	forEachDemo(t, func(t *testing.T, db *sqlstore.DB, org *demo.Org) {
		ctx := vigiltest.As(t, db, "admin")
		svc := sqlstore.NewOrgService(db)
		taken := ""
		for _, p := range org.People {
			if p.CollarNumber != "" {
				taken = p.CollarNumber
				break
			}
		}
		cases := []struct {
			name  string
			p     vigil.Person
			field string
		}{
			{"no names", vigil.Person{Rank: vigil.RankStaff, TeamID: 1}, "given_name"},
			{"unknown rank", vigil.Person{GivenName: "A", FamilyName: "B", Rank: "general"}, "rank"},
			{"officer without collar", vigil.Person{GivenName: "A", FamilyName: "B", Rank: vigil.RankConstable, TeamID: 1}, "collar_number"},
			{"collar taken", vigil.Person{GivenName: "A", FamilyName: "B", Rank: vigil.RankConstable, CollarNumber: taken, TeamID: 1}, "collar_number"},
			{"no such team", vigil.Person{GivenName: "A", FamilyName: "B", Rank: vigil.RankStaff, TeamID: 9999}, "team_id"},
		}
		before, _ := svc.People(ctx, vigil.PersonFilter{PageRequest: vigil.PageRequest{Limit: vigil.MaxPageSize}})
		for _, tc := range cases {
			_, err := svc.CreatePerson(ctx, tc.p)
			fields := vigil.ErrorFields(err)
			if vigil.ErrorCode(err) != vigil.EINVALID || len(fields) == 0 || fields[0].Field != tc.field {
				t.Errorf("%s: got %v; want a field error on %s", tc.name, err, tc.field)
			}
		}
		after, _ := svc.People(ctx, vigil.PersonFilter{PageRequest: vigil.PageRequest{Limit: vigil.MaxPageSize}})
		if len(after.Items) != len(before.Items) {
			t.Errorf("refused creates changed the people: %d then %d", len(before.Items), len(after.Items))
		}
		p, err := svc.CreatePerson(ctx, vigil.Person{GivenName: " Priya ", FamilyName: "Sharma", Rank: vigil.RankConstable,
			CollarNumber: "k9001", Role: "Missing person coordinator", TeamID: org.Teams[3].ID})
		if err != nil {
			t.Fatal(err)
		}
		if p.GivenName != "Priya" || p.CollarNumber != "K9001" || !p.Active || p.Version != 1 || p.ID == 0 {
			t.Errorf("created %+v", p)
		}
	})
}
