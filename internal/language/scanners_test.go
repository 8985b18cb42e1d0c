package language

import (
	"strings"
	"testing"

	"github.com/coregx/ahocorasick"
)

// coregxScanner adapts github.com/coregx/ahocorasick v0.3.1 to the scanner
// interface. Only FindAllOverlapping is used: the library's non-overlapping
// FindAll and Count miss matches. The library has no case-insensitive mode,
// so the text is lower-cased (ASCII) into a buffer chunk by chunk, with an
// overlap of the longest anchor so that no occurrence is cut in two.
type coregxScanner struct {
	ac     *ahocorasick.Automaton
	maxLen int
}

func newCoregxScanner(anchors []string) (s *coregxScanner, err error) {
	// The builder panics past 255 distinct byte values; anchors here are
	// [a-z0-9] only, but recover anyway rather than crash a caller.
	defer func() {
		if r := recover(); r != nil {
			s, err = nil, &patternError{0, "coregx/ahocorasick panicked while building"}
		}
	}()
	ac, err := ahocorasick.NewBuilder().SetMatchKind(ahocorasick.LeftmostLongest).AddStrings(anchors).Build()
	if err != nil {
		return nil, err
	}
	m := 0
	for _, a := range anchors {
		m = max(m, len(a))
	}
	return &coregxScanner{ac: ac, maxLen: m}, nil
}

func (s *coregxScanner) scan(text string, emit func(start int, anchor int32)) {
	const chunk = 1 << 16
	buf := make([]byte, 0, chunk+s.maxLen)
	for base := 0; base < len(text); base += chunk {
		end := min(len(text), base+chunk+s.maxLen-1)
		buf = buf[:0]
		for i := base; i < end; i++ {
			c := text[i]
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			buf = append(buf, c)
		}
		for _, m := range s.ac.FindAllOverlapping(buf) {
			if m.Start < chunk { // later starts belong to the next chunk
				emit(base+m.Start, int32(m.PatternID))
			}
		}
	}
}

func checkerWith(t testing.TB, kind string) *Checker {
	c := defaultChecker(t)
	var err error
	switch kind {
	case "own-dfa":
	case "word-trie":
		c.scan, err = newWordTrie(c.anchorWords)
	case "coregx":
		c.scan, err = newCoregxScanner(c.anchorWords)
	default:
		t.Fatalf("unknown scanner %s", kind)
	}
	if err != nil {
		t.Fatal(err)
	}
	return c
}

var scannerKinds = []string{"own-dfa", "word-trie", "coregx"}

// TestScannersAgree checks that the three scanners give the checker the same
// findings, so the benchmark compares like with like.
func TestScannersAgree(t *testing.T) {
	text := benchCorpus()[:1<<20] + " She is ‘streetwise’; he won’t engage. " + strings.Repeat("x", 70000) + " putting herself at risk"
	want := checkerWith(t, "own-dfa").Check(text)
	if len(want) < 10 {
		t.Fatalf("only %d findings", len(want))
	}
	for _, k := range scannerKinds[1:] {
		got := checkerWith(t, k).Check(text)
		if len(got) != len(want) {
			t.Fatalf("%s: %d findings, own DFA %d", k, len(got), len(want))
		}
		for i := range got {
			if got[i].Start != want[i].Start || got[i].EntryID != want[i].EntryID {
				t.Fatalf("%s: finding %d differs", k, i)
			}
		}
	}
}

// BenchmarkScan measures only the candidate search over 8 MiB of case notes.
func BenchmarkScan(b *testing.B) {
	text := benchCorpus()
	for _, k := range scannerKinds {
		c := checkerWith(b, k)
		b.Run(k, func(b *testing.B) {
			b.SetBytes(int64(len(text)))
			hits := 0
			for i := 0; i < b.N; i++ {
				c.scan.scan(text, func(int, int32) { hits++ })
			}
		})
	}
}

// BenchmarkCheckScanner measures the full checker with each scanner.
func BenchmarkCheckScanner(b *testing.B) {
	text := benchCorpus()
	for _, k := range scannerKinds {
		c := checkerWith(b, k)
		b.Run(k, func(b *testing.B) {
			b.SetBytes(int64(len(text)))
			for i := 0; i < b.N; i++ {
				c.Check(text)
			}
		})
	}
}
