package language

import (
	"math/rand"
	"sort"
	"strings"
	"testing"
)

type hit struct {
	start  int
	anchor int32
}

func naiveHits(text string, anchors []string) []hit {
	b := []byte(text)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	lower := string(b)
	var out []hit
	for id, a := range anchors {
		for i := 0; i+len(a) <= len(lower); i++ {
			if lower[i:i+len(a)] == a {
				out = append(out, hit{i, int32(id)})
			}
		}
	}
	return out
}

func sortHits(h []hit) {
	sort.Slice(h, func(i, j int) bool {
		if h[i].start != h[j].start {
			return h[i].start < h[j].start
		}
		return h[i].anchor < h[j].anchor
	})
}

func TestAutomatonFindsEveryOccurrence(t *testing.T) {
	anchors := []string{"he", "she", "his", "hers", "herself", "risk", "isk", "a", "ab", "abc", "bc", "c0"}
	a, err := newAutomaton(anchors)
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewSource(2))
	alphabet := "abcHhEeRrSsIiKk0 .\u00e9"
	for n := 0; n < 200; n++ {
		var b strings.Builder
		for i := 0; i < r.Intn(60); i++ {
			b.WriteByte(alphabet[r.Intn(len(alphabet))])
		}
		text := b.String() + " She puts HERSELF at risk, abc0"
		var got []hit
		a.scan(text, func(start int, anchor int32) { got = append(got, hit{start, anchor}) })
		want := naiveHits(text, anchors)
		sortHits(got)
		sortHits(want)
		if len(got) != len(want) {
			t.Fatalf("%q: got %d hits, want %d", text, len(got), len(want))
		}
		for i := range got {
			if got[i] != want[i] {
				t.Fatalf("%q: hit %d = %v, want %v", text, i, got[i], want[i])
			}
		}
	}
	if _, err := newAutomaton([]string{"Risk"}); err == nil {
		t.Error("upper-case anchor accepted")
	}
	if _, err := newAutomaton([]string{""}); err == nil {
		t.Error("empty anchor accepted")
	}
}

// TestAutomatonWide covers the 32-bit table used when the DFA has too many
// states for 16-bit transitions.
func TestAutomatonWide(t *testing.T) {
	r := rand.New(rand.NewSource(3))
	var anchors []string
	for len(anchors) < 600 {
		b := make([]byte, 6+r.Intn(6))
		for i := range b {
			b[i] = 'a' + byte(r.Intn(26))
		}
		anchors = append(anchors, string(b))
	}
	a, err := newAutomaton(anchors)
	if err != nil {
		t.Fatal(err)
	}
	if a.trans16 != nil {
		t.Fatalf("%d states fit in 16 bits; the test needs more", len(a.trans)/acClasses)
	}
	text := "x " + strings.ToUpper(anchors[5]) + " y" + anchors[77] + anchors[599]
	var got []hit
	a.scan(text, func(start int, anchor int32) { got = append(got, hit{start, anchor}) })
	want := naiveHits(text, anchors)
	sortHits(got)
	sortHits(want)
	if len(got) != len(want) || len(got) < 3 {
		t.Fatalf("got %v, want %v", got, want)
	}
	for i := range got {
		if got[i] != want[i] {
			t.Fatalf("hit %d = %v, want %v", i, got[i], want[i])
		}
	}
}
