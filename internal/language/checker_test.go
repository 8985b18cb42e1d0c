package language

import (
	"math/rand"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

func defaultChecker(t testing.TB) *Checker {
	t.Helper()
	c, err := NewChecker(Default())
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestForms checks that one concept is found in its many written forms and
// that the reported text is exactly the phrase.
func TestForms(t *testing.T) {
	c := defaultChecker(t)
	tests := []struct {
		text, entry, match string
	}{
		{"She is putting herself at risk.", "putting-self-at-risk", "putting herself at risk"},
		{"He puts himself at risk.", "putting-self-at-risk", "puts himself at risk"},
		{"They put themselves at risk.", "putting-self-at-risk", "put themselves at risk"},
		{"The child put themself at risk.", "putting-self-at-risk", "put themself at risk"},
		{"You are putting yourself at risk.", "putting-self-at-risk", "putting yourself at risk"},
		{"She placed herself at serious risk.", "putting-self-at-risk", "placed herself at serious risk"},
		{"He is placing himself at very serious risk of harm.", "putting-self-at-risk", "placing himself at very serious risk"},
		{"She is putting\nherself at\r\nrisk.", "putting-self-at-risk", "putting\nherself at\r\nrisk"},
		{"She is putting  \t herself   at risk.", "putting-self-at-risk", "putting  \t herself   at risk"},
		{"SHE IS PUTTING HERSELF AT RISK", "putting-self-at-risk", "PUTTING HERSELF AT RISK"},
		{"a high-risk lifestyle", "risky-lifestyle", "high-risk lifestyle"},
		{"a high risk lifestyle", "risky-lifestyle", "high risk lifestyle"},
		{"a highrisk lifestyle", "risky-lifestyle", "highrisk lifestyle"},
		{"a high – risk lifestyle", "risky-lifestyle", "high – risk lifestyle"},
		{"She is ‘streetwise’.", "streetwise", "streetwise"},
		{`He is "street-wise".`, "streetwise", "street-wise"},
		{"He won’t engage.", "wont-engage", "won’t engage"},
		{"He won't engage.", "wont-engage", "won't engage"},
		{"He wont engage.", "wont-engage", "wont engage"},
		{"Her 24-year-old boyfriend.", "older-boyfriend", "24-year-old boyfriend"},
		{"Her boyfriend, aged 31, was there.", "older-boyfriend", "boyfriend, aged 31"},
		{"She appears deliberately missing.", "deliberately-missing", "deliberately missing"},
		{"Missing through choice.", "missing-through-choice", "Missing through choice"},
		{"Missing through her own choice.", "missing-through-choice", "Missing through her own choice"},
		{"She is a child prostitute.", "child-prostitute", "child prostitute"},
		{"Straße: she is promiscuous.", "promiscuous", "promiscuous"},
	}
	for _, tt := range tests {
		fs := c.Check(tt.text)
		found := false
		for _, f := range fs {
			if f.EntryID == tt.entry {
				found = true
				if f.Text != tt.match {
					t.Errorf("Check(%q): %s matched %q, want %q", tt.text, tt.entry, f.Text, tt.match)
				}
			}
		}
		if !found {
			t.Errorf("Check(%q) = %v, want %s", tt.text, ids(fs), tt.entry)
		}
	}
}

// TestNotFound lists wording that must not be flagged.
func TestNotFound(t *testing.T) {
	c := defaultChecker(t)
	for _, text := range []string{
		"She ran away from home.",
		"He has run away before.",
		"Children cannot consent, so nothing here was consensual.",
		"We must not describe her as 'streetwise'.",
		"The term 'child prostitute' is no longer used.",
		"She described sexual activity with him; there are concerns she was groomed.",
		"He was charged with sexual activity with a child.",
		"Non-consensual images were shared.",
		"It is not a lifestyle choice.",
		"She is putting. Herself at risk",   // a full stop ends the phrase
		"She is putting\n\nherself at risk", // so does a blank line
		"wonderful engagement",
		"",
	} {
		if fs := c.Check(text); len(fs) != 0 {
			t.Errorf("Check(%q) = %v, want nothing", text, ids(fs))
		}
	}
}

func TestOffsetsLinesColumns(t *testing.T) {
	c := defaultChecker(t)
	text := "Strategy meeting.\nJosé (14) is ‘streetwise’ and\n\tis putting herself at risk; promiscuous."
	fs := c.Check(text)
	want := []struct {
		entry     string
		line, col int
		match     string
	}{
		{"streetwise", 2, 15, "streetwise"},
		{"putting-self-at-risk", 3, 5, "putting herself at risk"},
		{"promiscuous", 3, 30, "promiscuous"},
	}
	if len(fs) != len(want) {
		t.Fatalf("got %v, want %d findings", ids(fs), len(want))
	}
	for i, w := range want {
		f := fs[i]
		if f.EntryID != w.entry || f.Line != w.line || f.Column != w.col || f.Text != w.match || text[f.Start:f.End] != f.Text {
			t.Errorf("finding %d = %s %d:%d %q [%d:%d], want %s %d:%d %q", i, f.EntryID, f.Line, f.Column, f.Text, f.Start, f.End, w.entry, w.line, w.col, w.match)
		}
		if len(f.Alternatives) == 0 || f.Why == "" || len(f.Sources) == 0 || f.Sources[0].URL == "" {
			t.Errorf("finding %d lacks advice or sources: %+v", i, f)
		}
	}
}

// TestMatchesReference compares the automaton path with the reference
// implementation that tries every pattern at every word.
func TestMatchesReference(t *testing.T) {
	c := defaultChecker(t)
	var texts []string
	for _, part := range []string{"tuning", "heldout"} {
		for _, l := range readLabelled(t, "testdata/labelled/"+part+".tsv") {
			texts = append(texts, l.text)
		}
	}
	all := strings.Join(texts, " ")
	texts = append(texts, all, strings.Join(texts, "\n"), strings.ToUpper(all))
	r := rand.New(rand.NewSource(1))
	words := strings.Fields(all)
	seps := []string{" ", "  ", "\n", "-", ", ", "’", "'", ". ", "\n\n", "“", "\t", "é"}
	for i := 0; i < 300; i++ {
		var b strings.Builder
		for j := 0; j < 40; j++ {
			b.WriteString(words[r.Intn(len(words))])
			b.WriteString(seps[r.Intn(len(seps))])
		}
		texts = append(texts, b.String())
	}
	for _, text := range texts {
		fast, slow := c.Check(text), c.checkSlow(text)
		if !reflect.DeepEqual(fast, slow) {
			t.Fatalf("Check and reference differ on %q:\nfast %v\nslow %v", text, ids(fast), ids(slow))
		}
		checkInvariants(t, text, fast)
	}
}

// checkInvariants asserts the documented properties of findings.
func checkInvariants(t testing.TB, text string, fs []Finding) {
	t.Helper()
	last := map[string]int{}
	// Rune boundaries as Go decodes the text (an invalid byte is one rune).
	boundary := map[int]bool{len(text): true}
	for i := range text {
		boundary[i] = true
	}
	for i, f := range fs {
		if f.Start < 0 || f.End > len(text) || f.Start >= f.End {
			t.Fatalf("finding %d: bad span [%d:%d] of %d bytes", i, f.Start, f.End, len(text))
		}
		if !boundary[f.Start] || !boundary[f.End] {
			t.Fatalf("finding %d: span [%d:%d] not on rune boundaries", i, f.Start, f.End)
		}
		if text[f.Start:f.End] != f.Text {
			t.Fatalf("finding %d: Text %q != text[%d:%d]", i, f.Text, f.Start, f.End)
		}
		if i > 0 {
			p := fs[i-1]
			if p.Start > f.Start || (p.Start == f.Start && p.End < f.End) {
				t.Fatalf("findings not sorted: %v then %v", p, f)
			}
		}
		if end, ok := last[f.EntryID]; ok && f.Start < end {
			t.Fatalf("entry %s overlaps itself at %d", f.EntryID, f.Start)
		}
		last[f.EntryID] = f.End
		line := 1 + strings.Count(text[:f.Start], "\n")
		col := 1 + utf8.RuneCountInString(text[strings.LastIndexByte(text[:f.Start], '\n')+1:f.Start])
		if f.Line != line || f.Column != col {
			t.Fatalf("finding %d at %d:%d, want %d:%d", i, f.Line, f.Column, line, col)
		}
	}
}

func TestContextRules(t *testing.T) {
	c := defaultChecker(t)
	tests := []struct {
		text string
		want bool
	}{
		{"She said the sex was consensual.", true},                                           // report, no concern
		{"She said the sex was consensual; we are concerned she is being exploited.", false}, // concern in the next sentence
		{"The sex was consensual. She said so. Concerns remain.", true},                      // no report before the match
		{"Dad refused to engage with the social worker.", false},                             // entry exception: a parent
		{"She refused to engage with the social worker.", true},
		{"Instead of 'missing through choice', write that her whereabouts are unknown.", false}, // rejection with a quotation
		{"Instead of going home she is missing through choice.", true},                          // 'instead of' alone is not a rejection
		{"He is a keen runner.", false},
		{"The gang members who exploited him were charged.", false},
		{"He is a gang member.", true},
	}
	for _, tt := range tests {
		got := len(c.Check(tt.text)) > 0
		if got != tt.want {
			t.Errorf("Check(%q) flagged = %v, want %v (%v)", tt.text, got, tt.want, ids(c.Check(tt.text)))
		}
	}
}

func TestCheckerConcurrent(t *testing.T) {
	c := defaultChecker(t)
	text := strings.Repeat("She appears deliberately missing and was putting herself at risk. ", 50)
	want := c.Check(text)
	done := make(chan []Finding)
	for i := 0; i < 8; i++ {
		go func() { done <- c.Check(text) }()
	}
	for i := 0; i < 8; i++ {
		if got := <-done; !reflect.DeepEqual(got, want) {
			t.Fatal("concurrent Check gave a different result")
		}
	}
	if len(want) != 100 {
		t.Fatalf("got %d findings, want 100", len(want))
	}
}

func TestCheckWorkersSameResult(t *testing.T) {
	c := defaultChecker(t)
	text := benchCorpus()[:3<<20]
	want := c.CheckWorkers(text, 1)
	if len(want) < 100 {
		t.Fatalf("only %d findings", len(want))
	}
	for _, w := range []int{2, 3, 7} {
		if got := c.CheckWorkers(text, w); !reflect.DeepEqual(got, want) {
			t.Fatalf("%d workers: %d findings, 1 worker: %d", w, len(got), len(want))
		}
	}
}
