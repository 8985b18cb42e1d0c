package sqlstore_test

import (
	"context"
	"iter"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vigilcp/vigil/internal/demo"
	"github.com/vigilcp/vigil/internal/sqlstore"
	"github.com/vigilcp/vigil/internal/vigil"
	"github.com/vigilcp/vigil/internal/vigiltest"
)

func dob(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

// featherstone is a new Marlcombe child with a full profile; no demo child
// has her family name.
func featherstone() vigil.NewChild {
	return vigil.NewChild{GivenName: "Elizabeth", FamilyName: "Featherstone", OtherNames: "Lizzie", DateOfBirth: dob(2010, 3, 4),
		Sex: vigil.SexFemale, Ethnicity: "White: Irish", AddressLine: "14 Harbour Row", Town: "Saltmouth", Postcode: "km12 4tq",
		LPAID: 2, School: "Saltmouth Community College", WarningMarkers: []string{"self_harm", "sexual_exploitation"},
		SocialWorker: "Dawn Carter, Marlcombe Borough Council Children's Services", LookedAfter: true,
		PlacingAuthority: "Marlcombe Borough Council", Placement: "Foster placement", Carers: "Ann and Rob Hale (foster carers)",
		ConfirmedNew: true}
}

func mustCreate(t *testing.T, svc *sqlstore.ChildService, ctx context.Context, n vigil.NewChild) *vigil.ChildRecord {
	t.Helper()
	c, err := svc.CreateChild(ctx, n)
	if err != nil {
		t.Fatalf("create %s %s: %v", n.GivenName, n.FamilyName, err)
	}
	return c
}

func mustMatch(t *testing.T, svc *sqlstore.ChildService, ctx context.Context, q vigil.ChildQuery) []vigil.ChildMatch {
	t.Helper()
	ms, err := svc.MatchChildren(ctx, q)
	if err != nil {
		t.Fatalf("match %+v: %v", q, err)
	}
	return ms
}

// matchOf returns the match that shows the child, or nil.
func matchOf(ms []vigil.ChildMatch, id int64) *vigil.ChildMatch {
	for i, m := range ms {
		if m.Child != nil && m.Child.ID == id {
			return &ms[i]
		}
	}
	return nil
}

// heldBy lists the teams named for matches the searcher may not see.
func heldBy(ms []vigil.ChildMatch) []string {
	var out []string
	for _, m := range ms {
		if m.HeldBy != "" {
			if m.Child != nil || m.Score != 0 || len(m.Reasons) > 0 {
				panic("a held-by match carries details")
			}
			out = append(out, m.HeldBy)
		}
	}
	return out
}

func TestCreateChild(t *testing.T) {
	forEachDemo(t, func(t *testing.T, db *sqlstore.DB, _ *demo.Org) {
		svc := sqlstore.NewChildService(db)
		ash := vigiltest.As(t, db, "missing.ashvale")
		c := mustCreate(t, svc, ash, featherstone())
		if c.ID <= 400 || c.Version != 1 || c.CreatedBy != userID(t, db, "missing.ashvale") || !c.CreatedAt.Equal(vigiltest.Epoch) {
			t.Errorf("created %+v", c)
		}
		if c.Postcode != "KM12 4TQ" || !slices.Equal(c.WarningMarkers, []string{"sexual_exploitation", "self_harm"}) {
			t.Errorf("not normalised: postcode %q, markers %q", c.Postcode, c.WarningMarkers)
		}
		// A Marlcombe child, but on the Ashvale team's caseload: the
		// Ashvale coordinator who recorded her can read her, as can
		// Marlcombe's; the Ashvale response team cannot.
		got, err := svc.Child(ash, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		want := featherstone()
		want.Normalise()
		if vigil.NewChildFrom(got.Child).Query() != want.Query() || got.School != want.School || got.SocialWorker != want.SocialWorker ||
			!got.LookedAfter || got.PlacingAuthority != want.PlacingAuthority || got.Placement != want.Placement ||
			got.Carers != want.Carers || got.Ethnicity != want.Ethnicity || got.LPAID != 2 || !slices.Equal(got.WarningMarkers, want.WarningMarkers) {
			t.Errorf("read back %+v\nwant %+v", got.Child, want)
		}
		if _, err := svc.Child(vigiltest.As(t, db, "missing.marlcombe"), c.ID); err != nil {
			t.Errorf("Marlcombe's coordinator cannot read a Marlcombe child: %v", err)
		}
		if _, err := svc.Child(vigiltest.As(t, db, "response.officer"), c.ID); vigil.ErrorCode(err) != vigil.EFORBIDDEN {
			t.Errorf("the Ashvale response officer reads a child on another team's caseload: %v", err)
		}
		keys, err := sqlstore.NameKeysOf(db, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		slices.Sort(keys)
		if !slices.Equal(keys, vigil.NameKeys("Elizabeth", "Featherstone", "Lizzie")) {
			t.Errorf("stored keys %q", keys)
		}
		hist, err := svc.ChildHistory(ash, c.ID)
		if err != nil || len(hist) != 1 || hist[0].Action != "create" {
			t.Fatalf("history %+v, %v", hist, err)
		}
		fields := map[string]string{}
		for _, f := range hist[0].Fields {
			fields[f.Field] = *f.After
		}
		if fields["family_name"] != "Featherstone" || fields["school"] != want.School || fields["looked_after"] == "" ||
			fields["warning_markers"] != "sexual_exploitation, self_harm" || fields["date_of_birth"] != "2010-03-04" {
			t.Errorf("history fields %v", fields)
		}
		if !logged(t, db, vigil.KindChild, c.ID, vigil.ActionCreate, vigil.OutcomeOK) {
			t.Error("the creation is not in the access log")
		}
	})
}

func TestCreateChildValidates(t *testing.T) {
	forEachDemo(t, func(t *testing.T, db *sqlstore.DB, _ *demo.Org) {
		svc := sqlstore.NewChildService(db)
		ash := vigiltest.As(t, db, "missing.ashvale")
		for _, tc := range []struct {
			name   string
			change func(*vigil.NewChild)
			fields []string
		}{
			{"no names", func(n *vigil.NewChild) { n.GivenName, n.FamilyName = "", "" }, []string{"given_name", "family_name"}},
			{"born in the future", func(n *vigil.NewChild) { n.DateOfBirth = vigiltest.Epoch.AddDate(0, 0, 1) }, []string{"date_of_birth"}},
			{"18", func(n *vigil.NewChild) { n.DateOfBirth = vigiltest.Epoch.AddDate(-18, 0, 0) }, []string{"date_of_birth"}},
			{"marker", func(n *vigil.NewChild) { n.WarningMarkers = []string{"absconder"} }, []string{"warning_markers"}},
			{"no such LPA", func(n *vigil.NewChild) { n.LPAID = 99 }, []string{"lpa_id"}},
			{"sex", func(n *vigil.NewChild) { n.Sex = "" }, []string{"sex"}},
			{"placing authority", func(n *vigil.NewChild) { n.PlacingAuthority = "" }, []string{"placing_authority"}},
		} {
			n := featherstone()
			tc.change(&n)
			_, err := svc.CreateChild(ash, n)
			var got []string
			for f := range fieldErrs(err) {
				got = append(got, f)
			}
			slices.Sort(got)
			want := slices.Sorted(slices.Values(tc.fields))
			if vigil.ErrorCode(err) != vigil.EINVALID || !slices.Equal(got, want) {
				t.Errorf("%s: %v; want fields %v", tc.name, err, want)
			}
		}
		// Nothing was written.
		if ms := mustMatch(t, svc, vigiltest.As(t, db, "mash.officer"), featherstone().Query()); matchOf(ms, 401) != nil {
			t.Error("a refused record was written")
		}
		for _, user := range []string{"response.officer", "social.worker", "auditor"} {
			if _, err := svc.CreateChild(vigiltest.As(t, db, user), featherstone()); vigil.ErrorCode(err) != vigil.EFORBIDDEN {
				t.Errorf("%s created a child: %v", user, err)
			}
		}
		if _, err := svc.CreateChild(context.Background(), featherstone()); vigil.ErrorCode(err) != vigil.EUNAUTHENTICATED {
			t.Errorf("created without signing in: %v", err)
		}
		log, err := sqlstore.NewAccessLogService(db).AccessLog(vigiltest.As(t, db, "auditor"),
			vigil.AccessLogFilter{UserID: userID(t, db, "response.officer")})
		if err != nil {
			t.Fatal(err)
		}
		if len(log.Items) == 0 || log.Items[0].Action != vigil.ActionCreate || log.Items[0].Outcome != vigil.OutcomeDenied {
			t.Errorf("the refused creation is not logged: %+v", log.Items)
		}
	})
}

// TestCreateChildSearchesFirst: a second record of one child is refused
// until the person says it is a different child, which is logged.
func TestCreateChildSearchesFirst(t *testing.T) {
	forEachDemo(t, func(t *testing.T, db *sqlstore.DB, _ *demo.Org) {
		svc := sqlstore.NewChildService(db)
		ash := vigiltest.As(t, db, "missing.ashvale")
		first := mustCreate(t, svc, ash, featherstone())
		again := vigil.NewChild{GivenName: "Liz", FamilyName: "Fetherstone", DateOfBirth: dob(2010, 4, 3), Sex: vigil.SexFemale, LPAID: 1}
		_, err := svc.CreateChild(ash, again)
		if vigil.ErrorCode(err) != vigil.ECONFLICT || !strings.Contains(vigil.ErrorMessage(err), "1 possible match") {
			t.Fatalf("a second record of one child: %v", err)
		}
		again.ConfirmedNew = true
		second := mustCreate(t, svc, ash, again)
		if second.ID == first.ID {
			t.Fatal("no new record")
		}
		page, err := sqlstore.NewAccessLogService(db).AccessLog(vigiltest.As(t, db, "auditor"),
			vigil.AccessLogFilter{RecordKind: vigil.KindChild, RecordID: second.ID})
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Items) == 0 || page.Items[0].Action != vigil.ActionCreate ||
			!strings.Contains(page.Items[0].Reason, "confirmed a different child") {
			t.Errorf("the confirmed creation's log entry: %+v", page.Items)
		}
	})
}

func TestMatchChildrenIsTolerant(t *testing.T) {
	forEachDemo(t, func(t *testing.T, db *sqlstore.DB, _ *demo.Org) {
		svc := sqlstore.NewChildService(db)
		mash := vigiltest.As(t, db, "mash.officer")
		liz := mustCreate(t, svc, mash, featherstone())
		mo := mustCreate(t, svc, mash, vigil.NewChild{GivenName: "Muhammad", FamilyName: "Rahmani", DateOfBirth: dob(2011, 11, 2),
			Sex: vigil.SexMale, LPAID: 1, ConfirmedNew: true})
		aoife := mustCreate(t, svc, mash, vigil.NewChild{GivenName: "Aoife", FamilyName: "Gallagher", DateOfBirth: dob(2012, 5, 9),
			Sex: vigil.SexFemale, LPAID: 1, ConfirmedNew: true})
		for _, tc := range []struct {
			name   string
			q      vigil.ChildQuery
			want   int64
			reason string
		}{
			{"short form, misspelt", vigil.ChildQuery{GivenName: "Liz", FamilyName: "Fetherstone", DateOfBirth: dob(2010, 3, 4)}, liz.ID,
				"Given name is a short form or other spelling of the same name"},
			{"other way round", vigil.ChildQuery{GivenName: "Featherstone", FamilyName: "Elizabeth", DateOfBirth: dob(2010, 3, 4)}, liz.ID,
				"Names match the other way round"},
			{"day and month swapped", vigil.ChildQuery{GivenName: "Elizabeth", FamilyName: "Featherstone", DateOfBirth: dob(2010, 4, 3)},
				liz.ID, "Date of birth with the day and month swapped"},
			{"no date of birth", vigil.ChildQuery{GivenName: "Lizzie", FamilyName: "Featherston"}, liz.ID, "Date of birth not known"},
			{"by another name", vigil.ChildQuery{GivenName: "Lizzie", FamilyName: "Featherstone", DateOfBirth: dob(2010, 3, 4)}, liz.ID,
				"Same given name (one of their other names)"},
			{"Mohammed for Muhammad", vigil.ChildQuery{GivenName: "Mohammed", FamilyName: "Rahmany", DateOfBirth: dob(2011, 11, 2)}, mo.ID,
				"Same date of birth"},
			// An initial gives no key, and Gallagher misheard as Callagher
			// shares none: the date of birth, day and month swapped, finds
			// her.
			{"found by the date of birth", vigil.ChildQuery{GivenName: "A", FamilyName: "Callagher", DateOfBirth: dob(2012, 9, 5)},
				aoife.ID, "Date of birth with the day and month swapped"},
		} {
			ms := mustMatch(t, svc, mash, tc.q)
			if len(ms) == 0 || ms[0].Child == nil || ms[0].Child.ID != tc.want {
				t.Errorf("%s: matches %+v; want child %d first", tc.name, ms, tc.want)
				continue
			}
			if ms[0].Score < vigil.PossibleMatch || !slices.Contains(ms[0].Reasons, tc.reason) {
				t.Errorf("%s: score %.3f, reasons %q; want %q", tc.name, ms[0].Score, ms[0].Reasons, tc.reason)
			}
		}
		// Another child with her family name is not her, nor is a child
		// born years apart with her name.
		for _, q := range []vigil.ChildQuery{
			{GivenName: "Emily", FamilyName: "Featherstone", DateOfBirth: dob(2012, 7, 19)},
			{GivenName: "Emily", FamilyName: "Featherstone", DateOfBirth: dob(2010, 3, 4)},
			{GivenName: "Elizabeth", FamilyName: "Featherstone", DateOfBirth: dob(2015, 9, 30)},
		} {
			if m := matchOf(mustMatch(t, svc, mash, q), liz.ID); m != nil {
				t.Errorf("%+v matches her: %.3f %q", q, m.Score, m.Reasons)
			}
		}
		if _, err := svc.MatchChildren(mash, vigil.ChildQuery{DateOfBirth: dob(2010, 3, 4)}); vigil.ErrorCode(err) != vigil.EINVALID {
			t.Errorf("a search with no name: %v", err)
		}
		if _, err := svc.MatchChildren(context.Background(), featherstone().Query()); vigil.ErrorCode(err) != vigil.EUNAUTHENTICATED {
			t.Errorf("a search without signing in: %v", err)
		}
	})
}

// TestMatchChildrenAtMostTen: the best matches first, no more than
// vigil.MaxMatches.
func TestMatchChildrenAtMostTen(t *testing.T) {
	forEachDemo(t, func(t *testing.T, db *sqlstore.DB, _ *demo.Org) {
		svc := sqlstore.NewChildService(db)
		mash := vigiltest.As(t, db, "mash.officer")
		var exact int64
		for i := range 12 {
			c := mustCreate(t, svc, mash, vigil.NewChild{GivenName: "Jane", FamilyName: "Doughty", DateOfBirth: dob(2010, 1, 1).AddDate(0, 0, 20*i),
				Sex: vigil.SexFemale, LPAID: 1, ConfirmedNew: true})
			if i == 7 {
				exact = c.ID
			}
		}
		ms := mustMatch(t, svc, mash, vigil.ChildQuery{GivenName: "Jane", FamilyName: "Doughty", DateOfBirth: dob(2010, 1, 1).AddDate(0, 0, 140)})
		if len(ms) != vigil.MaxMatches || ms[0].Child.ID != exact || ms[0].Score != 1 {
			t.Fatalf("%d matches, first %+v; want %d, child %d first", len(ms), ms[0].Child, vigil.MaxMatches, exact)
		}
		for i := 1; i < len(ms); i++ {
			if ms[i].Score > ms[i-1].Score {
				t.Errorf("match %d scores %.3f after %.3f", i, ms[i].Score, ms[i-1].Score)
			}
		}
	})
}

// TestMatchChildrenRanksCandidates: a search scores at most a few hundred
// candidates, so the child who shares a key with each name must come
// before the many who share as many keys with fewer names.
func TestMatchChildrenRanksCandidates(t *testing.T) {
	forEachDemo(t, func(t *testing.T, db *sqlstore.DB, _ *demo.Org) {
		sys := vigiltest.AsSystem(t, db)
		// 250 Lucy Smiths: each shares two keys with "Liz Smyth", one
		// sounding like each name.
		lucies := func() iter.Seq2[sqlstore.ChildLinks, error] {
			return func(yield func(sqlstore.ChildLinks, error) bool) {
				for i := range 250 {
					c := vigil.Child{ID: int64(1000 + i), ForceID: 1, GivenName: "Lucy", FamilyName: "Smith",
						DateOfBirth: dob(2009, 1, 1).AddDate(0, 0, i), Sex: vigil.SexFemale, LPAID: 1}
					if !yield(sqlstore.ChildLinks{Child: c}, nil) {
						return
					}
				}
			}
		}
		if err := db.BulkLoad(sys, func(b *sqlstore.Bulk) error { _, err := b.Children(lucies, nil); return err }); err != nil {
			t.Fatal(err)
		}
		svc := sqlstore.NewChildService(db)
		mash := vigiltest.As(t, db, "mash.officer")
		liz := mustCreate(t, svc, mash, vigil.NewChild{GivenName: "Elizabeth", FamilyName: "Smith", DateOfBirth: dob(2010, 3, 4),
			Sex: vigil.SexFemale, LPAID: 1, ConfirmedNew: true})
		ms := mustMatch(t, svc, mash, vigil.ChildQuery{GivenName: "Liz", FamilyName: "Smyth"})
		if len(ms) == 0 || ms[0].Child == nil || ms[0].Child.ID != liz.ID {
			t.Errorf("Liz Smyth finds %+v; want child %d first", ms, liz.ID)
		}
	})
}

// TestMatchChildrenRespectsScope: a match the searcher may not read is
// only "held by" a team; partners learn nothing of children not shared
// with them; the log names only the children shown.
func TestMatchChildrenRespectsScope(t *testing.T) {
	forEachDemo(t, func(t *testing.T, db *sqlstore.DB, _ *demo.Org) {
		svc := sqlstore.NewChildService(db)
		mash := vigiltest.As(t, db, "mash.officer")
		liz := mustCreate(t, svc, mash, featherstone()) // Marlcombe, on the MASH's caseload
		q := vigil.ChildQuery{GivenName: "Liz", FamilyName: "Featherstone", DateOfBirth: dob(2010, 3, 4)}
		const mashTeam = "Multi-Agency Safeguarding Hub (Police)"

		if m := matchOf(mustMatch(t, svc, vigiltest.As(t, db, "missing.marlcombe"), q), liz.ID); m == nil || m.Child.School == "" {
			t.Errorf("Marlcombe's coordinator does not see a Marlcombe child: %+v", m)
		}
		for _, user := range []string{"missing.ashvale", "response.officer", "offender.manager"} {
			ms := mustMatch(t, svc, vigiltest.As(t, db, user), q)
			if matchOf(ms, liz.ID) != nil || !slices.Equal(heldBy(ms), []string{mashTeam}) {
				t.Errorf("%s: %+v; want only held by %s", user, ms, mashTeam)
			}
		}
		for _, user := range []string{"social.worker", "health.nurse"} {
			if ms := mustMatch(t, svc, vigiltest.As(t, db, user), q); matchOf(ms, liz.ID) != nil || len(heldBy(ms)) > 0 {
				t.Errorf("partner %s learns of a child not shared with them: %+v", user, ms)
			}
		}
		// The search is logged with only the children shown, and nothing
		// is logged as a refused read.
		ashID := userID(t, db, "missing.ashvale")
		page, err := sqlstore.NewAccessLogService(db).AccessLog(vigiltest.As(t, db, "auditor"), vigil.AccessLogFilter{UserID: ashID})
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Items) != 1 || page.Items[0].Action != vigil.ActionSearch || page.Items[0].Outcome != vigil.OutcomeOK ||
			slices.Contains(page.Items[0].RecordIDs, liz.ID) || !strings.Contains(page.Items[0].Reason, "1 held elsewhere") {
			t.Errorf("the Ashvale coordinator's log: %+v", page.Items)
		}
		mar, err := sqlstore.NewAccessLogService(db).AccessLog(vigiltest.As(t, db, "auditor"),
			vigil.AccessLogFilter{UserID: userID(t, db, "missing.marlcombe")})
		if err != nil || len(mar.Items) != 1 || !slices.Contains(mar.Items[0].RecordIDs, liz.ID) {
			t.Errorf("the Marlcombe coordinator's search does not name the child shown: %+v, %v", mar.Items, err)
		}

		// Shared with Ashvale children's services, identity only: the
		// social worker sees her, without where she lives or goes to school.
		if _, err := svc.Share(mash, vigil.Share{AgencyID: 1, RecordID: liz.ID, Parts: []string{vigil.PartIdentity},
			Purpose: "Strategy discussion", LawfulBasis: vigil.LawfulBases[2]}); err != nil {
			t.Fatal(err)
		}
		m := matchOf(mustMatch(t, svc, vigiltest.As(t, db, "social.worker"), q), liz.ID)
		if m == nil || !m.Child.IsWithheld(vigil.PartAddress) || m.Child.School != "" || m.Child.AddressLine != "" ||
			m.Child.Carers != "" || m.Child.FamilyName != "Featherstone" || len(m.Child.WarningMarkers) != 2 {
			t.Errorf("the social worker's match: %+v", m)
		}
		if ms := mustMatch(t, svc, vigiltest.As(t, db, "health.nurse"), q); matchOf(ms, liz.ID) != nil || len(heldBy(ms)) > 0 {
			t.Errorf("health learns of a child shared with children's services only: %+v", ms)
		}

		// Opened with a reason, the child shows as such.
		ash := vigiltest.As(t, db, "missing.ashvale")
		if _, err := svc.OpenWithReason(ash, liz.ID, "incident", "Checking whether a new report is about her"); err != nil {
			t.Fatal(err)
		}
		if m := matchOf(mustMatch(t, svc, ash, q), liz.ID); m == nil || !m.Child.ByBreakGlass {
			t.Errorf("after break-glass: %+v", m)
		}

		// The address restricted: Marlcombe's coordinator may still see it
		// (the role is allowed); the MASH officer who restricted it too;
		// the control room may not, but still sees the child.
		if _, err := svc.Restrict(mash, vigil.Restriction{RecordID: liz.ID, Part: vigil.PartAddress, Reason: "Placement kept confidential",
			AllowedRoles: []vigil.Role{vigil.RoleMissingCoordinator}}); err != nil {
			t.Fatal(err)
		}
		if m := matchOf(mustMatch(t, svc, vigiltest.As(t, db, "call.handler"), q), liz.ID); m == nil ||
			!m.Child.IsWithheld(vigil.PartAddress) || m.Child.School != "" || m.Child.Placement != "" {
			t.Errorf("the call handler's match with the address restricted: %+v", m)
		}

		// Restricted whole, she is held by her team for everyone else.
		if _, err := svc.Restrict(mash, vigil.Restriction{RecordID: liz.ID, Reason: "Witness protection",
			AllowedRoles: []vigil.Role{vigil.RoleMASHPractitioner}}); err != nil {
			t.Fatal(err)
		}
		if ms := mustMatch(t, svc, vigiltest.As(t, db, "missing.marlcombe"), q); matchOf(ms, liz.ID) != nil ||
			!slices.Equal(heldBy(ms), []string{mashTeam}) {
			t.Errorf("a whole-record restriction: %+v", ms)
		}
		if ms := mustMatch(t, svc, vigiltest.As(t, db, "social.worker"), q); len(ms) != 0 {
			t.Errorf("the partner after a whole-record restriction: %+v", ms)
		}
	})
}

// TestHeldByFallsBackToTheLPA: a child on nobody's caseload is held by
// their local policing area.
func TestHeldByFallsBackToTheLPA(t *testing.T) {
	forEachDemo(t, func(t *testing.T, db *sqlstore.DB, _ *demo.Org) {
		svc := sqlstore.NewChildService(db)
		liz := mustCreate(t, svc, vigiltest.AsSystem(t, db), featherstone()) // the system account has no team
		ms := mustMatch(t, svc, vigiltest.As(t, db, "missing.ashvale"), featherstone().Query())
		if matchOf(ms, liz.ID) != nil || !slices.Equal(heldBy(ms), []string{"Marlcombe"}) {
			t.Errorf("%+v; want held by Marlcombe", ms)
		}
	})
}

func TestUpdateChild(t *testing.T) {
	forEachDemo(t, func(t *testing.T, db *sqlstore.DB, _ *demo.Org) {
		svc := sqlstore.NewChildService(db)
		ash := vigiltest.As(t, db, "missing.ashvale")
		liz := mustCreate(t, svc, ash, featherstone())
		n := vigil.NewChildFrom(liz.Child)
		n.FamilyName, n.School = "Ashworth", "Marlcombe Grammar School"
		up, err := svc.UpdateChild(ash, liz.ID, liz.Version, n)
		if err != nil {
			t.Fatal(err)
		}
		if up.Version != 2 || up.FamilyName != "Ashworth" || up.School != "Marlcombe Grammar School" || up.Carers != liz.Carers {
			t.Errorf("updated %+v", up.Child)
		}
		keys, err := sqlstore.NameKeysOf(db, liz.ID)
		if err != nil {
			t.Fatal(err)
		}
		slices.Sort(keys)
		if !slices.Equal(keys, vigil.NameKeys("Elizabeth", "Ashworth", "Lizzie")) {
			t.Errorf("keys after a new family name: %q", keys)
		}
		if _, err := svc.UpdateChild(ash, liz.ID, liz.Version, n); vigil.ErrorCode(err) != vigil.ECONFLICT {
			t.Errorf("an update from an old version: %v", err)
		}
		if _, err := svc.UpdateChild(vigiltest.As(t, db, "response.officer"), liz.ID, up.Version, n); vigil.ErrorCode(err) != vigil.EFORBIDDEN {
			t.Errorf("an update outside the officer's scope: %v", err)
		}
		if !logged(t, db, vigil.KindChild, liz.ID, vigil.ActionUpdate, vigil.OutcomeDenied) ||
			!logged(t, db, vigil.KindChild, liz.ID, vigil.ActionUpdate, vigil.OutcomeOK) {
			t.Error("the update and the refusal are not both logged")
		}
		bad := n
		bad.DateOfBirth = vigiltest.Epoch.AddDate(0, 0, 2)
		if _, err := svc.UpdateChild(ash, liz.ID, up.Version, bad); fieldErrs(err)["date_of_birth"] == "" {
			t.Errorf("a date of birth in the future: %v", err)
		}

		// The address restricted to coordinators: the MASH officer, who
		// cannot see it, changes the social worker; the address, school
		// and carers they were never shown stay as they were.
		if _, err := svc.Restrict(ash, vigil.Restriction{RecordID: liz.ID, Part: vigil.PartAddress, Reason: "Placement kept confidential",
			AllowedRoles: []vigil.Role{vigil.RoleMissingCoordinator}}); err != nil {
			t.Fatal(err)
		}
		mash := vigiltest.As(t, db, "mash.officer")
		seen, err := svc.Child(mash, liz.ID)
		if err != nil || seen.School != "" {
			t.Fatalf("the MASH officer's view: %+v, %v", seen, err)
		}
		m := vigil.NewChildFrom(seen.Child)
		m.SocialWorker = "Sam Price, Marlcombe Borough Council Children's Services"
		after, err := svc.UpdateChild(mash, liz.ID, seen.Version, m)
		if err != nil {
			t.Fatal(err)
		}
		if after.School != "" || after.SocialWorker != m.SocialWorker {
			t.Errorf("the MASH officer's result: %+v", after.Child)
		}
		full, err := svc.Child(ash, liz.ID)
		if err != nil {
			t.Fatal(err)
		}
		if full.School != "Marlcombe Grammar School" || full.AddressLine != "14 Harbour Row" || full.Carers != liz.Carers ||
			full.SocialWorker != m.SocialWorker || full.Version != 3 {
			t.Errorf("a withheld part was overwritten: %+v", full.Child)
		}

		// The history holds the school's values; the MASH officer is not
		// shown them.
		for _, tc := range []struct {
			user   string
			school bool
		}{{"missing.ashvale", true}, {"mash.officer", false}} {
			hist, err := svc.ChildHistory(vigiltest.As(t, db, tc.user), liz.ID)
			if err != nil {
				t.Fatal(err)
			}
			school, social := false, false
			for _, ch := range hist {
				for _, f := range ch.Fields {
					school = school || f.Field == "school" || f.Field == "address_line"
					social = social || f.Field == "social_worker"
				}
			}
			if school != tc.school || !social {
				t.Errorf("%s sees the school's history %v (want %v), the social worker's %v", tc.user, school, tc.school, social)
			}
		}

		// No longer looked after: the placement goes with it.
		n = vigil.NewChildFrom(full.Child)
		n.LookedAfter = false
		done, err := svc.UpdateChild(ash, liz.ID, full.Version, n)
		if err != nil {
			t.Fatal(err)
		}
		if done.LookedAfter || done.Placement != "" || done.Carers != "" || done.PlacingAuthority != "" {
			t.Errorf("no longer looked after: %+v", done.Child)
		}
	})
}

// TestDemoChildrenHaveProfilesAndKeys: the bulk load writes every demo
// child's profile and search keys.
func TestDemoChildrenHaveProfilesAndKeys(t *testing.T) {
	forEachDemo(t, func(t *testing.T, db *sqlstore.DB, org *demo.Org) {
		cfg := demo.Config{Seed: 7, Scale: demo.Small, AsOf: vigiltest.Epoch}
		var want []vigil.Child
		wantKeys := 0
		if err := org.Children(cfg, func(c vigil.Child, _ demo.ChildLinks) error {
			want = append(want, c)
			wantKeys += len(vigil.NameKeys(c.GivenName, c.FamilyName, c.OtherNames))
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		children, keys, err := sqlstore.CountNameKeys(db)
		if err != nil {
			t.Fatal(err)
		}
		if children != org.ChildCount || keys != wantKeys {
			t.Errorf("%d children with %d keys; want %d with %d", children, keys, org.ChildCount, wantKeys)
		}
		svc := sqlstore.NewChildService(db)
		mash := vigiltest.As(t, db, "mash.officer")
		looked := 0
		for _, c := range want[:40] {
			got, err := svc.Child(mash, c.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.School != c.School || got.SocialWorker != c.SocialWorker || got.LookedAfter != c.LookedAfter ||
				got.PlacingAuthority != c.PlacingAuthority || got.Placement != c.Placement || got.Carers != c.Carers ||
				!slices.Equal(got.WarningMarkers, c.WarningMarkers) {
				t.Errorf("child %d loaded as %+v\nwant %+v", c.ID, got.Child, c)
			}
			if c.LookedAfter {
				looked++
			}
			// Found by name alone, through the keys.
			if matchOf(mustMatch(t, svc, mash, vigil.ChildQuery{GivenName: c.GivenName, FamilyName: c.FamilyName}), c.ID) == nil {
				t.Errorf("%s %s (%d) is not found by name", c.GivenName, c.FamilyName, c.ID)
			}
		}
		if looked == 0 {
			t.Error("no looked-after child among the first 40")
		}
	})
}
