package web

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/vigilcp/vigil/internal/vigil"
)

// Administrators' pages for the organisation: adding and changing teams
// and partner agencies. Anyone on the staff may read the organisation, so
// these pages check first that the principal may change it; the store
// checks again, and logs, when the change is made.

// orgFormData is the form for a team or an agency.
type orgFormData struct {
	// Team or Agency is the record changed; both nil on a new one.
	Team   *vigil.Team
	Agency *vigil.Agency
	LPAs   []vigil.LPA
	Kinds  []vigil.TeamKind
	// AgencyKinds are offered on an agency's form.
	AgencyKinds []vigil.AgencyKind
	History     []timelineEntry
	// Action is where the form posts.
	Action string
}

// formErrors returns a refused change's field errors, or its message as an
// error on the whole form (a conflict has no field to point to).
func formErrors(err error) []vigil.FieldError {
	if errs := vigil.ErrorFields(err); len(errs) > 0 {
		return errs
	}
	return []vigil.FieldError{{Field: "form", Message: vigil.ErrorMessage(err)}}
}

// formVersion reads the version a change is based on.
func formVersion(f url.Values) (int64, error) {
	v, err := strconv.ParseInt(f.Get("version"), 10, 64)
	if err != nil {
		return 0, vigil.Errorf(vigil.EINVALID, "The form is out of date: go back and reload the page")
	}
	return v, nil
}

// teamData fills the team form: LPAs to choose from and, for an existing
// team, its history.
func (s *Server) teamData(r *http.Request, t *vigil.Team) (*orgFormData, error) {
	org, err := s.svc.Org.Organisation(r.Context())
	if err != nil {
		return nil, err
	}
	d := &orgFormData{Team: t, LPAs: org.LPAs, Kinds: vigil.TeamKinds, Action: "/admin/teams/new"}
	if t != nil {
		changes, err := s.svc.Org.TeamHistory(r.Context(), t.ID)
		if err != nil {
			return nil, err
		}
		d.History = timeline(changes, teamHistory(namesOf(org)))
		d.Action = "/admin/teams/" + strconv.FormatInt(t.ID, 10) + "/edit"
	}
	return d, nil
}

func teamForm(t *vigil.Team) url.Values {
	f := url.Values{"name": {t.Name}, "code": {t.Code}, "kind": {string(t.Kind)}, "version": {strconv.FormatInt(t.Version, 10)}}
	if t.LPAID != 0 {
		f.Set("lpa_id", strconv.FormatInt(t.LPAID, 10))
	}
	return f
}

// teamFromForm reads a team from the form.
func teamFromForm(f url.Values) (vigil.Team, error) {
	var v vigil.Validation
	t := vigil.Team{Name: f.Get("name"), Code: f.Get("code"), Kind: vigil.TeamKind(f.Get("kind")),
		LPAID: formID(f, "lpa_id", &v, "Select a local policing area from the list")}
	return t, v.Err()
}

// editingTeam returns the team an edit page is about, once the principal
// is known to be allowed to change teams.
func (s *Server) editingTeam(r *http.Request) (*vigil.Team, error) {
	if err := vigil.Require(r.Context(), vigil.ActionUpdate, vigil.KindOrganisation); err != nil {
		return nil, err
	}
	id, err := pathID(r)
	if err != nil {
		return nil, err
	}
	return s.svc.Org.Team(r.Context(), id)
}

func (s *Server) adminNewTeamPage(w http.ResponseWriter, r *http.Request) {
	if err := vigil.Require(r.Context(), vigil.ActionCreate, vigil.KindOrganisation); err != nil {
		s.pageError(w, r, err)
		return
	}
	d, err := s.teamData(r, nil)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "admin-team", &Page{Title: "Add a team", Data: d, Form: url.Values{}})
}

func (s *Server) adminNewTeam(w http.ResponseWriter, r *http.Request) {
	if err := vigil.Require(r.Context(), vigil.ActionCreate, vigil.KindOrganisation); err != nil {
		s.pageError(w, r, err)
		return
	}
	f, err := readForm(r)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	t, err := teamFromForm(f)
	if err == nil {
		_, err = s.svc.Org.CreateTeam(r.Context(), t)
	}
	s.teamSaved(w, r, nil, f, err)
}

func (s *Server) adminEditTeamPage(w http.ResponseWriter, r *http.Request) {
	t, err := s.editingTeam(r)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	d, err := s.teamData(r, t)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "admin-team", &Page{Title: "Change team: " + t.Name, Data: d, Form: teamForm(t)})
}

func (s *Server) adminEditTeam(w http.ResponseWriter, r *http.Request) {
	cur, err := s.editingTeam(r)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	f, err := readForm(r)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	version, err := formVersion(f)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	t, err := teamFromForm(f)
	if err == nil {
		t.ID, t.Version = cur.ID, version
		_, err = s.svc.Org.UpdateTeam(r.Context(), t)
	}
	s.teamSaved(w, r, cur, f, err)
}

// teamSaved answers a posted team form: back to the organisation when the
// team was saved, the form again with what was typed when it was not.
func (s *Server) teamSaved(w http.ResponseWriter, r *http.Request, cur *vigil.Team, f url.Values, err error) {
	code := vigil.ErrorCode(err)
	switch code {
	case "":
		http.Redirect(w, r, "/organisation?saved=team", http.StatusSeeOther)
		return
	case vigil.EINVALID, vigil.ECONFLICT:
	default:
		s.pageError(w, r, err)
		return
	}
	d, derr := s.teamData(r, cur)
	if derr != nil {
		s.pageError(w, r, derr)
		return
	}
	title := "Add a team"
	if cur != nil {
		title = "Change team: " + cur.Name
	}
	s.render(w, r, statusOf[code], "admin-team", &Page{Title: title, Data: d, Form: f, Errors: formErrors(err)})
}

// agencyData fills the agency form and, for an existing agency, its history.
func (s *Server) agencyData(r *http.Request, a *vigil.Agency) (*orgFormData, error) {
	d := &orgFormData{Agency: a, AgencyKinds: vigil.AgencyKinds, Action: "/admin/agencies/new"}
	if a != nil {
		changes, err := s.svc.Org.AgencyHistory(r.Context(), a.ID)
		if err != nil {
			return nil, err
		}
		d.History = timeline(changes, agencyHistory)
		d.Action = "/admin/agencies/" + strconv.FormatInt(a.ID, 10) + "/edit"
	}
	return d, nil
}

func agencyForm(a *vigil.Agency) url.Values {
	return url.Values{"name": {a.Name}, "code": {a.Code}, "kind": {string(a.Kind)}, "version": {strconv.FormatInt(a.Version, 10)}}
}

func agencyFromForm(f url.Values) vigil.Agency {
	return vigil.Agency{Name: f.Get("name"), Code: f.Get("code"), Kind: vigil.AgencyKind(f.Get("kind"))}
}

// editingAgency returns the agency an edit page is about, once the
// principal is known to be allowed to change agencies.
func (s *Server) editingAgency(r *http.Request) (*vigil.Agency, error) {
	if err := vigil.Require(r.Context(), vigil.ActionUpdate, vigil.KindOrganisation); err != nil {
		return nil, err
	}
	id, err := pathID(r)
	if err != nil {
		return nil, err
	}
	return s.svc.Org.Agency(r.Context(), id)
}

func (s *Server) adminNewAgencyPage(w http.ResponseWriter, r *http.Request) {
	if err := vigil.Require(r.Context(), vigil.ActionCreate, vigil.KindOrganisation); err != nil {
		s.pageError(w, r, err)
		return
	}
	d, _ := s.agencyData(r, nil)
	s.render(w, r, http.StatusOK, "admin-agency", &Page{Title: "Add a partner agency", Data: d, Form: url.Values{}})
}

func (s *Server) adminNewAgency(w http.ResponseWriter, r *http.Request) {
	if err := vigil.Require(r.Context(), vigil.ActionCreate, vigil.KindOrganisation); err != nil {
		s.pageError(w, r, err)
		return
	}
	f, err := readForm(r)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	_, err = s.svc.Org.CreateAgency(r.Context(), agencyFromForm(f))
	s.agencySaved(w, r, nil, f, err)
}

func (s *Server) adminEditAgencyPage(w http.ResponseWriter, r *http.Request) {
	a, err := s.editingAgency(r)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	d, err := s.agencyData(r, a)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "admin-agency", &Page{Title: "Change partner agency: " + a.Name, Data: d, Form: agencyForm(a)})
}

func (s *Server) adminEditAgency(w http.ResponseWriter, r *http.Request) {
	cur, err := s.editingAgency(r)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	f, err := readForm(r)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	version, err := formVersion(f)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	a := agencyFromForm(f)
	a.ID, a.Version = cur.ID, version
	_, err = s.svc.Org.UpdateAgency(r.Context(), a)
	s.agencySaved(w, r, cur, f, err)
}

// agencySaved answers a posted agency form, like teamSaved.
func (s *Server) agencySaved(w http.ResponseWriter, r *http.Request, cur *vigil.Agency, f url.Values, err error) {
	code := vigil.ErrorCode(err)
	switch code {
	case "":
		http.Redirect(w, r, "/organisation?saved=agency", http.StatusSeeOther)
		return
	case vigil.EINVALID, vigil.ECONFLICT:
	default:
		s.pageError(w, r, err)
		return
	}
	d, derr := s.agencyData(r, cur)
	if derr != nil {
		s.pageError(w, r, derr)
		return
	}
	title := "Add a partner agency"
	if cur != nil {
		title = "Change partner agency: " + cur.Name
	}
	s.render(w, r, statusOf[code], "admin-agency", &Page{Title: title, Data: d, Form: f, Errors: formErrors(err)})
}
