package language

import (
	"reflect"
	"testing"
)

// FuzzCheck checks, for any input: no panic; every finding lies within the
// text on UTF-8 boundaries with Text == text[Start:End]; findings are sorted;
// an entry never overlaps itself; Line and Column are right; and the
// automaton path agrees with the reference implementation.
//
//	go test -fuzz FuzzCheck -fuzztime 3m -fuzzminimizetime 2s ./internal/language/
func FuzzCheck(f *testing.F) {
	for _, s := range []string{
		"She appears deliberately missing and was putting herself at risk.",
		"She is ‘streetwise’ and\npromiscuous; he won’t engage.",
		"Her 24-year-old boyfriend, aged 24, said it was consensual.",
		"Children cannot consent; the term 'child prostitute' is no longer used.",
		"putting\r\n  herself  \u00a0at   risk",
		"high-risk lifestyle highrisk lifestyle high – risk lifestyle",
		"\xff\xfe putting herself at risk \xc3",
		"",
	} {
		f.Add(s)
	}
	c, err := NewChecker(Default())
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, text string) {
		fs := c.Check(text)
		checkInvariants(t, text, fs)
		if slow := c.checkSlow(text); !reflect.DeepEqual(fs, slow) {
			t.Fatalf("Check and reference differ on %q:\nfast %v\nslow %v", text, ids(fs), ids(slow))
		}
	})
}
