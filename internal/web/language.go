package web

import (
	"encoding/json"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/vigilcp/vigil/internal/language"
	"github.com/vigilcp/vigil/internal/vigil"
)

// The language checker in the pages: every free-text field is drawn by the
// "free-text" partial, which checks the text as it is typed (htmx posts it
// to /language/check after a pause and shows the findings beside the
// field) and offers a box for the reason to keep flagged wording. The
// reasons reach the store through keepReasons; the store hook checks again
// on save and keeps the findings with the record.

// keepPrefix marks the form fields that carry reasons to keep flagged
// wording: "keep.purpose" for the field "purpose".
const keepPrefix = "keep."

// keepReasons moves the reasons a form gives for keeping flagged wording
// into the request's context, for the store hook. It runs for every form
// post, so no page wires it by hand.
func keepReasons(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
			if err := r.ParseForm(); err == nil {
				reasons := map[string]string{}
				for k, v := range r.PostForm {
					if field, ok := strings.CutPrefix(k, keepPrefix); ok && len(v) > 0 && strings.TrimSpace(v[0]) != "" {
						reasons[field] = v[0]
					}
				}
				if len(reasons) > 0 {
					r = r.WithContext(vigil.WithKeepReasons(r.Context(), reasons))
				}
			}
		}
		next.ServeHTTP(w, r)
	})
}

// freeTextField is what the free-text partial draws.
type freeTextField struct {
	formField
	// ID is the element id (the name, unless a page has several fields of
	// one name).
	ID       string
	Rows     int
	Findings []vigil.TextFinding
	Keep     string
}

// KeepName is the name of the field's reason-to-keep box.
func (f freeTextField) KeepName() string { return keepPrefix + f.Name }

// newFreeText builds a free-text field for the partial: the page, the
// field's name and element id ("" for the name), label, hint and height.
// When the page is a form returned with its values, the values are checked
// again so that the findings show.
func newFreeText(p *Page, name, id, label, hint string, rows int) freeTextField {
	if id == "" {
		id = name
	}
	f := freeTextField{formField: newFormField(p, name, label, hint, "", ""), ID: id, Rows: rows, Keep: p.Value(keepPrefix + name)}
	if p.checkText != nil && f.Value != "" {
		f.Findings = p.checkText(f.Value)
	}
	return f
}

// The checker's work for one request is bounded: text over maxCheckText
// is refused (the API with 413, as problem+json), and at most maxFindings
// findings are returned, with how many there were. The live check gets the
// whole form as htmx posts it (parsed, like every form, under net/http's
// 10 MB cap) and checks only the field being typed in, under the same
// limit on that field's own length.
const (
	maxCheckText = 100 << 10
	maxFindings  = 200
)

// errTextTooLong refuses text over maxCheckText.
var errTextTooLong = &vigil.Error{Code: vigil.EINVALID,
	Message: fmt.Sprintf("The text is longer than the language checker takes in one request (%d bytes): check it in parts", maxCheckText)}

// firstFindings returns at most maxFindings findings, and whether any
// were left out.
func firstFindings(fs []vigil.TextFinding) ([]vigil.TextFinding, bool) {
	if len(fs) > maxFindings {
		return fs[:maxFindings], true
	}
	return fs, false
}

// moreFindings says how many findings the live check left out.
var moreFindings = template.Must(template.New("more").Parse(
	`<p class="govuk-body-s vigil-findings-more">and {{.}} more in this text</p>`))

// languageCheck answers the free-text partial's live check with the
// findings for the field's text, as a fragment of HTML.
func (s *Server) languageCheck(w http.ResponseWriter, r *http.Request) {
	if vigil.PrincipalFrom(r.Context()) == nil {
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	if err := r.ParseForm(); err != nil {
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	field := r.PostForm.Get("field")
	text := r.PostForm.Get(field)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if len(text) > maxCheckText {
		w.WriteHeader(http.StatusRequestEntityTooLarge)
		fmt.Fprintf(w, `<p class="govuk-body-s">This text is too long to check as you type (over %d bytes): it is checked when you save.</p>`, maxCheckText)
		return
	}
	fs, err := s.svc.Language.Check(r.Context(), text)
	id := r.PostForm.Get("id")
	if err != nil {
		s.logFault(r, err)
		w.WriteHeader(statusOf[vigil.ErrorCode(err)])
		return
	}
	shown, _ := firstFindings(fs)
	if err := s.views.fragment.ExecuteTemplate(w, "findings", freeTextField{formField: formField{Name: field}, ID: id, Findings: shown}); err != nil {
		s.logFault(r, err)
		return
	}
	if left := len(fs) - len(shown); left > 0 {
		if err := moreFindings.Execute(w, left); err != nil {
			s.logFault(r, err)
		}
	}
}

// apiLanguageCheck checks text for other systems: POST {"text": "…"}. It
// answers the first maxFindings findings, their total and whether any
// were left out.
func (s *Server) apiLanguageCheck(w http.ResponseWriter, r *http.Request) {
	if err := requireSignIn(r); err != nil {
		s.apiError(w, r, err)
		return
	}
	var in struct {
		Text string `json:"text"`
	}
	if err := decode(r, &in); err != nil {
		s.apiError(w, r, err)
		return
	}
	if len(in.Text) > maxCheckText {
		s.apiErrorStatus(w, r, http.StatusRequestEntityTooLarge, errTextTooLong)
		return
	}
	fs, err := s.svc.Language.Check(r.Context(), in.Text)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	shown, truncated := firstFindings(fs)
	if shown == nil {
		shown = []vigil.TextFinding{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"findings": shown, "total": len(fs), "truncated": truncated})
}

// apiErrorStatus writes err as problem+json with a status other than its
// code's (413 for a body the API reads but will not work on).
func (s *Server) apiErrorStatus(w http.ResponseWriter, r *http.Request, status int, err error) {
	code := vigil.ErrorCode(err)
	p := Problem{Type: problemType(code), Title: titleOf[code], Status: status, Detail: vigil.ErrorMessage(err),
		Instance: r.URL.Path, Code: code, RequestID: requestID(r.Context())}
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(p)
}

// languageData is the language view.
type languageData struct {
	Findings []vigil.StoredFinding
	Months   []string
	Rows     []countRow
	Total    int
	Teams    map[int64]string
	LPAs     map[int64]string
	From, To string
	NextHref string
}

// countRow is one team's findings by month.
type countRow struct {
	Team   string
	LPA    string
	TeamID int64
	Counts []int
	Total  int
}

// languagePage lists flagged records by team and LPA with counts by month
// over the chosen period (default the last 12 months), each linking to
// the record.
func (s *Server) languagePage(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	var v vigil.Validation
	now := londonTime(s.now())
	from := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, london).AddDate(0, -11, 0)
	to := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, london).AddDate(0, 1, 0)
	if f := q.Get("from"); f != "" {
		t, err := time.ParseInLocation("2006-01", f, london)
		if err != nil {
			v.Add("from", "Enter a month like 2026-01")
		} else {
			from = t
		}
	}
	if f := q.Get("to"); f != "" {
		t, err := time.ParseInLocation("2006-01", f, london)
		if err != nil {
			v.Add("to", "Enter a month like 2026-11")
		} else {
			to = t.AddDate(0, 1, 0)
		}
	}
	filter := vigil.FindingFilter{TeamID: queryID(r, "team_id", &v), LPAID: queryID(r, "lpa_id", &v), From: from.UTC(), To: to.UTC(),
		PageRequest: vigil.PageRequest{Limit: vigil.MaxPageSize}}
	if err := v.Err(); err != nil {
		s.render(w, r, http.StatusUnprocessableEntity, "language", &Page{Title: "Language", Errors: vigil.ErrorFields(err), Form: q,
			Data: languageData{}})
		return
	}
	ctx := vigil.WithPurpose(r.Context(), "reviewing the language used in records")
	// Every finding in the period, for the counts; the newest page of them
	// is listed.
	var all []vigil.StoredFinding
	for {
		page, err := s.svc.Language.Findings(ctx, filter)
		if err != nil {
			s.pageError(w, r, err)
			return
		}
		all = append(all, page.Items...)
		if page.Next == "" || len(all) >= 20_000 {
			break
		}
		filter.Cursor = page.Next
	}
	d := languageData{Total: len(all), Teams: map[int64]string{}, LPAs: map[int64]string{},
		From: from.Format("2006-01"), To: to.AddDate(0, -1, 0).Format("2006-01")}
	if org, err := s.svc.Org.Organisation(ctx); err == nil {
		for _, t := range org.Teams {
			d.Teams[t.ID] = t.Name
		}
		for _, l := range org.LPAs {
			d.LPAs[l.ID] = l.Name
		}
	}
	for m := from; m.Before(to); m = m.AddDate(0, 1, 0) {
		d.Months = append(d.Months, m.Format("2006-01"))
	}
	byTeam := map[int64]*countRow{}
	for _, f := range all {
		row, ok := byTeam[f.TeamID]
		if !ok {
			row = &countRow{Team: d.Teams[f.TeamID], LPA: d.LPAs[f.LPAID], TeamID: f.TeamID, Counts: make([]int, len(d.Months))}
			if row.Team == "" {
				row.Team = "No team"
			}
			byTeam[f.TeamID] = row
		}
		month := londonTime(f.At).Format("2006-01")
		for i, m := range d.Months {
			if m == month {
				row.Counts[i]++
				row.Total++
			}
		}
	}
	for _, row := range byTeam {
		d.Rows = append(d.Rows, *row)
	}
	sort.Slice(d.Rows, func(i, j int) bool {
		return d.Rows[i].Total > d.Rows[j].Total || d.Rows[i].Total == d.Rows[j].Total && d.Rows[i].Team < d.Rows[j].Team
	})
	d.Findings = all[:min(len(all), 100)]
	s.render(w, r, http.StatusOK, "language", &Page{Title: "Language", Data: d, Form: q})
}

// lexiconData is the administrators' lexicon page.
type lexiconData struct {
	Entries       []language.Entry
	Disabled      []string
	Version       string
	Document      string
	Changes       []vigil.LexiconChange
	RequireReason bool
	Saved         string
}

func (s *Server) lexiconPage(w http.ResponseWriter, r *http.Request) {
	if !s.mayOrRefuse(w, r, vigil.ActionUpdate, vigil.KindLanguage) {
		return
	}
	doc, changes, err := s.svc.Language.Overrides(r.Context())
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	s.renderLexicon(w, r, http.StatusOK, doc, changes, nil, r.URL.Query().Get("saved"))
}

func (s *Server) renderLexicon(w http.ResponseWriter, r *http.Request, status int, doc string, changes []vigil.LexiconChange,
	errs []vigil.FieldError, saved string) {
	st, err := s.svc.Language.Settings(r.Context())
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	lex := language.Default()
	if len(changes) > 0 {
		if o, err := language.ParseOverrides([]byte(changes[0].Document)); err == nil {
			if l, err := lex.With(o); err == nil {
				lex = l
			}
		}
	}
	s.render(w, r, status, "admin-lexicon", &Page{Title: "Language checker", Errors: errs, Form: url.Values{"document": {doc}},
		Data: lexiconData{Entries: lex.Entries(), Disabled: lex.Disabled(), Version: st.LexiconVersion, Document: doc, Changes: changes,
			RequireReason: st.RequireReason, Saved: saved}})
}

func (s *Server) saveLexicon(w http.ResponseWriter, r *http.Request) {
	if !s.mayOrRefuse(w, r, vigil.ActionUpdate, vigil.KindLanguage) {
		return
	}
	doc := r.PostFormValue("document")
	if _, err := s.svc.Language.SaveOverrides(r.Context(), doc); err != nil {
		if fields := vigil.ErrorFields(err); len(fields) > 0 {
			_, changes, lerr := s.svc.Language.Overrides(r.Context())
			if lerr != nil {
				s.pageError(w, r, lerr)
				return
			}
			s.renderLexicon(w, r, http.StatusUnprocessableEntity, doc, changes, fields, "")
			return
		}
		s.pageError(w, r, err)
		return
	}
	http.Redirect(w, r, "/admin/language?saved=lexicon", http.StatusSeeOther)
}

func (s *Server) saveLanguageSetting(w http.ResponseWriter, r *http.Request) {
	if !s.mayOrRefuse(w, r, vigil.ActionUpdate, vigil.KindLanguage) {
		return
	}
	if err := s.svc.Language.SetRequireReason(r.Context(), r.PostFormValue("require_reason") == "yes"); err != nil {
		s.pageError(w, r, err)
		return
	}
	http.Redirect(w, r, "/admin/language?saved=setting", http.StatusSeeOther)
}

// highlight returns text with each finding's span marked, escaped.
func highlight(text string, fs []vigil.TextFinding) template.HTML {
	var b strings.Builder
	pos := 0
	for _, f := range fs {
		if f.Start < pos || f.End > len(text) {
			continue
		}
		b.WriteString(template.HTMLEscapeString(text[pos:f.Start]))
		b.WriteString(`<mark class="vigil-flagged">` + template.HTMLEscapeString(text[f.Start:f.End]) + `</mark>`)
		pos = f.End
	}
	b.WriteString(template.HTMLEscapeString(text[pos:]))
	return template.HTML(b.String())
}

// Check checks text with the language checker for a page's template, so
// that flagged wording shows highlighted wherever it is displayed.
func (p *Page) Check(text string) []vigil.TextFinding {
	if p.checkText == nil || text == "" {
		return nil
	}
	return p.checkText(text)
}
