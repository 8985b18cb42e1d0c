package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/vigilcp/vigil/internal/vigil"
)

// The administrators' API: accounts and their access, teams and partner
// agencies. Like the pages, it leaves every permission decision to the
// store.

// baseVersion returns the version an update is based on: from If-Match
// (the ETag a read returned) or the body, which must agree when both are
// sent; what names the record in the message when neither is.
func baseVersion(r *http.Request, body int64, what string) (int64, error) {
	if ver, ok, err := ifMatch(r, what); ok || err != nil {
		if err == nil && body != 0 && body != ver {
			err = vigil.Errorf(vigil.EINVALID, "If-Match and version disagree")
		}
		return ver, err
	}
	if body == 0 {
		var v vigil.Validation
		v.Add("version", "Give the version of the %s this change is based on (from a read), or send If-Match", what)
		return 0, v.Err()
	}
	return body, nil
}

// ifMatch reads the version an If-Match header names, and whether it
// names one.
func ifMatch(r *http.Request, what string) (int64, bool, error) {
	m := r.Header.Get("If-Match")
	if m == "" {
		return 0, false, nil
	}
	ver, err := strconv.ParseInt(strings.Trim(strings.TrimPrefix(m, "W/"), `"`), 10, 64)
	if err != nil {
		return 0, true, vigil.Errorf(vigil.EINVALID, "If-Match must be the ETag a read of this %s returned", what)
	}
	return ver, true, nil
}

func setETag(w http.ResponseWriter, version int64) {
	w.Header().Set("ETag", strconv.Quote(strconv.FormatInt(version, 10)))
}

func (s *Server) apiUsers(w http.ResponseWriter, r *http.Request) {
	pr, err := pageRequest(r)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	page, err := s.svc.Users.Users(r.Context(), pr)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	if page.Items == nil {
		page.Items = []vigil.User{}
	}
	writeJSON(w, http.StatusOK, page)
}

func (s *Server) apiUser(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err == nil {
		var u *vigil.User
		if u, err = s.svc.Users.User(r.Context(), id); err == nil {
			setETag(w, u.Version)
			writeJSON(w, http.StatusOK, u)
			return
		}
	}
	s.apiError(w, r, err)
}

// accessInput is the body of a change to an account's access.
type accessInput struct {
	Roles        []vigil.Role `json:"roles"`
	Scope        vigil.Scope  `json:"scope"`
	SupervisorID int64        `json:"supervisor_id"`
	Version      int64        `json:"version"`
}

// apiUserAccess replaces an account's roles, scope and supervisor. Nobody
// may change their own, nor grant more than they hold; a stale version is
// refused with 409.
func (s *Server) apiUserAccess(w http.ResponseWriter, r *http.Request) {
	if err := requireSignIn(r); err != nil {
		s.apiError(w, r, err)
		return
	}
	id, err := pathID(r)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	var in accessInput
	if err := decode(r, &in); err != nil {
		s.apiError(w, r, err)
		return
	}
	if in.Version, err = baseVersion(r, in.Version, "user"); err != nil {
		s.apiError(w, r, err)
		return
	}
	u, err := s.svc.Users.SetAccess(r.Context(), id, vigil.Access{Roles: in.Roles, Scope: in.Scope,
		SupervisorID: in.SupervisorID, Version: in.Version})
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	setETag(w, u.Version)
	writeJSON(w, http.StatusOK, u)
}

// teamInput is the body of a create or update of a team.
type teamInput struct {
	Code    string         `json:"code"`
	Name    string         `json:"name"`
	Kind    vigil.TeamKind `json:"kind"`
	LPAID   int64          `json:"lpa_id"`
	Version int64          `json:"version"`
}

func (in teamInput) team() vigil.Team {
	return vigil.Team{Code: in.Code, Name: in.Name, Kind: in.Kind, LPAID: in.LPAID}
}

func (s *Server) apiCreateTeam(w http.ResponseWriter, r *http.Request) {
	if err := requireSignIn(r); err != nil {
		s.apiError(w, r, err)
		return
	}
	var in teamInput
	if err := decode(r, &in); err != nil {
		s.apiError(w, r, err)
		return
	}
	t, err := s.svc.Org.CreateTeam(r.Context(), in.team())
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/teams/"+strconv.FormatInt(t.ID, 10))
	setETag(w, t.Version)
	writeJSON(w, http.StatusCreated, t)
}

func (s *Server) apiUpdateTeam(w http.ResponseWriter, r *http.Request) {
	if err := requireSignIn(r); err != nil {
		s.apiError(w, r, err)
		return
	}
	id, err := pathID(r)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	var in teamInput
	if err := decode(r, &in); err != nil {
		s.apiError(w, r, err)
		return
	}
	if in.Version, err = baseVersion(r, in.Version, "team"); err != nil {
		s.apiError(w, r, err)
		return
	}
	t := in.team()
	t.ID, t.Version = id, in.Version
	out, err := s.svc.Org.UpdateTeam(r.Context(), t)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	setETag(w, out.Version)
	writeJSON(w, http.StatusOK, out)
}

// agencyInput is the body of a create or update of a partner agency.
type agencyInput struct {
	Code    string           `json:"code"`
	Name    string           `json:"name"`
	Kind    vigil.AgencyKind `json:"kind"`
	Version int64            `json:"version"`
}

func (s *Server) apiAgency(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err == nil {
		var a *vigil.Agency
		if a, err = s.svc.Org.Agency(r.Context(), id); err == nil {
			setETag(w, a.Version)
			writeJSON(w, http.StatusOK, a)
			return
		}
	}
	s.apiError(w, r, err)
}

func (s *Server) apiCreateAgency(w http.ResponseWriter, r *http.Request) {
	if err := requireSignIn(r); err != nil {
		s.apiError(w, r, err)
		return
	}
	var in agencyInput
	if err := decode(r, &in); err != nil {
		s.apiError(w, r, err)
		return
	}
	a, err := s.svc.Org.CreateAgency(r.Context(), vigil.Agency{Code: in.Code, Name: in.Name, Kind: in.Kind})
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/agencies/"+strconv.FormatInt(a.ID, 10))
	setETag(w, a.Version)
	writeJSON(w, http.StatusCreated, a)
}

func (s *Server) apiUpdateAgency(w http.ResponseWriter, r *http.Request) {
	if err := requireSignIn(r); err != nil {
		s.apiError(w, r, err)
		return
	}
	id, err := pathID(r)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	var in agencyInput
	if err := decode(r, &in); err != nil {
		s.apiError(w, r, err)
		return
	}
	if in.Version, err = baseVersion(r, in.Version, "agency"); err != nil {
		s.apiError(w, r, err)
		return
	}
	out, err := s.svc.Org.UpdateAgency(r.Context(), vigil.Agency{ID: id, Code: in.Code, Name: in.Name, Kind: in.Kind,
		Stamp: vigil.Stamp{Version: in.Version}})
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	setETag(w, out.Version)
	writeJSON(w, http.StatusOK, out)
}
