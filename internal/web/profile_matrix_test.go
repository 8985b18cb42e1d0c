package web_test

import (
	"fmt"
	"net/url"
	"strconv"

	"github.com/vigilcp/vigil/internal/sqlstore"
	"github.com/vigilcp/vigil/internal/vigil"
	"github.com/vigilcp/vigil/internal/vigiltest"
)

// The profile and link routes in the permission matrix. A partner reads a
// profile only when its part is shared with their agency, so each request
// first adds the profile part to a share the child already has with the
// partner's agency (never sharing a child that is not shared).

func init() {
	for k, v := range profileMatrix {
		matrix[k] = v
	}
}

var (
	profilers = []vigil.Role{vigil.RoleControlRoomManager, vigil.RoleResponseOfficer, vigil.RoleMissingCoordinator,
		vigil.RoleMASHPractitioner, vigil.RoleDesignatedOfficer, vigil.RolePartner}
	linkers = profilers[:len(profilers)-1]
)

// shareProfile adds the profile part for the matrix partner's agency when
// the child is already shared with it.
func shareProfile(f *fixture, child int64) {
	sys := vigiltest.AsSystem(f.t, f.db)
	svc := sqlstore.NewChildService(f.db)
	shares, err := svc.Shares(sys, child)
	if err != nil {
		f.t.Fatal(err)
	}
	for _, sh := range shares {
		if sh.AgencyID == 1 && sh.RevokedAt == nil {
			if _, err := svc.Share(sys, vigil.Share{AgencyID: 1, RecordKind: vigil.KindChild, RecordID: child,
				Parts: []string{vigil.PartIdentity, vigil.PartProfile}, Purpose: "matrix test: the carer's profile",
				LawfulBasis: vigil.LawfulBases[1]}); err != nil {
				f.t.Fatal(err)
			}
			return
		}
	}
}

// matrixLink links a new person or place to the child, as the system.
func matrixLink(f *fixture, child int64, place bool) *vigil.Link {
	n := vigil.NewLink{ChildID: child, Relation: vigil.RelationAssociate, Name: fmt.Sprintf("Matrix Person %d", child), ConfirmedNew: true}
	if place {
		n.Relation, n.Name = vigil.RelationFrequents, fmt.Sprintf("Matrix Place %d", child)
	}
	l, err := sqlstore.NewProfileService(f.db).Link(vigiltest.AsSystem(f.t, f.db), n)
	if err != nil {
		f.t.Fatal(err)
	}
	return l
}

func profileRead(path string) func(*fixture, *who, int64) call {
	return func(f *fixture, w *who, child int64) call {
		shareProfile(f, child)
		return get(path)(f, w, child)
	}
}

func linkedRead(api, place bool) func(*fixture, *who, int64) call {
	return func(f *fixture, w *who, child int64) call {
		shareProfile(f, child)
		l := matrixLink(f, child, place)
		path := fmt.Sprintf("/associates/%d", l.AssociateID)
		if place {
			path = fmt.Sprintf("/places/%d", l.PlaceID)
		}
		if api {
			path = "/api/v1" + path
		}
		return call{method: "GET", path: path}
	}
}

func profileVersion(f *fixture, child int64) int64 {
	p, err := sqlstore.NewProfileService(f.db).Profile(vigiltest.AsSystem(f.t, f.db), child)
	if err != nil {
		f.t.Fatal(err)
	}
	return p.Profile.Version
}

func profileForm(f *fixture, _ *who, child int64) call {
	shareProfile(f, child)
	v := url.Values{"version": {strconv.FormatInt(profileVersion(f, child), 10)}, "description": {"Tall, short dark hair"},
		"kept_by": {"Oakfield children's home, 01632 960123"}}
	return call{"POST", fmt.Sprintf("/children/%d/profile/edit", child), v.Encode(), "application/x-www-form-urlencoded"}
}

func apiProfileSave(f *fixture, _ *who, child int64) call {
	shareProfile(f, child)
	return call{"PUT", fmt.Sprintf("/api/v1/children/%d/profile", child),
		fmt.Sprintf(`{"description":"Tall, short dark hair","kept_by":"Oakfield children's home","version":%d}`, profileVersion(f, child)),
		"application/json"}
}

var linkSeq int

func linkForm(f *fixture, _ *who, child int64) call {
	linkSeq++
	v := url.Values{"kind": {"person"}, "relation": {"associate"}, "name": {fmt.Sprintf("Matrix Friend %d", linkSeq)}, "match": {"new"}}
	return call{"POST", fmt.Sprintf("/children/%d/links/new", child), v.Encode(), "application/x-www-form-urlencoded"}
}

func apiLinkCreate(f *fixture, _ *who, child int64) call {
	linkSeq++
	return call{"POST", fmt.Sprintf("/api/v1/children/%d/links", child),
		fmt.Sprintf(`{"relation":"frequents","name":"Matrix Park %d","confirmed_new":true}`, linkSeq), "application/json"}
}

func endLinkCall(api bool) func(*fixture, *who, int64) call {
	return func(f *fixture, _ *who, child int64) call {
		l := matrixLink(f, child, false)
		path := fmt.Sprintf("/children/%d/links/%d/end", child, l.ID)
		if api {
			return call{"POST", "/api/v1" + path, "", "application/json"}
		}
		return call{"POST", path, "", "application/x-www-form-urlencoded"}
	}
}

var profileMatrix = map[string]row{
	"GET /children/{id}/profile":           {req: profileRead("/children/{id}/profile"), allowed: readChild, ok: 200, scoped: true, anon: 303},
	"GET /children/{id}/profile/edit":      {req: profileRead("/children/{id}/profile/edit"), allowed: profilers, ok: 200, scoped: true, anon: 303},
	"POST /children/{id}/profile/edit":     {req: profileForm, allowed: profilers, ok: 303, scoped: true, anon: 303},
	"GET /children/{id}/links/new":         {req: get("/children/{id}/links/new?kind=place"), allowed: linkers, ok: 200, scoped: true, anon: 303},
	"POST /children/{id}/links/new":        {req: linkForm, allowed: linkers, ok: 303, scoped: true, anon: 303},
	"POST /children/{id}/links/{link}/end": {req: endLinkCall(false), allowed: linkers, ok: 303, scoped: true, anon: 303},
	"GET /associates/{id}":                 {req: linkedRead(false, false), allowed: readChild, ok: 200, scoped: true, anon: 303},
	"GET /places/{id}":                     {req: linkedRead(false, true), allowed: readChild, ok: 200, scoped: true, anon: 303},

	"GET /api/v1/children/{id}/profile":           {req: profileRead("/api/v1/children/{id}/profile"), allowed: readChild, ok: 200, scoped: true, anon: 401},
	"PUT /api/v1/children/{id}/profile":           {req: apiProfileSave, allowed: profilers, ok: 200, scoped: true, anon: 401},
	"POST /api/v1/children/{id}/links":            {req: apiLinkCreate, allowed: linkers, ok: 201, scoped: true, anon: 401},
	"POST /api/v1/children/{id}/links/{link}/end": {req: endLinkCall(true), allowed: linkers, ok: 204, scoped: true, anon: 401},
	"GET /api/v1/link-matches":                    {req: get("/api/v1/link-matches?kind=person&name=Jay"), allowed: linkers, ok: 200, anon: 401},
	"GET /api/v1/associates/{id}":                 {req: linkedRead(true, false), allowed: readChild, ok: 200, scoped: true, anon: 401},
	"GET /api/v1/places/{id}":                     {req: linkedRead(true, true), allowed: readChild, ok: 200, scoped: true, anon: 401},
}
