package sqlstore_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vigilcp/vigil/internal/demo"
	"github.com/vigilcp/vigil/internal/sqlstore"
	"github.com/vigilcp/vigil/internal/vigil"
	"github.com/vigilcp/vigil/internal/vigiltest"
)

// childrenIn returns the first n children of an LPA, as a coordinator of
// that LPA lists them.
func childrenIn(t *testing.T, db *sqlstore.DB, user string, lpa int64, n int) []int64 {
	t.Helper()
	page, err := sqlstore.NewChildService(db).Children(vigiltest.As(t, db, user),
		vigil.ChildFilter{LPAID: lpa, PageRequest: vigil.PageRequest{Limit: n}})
	if err != nil {
		t.Fatal(err)
	}
	var out []int64
	for _, c := range page.Items {
		out = append(out, c.ID)
	}
	if len(out) < n {
		t.Fatalf("%d children in LPA %d, want %d", len(out), lpa, n)
	}
	return out
}

func philomena(child int64, at time.Time) vigil.Profile {
	return vigil.Profile{ChildID: child, Description: "Slim, 5ft 4in, dyed red hair, scar above left eyebrow",
		PhotoRef: "IMG-2026-0412 (force image store)", Medical: "Asthma: carries a blue inhaler",
		Financial: "Has a bank card; no travel pass", Phones: "07700 900456 (iPhone, black case)",
		SocialMedia: "Snapchat and TikTok", KeptBy: "Oakfield children's home, 01632 960123", ConfirmedAt: &at}
}

// TestProfileKeepsVersionsAndRefusesBadInput: the first save creates the
// profile, a save on an old version is refused, and bad input is refused
// with field errors and changes nothing.
func TestProfileKeepsVersionsAndRefusesBadInput(t *testing.T) {
	forEachDemo(t, func(t *testing.T, db *sqlstore.DB, _ *demo.Org) {
		svc := sqlstore.NewProfileService(db)
		ash := vigiltest.As(t, db, "missing.ashvale")
		child := childrenIn(t, db, "missing.ashvale", 1, 1)[0]
		empty, err := svc.Profile(ash, child)
		if err != nil {
			t.Fatal(err)
		}
		if !empty.Profile.Empty() || len(empty.Links) != 0 {
			t.Fatalf("a child with no profile: %+v", empty)
		}
		now := vigiltest.Epoch
		p, err := svc.SaveProfile(ash, philomena(child, now.Add(-time.Hour)), 0)
		if err != nil {
			t.Fatal(err)
		}
		if p.Version != 1 || p.KeptBy == "" {
			t.Fatalf("saved profile = %+v", p)
		}
		if _, err := svc.SaveProfile(ash, philomena(child, now.Add(-time.Hour)), 0); vigil.ErrorCode(err) != vigil.ECONFLICT {
			t.Fatalf("a second first save: %v", err)
		}
		bad := philomena(child, now.Add(48*time.Hour))
		bad.KeptBy, bad.Description = " ", "changed"
		_, err = svc.SaveProfile(ash, bad, 1)
		if fields := fieldNames(err); !slices.Equal(fields, []string{"confirmed_at", "kept_by"}) {
			t.Fatalf("bad input: %v (fields %v)", err, fields)
		}
		got, err := svc.Profile(ash, child)
		if err != nil {
			t.Fatal(err)
		}
		if got.Profile.Version != 1 || got.Profile.Description != p.Description {
			t.Fatalf("a refused save changed the profile: %+v", got.Profile)
		}
		// Those with no role to keep profiles cannot.
		if _, err := svc.SaveProfile(vigiltest.As(t, db, "auditor"), philomena(child, now), 1); vigil.ErrorCode(err) != vigil.EFORBIDDEN {
			t.Fatalf("an auditor keeping a profile: %v", err)
		}
		// Reads and writes are in the access log.
		log, err := sqlstore.NewAccessLogService(db).AccessLog(vigiltest.As(t, db, "auditor"),
			vigil.AccessLogFilter{RecordKind: vigil.KindChild, RecordID: child})
		if err != nil {
			t.Fatal(err)
		}
		var actions []string
		for _, e := range log.Items {
			actions = append(actions, string(e.Action)+"/"+e.Outcome)
		}
		for _, want := range []string{"read/ok", "profile/ok"} {
			if !slices.Contains(actions, want) {
				t.Errorf("access log for the child %v lacks %s", actions, want)
			}
		}
	})
}

// fieldNames lists an error's fields, sorted.
func fieldNames(err error) []string {
	var out []string
	for _, f := range vigil.ErrorFields(err) {
		out = append(out, f.Field)
	}
	slices.Sort(out)
	return out
}

// TestLinksShowPatternsAcrossChildren: one person linked to three
// children is one record; each reader sees the children they may see and
// a count of the rest; a partner agency sees neither more nor the count.
func TestLinksShowPatternsAcrossChildren(t *testing.T) {
	forEachDemo(t, func(t *testing.T, db *sqlstore.DB, _ *demo.Org) {
		svc := sqlstore.NewProfileService(db)
		ash, mar := vigiltest.As(t, db, "missing.ashvale"), vigiltest.As(t, db, "missing.marlcombe")
		kids := childrenIn(t, db, "missing.ashvale", 1, 2)
		marKid := childrenIn(t, db, "missing.marlcombe", 2, 1)[0]
		first, err := svc.Link(ash, vigil.NewLink{ChildID: kids[0], Relation: vigil.RelationExploiter, Name: "Jay Marsh",
			Description: "Drives a silver Audi; known as ‘J’", Notes: "Seen collecting her from school twice"})
		if err != nil {
			t.Fatal(err)
		}
		if first.AssociateID == 0 || first.Name != "Jay Marsh" || first.OtherChildren != 0 {
			t.Fatalf("first link = %+v", first)
		}
		// The same name for a second child finds the one already recorded.
		_, err = svc.Link(ash, vigil.NewLink{ChildID: kids[1], Relation: vigil.RelationAssociate, Name: "jay marsh"})
		if vigil.ErrorCode(err) != vigil.ECONFLICT {
			t.Fatalf("a second Jay Marsh without a search: %v", err)
		}
		matches, err := svc.MatchLinks(ash, false, "Jay Marsh")
		if err != nil {
			t.Fatal(err)
		}
		if len(matches) != 1 || matches[0].AssociateID != first.AssociateID || matches[0].Children != 1 {
			t.Fatalf("matches = %+v", matches)
		}
		if _, err := svc.Link(ash, vigil.NewLink{ChildID: kids[1], Relation: vigil.RelationAssociate, AssociateID: first.AssociateID}); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Link(mar, vigil.NewLink{ChildID: marKid, Relation: vigil.RelationExploiter, AssociateID: first.AssociateID}); err != nil {
			t.Fatal(err)
		}
		// Linking the same way twice is refused.
		if _, err := svc.Link(mar, vigil.NewLink{ChildID: marKid, Relation: vigil.RelationExploiter, AssociateID: first.AssociateID}); !slices.Contains(fieldNames(err), "name") {
			t.Fatalf("a duplicate link: %v", err)
		}
		prof, err := svc.Profile(ash, kids[0])
		if err != nil {
			t.Fatal(err)
		}
		if len(prof.Links) != 1 || prof.Links[0].OtherChildren != 2 {
			t.Fatalf("links on the first child = %+v", prof.Links)
		}
		rec, err := svc.Associate(ash, first.AssociateID)
		if err != nil {
			t.Fatal(err)
		}
		var seen []int64
		for _, c := range rec.Children {
			seen = append(seen, c.ChildID)
		}
		slices.Sort(seen)
		want := slices.Sorted(slices.Values(kids))
		if !slices.Equal(seen, want) || rec.Others != 1 {
			t.Fatalf("Ashvale sees children %v and %d others; want %v and 1", seen, rec.Others, want)
		}
		// A new person with a different name is not offered as a match.
		if m, err := svc.MatchLinks(ash, false, "Aaron Pike"); err != nil || len(m) != 0 {
			t.Fatalf("matches for another name: %+v, %v", m, err)
		}
		// Ending a link keeps it in the record and the count drops.
		if err := svc.EndLink(mar, marKid, linkOf(t, svc, mar, marKid)); err != nil {
			t.Fatal(err)
		}
		if rec, err = svc.Associate(ash, first.AssociateID); err != nil || rec.Others != 0 {
			t.Fatalf("after ending the Marlcombe link: %+v, %v", rec, err)
		}
		if _, err := svc.Associate(mar, first.AssociateID); vigil.ErrorCode(err) != vigil.EFORBIDDEN {
			t.Fatalf("Marlcombe reading a person linked only to Ashvale children now: %v", err)
		}
		ended, err := svc.Profile(mar, marKid)
		if err != nil || len(ended.Links) != 1 || ended.Links[0].EndedAt == nil {
			t.Fatalf("the ended link: %+v, %v", ended, err)
		}
		if err := svc.EndLink(mar, marKid, ended.Links[0].ID); vigil.ErrorCode(err) != vigil.ENOTFOUND {
			t.Fatalf("ending it twice: %v", err)
		}
	})
}

func linkOf(t *testing.T, svc *sqlstore.ProfileService, ctx context.Context, child int64) int64 {
	t.Helper()
	p, err := svc.Profile(ctx, child)
	if err != nil || len(p.Links) == 0 {
		t.Fatalf("links of %d: %+v, %v", child, p, err)
	}
	return p.Links[0].ID
}

// TestPartnerSeesProfileOnlyWhenShared: a partner agency reads and keeps
// a child's profile only when the profile part is shared with it, and of
// an associate sees only the shared children, with no count of others.
func TestPartnerSeesProfileOnlyWhenShared(t *testing.T) {
	forEachDemo(t, func(t *testing.T, db *sqlstore.DB, _ *demo.Org) {
		svc := sqlstore.NewProfileService(db)
		ash, sw := vigiltest.As(t, db, "missing.ashvale"), vigiltest.As(t, db, "social.worker")
		child := sharedChild(t, db)
		other := notShared(t, db)
		station, err := svc.Link(ash, vigil.NewLink{ChildID: child, Relation: vigil.RelationFrequents, Name: "Ashvale bus station",
			Postcode: "AV1 2BS"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Link(ash, vigil.NewLink{ChildID: other, Relation: vigil.RelationFoundAt, PlaceID: station.PlaceID}); err == nil {
			t.Fatal("a found-at link without an episode was accepted")
		}
		if _, err := svc.Link(ash, vigil.NewLink{ChildID: other, Relation: vigil.RelationFrequents, PlaceID: station.PlaceID}); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Profile(sw, child); vigil.ErrorCode(err) != vigil.EFORBIDDEN ||
			!strings.Contains(vigil.ErrorMessage(err), "not shared") {
			t.Fatalf("a partner reading a profile not shared with them: %v", err)
		}
		if _, err := svc.Profile(sw, other); vigil.ErrorCode(err) != vigil.ENOTFOUND {
			t.Fatalf("a partner reading an unshared child's profile: %v", err)
		}
		if _, err := sqlstore.NewChildService(db).Share(ash, vigil.Share{AgencyID: 1, RecordKind: vigil.KindChild, RecordID: child,
			Parts: []string{vigil.PartIdentity, vigil.PartProfile}, Purpose: "Return home interviews and the carer's profile",
			LawfulBasis: vigil.LawfulBases[1]}); err != nil {
			t.Fatal(err)
		}
		prof, err := svc.Profile(sw, child)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := svc.SaveProfile(sw, philomena(child, vigiltest.Epoch.Add(-time.Minute)), prof.Profile.Version); err != nil {
			t.Fatalf("the partner keeping the shared profile: %v", err)
		}
		if len(prof.Links) == 0 || prof.Links[0].PlaceID == 0 || prof.Links[0].OtherChildren != 0 {
			t.Fatalf("links the partner sees = %+v", prof.Links)
		}
		if ash, err := svc.Profile(ash, child); err != nil || ash.Links[0].OtherChildren != 1 {
			t.Fatalf("links the coordinator sees = %+v, %v", ash, err)
		}
		rec, err := svc.Place(sw, prof.Links[0].PlaceID)
		if err != nil {
			t.Fatal(err)
		}
		if len(rec.Children) != 1 || rec.Children[0].ChildID != child || rec.Others != 0 {
			t.Fatalf("the partner sees %+v and %d others", rec.Children, rec.Others)
		}
	})
}

// TestFoundLinksNeedTheirEpisode: "found with" and "found at" name an
// episode of the same child in which the child was found.
func TestFoundLinksNeedTheirEpisode(t *testing.T) {
	forEachMissing(t, func(t *testing.T, db *sqlstore.DB, clock *vigiltest.Clock) {
		svc := sqlstore.NewProfileService(db)
		ash := vigiltest.As(t, db, "missing.ashvale")
		kids := []int64{sharedChild(t, db)}
		for _, c := range childrenIn(t, db, "missing.ashvale", 1, 20) {
			if c != kids[0] {
				kids = append(kids, c)
			}
		}
		n := vigil.NewLink{ChildID: kids[0], Relation: vigil.RelationFoundWith, Name: "Kyle Dunn"}
		if _, err := svc.Link(ash, n); !slices.Equal(fieldNames(err), []string{"episode_id"}) {
			t.Fatalf("found with, no episode: %v", err)
		}
		ms := sqlstore.NewMissingService(db)
		for _, c := range kids[1:] {
			page, err := ms.Episodes(ash, vigil.EpisodeFilter{ChildID: c, PageRequest: vigil.PageRequest{Limit: 50}})
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range page.Items {
				if e.FoundAt != nil && n.EpisodeID == 0 {
					n.EpisodeID = e.ID
				}
			}
		}
		if n.EpisodeID == 0 {
			t.Fatal("no other Ashvale child was ever found")
		}
		if _, err := svc.Link(ash, n); !slices.Equal(fieldNames(err), []string{"episode_id"}) {
			t.Fatalf("found with, another child's episode: %v", err)
		}
		e, err := ms.Report(vigiltest.As(t, db, "call.handler"), report(kids[0], clock.Now().Add(-3*time.Hour), vigil.RiskMedium))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := ms.Found(ash, e.ID, vigil.FoundDetails{At: clock.Now(), Place: "Ashvale retail park",
			By: "PC Amin", Condition: "Cold, unhurt"}, e.Version); err != nil {
			t.Fatal(err)
		}
		n.EpisodeID = e.ID
		l, err := svc.Link(ash, n)
		if err != nil {
			t.Fatal(err)
		}
		if l.EpisodeID != e.ID || l.Relation != vigil.RelationFoundWith {
			t.Fatalf("link = %+v", l)
		}
		// The profile's missing history counts the episodes.
		prof, err := svc.Profile(ash, kids[0])
		if err != nil {
			t.Fatal(err)
		}
		if prof.Episodes < 1 || prof.LastReported == nil || !prof.LastReported.Equal(e.ReportedAt) {
			t.Fatalf("missing history: %d episodes, last %v; want the report at %v", prof.Episodes, prof.LastReported, e.ReportedAt)
		}
	})
}
