package sqlstore_test

import (
	"context"
	"slices"
	"testing"

	"github.com/vigilcp/vigil/internal/sqlstore"
	"github.com/vigilcp/vigil/internal/vigil"
	"github.com/vigilcp/vigil/internal/vigiltest"
)

// ashvaleChildWithEpisode is an Ashvale child with at least one missing
// episode (and none open), and that episode.
func ashvaleChildWithEpisode(t *testing.T, db *sqlstore.DB) (int64, vigil.Episode) {
	t.Helper()
	svc := sqlstore.NewMissingService(db)
	ash := vigiltest.As(t, db, "missing.ashvale")
	for _, child := range childrenIn(t, db, "missing.ashvale", 1, 60) {
		page, err := svc.Episodes(ash, vigil.EpisodeFilter{ChildID: child})
		if err != nil {
			t.Fatal(err)
		}
		open := false
		for _, e := range page.Items {
			open = open || e.Status == vigil.EpisodeOpen
		}
		if len(page.Items) > 0 && !open {
			return child, page.Items[0]
		}
	}
	t.Fatal("no Ashvale child has a closed episode")
	return 0, vigil.Episode{}
}

// TestBreakGlassOpensForReadingOnly: a coordinator in another LPA who
// opens a child's record with a reason reads it, its episodes, profile,
// shares and history, and can change, share, restrict, link or plan
// nothing; the refusals are logged.
func TestBreakGlassOpensForReadingOnly(t *testing.T) {
	forEachMissing(t, func(t *testing.T, db *sqlstore.DB, _ *vigiltest.Clock) {
		children, missing, profiles := sqlstore.NewChildService(db), sqlstore.NewMissingService(db), sqlstore.NewProfileService(db)
		child, episode := ashvaleChildWithEpisode(t, db)
		mar := vigiltest.As(t, db, "missing.marlcombe")
		if _, err := children.Child(mar, child); vigil.ErrorCode(err) != vigil.EFORBIDDEN {
			t.Fatalf("before opening: %v", err)
		}
		// Reasons that say nothing are refused, and open nothing.
		for _, weak := range []string{"aaaaaaaaaa", "asdf asdf asdf asdf", "need to see it"} {
			if _, err := children.OpenWithReason(mar, child, "incident", weak); vigil.ErrorCode(err) != vigil.EINVALID ||
				fieldErrs(err)["reason"] == "" {
				t.Errorf("reason %q: %v", weak, err)
			}
		}
		if _, err := children.OpenWithReason(mar, child, "", "Child found in Marlcombe at 02:00, need the care history"); fieldErrs(err)["purpose"] == "" {
			t.Errorf("no purpose: %v", err)
		}
		if _, err := children.Child(mar, child); vigil.ErrorCode(err) != vigil.EFORBIDDEN {
			t.Fatalf("a refused opening opened the record: %v", err)
		}
		bg, err := children.OpenWithReason(mar, child, "immediate_risk", "Child found in Marlcombe at 02:00, need the care history")
		if err != nil {
			t.Fatal(err)
		}
		if bg.Purpose != "immediate_risk" {
			t.Errorf("purpose kept as %q", bg.Purpose)
		}
		// Reading.
		c, err := children.Child(mar, child)
		if err != nil || !c.ByBreakGlass {
			t.Fatalf("reading after opening: %+v %v", c, err)
		}
		if _, err := children.ChildHistory(mar, child); err != nil {
			t.Errorf("history: %v", err)
		}
		if _, err := children.Shares(mar, child); err != nil {
			t.Errorf("shares: %v", err)
		}
		if page, err := missing.Episodes(mar, vigil.EpisodeFilter{ChildID: child}); err != nil || len(page.Items) == 0 {
			t.Errorf("the child's episodes: %d %v", len(page.Items), err)
		}
		if _, err := missing.Episode(mar, episode.ID); err != nil {
			t.Errorf("an episode: %v", err)
		}
		prof, err := profiles.Profile(mar, child)
		if err != nil {
			t.Fatalf("profile: %v", err)
		}
		// Writing: each refused with 403, and nothing changed.
		sys := vigiltest.AsSystem(t, db)
		before, err := children.Child(sys, child)
		if err != nil {
			t.Fatal(err)
		}
		change := vigil.NewChildFrom(before.Child)
		change.School = "Marlcombe Academy"
		p := philomena(child, vigiltest.Epoch)
		version := prof.Profile.Version
		for name, write := range map[string]func() error{
			"update": func() error { _, err := children.UpdateChild(mar, child, before.Version, change); return err },
			"share": func() error {
				_, err := children.Share(mar, vigil.Share{AgencyID: 1, RecordID: child, Parts: []string{vigil.PartIdentity},
					Purpose: "Strategy discussion", LawfulBasis: vigil.LawfulBases[2]})
				return err
			},
			"restrict": func() error {
				_, err := children.Restrict(mar, vigil.Restriction{RecordID: child, Reason: "Witness protection",
					AllowedRoles: []vigil.Role{vigil.RoleMissingCoordinator}})
				return err
			},
			"profile": func() error { _, err := profiles.SaveProfile(mar, p, version); return err },
			"link": func() error {
				_, err := profiles.Link(mar, vigil.NewLink{ChildID: child, Relation: vigil.RelationAssociate, Name: "Jay Mortimer",
					ConfirmedNew: true})
				return err
			},
			"note": func() error { return missing.Note(mar, episode.ID, "enquiry", "Checked the bus station cameras") },
			"plan": func() error {
				_, err := missing.SavePlan(mar, plan(child, "Weekly contact with the school", "Daily check-in"))
				return err
			},
		} {
			err := write()
			if vigil.ErrorCode(err) != vigil.EFORBIDDEN {
				t.Errorf("%s under break-glass: %v", name, err)
			}
		}
		after, err := children.Child(sys, child)
		if err != nil || after.Version != before.Version || after.School != before.School {
			t.Errorf("the record changed: %+v %v", after, err)
		}
		if plans, _ := missing.Plans(sys, child); len(plans) != 0 {
			t.Errorf("a plan was made: %+v", plans)
		}
		if !logged(t, db, vigil.KindChild, child, vigil.ActionShare, vigil.OutcomeDenied) {
			t.Error("the refused share is not in the access log")
		}
		// The reads under the opening are marked so in the access log;
		// the coordinator's reads elsewhere are not.
		page, err := sqlstore.NewAccessLogService(db).AccessLog(vigiltest.As(t, db, "auditor"), vigil.AccessLogFilter{
			UserID: userID(t, db, "missing.marlcombe"), PageRequest: vigil.PageRequest{Limit: vigil.MaxPageSize}})
		if err != nil {
			t.Fatal(err)
		}
		marked := map[string]bool{}
		for _, e := range page.Items {
			if e.Outcome != vigil.OutcomeOK {
				continue
			}
			about := slices.Contains(e.RecordIDs, child) || slices.Contains(e.RecordIDs, episode.ID)
			if e.BreakGlass != about && e.Action != vigil.ActionList && e.Action != vigil.ActionBreakGlass {
				t.Errorf("entry %d (%s %s %v, %q) marked break-glass %v", e.Seq, e.Action, e.RecordKind, e.RecordIDs, e.Reason, e.BreakGlass)
			}
			if e.BreakGlass {
				marked[string(e.Action)+" "+string(e.RecordKind)+" "+e.Reason] = true
			}
		}
		for _, want := range []string{"read child break-glass", "read child history", "read child shares", "read missing_episode "} {
			if !marked[want] {
				t.Errorf("no break-glass entry %q among %v", want, marked)
			}
		}
		// The marked entries hash as they are stored.
		if res, err := db.VerifyAccessLog(context.Background(), nil, nil); err != nil || res.Problem != "" {
			t.Errorf("the access log with break-glass entries does not verify: %+v %v", res, err)
		}
	})
}
