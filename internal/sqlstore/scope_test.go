package sqlstore_test

import (
	"context"
	"slices"
	"testing"

	"github.com/vigilcp/vigil/internal/demo"
	"github.com/vigilcp/vigil/internal/sqlstore"
	"github.com/vigilcp/vigil/internal/vigil"
	"github.com/vigilcp/vigil/internal/vigiltest"
)

// TestAThrowawayKindNeedsNoPolicyEdit declares a kind of record the
// product does not have (an adult held by a team, in an LPA), gives some
// roles permission to read it (data, not code), and finds the list SQL
// and vigil.Decide agree for every demo user, shares, a restriction and a
// break-glass opening included: a new kind needs only its declaration.
func TestAThrowawayKindNeedsNoPolicyEdit(t *testing.T) {
	const kind vigil.RecordKind = "test_adult"
	saved := vigil.RolePermissions
	vigil.RolePermissions = map[vigil.Role][]vigil.Permission{}
	for r, ps := range saved {
		vigil.RolePermissions[r] = append(slices.Clone(ps), vigil.Permission{Action: vigil.ActionRead, Kind: kind})
	}
	t.Cleanup(func() { vigil.RolePermissions = saved })
	forEachDemo(t, func(t *testing.T, db *sqlstore.DB, org *demo.Org) {
		ctx := context.Background()
		if err := db.ExecForTest(ctx, `CREATE TABLE test_adults (id BIGINT PRIMARY KEY, lpa_id BIGINT, team_id BIGINT)`); err != nil {
			t.Fatal(err)
		}
		// Adults in each LPA, held by each team in turn, and some by none.
		n := 0
		for _, l := range []any{1, 2, nil} {
			for _, team := range org.Teams {
				n++
				var tm any = team.ID
				if n%5 == 0 {
					tm = nil
				}
				if err := db.ExecForTest(ctx, "INSERT INTO test_adults (id, lpa_id, team_id) VALUES ($1, $2, $3)", n, l, tm); err != nil {
					t.Fatal(err)
				}
			}
		}
		now := vigiltest.Epoch
		at := func(d int) string { return now.AddDate(0, 0, d).UTC().Format("2006-01-02T15:04:05.000Z") }
		stamp := func(d int) any {
			if db.Engine() == sqlstore.Postgres {
				return now.AddDate(0, 0, d)
			}
			return at(d)
		}
		for _, q := range []struct {
			sql  string
			args []any
		}{
			// Adult 1 shared with Ashvale children's services, adult 2
			// restricted to auditors, adult 3 opened by the response officer.
			{`INSERT INTO shares (agency_id, record_kind, record_id, parts, purpose, lawful_basis, shared_by, shared_at)
				VALUES (1, 'test_adult', 1, ',identity,', 'test', 'test', 1, $1)`, []any{stamp(-1)}},
			{`INSERT INTO restrictions (record_kind, record_id, part, allowed_roles, allowed_users, reason, created_at, created_by)
				VALUES ('test_adult', 2, '', ',auditor,', '', 'test', $1, 1)`, []any{stamp(-1)}},
			{`INSERT INTO break_glass (user_id, record_kind, record_id, purpose, reason, opened_at, expires_at)
				VALUES ($1, 'test_adult', 3, 'incident', 'test', $2, $3)`, []any{org.UserID("response.officer"), stamp(-1), stamp(+1)}},
		} {
			if err := db.ExecForTest(ctx, q.sql, q.args...); err != nil {
				t.Fatal(err)
			}
		}
		k := sqlstore.NewTestKind(kind, "test_adults", "ad", "ad.lpa_id", "ad.team_id")
		for _, u := range org.Users {
			uctx := vigiltest.As(t, db, u.Username)
			listed, err := db.ListKind(uctx, k)
			if err != nil {
				t.Fatal(err)
			}
			var allowed []int64
			for id := int64(1); id <= int64(n); id++ {
				d, err := db.DecideKind(uctx, k, vigil.ActionRead, id)
				if err != nil {
					t.Fatal(err)
				}
				if d.Allowed {
					allowed = append(allowed, id)
				}
			}
			if !slices.Equal(listed, allowed) {
				t.Errorf("%s (%s): lists %v, Decide allows %v", u.Username, u.Scope, listed, allowed)
			}
			switch u.Username {
			case "social.worker":
				if !slices.Equal(allowed, []int64{1}) {
					t.Errorf("the social worker sees %v, want only the adult shared with her agency", allowed)
				}
			case "response.officer":
				if !slices.Contains(allowed, 3) || slices.Contains(allowed, 2) {
					t.Errorf("the response officer sees %v: want the opened adult 3 and not the restricted 2", allowed)
				}
			case "auditor":
				if len(allowed) != n {
					t.Errorf("the auditor (force scope, allowed by the restriction) sees %d of %d", len(allowed), n)
				}
			case "missing.ashvale":
				if len(allowed) == 0 || slices.Contains(allowed, 2) {
					t.Errorf("the Ashvale coordinator sees %v", allowed)
				}
			}
		}
	})
}
