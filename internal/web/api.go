package web

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/vigilcp/vigil/internal/vigil"
)

//go:embed openapi.json
var openAPIDocument []byte

func (s *Server) openAPI(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "public, max-age=300")
	_, _ = w.Write(openAPIDocument)
}

// maxBody is the largest request body the API reads.
const maxBody = 1 << 20

var errBodyTooLarge = &vigil.Error{Code: vigil.EINVALID, Message: fmt.Sprintf("The request body is larger than %d bytes", maxBody)}

// decode reads a JSON request body into v strictly: JSON only, no unknown
// fields, one value, text without NUL and in UTF-8, and errors that say
// where the problem is.
func decode(r *http.Request, v any) error {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "application/json" {
		return vigil.Errorf(vigil.EINVALID, "Send the body as JSON, with Content-Type: application/json")
	}
	body, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, maxBody))
	if err != nil {
		if tooBig := (*http.MaxBytesError)(nil); errors.As(err, &tooBig) {
			return errBodyTooLarge
		}
		return vigil.Errorf(vigil.EINVALID, "The body could not be read")
	}
	// A NUL or bytes that are not UTF-8 in any string are refused, by
	// pointer, before the decoder would store the one or quietly replace
	// the other (text.go).
	if err := checkJSONText(body); err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var syn *json.SyntaxError
		var typ *json.UnmarshalTypeError
		switch {
		case errors.As(err, &syn):
			return vigil.Errorf(vigil.EINVALID, "The body is not valid JSON (at byte %d)", syn.Offset)
		case errors.As(err, &typ):
			field := typ.Field
			if field == "" {
				return vigil.Errorf(vigil.EINVALID, "The body must be a JSON object")
			}
			var v vigil.Validation
			v.Add(field, "%s must be a %s", field, jsonKind(typ.Type.Kind().String()))
			return v.Err()
		case errors.Is(err, io.ErrUnexpectedEOF):
			return vigil.Errorf(vigil.EINVALID, "The body is not valid JSON: it ends too soon")
		case errors.Is(err, io.EOF):
			return vigil.Errorf(vigil.EINVALID, "The body is empty: send a JSON object")
		case strings.HasPrefix(err.Error(), "json: unknown field "):
			name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
			var v vigil.Validation
			v.Add(name, "%s is not a field of this resource", name)
			return v.Err()
		}
		return vigil.Errorf(vigil.EINVALID, "The body could not be read as JSON")
	}
	if dec.More() {
		return vigil.Errorf(vigil.EINVALID, "The body must hold one JSON object, not several")
	}
	return nil
}

func jsonKind(goKind string) string {
	switch goKind {
	case "string":
		return "string"
	case "bool":
		return "boolean"
	case "slice", "array":
		return "list"
	case "struct", "map":
		return "object"
	}
	return "number"
}

// writeJSON writes v as JSON with a status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(true)
	_ = enc.Encode(v)
}

// pageRequest reads the cursor and limit query parameters.
func pageRequest(r *http.Request) (vigil.PageRequest, error) {
	q := r.URL.Query()
	p := vigil.PageRequest{Cursor: q.Get("cursor")}
	if l := q.Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > vigil.MaxPageSize {
			var v vigil.Validation
			v.Add("limit", "limit must be a whole number from 1 to %d", vigil.MaxPageSize)
			return p, v.Err()
		}
		p.Limit = n
	}
	return p, nil
}

// queryID reads an optional numeric id from the query string.
func queryID(r *http.Request, name string, v *vigil.Validation) int64 {
	s := r.URL.Query().Get(name)
	if s == "" {
		return 0
	}
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id <= 0 {
		v.Add(name, "%s must be a positive whole number", name)
		return 0
	}
	return id
}

// requireSignIn refuses anonymous API calls before any work is done.
func requireSignIn(r *http.Request) error {
	if vigil.PrincipalFrom(r.Context()) == nil {
		return vigil.Errorf(vigil.EUNAUTHENTICATED, "Sign in, or send an API token, to use the API")
	}
	return nil
}

func (s *Server) apiMe(w http.ResponseWriter, r *http.Request) {
	if err := requireSignIn(r); err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, vigil.PrincipalFrom(r.Context()).User)
}

func (s *Server) apiOrganisation(w http.ResponseWriter, r *http.Request) {
	org, err := s.svc.Org.Organisation(r.Context())
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, org)
}

func (s *Server) apiTeam(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err == nil {
		var t *vigil.Team
		if t, err = s.svc.Org.Team(r.Context(), id); err == nil {
			writeJSON(w, http.StatusOK, t)
			return
		}
	}
	s.apiError(w, r, err)
}

func (s *Server) apiPeople(w http.ResponseWriter, r *http.Request) {
	var v vigil.Validation
	f := vigil.PersonFilter{TeamID: queryID(r, "team_id", &v), AgencyID: queryID(r, "agency_id", &v),
		LPAID: queryID(r, "lpa_id", &v), Query: r.URL.Query().Get("q")}
	pr, err := pageRequest(r)
	if err == nil {
		err = v.Err()
	}
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	f.PageRequest = pr
	page, err := s.svc.Org.People(r.Context(), f)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	if page.Items == nil {
		page.Items = []vigil.Person{}
	}
	writeJSON(w, http.StatusOK, page)
}

func (s *Server) apiPerson(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err == nil {
		var p *vigil.Person
		if p, err = s.svc.Org.Person(r.Context(), id); err == nil {
			w.Header().Set("ETag", strconv.Quote(strconv.FormatInt(p.Version, 10)))
			writeJSON(w, http.StatusOK, p)
			return
		}
	}
	s.apiError(w, r, err)
}

// personInput is the body of a create or update of a person.
type personInput struct {
	GivenName    string     `json:"given_name"`
	FamilyName   string     `json:"family_name"`
	CollarNumber string     `json:"collar_number"`
	Rank         vigil.Rank `json:"rank"`
	Role         string     `json:"role"`
	TeamID       int64      `json:"team_id"`
	AgencyID     int64      `json:"agency_id"`
	Email        string     `json:"email"`
	Active       *bool      `json:"active"`
	Version      int64      `json:"version"`
}

func (in personInput) person() vigil.Person {
	p := vigil.Person{GivenName: in.GivenName, FamilyName: in.FamilyName, CollarNumber: in.CollarNumber, Rank: in.Rank,
		Role: in.Role, TeamID: in.TeamID, AgencyID: in.AgencyID, Email: in.Email, Active: true}
	p.Version = in.Version
	if in.Active != nil {
		p.Active = *in.Active
	}
	return p
}

func (s *Server) apiCreatePerson(w http.ResponseWriter, r *http.Request) {
	if err := requireSignIn(r); err != nil {
		s.apiError(w, r, err)
		return
	}
	var in personInput
	if err := decode(r, &in); err != nil {
		s.apiError(w, r, err)
		return
	}
	p, err := s.svc.Org.CreatePerson(r.Context(), in.person())
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/people/"+strconv.FormatInt(p.ID, 10))
	writeJSON(w, http.StatusCreated, p)
}

// apiUpdatePerson replaces a person's details. The version the change is
// based on comes in the body, or in If-Match as the ETag a read returned;
// a stale one is refused with 409.
func (s *Server) apiUpdatePerson(w http.ResponseWriter, r *http.Request) {
	if err := requireSignIn(r); err != nil {
		s.apiError(w, r, err)
		return
	}
	id, err := pathID(r)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	var in personInput
	if err := decode(r, &in); err != nil {
		s.apiError(w, r, err)
		return
	}
	if m := r.Header.Get("If-Match"); m != "" {
		ver, err := strconv.ParseInt(strings.Trim(strings.TrimPrefix(m, "W/"), `"`), 10, 64)
		if err != nil {
			s.apiError(w, r, vigil.Errorf(vigil.EINVALID, "If-Match must be the ETag a read of this person returned"))
			return
		}
		if in.Version != 0 && in.Version != ver {
			s.apiError(w, r, vigil.Errorf(vigil.EINVALID, "If-Match and version disagree"))
			return
		}
		in.Version = ver
	}
	if in.Version == 0 {
		var v vigil.Validation
		v.Add("version", "Give the version of the person this change is based on (from a read), or send If-Match")
		s.apiError(w, r, v.Err())
		return
	}
	p := in.person()
	p.ID = id
	out, err := s.svc.Org.UpdatePerson(r.Context(), p)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	w.Header().Set("ETag", strconv.Quote(strconv.FormatInt(out.Version, 10)))
	writeJSON(w, http.StatusOK, out)
}
