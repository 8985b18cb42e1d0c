package web

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strings"

	"github.com/vigilcp/vigil/internal/vigil"
)

// statusOf is the one table from domain error codes to HTTP statuses.
var statusOf = map[string]int{
	vigil.EINVALID:         http.StatusUnprocessableEntity,
	vigil.ENOTFOUND:        http.StatusNotFound,
	vigil.ECONFLICT:        http.StatusConflict,
	vigil.EFORBIDDEN:       http.StatusForbidden,
	vigil.EUNAUTHENTICATED: http.StatusUnauthorized,
	vigil.EUNAVAILABLE:     http.StatusServiceUnavailable,
	vigil.EINTERNAL:        http.StatusInternalServerError,
}

// titleOf is the short, fixed title of each problem type.
var titleOf = map[string]string{
	vigil.EINVALID:         "There is a problem with the request",
	vigil.ENOTFOUND:        "Not found",
	vigil.ECONFLICT:        "Conflict",
	vigil.EFORBIDDEN:       "Forbidden",
	vigil.EUNAUTHENTICATED: "Not signed in",
	vigil.EUNAVAILABLE:     "Service unavailable",
	vigil.EINTERNAL:        "Internal error",
}

// Problem is an RFC 9457 problem details body, with field-level detail in
// "errors" (each a JSON pointer into the request body and a message).
type Problem struct {
	Type      string          `json:"type"`
	Title     string          `json:"title"`
	Status    int             `json:"status"`
	Detail    string          `json:"detail,omitempty"`
	Instance  string          `json:"instance,omitempty"`
	Code      string          `json:"code"`
	RequestID string          `json:"request_id,omitempty"`
	Errors    []ProblemDetail `json:"errors,omitempty"`
}

// ProblemDetail is one field's problem.
type ProblemDetail struct {
	Pointer string `json:"pointer"`
	Field   string `json:"field"`
	Detail  string `json:"detail"`
}

// problemType is the URI naming each problem type; the OpenAPI document
// describes them.
func problemType(code string) string { return "urn:vigil:problem:" + code }

// logFault logs an internal error's cause, which the user never sees.
func (s *Server) logFault(r *http.Request, err error) {
	if code := vigil.ErrorCode(err); code == vigil.EINTERNAL || code == vigil.EUNAVAILABLE {
		s.log.ErrorContext(r.Context(), "request failed", slog.String("request_id", requestID(r.Context())),
			slog.String("code", code), slog.String("error", err.Error()))
	}
}

// apiError writes err as problem+json.
func (s *Server) apiError(w http.ResponseWriter, r *http.Request, err error) {
	s.logFault(r, err)
	code := vigil.ErrorCode(err)
	if errors.Is(err, errBodyTooLarge) {
		code = vigil.EINVALID
	}
	status := statusOf[code]
	p := Problem{Type: problemType(code), Title: titleOf[code], Status: status, Detail: vigil.ErrorMessage(err),
		Instance: r.URL.Path, Code: code, RequestID: requestID(r.Context())}
	for _, f := range vigil.ErrorFields(err) {
		p.Errors = append(p.Errors, ProblemDetail{Pointer: "/" + strings.ReplaceAll(f.Field, ".", "/"), Field: f.Field, Detail: f.Message})
	}
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="vigil"`)
	}
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(p)
}

// pageError renders err as an HTML page: sign-in for the unauthenticated,
// otherwise the page for its status.
func (s *Server) pageError(w http.ResponseWriter, r *http.Request, err error) {
	s.logFault(r, err)
	code := vigil.ErrorCode(err)
	if code == vigil.EUNAUTHENTICATED {
		http.Redirect(w, r, "/sign-in?next="+safeNext(r.URL.RequestURI()), http.StatusSeeOther)
		return
	}
	status := statusOf[code]
	view, title := "error", "Sorry, there is a problem with the service"
	switch code {
	case vigil.ENOTFOUND:
		view, title = "not-found", "Page not found"
	case vigil.EFORBIDDEN:
		view, title = "forbidden", "You do not have permission to see this page"
	case vigil.EUNAVAILABLE:
		view, title = "unavailable", "Sorry, the service is unavailable"
	case vigil.EINVALID, vigil.ECONFLICT:
		view, title = "problem", "There is a problem"
	}
	s.render(w, r, status, view, &Page{Title: title, Data: vigil.ErrorMessage(err)})
}

// notFound is the handler for any path no route matches.
func (s *Server) notFound(w http.ResponseWriter, r *http.Request) {
	if isAPI(r) {
		s.apiError(w, r, vigil.Errorf(vigil.ENOTFOUND, "There is no API resource at %s", r.URL.Path))
		return
	}
	s.render(w, r, http.StatusNotFound, "not-found", &Page{Title: "Page not found"})
}

func isAPI(r *http.Request) bool { return strings.HasPrefix(r.URL.Path, "/api/") }
