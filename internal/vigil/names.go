package vigil

import (
	"slices"
	"strings"
	"time"
)

// Search before create: a new record about a child first looks for the
// child among those already held, so that one child does not become two.
// Reports give names as they are said: short forms (Liz for Elizabeth),
// other spellings (Smyth, Mohamed), family and given names the other way
// round, and dates of birth with the day and month swapped or one digit
// wrong. NameKeys turns names into search keys a database can index;
// MatchChild scores each candidate those keys (or the date of birth) find.

// WarningMarker is a warning recorded on a child's profile: something
// anyone dealing with the child should know at once.
type WarningMarker struct {
	Code  string `json:"code"`
	Label string `json:"label"`
}

// WarningMarkers are the markers a child's profile may carry, in the order
// forms offer them. The labels avoid the wording the language checker
// flags: a child who goes missing again and again is not an "absconder",
// and a child groomed into crime is a victim of exploitation.
var WarningMarkers = []WarningMarker{
	{"sexual_exploitation", "Child sexual exploitation (CSE) concern"},
	{"criminal_exploitation", "Child criminal exploitation (CCE) concern, including county lines"},
	{"trafficking", "Trafficking or modern slavery concern"},
	{"online_harm", "Online grooming or exploitation concern"},
	{"self_harm", "Self-harm or suicidal thoughts"},
	{"mental_health", "Mental health needs"},
	{"medical", "Medical needs or medication"},
	{"send", "Special educational needs or disability"},
	{"communication", "Needs an interpreter or other communication support"},
	{"substance_misuse", "Drug or alcohol use"},
	{"domestic_abuse", "Domestic abuse at home"},
	{"radicalisation", "Radicalisation concern"},
	{"unaccompanied", "Unaccompanied asylum-seeking child"},
	{"violence", "Risk of violence to others, including officers"},
	{"weapons", "May carry a weapon"},
}

// WarningMarkerLabel is a marker's label, or its code when unknown.
func WarningMarkerLabel(code string) string {
	for _, m := range WarningMarkers {
		if m.Code == code {
			return m.Label
		}
	}
	return code
}

// ValidWarningMarker reports whether code names a warning marker.
func ValidWarningMarker(code string) bool {
	return slices.ContainsFunc(WarningMarkers, func(m WarningMarker) bool { return m.Code == code })
}

// nameVariants groups the short forms and other spellings of names common
// in England and Wales under one usual full form. A name may sit in more
// than one group (Alex is Alexander or Alexandra; Sam is Samuel or
// Samantha). The full form is a key of its own group.
var nameVariants = map[string][]string{
	"abigail":     {"abi", "abby", "abbie", "abbey"},
	"aisha":       {"ayesha", "aishah", "aysha", "ayeisha", "aiesha", "aesha"},
	"alexander":   {"alex", "alec", "alexandre", "sasha", "xander", "sandy"},
	"alexandra":   {"alex", "alexa", "alexia", "lexi", "lexie", "sasha", "sandy"},
	"alfred":      {"alfie", "alf"},
	"ahmad":       {"ahmed", "ahmet"},
	"amelia":      {"millie", "amelie", "milly"},
	"andrew":      {"andy", "drew"},
	"anthony":     {"tony", "antony", "ant"},
	"benjamin":    {"ben", "benji", "benny"},
	"callum":      {"cal", "calum", "kallum"},
	"catherine":   {"katherine", "kathryn", "catharine", "kathrine", "cathryn", "katharine", "kate", "katie", "katy", "kat", "cath", "cathy", "kathy", "kitty"},
	"charles":     {"charlie", "chas", "chaz", "chuck"},
	"charlotte":   {"charlie", "lottie", "lotte", "lotty"},
	"christopher": {"chris", "kit", "topher"},
	"christine":   {"chris", "chrissie", "christina", "kristina"},
	"daniel":      {"dan", "danny", "dani"},
	"danielle":    {"dani", "danni"},
	"david":       {"dave", "davey", "dai", "dafydd"},
	"edward":      {"ed", "eddie", "eddy", "ted", "teddy", "ned"},
	"elizabeth":   {"elisabeth", "eliza", "liz", "lizzie", "lizzy", "beth", "betty", "bess", "bessie", "libby", "betsy"},
	"emily":       {"em", "emmy", "emilie"},
	"evelyn":      {"evie", "eve"},
	"francis":     {"frank", "frankie", "fran"},
	"frances":     {"fran", "frankie", "francesca"},
	"frederick":   {"fred", "freddie", "freddy", "frederic"},
	"ibrahim":     {"ebrahim", "ibraheem"},
	"isabel":      {"isabella", "isabelle", "isobel", "izzy", "issy", "bella", "izzie"},
	"jacob":       {"jake", "jakub", "kuba", "jakob"},
	"james":       {"jim", "jimmy", "jamie", "jimi"},
	"jayden":      {"jaden", "jaiden", "jaydon", "jaidon", "jadon", "jaydan"},
	"jennifer":    {"jen", "jenny", "jenni"},
	"jessica":     {"jess", "jessie", "jessy"},
	"john":        {"jack", "johnny", "jonny", "jon", "johnnie"},
	"jonathan":    {"jon", "jonny", "johnathan", "jonathon"},
	"joseph":      {"joe", "joey", "jo"},
	"joshua":      {"josh"},
	"margaret":    {"maggie", "meg", "peggy"},
	"matilda":     {"tilly", "tillie", "tilda"},
	"matthew":     {"matt", "matty", "mathew"},
	"michael":     {"mike", "mikey", "mick", "micky", "mickey", "michal"},
	"muhammad":    {"mohammed", "mohammad", "mohamed", "muhammed", "mohamad", "muhamed", "mohamud", "mohd", "muhammud", "mo", "moe"},
	"nathaniel":   {"nat", "nate", "nathan"},
	"nicholas":    {"nick", "nicky", "nico"},
	"nicola":      {"nicky", "nikki"},
	"oliver":      {"ollie", "olly"},
	"olivia":      {"liv", "livvy", "livvie", "ollie", "oliwia"},
	"rebecca":     {"becky", "becca", "bex"},
	"richard":     {"rick", "ricky", "rich", "richie", "dick"},
	"robert":      {"rob", "robbie", "bob", "bobby", "bert"},
	"samantha":    {"sam", "sammy", "sammie"},
	"samuel":      {"sam", "sammy", "sami"},
	"sean":        {"shaun", "shawn"},
	"sophia":      {"sophie", "sofia", "zofia"},
	"stephen":     {"steven", "steve", "stevie", "stefan"},
	"theodore":    {"theo", "teddy", "ted"},
	"thomas":      {"tom", "tommy", "tomas", "tomasz"},
	"timothy":     {"tim", "timmy"},
	"tobias":      {"toby", "tobi"},
	"victoria":    {"vicky", "vikki", "vicki", "tori"},
	"william":     {"will", "bill", "billy", "billie", "willie", "willy", "liam", "wil"},
	"yusuf":       {"yousef", "yusef", "youssef", "yousuf", "yousif"},
	"zachary":     {"zach", "zack", "zak", "zac"},
}

// fullForms maps a name to the full forms it is a short form or other
// spelling of.
var fullForms = func() map[string][]string {
	m := map[string][]string{}
	for full, vs := range nameVariants {
		for _, v := range vs {
			if v != full && !slices.Contains(m[v], full) {
				m[v] = append(m[v], full)
			}
		}
	}
	for _, fs := range m {
		slices.Sort(fs)
	}
	return m
}()

// letterFold spells letters with accents and other Latin letters the way
// an English keyboard would: Wiśniewski as wisniewski.
var letterFold = map[rune]string{
	'à': "a", 'á': "a", 'â': "a", 'ã': "a", 'ä': "a", 'å': "a", 'ą': "a", 'ā': "a", 'ă': "a",
	'æ': "ae", 'ç': "c", 'ć': "c", 'č': "c", 'ď': "d", 'đ': "d", 'ð': "d",
	'è': "e", 'é': "e", 'ê': "e", 'ë': "e", 'ę': "e", 'ē': "e", 'ě': "e", 'ğ': "g",
	'ì': "i", 'í': "i", 'î': "i", 'ï': "i", 'ı': "i", 'ī': "i", 'ł': "l", 'ľ': "l",
	'ñ': "n", 'ń': "n", 'ň': "n", 'ò': "o", 'ó': "o", 'ô': "o", 'õ': "o", 'ö': "o", 'ø': "o", 'ő': "o", 'ō': "o",
	'œ': "oe", 'ř': "r", 'ś': "s", 'š': "s", 'ş': "s", 'ș': "s", 'ß': "ss", 'ť': "t", 'ţ': "t", 'ț': "t", 'þ': "th",
	'ù': "u", 'ú': "u", 'û': "u", 'ü': "u", 'ů': "u", 'ű': "u", 'ū': "u", 'ý': "y", 'ÿ': "y",
	'ź': "z", 'ż': "z", 'ž': "z",
}

// NameTokens splits names into lower-case tokens of the letters a to z:
// accents are dropped, apostrophes joined (O'Brien is obrien), and
// anything else (spaces, hyphens in double-barrelled names, commas
// between other names) separates tokens.
func NameTokens(names ...string) []string {
	var out []string
	var b strings.Builder
	flush := func() {
		if b.Len() > 0 {
			out = append(out, b.String())
			b.Reset()
		}
	}
	for _, s := range names {
		for _, r := range strings.ToLower(s) {
			switch {
			case r >= 'a' && r <= 'z':
				b.WriteRune(r)
			case r == '\'' || r == '’' || r == '`':
				// joined
			case letterFold[r] != "":
				b.WriteString(letterFold[r])
			default:
				flush()
			}
		}
		flush()
	}
	return out
}

// NameKeys returns the search keys of a child's names, sorted and without
// repeats: for each name token of two letters or more (see NameTokens),
// the token itself; the usual full forms it is a short form or other
// spelling of (liz gives elizabeth); and its sound-alike code (see
// PhoneticKey), which starts with "#" so it never equals a token. Two
// people's names share a key when they could be the same name.
func NameKeys(given, family, other string) []string {
	var keys []string
	for _, t := range NameTokens(given, family, other) {
		if len(t) < 2 {
			continue // an initial finds too much
		}
		keys = append(keys, t, PhoneticKey(t))
		keys = append(keys, fullForms[t]...)
	}
	slices.Sort(keys)
	return slices.Compact(keys)
}

// SearchKey is one key a search looks children up by (see NameKeys): the
// query's name token it came from, numbered from 0 in the order of
// NameTokens, and how much a child sharing it counts towards being a
// candidate.
type SearchKey struct {
	Key    string
	Token  int
	Weight int
}

// Weights of search keys: a child sharing a token counts more than one
// sharing its full form, and that more than one that only sounds alike.
const (
	KeyWeightToken    = 3
	KeyWeightFullForm = 2
	KeyWeightSound    = 1
)

// SearchKeys returns the keys a query's names are looked up by, each with
// its token and weight, so that a store can rank candidates by the best
// key each token shares, summed over the tokens: a child who shares a key
// with both the given and the family name comes before one who shares two
// keys with one of them. A token given twice counts once.
func SearchKeys(given, family, other string) []SearchKey {
	var out []SearchKey
	var seen []string
	for _, t := range NameTokens(given, family, other) {
		if len(t) < 2 || slices.Contains(seen, t) {
			continue
		}
		i := len(seen)
		seen = append(seen, t)
		out = append(out, SearchKey{t, i, KeyWeightToken}, SearchKey{PhoneticKey(t), i, KeyWeightSound})
		for _, f := range fullForms[t] {
			out = append(out, SearchKey{f, i, KeyWeightFullForm})
		}
	}
	return out
}

// PhoneticKey is a name token's sound-alike code: American Soundex (the
// first letter and three digits for the consonant sounds that follow),
// computed after a few English spelling rules so that names which start
// with different letters for one sound agree: C or Q before a hard vowel
// as K (Catherine, Kathryn), PH as F (Philip, Filip), silent K, G, P and
// W at the start (Knight, Wright), and any vowel at the start as A (Aisha,
// Ayesha, Ellie). The code is prefixed with "#".
func PhoneticKey(token string) string {
	s := token
	for _, p := range [][2]string{{"kn", "n"}, {"gn", "n"}, {"pn", "n"}, {"ps", "s"}, {"wr", "r"}, {"wh", "w"}, {"x", "s"}} {
		if strings.HasPrefix(s, p[0]) {
			s = p[1] + s[len(p[0]):]
			break
		}
	}
	s = strings.NewReplacer("ph", "f", "ck", "k", "q", "k", "ce", "se", "ci", "si", "cy", "sy", "c", "k", "z", "s").Replace(s)
	if s == "" {
		return ""
	}
	code := func(r byte) byte {
		switch r {
		case 'b', 'f', 'p', 'v':
			return '1'
		case 'c', 'g', 'j', 'k', 'q', 's', 'x', 'z':
			return '2'
		case 'd', 't':
			return '3'
		case 'l':
			return '4'
		case 'm', 'n':
			return '5'
		case 'r':
			return '6'
		case 'h', 'w':
			return 'h' // neither coded nor a separator
		}
		return 0 // vowels (and y) separate repeated codes
	}
	first := s[0]
	if first < 'a' || first > 'z' {
		return "" // not a token of NameTokens
	}
	if strings.IndexByte("aeiou", first) >= 0 {
		first = 'a'
	}
	out := []byte{'#', first - 'a' + 'A'}
	last := code(s[0])
	for i := 1; i < len(s) && len(out) < 5; i++ {
		c := code(s[i])
		switch {
		case c == 'h':
			continue
		case c == 0:
			last = 0
		case c != last:
			out = append(out, c)
			last = c
		}
	}
	for len(out) < 5 {
		out = append(out, '0')
	}
	return string(out)
}

// sameName reports whether two name tokens are forms of one name: equal,
// or both in one group of short forms and other spellings.
func sameName(a, b string) bool {
	if a == b {
		return true
	}
	fa, fb := append([]string{a}, fullForms[a]...), append([]string{b}, fullForms[b]...)
	for _, x := range fa {
		if slices.Contains(fb, x) {
			return true
		}
	}
	return false
}

// JaroWinkler is the Jaro-Winkler similarity of two strings, from 0
// (nothing in common) to 1 (equal): the share of characters they have in
// common near the same place, less transpositions, with a bonus for a
// common start of up to four characters (Winkler's 0.1 scale, applied
// when the Jaro similarity is over 0.7).
func JaroWinkler(a, b string) float64 {
	ra, rb := []rune(a), []rune(b)
	if len(ra) == 0 && len(rb) == 0 {
		return 1
	}
	if len(ra) == 0 || len(rb) == 0 {
		return 0
	}
	window := max(len(ra), len(rb))/2 - 1
	if window < 0 {
		window = 0
	}
	ma, mb := make([]bool, len(ra)), make([]bool, len(rb))
	m := 0
	for i := range ra {
		for j := max(0, i-window); j < min(len(rb), i+window+1); j++ {
			if !mb[j] && ra[i] == rb[j] {
				ma[i], mb[j] = true, true
				m++
				break
			}
		}
	}
	if m == 0 {
		return 0
	}
	half, k := 0, 0
	for i := range ra {
		if !ma[i] {
			continue
		}
		for !mb[k] {
			k++
		}
		if ra[i] != rb[k] {
			half++
		}
		k++
	}
	f := float64(m)
	jaro := (f/float64(len(ra)) + f/float64(len(rb)) + (f-float64(half)/2)/f) / 3
	if jaro <= 0.7 {
		return jaro
	}
	prefix := 0
	for prefix < min(4, len(ra), len(rb)) && ra[prefix] == rb[prefix] {
		prefix++
	}
	return jaro + float64(prefix)*0.1*(1-jaro)
}

// How two name tokens compare, best first.
const (
	nameNone    = iota
	nameInitial // one is an initial of the other
	nameSimilar // spelt alike or sounding alike
	nameVariant // short form or other spelling of one name
	nameSame
)

// Token similarities MatchChild gives each kind of likeness.
const (
	simVariant = 0.95
	simInitial = 0.8
	// simSpelling is the least Jaro-Winkler similarity at which two
	// spellings count as one name; sound-alikes count from simSound.
	simSpelling = 0.85
	simSound    = 0.88
	// soundFloor is the least Jaro-Winkler similarity at which an equal
	// sound-alike code counts: Soundex alone puts Sandy with Smith, and
	// Jones (0.76) with James, but Brown with Braun (0.79).
	soundFloor = 0.78
)

// tokenLikeness scores two name tokens from 0 to 1 and says how they are
// alike.
func tokenLikeness(a, b string) (float64, int) {
	switch {
	case a == b:
		return 1, nameSame
	case len(a) == 1 || len(b) == 1:
		if a[0] == b[0] {
			return simInitial, nameInitial
		}
		return 0, nameNone
	case sameName(a, b):
		return simVariant, nameVariant
	}
	jw := JaroWinkler(a, b)
	if jw >= soundFloor && PhoneticKey(a) == PhoneticKey(b) {
		return max(jw, simSound), nameSimilar
	}
	if jw >= simSpelling {
		return jw, nameSimilar
	}
	return 0, nameNone
}

// ChildQuery is what a search before create knows of a child: the names
// given, in whatever order, and the date of birth if known (zero when
// not).
type ChildQuery struct {
	GivenName   string    `json:"given_name"`
	FamilyName  string    `json:"family_name"`
	OtherNames  string    `json:"other_names,omitempty"`
	DateOfBirth time.Time `json:"date_of_birth,omitzero"`
}

// Validate checks that the query names the child: a given or family name
// with a letter in it, names of sensible length, and a date of birth not
// in the future. Fields: given_name, family_name, other_names,
// date_of_birth.
func (q ChildQuery) Validate(now time.Time) error {
	var v Validation
	if len(NameTokens(q.GivenName, q.FamilyName)) == 0 {
		v.Add("given_name", "Enter the child's given name or family name")
	}
	if len(q.GivenName) > 100 {
		v.Add("given_name", "Given name must be 100 characters or fewer")
	}
	if len(q.FamilyName) > 100 {
		v.Add("family_name", "Family name must be 100 characters or fewer")
	}
	if len(q.OtherNames) > 200 {
		v.Add("other_names", "Other names must be 200 characters or fewer")
	}
	if !q.DateOfBirth.IsZero() && dateOnly(q.DateOfBirth).After(londonDate(now)) {
		v.Add("date_of_birth", "Date of birth must be today or in the past")
	}
	return v.Err()
}

// ChildMatch is one possible match a search before create found. When the
// searcher may read the child, Child is the record as they may see it,
// with the score and the reasons it matched; otherwise HeldBy alone names
// the team that has the child on its caseload (or, failing one, its local
// policing area), and nothing else of the child is given. A searcher who
// may make records about children is also given Ref, with which they can
// make a new record about that child (a missing report) for HeldMatchFor,
// without seeing the child's other records; a child whose whole record is
// restricted from them gets no Ref.
type ChildMatch struct {
	Child   *ChildRecord `json:"child,omitempty"`
	Score   float64      `json:"score,omitempty"`
	Reasons []string     `json:"reasons,omitempty"`
	HeldBy  string       `json:"held_by,omitempty"`
	Ref     string       `json:"ref,omitempty"`
}

// HeldMatchFor is how long a held match's reference lasts: long enough to
// take a report, short enough that it is about the call in hand.
const HeldMatchFor = time.Hour

// MakesRecordsAboutChildren reports whether the principal may make new
// records about children it finds in a search before create (a missing
// report today): such a principal is given references to possible matches
// held by others. Partner agencies never are.
func MakesRecordsAboutChildren(p *Principal) bool {
	return p != nil && p.Scope != ScopeAgency && p.Has(ActionCreate, KindEpisode)
}

// PossibleMatch is the least MatchChild score that makes a candidate a
// possible match. A candidate gets a weighted sum of three parts, each
// from 0 to 1: the given name (0.35), the family name (0.35) and the date
// of birth (0.30). A part the query does not give counts 0.5.
//
// So the same names and date of birth score 1; the same names a year
// apart 0.82, and on wholly different dates 0.70 (not a match: two
// children with one name); a short form and a misspelt family name with
// no date of birth 0.795; the same family name and date of birth with a
// different given name (a twin) 0.65.
const PossibleMatch = 0.75

// MaxMatches is the most possible matches a search returns.
const MaxMatches = 10

// Weights of the parts of a MatchChild score.
const (
	weightGiven  = 0.35
	weightFamily = 0.35
	weightDOB    = 0.30
	// unknownPart is the credit a part the query does not give earns.
	unknownPart = 0.5
	// swappedPenalty is taken off when the names match only the other
	// way round, so that the same names in order rank first.
	swappedPenalty = 0.02
)

// Date-of-birth similarities.
const (
	dobTransposed = 0.85 // day and month swapped
	dobOneDigit   = 0.8  // one digit of DDMMYYYY different
	dobNear       = 0.4  // within a year
)

// nameSide is the best likeness of a query's names to one side of a
// candidate's.
type nameSide struct {
	score float64
	how   int
	other bool // matched one of the candidate's other names
}

// bestLikeness finds the best likeness of any query token to any
// candidate token; tokens from the candidate's other names are flagged.
func bestLikeness(query, names, others []string) nameSide {
	var best nameSide
	for _, q := range query {
		for i, list := range [][]string{names, others} {
			for _, c := range list {
				s, how := tokenLikeness(q, c)
				if s > best.score || s == best.score && i == 0 && best.other {
					best = nameSide{score: s, how: how, other: i == 1}
				}
			}
		}
	}
	return best
}

// MatchChild scores how likely it is that a candidate child is the child a
// query describes, from 0 to 1, and says why in words a page can show. A
// score of PossibleMatch or more is a possible match.
//
// Names are compared token by token (see NameTokens): the query's given
// names (and other names) with the candidate's given and other names, and
// the family names likewise; the best pair on each side counts. Tokens
// count as equal (1), forms of one name (0.95: Liz and Elizabeth, Mohammed
// and Muhammad), an initial (0.8), or spelt or sounding alike (their
// Jaro-Winkler similarity when at least 0.85, or 0.88 when they sound
// alike and their similarity is at least 0.78: Smyth and Smith, Brown and
// Braun); anything less counts 0. The names are also tried the other way
// round (family as given), less 0.02.
//
// Dates of birth count 1 when equal, 0.85 with the day and month swapped,
// 0.8 with one digit of DDMMYYYY different, 0.4 within a year, 0.5 when
// either is unknown, and 0 otherwise.
func MatchChild(q ChildQuery, c Child) (float64, []string) {
	qGiven, qFamily, qOther := NameTokens(q.GivenName), NameTokens(q.FamilyName), NameTokens(q.OtherNames)
	cGiven, cFamily, cOther := NameTokens(c.GivenName), NameTokens(c.FamilyName), NameTokens(c.OtherNames)
	side := func(query, names []string) nameSide {
		if len(query) == 0 {
			return nameSide{score: unknownPart, how: -1}
		}
		return bestLikeness(append(slices.Clip(query), qOther...), names, cOther)
	}
	given, family := side(qGiven, cGiven), side(qFamily, cFamily)
	names := weightGiven*given.score + weightFamily*family.score
	swapped := false
	if len(qGiven) > 0 && len(qFamily) > 0 {
		sg, sf := side(qGiven, cFamily), side(qFamily, cGiven)
		if s := weightGiven*sg.score + weightFamily*sf.score - swappedPenalty; s > names {
			names, given, family, swapped = s, sg, sf, true
		}
	}
	dob, dobWhy := dobLikeness(q.DateOfBirth, c.DateOfBirth)
	score := names + weightDOB*dob
	var why []string
	if swapped {
		why = append(why, "Names match the other way round",
			nameReason("given name", "their family name", given), nameReason("family name", "their given name", family))
	} else {
		why = append(why, nameReason("given name", "", given), nameReason("family name", "", family))
	}
	why = append(why, dobWhy)
	return min(1, max(0, score)), why
}

// nameReason says how one part of the names matched: part is "given name"
// or "family name", and against, when the names matched the other way
// round, which of the candidate's names it matched.
func nameReason(part, against string, s nameSide) string {
	var r string
	switch s.how {
	case -1:
		return "No " + part + " in the search"
	case nameSame:
		r = "Same " + part
	case nameVariant:
		r = upperFirst(part) + " is a short form or other spelling of the same name"
	case nameSimilar:
		r = upperFirst(part) + " is spelt or sounds alike"
	case nameInitial:
		r = upperFirst(part) + " matches an initial"
	default:
		r = "Different " + part
	}
	switch {
	case s.other && s.how != nameNone:
		r += " (one of their other names)"
	case against != "":
		r += " (" + against + ")"
	}
	return r
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// dobLikeness compares two dates of birth by their calendar dates.
func dobLikeness(a, b time.Time) (float64, string) {
	if a.IsZero() || b.IsZero() {
		return unknownPart, "Date of birth not known"
	}
	a, b = dateOnly(a), dateOnly(b)
	if a.Equal(b) {
		return 1, "Same date of birth"
	}
	if a.Year() == b.Year() && a.Day() == int(b.Month()) && b.Day() == int(a.Month()) {
		return dobTransposed, "Date of birth with the day and month swapped"
	}
	da, db := a.Format("02012006"), b.Format("02012006")
	diff := 0
	for i := range da {
		if da[i] != db[i] {
			diff++
		}
	}
	if diff == 1 {
		return dobOneDigit, "Date of birth one digit different"
	}
	if d := a.Sub(b); d <= 366*24*time.Hour && d >= -366*24*time.Hour {
		return dobNear, "Born within a year of the date given"
	}
	return 0, "Date of birth different"
}
