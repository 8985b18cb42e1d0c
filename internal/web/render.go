package web

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"path"
	"strings"
	"time"

	"github.com/vigilcp/vigil/internal/vigil"
)

//go:embed templates
var templateFiles embed.FS

// Page is what every view is rendered with: the page's own data and the
// frame around it (who is signed in, navigation, form errors).
type Page struct {
	Title string
	// Data is the view's own data.
	Data any
	// Errors are problems with a submitted form, shown in an error summary
	// at the top and beside each field.
	Errors []vigil.FieldError
	// Form holds what was submitted, so that nothing typed is lost when a
	// form comes back with errors.
	Form url.Values

	User      *vigil.User
	Principal *vigil.Principal
	// checkText checks a free-text field's value with the language
	// checker, for forms returned with their values.
	checkText func(string) []vigil.TextFinding
	Nav       []NavItem
	RequestID string
	Version   string
}

// NavItem is one entry of the primary navigation.
type NavItem struct {
	Label   string
	Href    string
	Current bool
	// Allowed decides who sees the entry; nil means every signed-in user.
	Allowed func(*vigil.Principal) bool `json:"-"`
}

func may(a vigil.Action, k vigil.RecordKind) func(*vigil.Principal) bool {
	return func(p *vigil.Principal) bool { return p.Has(a, k) }
}

// navigation is the primary navigation; each capability adds its entry.
var navigation = []NavItem{
	{Label: "Home", Href: "/"},
	{Label: "Children", Href: "/children", Allowed: may(vigil.ActionList, vigil.KindChild)},
	{Label: "Missing", Href: "/missing", Allowed: may(vigil.ActionList, vigil.KindEpisode)},
	{Label: "Organisation", Href: "/organisation", Allowed: may(vigil.ActionRead, vigil.KindOrganisation)},
	{Label: "Access log", Href: "/access", Allowed: may(vigil.ActionSearch, vigil.KindAccessLog)},
	{Label: "Language", Href: "/language", Allowed: may(vigil.ActionList, vigil.KindLanguage)},
	{Label: "Break-glass review", Href: "/access/break-glass", Allowed: may(vigil.ActionReview, vigil.KindBreakGlass)},
	{Label: "Users", Href: "/admin/users", Allowed: may(vigil.ActionList, vigil.KindUser)},
}

// FieldError returns the message for one field, or "".
func (p *Page) FieldError(field string) string {
	for _, e := range p.Errors {
		if e.Field == field {
			return e.Message
		}
	}
	return ""
}

// Value returns the submitted value of a form field.
func (p *Page) Value(field string) string {
	if p.Form == nil {
		return ""
	}
	return p.Form.Get(field)
}

// views holds every page template, each parsed with the layout. Parsing
// happens once, at start-up, so a broken template stops the server
// starting rather than failing in front of a user.
type views struct {
	pages map[string]*template.Template
	// fragment holds the partials alone, for pieces of pages htmx swaps in.
	fragment *template.Template
}

func loadViews(a *assets) (*views, error) {
	funcs := template.FuncMap{
		"asset":    a.url,
		"date":     func(t time.Time) string { return t.Format("2 January 2006") },
		"datetime": func(t time.Time) string { return londonTime(t).Format("2 January 2006 at 15:04") },
		"lower":    strings.ToLower,
		"query":    url.QueryEscape,
		"row":      func(k, v string) summaryRow { return summaryRow{Key: k, Value: v} },
		"field":    newFormField,
		"can": func(p *vigil.Principal, action, kind string) bool {
			return p.Has(vigil.Action(action), vigil.RecordKind(kind))
		},
		"join":           strings.Join,
		"freetext":       newFreeText,
		"highlight":      highlight,
		"datetime_field": func(p *Page, name, label, hint string) dateTimeField { return newDateTime(p, name, label, hint, true) },
		"date_field":     func(p *Page, name, label, hint string) dateTimeField { return newDateTime(p, name, label, hint, false) },
		"dict3":          func(p *Page, name string, v any) pageValue { return pageValue{Page: p, Name: name, Value: v} },
		"neg":            func(n int) int { return -n },
		"delays":         delayRows,
		"split":          strings.Fields,
		"riskClass":      riskClass,
		"statusClass":    statusClass,
		"statusLabel":    statusLabel,
		"duration":       durationWords,
		"pct":            func(f float64) string { return fmt.Sprintf("%.0f%%", f*100) },
		"short":          func(t time.Time) string { return londonTime(t).Format("2 Jan 2006 15:04") },
		"shortp": func(t *time.Time) string {
			if t == nil {
				return ""
			}
			return londonTime(*t).Format("2 Jan 2006 15:04")
		},
		"datep": func(t *time.Time) string {
			if t == nil {
				return ""
			}
			return londonTime(*t).Format("2 January 2006")
		},
		"iso": func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
		"add": func(a, b int) int { return a + b },
		"has": func(list []string, v string) bool {
			for _, x := range list {
				if x == v {
					return true
				}
			}
			return false
		},
		"status": func(active bool) string {
			if active {
				return "Active"
			}
			return "Inactive"
		},
	}
	layout, err := template.New("layout.html").Funcs(funcs).ParseFS(templateFiles, "templates/layout.html", "templates/partials/*.html")
	if err != nil {
		return nil, fmt.Errorf("parsing layout: %w", err)
	}
	v := &views{pages: map[string]*template.Template{}}
	if v.fragment, err = template.New("fragment").Funcs(funcs).ParseFS(templateFiles, "templates/partials/*.html"); err != nil {
		return nil, fmt.Errorf("parsing partials: %w", err)
	}
	entries, err := fs.ReadDir(templateFiles, "templates")
	if err != nil {
		return nil, err
	}
	for _, e := range entries {
		if e.IsDir() || e.Name() == "layout.html" {
			continue
		}
		t, err := template.Must(layout.Clone()).ParseFS(templateFiles, "templates/"+e.Name())
		if err != nil {
			return nil, fmt.Errorf("parsing %s: %w", e.Name(), err)
		}
		v.pages[strings.TrimSuffix(e.Name(), path.Ext(e.Name()))] = t
	}
	return v, nil
}

var london = func() *time.Location {
	l, err := time.LoadLocation("Europe/London")
	if err != nil {
		panic(err) // time/tzdata is embedded by the main package
	}
	return l
}()

func londonTime(t time.Time) time.Time { return t.In(london) }

// render writes a page with the layout. The page is rendered to a buffer
// first, so that a template error becomes the error page rather than half
// a page.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, view string, p *Page) {
	t, ok := s.views.pages[view]
	if !ok {
		panic(fmt.Sprintf("web: no view %q", view))
	}
	if pr := vigil.PrincipalFrom(r.Context()); pr != nil {
		p.User, p.Principal = &pr.User, pr
		if s.svc.Language != nil {
			p.checkText = func(text string) []vigil.TextFinding {
				fs, err := s.svc.Language.Check(r.Context(), text)
				if err != nil {
					s.logFault(r, err)
				}
				return fs
			}
		}
	}
	p.Version = s.cfg.Version
	p.RequestID = requestID(r.Context())
	p.Nav = nil
	if p.User != nil {
		for _, n := range navigation {
			if n.Allowed != nil && !n.Allowed(p.Principal) {
				continue
			}
			n.Current = n.Href == "/" && r.URL.Path == "/" || n.Href != "/" && strings.HasPrefix(r.URL.Path, n.Href) &&
				!(n.Href == "/access" && strings.HasPrefix(r.URL.Path, "/access/break-glass"))
			p.Nav = append(p.Nav, n)
		}
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout.html", p); err != nil {
		s.log.ErrorContext(r.Context(), "template failed", "view", view, "request_id", requestID(r.Context()), "error", err.Error())
		if view != "error" {
			s.render(w, r, http.StatusInternalServerError, "error", &Page{Title: "Sorry, there is a problem with the service"})
		}
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = buf.WriteTo(w)
}

// summaryRow is one row of a GOV.UK summary list.
type summaryRow struct{ Key, Value string }

// formField is what the text-field partial needs to draw one input with
// its label, hint, error and submitted value.
type formField struct {
	Name, Label, Hint, Width, Autocomplete, Value, Error string
}

// DescribedBy lists the ids of the hint and error, for aria-describedby.
func (f formField) DescribedBy() string {
	var ids []string
	if f.Hint != "" {
		ids = append(ids, f.Name+"-hint")
	}
	if f.Error != "" {
		ids = append(ids, f.Name+"-error")
	}
	return strings.Join(ids, " ")
}

func newFormField(p *Page, name, label, hint, width, autocomplete string) formField {
	return formField{Name: name, Label: label, Hint: hint, Width: width, Autocomplete: autocomplete,
		Value: p.Value(name), Error: p.FieldError(name)}
}

// dateTimeField is what the datetime partial draws.
type dateTimeField struct {
	formField
	Day, Month, Year, Time string
	WithTime               bool
}

func newDateTime(p *Page, name, label, hint string, withTime bool) dateTimeField {
	return dateTimeField{formField: newFormField(p, name, label, hint, "", ""), Day: p.Value(name + "-day"),
		Month: p.Value(name + "-month"), Year: p.Value(name + "-year"), Time: p.Value(name + "-time"), WithTime: withTime}
}

// pageValue passes a page, a field name and a value to a partial.
type pageValue struct {
	Page  *Page
	Name  string
	Value any
}
