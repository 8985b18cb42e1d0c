// Package language finds victim-blaming wording in free text about children
// and suggests better words.
//
// The package is pure: it does no file or network I/O and keeps no mutable
// global state. The lexicon built into Vigil (lexicon.json, embedded) is
// returned by Default; a force's changes are applied with Lexicon.With, and a
// Checker compiled from the result finds the wording:
//
//	lex, err := language.Default().With(overrides) // overrides from the DB or a file
//	c, err := language.NewChecker(lex)
//	for _, f := range c.Check(text) {
//		fmt.Println(language.FormatText("notes.txt", f))
//	}
//
// # Matching
//
// Each lexicon entry has patterns in a small word-level pattern language
// (see the comment in pattern.go and the lexicon README section): pronoun and
// inflection slots, optional words, bounded wildcards, hyphenated forms that
// also match with a space or joined, and age slots. Matching ignores case,
// straight versus curly quotes and apostrophes, repeated white space and
// single line breaks inside a phrase.
//
// Every pattern is anchored on one literal word. An Aho–Corasick automaton
// finds the anchors in one pass over the text; the full patterns are tried
// only around those positions, so checking time grows with the text's length
// and not with the lexicon's size.
//
// # Context
//
// A match is not reported when it is negated ("not a lifestyle choice"), when
// its sentence rejects the wording ("children cannot consent", "the term
// 'child prostitute' is no longer used"), when the writer reports what
// someone said and the concern follows ("she described sexual activity;
// however, there are concerns she has been groomed"), or when an entry's own
// exceptions apply ("sexual activity with a child" as an offence name).
package language
