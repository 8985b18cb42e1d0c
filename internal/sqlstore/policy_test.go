package sqlstore_test

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/vigilcp/vigil/internal/demo"
	"github.com/vigilcp/vigil/internal/sqlstore"
	"github.com/vigilcp/vigil/internal/vigil"
	"github.com/vigilcp/vigil/internal/vigiltest"
)

func allChildren(t *testing.T, svc *sqlstore.ChildService, ctx context.Context) []int64 {
	t.Helper()
	return allIDs(t, func(cursor string) (vigil.Page[vigil.ChildRecord], error) {
		return svc.Children(ctx, vigil.ChildFilter{PageRequest: vigil.PageRequest{Limit: vigil.MaxPageSize, Cursor: cursor}})
	}, func(c vigil.ChildRecord) int64 { return c.ID })
}

// allIDs follows a list's pages to the end and returns the ids of what it
// shows; nil when the list is refused.
func allIDs[T any](t *testing.T, page func(cursor string) (vigil.Page[T], error), id func(T) int64) []int64 {
	t.Helper()
	var ids []int64
	cursor := ""
	for {
		p, err := page(cursor)
		if vigil.ErrorCode(err) == vigil.EFORBIDDEN {
			return nil
		}
		if err != nil {
			t.Fatal(err)
		}
		for _, x := range p.Items {
			ids = append(ids, id(x))
		}
		if p.Next == "" {
			return ids
		}
		cursor = p.Next
	}
}

// TestListsAgreeWithDecide holds the SQL scope filter to the one policy
// function: for every demo user, the children a list shows are exactly
// those a read of each child allows — no more, no fewer — including a
// whole-record restriction and a break-glass opening.
func TestListsAgreeWithDecide(t *testing.T) {
	forEachDemo(t, func(t *testing.T, db *sqlstore.DB, org *demo.Org) {
		svc := sqlstore.NewChildService(db)
		everyone := allChildren(t, svc, vigiltest.AsSystem(t, db))
		if len(everyone) != org.ChildCount {
			t.Fatalf("the system sees %d of %d children", len(everyone), org.ChildCount)
		}
		// A whole-record restriction, and a break-glass opening.
		coord := vigiltest.As(t, db, "missing.ashvale")
		mine := allChildren(t, svc, coord)
		if _, err := svc.Restrict(coord, vigil.Restriction{RecordID: mine[0], Reason: "witness protection",
			AllowedRoles: []vigil.Role{vigil.RoleMissingCoordinator}}); err != nil {
			t.Fatal(err)
		}
		resp := vigiltest.As(t, db, "response.officer")
		theirs := allChildren(t, svc, resp)
		var outside int64
		for _, id := range everyone {
			if !slices.Contains(theirs, id) && id != mine[0] {
				outside = id
				break
			}
		}
		if _, err := svc.OpenWithReason(resp, outside, "incident", "Called to the child's school about a disclosure"); err != nil {
			t.Fatal(err)
		}
		for _, u := range org.Users {
			ctx := vigiltest.As(t, db, u.Username)
			listed := allChildren(t, svc, ctx)
			var readable []int64
			for _, id := range everyone {
				_, err := svc.Child(ctx, id)
				switch vigil.ErrorCode(err) {
				case "":
					readable = append(readable, id)
				case vigil.EFORBIDDEN, vigil.ENOTFOUND:
				default:
					t.Fatalf("%s reading %d: %v", u.Username, id, err)
				}
			}
			if !slices.Equal(sorted(listed), sorted(readable)) {
				t.Errorf("%s (%s, %s): lists %d children but may read %d", u.Username, u.Roles, u.Scope, len(listed), len(readable))
			}
			switch u.Username {
			case "missing.ashvale":
				if !slices.Contains(readable, mine[0]) {
					t.Error("the coordinator lost sight of the record they restricted")
				}
			case "mash.officer":
				if slices.Contains(readable, mine[0]) || len(readable) != len(everyone)-1 {
					t.Errorf("the MASH officer (force scope) sees %d of %d, restricted one included: %v", len(readable), len(everyone), slices.Contains(readable, mine[0]))
				}
			case "response.officer":
				if !slices.Contains(readable, outside) {
					t.Error("the break-glass opening did not open the record")
				}
			case "social.worker", "health.nurse":
				if len(readable) == 0 || len(readable) > len(everyone)/3 {
					t.Errorf("%s sees %d children: only those shared with their agency", u.Username, len(readable))
				}
			case "admin", "gold.chair", "auditor":
				if len(readable) < len(everyone)-1 {
					t.Errorf("%s (force scope) sees only %d of %d", u.Username, len(readable), len(everyone))
				}
			}
		}
	})
}

func sorted(ids []int64) []int64 {
	out := slices.Clone(ids)
	slices.Sort(out)
	return out
}

// TestPartnerSeesOnlyWhatIsShared: a partner-agency user cannot read,
// list, search or guess by id a child not shared with their agency (they
// are told it does not exist), and sees only the parts shared.
func TestPartnerSeesOnlyWhatIsShared(t *testing.T) {
	forEachDemo(t, func(t *testing.T, db *sqlstore.DB, org *demo.Org) {
		svc := sqlstore.NewChildService(db)
		sw := vigiltest.As(t, db, "social.worker")
		shared := allChildren(t, svc, sw)
		if len(shared) == 0 {
			t.Fatal("nothing is shared with the social worker's agency")
		}
		for id := int64(1); id <= int64(org.ChildCount); id++ {
			c, err := svc.Child(sw, id)
			if slices.Contains(shared, id) {
				if err != nil {
					t.Fatalf("a shared child %d: %v", id, err)
				}
				continue
			}
			if vigil.ErrorCode(err) != vigil.ENOTFOUND || c != nil {
				t.Fatalf("guessing child %d not shared with the agency: %v", id, err)
			}
		}
		if _, err := svc.Child(sw, 999999); vigil.ErrorCode(err) != vigil.ENOTFOUND {
			t.Errorf("a child that does not exist: %v", err)
		}
		// Searching finds only shared children.
		notShared := ""
		for id := int64(1); id <= int64(org.ChildCount) && notShared == ""; id++ {
			if !slices.Contains(shared, id) {
				c, _ := svc.Child(vigiltest.AsSystem(t, db), id)
				notShared = c.FamilyName
			}
		}
		page, err := svc.Children(sw, vigil.ChildFilter{Query: notShared, PageRequest: vigil.PageRequest{Limit: vigil.MaxPageSize}})
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range page.Items {
			if !slices.Contains(shared, c.ID) {
				t.Errorf("searching %q found child %d, not shared", notShared, c.ID)
			}
		}
		// The health nurse's agency has only the identity part: the
		// address is withheld, and says so.
		hn := vigiltest.As(t, db, "health.nurse")
		ids := allChildren(t, svc, hn)
		c, err := svc.Child(hn, ids[0])
		if err != nil {
			t.Fatal(err)
		}
		if c.AddressLine != "" || c.Postcode != "" || !c.IsWithheld(vigil.PartAddress) {
			t.Errorf("the health nurse sees an address not shared with them: %+v", c)
		}
		// Partners cannot break glass.
		if _, err := svc.OpenWithReason(sw, 1, "incident", "I want to see this record please"); err == nil {
			t.Error("a partner-agency user broke glass")
		}
		// A share makes a child visible; revoking it hides it again.
		target := int64(0)
		for id := int64(1); id <= int64(org.ChildCount); id++ {
			if !slices.Contains(shared, id) {
				target = id
				break
			}
		}
		mash := vigiltest.As(t, db, "mash.officer")
		sh, err := svc.Share(mash, vigil.Share{AgencyID: 1, RecordID: target, Parts: []string{vigil.PartIdentity},
			Purpose: "Strategy discussion", LawfulBasis: vigil.LawfulBases[2]})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Child(sw, target); err != nil {
			t.Fatalf("after sharing: %v", err)
		}
		if err := svc.RevokeShare(mash, sh.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Child(sw, target); vigil.ErrorCode(err) != vigil.ENOTFOUND {
			t.Fatalf("after revoking: %v", err)
		}
		hist, err := svc.ChildHistory(mash, target)
		if err != nil || len(hist) != 2 || hist[0].Action != "share_revoked" || hist[1].Action != "share" {
			t.Errorf("the child's history: %+v %v", hist, err)
		}
	})
}

// TestBreakGlassTellsTheSupervisor: an opening is a task in the opener's
// supervisor's work, naming the child only if the supervisor may read
// them; the supervisor reviews it without holding the review permission;
// the Gold Group sees every opening, marked where the supervisor is
// absent or disabled; nobody else lists them, and nobody reviews their own.
func TestBreakGlassTellsTheSupervisor(t *testing.T) {
	forEachDemo(t, func(t *testing.T, db *sqlstore.DB, org *demo.Org) {
		svc := sqlstore.NewChildService(db)
		resp := vigiltest.As(t, db, "response.officer")
		sup := vigiltest.As(t, db, "designated.officer") // Ashvale LPA; supervises the response officer
		theirs := allChildren(t, svc, resp)
		// One child the supervisor may read, one they may not.
		var readable, unreadable int64
		for id := int64(1); id <= int64(org.ChildCount) && (readable == 0 || unreadable == 0); id++ {
			if slices.Contains(theirs, id) {
				continue
			}
			_, err := svc.Child(sup, id)
			switch {
			case err == nil && readable == 0:
				readable = id
			case vigil.ErrorCode(err) == vigil.EFORBIDDEN && unreadable == 0:
				unreadable = id
			}
		}
		if readable == 0 || unreadable == 0 {
			t.Fatal("no pair of children to open")
		}
		if _, err := svc.OpenWithReason(resp, readable, "incident", "short"); vigil.ErrorCode(err) != vigil.EINVALID {
			t.Errorf("a too-short reason: %v", err)
		}
		reason := "Found the child at a bus station at 02:00; need the care history"
		first, err := svc.OpenWithReason(resp, readable, "immediate_risk", reason)
		if err != nil {
			t.Fatal(err)
		}
		second, err := svc.OpenWithReason(resp, unreadable, "incident", "Called to a disturbance; checking who lives at the address")
		if err != nil {
			t.Fatal(err)
		}
		if c, err := svc.Child(resp, readable); err != nil || !c.ByBreakGlass {
			t.Fatalf("after: %+v %v", c, err)
		}
		reviews := sqlstore.NewBreakGlassService(db)
		tasks, err := reviews.Tasks(sup)
		if err != nil || len(tasks) != 2 {
			t.Fatalf("the supervisor's tasks: %+v %v", tasks, err)
		}
		named, _ := svc.Child(vigiltest.AsSystem(t, db), readable)
		hidden, _ := svc.Child(vigiltest.AsSystem(t, db), unreadable)
		for _, task := range tasks {
			if task.Kind != vigil.TaskBreakGlassReview || !strings.Contains(task.Detail, reason) && task.RecordID == readable {
				t.Errorf("a task: %+v", task)
			}
			switch task.RecordID {
			case readable:
				if !strings.Contains(task.Title, named.FullName()) {
					t.Errorf("the task does not name a child the supervisor may read: %q", task.Title)
				}
			case unreadable:
				if strings.Contains(task.Title, hidden.FamilyName) || !strings.Contains(task.Title, strconv.FormatInt(unreadable, 10)) {
					t.Errorf("the task names a child the supervisor may not read, or gives no reference: %q", task.Title)
				}
			}
		}
		// Others have no such tasks, and may not list openings.
		if tasks, err := reviews.Tasks(vigiltest.As(t, db, "missing.marlcombe")); err != nil || len(tasks) != 0 {
			t.Errorf("another person's tasks: %+v %v", tasks, err)
		}
		if _, err := reviews.Openings(resp, true, vigil.PageRequest{}); vigil.ErrorCode(err) != vigil.EFORBIDDEN {
			t.Errorf("a response officer listed break-glass openings: %v", err)
		}
		if err := reviews.Review(resp, first.ID, "Looks fine to me"); vigil.ErrorCode(err) != vigil.EFORBIDDEN {
			t.Errorf("reviewing one's own opening: %v", err)
		}
		// The supervisor, without the review permission, sees and reviews.
		mine, err := reviews.Openings(sup, true, vigil.PageRequest{})
		if err != nil || len(mine.Items) != 2 {
			t.Fatalf("the supervisor's openings: %+v %v", mine.Items, err)
		}
		if err := reviews.Review(sup, first.ID, "Justified: child found at night"); err != nil {
			t.Fatal(err)
		}
		if tasks, _ := reviews.Tasks(sup); len(tasks) != 1 || tasks[0].RecordID != unreadable {
			t.Errorf("after reviewing, the supervisor's tasks: %+v", tasks)
		}
		// With the supervisor disabled, the Gold Group sees the opening
		// marked as having no supervisor.
		if err := sqlstore.NewUserService(db).DisableUser(vigiltest.AsSystem(t, db), "designated.officer"); err != nil {
			t.Fatal(err)
		}
		gold := vigiltest.As(t, db, "gold.chair")
		open, err := reviews.Openings(gold, true, vigil.PageRequest{})
		if err != nil || len(open.Items) != 1 || open.Items[0].ID != second.ID || !open.Items[0].NoSupervisor {
			t.Fatalf("openings to review: %+v %v", open.Items, err)
		}
		if err := reviews.Review(gold, second.ID, "Justified: a call about the address"); err != nil {
			t.Fatal(err)
		}
		if open, _ := reviews.Openings(gold, true, vigil.PageRequest{}); len(open.Items) != 0 {
			t.Error("a reviewed opening is still pending")
		}
	})
}
