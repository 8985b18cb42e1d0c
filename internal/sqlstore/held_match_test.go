package sqlstore_test

import (
	"slices"
	"testing"
	"time"

	"github.com/vigilcp/vigil/internal/sqlstore"
	"github.com/vigilcp/vigil/internal/vigil"
	"github.com/vigilcp/vigil/internal/vigiltest"
)

// heldRef searches for a child as the user would and returns the held
// match's reference.
func heldRef(t *testing.T, db *sqlstore.DB, user string, c vigil.Child) string {
	t.Helper()
	ms, err := sqlstore.NewChildService(db).MatchChildren(vigiltest.As(t, db, user),
		vigil.ChildQuery{GivenName: c.GivenName, FamilyName: c.FamilyName, DateOfBirth: c.DateOfBirth})
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range ms {
		if m.Child != nil && m.Child.ID == c.ID {
			t.Fatalf("%s may read child %d already", user, c.ID)
		}
		if m.Child == nil && m.Ref != "" {
			return m.Ref
		}
	}
	return ""
}

// TestReportAboutAHeldMatch: a response officer whose search before
// create finds a child held by another team reports them missing without
// opening the record: the new episode is theirs to see and work, the
// child's record and other episodes stay closed, and the reference works
// once, for them, for an hour.
func TestReportAboutAHeldMatch(t *testing.T) {
	forEachMissing(t, func(t *testing.T, db *sqlstore.DB, clock *vigiltest.Clock) {
		children, missing := sqlstore.NewChildService(db), sqlstore.NewMissingService(db)
		sys := vigiltest.AsSystem(t, db)
		resp := vigiltest.As(t, db, "response.officer")
		// A child outside the officer's team with earlier episodes, none open.
		var child *vigil.ChildRecord
		var earlier []vigil.Episode
		for id := int64(1); id < 400 && child == nil; id++ {
			if _, err := children.Child(resp, id); vigil.ErrorCode(err) != vigil.EFORBIDDEN {
				continue
			}
			page, err := missing.Episodes(sys, vigil.EpisodeFilter{ChildID: id})
			if err != nil {
				t.Fatal(err)
			}
			if len(page.Items) == 0 || slices.ContainsFunc(page.Items, func(e vigil.Episode) bool { return e.Status == vigil.EpisodeOpen }) {
				continue
			}
			if child, err = children.Child(sys, id); err != nil {
				t.Fatal(err)
			}
			earlier = page.Items
		}
		if child == nil {
			t.Fatal("no child outside the response officer's team has closed episodes")
		}
		ref := heldRef(t, db, "response.officer", child.Child)
		if ref == "" {
			t.Fatal("the held match has no reference")
		}
		// Another person cannot use it.
		r := report(0, clock.Now().Add(-time.Hour), vigil.RiskHigh)
		r.MatchRef = ref
		if _, err := missing.Report(vigiltest.As(t, db, "call.handler"), r); fieldErrs(err)["match_ref"] == "" {
			t.Errorf("someone else's reference: %v", err)
		}
		e, err := missing.Report(resp, r)
		if err != nil {
			t.Fatal(err)
		}
		if e.ChildID != child.ID {
			t.Fatalf("the report is about child %d, not %d", e.ChildID, child.ID)
		}
		// Once only.
		if _, err := missing.Report(resp, r); fieldErrs(err)["match_ref"] == "" {
			t.Errorf("a used reference: %v", err)
		}
		// The officer reads and works their episode ...
		if _, err := missing.Episode(resp, e.ID); err != nil {
			t.Errorf("reading the episode they reported: %v", err)
		}
		if err := missing.Note(resp, e.ID, "enquiry", "Spoke to the reporter again at the address"); err != nil {
			t.Errorf("working the episode they reported: %v", err)
		}
		// ... and nothing else of the child's.
		if _, err := children.Child(resp, child.ID); vigil.ErrorCode(err) != vigil.EFORBIDDEN {
			t.Errorf("the child's record opened: %v", err)
		}
		for _, old := range earlier {
			if _, err := missing.Episode(resp, old.ID); vigil.ErrorCode(err) != vigil.EFORBIDDEN {
				t.Errorf("an earlier episode %d opened: %v", old.ID, err)
			}
		}
		page, err := missing.Episodes(resp, vigil.EpisodeFilter{ChildID: child.ID})
		if err != nil || len(page.Items) != 1 || page.Items[0].ID != e.ID {
			t.Errorf("the officer lists the child's episodes %+v %v, want only %d", page.Items, err, e.ID)
		}
		// An hour later a fresh reference has run out.
		ref = heldRef(t, db, "response.officer", child.Child)
		clock.Advance(vigil.HeldMatchFor + time.Millisecond)
		r2 := report(0, clock.Now().Add(-time.Minute), vigil.RiskLow)
		r2.MatchRef = ref
		if _, err := missing.Report(resp, r2); fieldErrs(err)["match_ref"] == "" {
			t.Errorf("an expired reference: %v", err)
		}
		// A child restricted from the officer gets no reference.
		mash := vigiltest.As(t, db, "mash.officer")
		if _, err := children.Restrict(mash, vigil.Restriction{RecordID: child.ID, Reason: "Witness protection",
			AllowedRoles: []vigil.Role{vigil.RoleMASHPractitioner}}); err != nil {
			t.Fatal(err)
		}
		if ref := heldRef(t, db, "response.officer", child.Child); ref != "" {
			t.Error("a restricted child's match came with a reference")
		}
		if _, err := missing.Episode(resp, e.ID); vigil.ErrorCode(err) != vigil.EFORBIDDEN {
			t.Errorf("the restriction does not hold back the officer's own episode: %v", err)
		}
	})
}
