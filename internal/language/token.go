package language

import (
	"unicode"
	"unicode/utf8"
)

// Limits that keep matching local: a phrase never spans a gap longer than
// maxGapBytes, and a word matched by a wildcard or a literal is at most
// maxWordBytes long. They bound the text the checker looks at around each
// candidate, which is what makes checking time linear in the text's length.
const (
	maxGapBytes  = 64
	maxWordBytes = 40
)

// token is one word of the text: a run of letters, digits and marks, with
// apostrophes allowed between letters ("won't", "child’s").
type token struct {
	start, end int // byte offsets of the word in the text
	ns, ne     int // offsets of the normalised word in the scratch arena
	// Properties of the gap between the previous token and this one.
	hardBefore  bool // the gap cannot lie inside a phrase
	termBefore  bool // the gap ends a sentence
	quoteBefore bool // the gap holds a quotation mark
}

// scratch holds buffers reused across one Check call.
type scratch struct {
	toks  []token
	arena []byte
	// Tokenizer state (see start and more).
	text                  string
	pos, to, limit, count int
	prevEnd               int
	stopAtHard, done      bool
}

func (s *scratch) word(t token) []byte { return s.arena[t.ns:t.ne] }

func isWordRune(r rune) bool {
	if r < utf8.RuneSelf {
		return asciiWord[r]
	}
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r)
}

func isApostrophe(r rune) bool {
	switch r {
	case '\'', '’', '‘', 'ʼ', '`', '′':
		return true
	}
	return false
}

func isQuote(r rune) bool {
	switch r {
	case '\'', '"', '`', '‘', '’', '“', '”', '„', '«', '»', '‹', '›', '′', '″', 'ʼ':
		return true
	}
	return false
}

// isSoftGapRune reports whether r may appear between two words of a phrase:
// white space (line breaks included), quotation marks, hyphens and dashes,
// commas, brackets, slashes and invisible formatting characters.
func isSoftGapRune(r rune) bool {
	if isQuote(r) || unicode.IsSpace(r) {
		return true
	}
	switch r {
	case '-', '‐', '‑', '‒', '–', '—', '―', '−', ',', '(', ')', '[', ']', '/',
		'\u200b', '\u200c', '\u200d', '\u2060', '\ufeff', '\u00ad':
		return true
	}
	return false
}

func isTerminator(r rune) bool {
	switch r {
	case '.', '!', '?', ';', '…', '。':
		return true
	}
	return false
}

var asciiWord = func() (t [utf8.RuneSelf]bool) {
	for c := '0'; c <= '9'; c++ {
		t[c] = true
	}
	for c := 'a'; c <= 'z'; c++ {
		t[c] = true
		t[c-'a'+'A'] = true
	}
	return t
}()

// gapInfo classifies the bytes text[a:b] between two words.
func gapInfo(text string, a, b int) (hard, term, quote bool) {
	if b-a > maxGapBytes {
		hard = true
	}
	newlines := 0
	for i := a; i < b; {
		r, n := rune(text[i]), 1
		if r >= utf8.RuneSelf {
			r, n = utf8.DecodeRuneInString(text[i:])
		}
		i += n
		if r == '\n' {
			newlines++
			if newlines >= 2 {
				hard, term = true, true
			}
			continue
		}
		if isTerminator(r) {
			hard, term = true, true
			continue
		}
		if isQuote(r) {
			quote = true
		}
		if !isSoftGapRune(r) {
			hard = true
		}
	}
	return hard, term, quote
}

// wordEnd returns the end of the word that starts at i.
func wordEnd(text string, i int) int {
	for i < len(text) {
		c := text[i]
		if c < utf8.RuneSelf {
			if asciiWord[c] {
				i++
				continue
			}
			if c == '\'' || c == '`' {
				if next, ok := runeAt(text, i+1); ok && isWordRune(next) {
					i++
					continue
				}
			}
			return i
		}
		r, n := utf8.DecodeRuneInString(text[i:])
		if isWordRune(r) {
			i += n
			continue
		}
		if isApostrophe(r) {
			if next, ok := runeAt(text, i+n); ok && isWordRune(next) {
				i += n
				continue
			}
		}
		return i
	}
	return i
}

func runeAt(text string, i int) (rune, bool) {
	if i >= len(text) {
		return 0, false
	}
	c := text[i]
	if c < utf8.RuneSelf {
		return rune(c), true
	}
	r, _ := utf8.DecodeRuneInString(text[i:])
	return r, true
}

// isTokenStart reports whether a word starts at byte offset i.
func isTokenStart(text string, i int) bool {
	r, ok := runeAt(text, i)
	if !ok || !isWordRune(r) {
		return false
	}
	if i == 0 {
		return true
	}
	prev, n := utf8.DecodeLastRuneInString(text[:i])
	if isWordRune(prev) {
		return false
	}
	if isApostrophe(prev) && i-n > 0 {
		pp, _ := utf8.DecodeLastRuneInString(text[:i-n])
		return !isWordRune(pp)
	}
	return true
}

// prevTokenStart returns the start of the word before the word that starts at
// i, if the gap between them is soft and that word is short enough to be part
// of a phrase. It agrees with tokenize about where words start.
func prevTokenStart(text string, i int) (int, bool) {
	j := i
	for j > 0 {
		r, n := utf8.DecodeLastRuneInString(text[:j])
		if isWordRune(r) {
			break
		}
		j -= n
		if i-j > maxGapBytes {
			return 0, false
		}
	}
	if j == 0 {
		return 0, false
	}
	if hard, _, _ := gapInfo(text, j, i); hard {
		return 0, false
	}
	end, k := j, j
	for k > 0 && end-k <= maxWordBytes {
		r, n := utf8.DecodeLastRuneInString(text[:k])
		if isWordRune(r) {
			k -= n
			continue
		}
		if isApostrophe(r) && k-n > 0 {
			pr, _ := utf8.DecodeLastRuneInString(text[:k-n])
			if next, ok := runeAt(text, k); ok && isWordRune(pr) && isWordRune(next) {
				k -= n
				continue
			}
		}
		break
	}
	if end-k > maxWordBytes || !isTokenStart(text, k) || wordEnd(text, k) != end {
		return 0, false
	}
	return k, true
}

// nextTokenStart returns the start of the word after a word that ends at i,
// if the gap between them is soft.
func nextTokenStart(text string, i int) (int, bool) {
	j := i
	for j < len(text) && j-i <= maxGapBytes {
		r, n := utf8.DecodeRuneInString(text[j:])
		if isWordRune(r) {
			if hard, _, _ := gapInfo(text, i, j); hard {
				return 0, false
			}
			return j, true
		}
		j += n
	}
	return 0, false
}

// tokenize appends to s.toks the words of text from byte offset from (a word
// start or a gap), stopping before a word that starts at or after to, after
// limit words (limit < 0: no limit), and, if stopAtHard, before the first word
// after a hard gap. With lazy set, it only prepares: words are then added on
// demand by has.
func (s *scratch) tokenize(text string, from, to, limit int, stopAtHard bool) {
	s.start(text, from, to, limit, stopAtHard)
	for s.more() {
	}
}

func (s *scratch) start(text string, from, to, limit int, stopAtHard bool) {
	s.text, s.pos, s.to, s.limit, s.stopAtHard, s.count, s.done = text, from, to, limit, stopAtHard, 0, false
	s.prevEnd = -1
	if from > 0 {
		j := from
		for j > 0 && from-j <= maxGapBytes {
			r, n := utf8.DecodeLastRuneInString(text[:j])
			if isWordRune(r) {
				s.prevEnd = j
				break
			}
			j -= n
		}
	}
}

// has reports whether token k exists, tokenizing further if needed.
func (s *scratch) has(k int) bool {
	for k >= len(s.toks) {
		if !s.more() {
			return false
		}
	}
	return true
}

// more tokenizes one more word; it returns false when there are no more.
func (s *scratch) more() bool {
	if s.done {
		return false
	}
	text := s.text
	for i := s.pos; i < len(text) && i < s.to; {
		c := text[i]
		r, n := rune(c), 1
		if c >= utf8.RuneSelf {
			r, n = utf8.DecodeRuneInString(text[i:])
		}
		if !isWordRune(r) {
			i += n
			continue
		}
		if s.limit >= 0 && s.count >= s.limit {
			break
		}
		e := wordEnd(text, i)
		t := token{start: i, end: e}
		if s.prevEnd < 0 {
			// Start of the text, or more than maxGapBytes of gap: a boundary.
			t.hardBefore, t.termBefore = true, true
			_, _, t.quoteBefore = gapInfo(text, max(0, i-maxGapBytes), i)
		} else {
			t.hardBefore, t.termBefore, t.quoteBefore = gapInfo(text, s.prevEnd, i)
		}
		if s.stopAtHard && t.hardBefore && s.count > 0 {
			break
		}
		t.ns = len(s.arena)
		s.arena = appendNorm(s.arena, text[i:e])
		t.ne = len(s.arena)
		s.toks = append(s.toks, t)
		s.count++
		s.prevEnd = e
		s.pos = e
		return true
	}
	s.done = true
	return false
}

// appendNorm appends the lower-case form of w with apostrophes made straight.
func appendNorm(dst []byte, w string) []byte {
	for i := 0; i < len(w); {
		c := w[i]
		if c < utf8.RuneSelf {
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			} else if c == '`' {
				c = '\''
			}
			dst = append(dst, c)
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(w[i:])
		i += n
		if isApostrophe(r) {
			dst = append(dst, '\'')
			continue
		}
		dst = utf8.AppendRune(dst, unicode.ToLower(r))
	}
	return dst
}
