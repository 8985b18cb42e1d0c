package sqlstore_test

import (
	"testing"

	"github.com/vigilcp/vigil/internal/demo"
	"github.com/vigilcp/vigil/internal/sqlstore"
	"github.com/vigilcp/vigil/internal/vigil"
	"github.com/vigilcp/vigil/internal/vigiltest"
)

// TestCreateUserReportsEveryProblem: a new account's field problems and
// the grant rules' refusals come back together, so a form shows them all.
func TestCreateUserReportsEveryProblem(t *testing.T) {
	forEachDemo(t, func(t *testing.T, db *sqlstore.DB, org *demo.Org) {
		svc := sqlstore.NewUserService(db)
		ctx := vigiltest.As(t, db, "admin")
		taken := org.Users[0].PersonID // already has an account
		_, err := svc.CreateUser(ctx, vigil.NewUser{Username: "Bad Name", Password: "short", Roles: []vigil.Role{vigil.RolePartner},
			Scope: vigil.ScopeTeam, PersonID: taken})
		var got []string
		for _, f := range vigil.ErrorFields(err) {
			got = append(got, f.Field)
		}
		want := []string{"username", "password", "scope", "person_id"}
		if vigil.ErrorCode(err) != vigil.EINVALID || len(got) != len(want) {
			t.Fatalf("got %v (fields %v); want field errors on %v", err, got, want)
		}
		for i := range want {
			if got[i] != want[i] {
				t.Errorf("fields %v, want %v", got, want)
			}
		}
		// A refusal that is not about the fields still comes alone.
		_, err = svc.CreateUser(vigiltest.As(t, db, "auditor"), vigil.NewUser{Username: "Bad Name", Roles: []vigil.Role{vigil.RoleAuditor}})
		if vigil.ErrorCode(err) != vigil.EFORBIDDEN {
			t.Errorf("a non-administrator with a bad username: %v, want forbidden", err)
		}
		page, _ := svc.Users(ctx, vigil.PageRequest{Limit: vigil.MaxPageSize})
		if len(page.Items) != len(org.Users) {
			t.Errorf("refused creates made accounts: %d, want %d", len(page.Items), len(org.Users))
		}
	})
}
