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

// TestARecordAboutSeveralIsWithheldPartByPart declares a throwaway kind
// about several children (a referral, say): a restriction of one of them
// withholds that child's part of the record, not the whole record, from
// those it holds back; a partner with a share of one child sees the record
// with the other child's part withheld; the list SQL and vigil.Decide
// agree for every demo user. (An episode, about one child, is held back
// whole by that child's restriction: TestEpisodeListsAgreeWithDecide.)
func TestARecordAboutSeveralIsWithheldPartByPart(t *testing.T) {
	const kind vigil.RecordKind = "test_referral"
	saved := vigil.RolePermissions
	vigil.RolePermissions = map[vigil.Role][]vigil.Permission{}
	for r, ps := range saved {
		vigil.RolePermissions[r] = append(slices.Clone(ps), vigil.Permission{Action: vigil.ActionRead, Kind: kind})
	}
	t.Cleanup(func() { vigil.RolePermissions = saved })
	forEachDemo(t, func(t *testing.T, db *sqlstore.DB, org *demo.Org) {
		ctx := context.Background()
		kids := childrenIn(t, db, "missing.ashvale", 1, 2)
		restricted, other := kids[0], kids[1]
		for _, q := range []string{
			`CREATE TABLE test_referrals (id BIGINT PRIMARY KEY, lpa_id BIGINT, team_id BIGINT)`,
			`CREATE TABLE test_referral_children (referral_id BIGINT, child_id BIGINT)`,
			// Referral 1 is about both children; 2 about the restricted one
			// alone; 3 about the other alone. None is in an LPA or held by
			// a team: each lies only where its children do.
			`INSERT INTO test_referrals (id) VALUES (1), (2), (3)`,
		} {
			if err := db.ExecForTest(ctx, q); err != nil {
				t.Fatal(err)
			}
		}
		for _, rc := range [][2]int64{{1, restricted}, {1, other}, {2, restricted}, {3, other}} {
			if err := db.ExecForTest(ctx, "INSERT INTO test_referral_children (referral_id, child_id) VALUES ($1, $2)", rc[0], rc[1]); err != nil {
				t.Fatal(err)
			}
		}
		children := sqlstore.NewChildService(db)
		if _, err := children.Restrict(vigiltest.As(t, db, "missing.ashvale"), vigil.Restriction{RecordID: restricted,
			Reason: "Witness protection", AllowedRoles: []vigil.Role{vigil.RoleMissingCoordinator}}); err != nil {
			t.Fatal(err)
		}
		until := vigiltest.Epoch.AddDate(1, 0, 0)
		if _, err := children.Share(vigiltest.As(t, db, "missing.ashvale"), vigil.Share{RecordID: other, AgencyID: 1,
			Parts: vigil.ChildParts, Purpose: "Strategy discussion", LawfulBasis: vigil.LawfulBases[0], Until: &until}); err != nil {
			t.Fatal(err)
		}
		k := sqlstore.NewTestKindAbout(kind, "test_referrals", "rf", "rf.lpa_id", "rf.team_id",
			"test_referral_children rc", "rc.referral_id = rf.id", "rc.child_id")
		for _, u := range org.Users {
			uctx := vigiltest.As(t, db, u.Username)
			listed, err := db.ListKind(uctx, k)
			if err != nil {
				t.Fatal(err)
			}
			var allowed []int64
			withheld := map[int64][]int64{}
			for id := int64(1); id <= 3; id++ {
				d, err := db.DecideKind(uctx, k, vigil.ActionRead, id)
				if err != nil {
					t.Fatal(err)
				}
				if d.Allowed {
					allowed = append(allowed, id)
					if withheld[id], err = db.WithheldAbout(uctx, k, id); err != nil {
						t.Fatal(err)
					}
				}
			}
			if !slices.Equal(listed, allowed) {
				t.Errorf("%s (%s): lists %v, Decide allows %v", u.Username, u.Scope, listed, allowed)
			}
			want := func(all []int64, held map[int64][]int64) {
				t.Helper()
				if !slices.Equal(allowed, all) {
					t.Errorf("%s reads referrals %v, want %v", u.Username, allowed, all)
				}
				for id, w := range held {
					if !slices.Equal(withheld[id], w) {
						t.Errorf("%s: referral %d withholds the parts about children %v, want %v", u.Username, id, withheld[id], w)
					}
				}
			}
			switch u.Username {
			case "auditor": // force scope, not a coordinator
				want([]int64{1, 2, 3}, map[int64][]int64{1: {restricted}, 2: {restricted}, 3: nil})
			case "missing.ashvale": // a coordinator: the restriction lets them in
				want([]int64{1, 2, 3}, map[int64][]int64{1: nil, 2: nil, 3: nil})
			case "social.worker": // shared the other child only
				want([]int64{1, 3}, map[int64][]int64{1: {restricted}, 3: nil})
			case "health.nurse": // shared neither
				want(nil, nil)
			}
		}
	})
}
