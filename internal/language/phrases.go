package language

import (
	"sort"
	"strings"
)

// LiteralPhrases returns the fixed phrases that the active entries' patterns
// expand to, lower-case, one per distinct phrase: each pattern's alternatives
// and slots are multiplied out, a wildcard is left out (the phrase without
// inserted words) and an age slot splits it into separate phrases. At most limit expansions are kept per pattern segment.
// Benchmarks use them to compare the checker with grep -F over the same
// wording; the checker itself does not use them.
func (l *Lexicon) LiteralPhrases(limit int) []string {
	seen := map[string]bool{}
	for _, e := range l.file.Entries {
		for _, src := range e.Patterns {
			p, err := compilePattern(src, l.file.Slots, false)
			if err != nil {
				continue
			}
			for _, ph := range p.literalPhrases(limit) {
				seen[ph] = true
			}
		}
	}
	out := make([]string, 0, len(seen))
	for ph := range seen {
		out = append(out, ph)
	}
	sort.Strings(out)
	return out
}

func (p *pattern) literalPhrases(limit int) []string {
	var out []string
	cur := []string{""}
	flush := func() {
		for _, c := range cur {
			if c = strings.TrimSpace(c); len(c) >= 4 {
				out = append(out, c)
			}
		}
		cur = []string{""}
	}
	for _, e := range p.elems {
		if e.kind == elemGap && e.min == 0 {
			continue // the phrase without the inserted words
		}
		if e.kind != elemAlt {
			flush()
			continue
		}
		var next []string
		if e.optional {
			next = append(next, cur...)
		}
		numeric := false
		for _, alt := range e.alts {
			words := []string{""}
			for _, m := range alt {
				if m.words == nil {
					numeric = true
					break
				}
				var w2 []string
				for _, w := range words {
					for _, x := range m.words {
						if len(w2) < limit {
							w2 = append(w2, strings.TrimSpace(w+" "+x))
						}
					}
				}
				words = w2
			}
			for _, c := range cur {
				for _, w := range words {
					if len(next) < limit {
						next = append(next, strings.TrimSpace(c+" "+w))
					}
				}
			}
		}
		if numeric {
			flush()
			continue
		}
		cur = next
	}
	flush()
	return out
}
