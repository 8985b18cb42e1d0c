package language

import "unicode/utf8"

// wordTrie is the Aho–Corasick goto function (a trie over the anchors, ASCII
// case-folded) walked only from the start of each word. Anchors can only
// begin a candidate at a word start, so the failure links are not needed:
// the scan skips over the rest of each word with one table load per byte and
// walks the trie for the first few letters of each word.
type wordTrie struct {
	next  [][acClasses]int32
	out   [][]int32
	class [256]uint8
}

func newWordTrie(anchors []string) (*wordTrie, error) {
	a, err := newAutomaton(anchors) // validates the anchors
	if err != nil {
		return nil, err
	}
	t := &wordTrie{class: a.class, next: [][acClasses]int32{{}}, out: [][]int32{nil}}
	for id, w := range anchors {
		s := int32(0)
		for i := 0; i < len(w); i++ {
			c := t.class[w[i]]
			if t.next[s][c] == 0 {
				t.next = append(t.next, [acClasses]int32{})
				t.out = append(t.out, nil)
				t.next[s][c] = int32(len(t.next) - 1)
			}
			s = t.next[s][c]
		}
		t.out[s] = append(t.out[s], int32(id))
	}
	return t, nil
}

func (t *wordTrie) scan(text string, emit func(start int, anchor int32)) {
	class := &t.class
	n := len(text)
	for i := 0; i < n; {
		c := text[i]
		if c < utf8.RuneSelf {
			if !asciiWord[c] {
				i++
				continue
			}
		} else if r, size := utf8.DecodeRuneInString(text[i:]); !isWordRune(r) {
			i += size
			continue
		}
		// A word starts at i: the previous rune is neither a letter nor an
		// apostrophe inside a word, because wordEnd consumed those.
		s := int32(0)
		for j := i; j < n; j++ {
			cl := class[text[j]]
			if cl == 0 {
				break
			}
			if s = t.next[s][cl]; s == 0 {
				break
			}
			for _, id := range t.out[s] {
				emit(i, id)
			}
		}
		i = wordEnd(text, i)
	}
}
