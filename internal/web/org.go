package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/vigilcp/vigil/internal/vigil"
)

// pathID reads a numeric id from the path; anything else is not found.
func pathID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, vigil.Errorf(vigil.ENOTFOUND, "Not found")
	}
	return id, nil
}

// area is one heading of the organisation page: an LPA or the force-wide
// teams.
type area struct {
	Name  string
	Teams []vigil.Team
	// Admin says the reader may change teams, so each has a change link.
	Admin bool
}

func (s *Server) organisationPage(w http.ResponseWriter, r *http.Request) {
	org, err := s.svc.Org.Organisation(r.Context())
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	var areas []area
	for _, l := range org.LPAs {
		a := area{Name: l.Name}
		for _, t := range org.Teams {
			if t.LPAID == l.ID {
				a.Teams = append(a.Teams, t)
			}
		}
		areas = append(areas, a)
	}
	force := area{Name: "Force-wide teams"}
	for _, t := range org.Teams {
		if t.LPAID == 0 {
			force.Teams = append(force.Teams, t)
		}
	}
	areas = append(areas, force)
	admin := vigil.PrincipalFrom(r.Context()).Has(vigil.ActionUpdate, vigil.KindOrganisation)
	for i := range areas {
		areas[i].Admin = admin
	}
	saved := r.URL.Query().Get("saved")
	if saved != "team" && saved != "agency" {
		saved = ""
	}
	s.render(w, r, http.StatusOK, "organisation", &Page{Title: org.Force.Name,
		Data: struct {
			Org   *vigil.Organisation
			Areas []area
			Admin bool
			// Saved names what an administrator just saved: "team" or "agency".
			Saved string
		}{org, areas, admin, saved}})
}

func (s *Server) teamPage(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	team, err := s.svc.Org.Team(r.Context(), id)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	people, err := s.svc.Org.People(r.Context(), vigil.PersonFilter{TeamID: id,
		PageRequest: vigil.PageRequest{Cursor: r.URL.Query().Get("cursor")}})
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	next := ""
	if people.Next != "" {
		next = "/organisation/teams/" + strconv.FormatInt(id, 10) + "?cursor=" + url.QueryEscape(people.Next)
	}
	s.render(w, r, http.StatusOK, "team", &Page{Title: team.Name, Data: struct {
		Team     *vigil.Team
		LPAName  string
		People   vigil.Page[vigil.Person]
		NextHref string
	}{team, team.LPAName, people, next}})
}

// personData is the person page.
type personData struct {
	Person *vigil.Person
	Team   *vigil.Team
	Agency *vigil.Agency
	Ranks  []vigil.Rank
	Saved  bool
	// History is the person's changes, on the person page only.
	History []timelineEntry
	org     *vigil.Organisation
}

func (s *Server) loadPerson(r *http.Request) (*personData, error) {
	id, err := pathID(r)
	if err != nil {
		return nil, err
	}
	p, err := s.svc.Org.Person(r.Context(), id)
	if err != nil {
		return nil, err
	}
	org, err := s.svc.Org.Organisation(r.Context())
	if err != nil {
		return nil, err
	}
	d := &personData{Person: p, Ranks: vigil.Ranks, org: org}
	for i := range org.Teams {
		if org.Teams[i].ID == p.TeamID {
			d.Team = &org.Teams[i]
		}
	}
	for i := range org.Agencies {
		if org.Agencies[i].ID == p.AgencyID {
			d.Agency = &org.Agencies[i]
		}
	}
	return d, nil
}

func (s *Server) personPage(w http.ResponseWriter, r *http.Request) {
	d, err := s.loadPerson(r)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	d.Saved = r.URL.Query().Get("saved") == "1"
	changes, err := s.svc.Org.PersonHistory(r.Context(), d.Person.ID)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	d.History = timeline(changes, personHistory(namesOf(d.org)))
	s.render(w, r, http.StatusOK, "person", &Page{Title: d.Person.FullName(), Data: d})
}

// personForm is a person as the edit form holds it.
func personForm(p *vigil.Person) url.Values {
	f := url.Values{
		"given_name":    {p.GivenName},
		"family_name":   {p.FamilyName},
		"collar_number": {p.CollarNumber},
		"rank":          {string(p.Rank)},
		"role":          {p.Role},
		"email":         {p.Email},
		"version":       {strconv.FormatInt(p.Version, 10)},
	}
	if p.Active {
		f.Set("active", "yes")
	}
	return f
}

func (s *Server) personEditPage(w http.ResponseWriter, r *http.Request) {
	d, err := s.loadPerson(r)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "person-edit", &Page{Title: "Change details: " + d.Person.FullName(), Data: d, Form: personForm(d.Person)})
}

func (s *Server) personEdit(w http.ResponseWriter, r *http.Request) {
	d, err := s.loadPerson(r)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	if err := r.ParseForm(); err != nil {
		s.pageError(w, r, vigil.Errorf(vigil.EINVALID, "The form could not be read"))
		return
	}
	f := r.PostForm
	version, err := strconv.ParseInt(f.Get("version"), 10, 64)
	if err != nil {
		s.pageError(w, r, vigil.Errorf(vigil.EINVALID, "The form is out of date: go back and reload the page"))
		return
	}
	changed := *d.Person
	changed.GivenName = f.Get("given_name")
	changed.FamilyName = f.Get("family_name")
	changed.CollarNumber = f.Get("collar_number")
	changed.Rank = vigil.Rank(f.Get("rank"))
	changed.Role = f.Get("role")
	changed.Email = f.Get("email")
	changed.Active = f.Get("active") == "yes"
	changed.Version = version
	_, err = s.svc.Org.UpdatePerson(r.Context(), changed)
	switch vigil.ErrorCode(err) {
	case "":
		http.Redirect(w, r, "/organisation/people/"+strconv.FormatInt(d.Person.ID, 10)+"?saved=1", http.StatusSeeOther)
	case vigil.EINVALID, vigil.ECONFLICT:
		errs := vigil.ErrorFields(err)
		if len(errs) == 0 {
			errs = []vigil.FieldError{{Field: "given_name", Message: vigil.ErrorMessage(err)}}
		}
		// Keep what was typed; on a conflict, keep the old version so the
		// save is refused again until the page is reloaded.
		form := url.Values{}
		for k, v := range f {
			form[k] = []string{strings.Join(v, "")}
		}
		s.render(w, r, statusOf[vigil.ErrorCode(err)], "person-edit", &Page{Title: "Change details: " + d.Person.FullName(),
			Data: d, Form: form, Errors: errs})
	default:
		s.pageError(w, r, err)
	}
}
