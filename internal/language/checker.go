package language

import (
	"errors"
	"runtime"
	"sort"
	"strings"
	"sync"
	"unicode/utf8"
)

// Finding is one piece of wording the checker flags.
//
// Start and End are byte offsets into the checked text (text[Start:End] ==
// Text, both on UTF-8 boundaries). Line and Column are 1-based; Column counts
// Unicode code points (runes) from the start of the line, so a tab or an
// accented letter counts as one.
type Finding struct {
	Start        int      `json:"start"`
	End          int      `json:"end"`
	Line         int      `json:"line"`
	Column       int      `json:"column"`
	Text         string   `json:"text"`
	EntryID      string   `json:"entry"`
	Category     Category `json:"category"`
	Why          string   `json:"why"`
	Alternatives []string `json:"alternatives"`
	Sources      []Source `json:"sources"`
}

// Checker finds a lexicon's wording in text. It is safe for concurrent use.
//
// Findings are sorted by Start, then by longer span first, then by entry id.
// One entry never has two overlapping findings (of overlapping candidate
// matches the leftmost, then longest, wins). Findings of different entries may
// overlap, because each carries its own advice: "sexually active with older
// men" is flagged both as "sexually active" and as framing abuse as sex.
type Checker struct {
	lex      *Lexicon
	entries  []checkEntry
	pats     []*pattern
	patEntry []int32
	scan     scanner
	// Per anchor: the patterns anchored on it and how far around it to look.
	anchorPats   [][]int32
	anchorBefore []int
	anchorAfter  []int
	anchorExact  []bool // every word behind the anchor equals it exactly
	anchorWords  []string
	maxAnchorLen int
	negation     []*pattern
	reject       []*pattern
	reporting    []*pattern
	concern      []*pattern
	pool         sync.Pool
}

type checkEntry struct {
	Entry
	before, after []*pattern
	window        int
	sources       []Source
}

// contextWindow bounds how far, in bytes and words, context rules look.
const (
	ctxBytesBefore = 400
	ctxBytesAfter  = 600
	ctxWords       = 40
	defaultWindow  = 6
)

// NewChecker compiles a lexicon into a checker.
func NewChecker(l *Lexicon) (*Checker, error) {
	if l == nil {
		return nil, errors.New("language: nil lexicon")
	}
	c := &Checker{lex: l}
	slots := l.file.Slots
	compile := func(srcs []string, quote bool) ([]*pattern, error) {
		var out []*pattern
		for _, s := range srcs {
			p, err := compilePattern(s, slots, quote)
			if err != nil {
				return nil, err
			}
			out = append(out, p)
		}
		return out, nil
	}
	var err error
	ctx := l.file.Context
	if c.negation, err = compile(ctx.Negation, true); err != nil {
		return nil, err
	}
	if c.reject, err = compile(ctx.Reject, true); err != nil {
		return nil, err
	}
	if c.reporting, err = compile(ctx.Reporting, true); err != nil {
		return nil, err
	}
	if c.concern, err = compile(ctx.Concern, true); err != nil {
		return nil, err
	}
	anchorID := map[string]int32{}
	var anchors []string
	for i, e := range l.file.Entries {
		ce := checkEntry{Entry: cloneEntry(e), window: e.Window}
		if ce.window == 0 {
			ce.window = defaultWindow
		}
		for _, id := range e.Sources {
			ce.sources = append(ce.sources, l.sources[id])
		}
		if ce.before, err = compile(e.UnlessBefore, true); err != nil {
			return nil, err
		}
		if ce.after, err = compile(e.UnlessAfter, true); err != nil {
			return nil, err
		}
		ps, err := compile(e.Patterns, false)
		if err != nil {
			return nil, err
		}
		for _, p := range ps {
			pi := int32(len(c.pats))
			c.pats = append(c.pats, p)
			c.patEntry = append(c.patEntry, int32(i))
			for _, w := range p.anchorWords {
				id, ok := anchorID[w]
				if !ok {
					id = int32(len(anchors))
					anchorID[w] = id
					anchors = append(anchors, w)
					c.anchorPats = append(c.anchorPats, nil)
					c.anchorBefore = append(c.anchorBefore, 0)
					c.anchorAfter = append(c.anchorAfter, 0)
					c.anchorExact = append(c.anchorExact, true)
				}
				if p.anchorCut[w] {
					c.anchorExact[id] = false
				}
				c.anchorPats[id] = append(c.anchorPats[id], pi)
				c.anchorBefore[id] = max(c.anchorBefore[id], p.maxBefore)
				c.anchorAfter[id] = max(c.anchorAfter[id], p.maxLen)
			}
		}
		c.entries = append(c.entries, ce)
	}
	c.anchorWords = anchors
	for _, w := range anchors {
		c.maxAnchorLen = max(c.maxAnchorLen, len(w))
	}
	a, err := newAutomaton(anchors)
	if err != nil {
		return nil, err
	}
	c.scan = a
	c.pool.New = func() any { return new(scratch) }
	return c, nil
}

// Lexicon returns the lexicon the checker was built from.
func (c *Checker) Lexicon() *Lexicon { return c.lex }

// Anchors returns the literal words the automaton looks for: every match
// contains one of them as a whole word.
func (c *Checker) Anchors() []string {
	return append([]string(nil), c.anchorWords...)
}

// candidate is a match of one pattern before context rules.
type candidate struct {
	entry      int32
	start, end int
}

// Check returns the findings in text. Text that is not valid UTF-8 is
// checked as it is; offsets always fall on boundaries of the text's runes.
// Texts of parallelMinBytes or more are scanned by up to GOMAXPROCS
// goroutines; the result is the same as with one.
func (c *Checker) Check(text string) []Finding {
	workers := 1
	if len(text) >= parallelMinBytes {
		workers = runtime.GOMAXPROCS(0)
	}
	return c.CheckWorkers(text, workers)
}

// parallelMinBytes is the text size from which Check scans in parallel.
const parallelMinBytes = 4 << 20

// CheckWorkers is Check with the text's candidate search split between the
// given number of goroutines (at least one). The findings do not depend on
// the number.
func (c *Checker) CheckWorkers(text string, workers int) []Finding {
	workers = max(1, min(workers, len(text)/(64<<10)+1))
	sc := c.pool.Get().(*scratch)
	defer c.pool.Put(sc)
	if workers == 1 {
		return c.finish(text, c.candidates(text, 0, len(text), sc, nil), sc)
	}
	parts := make([][]candidate, workers)
	var wg sync.WaitGroup
	step := len(text)/workers + 1
	for w := 0; w < workers; w++ {
		lo, hi := min(len(text), w*step), min(len(text), (w+1)*step)
		wg.Add(1)
		go func() {
			defer wg.Done()
			wsc := c.pool.Get().(*scratch)
			parts[w] = c.candidates(text, lo, hi, wsc, nil)
			c.pool.Put(wsc)
		}()
	}
	wg.Wait()
	var cands []candidate
	for _, p := range parts {
		cands = append(cands, p...)
	}
	return c.finish(text, cands, sc)
}

// candidates returns the pattern matches anchored on words that start in
// text[lo:hi]; the matches themselves may extend beyond.
func (c *Checker) candidates(text string, lo, hi int, sc *scratch, cands []candidate) []candidate {
	var ends []int
	var nb neighbours
	scanEnd := min(len(text), hi+c.maxAnchorLen)
	c.scan.scan(text[lo:scanEnd], func(start int, anchor int32) {
		start += lo
		if start >= hi {
			return
		}
		if start > 0 && text[start-1] < utf8.RuneSelf && asciiWord[text[start-1]] {
			return // inside a word: the common case, rejected cheaply
		}
		if !isTokenStart(text, start) {
			return
		}
		end := wordEnd(text, start)
		if c.anchorExact[anchor] && end != start+len(c.anchorWords[anchor]) {
			return
		}
		if !c.neighboursMayMatch(text, start, end, anchor, &nb) {
			return
		}
		// Walk back over the words a match could begin with.
		from, back := start, 0
		for back < c.anchorBefore[anchor] {
			p, ok := prevTokenStart(text, from)
			if !ok {
				break
			}
			from, back = p, back+1
		}
		sc.toks, sc.arena = sc.toks[:0], sc.arena[:0]
		sc.start(text, from, len(text), back+1+c.anchorAfter[anchor], true)
		hit := back
		if !sc.has(hit) || sc.toks[hit].start != start {
			return
		}
		for _, pi := range c.anchorPats[anchor] {
			p := c.pats[pi]
			for s := max(0, hit-p.maxBefore); s <= hit; s++ {
				ends = p.ends(sc, s, ends[:0])
				if e := maxInt(ends); e > hit {
					cands = append(cands, candidate{c.patEntry[pi], sc.toks[s].start, sc.toks[e-1].end})
				}
			}
		}
	})
	return cands
}

// neighbours caches the words around one candidate.
type neighbours struct {
	prev, next         []byte
	havePrev, haveNext bool
	prevOK, nextOK     bool
}

// neighboursMayMatch reports whether any pattern anchored on anchor could
// match around the word text[start:end], judging only by the words just
// before and after it. It never rejects a candidate the full match accepts.
func (c *Checker) neighboursMayMatch(text string, start, end int, anchor int32, nb *neighbours) bool {
	nb.havePrev, nb.haveNext = false, false
	for _, pi := range c.anchorPats[anchor] {
		p := c.pats[pi]
		if p.prev == nil && p.next == nil {
			return true
		}
		if p.prev != nil {
			if !nb.havePrev {
				nb.havePrev = true
				ps, ok := prevTokenStart(text, start)
				nb.prevOK = ok
				if ok {
					nb.prev = appendNorm(nb.prev[:0], text[ps:wordEnd(text, ps)])
				}
			}
			if !nb.prevOK || !anyMatch(p.prev, nb.prev) {
				continue
			}
		}
		if p.next != nil {
			if !nb.haveNext {
				nb.haveNext = true
				ns, ok := nextTokenStart(text, end)
				nb.nextOK = ok
				if ok {
					nb.next = appendNorm(nb.next[:0], text[ns:wordEnd(text, ns)])
				}
			}
			if !nb.nextOK || !anyMatch(p.next, nb.next) {
				continue
			}
		}
		return true
	}
	return false
}

func anyMatch(ms []wordMatcher, w []byte) bool {
	for i := range ms {
		if ms[i].match(w) {
			return true
		}
	}
	return false
}

// checkSlow is the reference implementation: every pattern at every word.
func (c *Checker) checkSlow(text string) []Finding {
	sc := new(scratch)
	sc.tokenize(text, 0, len(text), -1, false)
	var cands []candidate
	var ends []int
	for pi, p := range c.pats {
		for s := range sc.toks {
			ends = p.ends(sc, s, ends[:0])
			if e := maxInt(ends); e > s {
				cands = append(cands, candidate{c.patEntry[pi], sc.toks[s].start, sc.toks[e-1].end})
			}
		}
	}
	return c.finish(text, cands, new(scratch))
}

func maxInt(xs []int) int {
	m := -1
	for _, x := range xs {
		m = max(m, x)
	}
	return m
}

// finish selects, per entry, the leftmost-longest non-overlapping candidates,
// applies the context rules and builds sorted findings.
func (c *Checker) finish(text string, cands []candidate, sc *scratch) []Finding {
	if len(cands) == 0 {
		return nil
	}
	sort.Slice(cands, func(i, j int) bool {
		a, b := cands[i], cands[j]
		if a.entry != b.entry {
			return a.entry < b.entry
		}
		if a.start != b.start {
			return a.start < b.start
		}
		return a.end > b.end
	})
	var out []Finding
	lastEntry, lastEnd := int32(-1), 0
	for _, m := range cands {
		if m.entry == lastEntry && m.start < lastEnd {
			continue
		}
		lastEntry, lastEnd = m.entry, m.end
		e := &c.entries[m.entry]
		if c.suppressed(text, e, m.start, m.end, sc) {
			continue
		}
		out = append(out, Finding{
			Start: m.start, End: m.end, Text: text[m.start:m.end],
			EntryID: e.ID, Category: e.Category, Why: e.Why,
			Alternatives: append([]string(nil), e.Alternatives...),
			Sources:      append([]Source(nil), e.sources...),
		})
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Start != b.Start {
			return a.Start < b.Start
		}
		if a.End != b.End {
			return a.End > b.End
		}
		return a.EntryID < b.EntryID
	})
	setLineCol(text, out)
	return out
}

// setLineCol fills Line and Column of sorted findings in one pass over the
// text: newlines are counted between findings, and runes only from the start
// of the line or from the previous finding on the same line.
func setLineCol(text string, fs []Finding) {
	line, pos, col := 1, 0, 1
	for i := range fs {
		seg := text[pos:fs[i].Start]
		if n := strings.Count(seg, "\n"); n > 0 {
			line += n
			last := strings.LastIndexByte(seg, '\n')
			seg = seg[last+1:]
			col = 1
		}
		col += utf8.RuneCountInString(seg)
		pos = fs[i].Start
		fs[i].Line, fs[i].Column = line, col
	}
}

// suppressed applies the context rules to a match at text[start:end].
func (c *Checker) suppressed(text string, e *checkEntry, start, end int, sc *scratch) bool {
	from := start - ctxBytesBefore
	if from <= 0 {
		from = 0
	} else {
		for from < start && !utf8.RuneStart(text[from]) {
			from++
		}
		for from < start && !isTokenStart(text, from) {
			from++
		}
	}
	sc.toks, sc.arena = sc.toks[:0], sc.arena[:0]
	sc.tokenize(text, from, min(len(text), end+ctxBytesAfter), -1, false)
	toks := sc.toks
	mi, mj := -1, len(toks)
	for i, t := range toks {
		if t.start == start {
			mi = i
		}
		if t.start >= end {
			mj = i
			break
		}
	}
	if mi < 0 {
		return false
	}
	// The sentence around the match, and the sentence after it.
	ss := mi
	for ss > 0 && ss > mi-ctxWords && !toks[ss].termBefore {
		ss--
	}
	se := mj
	for se < len(toks) && se < mj+ctxWords && !toks[se].termBefore {
		se++
	}
	ne := se
	if ne < len(toks) {
		ne++
		for ne < len(toks) && ne < se+ctxWords && !toks[ne].termBefore {
			ne++
		}
	}
	sent := &scratch{toks: toks[:se], arena: sc.arena, done: true}
	next := &scratch{toks: toks[:ne], arena: sc.arena, done: true}
	var ends []int
	// endsIn reports whether p matches from a start in [s0, s1) with an end in [e0, e1].
	try := func(v *scratch, p *pattern, s, e0, e1 int) bool {
		ends = p.ends(v, s, ends[:0])
		for _, x := range ends {
			if x >= e0 && x <= e1 {
				return true
			}
		}
		return false
	}
	endsIn := func(v *scratch, p *pattern, s0, s1, e0, e1 int) bool {
		s0 = max(s0, ss)
		s1 = min(s1, len(v.toks))
		if len(p.anchorWords) == 0 {
			for s := s0; s < s1; s++ {
				if try(v, p, s, e0, e1) {
					return true
				}
			}
			return false
		}
		// Only starts from which the anchor word can be reached.
		for k := s0; k < s1+p.maxLen && k < len(v.toks); k++ {
			if !p.isAnchor(v.word(v.toks[k])) {
				continue
			}
			for s := max(s0, k-p.maxBefore); s <= k && s < s1; s++ {
				if try(v, p, s, e0, e1) {
					return true
				}
			}
		}
		return false
	}
	for _, p := range c.negation {
		if endsIn(sent, p, mi-p.maxLen, mi, mi, mi) {
			return true
		}
	}
	for _, p := range e.before {
		if endsIn(sent, p, mi-e.window-p.maxLen, mi, mi-e.window, mi) {
			return true
		}
	}
	for _, p := range e.after {
		if endsIn(sent, p, mj, mj+e.window+1, mj, se) {
			return true
		}
	}
	for _, p := range c.reject {
		if endsIn(sent, p, ss, se, ss, se) {
			return true
		}
	}
	reported := false
	for _, p := range c.reporting {
		if endsIn(sent, p, ss, mi, ss, mi) {
			reported = true
			break
		}
	}
	if reported {
		for _, p := range c.concern {
			if endsIn(next, p, mj, ne, mj, ne) {
				return true
			}
		}
	}
	return false
}
