package language

import (
	"fmt"
	"strconv"
	"strings"
)

// The pattern language. A pattern is a sequence of items separated by
// spaces; every item matches whole words, case-insensitively:
//
//	word          a literal word: letters, digits, apostrophes ("won't" also
//	              matches "won’t" and "wont")
//	a-b           words joined by hyphens: matches "a-b", "a b", "a – b" and "ab"
//	{slot}        any word of a named slot (see Lexicon slots), or {adultage}
//	              (a number 18–99) or {childage} (a number 10–17)
//	(a|b c|d)     one of the alternatives; an alternative may be several words
//	(a|b)?        the same, optional
//	[3] or [1-3]  any 0–3 (or 1–3) words in between, each at most 40 bytes
//	"             (context rules only) the gap before the next word holds a
//	              quotation mark
//
// Between the words of a phrase the text may have any white space (line
// breaks included, but not a blank line), quotation marks, hyphens, dashes,
// commas, brackets and slashes, up to 64 bytes; a full stop, question mark,
// exclamation mark, semicolon, colon or other character ends the phrase.

const (
	maxAltWords    = 6  // words in one alternative
	maxGapWords    = 6  // [n] wildcard
	maxPatternLen  = 16 // words in the longest match of a pattern
	builtinAdult   = "adultage"
	builtinChild   = "childage"
	minAnchorBytes = 2
)

type elemKind uint8

const (
	elemAlt elemKind = iota
	elemGap
	elemQuote
)

// wordMatcher matches one token: one of a set of words, or a number in a range.
type wordMatcher struct {
	words  []string // sorted, normalised; nil for a number range
	lo, hi int
}

func (w *wordMatcher) match(b []byte) bool {
	if w.words == nil {
		if len(b) == 0 || len(b) > 3 {
			return false
		}
		n := 0
		for _, c := range b {
			if c < '0' || c > '9' {
				return false
			}
			n = n*10 + int(c-'0')
		}
		return n >= w.lo && n <= w.hi
	}
	for _, s := range w.words {
		if string(b) == s {
			return true
		}
	}
	return false
}

type element struct {
	kind     elemKind
	alts     [][]wordMatcher // elemAlt: each alternative matches len(alt) tokens
	optional bool
	min, max int // elemGap
}

// pattern is a compiled pattern.
type pattern struct {
	src    string
	elems  []element
	maxLen int // most tokens a match can span
	// Anchoring: every match contains a token equal to one of anchorWords
	// (or starting with it, for words cut at an apostrophe); at most
	// maxBefore tokens of the match precede that token.
	anchorWords []string
	anchorCut   map[string]bool // anchors cut short at an apostrophe
	maxBefore   int
	// When the anchor element matches exactly one word, prev and next hold
	// the matchers of the required one-word elements right before and after
	// it (nil if there is none): a cheap test of a candidate's neighbours.
	prev, next []wordMatcher
}

type patternError struct {
	pos int
	msg string
}

func (e *patternError) Error() string { return fmt.Sprintf("column %d: %s", e.pos+1, e.msg) }

// compilePattern parses src. slots maps slot names to their words.
func compilePattern(src string, slots map[string][]string, allowQuote bool) (*pattern, error) {
	p := &pattern{src: src}
	i := 0
	for {
		for i < len(src) && src[i] == ' ' {
			i++
		}
		if i >= len(src) {
			break
		}
		start := i
		switch c := src[i]; {
		case c == '(':
			j := strings.IndexByte(src[i:], ')')
			if j < 0 {
				return nil, &patternError{i, "unbalanced parenthesis"}
			}
			body := src[i+1 : i+j]
			if strings.ContainsAny(body, "([\"") {
				return nil, &patternError{i, "nested group or wildcard inside a group"}
			}
			i += j + 1
			el := element{kind: elemAlt}
			if i < len(src) && src[i] == '?' {
				el.optional = true
				i++
			}
			for _, alt := range strings.Split(body, "|") {
				alts, err := compileSeq(strings.TrimSpace(alt), slots, start+1)
				if err != nil {
					return nil, err
				}
				el.alts = append(el.alts, alts...)
			}
			p.elems = append(p.elems, el)
		case c == '[':
			j := strings.IndexByte(src[i:], ']')
			if j < 0 {
				return nil, &patternError{i, "unbalanced bracket"}
			}
			body := src[i+1 : i+j]
			i += j + 1
			lo, hi := 0, 0
			var err1, err2 error
			if a, b, ok := strings.Cut(body, "-"); ok {
				lo, err1 = strconv.Atoi(a)
				hi, err2 = strconv.Atoi(b)
			} else {
				hi, err1 = strconv.Atoi(body)
			}
			if err1 != nil || err2 != nil || lo < 0 || hi < lo || hi > maxGapWords || hi == 0 {
				return nil, &patternError{start, fmt.Sprintf("bad wildcard [%s]: want [n] or [m-n] with 0 ≤ m ≤ n ≤ %d, n > 0", body, maxGapWords)}
			}
			p.elems = append(p.elems, element{kind: elemGap, min: lo, max: hi})
		case c == '"':
			if !allowQuote {
				return nil, &patternError{i, `quotation-mark assertion (") is only allowed in context rules`}
			}
			i++
			p.elems = append(p.elems, element{kind: elemQuote})
		case c == ')' || c == ']' || c == '|' || c == '?':
			return nil, &patternError{i, fmt.Sprintf("unexpected %q", c)}
		default:
			for i < len(src) && src[i] != ' ' && src[i] != '(' && src[i] != '[' {
				i++
			}
			alts, err := compileSeq(src[start:i], slots, start)
			if err != nil {
				return nil, err
			}
			p.elems = append(p.elems, element{kind: elemAlt, alts: alts})
		}
	}
	if err := p.finish(!allowQuote); err != nil {
		return nil, err
	}
	return p, nil
}

// compileSeq compiles one alternative: words separated by spaces, each of
// which may join parts with hyphens. It returns the alternatives it expands to
// (a hyphenated word of literals also matches as one joined word).
func compileSeq(s string, slots map[string][]string, pos int) ([][]wordMatcher, error) {
	if s == "" {
		return nil, &patternError{pos, "empty alternative"}
	}
	seqs := [][]wordMatcher{nil}
	for _, w := range strings.Fields(s) {
		parts := strings.Split(w, "-")
		var split []wordMatcher
		joined := ""
		allLiteral := true
		for _, part := range parts {
			m, literal, err := compileWord(part, slots, pos)
			if err != nil {
				return nil, err
			}
			split = append(split, m)
			allLiteral = allLiteral && literal
			joined += part
		}
		options := [][]wordMatcher{split}
		if len(parts) > 1 && allLiteral {
			m, _, _ := compileWord(joined, slots, pos)
			options = append(options, []wordMatcher{m})
		}
		var next [][]wordMatcher
		for _, seq := range seqs {
			for _, opt := range options {
				n := append(append([]wordMatcher(nil), seq...), opt...)
				if len(n) > maxAltWords {
					return nil, &patternError{pos, fmt.Sprintf("alternative %q is longer than %d words", s, maxAltWords)}
				}
				next = append(next, n)
			}
		}
		seqs = next
	}
	return seqs, nil
}

func compileWord(w string, slots map[string][]string, pos int) (wordMatcher, bool, error) {
	if w == "" {
		return wordMatcher{}, false, &patternError{pos, "empty word (doubled or trailing hyphen?)"}
	}
	if strings.HasPrefix(w, "{") {
		if !strings.HasSuffix(w, "}") {
			return wordMatcher{}, false, &patternError{pos, fmt.Sprintf("unterminated slot %q", w)}
		}
		name := w[1 : len(w)-1]
		switch name {
		case builtinAdult:
			return wordMatcher{lo: 18, hi: 99}, false, nil
		case builtinChild:
			return wordMatcher{lo: 10, hi: 17}, false, nil
		}
		words, ok := slots[name]
		if !ok {
			return wordMatcher{}, false, &patternError{pos, fmt.Sprintf("unknown slot {%s}", name)}
		}
		m := wordMatcher{}
		for _, sw := range words {
			m.words = addWord(m.words, sw)
		}
		return m, false, nil
	}
	if err := checkLiteral(w); err != nil {
		return wordMatcher{}, false, &patternError{pos, err.Error()}
	}
	return wordMatcher{words: addWord(nil, w)}, true, nil
}

// checkLiteral accepts lower-case ASCII letters, digits and inner apostrophes.
func checkLiteral(w string) error {
	if len(w) > maxWordBytes {
		return fmt.Errorf("word %q is longer than %d bytes", w, maxWordBytes)
	}
	for i := 0; i < len(w); i++ {
		c := w[i]
		switch {
		case 'a' <= c && c <= 'z', '0' <= c && c <= '9':
		case c == '\'' && i > 0 && i < len(w)-1:
		default:
			return fmt.Errorf("word %q: only lower-case letters, digits and inner apostrophes are allowed", w)
		}
	}
	return nil
}

// addWord adds w and, if it has apostrophes, its form without them.
func addWord(ws []string, w string) []string {
	ws = append(ws, w)
	if strings.Contains(w, "'") {
		ws = append(ws, strings.ReplaceAll(w, "'", ""))
	}
	return ws
}

// finish validates the pattern and chooses its anchor.
func (p *pattern) finish(needAnchor bool) error {
	if len(p.elems) == 0 {
		return &patternError{0, "empty pattern"}
	}
	required := false
	for _, e := range p.elems {
		if e.kind == elemAlt && !e.optional {
			required = true
		}
	}
	if !required {
		return &patternError{0, "pattern has no required word"}
	}
	if p.elems[0].kind == elemGap || p.elems[len(p.elems)-1].kind == elemGap {
		return &patternError{0, "pattern must not start or end with a wildcard"}
	}
	for _, e := range p.elems {
		p.maxLen += e.maxTokens()
	}
	if p.maxLen > maxPatternLen {
		return &patternError{0, fmt.Sprintf("a match could span %d words; at most %d are allowed", p.maxLen, maxPatternLen)}
	}
	best, bestScore := -1, 0
	var bestWords []string
	for i, e := range p.elems {
		if e.kind != elemAlt || e.optional {
			continue
		}
		words, score, ok := anchorFor(e)
		if ok && (best < 0 || score > bestScore) {
			best, bestScore, bestWords = i, score, words
		}
	}
	if best < 0 {
		if !needAnchor {
			return nil
		}
		return &patternError{0, "no required element made only of literal words to anchor the pattern on"}
	}
	p.anchorWords = bestWords
	p.prev, p.next = neighbour(p.elems, best, -1), neighbour(p.elems, best, 1)
	p.anchorCut = map[string]bool{}
	for _, alt := range p.elems[best].alts {
		for _, m := range alt {
			for _, w := range m.words {
				if a := anchorText(w); a != w {
					p.anchorCut[a] = true
				}
			}
		}
	}
	for _, e := range p.elems[:best] {
		p.maxBefore += e.maxTokens()
	}
	p.maxBefore += p.elems[best].maxTokens() - 1
	return nil
}

// isAnchor reports whether the normalised word w is one the pattern is
// anchored on.
func (p *pattern) isAnchor(w []byte) bool {
	for _, a := range p.anchorWords {
		if string(w) == a || p.anchorCut[a] && len(w) > len(a) && string(w[:len(a)]) == a {
			return true
		}
	}
	return false
}

// neighbour returns the one-word matchers of the element next to elems[i] in
// direction d, if elems[i] and it always match exactly one word each and the
// neighbour is required.
func neighbour(elems []element, i, d int) []wordMatcher {
	one := func(e element) bool {
		if e.kind != elemAlt {
			return false
		}
		for _, a := range e.alts {
			if len(a) != 1 {
				return false
			}
		}
		return true
	}
	j := i + d
	if !one(elems[i]) || j < 0 || j >= len(elems) || !one(elems[j]) || elems[j].optional {
		return nil
	}
	var ms []wordMatcher
	for _, a := range elems[j].alts {
		ms = append(ms, a[0])
	}
	return ms
}

func (e *element) maxTokens() int {
	switch e.kind {
	case elemGap:
		return e.max
	case elemAlt:
		m := 0
		for _, a := range e.alts {
			m = max(m, len(a))
		}
		return m
	}
	return 0
}

// anchorFor picks, for each alternative of e, its most distinctive literal
// word matcher; the element's score is that of its weakest alternative.
func anchorFor(e element) ([]string, int, bool) {
	var words []string
	score := 1 << 30
	for _, alt := range e.alts {
		bestI, bestS := -1, 0
		for i, m := range alt {
			if s, ok := matcherScore(m); ok && (bestI < 0 || s > bestS) {
				bestI, bestS = i, s
			}
		}
		if bestI < 0 {
			return nil, 0, false
		}
		score = min(score, bestS)
		for _, w := range alt[bestI].words {
			words = appendUnique(words, anchorText(w))
		}
	}
	return words, score, true
}

// matcherScore scores a literal word matcher by its weakest word.
func matcherScore(m wordMatcher) (int, bool) {
	if m.words == nil {
		return 0, false
	}
	score := 1 << 30
	for _, w := range m.words {
		a := anchorText(w)
		if len(a) < minAnchorBytes {
			return 0, false
		}
		s := min(len(a), 12) * 10
		switch commonWords[a] {
		case 1:
			s -= 2000
		case 2:
			s -= 1000
		}
		score = min(score, s)
	}
	return score, true
}

// anchorText is the part of a word the automaton looks for: up to its first
// apostrophe, so that "won't", "won’t" and "wont" all contain it.
func anchorText(w string) string {
	if i := strings.IndexByte(w, '\''); i >= 0 {
		return w[:i]
	}
	return w
}

func appendUnique(ws []string, w string) []string {
	for _, x := range ws {
		if x == w {
			return ws
		}
	}
	return append(ws, w)
}

// Word frequency tiers for choosing anchors: tier 1 are the commonest words
// of English, tier 2 words that are frequent in case notes. A pattern is
// anchored on the element whose weakest alternative is least frequent, so
// that the automaton reports as few candidates as possible.
var commonWords = func() map[string]int {
	m := map[string]int{}
	for _, w := range strings.Fields(`a an the and or of to in on at by for with from as is was are were be been
		being has have had her his their him them she he they it its this that these those not no nor but if so
		then than there here when where which who whom what why how all any some more most also very into onto over
		under up down out off about after before again just only can could will would shall should may might must
		do does did done i you we our us me my your one two said says say`) {
		m[w] = 1
	}
	for _, w := range strings.Fields(`missing risk risks child children young person people man men male males
		female females woman women girl girls boy boys older old adult adults sexual police officer officers
		report reports reported reporting made make makes making agree agreed agrees return returned returns home
		school car cars shared share time times going go goes went gone get gets got getting keep keeps kept need
		needs needed work works worked working worker workers exploitation exploited concern concerns
		social friend friends family mother mum dad father address place seem seems seemed medium low high
		answered relationship relationships activity behaviour own back told tell tells know knows
		knew year years aged age new phone information meeting visit local area town centre staff team service
		services support safe safety found seen given took take takes taking came come comes first last day days
		night week later well good other another something nothing anyone someone her's`) {
		m[w] = 2
	}
	return m
}()

// ends appends to dst every token index at which a match of p starting at
// token s can end. A match never crosses a hard gap.
func (p *pattern) ends(sc *scratch, s int, dst []int) []int {
	return p.rec(sc, 0, s, s, dst)
}

func (p *pattern) rec(sc *scratch, ei, pos, start int, dst []int) []int {
	if ei == len(p.elems) {
		if pos > start {
			dst = appendUniqueInt(dst, pos)
		}
		return dst
	}
	// joined reports whether token k exists and can follow the previous
	// token of the match.
	joined := func(k int) bool { return sc.has(k) && (k == start || !sc.toks[k].hardBefore) }
	e := &p.elems[ei]
	switch e.kind {
	case elemGap:
		for k := 0; k <= e.max; k++ {
			if k >= e.min {
				dst = p.rec(sc, ei+1, pos+k, start, dst)
			}
			if !joined(pos+k) || sc.toks[pos+k].end-sc.toks[pos+k].start > maxWordBytes {
				break
			}
		}
	case elemQuote:
		if sc.has(pos) && sc.toks[pos].quoteBefore && pos > start {
			dst = p.rec(sc, ei+1, pos, start, dst)
		}
	case elemAlt:
		for _, alt := range e.alts {
			ok := true
			for j := 0; ok && j < len(alt); j++ {
				ok = joined(pos+j) && alt[j].match(sc.word(sc.toks[pos+j]))
			}
			if ok {
				dst = p.rec(sc, ei+1, pos+len(alt), start, dst)
			}
		}
		if e.optional {
			dst = p.rec(sc, ei+1, pos, start, dst)
		}
	}
	return dst
}

func appendUniqueInt(xs []int, x int) []int {
	for _, y := range xs {
		if y == x {
			return xs
		}
	}
	return append(xs, x)
}
