package web_test

import (
	"fmt"

	"github.com/vigilcp/vigil/internal/sqlstore"
	"github.com/vigilcp/vigil/internal/vigil"
	"github.com/vigilcp/vigil/internal/vigiltest"
)

// The restriction pages and API in the permission matrix: those who may
// restrict a record (coordinators and MASH practitioners) see and lift
// its restrictions, in their scope, even where the restriction excludes
// them (the system's restriction here allows only auditors).

var restrictors = []vigil.Role{vigil.RoleMissingCoordinator, vigil.RoleMASHPractitioner}

// newRestriction restricts the child's address to auditors, as the
// system, and returns the restriction's id.
func newRestriction(f *fixture, child int64) int64 {
	r, err := sqlstore.NewChildService(f.db).Restrict(vigiltest.AsSystem(f.t, f.db), vigil.Restriction{RecordID: child,
		Part: vigil.PartAddress, Reason: "matrix test", AllowedRoles: []vigil.Role{vigil.RoleAuditor}})
	if err != nil {
		f.t.Fatal(err)
	}
	return r.ID
}

func init() {
	matrix["GET /children/{id}/restrictions"] = row{req: get("/children/{id}/restrictions"), allowed: restrictors, ok: 200, scoped: true, anon: 303}
	matrix["GET /children/{id}/restrictions/{restriction}/lift"] = row{req: func(f *fixture, _ *who, c int64) call {
		return call{method: "GET", path: fmt.Sprintf("/children/%d/restrictions/%d/lift", c, newRestriction(f, c))}
	}, allowed: restrictors, ok: 200, scoped: true, anon: 303}
	matrix["POST /children/{id}/restrictions/{restriction}/lift"] = row{req: func(f *fixture, _ *who, c int64) call {
		return call{"POST", fmt.Sprintf("/children/%d/restrictions/%d/lift", c, newRestriction(f, c)), "reason=No+longer+needed",
			"application/x-www-form-urlencoded"}
	}, allowed: restrictors, ok: 303, scoped: true, anon: 303}
	matrix["GET /api/v1/children/{id}/restrictions"] = row{req: get("/api/v1/children/{id}/restrictions"), allowed: restrictors, ok: 200,
		scoped: true, anon: 401}
	matrix["POST /api/v1/children/{id}/restrictions/{restriction}/lift"] = row{req: func(f *fixture, _ *who, c int64) call {
		return call{"POST", fmt.Sprintf("/api/v1/children/%d/restrictions/%d/lift", c, newRestriction(f, c)), `{"reason":"No longer needed"}`,
			"application/json"}
	}, allowed: restrictors, ok: 200, scoped: true, anon: 401}
}
