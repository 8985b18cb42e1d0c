package password

import (
	"strings"
	"testing"
	"unicode"
)

func TestIsCommonRefuses(t *testing.T) {
	for _, tc := range []struct{ pw, why string }{
		{"password1234", "on the list"},
		{"qwertyuiop123", "on the list"},
		{"iloveyou1234", "'iloveyou' and digits"},
		{"PassWord1234", "on the list, whatever the case"},
		{"Password123!", "'password' and padding"},
		{"!!password!!", "padding at both ends"},
		{"monkey123456", "a 6-letter common password and digits"},
		{"sunshine2024!!", "'sunshine' and a year"},
		{"dragon  1234 ", "spaces count as padding"},
		{"111111111111", "one character repeated"},
		{"............", "one symbol repeated"},
		{"ææææææææææææ", "one non-ASCII letter repeated"},
		{"abababababab", "a short piece repeated"},
		{"passwordpassword", "a common piece repeated"},
		{"123456123456", "a sequence repeated"},
		{"abcdefghijklmnop", "the alphabet"},
		{"zyxwvutsrqpo", "the alphabet backwards"},
		{"xyzabcdefghi", "the alphabet, wrapping"},
		{"123456789012", "the digits, wrapping"},
		{"098765432109", "the digits backwards"},
		{"qwertyuiopas", "the letter keys, row by row"},
		{"QWERTZUIOPASDF", "the German letter keys"},
		{"azertyuiopqsd", "the French letter keys"},
		{"mnbvcxzlkjhgfdsa", "the letter keys backwards"},
		{"2wsx3edc4rfv5tgb", "the keyboard's columns"},
		{"!@#$%^&*()_+", "the shifted number row"},
		{"abcdefgh2024!", "a sequence and padding"},
		{"!123456789012!", "digits between punctuation"},
		{"", "empty"},
		{"x", "one character"},
	} {
		if !IsCommon(tc.pw) {
			t.Errorf("IsCommon(%q) = false, want true (%s)", tc.pw, tc.why)
		}
	}
}

func TestIsCommonAccepts(t *testing.T) {
	for _, tc := range []struct{ pw, why string }{
		{"correct horse battery staple", "a passphrase of common words"},
		{"correcthorsebatterystaple", "the same without spaces"},
		{"Tundra-Lemon-47-Quiver", "words, digits and hyphens"},
		{"correcthorse2024!!", "judged on 'correcthorse', which is not on the list"},
		{"k7#Vq2!mZp9@Lx4$Tw8e", "random, 20 characters"},
		{"hY3nPq8sWd2Rf6Tk", "random letters and digits"},
		{"mandolin quarry velvet", "three words"},
		{"password1234 is not my password", "a common password inside a sentence"},
		{"12monkeys-and-a-goat", "digits only at the start, then words"},
		{"abcdefghijk1qwertyuiop", "two sequences joined"},
		{"Kp9#mQXw2!Kp9#mQXw2!", "a repeated piece of 10 random characters"},
		{"ωμέγα-σίγμα-δέλτα-2024", "Greek words"},
	} {
		if IsCommon(tc.pw) {
			t.Errorf("IsCommon(%q) = true, want false (%s)", tc.pw, tc.why)
		}
	}
}

func TestIsCommonAcceptsRandomPasswords(t *testing.T) {
	for range 500 {
		if pw := Generate(20); IsCommon(pw) {
			t.Errorf("IsCommon(%q) = true for a random password", pw)
		}
	}
}

// Every entry on the list is refused as it stands, and in capitals with a
// year and a '!' after it, even one that ends in digits itself ("zzzzz1").
func TestIsCommonRefusesTheList(t *testing.T) {
	list, _ := commonPasswords()
	for _, pw := range list {
		if !IsCommon(pw) || !IsCommon(strings.ToUpper(pw)+"2024!") {
			t.Fatalf("IsCommon misses %q from the list", pw)
		}
	}
}

func TestCommonList(t *testing.T) {
	list, _ := commonPasswords()
	if len(list) < 10_000 {
		t.Fatalf("the list has %d entries, want at least 10,000", len(list))
	}
	for i, pw := range list {
		switch {
		case pw != strings.ToLower(pw):
			t.Errorf("entry %d, %q, is not lower-case", i+1, pw)
		case len(pw) < minCore:
			t.Errorf("entry %d, %q, is shorter than %d", i+1, pw, minCore)
		case strings.ContainsFunc(pw, unicode.IsSpace):
			t.Errorf("entry %d, %q, holds white space", i+1, pw)
		case i > 0 && list[i-1] >= pw:
			// Strictly increasing: sorted for the binary search, and unique.
			t.Errorf("entry %d, %q, does not sort after %q", i+1, pw, list[i-1])
		}
	}
	if !strings.HasSuffix(commonList, "\n") || strings.Contains(commonList, "\r") {
		t.Error("the list's file must be lines ending in a bare newline")
	}
}

func TestSequencesHaveNoRepeatedByte(t *testing.T) {
	// isSequence looks for only the first place of a byte in a sequence.
	for _, seq := range sequences {
		for i := range len(seq) {
			if strings.IndexByte(seq, seq[i]) != i {
				t.Errorf("sequence %q holds %q twice", seq, seq[i])
			}
		}
	}
}

// IsCommon runs on every sign-up and password change, so it must not slow
// down with the list's size or a long password. This checks that without a
// clock: after the list is loaded, an already lower-case password costs no
// allocation (so no copying of the list or the password), and inputs far
// beyond the 1024-byte limit still finish.
func TestIsCommonIsCheap(t *testing.T) {
	IsCommon("load the list first")
	for _, pw := range []string{"tundra-lemon-47-quiver", "password1234", "111111111111"} {
		if n := testing.AllocsPerRun(100, func() { IsCommon(pw) }); n != 0 {
			t.Errorf("IsCommon(%q) allocates %v times a call, want 0", pw, n)
		}
	}
	// 720,720 has 240 divisors: the worst case for repeatedPiece near this
	// length, since only the last byte breaks the repetition.
	long := strings.Repeat("a", 720_719) + "b"
	if IsCommon(long) {
		t.Error("a long run of 'a' ending in 'b' is not one piece repeated")
	}
	if !IsCommon(strings.Repeat("ab", 1<<19)) {
		t.Error("a long repetition of 'ab' is common")
	}
}
