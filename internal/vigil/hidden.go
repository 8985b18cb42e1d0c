package vigil

import (
	"slices"
	"strings"
)

// A part of a record held back from someone (restricted from them, or not
// shared with their agency) is shown to them blank. A change they send
// therefore carries blanks in that part: those mean "as it is", never
// "clear it". Anything else they send there, or any change the rules would
// make there as a consequence (a child no longer looked after loses their
// placement and carers), would change what they cannot see, and is refused
// naming the part.

// HiddenPartError is the refusal of a change to a part of a record the
// writer may not see. Part is the part's name (PartIdentity, PartAddress,
// PartProfile).
func HiddenPartError(part string) error {
	return &Error{Code: EFORBIDDEN, Message: "You cannot change or share the " + part + " part of this record: it is held back from you",
		Err: denial{reason: "change to the " + part + " part, which is held back from the writer"}}
}

// hiddenFields are the fields of a child's record that each part blanks
// (see sqlstore's mask): the names, date of birth, sex and area always
// show.
func hiddenFields(n *NewChild, part string) []any {
	switch part {
	case PartIdentity:
		return []any{&n.OtherNames, &n.Ethnicity, &n.WarningMarkers, &n.SocialWorker, &n.LookedAfter, &n.PlacingAuthority}
	case PartAddress:
		return []any{&n.AddressLine, &n.Town, &n.Postcode, &n.School, &n.Placement, &n.Carers}
	}
	return nil
}

// MergeHiddenParts returns the change to make to a child's record from
// what the writer sent and what is stored, when the withheld parts are held
// back from them: blanks in a withheld part keep the stored values. It
// returns the first withheld part the change would alter (what was sent
// there, or a clear the rules make there), or "" when none. The result is
// normalised.
func MergeHiddenParts(sent, stored NewChild, withheld []string) (NewChild, string) {
	merged := sent
	for _, part := range ChildParts {
		if !slices.Contains(withheld, part) {
			continue
		}
		want, have := hiddenFields(&merged, part), hiddenFields(&stored, part)
		for i := range want {
			switch w := want[i].(type) {
			case *string:
				h := *have[i].(*string)
				if strings.TrimSpace(*w) == "" || strings.Join(strings.Fields(*w), " ") == h || w == &merged.Postcode && postcodeEqual(*w, h) {
					*w = h
				} else {
					return merged, part
				}
			case *bool:
				h := *have[i].(*bool)
				if *w && !h {
					return merged, part
				}
				*w = h
			case *[]string:
				h := *have[i].(*[]string)
				if len(*w) == 0 || slices.Equal(*w, h) {
					*w = slices.Clone(h)
				} else {
					return merged, part
				}
			}
		}
	}
	merged.Normalise()
	for _, part := range withheld {
		after, before := hiddenFields(&merged, part), hiddenFields(&stored, part)
		for i := range after {
			var same bool
			switch a := after[i].(type) {
			case *string:
				same = *a == *before[i].(*string)
			case *bool:
				same = *a == *before[i].(*bool)
			case *[]string:
				same = slices.Equal(*a, *before[i].(*[]string))
			}
			if !same {
				return merged, part
			}
		}
	}
	return merged, ""
}

func postcodeEqual(a, b string) bool {
	norm := func(s string) string { return strings.ToUpper(strings.Join(strings.Fields(s), "")) }
	return norm(a) == norm(b)
}
