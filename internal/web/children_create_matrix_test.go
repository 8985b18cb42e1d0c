package web_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/vigilcp/vigil/internal/sqlstore"
	"github.com/vigilcp/vigil/internal/vigil"
	"github.com/vigilcp/vigil/internal/vigiltest"
)

// The search before create and the recording and changing of children's
// records, in the permission matrix, written out by hand from the product
// brief: every police role and partner agencies search; the control room,
// missing-person coordinators and the MASH record new children; those who
// work with a child (not the call handler, who takes the first report)
// change a record in their scope.

func init() {
	for k, v := range childCreateMatrix {
		matrix[k] = v
	}
}

var (
	childSearchers = append(slices.Clone(police), vigil.RolePartner)
	childCreators  = []vigil.Role{vigil.RoleCallHandler, vigil.RoleControlRoomManager, vigil.RoleMissingCoordinator, vigil.RoleMASHPractitioner}
	childChangers  = []vigil.Role{vigil.RoleControlRoomManager, vigil.RoleResponseOfficer, vigil.RoleMissingCoordinator,
		vigil.RoleMASHPractitioner, vigil.RoleDesignatedOfficer}
)

var childCreateMatrix = map[string]row{
	"GET /api/v1/children/matches": {req: get("/api/v1/children/matches?given_name=Liz&family_name=Smyth&date_of_birth=2014-07-19"),
		allowed: childSearchers, ok: 200, anon: 401},
	// A new child each time, confirmed as new so that the earlier ones do
	// not block it.
	"POST /api/v1/children": {req: uniqueJSON("POST", "/api/v1/children", `{"given_name":"Matrix","family_name":"Child %d",
		"date_of_birth":"2015-06-01","sex":"unknown","lpa_id":1,"confirmed_new":true}`), allowed: childCreators, ok: 201, anon: 401},
	"PUT /api/v1/children/{id}": {req: childChange, allowed: childChangers, ok: 200, scoped: true, anon: 401},
}

// childChange sends the child's record back as it stands, based on its
// current version.
func childChange(f *fixture, _ *who, child int64) call {
	c, err := sqlstore.NewChildService(f.db).Child(vigiltest.AsSystem(f.t, f.db), child)
	if err != nil {
		f.t.Fatal(err)
	}
	var body map[string]any
	raw, _ := json.Marshal(vigil.NewChildFrom(c.Child))
	if err := json.Unmarshal(raw, &body); err != nil {
		f.t.Fatal(err)
	}
	body["date_of_birth"] = c.DateOfBirth.Format(time.DateOnly)
	body["version"] = c.Version
	raw, _ = json.Marshal(body)
	return call{"PUT", fmt.Sprintf("/api/v1/children/%d", child), string(raw), "application/json"}
}
