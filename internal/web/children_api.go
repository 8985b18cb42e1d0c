package web

import (
	"net/http"
	"strconv"
	"time"

	"github.com/vigilcp/vigil/internal/vigil"
)

func (s *Server) apiChildren(w http.ResponseWriter, r *http.Request) {
	if err := requireSignIn(r); err != nil {
		s.apiError(w, r, err)
		return
	}
	pr, err := pageRequest(r)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	var v vigil.Validation
	f := vigil.ChildFilter{Query: r.URL.Query().Get("q"), LPAID: queryID(r, "lpa_id", &v), PageRequest: pr}
	if err := v.Err(); err != nil {
		s.apiError(w, r, err)
		return
	}
	page, err := s.svc.Children.Children(vigil.WithPurpose(r.Context(), purposeChildList), f)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	if page.Items == nil {
		page.Items = []vigil.ChildRecord{}
	}
	writeJSON(w, http.StatusOK, page)
}

func (s *Server) apiChild(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err == nil {
		err = requireSignIn(r)
	}
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	c, err := s.svc.Children.Child(vigil.WithPurpose(r.Context(), purposeChildView), id)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, c)
}

func (s *Server) apiChildHistory(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err == nil {
		err = requireSignIn(r)
	}
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	h, err := s.svc.Children.ChildHistory(r.Context(), id)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	if h == nil {
		h = []vigil.Change{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": h})
}

func (s *Server) apiBreakGlass(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err == nil {
		err = requireSignIn(r)
	}
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	var in struct {
		Purpose string `json:"purpose"`
		Reason  string `json:"reason"`
	}
	if err := decode(r, &in); err != nil {
		s.apiError(w, r, err)
		return
	}
	bg, err := s.svc.Children.OpenWithReason(r.Context(), id, in.Purpose, in.Reason)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, bg)
}

func (s *Server) apiShares(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err == nil {
		err = requireSignIn(r)
	}
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	shares, err := s.svc.Children.Shares(r.Context(), id)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	if shares == nil {
		shares = []vigil.Share{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": shares})
}

func (s *Server) apiShare(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err == nil {
		err = requireSignIn(r)
	}
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	var in struct {
		AgencyID    int64      `json:"agency_id"`
		Parts       []string   `json:"parts"`
		Purpose     string     `json:"purpose"`
		LawfulBasis string     `json:"lawful_basis"`
		Until       *time.Time `json:"until"`
	}
	if err := decode(r, &in); err != nil {
		s.apiError(w, r, err)
		return
	}
	sh, err := s.svc.Children.Share(vigil.WithPurpose(r.Context(), purposeShare), vigil.Share{RecordID: id, AgencyID: in.AgencyID,
		Parts: in.Parts, Purpose: in.Purpose, LawfulBasis: in.LawfulBasis, Until: in.Until})
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/children/"+strconv.FormatInt(id, 10)+"/shares")
	writeJSON(w, http.StatusCreated, sh)
}

func (s *Server) apiRevokeShare(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err == nil {
		err = requireSignIn(r)
	}
	if err == nil {
		err = s.svc.Children.RevokeShare(r.Context(), id)
	}
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) apiRestrict(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err == nil {
		err = requireSignIn(r)
	}
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	var in struct {
		Part         string       `json:"part"`
		AllowedRoles []vigil.Role `json:"allowed_roles"`
		AllowedUsers []int64      `json:"allowed_users"`
		Reason       string       `json:"reason"`
	}
	if err := decode(r, &in); err != nil {
		s.apiError(w, r, err)
		return
	}
	res, err := s.svc.Children.Restrict(r.Context(), vigil.Restriction{RecordID: id, Part: in.Part, AllowedRoles: in.AllowedRoles,
		AllowedUsers: in.AllowedUsers, Reason: in.Reason})
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, res)
}

func (s *Server) apiAccessLog(w http.ResponseWriter, r *http.Request) {
	if err := requireSignIn(r); err != nil {
		s.apiError(w, r, err)
		return
	}
	r = r.WithContext(vigil.WithPurpose(r.Context(), "auditing access to records"))
	f, err := s.parseAccessFilter(r)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	page, err := s.svc.AccessLog.AccessLog(r.Context(), f)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	if page.Items == nil {
		page.Items = []vigil.AccessEntry{}
	}
	writeJSON(w, http.StatusOK, page)
}

func (s *Server) apiOpenings(w http.ResponseWriter, r *http.Request) {
	if err := requireSignIn(r); err != nil {
		s.apiError(w, r, err)
		return
	}
	pr, err := pageRequest(r)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	page, err := s.svc.BreakGlass.Openings(r.Context(), r.URL.Query().Get("pending") == "true", pr)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	if page.Items == nil {
		page.Items = []vigil.BreakGlass{}
	}
	writeJSON(w, http.StatusOK, page)
}

func (s *Server) apiReviewOpening(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err == nil {
		err = requireSignIn(r)
	}
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	var in struct {
		Note string `json:"note"`
	}
	if err := decode(r, &in); err != nil {
		s.apiError(w, r, err)
		return
	}
	if err := s.svc.BreakGlass.Review(r.Context(), id, in.Note); err != nil {
		s.apiError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
