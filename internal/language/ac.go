package language

import "fmt"

// scanner finds every occurrence of the anchor words in a text, ASCII
// case-insensitively, and reports each by the byte offset of its first byte
// and the anchor's index.
type scanner interface {
	scan(text string, emit func(start int, anchor int32))
}

// automaton is an Aho–Corasick automaton compiled to a dense DFA over a
// reduced alphabet: the 26 letters (either case), the 10 digits and one class
// for every other byte. Anchors may only contain lower-case ASCII letters and
// digits. Transitions are stored pre-multiplied by the number of classes, and
// states with output are numbered last, so the inner loop is one table load
// and one comparison per byte.
type automaton struct {
	trans    []uint32
	trans16  []uint16 // the same table when it fits in 16 bits (smaller, faster)
	class    [256]uint8
	firstOut uint32    // pre-multiplied index of the first state with output
	out      [][]int32 // output anchors of each state ≥ firstOut
	lens     []int     // length of each anchor
	nclass   int
	anchors  []string
}

const acClasses = 1 + 26 + 10

func newAutomaton(anchors []string) (*automaton, error) {
	a := &automaton{nclass: acClasses, anchors: anchors}
	for c := 'a'; c <= 'z'; c++ {
		a.class[c] = uint8(1 + c - 'a')
		a.class[c-'a'+'A'] = uint8(1 + c - 'a')
	}
	for c := '0'; c <= '9'; c++ {
		a.class[c] = uint8(27 + c - '0')
	}
	// Trie.
	goTo := [][acClasses]int32{{}}
	outs := [][]int32{nil}
	for id, w := range anchors {
		if w == "" {
			return nil, fmt.Errorf("anchor %d is empty", id)
		}
		s := int32(0)
		for i := 0; i < len(w); i++ {
			b := w[i]
			c := a.class[b]
			if !('a' <= b && b <= 'z' || '0' <= b && b <= '9') {
				return nil, fmt.Errorf("anchor %q: only lower-case ASCII letters and digits are allowed", w)
			}
			if goTo[s][c] == 0 {
				goTo = append(goTo, [acClasses]int32{})
				outs = append(outs, nil)
				goTo[s][c] = int32(len(goTo) - 1)
			}
			s = goTo[s][c]
		}
		outs[s] = append(outs[s], int32(id))
		a.lens = append(a.lens, len(w))
	}
	// Breadth-first failure links, turning goTo into a full DFA.
	n := len(goTo)
	fail := make([]int32, n)
	queue := make([]int32, 0, n)
	for c := 0; c < acClasses; c++ {
		if t := goTo[0][c]; t != 0 {
			queue = append(queue, t)
		}
	}
	for qi := 0; qi < len(queue); qi++ {
		s := queue[qi]
		outs[s] = append(outs[s], outs[fail[s]]...)
		for c := 0; c < acClasses; c++ {
			t := goTo[s][c]
			if t != 0 {
				fail[t] = goTo[fail[s]][c]
				queue = append(queue, t)
			} else {
				goTo[s][c] = goTo[fail[s]][c]
			}
		}
	}
	// Renumber: states without output first.
	order := make([]int32, 0, n)
	for s := 0; s < n; s++ {
		if len(outs[s]) == 0 {
			order = append(order, int32(s))
		}
	}
	first := len(order)
	for s := 0; s < n; s++ {
		if len(outs[s]) != 0 {
			order = append(order, int32(s))
		}
	}
	newID := make([]int32, n)
	for i, s := range order {
		newID[s] = int32(i)
	}
	a.trans = make([]uint32, n*acClasses)
	a.out = make([][]int32, n-first)
	for i, s := range order {
		for c := 0; c < acClasses; c++ {
			a.trans[i*acClasses+c] = uint32(newID[goTo[s][c]]) * acClasses
		}
		if i >= first {
			a.out[i-first] = outs[s]
		}
	}
	a.firstOut = uint32(first * acClasses)
	if len(a.trans) <= 1<<16 {
		a.trans16 = make([]uint16, len(a.trans))
		for i, v := range a.trans {
			a.trans16[i] = uint16(v)
		}
	}
	if newID[0] != 0 {
		return nil, fmt.Errorf("internal error: root state renumbered")
	}
	return a, nil
}

func (a *automaton) scan(text string, emit func(start int, anchor int32)) {
	if a.trans16 != nil {
		a.scan16(text, emit)
		return
	}
	trans, class, first := a.trans, &a.class, a.firstOut
	s := uint32(0)
	for i := 0; i < len(text); i++ {
		s = trans[s+uint32(class[text[i]])]
		if s >= first {
			a.emitAt(s, i, emit)
		}
	}
}

func (a *automaton) scan16(text string, emit func(start int, anchor int32)) {
	trans, class, first := a.trans16, &a.class, uint16(a.firstOut)
	s := uint16(0)
	for i := 0; i < len(text); i++ {
		s = trans[int(s)+int(class[text[i]])]
		if s >= first {
			a.emitAt(uint32(s), i, emit)
		}
	}
}

// emitAt reports the outputs of state s, reached at byte i.
func (a *automaton) emitAt(s uint32, i int, emit func(start int, anchor int32)) {
	if s < a.firstOut {
		return
	}
	for _, id := range a.out[(s-a.firstOut)/acClasses] {
		emit(i+1-a.lens[id], id)
	}
}
