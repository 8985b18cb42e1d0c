package sqlstore_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/vigilcp/vigil/internal/sqlstore"
	"github.com/vigilcp/vigil/internal/vigil"
	"github.com/vigilcp/vigil/internal/vigiltest"
)

func allEpisodes(t *testing.T, svc *sqlstore.MissingService, ctx context.Context) []int64 {
	t.Helper()
	return allIDs(t, func(cursor string) (vigil.Page[vigil.Episode], error) {
		return svc.Episodes(ctx, vigil.EpisodeFilter{PageRequest: vigil.PageRequest{Limit: vigil.MaxPageSize, Cursor: cursor}})
	}, func(e vigil.Episode) int64 { return e.ID })
}

// TestEpisodeListsAgreeWithDecide holds the episodes' SQL scope filter to
// the one policy function: for every demo user, on a sample of episodes
// with a reporter's own episode of a held child, a restricted child's and
// a break-glass opening among them, a list shows exactly the episodes a
// read allows.
func TestEpisodeListsAgreeWithDecide(t *testing.T) {
	forEachMissing(t, func(t *testing.T, db *sqlstore.DB, clock *vigiltest.Clock) {
		missing, children := sqlstore.NewMissingService(db), sqlstore.NewChildService(db)
		sys := vigiltest.AsSystem(t, db)
		everyone := allEpisodes(t, missing, sys)
		sample := map[int64]bool{}
		for i, id := range everyone {
			if i%9 == 0 {
				sample[id] = true
			}
		}
		// The response officer reports a child held by another team.
		resp := vigiltest.As(t, db, "response.officer")
		var held *vigil.ChildRecord
		for id := int64(1); id < 400 && held == nil; id++ {
			open, err := missing.Episodes(sys, vigil.EpisodeFilter{ChildID: id, Status: vigil.EpisodeOpen})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := children.Child(resp, id); vigil.ErrorCode(err) == vigil.EFORBIDDEN && len(open.Items) == 0 {
				held, _ = children.Child(sys, id)
			}
		}
		r := report(0, clock.Now().Add(-30*time.Minute), vigil.RiskLow)
		r.MatchRef = heldRef(t, db, "response.officer", held.Child)
		own, err := missing.Report(resp, r)
		if err != nil {
			t.Fatal(err)
		}
		sample[own.ID] = true
		// The child's earlier episodes are in the sample too.
		theirs, _ := missing.Episodes(sys, vigil.EpisodeFilter{ChildID: held.ID})
		for _, e := range theirs.Items {
			sample[e.ID] = true
		}
		// A restricted child's episodes, and a break-glass opening.
		ash := vigiltest.As(t, db, "missing.ashvale")
		restrictedChild, _ := ashvaleChildWithEpisode(t, db)
		if _, err := children.Restrict(ash, vigil.Restriction{RecordID: restrictedChild, Reason: "Witness protection",
			AllowedRoles: []vigil.Role{vigil.RoleMissingCoordinator}}); err != nil {
			t.Fatal(err)
		}
		rs, _ := missing.Episodes(sys, vigil.EpisodeFilter{ChildID: restrictedChild})
		for _, e := range rs.Items {
			sample[e.ID] = true
		}
		mar := vigiltest.As(t, db, "missing.marlcombe")
		var opened int64
		for _, id := range childrenIn(t, db, "missing.ashvale", 1, 40)[20:] {
			if _, err := children.Child(mar, id); vigil.ErrorCode(err) == vigil.EFORBIDDEN && id != restrictedChild {
				if _, err := children.OpenWithReason(mar, id, "investigation", "Named by a Marlcombe child as a friend; checking"); err == nil {
					opened = id
					break
				}
			}
		}
		og, _ := missing.Episodes(sys, vigil.EpisodeFilter{ChildID: opened})
		for _, e := range og.Items {
			sample[e.ID] = true
		}
		users := []string{"call.handler", "control.manager", "response.officer", "missing.ashvale", "missing.marlcombe",
			"offender.manager", "mosovo.manager", "mash.officer", "designated.officer", "auditor", "gold.chair", "social.worker",
			"health.nurse"}
		for _, u := range users {
			ctx := vigiltest.As(t, db, u)
			var listed []int64
			for _, id := range allEpisodes(t, missing, ctx) {
				if sample[id] {
					listed = append(listed, id)
				}
			}
			var readable []int64
			for id := range sample {
				_, err := missing.Episode(ctx, id)
				switch vigil.ErrorCode(err) {
				case "":
					readable = append(readable, id)
				case vigil.EFORBIDDEN, vigil.ENOTFOUND:
				default:
					t.Fatalf("%s reading episode %d: %v", u, id, err)
				}
			}
			if !slices.Equal(sorted(listed), sorted(readable)) {
				t.Errorf("%s lists %d sampled episodes but may read %d", u, len(listed), len(readable))
			}
			switch u {
			case "response.officer":
				if !slices.Contains(readable, own.ID) {
					t.Error("the response officer cannot read the episode they reported")
				}
				for _, e := range theirs.Items {
					if e.ID != own.ID && slices.Contains(readable, e.ID) {
						t.Errorf("the response officer reads the held child's earlier episode %d", e.ID)
					}
				}
			case "missing.marlcombe":
				for _, e := range og.Items {
					if !slices.Contains(readable, e.ID) {
						t.Errorf("the break-glass opening did not open episode %d", e.ID)
					}
				}
			case "auditor", "mash.officer":
				for _, e := range rs.Items {
					if slices.Contains(readable, e.ID) {
						t.Errorf("%s reads episode %d of a child restricted to coordinators", u, e.ID)
					}
				}
			}
		}
	})
}
