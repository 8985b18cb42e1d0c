package web

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"

	"github.com/vigilcp/vigil/internal/vigil"
)

// Restrictions of a child's record, for those who may restrict it: what
// each holds back, from whom, why, and a way to lift it with a reason.
// Someone a restriction excludes sees that it exists and why, never what
// it withholds.

const purposeRestrictions = "reviewing the restrictions of a child's record"

// restrictionRoutes registers the restriction pages and API.
func (s *Server) restrictionRoutes() {
	s.handle("GET /children/{id}/restrictions", s.restrictionsPage)
	s.handle("GET /children/{id}/restrictions/{restriction}/lift", s.liftPage)
	s.handle("POST /children/{id}/restrictions/{restriction}/lift", s.lift)
	s.handle("GET /api/v1/children/{id}/restrictions", s.apiRestrictions)
	s.handle("POST /api/v1/children/{id}/restrictions/{restriction}/lift", s.apiLift)
}

// restrictionsData is the restrictions page and the lift form.
type restrictionsData struct {
	ChildID      int64
	Name         string // the child's name, when the reader may read the record
	Restrictions []vigil.Restriction
	Lift         *vigil.Restriction
	Lifted       bool // a restriction was just lifted
}

// loadRestrictions reads a child's restrictions, and the child's name when
// no whole-record restriction holds the reader back.
func (s *Server) loadRestrictions(w http.ResponseWriter, r *http.Request) (*restrictionsData, bool) {
	id, err := pathID(r)
	if err != nil {
		s.pageError(w, r, err)
		return nil, false
	}
	ctx := vigil.WithPurpose(r.Context(), purposeRestrictions)
	list, err := s.svc.Children.Restrictions(ctx, id)
	if err != nil {
		s.pageError(w, r, err)
		return nil, false
	}
	d := &restrictionsData{ChildID: id, Restrictions: list}
	if !slices.ContainsFunc(list, func(x vigil.Restriction) bool { return x.Part == "" && x.Holds() && x.Excludes }) {
		if c, err := s.svc.Children.Child(ctx, id); err == nil {
			d.Name = c.FullName()
		}
	}
	return d, true
}

func (d *restrictionsData) title() string {
	if d.Name != "" {
		return "Restrictions: " + d.Name
	}
	return fmt.Sprintf("Restrictions: record %d", d.ChildID)
}

func (s *Server) restrictionsPage(w http.ResponseWriter, r *http.Request) {
	d, ok := s.loadRestrictions(w, r)
	if !ok {
		return
	}
	d.Lifted = r.URL.Query().Get("lifted") == "1"
	s.render(w, r, http.StatusOK, "child-restrictions", &Page{Title: d.title(), Data: d})
}

// liftTarget finds the restriction the path names among the child's.
func (s *Server) liftTarget(w http.ResponseWriter, r *http.Request) (*restrictionsData, bool) {
	d, ok := s.loadRestrictions(w, r)
	if !ok {
		return nil, false
	}
	rid, err := strconv.ParseInt(r.PathValue("restriction"), 10, 64)
	i := slices.IndexFunc(d.Restrictions, func(x vigil.Restriction) bool { return x.ID == rid })
	if err != nil || i < 0 {
		s.pageError(w, r, vigil.Errorf(vigil.ENOTFOUND, "Restriction not found"))
		return nil, false
	}
	if !d.Restrictions[i].Holds() {
		s.pageError(w, r, vigil.Errorf(vigil.ECONFLICT, "This restriction has already been lifted"))
		return nil, false
	}
	d.Lift = &d.Restrictions[i]
	return d, true
}

func (s *Server) liftPage(w http.ResponseWriter, r *http.Request) {
	d, ok := s.liftTarget(w, r)
	if !ok {
		return
	}
	s.render(w, r, http.StatusOK, "child-restriction-lift", &Page{Title: "Lift a restriction", Data: d})
}

func (s *Server) lift(w http.ResponseWriter, r *http.Request) {
	d, ok := s.liftTarget(w, r)
	if !ok {
		return
	}
	reason := r.PostFormValue("reason")
	_, err := s.svc.Children.LiftRestriction(vigil.WithPurpose(r.Context(), purposeRestrictions), d.ChildID, d.Lift.ID, reason)
	if fields := vigil.ErrorFields(err); len(fields) > 0 {
		s.render(w, r, http.StatusUnprocessableEntity, "child-restriction-lift", &Page{Title: "Lift a restriction", Data: d,
			Errors: fields, Form: url.Values{"reason": {reason}}})
		return
	}
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	http.Redirect(w, r, fmt.Sprintf("/children/%d/restrictions?lifted=1", d.ChildID), http.StatusSeeOther)
}

func (s *Server) apiRestrictions(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err == nil {
		err = requireSignIn(r)
	}
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	list, err := s.svc.Children.Restrictions(vigil.WithPurpose(r.Context(), purposeRestrictions), id)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": list})
}

func (s *Server) apiLift(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err == nil {
		err = requireSignIn(r)
	}
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	rid, err := strconv.ParseInt(r.PathValue("restriction"), 10, 64)
	if err != nil || rid <= 0 {
		s.apiError(w, r, vigil.Errorf(vigil.ENOTFOUND, "Restriction not found"))
		return
	}
	var in struct {
		Reason string `json:"reason"`
	}
	if err := decode(r, &in); err != nil {
		s.apiError(w, r, err)
		return
	}
	res, err := s.svc.Children.LiftRestriction(vigil.WithPurpose(r.Context(), purposeRestrictions), id, rid, in.Reason)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, res)
}
