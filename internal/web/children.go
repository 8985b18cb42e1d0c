package web

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/vigilcp/vigil/internal/vigil"
)

// Purposes recorded in the access log for the children's pages.
const (
	purposeChildList = "finding a child's record"
	purposeChildView = "viewing a child's record for safeguarding"
	purposeShare     = "sharing a child's record with a partner agency"
)

func (s *Server) childrenPage(w http.ResponseWriter, r *http.Request) {
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	ctx := vigil.WithPurpose(r.Context(), purposeChildList)
	page, err := s.svc.Children.Children(ctx, vigil.ChildFilter{Query: q, PageRequest: vigil.PageRequest{Cursor: r.URL.Query().Get("cursor")}})
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	next := ""
	if page.Next != "" {
		next = "/children?q=" + url.QueryEscape(q) + "&cursor=" + url.QueryEscape(page.Next)
	}
	s.render(w, r, http.StatusOK, "children", &Page{Title: "Children", Form: url.Values{"q": {q}},
		Data: struct {
			Children []vigil.ChildRecord
			NextHref string
			Query    string
			Today    time.Time
		}{page.Items, next, q, s.now()}})
}

// childData is a child's page.
type childData struct {
	Child    *vigil.ChildRecord
	Shares   []vigil.Share
	Age      int
	LPA      string
	Agencies []vigil.Agency
	Bases    []string
	Parts    []string
	Roles    []vigil.Role
	History  []timelineEntry
	Findings []vigil.StoredFinding
	Shared   bool // a share was just made
	Opened   bool // opened with a reason just now
}

func (s *Server) loadChild(w http.ResponseWriter, r *http.Request, purpose string) (*childData, bool) {
	id, err := pathID(r)
	if err != nil {
		s.pageError(w, r, err)
		return nil, false
	}
	ctx := vigil.WithPurpose(r.Context(), purpose)
	c, err := s.svc.Children.Child(ctx, id)
	if err != nil {
		s.childRefused(w, r, id, err)
		return nil, false
	}
	d := s.newChildData(c)
	// The names of the force's areas and agencies, for those who may read
	// them (a partner agency's practitioner may not).
	org, err := s.svc.Org.Organisation(r.Context())
	if vigil.ErrorCode(err) == vigil.EFORBIDDEN {
		return d, true
	}
	if err != nil {
		s.pageError(w, r, err)
		return nil, false
	}
	for _, l := range org.LPAs {
		if l.ID == c.LPAID {
			d.LPA = l.Name
		}
	}
	d.Agencies = org.Agencies
	return d, true
}

func (s *Server) newChildData(c *vigil.ChildRecord) *childData {
	return &childData{Child: c, Age: vigil.AgeOn(c.DateOfBirth, s.now()), Bases: vigil.LawfulBases, Parts: vigil.ChildParts,
		Roles: vigil.Roles}
}

// childRefused answers a refused read of a child: where the record is
// restricted, those who may lift restrictions are told where to look; where
// it is outside the reader's area, they are offered to open it with a
// reason; otherwise the error's own page.
func (s *Server) childRefused(w http.ResponseWriter, r *http.Request, id int64, err error) {
	var ve *vigil.Error
	if vigil.ErrorCode(err) == vigil.EFORBIDDEN && errors.As(err, &ve) && ve.Restricted &&
		vigil.PrincipalFrom(r.Context()).Has(vigil.ActionRestrict, vigil.KindChild) {
		s.render(w, r, http.StatusForbidden, "child-restricted", &Page{Title: "This record is restricted", Data: id})
		return
	}
	if vigil.ErrorCode(err) == vigil.EFORBIDDEN && errors.As(err, &ve) && ve.BreakGlass {
		s.render(w, r, http.StatusForbidden, "child-outside", &Page{Title: "This record is outside your area of work",
			Data: outsideData{ID: id, Purposes: vigil.BreakGlassPurposes}})
		return
	}
	s.pageError(w, r, err)
}

// childPage is a child's record, read in one call (ChildView).
func (s *Server) childPage(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	v, err := s.svc.Children.ChildView(vigil.WithPurpose(r.Context(), purposeChildView), id)
	if err != nil {
		s.childRefused(w, r, id, err)
		return
	}
	d := s.newChildData(v.Child)
	d.LPA, d.Agencies, d.Shares, d.Findings = v.LPAName, v.Agencies, v.Shares, v.Findings
	d.Shared = r.URL.Query().Get("shared") == "1"
	d.Opened = r.URL.Query().Get("opened") == "1"
	s.render(w, r, http.StatusOK, "child", &Page{Title: d.Child.FullName(), Data: d})
}

func (s *Server) childHistoryPage(w http.ResponseWriter, r *http.Request) {
	d, ok := s.loadChild(w, r, purposeChildView)
	if !ok {
		return
	}
	h, err := s.svc.Children.ChildHistory(r.Context(), d.Child.ID)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	d.History = timeline(h, childHistory)
	s.render(w, r, http.StatusOK, "child-history", &Page{Title: "History: " + d.Child.FullName(), Data: d})
}

// outsideData is the break-glass form: the record and the purposes to
// choose from.
type outsideData struct {
	ID       int64
	Purposes []vigil.BreakGlassPurpose
}

// openWithReason is the break-glass form's submission.
func (s *Server) openWithReason(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	purpose, reason := r.PostFormValue("purpose"), r.PostFormValue("reason")
	if _, err := s.svc.Children.OpenWithReason(r.Context(), id, purpose, reason); err != nil {
		if fields := vigil.ErrorFields(err); len(fields) > 0 {
			s.render(w, r, http.StatusUnprocessableEntity, "child-outside", &Page{Title: "This record is outside your area of work",
				Data: outsideData{ID: id, Purposes: vigil.BreakGlassPurposes}, Errors: fields,
				Form: url.Values{"purpose": {purpose}, "reason": {reason}}})
			return
		}
		s.pageError(w, r, err)
		return
	}
	http.Redirect(w, r, "/children/"+strconv.FormatInt(id, 10)+"?opened=1", http.StatusSeeOther)
}

// mayOrRefuse answers a page that offers an action the principal cannot
// take with 403, before showing any record.
func (s *Server) mayOrRefuse(w http.ResponseWriter, r *http.Request, a vigil.Action, k vigil.RecordKind) bool {
	if err := vigil.Require(r.Context(), a, k); err != nil {
		s.pageError(w, r, err)
		return false
	}
	return true
}

func (s *Server) sharePage(w http.ResponseWriter, r *http.Request) {
	if !s.mayOrRefuse(w, r, vigil.ActionShare, vigil.KindChild) {
		return
	}
	d, ok := s.loadChild(w, r, purposeShare)
	if !ok {
		return
	}
	s.render(w, r, http.StatusOK, "child-share", &Page{Title: "Share " + d.Child.FullName() + "'s record", Data: d,
		Form: url.Values{"parts": {vigil.PartIdentity}}})
}

func (s *Server) share(w http.ResponseWriter, r *http.Request) {
	if !s.mayOrRefuse(w, r, vigil.ActionShare, vigil.KindChild) {
		return
	}
	d, ok := s.loadChild(w, r, purposeShare)
	if !ok {
		return
	}
	if err := r.ParseForm(); err != nil {
		s.pageError(w, r, vigil.Errorf(vigil.EINVALID, "The form could not be read"))
		return
	}
	f := r.PostForm
	sh := vigil.Share{RecordID: d.Child.ID, Parts: f["parts"], Purpose: f.Get("purpose"), LawfulBasis: f.Get("lawful_basis")}
	sh.AgencyID, _ = strconv.ParseInt(f.Get("agency_id"), 10, 64)
	var v vigil.Validation
	if until := strings.TrimSpace(f.Get("until")); until != "" {
		t, err := time.ParseInLocation("2006-01-02", until, london)
		if err != nil {
			v.Add("until", "Enter the end date as a date, like 2027-03-31")
		} else {
			sh.Until = &t
		}
	}
	err := v.Err()
	if err == nil {
		_, err = s.svc.Children.Share(vigil.WithPurpose(r.Context(), purposeShare), sh)
	}
	if fields := vigil.ErrorFields(err); len(fields) > 0 {
		s.render(w, r, http.StatusUnprocessableEntity, "child-share", &Page{Title: "Share " + d.Child.FullName() + "'s record",
			Data: d, Form: f, Errors: fields})
		return
	}
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	http.Redirect(w, r, "/children/"+strconv.FormatInt(d.Child.ID, 10)+"?shared=1", http.StatusSeeOther)
}

func (s *Server) revokeShare(w http.ResponseWriter, r *http.Request) {
	child, err := pathID(r)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	share, err := strconv.ParseInt(r.PathValue("share"), 10, 64)
	if err != nil {
		s.pageError(w, r, vigil.Errorf(vigil.ENOTFOUND, "Not found"))
		return
	}
	if err := s.svc.Children.RevokeShare(r.Context(), share); err != nil {
		s.pageError(w, r, err)
		return
	}
	http.Redirect(w, r, "/children/"+strconv.FormatInt(child, 10), http.StatusSeeOther)
}

func (s *Server) restrictPage(w http.ResponseWriter, r *http.Request) {
	if !s.mayOrRefuse(w, r, vigil.ActionRestrict, vigil.KindChild) {
		return
	}
	d, ok := s.loadChild(w, r, purposeChildView)
	if !ok {
		return
	}
	s.render(w, r, http.StatusOK, "child-restrict", &Page{Title: "Restrict " + d.Child.FullName() + "'s record", Data: d})
}

func (s *Server) restrict(w http.ResponseWriter, r *http.Request) {
	if !s.mayOrRefuse(w, r, vigil.ActionRestrict, vigil.KindChild) {
		return
	}
	d, ok := s.loadChild(w, r, purposeChildView)
	if !ok {
		return
	}
	if err := r.ParseForm(); err != nil {
		s.pageError(w, r, vigil.Errorf(vigil.EINVALID, "The form could not be read"))
		return
	}
	f := r.PostForm
	res := vigil.Restriction{RecordID: d.Child.ID, Part: f.Get("part"), Reason: f.Get("reason")}
	if res.Part == "whole" {
		res.Part = ""
	}
	for _, role := range f["allowed_roles"] {
		res.AllowedRoles = append(res.AllowedRoles, vigil.Role(role))
	}
	_, err := s.svc.Children.Restrict(r.Context(), res)
	if fields := vigil.ErrorFields(err); len(fields) > 0 {
		s.render(w, r, http.StatusUnprocessableEntity, "child-restrict", &Page{Title: "Restrict " + d.Child.FullName() + "'s record",
			Data: d, Form: f, Errors: fields})
		return
	}
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	http.Redirect(w, r, "/children/"+strconv.FormatInt(d.Child.ID, 10), http.StatusSeeOther)
}
