package sqlstore_test

import (
	"slices"
	"strings"
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

// TestPartnerRoleStandsAlone: a partner-agency practitioner's account holds
// the partner role and no police role; an account is neither created nor
// changed to hold both, and nothing is written when it is refused.
func TestPartnerRoleStandsAlone(t *testing.T) {
	forEachDemo(t, func(t *testing.T, db *sqlstore.DB, org *demo.Org) {
		sys := vigiltest.AsSystem(t, db)
		svc := sqlstore.NewUserService(db)
		refusedOnRoles := func(what string, err error) {
			t.Helper()
			fields := vigil.ErrorFields(err)
			if vigil.ErrorCode(err) != vigil.EINVALID || len(fields) != 1 || fields[0].Field != "roles" ||
				!strings.Contains(fields[0].Message, "cannot be combined with police roles") {
				t.Errorf("%s: %v; want one field error on roles saying the partner role cannot be combined with police roles", what, err)
			}
		}
		for _, roles := range [][]vigil.Role{{vigil.RolePartner, vigil.RoleCallHandler}, {vigil.RoleAdministrator, vigil.RolePartner},
			{vigil.RolePartner, vigil.RoleAuditor}} {
			_, err := svc.CreateUser(sys, vigil.NewUser{Username: "mixed.worker", Roles: roles, Scope: vigil.ScopeAgency})
			refusedOnRoles("create with "+string(roles[0])+" and "+string(roles[1]), err)
		}
		worker, err := svc.UserByUsername(sys, "social.worker")
		if err != nil {
			t.Fatal(err)
		}
		_, err = svc.SetAccess(sys, worker.ID, vigil.Access{Roles: []vigil.Role{vigil.RolePartner, vigil.RoleMASHPractitioner},
			Scope: vigil.ScopeAgency, Version: worker.Version})
		refusedOnRoles("change a partner to hold a police role too", err)
		officer, err := svc.UserByUsername(sys, "response.officer")
		if err != nil {
			t.Fatal(err)
		}
		_, err = svc.SetAccess(sys, officer.ID, vigil.Access{Roles: []vigil.Role{vigil.RoleResponseOfficer, vigil.RolePartner},
			Scope: vigil.ScopeAgency, Version: officer.Version})
		refusedOnRoles("change an officer to hold the partner role too", err)
		for _, u := range []*vigil.User{worker, officer} {
			after, err := svc.User(sys, u.ID)
			if err != nil || after.Version != u.Version || !slices.Equal(after.Roles, u.Roles) {
				t.Errorf("a refused change changed %s: %+v %v", u.Username, after, err)
			}
		}
		if _, err := svc.UserByUsername(sys, "mixed.worker"); vigil.ErrorCode(err) != vigil.ENOTFOUND {
			t.Errorf("a refused account was created: %v", err)
		}
		// Partners alone, and police roles together, are still fine.
		if _, err := svc.CreateUser(sys, vigil.NewUser{Username: "new.partner", Roles: []vigil.Role{vigil.RolePartner},
			Scope: vigil.ScopeAgency}); err != nil {
			t.Errorf("a partner account: %v", err)
		}
		if _, err := svc.CreateUser(sys, vigil.NewUser{Username: "new.officer", Roles: []vigil.Role{vigil.RoleCallHandler,
			vigil.RoleAuditor}, Scope: vigil.ScopeForce}); err != nil {
			t.Errorf("an account with two police roles: %v", err)
		}
	})
}
