package language

import (
	"bufio"
	"fmt"
	"os"
	"strings"
	"testing"
)

type labelled struct {
	line     int
	flag     bool
	expected []string
	text     string
}

func readLabelled(t *testing.T, path string) []labelled {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []labelled
	sc := bufio.NewScanner(f)
	n := 0
	for sc.Scan() {
		n++
		line := sc.Text()
		if strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#") {
			continue
		}
		parts := strings.SplitN(line, "\t", 3)
		if len(parts) != 3 || (parts[0] != "flag" && parts[0] != "ok") {
			t.Fatalf("%s:%d: want LABEL<TAB>EXPECTED<TAB>TEXT", path, n)
		}
		l := labelled{line: n, flag: parts[0] == "flag"}
		if l.flag {
			l.expected = strings.Split(parts[1], ",")
		} else if parts[1] != "-" {
			t.Fatalf("%s:%d: an ok line expects -", path, n)
		}
		l.text = strings.NewReplacer(`\n`, "\n", `\t`, "\t").Replace(parts[2])
		out = append(out, l)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// score returns true positives, false negatives, false positives and a
// description of each miss.
func score(c *Checker, set []labelled) (tp, fn, fp, tn int, misses []string) {
	for _, l := range set {
		fs := c.Check(l.text)
		got := map[string]bool{}
		for _, f := range fs {
			got[f.EntryID] = true
		}
		if l.flag {
			ok := true
			for _, id := range l.expected {
				ok = ok && got[id]
			}
			if ok {
				tp++
			} else {
				fn++
				misses = append(misses, fmt.Sprintf("line %d: missed %v in %q (got %v)", l.line, l.expected, l.text, ids(fs)))
			}
			continue
		}
		if len(fs) > 0 {
			fp++
			misses = append(misses, fmt.Sprintf("line %d: false alarm %v in %q", l.line, ids(fs), l.text))
		} else {
			tn++
		}
	}
	return
}

func ids(fs []Finding) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.EntryID+"="+f.Text)
	}
	return out
}

// TestLabelled prints precision and recall on the tuning and held-out parts
// of the labelled set and fails below 0.95 on either. Run it with
//
//	go test -run TestLabelled -v ./internal/language/
func TestLabelled(t *testing.T) {
	c, err := NewChecker(Default())
	if err != nil {
		t.Fatal(err)
	}
	for _, part := range []string{"tuning", "heldout"} {
		set := readLabelled(t, "testdata/labelled/"+part+".tsv")
		tp, fn, fp, tn, misses := score(c, set)
		precision := float64(tp) / float64(max(1, tp+fp))
		recall := float64(tp) / float64(max(1, tp+fn))
		t.Logf("%-8s %3d sentences (%d to flag, %d not): precision %.3f, recall %.3f (TP %d, FN %d, FP %d, TN %d)",
			part, len(set), tp+fn, fp+tn, precision, recall, tp, fn, fp, tn)
		for _, m := range misses {
			t.Logf("  %s: %s", part, m)
		}
		if precision < 0.95 || recall < 0.95 {
			t.Errorf("%s: precision %.3f, recall %.3f; both must be at least 0.95", part, precision, recall)
		}
	}
}
