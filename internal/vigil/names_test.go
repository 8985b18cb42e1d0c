package vigil

import (
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vigilcp/vigil/internal/language"
)

func TestJaroWinkler(t *testing.T) {
	// The textbook values (Winkler 1990; the Wikipedia article).
	for _, tc := range []struct {
		a, b string
		want float64
	}{
		{"martha", "marhta", 0.961}, {"dwayne", "duane", 0.840}, {"dixon", "dicksonx", 0.813},
		{"smith", "smith", 1}, {"", "", 1}, {"abc", "", 0}, {"abc", "xyz", 0},
		{"crate", "trace", 0.733}, // Jaro alone: no common start
	} {
		if got := JaroWinkler(tc.a, tc.b); math.Abs(got-tc.want) > 0.0015 {
			t.Errorf("JaroWinkler(%q, %q) = %.4f, want %.3f", tc.a, tc.b, got, tc.want)
		}
		if JaroWinkler(tc.a, tc.b) != JaroWinkler(tc.b, tc.a) && tc.a != "crate" {
			t.Errorf("JaroWinkler(%q, %q) is not symmetric", tc.a, tc.b)
		}
	}
}

func TestNameTokens(t *testing.T) {
	for _, tc := range []struct {
		in   []string
		want []string
	}{
		{[]string{"O'Brien"}, []string{"obrien"}},
		{[]string{"Smith-Jones"}, []string{"smith", "jones"}},
		{[]string{"  Mary  Ann ", "Wiśniewski"}, []string{"mary", "ann", "wisniewski"}},
		{[]string{"Zoë", "Lizzie, Beth"}, []string{"zoe", "lizzie", "beth"}},
		{[]string{"D’Souza"}, []string{"dsouza"}},
		{[]string{"Ørsted Æsir"}, []string{"orsted", "aesir"}},
		{[]string{"123", ""}, nil},
	} {
		if got := NameTokens(tc.in...); !slices.Equal(got, tc.want) {
			t.Errorf("NameTokens(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestPhoneticKey(t *testing.T) {
	// Standard American Soundex where no spelling rule applies.
	for in, want := range map[string]string{
		"robert": "#R163", "rupert": "#R163", "ashcraft": "#A261", "tymczak": "#T522", "pfister": "#P236",
		"lee": "#L000", "smith": "#S530",
	} {
		if got := PhoneticKey(in); got != want {
			t.Errorf("PhoneticKey(%q) = %q, want %q", in, got, want)
		}
	}
	same := [][2]string{{"smith", "smyth"}, {"catherine", "kathryn"}, {"philip", "filip"}, {"aisha", "ayesha"},
		{"muhammad", "mohammed"}, {"jayden", "jaden"}, {"knight", "night"}, {"wright", "right"}, {"hussain", "husain"},
		{"ellie", "ali"}}
	for _, p := range same {
		if PhoneticKey(p[0]) != PhoneticKey(p[1]) {
			t.Errorf("%s (%s) and %s (%s) should sound alike", p[0], PhoneticKey(p[0]), p[1], PhoneticKey(p[1]))
		}
	}
	for _, p := range [][2]string{{"smith", "jones"}, {"jordan", "jayden"}, {"khan", "shah"}} {
		if PhoneticKey(p[0]) == PhoneticKey(p[1]) {
			t.Errorf("%s and %s should not sound alike (%s)", p[0], p[1], PhoneticKey(p[0]))
		}
	}
	if PhoneticKey("") != "" || PhoneticKey("Élan") != "" {
		t.Error("PhoneticKey of something not a token should be empty")
	}
}

func TestNameKeys(t *testing.T) {
	keys := NameKeys("Elizabeth Anne", "Smith-Jones", "Lizzie")
	for _, want := range []string{"elizabeth", "anne", "smith", "jones", "lizzie", "#S530", "#J520", PhoneticKey("elizabeth")} {
		if !slices.Contains(keys, want) {
			t.Errorf("keys %q lack %q", keys, want)
		}
	}
	if !slices.IsSorted(keys) || len(slices.Compact(slices.Clone(keys))) != len(keys) {
		t.Errorf("keys %q are not sorted and unique", keys)
	}
	if got := NameKeys("J", "O'Brien", ""); !slices.Equal(got, []string{"#A165", "obrien"}) {
		t.Errorf("initials should give no key, and apostrophes join: %q", got)
	}
	// A short form finds its full name through a shared key.
	share := func(a, b []string) bool {
		return slices.ContainsFunc(a, func(k string) bool { return slices.Contains(b, k) })
	}
	for _, p := range [][2][2]string{
		{{"Liz", "Smyth"}, {"Elizabeth", "Smith"}}, {{"Mo", "Khan"}, {"Muhammad", "Kahn"}},
		{{"Kate", "Nowak"}, {"Kathryn", "Novak"}}, {{"Sasha", "Grant"}, {"Alex", "Grant"}},
	} {
		a, b := NameKeys(p[0][0], p[0][1], ""), NameKeys(p[1][0], p[1][1], "")
		given := NameKeys(p[0][0], "", "")
		if !share(given, NameKeys(p[1][0], "", "")) {
			t.Errorf("%s and %s share no given-name key: %q, %q", p[0][0], p[1][0], given, NameKeys(p[1][0], "", ""))
		}
		if !share(a, b) {
			t.Errorf("%v and %v share no key", p[0], p[1])
		}
	}
	if share(NameKeys("Olivia", "", ""), NameKeys("Harper", "", "")) {
		t.Error("Olivia and Harper share a key")
	}
}

func TestSearchKeys(t *testing.T) {
	got := SearchKeys("Liz", "Smyth", "Liz")
	want := []SearchKey{{"liz", 0, KeyWeightToken}, {"#L200", 0, KeyWeightSound}, {"elizabeth", 0, KeyWeightFullForm},
		{"smyth", 1, KeyWeightToken}, {"#S530", 1, KeyWeightSound}}
	if !slices.Equal(got, want) {
		t.Errorf("SearchKeys = %v, want %v", got, want)
	}
	// The same keys as NameKeys.
	var keys []string
	for _, k := range SearchKeys("Elizabeth Anne", "Smith-Jones", "Lizzie, J") {
		keys = append(keys, k.Key)
	}
	slices.Sort(keys)
	if !slices.Equal(slices.Compact(keys), NameKeys("Elizabeth Anne", "Smith-Jones", "Lizzie, J")) {
		t.Errorf("SearchKeys and NameKeys disagree: %q", keys)
	}
}

func TestSameName(t *testing.T) {
	yes := [][2]string{{"liz", "elizabeth"}, {"beth", "lizzie"}, {"kate", "catherine"}, {"katherine", "kathryn"},
		{"jack", "john"}, {"liam", "william"}, {"bill", "will"}, {"alex", "alexandra"}, {"sasha", "alexander"},
		{"mo", "mohammed"}, {"mohamed", "muhammad"}, {"aisha", "ayesha"}, {"jaden", "jayden"}, {"kuba", "jakub"}}
	for _, p := range yes {
		if !sameName(p[0], p[1]) || !sameName(p[1], p[0]) {
			t.Errorf("%s and %s should be forms of one name", p[0], p[1])
		}
	}
	for _, p := range [][2]string{{"alexander", "alexandra"}, {"john", "jonathan"}, {"harry", "henry"}, {"liam", "jack"}} {
		if sameName(p[0], p[1]) {
			t.Errorf("%s and %s should not be forms of one name", p[0], p[1])
		}
	}
}

func date(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

func TestMatchChild(t *testing.T) {
	elizabeth := Child{GivenName: "Elizabeth", FamilyName: "Smith", DateOfBirth: date(2010, 3, 4)}
	for _, tc := range []struct {
		name   string
		q      ChildQuery
		c      Child
		match  bool
		reason string // one of the reasons, when not ""
	}{
		{"short form and misspelt family name", ChildQuery{GivenName: "Liz", FamilyName: "Smyth", DateOfBirth: date(2010, 3, 4)},
			elizabeth, true, "Given name is a short form or other spelling of the same name"},
		{"names the other way round", ChildQuery{GivenName: "Smith", FamilyName: "Elizabeth", DateOfBirth: date(2010, 3, 4)},
			elizabeth, true, "Names match the other way round"},
		{"day and month swapped", ChildQuery{GivenName: "Elizabeth", FamilyName: "Smith", DateOfBirth: date(2010, 4, 3)},
			elizabeth, true, "Date of birth with the day and month swapped"},
		{"one digit wrong", ChildQuery{GivenName: "Beth", FamilyName: "Smith", DateOfBirth: date(2010, 3, 14)},
			elizabeth, true, "Date of birth one digit different"},
		{"no date of birth", ChildQuery{GivenName: "Lizzie", FamilyName: "Smyth"}, elizabeth, true, "Date of birth not known"},
		{"same names, born the year after", ChildQuery{GivenName: "Elizabeth", FamilyName: "Smith", DateOfBirth: date(2011, 1, 20)},
			elizabeth, true, "Born within a year of the date given"},
		{"same names, born years apart: another child", ChildQuery{GivenName: "Elizabeth", FamilyName: "Smith", DateOfBirth: date(2014, 9, 30)},
			elizabeth, false, "Date of birth different"},
		{"same family name, another child", ChildQuery{GivenName: "Emily", FamilyName: "Smith", DateOfBirth: date(2012, 7, 19)},
			elizabeth, false, "Different given name"},
		{"a twin: same family name and birthday", ChildQuery{GivenName: "Emily", FamilyName: "Smith", DateOfBirth: date(2010, 3, 4)},
			elizabeth, false, "Same date of birth"},
		{"family name only, no date", ChildQuery{FamilyName: "Smith"}, elizabeth, false, "No given name in the search"},
		{"family name and date of birth", ChildQuery{FamilyName: "Smith", DateOfBirth: date(2010, 3, 4)}, elizabeth, true, "Same family name"},
		{"Mohammed and Muhammad", ChildQuery{GivenName: "Mohammed", FamilyName: "Khan", DateOfBirth: date(2009, 11, 2)},
			Child{GivenName: "Muhammad", FamilyName: "Khan", DateOfBirth: date(2009, 11, 2)}, true, "Same family name"},
		{"Mo Kahn, no date", ChildQuery{GivenName: "Mo", FamilyName: "Kahn"},
			Child{GivenName: "Muhammad", FamilyName: "Khan", DateOfBirth: date(2009, 11, 2)}, true, "Family name is spelt or sounds alike"},
		{"Ayesha Begam", ChildQuery{GivenName: "Ayesha", FamilyName: "Begam", DateOfBirth: date(2011, 6, 1)},
			Child{GivenName: "Aisha", FamilyName: "Begum", DateOfBirth: date(2011, 6, 1)}, true, ""},
		{"Jaden and Jayden", ChildQuery{GivenName: "Jaden", FamilyName: "Okafor", DateOfBirth: date(2012, 2, 29)},
			Child{GivenName: "Jayden", FamilyName: "Okafor", DateOfBirth: date(2012, 2, 29)}, true, ""},
		{"Jordan is not Jayden", ChildQuery{GivenName: "Jordan", FamilyName: "Price", DateOfBirth: date(2012, 2, 29)},
			Child{GivenName: "Jayden", FamilyName: "Price", DateOfBirth: date(2012, 2, 29)}, false, ""},
		{"accents and a short form", ChildQuery{GivenName: "Kate", FamilyName: "Wisniewski", DateOfBirth: date(2008, 12, 1)},
			Child{GivenName: "Katherine", FamilyName: "Wiśniewski", DateOfBirth: date(2008, 12, 1)}, true, "Same family name"},
		{"known by another name", ChildQuery{GivenName: "Precious", FamilyName: "Okafor", DateOfBirth: date(2010, 1, 5)},
			Child{GivenName: "Amara", FamilyName: "Okafor", OtherNames: "Precious", DateOfBirth: date(2010, 1, 5)}, true,
			"Same given name (one of their other names)"},
		{"double-barrelled", ChildQuery{GivenName: "Poppy", FamilyName: "Smith-Jones", DateOfBirth: date(2013, 5, 5)},
			Child{GivenName: "Poppy", FamilyName: "Jones", DateOfBirth: date(2013, 5, 5)}, true, ""},
		{"an initial", ChildQuery{GivenName: "J", FamilyName: "Walker", DateOfBirth: date(2011, 8, 8)},
			Child{GivenName: "Jack", FamilyName: "Walker", DateOfBirth: date(2011, 8, 8)}, true, "Given name matches an initial"},
		{"sounds alike is not enough", ChildQuery{GivenName: "Sandy", FamilyName: "Okafor", DateOfBirth: date(2011, 8, 8)},
			Child{GivenName: "Smith", FamilyName: "Okafor", DateOfBirth: date(2011, 8, 8)}, false, ""},
	} {
		score, why := MatchChild(tc.q, tc.c)
		if got := score >= PossibleMatch; got != tc.match {
			t.Errorf("%s: score %.3f (%q); possible match %v, want %v", tc.name, score, why, got, tc.match)
		}
		if tc.reason != "" && !slices.Contains(why, tc.reason) {
			t.Errorf("%s: reasons %q lack %q", tc.name, why, tc.reason)
		}
		if score < 0 || score > 1 {
			t.Errorf("%s: score %v out of range", tc.name, score)
		}
	}
}

func TestTokenLikeness(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		how  int
	}{
		{"smith", "smith", nameSame}, {"liz", "elizabeth", nameVariant}, {"smyth", "smith", nameSimilar},
		{"brown", "braun", nameSimilar}, {"begum", "begam", nameSimilar}, {"hussain", "hossain", nameSimilar},
		{"j", "jack", nameInitial}, {"k", "jack", nameNone}, {"jones", "james", nameNone}, {"sandy", "smith", nameNone},
		{"harper", "harvey", nameNone}, {"jordan", "jayden", nameNone},
	} {
		s, how := tokenLikeness(tc.a, tc.b)
		if how != tc.how || (how == nameNone) != (s == 0) || s < 0 || s > 1 {
			t.Errorf("tokenLikeness(%q, %q) = %.3f, %d; want kind %d", tc.a, tc.b, s, how, tc.how)
		}
	}
}

func TestMatchChildRanks(t *testing.T) {
	q := ChildQuery{GivenName: "Liz", FamilyName: "Smith", DateOfBirth: date(2010, 3, 4)}
	score := func(c Child) float64 { s, _ := MatchChild(q, c); return s }
	exact := score(Child{GivenName: "Liz", FamilyName: "Smith", DateOfBirth: date(2010, 3, 4)})
	nick := score(Child{GivenName: "Elizabeth", FamilyName: "Smith", DateOfBirth: date(2010, 3, 4)})
	swapped := score(Child{GivenName: "Smith", FamilyName: "Liz", DateOfBirth: date(2010, 3, 4)})
	transposed := score(Child{GivenName: "Elizabeth", FamilyName: "Smith", DateOfBirth: date(2010, 4, 3)})
	if exact != 1 || !(exact > nick && exact > swapped && nick > transposed) {
		t.Errorf("scores out of order: exact %.3f, short form %.3f, swapped %.3f, short form transposed %.3f", exact, nick, swapped, transposed)
	}
}

func TestWarningMarkers(t *testing.T) {
	c, err := language.NewChecker(language.Default())
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, m := range WarningMarkers {
		if seen[m.Code] || m.Code == "" || m.Label == "" || strings.ToLower(m.Code) != m.Code {
			t.Errorf("marker %+v: codes must be unique lower-case words with a label", m)
		}
		seen[m.Code] = true
		if !ValidWarningMarker(m.Code) || WarningMarkerLabel(m.Code) != m.Label {
			t.Errorf("marker %s is not found by its code", m.Code)
		}
		if fs := c.Check(m.Label); len(fs) > 0 {
			t.Errorf("marker label %q has wording the language checker flags: %q", m.Label, fs[0].Text)
		}
	}
	if ValidWarningMarker("absconder") || WarningMarkerLabel("absconder") != "absconder" {
		t.Error("an unknown marker is accepted")
	}
	for _, want := range []string{"sexual_exploitation", "criminal_exploitation", "self_harm", "medical", "mental_health", "weapons"} {
		if !seen[want] {
			t.Errorf("no %s marker", want)
		}
	}
}

func TestChildQueryValidate(t *testing.T) {
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	checkValidation(t, "names", ChildQuery{GivenName: "Liz"}.Validate(now), nil)
	checkValidation(t, "no name", ChildQuery{OtherNames: "Lizzie", DateOfBirth: date(2010, 1, 1)}.Validate(now), []string{"given_name"})
	checkValidation(t, "future", ChildQuery{FamilyName: "Smith", DateOfBirth: date(2026, 3, 3)}.Validate(now), []string{"date_of_birth"})
	checkValidation(t, "long", ChildQuery{FamilyName: strings.Repeat("a", 101), OtherNames: strings.Repeat("b", 201)}.Validate(now),
		[]string{"family_name", "other_names"})
}

func TestNewChildValidate(t *testing.T) {
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	ok := NewChild{GivenName: "Elizabeth", FamilyName: "Smith", DateOfBirth: date(2010, 3, 4), Sex: SexFemale, LPAID: 1,
		Postcode: "km1 4ab", WarningMarkers: []string{"self_harm", "sexual_exploitation", "self_harm"}, LookedAfter: true,
		PlacingAuthority: "Ashvale Council", Placement: "Foster placement", Carers: "Mr and Mrs Hale"}
	ok.Normalise()
	checkValidation(t, "complete", ok.Validate(now), nil)
	if ok.Postcode != "KM1 4AB" || !slices.Equal(ok.WarningMarkers, []string{"sexual_exploitation", "self_harm"}) {
		t.Errorf("normalised to postcode %q, markers %q", ok.Postcode, ok.WarningMarkers)
	}
	notLooked := ok
	notLooked.LookedAfter = false
	notLooked.Normalise()
	if notLooked.PlacingAuthority != "" || notLooked.Placement != "" || notLooked.Carers != "" {
		t.Errorf("a child not looked after keeps placement details: %+v", notLooked)
	}
	for _, tc := range []struct {
		name   string
		change func(*NewChild)
		want   []string
	}{
		{"no names", func(n *NewChild) { n.GivenName, n.FamilyName = "", "  " }, []string{"given_name", "family_name"}},
		{"no letters", func(n *NewChild) { n.GivenName = "123" }, []string{"given_name"}},
		{"no date of birth", func(n *NewChild) { n.DateOfBirth = time.Time{} }, []string{"date_of_birth"}},
		{"born tomorrow", func(n *NewChild) { n.DateOfBirth = date(2026, 3, 3) }, []string{"date_of_birth"}},
		{"born today", func(n *NewChild) { n.DateOfBirth = date(2026, 3, 2) }, nil},
		{"18 today", func(n *NewChild) { n.DateOfBirth = date(2008, 3, 2) }, []string{"date_of_birth"}},
		{"18 tomorrow", func(n *NewChild) { n.DateOfBirth = date(2008, 3, 3) }, nil},
		{"sex", func(n *NewChild) { n.Sex = "x" }, []string{"sex"}},
		{"no LPA", func(n *NewChild) { n.LPAID = 0 }, []string{"lpa_id"}},
		{"postcode", func(n *NewChild) { n.Postcode = "KM1" }, []string{"postcode"}},
		{"marker", func(n *NewChild) { n.WarningMarkers = []string{"absconder"} }, []string{"warning_markers"}},
		{"placing authority", func(n *NewChild) { n.PlacingAuthority = "" }, []string{"placing_authority"}},
		{"long school", func(n *NewChild) { n.School = strings.Repeat("s", 201) }, []string{"school"}},
	} {
		n := ok
		n.WarningMarkers = slices.Clone(ok.WarningMarkers)
		tc.change(&n)
		n.Normalise()
		checkValidation(t, tc.name, n.Validate(now), tc.want)
	}
	// A change to a record made when the child was 17 may stand now they
	// are 18.
	grown := ok
	grown.DateOfBirth = date(2008, 1, 1)
	checkValidation(t, "grown up since", grown.ValidateChange(now, date(2025, 6, 1)), nil)
	checkValidation(t, "18 when recorded", grown.ValidateChange(now, date(2026, 1, 2)), []string{"date_of_birth"})
}

func TestChildFieldParts(t *testing.T) {
	for _, f := range []string{"address_line", "town", "postcode", "school", "placement", "carers"} {
		if ChildFieldPart(f) != PartAddress {
			t.Errorf("%s should be held back with the address", f)
		}
	}
	for _, f := range []string{"given_name", "warning_markers", "looked_after", "placing_authority", "social_worker"} {
		if ChildFieldPart(f) != PartIdentity {
			t.Errorf("%s should belong to the identity part", f)
		}
	}
	if ChildFieldPart("shared_with") != "" {
		t.Error("a share is no part of the record")
	}
}
