package sqlstore_test

import (
	"context"
	"strings"
	"testing"

	"github.com/vigilcp/vigil/internal/demo"
	"github.com/vigilcp/vigil/internal/sqlstore"
	"github.com/vigilcp/vigil/internal/vigil"
	"github.com/vigilcp/vigil/internal/vigiltest"
)

// TestRestrictionsCanBeLifted: a restriction that excludes everyone but
// the auditors can be seen and lifted, with a reason, by a coordinator who
// may restrict the record and whose scope covers it; not by one whose
// scope does not, nor by anyone without the permission. Lifting is logged
// and kept in the history, and the record opens again.
func TestRestrictionsCanBeLifted(t *testing.T) {
	forEachDemo(t, func(t *testing.T, db *sqlstore.DB, _ *demo.Org) {
		svc := sqlstore.NewChildService(db)
		child := childrenIn(t, db, "missing.ashvale", 1, 1)[0]
		res, err := svc.Restrict(vigiltest.AsSystem(t, db), vigil.Restriction{RecordID: child, Reason: "Subject of a covert operation",
			AllowedRoles: []vigil.Role{vigil.RoleAuditor}})
		if err != nil {
			t.Fatal(err)
		}
		ash, mar, resp := vigiltest.As(t, db, "missing.ashvale"), vigiltest.As(t, db, "missing.marlcombe"), vigiltest.As(t, db, "response.officer")
		if _, err := svc.Child(ash, child); vigil.ErrorCode(err) != vigil.EFORBIDDEN {
			t.Fatalf("the restriction does not hold: %v", err)
		}
		// The coordinator sees that it exists and why.
		list, err := svc.Restrictions(ash, child)
		if err != nil || len(list) != 1 || list[0].ID != res.ID || !list[0].Excludes || list[0].Reason != "Subject of a covert operation" ||
			!list[0].Holds() {
			t.Fatalf("the coordinator's view of the restrictions: %+v %v", list, err)
		}
		// Others may not.
		for name, ctx := range map[string]context.Context{"another LPA's coordinator": mar, "a response officer": resp} {
			c := map[string]func() error{
				"list": func() error { _, err := svc.Restrictions(ctx, child); return err },
				"lift": func() error { _, err := svc.LiftRestriction(ctx, child, res.ID, "No longer needed"); return err },
			}
			for what, f := range c {
				if err := f(); vigil.ErrorCode(err) != vigil.EFORBIDDEN {
					t.Errorf("%s, %s: %v", name, what, err)
				}
			}
		}
		if _, err := svc.LiftRestriction(ash, child, res.ID, "no"); fieldErrs(err)["reason"] == "" {
			t.Errorf("a reason that says nothing: %v", err)
		}
		lifted, err := svc.LiftRestriction(ash, child, res.ID, "The operation has ended: the record can be seen again")
		if err != nil {
			t.Fatal(err)
		}
		if lifted.LiftedAt == nil || lifted.LiftedBy != userID(t, db, "missing.ashvale") || lifted.Holds() {
			t.Errorf("lifted: %+v", lifted)
		}
		if _, err := svc.LiftRestriction(ash, child, res.ID, "The operation has ended"); vigil.ErrorCode(err) != vigil.ECONFLICT {
			t.Errorf("lifting twice: %v", err)
		}
		if _, err := svc.LiftRestriction(ash, child, 999999, "The operation has ended"); vigil.ErrorCode(err) != vigil.ENOTFOUND {
			t.Errorf("lifting a restriction that does not exist: %v", err)
		}
		if _, err := svc.Child(ash, child); err != nil {
			t.Errorf("the record is still closed after lifting: %v", err)
		}
		hist, err := svc.ChildHistory(ash, child)
		if err != nil || len(hist) < 2 || hist[0].Action != "restriction_lifted" {
			t.Errorf("the history: %+v %v", hist, err)
		}
		if !logged(t, db, vigil.KindChild, child, vigil.ActionRestrict, vigil.OutcomeOK) {
			t.Error("lifting is not in the access log")
		}
		if !logged(t, db, vigil.KindChild, child, vigil.ActionRestrict, vigil.OutcomeDenied) {
			t.Error("the refused lift is not in the access log")
		}
	})
}

// TestPartnerHistoryShowsOnlyTheirShares: two partner agencies each see,
// in a child's history, the shares to their own agency and no restriction
// events; a police user sees all of it.
func TestPartnerHistoryShowsOnlyTheirShares(t *testing.T) {
	forEachDemo(t, func(t *testing.T, db *sqlstore.DB, _ *demo.Org) {
		svc := sqlstore.NewChildService(db)
		mash := vigiltest.As(t, db, "mash.officer")
		child := childrenIn(t, db, "missing.ashvale", 1, 1)[0]
		for _, agency := range []int64{1, 3, 4} {
			if _, err := svc.Share(mash, vigil.Share{AgencyID: agency, RecordID: child, Parts: []string{vigil.PartIdentity},
				Purpose: "Strategy discussion", LawfulBasis: vigil.LawfulBases[2]}); err != nil {
				t.Fatal(err)
			}
		}
		res, err := svc.Restrict(mash, vigil.Restriction{RecordID: child, Part: vigil.PartAddress, Reason: "Placed in a refuge",
			AllowedRoles: []vigil.Role{vigil.RoleMASHPractitioner}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := svc.LiftRestriction(mash, child, res.ID, "Moved on from the refuge"); err != nil {
			t.Fatal(err)
		}
		summary := func(user string) []string {
			hist, err := svc.ChildHistory(vigiltest.As(t, db, user), child)
			if err != nil {
				t.Fatalf("%s: %v", user, err)
			}
			var out []string
			for _, ch := range hist {
				for _, f := range ch.Fields {
					if f.Field == "shared_with" || f.Field == "restricted" {
						out = append(out, ch.Action+" "+str(f.After)+str(f.Before))
					}
				}
			}
			return out
		}
		sw, nurse, police := summary("social.worker"), summary("health.nurse"), summary("mash.officer")
		if len(police) != 5 {
			t.Errorf("the MASH officer sees %d share and restriction events, want 5: %q", len(police), police)
		}
		for name, got := range map[string][]string{"social worker": sw, "health nurse": nurse} {
			if len(got) != 1 || !strings.HasPrefix(got[0], "share ") {
				t.Errorf("the %s sees %q, want only the share to their own agency", name, got)
			}
		}
		if len(sw) == 1 && !strings.Contains(sw[0], "Ashvale Council Children's Services") {
			t.Errorf("the social worker sees another agency's share: %q", sw)
		}
		if len(nurse) == 1 && !strings.Contains(nurse[0], "Kingsmoor NHS") {
			t.Errorf("the health nurse sees another agency's share: %q", nurse)
		}
	})
}
