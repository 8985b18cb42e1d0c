package language

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"sort"
	"strings"
	"unicode"
)

// Category groups entries by the harm the wording does.
type Category string

// The categories an entry may have.
const (
	BlamesChild       Category = "blames-child"       // puts responsibility for the abuse on the child
	ImpliesConsent    Category = "implies-consent"    // suggests the child agreed to their abuse
	HidesAbuse        Category = "hides-abuse"        // a euphemism or label that hides abuse or the abuser
	CriminalisesChild Category = "criminalises-child" // treats an exploited child as an offender or worker
	LabelsCharacter   Category = "labels-character"   // labels the child's character instead of describing harm
	Trivialises       Category = "trivialises"        // minimises the harm or the child's situation
)

// Categories lists every category in a stable order.
func Categories() []Category {
	return []Category{BlamesChild, ImpliesConsent, HidesAbuse, CriminalisesChild, LabelsCharacter, Trivialises}
}

func validCategory(c Category) bool {
	for _, k := range Categories() {
		if k == c {
			return true
		}
	}
	return false
}

// Source is a published piece of guidance that entries cite.
type Source struct {
	ID        string `json:"id"`
	Title     string `json:"title"`
	Publisher string `json:"publisher"`
	URL       string `json:"url"`
}

// Entry is one concept of the lexicon: wording to avoid, in all its forms.
type Entry struct {
	ID           string   `json:"id"`
	Category     Category `json:"category"`
	Patterns     []string `json:"patterns"`
	Why          string   `json:"why"`
	Alternatives []string `json:"alternatives"`
	Sources      []string `json:"sources"`
	// UnlessBefore and UnlessAfter are patterns that, when they end within
	// Window words before the match or start within Window words after it
	// (in the same sentence), mean the wording is used in another sense.
	UnlessBefore []string `json:"unless_before,omitempty"`
	UnlessAfter  []string `json:"unless_after,omitempty"`
	Window       int      `json:"window,omitempty"`
}

// ContextRules are the rules that apply to every entry.
type ContextRules struct {
	// Negation: a match is not reported when one of these ends right before it
	// ("not a lifestyle choice", "non-consensual").
	Negation []string `json:"negation"`
	// Reject: a match is not reported when one of these occurs in the same
	// sentence: the writer is rejecting the wording ("children cannot
	// consent", "the term ... is no longer used").
	Reject []string `json:"reject"`
	// Reporting and Concern: a match is not reported when a Reporting pattern
	// precedes it in its sentence (the writer reports what someone said) and a
	// Concern pattern follows it in the same or the next sentence.
	Reporting []string `json:"reporting"`
	Concern   []string `json:"concern"`
}

// lexiconFile is the JSON form of a lexicon.
type lexiconFile struct {
	Version string              `json:"version"`
	Slots   map[string][]string `json:"slots"`
	Sources []Source            `json:"sources"`
	Context ContextRules        `json:"context"`
	Entries []Entry             `json:"entries"`
}

// Lexicon is a validated set of entries. It is immutable: With returns a new one.
type Lexicon struct {
	file     lexiconFile
	sources  map[string]Source
	disabled []string
}

//go:embed lexicon.json
var embeddedLexicon []byte

var defaultLexicon = func() *Lexicon {
	l, err := ParseLexicon(embeddedLexicon)
	if err != nil {
		panic("language: embedded lexicon is invalid: " + err.Error())
	}
	return l
}()

// Default returns the lexicon built into Vigil.
func Default() *Lexicon { return defaultLexicon }

// Version returns the lexicon's version label, with "+overrides" appended when
// a force's overrides have been applied.
func (l *Lexicon) Version() string { return l.file.Version }

// Entries returns a copy of the active entries, in file order.
func (l *Lexicon) Entries() []Entry {
	out := make([]Entry, len(l.file.Entries))
	for i, e := range l.file.Entries {
		out[i] = cloneEntry(e)
	}
	return out
}

// Entry returns the active entry with the given id.
func (l *Lexicon) Entry(id string) (Entry, bool) {
	for _, e := range l.file.Entries {
		if e.ID == id {
			return cloneEntry(e), true
		}
	}
	return Entry{}, false
}

// Disabled returns the ids switched off by overrides.
func (l *Lexicon) Disabled() []string { return append([]string(nil), l.disabled...) }

// Sources returns every source the lexicon knows, sorted by id.
func (l *Lexicon) Sources() []Source {
	out := make([]Source, 0, len(l.sources))
	for _, s := range l.sources {
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// Source returns the source with the given id.
func (l *Lexicon) Source(id string) (Source, bool) {
	s, ok := l.sources[id]
	return s, ok
}

// Context returns a copy of the lexicon's context rules.
func (l *Lexicon) Context() ContextRules {
	c := l.file.Context
	return ContextRules{
		Negation:  append([]string(nil), c.Negation...),
		Reject:    append([]string(nil), c.Reject...),
		Reporting: append([]string(nil), c.Reporting...),
		Concern:   append([]string(nil), c.Concern...),
	}
}

func cloneEntry(e Entry) Entry {
	e.Patterns = append([]string(nil), e.Patterns...)
	e.Alternatives = append([]string(nil), e.Alternatives...)
	e.Sources = append([]string(nil), e.Sources...)
	e.UnlessBefore = append([]string(nil), e.UnlessBefore...)
	e.UnlessAfter = append([]string(nil), e.UnlessAfter...)
	return e
}

// Problem is one thing wrong with a lexicon or overrides file.
type Problem struct {
	Path    string // where: "entries[3] (streetwise).patterns[1]"
	Message string
}

// ValidationError lists every problem found; it is returned by ParseLexicon,
// ParseOverrides and With.
type ValidationError struct {
	Problems []Problem
}

// Error lists the problems, at most 20 of them.
func (e *ValidationError) Error() string {
	var b strings.Builder
	b.WriteString("language: invalid lexicon:")
	for i, p := range e.Problems {
		if i == 20 {
			fmt.Fprintf(&b, "\n  … and %d more", len(e.Problems)-i)
			break
		}
		fmt.Fprintf(&b, "\n  %s: %s", p.Path, p.Message)
	}
	return b.String()
}

type problems []Problem

func (ps *problems) add(path, format string, args ...any) {
	*ps = append(*ps, Problem{Path: path, Message: fmt.Sprintf(format, args...)})
}

func (ps problems) err() error {
	if len(ps) == 0 {
		return nil
	}
	return &ValidationError{Problems: ps}
}

// ParseLexicon parses and validates a lexicon in the JSON form of
// lexicon.json. Unknown fields are errors, so that a misspelt field is not
// silently ignored.
func ParseLexicon(data []byte) (*Lexicon, error) {
	var f lexiconFile
	if err := decodeStrict(data, &f); err != nil {
		return nil, err
	}
	l := &Lexicon{file: f}
	var ps problems
	if strings.TrimSpace(f.Version) == "" {
		ps.add("version", "missing")
	}
	l.sources = validateSources(&ps, "sources", f.Sources, nil)
	validateSlots(&ps, f.Slots)
	validateContext(&ps, f.Context, f.Slots)
	seen := map[string]bool{}
	for i, e := range f.Entries {
		validateEntry(&ps, fmt.Sprintf("entries[%d]", i), e, f.Slots, l.sources, seen)
	}
	if err := ps.err(); err != nil {
		return nil, err
	}
	return l, nil
}

// decodeStrict decodes JSON, rejecting unknown fields and trailing data, and
// reports syntax errors by line and column.
func decodeStrict(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if err == nil {
		if _, extra := dec.Token(); extra != io.EOF {
			return &ValidationError{Problems: []Problem{{Path: "file", Message: "unexpected data after the JSON value"}}}
		}
		return nil
	}
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		line, col := lineCol(data, int(syn.Offset))
		return &ValidationError{Problems: []Problem{{Path: fmt.Sprintf("line %d, column %d", line, col), Message: syn.Error()}}}
	case errors.As(err, &typ):
		line, col := lineCol(data, int(typ.Offset))
		return &ValidationError{Problems: []Problem{{Path: fmt.Sprintf("line %d, column %d (%s)", line, col, typ.Field), Message: fmt.Sprintf("expected %s, found JSON %s", typ.Type, typ.Value)}}}
	case errors.Is(err, io.EOF):
		return &ValidationError{Problems: []Problem{{Path: "file", Message: "empty"}}}
	}
	return &ValidationError{Problems: []Problem{{Path: "file", Message: err.Error()}}}
}

func lineCol(data []byte, off int) (int, int) {
	off = min(max(off, 0), len(data))
	line := 1 + bytes.Count(data[:off], []byte{'\n'})
	col := off - bytes.LastIndexByte(data[:off], '\n')
	return line, col
}

var (
	idRE    = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)
	slotRE  = regexp.MustCompile(`^[a-z]+$`)
	sentEnd = regexp.MustCompile(`[.!?] +\p{Lu}`)
)

func validateSources(ps *problems, path string, srcs []Source, base map[string]Source) map[string]Source {
	m := map[string]Source{}
	for id, s := range base {
		m[id] = s
	}
	for i, s := range srcs {
		p := fmt.Sprintf("%s[%d]", path, i)
		switch {
		case !idRE.MatchString(s.ID):
			ps.add(p+".id", "%q is not a valid id (lower-case letters, digits and single hyphens)", s.ID)
		case m[s.ID] != (Source{}):
			ps.add(p+".id", "duplicate source id %q", s.ID)
		}
		if strings.TrimSpace(s.Title) == "" {
			ps.add(p+".title", "missing")
		}
		if strings.TrimSpace(s.Publisher) == "" {
			ps.add(p+".publisher", "missing")
		}
		if !strings.HasPrefix(s.URL, "https://") && !strings.HasPrefix(s.URL, "http://") {
			ps.add(p+".url", "%q is not an http(s) URL", s.URL)
		}
		m[s.ID] = s
	}
	return m
}

func validateSlots(ps *problems, slots map[string][]string) {
	names := make([]string, 0, len(slots))
	for n := range slots {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		p := fmt.Sprintf("slots.%s", n)
		if !slotRE.MatchString(n) || n == builtinAdult || n == builtinChild {
			ps.add(p, "slot names are lower-case letters and may not be %q or %q", builtinAdult, builtinChild)
		}
		if len(slots[n]) == 0 {
			ps.add(p, "empty slot")
		}
		for i, w := range slots[n] {
			if err := checkLiteral(w); err != nil {
				ps.add(fmt.Sprintf("%s[%d]", p, i), "%v", err)
			}
		}
	}
}

func validateContext(ps *problems, c ContextRules, slots map[string][]string) {
	for _, r := range []struct {
		name string
		list []string
	}{{"negation", c.Negation}, {"reject", c.Reject}, {"reporting", c.Reporting}, {"concern", c.Concern}} {
		for i, src := range r.list {
			if _, err := compilePattern(src, slots, true); err != nil {
				ps.add(fmt.Sprintf("context.%s[%d] %q", r.name, i, src), "%v", err)
			}
		}
	}
}

func validateEntry(ps *problems, path string, e Entry, slots map[string][]string, sources map[string]Source, seen map[string]bool) {
	if e.ID != "" {
		path = fmt.Sprintf("%s (%s)", path, e.ID)
	}
	switch {
	case !idRE.MatchString(e.ID) || len(e.ID) > 64:
		ps.add(path+".id", "%q is not a valid id (lower-case letters, digits and single hyphens, at most 64 bytes)", e.ID)
	case seen[e.ID]:
		ps.add(path+".id", "duplicate entry id %q", e.ID)
	}
	seen[e.ID] = true
	if !validCategory(e.Category) {
		ps.add(path+".category", "%q is not one of %v", e.Category, Categories())
	}
	if len(e.Patterns) == 0 {
		ps.add(path+".patterns", "at least one pattern is required")
	}
	for i, src := range e.Patterns {
		if _, err := compilePattern(src, slots, false); err != nil {
			ps.add(fmt.Sprintf("%s.patterns[%d] %q", path, i, src), "%v", err)
		}
	}
	for _, r := range []struct {
		name string
		list []string
	}{{"unless_before", e.UnlessBefore}, {"unless_after", e.UnlessAfter}} {
		for i, src := range r.list {
			if _, err := compilePattern(src, slots, true); err != nil {
				ps.add(fmt.Sprintf("%s.%s[%d] %q", path, r.name, i, src), "%v", err)
			}
		}
	}
	if e.Window < 0 || e.Window > maxPatternLen {
		ps.add(path+".window", "%d is outside 0–%d", e.Window, maxPatternLen)
	}
	why := strings.TrimSpace(e.Why)
	switch {
	case why == "":
		ps.add(path+".why", "missing")
	case !strings.HasSuffix(why, "."):
		ps.add(path+".why", "should be one sentence ending with a full stop")
	case sentEnd.MatchString(why):
		ps.add(path+".why", "should be one sentence")
	case len(why) > 300:
		ps.add(path+".why", "longer than 300 bytes")
	}
	if len(e.Alternatives) == 0 {
		ps.add(path+".alternatives", "at least one alternative is required")
	}
	for i, a := range e.Alternatives {
		if strings.TrimSpace(a) == "" || strings.IndexFunc(a, unicode.IsControl) >= 0 {
			ps.add(fmt.Sprintf("%s.alternatives[%d]", path, i), "empty or contains control characters")
		}
	}
	if len(e.Sources) == 0 {
		ps.add(path+".sources", "at least one source is required")
	}
	for i, s := range e.Sources {
		if _, ok := sources[s]; !ok {
			ps.add(fmt.Sprintf("%s.sources[%d]", path, i), "unknown source %q", s)
		}
	}
}

// Overrides are a force's changes to a lexicon, applied without a rebuild:
// entries switched off by id, and entries added (citing sources that are in
// the lexicon or listed here). Vigil stores them as JSON (see ParseOverrides)
// and applies them with Lexicon.With.
type Overrides struct {
	// Version labels this set of overrides (for example the admin change number).
	Version string   `json:"version,omitempty"`
	Disable []string `json:"disable,omitempty"`
	Add     []Entry  `json:"add,omitempty"`
	Sources []Source `json:"sources,omitempty"`
}

// ParseOverrides parses overrides from JSON, rejecting unknown fields.
func ParseOverrides(data []byte) (Overrides, error) {
	var o Overrides
	if err := decodeStrict(data, &o); err != nil {
		return Overrides{}, err
	}
	return o, nil
}

// With returns a new lexicon with the overrides applied. Every disabled id
// must name an entry of l; added entries must be valid and have new ids.
func (l *Lexicon) With(o Overrides) (*Lexicon, error) {
	var ps problems
	srcs := validateSources(&ps, "overrides.sources", o.Sources, l.sources)
	off := map[string]bool{}
	for i, id := range o.Disable {
		if _, ok := l.Entry(id); !ok {
			ps.add(fmt.Sprintf("overrides.disable[%d]", i), "no entry %q in lexicon %s", id, l.Version())
		}
		off[id] = true
	}
	seen := map[string]bool{}
	for _, e := range l.file.Entries {
		seen[e.ID] = true
	}
	for _, id := range l.disabled {
		seen[id] = true
	}
	for i, e := range o.Add {
		validateEntry(&ps, fmt.Sprintf("overrides.add[%d]", i), e, l.file.Slots, srcs, seen)
	}
	if err := ps.err(); err != nil {
		return nil, err
	}
	n := &Lexicon{file: l.file, sources: srcs, disabled: append([]string(nil), l.disabled...)}
	n.file.Sources = append(append([]Source(nil), l.file.Sources...), o.Sources...)
	n.file.Entries = nil
	for _, e := range l.file.Entries {
		if off[e.ID] {
			n.disabled = append(n.disabled, e.ID)
			continue
		}
		n.file.Entries = append(n.file.Entries, e)
	}
	for _, e := range o.Add {
		n.file.Entries = append(n.file.Entries, cloneEntry(e))
	}
	label := o.Version
	if label == "" {
		label = "overrides"
	}
	n.file.Version = l.file.Version + "+" + label
	return n, nil
}

// MarshalJSON writes the lexicon in the same form ParseLexicon reads.
func (l *Lexicon) MarshalJSON() ([]byte, error) { return json.Marshal(l.file) }
