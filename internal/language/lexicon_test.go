package language

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestDefaultLexicon(t *testing.T) {
	l := Default()
	es := l.Entries()
	if len(es) < 100 {
		t.Errorf("default lexicon has %d entries, want well over 100 concepts", len(es))
	}
	patterns := 0
	cats := map[Category]int{}
	for _, e := range es {
		patterns += len(e.Patterns)
		cats[e.Category]++
		for _, id := range e.Sources {
			s, ok := l.Source(id)
			if !ok || s.URL == "" || s.Title == "" {
				t.Errorf("entry %s cites %q without title and URL", e.ID, id)
			}
		}
	}
	for _, c := range Categories() {
		if cats[c] == 0 {
			t.Errorf("no entry in category %s", c)
		}
	}
	t.Logf("default lexicon %s: %d entries, %d patterns, %d sources, by category %v", l.Version(), len(es), patterns, len(l.Sources()), cats)
	// Entries returns copies.
	es[0].Patterns[0] = "changed"
	if l.Entries()[0].Patterns[0] == "changed" {
		t.Error("Entries exposes the lexicon's own slices")
	}
	// The lexicon round-trips through MarshalJSON.
	data, err := json.Marshal(l)
	if err != nil {
		t.Fatal(err)
	}
	l2, err := ParseLexicon(data)
	if err != nil {
		t.Fatal(err)
	}
	if len(l2.Entries()) != len(es) {
		t.Error("round trip lost entries")
	}
}

func minimalLexicon(entry string) string {
	return `{"version":"t","slots":{"self":["herself"]},
	"sources":[{"id":"s","title":"T","publisher":"P","url":"https://example.org/"}],
	"context":{"negation":["not"],"reject":[],"reporting":[],"concern":[]},
	"entries":[` + entry + `]}`
}

const goodEntry = `{"id":"x","category":"blames-child","patterns":["put {self} at risk"],"why":"Why.","alternatives":["Alt."],"sources":["s"]}`

func TestParseLexiconErrors(t *testing.T) {
	if _, err := ParseLexicon([]byte(minimalLexicon(goodEntry))); err != nil {
		t.Fatalf("minimal lexicon: %v", err)
	}
	tests := []struct {
		name, data, want string
	}{
		{"syntax", "{\n  \"version\": \"x\",,\n}", "line 2, column 19"},
		{"unknown field", `{"version":"x","colour":1}`, `unknown field "colour"`},
		{"type", `{"version":3}`, "line 1, column 13 (version)"},
		{"empty", ``, "empty"},
		{"trailing", minimalLexicon(goodEntry) + `{}`, "unexpected data after"},
		{"bad id", minimalLexicon(strings.Replace(goodEntry, `"x"`, `"Bad Id"`, 1)), `entries[0] (Bad Id).id: "Bad Id" is not a valid id`},
		{"duplicate id", minimalLexicon(goodEntry + "," + goodEntry), `duplicate entry id "x"`},
		{"category", minimalLexicon(strings.Replace(goodEntry, "blames-child", "rude", 1)), `"rude" is not one of`},
		{"unbalanced", minimalLexicon(strings.Replace(goodEntry, "put {self} at risk", "(put|puts {self}", 1)), "patterns[0] \"(put|puts {self}\": column 1: unbalanced parenthesis"},
		{"slot", minimalLexicon(strings.Replace(goodEntry, "{self}", "{pronoun}", 1)), "unknown slot {pronoun}"},
		{"upper case", minimalLexicon(strings.Replace(goodEntry, "risk", "Risk", 1)), `word "Risk": only lower-case letters`},
		{"wildcard", minimalLexicon(strings.Replace(goodEntry, "at risk", "at [9] risk", 1)), "bad wildcard [9]"},
		{"edge wildcard", minimalLexicon(strings.Replace(goodEntry, "put {self} at risk", "[2] risk", 1)), "must not start or end with a wildcard"},
		{"quote", minimalLexicon(strings.Replace(goodEntry, "at risk", `at \" risk`, 1)), "only allowed in context rules"},
		{"no anchor", minimalLexicon(strings.Replace(goodEntry, "put {self} at risk", "{adultage}", 1)), "no required element made only of literal words"},
		{"why", minimalLexicon(strings.Replace(goodEntry, `"Why."`, `"No full stop"`, 1)), "ending with a full stop"},
		{"two sentences", minimalLexicon(strings.Replace(goodEntry, `"Why."`, `"One. Two."`, 1)), "should be one sentence"},
		{"no alternative", minimalLexicon(strings.Replace(goodEntry, `["Alt."]`, `[]`, 1)), "at least one alternative"},
		{"unknown source", minimalLexicon(strings.Replace(goodEntry, `["s"]`, `["nope"]`, 1)), `unknown source "nope"`},
		{"bad context", strings.Replace(minimalLexicon(goodEntry), `"negation":["not"]`, `"negation":["(not"]`, 1), `context.negation[0] "(not"`},
	}
	for _, tt := range tests {
		_, err := ParseLexicon([]byte(tt.data))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error %v, want it to contain %q", tt.name, err, tt.want)
		}
	}
}

func TestOverrides(t *testing.T) {
	base := Default()
	o, err := ParseOverrides([]byte(`{
		"version": "force-7",
		"disable": ["alleged-victim", "challenging-behaviour"],
		"sources": [{"id":"force-guide","title":"Force language guide","publisher":"A Force","url":"https://force.example/guide"}],
		"add": [{"id":"force-frequent-flyer","category":"trivialises","patterns":["frequent (flyer|flier)"],
		         "why":"It turns a child who keeps going missing into a joke.","alternatives":["A child who has been missing often."],
		         "sources":["force-guide"]}]
	}`))
	if err != nil {
		t.Fatal(err)
	}
	l, err := base.With(o)
	if err != nil {
		t.Fatal(err)
	}
	if l.Version() != base.Version()+"+force-7" {
		t.Errorf("version %q", l.Version())
	}
	if _, ok := l.Entry("alleged-victim"); ok {
		t.Error("disabled entry still present")
	}
	if got := l.Disabled(); len(got) != 2 {
		t.Errorf("Disabled() = %v", got)
	}
	if _, ok := base.Entry("alleged-victim"); !ok {
		t.Error("With changed the base lexicon")
	}
	c, err := NewChecker(l)
	if err != nil {
		t.Fatal(err)
	}
	fs := c.Check("The alleged victim is a frequent flyer with challenging behaviour.")
	if len(fs) != 1 || fs[0].EntryID != "force-frequent-flyer" || fs[0].Sources[0].ID != "force-guide" {
		t.Errorf("Check with overrides = %v", ids(fs))
	}
	bad := []struct {
		data, want string
	}{
		{`{"disable":["no-such-entry"]}`, `overrides.disable[0]: no entry "no-such-entry"`},
		{`{"add":[` + strings.Replace(goodEntry, `"x"`, `"streetwise"`, 1) + `]}`, `duplicate entry id "streetwise"`},
		{`{"add":[` + goodEntry + `]}`, `unknown source "s"`},
		{`{"sources":[{"id":"tcs-language-guide","title":"T","publisher":"P","url":"https://x"}]}`, `duplicate source id`},
		{`{"enable":["x"]}`, `unknown field "enable"`},
	}
	for _, b := range bad {
		o, err := ParseOverrides([]byte(b.data))
		if err == nil {
			_, err = base.With(o)
		}
		if err == nil || !strings.Contains(err.Error(), b.want) {
			t.Errorf("overrides %s: error %v, want %q", b.data, err, b.want)
		}
	}
	// An entry disabled once cannot be re-added under the same id by a later override.
	if _, err := l.With(Overrides{Add: []Entry{{ID: "alleged-victim"}}}); err == nil || !strings.Contains(err.Error(), "duplicate entry id") {
		t.Errorf("re-adding a disabled id: %v", err)
	}
}

func TestNewCheckerNil(t *testing.T) {
	if _, err := NewChecker(nil); err == nil {
		t.Error("NewChecker(nil) succeeded")
	}
}

func TestLiteralPhrases(t *testing.T) {
	ps := Default().LiteralPhrases(4096)
	have := map[string]bool{}
	for _, p := range ps {
		have[p] = true
	}
	for _, want := range []string{"putting herself at risk", "streetwise", "street wise", "child prostitute", "missing through choice", "high risk lifestyle", "highrisk lifestyle"} {
		if !have[want] {
			t.Errorf("LiteralPhrases lacks %q", want)
		}
	}
	if len(ps) < 500 {
		t.Errorf("only %d phrases", len(ps))
	}
}
