package web

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/vigilcp/vigil/internal/vigil"
)

// The children API's search before create: a client looks for the child
// first (GET /api/v1/children/matches), and records a new child only when
// none of the possible matches is them (POST /api/v1/children, with
// confirmed_new when the search finds any). Records are changed whole with
// PUT, based on the version the client read.
//
// Dates of birth are calendar dates, YYYY-MM-DD, in requests; a child
// record gives its date of birth as midnight UTC of that date.

// Purposes recorded in the access log for the search, the creation and the
// change of a child's record.
const (
	apiPurposeChildSearch = "searching for a child before recording a new one"
	apiPurposeChildCreate = "recording a new child for safeguarding"
	apiPurposeChildUpdate = "updating a child's record for safeguarding"
)

// apiChildFields are a child's recorded fields as a request gives them,
// named as the child record names them, with what a new record or a change
// adds: confirmed_new for a new record, the version for a change, each
// refused in the other. (One flat struct: encoding/json names a field of an
// embedded struct by the struct's Go name in a type error.)
type apiChildFields struct {
	GivenName        string    `json:"given_name"`
	FamilyName       string    `json:"family_name"`
	OtherNames       string    `json:"other_names"`
	DateOfBirth      string    `json:"date_of_birth"`
	Sex              vigil.Sex `json:"sex"`
	Ethnicity        string    `json:"ethnicity"`
	AddressLine      string    `json:"address_line"`
	Town             string    `json:"town"`
	Postcode         string    `json:"postcode"`
	LPAID            int64     `json:"lpa_id"`
	School           string    `json:"school"`
	WarningMarkers   []string  `json:"warning_markers"`
	SocialWorker     string    `json:"social_worker"`
	LookedAfter      bool      `json:"looked_after"`
	PlacingAuthority string    `json:"placing_authority"`
	Placement        string    `json:"placement"`
	Carers           string    `json:"carers"`
	// ConfirmedNew says the client searched, and the child is none of the
	// possible matches.
	ConfirmedNew *bool  `json:"confirmed_new"`
	Version      *int64 `json:"version"`
}

// apiDateOfBirth reads a date of birth (YYYY-MM-DD) as midnight UTC; ""
// is the zero time (not given).
func apiDateOfBirth(v *vigil.Validation, field, s string) time.Time {
	if s == "" {
		return time.Time{}
	}
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		v.Add(field, "%s must be a date like 2014-07-19 (YYYY-MM-DD)", field)
		return time.Time{}
	}
	return d
}

// newChild is the record the fields describe; a date of birth that is not
// a date is a field error in v.
func (in apiChildFields) newChild(v *vigil.Validation) vigil.NewChild {
	return vigil.NewChild{GivenName: in.GivenName, FamilyName: in.FamilyName, OtherNames: in.OtherNames,
		DateOfBirth: apiDateOfBirth(v, "date_of_birth", in.DateOfBirth), Sex: in.Sex, Ethnicity: in.Ethnicity,
		AddressLine: in.AddressLine, Town: in.Town, Postcode: in.Postcode, LPAID: in.LPAID, School: in.School,
		WarningMarkers: in.WarningMarkers, SocialWorker: in.SocialWorker, LookedAfter: in.LookedAfter,
		PlacingAuthority: in.PlacingAuthority, Placement: in.Placement, Carers: in.Carers}
}

// apiChildErrors words the record rules' field errors for an API client,
// who has no form to choose from: an unknown warning marker is named at
// its place in the list (/warning_markers/2) with the codes there are, and
// sex and lpa_id say what they take.
func apiChildErrors(err error, in apiChildFields) error {
	var e *vigil.Error
	if !errors.As(err, &e) || len(e.Fields) == 0 {
		return err
	}
	out := *e
	out.Fields = nil
	for _, f := range e.Fields {
		switch f.Field {
		case "warning_markers":
			var unknown []vigil.FieldError
			for i, m := range in.WarningMarkers {
				if m = strings.TrimSpace(m); m != "" && !vigil.ValidWarningMarker(m) {
					unknown = append(unknown, vigil.FieldError{Field: "warning_markers." + strconv.Itoa(i),
						Message: strconv.Quote(m) + " is not a warning marker; use the codes " + apiMarkerCodes()})
				}
			}
			if len(unknown) > 0 {
				out.Fields = append(out.Fields, unknown...)
				continue
			}
		case "sex":
			f.Message = "sex must be female, male, other or unknown (when it is not known)"
		case "lpa_id":
			f.Message = "lpa_id must be the id of the local policing area where the child lives (see GET /api/v1/organisation)"
		}
		out.Fields = append(out.Fields, f)
	}
	return &out
}

// apiMarkerCodes lists the warning markers' codes.
func apiMarkerCodes() string {
	codes := make([]string, len(vigil.WarningMarkers))
	for i, m := range vigil.WarningMarkers {
		codes[i] = m.Code
	}
	return strings.Join(codes, ", ")
}

func childLocation(id int64) string { return "/api/v1/children/" + strconv.FormatInt(id, 10) }

// matchesHref is the search before create for a new child's record.
func matchesHref(n vigil.NewChild) string {
	q := url.Values{}
	for _, p := range [][2]string{{"given_name", n.GivenName}, {"family_name", n.FamilyName}, {"other_names", n.OtherNames}} {
		if s := strings.TrimSpace(p[1]); s != "" {
			q.Set(p[0], s)
		}
	}
	if !n.DateOfBirth.IsZero() {
		q.Set("date_of_birth", n.DateOfBirth.Format(time.DateOnly))
	}
	return "/api/v1/children/matches?" + q.Encode()
}

// apiChildMatches is the search before create: the possible matches, best
// first. A match the caller may read comes with the record (as they may
// see it), the score and the reasons; any other only with the team that
// holds it; partner agencies hear only of children shared with them.
func (s *Server) apiChildMatches(w http.ResponseWriter, r *http.Request) {
	if err := requireSignIn(r); err != nil {
		s.apiError(w, r, err)
		return
	}
	p := r.URL.Query()
	var v vigil.Validation
	q := vigil.ChildQuery{GivenName: p.Get("given_name"), FamilyName: p.Get("family_name"), OtherNames: p.Get("other_names"),
		DateOfBirth: apiDateOfBirth(&v, "date_of_birth", p.Get("date_of_birth"))}
	if err := v.Err(); err != nil {
		s.apiError(w, r, err)
		return
	}
	ms, err := s.svc.Children.MatchChildren(vigil.WithPurpose(r.Context(), apiPurposeChildSearch), q)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	if ms == nil {
		ms = []vigil.ChildMatch{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": ms})
}

// apiPossibleMatches finds the number of possible matches in the store's
// refusal of a new record ("the search finds 2 possible matches").
var apiPossibleMatches = regexp.MustCompile(`(\d+) possible match`)

// apiMatchesProblem is the refusal of a new record while the search finds
// possible matches: a conflict, with the number of matches and the search
// that shows them.
type apiMatchesProblem struct {
	Problem
	PossibleMatches int    `json:"possible_matches"`
	Matches         string `json:"matches"`
}

// apiCreateChild records a new child. While the search before create
// finds possible matches the record is refused with 409, saying how many
// and where to see them, unless confirmed_new says the child is none of
// them.
func (s *Server) apiCreateChild(w http.ResponseWriter, r *http.Request) {
	if err := requireSignIn(r); err != nil {
		s.apiError(w, r, err)
		return
	}
	var in apiChildFields
	if err := decode(r, &in); err != nil {
		s.apiError(w, r, err)
		return
	}
	var v vigil.Validation
	n := in.newChild(&v)
	if in.Version != nil {
		v.Add("version", "version is not a field of a new record")
	}
	n.ConfirmedNew = in.ConfirmedNew != nil && *in.ConfirmedNew
	if err := v.Err(); err != nil {
		s.apiError(w, r, err)
		return
	}
	c, err := s.svc.Children.CreateChild(vigil.WithPurpose(r.Context(), apiPurposeChildCreate), n)
	if err != nil {
		if m := apiPossibleMatches.FindStringSubmatch(vigil.ErrorMessage(err)); m != nil && vigil.ErrorCode(err) == vigil.ECONFLICT {
			count, _ := strconv.Atoi(m[1])
			s.apiMatchesConflict(w, r, n, count)
			return
		}
		s.apiError(w, r, apiChildErrors(err, in))
		return
	}
	w.Header().Set("Location", childLocation(c.ID))
	setETag(w, c.Version)
	writeJSON(w, http.StatusCreated, c)
}

// apiMatchesConflict answers a new record refused because the search finds
// possible matches.
func (s *Server) apiMatchesConflict(w http.ResponseWriter, r *http.Request, n vigil.NewChild, count int) {
	noun := "possible matches"
	if count == 1 {
		noun = "possible match"
	}
	href := matchesHref(n)
	p := apiMatchesProblem{Problem: Problem{Type: problemType(vigil.ECONFLICT), Title: titleOf[vigil.ECONFLICT],
		Status: http.StatusConflict, Code: vigil.ECONFLICT, Instance: r.URL.Path, RequestID: requestID(r.Context()),
		Detail: "This child may already have a record: the search before create finds " + strconv.Itoa(count) + " " + noun +
			" for these names and date of birth. Nothing was recorded. Search with GET " + href +
			" and check each match; if this child is none of them, send the record again with \"confirmed_new\": true."},
		PossibleMatches: count, Matches: href}
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(http.StatusConflict)
	_ = json.NewEncoder(w).Encode(p)
}

// apiUpdateChild replaces a child's record: every field is sent, and one
// left out is cleared, except in a part held back from the client, which
// keeps its stored values. The version the change is based on comes in the
// body or as If-Match; a stale one is refused with 409.
func (s *Server) apiUpdateChild(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err == nil {
		err = requireSignIn(r)
	}
	var in apiChildFields
	if err == nil {
		err = decode(r, &in)
	}
	var version int64
	if err == nil {
		if in.Version != nil {
			version = *in.Version
		}
		version, err = baseVersion(r, version, "child's record")
	}
	var n vigil.NewChild
	if err == nil {
		var v vigil.Validation
		n = in.newChild(&v)
		if in.ConfirmedNew != nil {
			v.Add("confirmed_new", "confirmed_new is only for a new record (POST /api/v1/children)")
		}
		err = v.Err()
	}
	var c *vigil.ChildRecord
	if err == nil {
		c, err = s.svc.Children.UpdateChild(vigil.WithPurpose(r.Context(), apiPurposeChildUpdate), id, version, n)
	}
	if err != nil {
		s.apiError(w, r, apiChildErrors(err, in))
		return
	}
	setETag(w, c.Version)
	writeJSON(w, http.StatusOK, c)
}
