package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/vigilcp/vigil/internal/vigil"
)

// Search before create: a new missing report starts by looking for the
// child among the records the force holds, tolerant of spelling, short
// names and order, so that one child does not become two.

const purposeChildSearch = "checking whether a child already has a record"

// childSearchData is the search page.
type childSearchData struct {
	Searched bool
	Expired  bool // a held match's reference ran out before the report
	Matches  []vigil.ChildMatch
	Held     []heldOffer
	NewHref  string
	Today    time.Time
}

// heldOffer is a possible match held by another area: who holds it, and
// where to report that child missing (empty when the match cannot be
// reported through, being restricted).
type heldOffer struct {
	HeldBy, ReportHref string
}

// queryFrom reads a child search from the query string.
func childQueryFrom(q url.Values, v *vigil.Validation) vigil.ChildQuery {
	cq := vigil.ChildQuery{GivenName: strings.TrimSpace(q.Get("given_name")), FamilyName: strings.TrimSpace(q.Get("family_name")),
		OtherNames: strings.TrimSpace(q.Get("other_names"))}
	day, month, year := strings.TrimSpace(q.Get("date_of_birth-day")), strings.TrimSpace(q.Get("date_of_birth-month")),
		strings.TrimSpace(q.Get("date_of_birth-year"))
	if day+month+year != "" {
		d, errD := strconv.Atoi(day)
		m, errM := strconv.Atoi(month)
		y, errY := strconv.Atoi(year)
		dob := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
		if errD != nil || errM != nil || errY != nil || m < 1 || m > 12 || y < 1900 || dob.Day() != d {
			v.Add("date_of_birth", "Enter a real date of birth, like 27 3 2012, or leave it empty")
		} else {
			cq.DateOfBirth = dob
		}
	}
	return cq
}

func (s *Server) reportSearchPage(w http.ResponseWriter, r *http.Request) {
	p := vigil.PrincipalFrom(r.Context())
	switch {
	case p == nil:
		s.pageError(w, r, vigil.Errorf(vigil.EUNAUTHENTICATED, "sign in"))
		return
	case !p.Has(vigil.ActionCreate, vigil.KindEpisode):
		s.pageError(w, r, vigil.Errorf(vigil.EFORBIDDEN, "You cannot report children missing"))
		return
	}
	q := r.URL.Query()
	d := childSearchData{Today: s.now(), Expired: q.Get("expired") != ""}
	page := &Page{Title: "Report a child missing", Data: &d, Form: q}
	if q.Get("search") == "" {
		s.render(w, r, http.StatusOK, "report-search", page)
		return
	}
	var v vigil.Validation
	cq := childQueryFrom(q, &v)
	if err := v.Err(); err != nil {
		page.Errors = vigil.ErrorFields(err)
		s.render(w, r, http.StatusUnprocessableEntity, "report-search", page)
		return
	}
	matches, err := s.svc.Children.MatchChildren(vigil.WithPurpose(r.Context(), purposeChildSearch), cq)
	if err != nil {
		if fields := vigil.ErrorFields(err); len(fields) > 0 {
			page.Errors = fields
			s.render(w, r, http.StatusUnprocessableEntity, "report-search", page)
			return
		}
		s.pageError(w, r, err)
		return
	}
	d.Searched = true
	for _, m := range matches {
		if m.Child != nil {
			d.Matches = append(d.Matches, m)
		} else if m.HeldBy != "" {
			o := heldOffer{HeldBy: m.HeldBy}
			if m.Ref != "" {
				o.ReportHref = "/missing/report/match/" + url.PathEscape(m.Ref) + "?" +
					url.Values{"held_by": {m.HeldBy}, "name": {strings.TrimSpace(cq.GivenName + " " + cq.FamilyName)}}.Encode()
			}
			d.Held = append(d.Held, o)
		}
	}
	next := url.Values{}
	for _, k := range []string{"given_name", "family_name", "other_names", "date_of_birth-day", "date_of_birth-month", "date_of_birth-year"} {
		if v := q.Get(k); v != "" {
			next.Set(k, v)
		}
	}
	if len(matches) > 0 {
		next.Set("matches", strconv.Itoa(len(matches)))
	}
	d.NewHref = "/children/new?" + next.Encode()
	s.render(w, r, http.StatusOK, "report-search", page)
}

// newChildData is the new child form.
type newChildData struct {
	LPAs    []vigil.LPA
	Markers []vigil.WarningMarker
	Matches int
	Sexes   []vigil.Sex
}

func (s *Server) newChildForm(w http.ResponseWriter, r *http.Request) (*newChildData, bool) {
	p := vigil.PrincipalFrom(r.Context())
	switch {
	case p == nil:
		s.pageError(w, r, vigil.Errorf(vigil.EUNAUTHENTICATED, "sign in"))
		return nil, false
	case !p.Has(vigil.ActionCreate, vigil.KindChild):
		s.pageError(w, r, vigil.Errorf(vigil.EFORBIDDEN, "You cannot add children's records"))
		return nil, false
	}
	d := &newChildData{Markers: vigil.WarningMarkers, Sexes: []vigil.Sex{vigil.SexFemale, vigil.SexMale, vigil.SexOther, vigil.SexUnknown}}
	if org, err := s.svc.Org.Organisation(r.Context()); err == nil {
		d.LPAs = org.LPAs
	}
	return d, true
}

func (s *Server) newChildPage(w http.ResponseWriter, r *http.Request) {
	d, ok := s.newChildForm(w, r)
	if !ok {
		return
	}
	q := r.URL.Query()
	d.Matches, _ = strconv.Atoi(q.Get("matches"))
	form := url.Values{}
	for k, v := range q {
		form[k] = v
	}
	if p := vigil.PrincipalFrom(r.Context()); p.LPAID != 0 && form.Get("lpa_id") == "" {
		form.Set("lpa_id", strconv.FormatInt(p.LPAID, 10))
	}
	s.render(w, r, http.StatusOK, "child-new", &Page{Title: "Add a child", Data: d, Form: form})
}

func (s *Server) newChild(w http.ResponseWriter, r *http.Request) {
	d, ok := s.newChildForm(w, r)
	if !ok {
		return
	}
	if err := r.ParseForm(); err != nil {
		s.pageError(w, r, vigil.Errorf(vigil.EINVALID, "The form could not be read"))
		return
	}
	f := r.PostForm
	d.Matches, _ = strconv.Atoi(f.Get("matches"))
	var v vigil.Validation
	dob := formDate(r, "date_of_birth", &v)
	if dob.IsZero() && !v.Has("date_of_birth") {
		v.Add("date_of_birth", "Enter the child's date of birth")
	}
	n := vigil.NewChild{GivenName: f.Get("given_name"), FamilyName: f.Get("family_name"), OtherNames: f.Get("other_names"),
		DateOfBirth: time.Date(dob.Year(), dob.Month(), dob.Day(), 0, 0, 0, 0, time.UTC), Sex: vigil.Sex(f.Get("sex")),
		Ethnicity: f.Get("ethnicity"), AddressLine: f.Get("address_line"), Town: f.Get("town"), Postcode: f.Get("postcode"),
		School: f.Get("school"), WarningMarkers: f["warning_markers"], SocialWorker: f.Get("social_worker"),
		LookedAfter: f.Get("looked_after") == "yes", PlacingAuthority: f.Get("placing_authority"), Placement: f.Get("placement"),
		Carers: f.Get("carers"), ConfirmedNew: f.Get("confirmed_new") == "yes"}
	n.LPAID, _ = strconv.ParseInt(f.Get("lpa_id"), 10, 64)
	var err error
	var c *vigil.ChildRecord
	if err = v.Err(); err == nil {
		c, err = s.svc.Children.CreateChild(vigil.WithPurpose(r.Context(), purposeChildSearch), n)
	} else if verr := n.Validate(s.now()); verr != nil {
		for _, fe := range vigil.ErrorFields(verr) {
			if !v.Has(fe.Field) && fe.Field != "date_of_birth" {
				v.Add(fe.Field, "%s", fe.Message)
			}
		}
		err = v.Err()
	}
	if err != nil {
		fields := vigil.ErrorFields(err)
		if vigil.ErrorCode(err) == vigil.ECONFLICT {
			fields = []vigil.FieldError{{Field: "confirmed_new", Message: vigil.ErrorMessage(err)}}
			if d.Matches == 0 {
				d.Matches = 1
			}
		}
		if len(fields) > 0 {
			s.render(w, r, http.StatusUnprocessableEntity, "child-new", &Page{Title: "Add a child", Data: d, Errors: fields, Form: f})
			return
		}
		s.pageError(w, r, err)
		return
	}
	next := fmt.Sprintf("/children/%d", c.ID)
	if f.Get("then") == "report" {
		next += "/report-missing"
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
}
