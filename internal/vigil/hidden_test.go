package vigil

import (
	"slices"
	"testing"
	"time"
)

// TestMergeHiddenParts: blanks in a part held back from the writer keep
// what is stored; a value there, or a clear the rules would make there,
// names the part.
func TestMergeHiddenParts(t *testing.T) {
	stored := NewChild{GivenName: "Jade", FamilyName: "Carter", OtherNames: "JJ", DateOfBirth: time.Date(2012, 4, 3, 0, 0, 0, 0, time.UTC),
		Sex: SexFemale, Ethnicity: "White British", AddressLine: "Oakfield House, 4 Mill Lane", Town: "Ashvale", Postcode: "KM1 4AB",
		LPAID: 1, School: "Ashvale Academy", WarningMarkers: []string{WarningMarkers[0].Code}, SocialWorker: "Sam Patel",
		LookedAfter: true, PlacingAuthority: "Ashvale Council", Placement: "Oakfield children's home", Carers: "Oakfield staff"}
	blank := func(n NewChild, parts ...string) NewChild {
		for _, p := range parts {
			for _, f := range hiddenFields(&n, p) {
				switch f := f.(type) {
				case *string:
					*f = ""
				case *bool:
					*f = false
				case *[]string:
					*f = nil
				}
			}
		}
		return n
	}
	for _, c := range []struct {
		name     string
		withheld []string
		sent     func(NewChild) NewChild
		refused  string // the part named, or ""
		check    func(NewChild) bool
	}{
		{"nothing held back, a change", nil, func(n NewChild) NewChild { n.Town = "Marlcombe"; return n }, "",
			func(m NewChild) bool { return m.Town == "Marlcombe" }},
		{"address held back, sent blank: kept", []string{PartAddress}, func(n NewChild) NewChild {
			n = blank(n, PartAddress)
			n.GivenName = "Jayde"
			return n
		}, "", func(m NewChild) bool {
			return m.GivenName == "Jayde" && m.Placement == stored.Placement && m.Postcode == stored.Postcode
		}},
		{"address held back, a new town", []string{PartAddress}, func(n NewChild) NewChild {
			n = blank(n, PartAddress)
			n.Town = "Marlcombe"
			return n
		}, PartAddress, nil},
		{"address held back, the stored value sent back", []string{PartAddress}, func(n NewChild) NewChild { n.Postcode = "km14ab"; return n }, "",
			func(m NewChild) bool { return m.Postcode == "KM1 4AB" }},
		{"address held back, no longer looked after clears the placement", []string{PartAddress}, func(n NewChild) NewChild {
			n = blank(n, PartAddress)
			n.LookedAfter = false
			return n
		}, PartAddress, nil},
		{"identity held back, sent blank (looked after false): kept", []string{PartIdentity}, func(n NewChild) NewChild {
			return blank(n, PartIdentity)
		}, "", func(m NewChild) bool {
			return m.LookedAfter && m.PlacingAuthority == stored.PlacingAuthority && m.Placement == stored.Placement &&
				slices.Equal(m.WarningMarkers, stored.WarningMarkers) && m.OtherNames == "JJ"
		}},
		{"identity held back, another social worker", []string{PartIdentity}, func(n NewChild) NewChild {
			n = blank(n, PartIdentity)
			n.SocialWorker = "Alex Reed"
			return n
		}, PartIdentity, nil},
		{"identity held back, a marker added", []string{PartIdentity}, func(n NewChild) NewChild {
			n = blank(n, PartIdentity)
			n.WarningMarkers = []string{WarningMarkers[0].Code, WarningMarkers[1].Code}
			return n
		}, PartIdentity, nil},
		{"both held back, both blank", []string{PartIdentity, PartAddress}, func(n NewChild) NewChild {
			return blank(n, PartIdentity, PartAddress)
		}, "", func(m NewChild) bool { return m.Carers == stored.Carers && m.LookedAfter }},
		{"identity held back, looked after by a child who is not", []string{PartIdentity}, func(n NewChild) NewChild {
			n = blank(n, PartIdentity)
			n.LookedAfter = true
			return n
		}, "", nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			st := stored
			if c.name == "identity held back, looked after by a child who is not" {
				st.LookedAfter, st.PlacingAuthority, st.Placement, st.Carers = false, "", "", ""
				c.refused = PartIdentity
			}
			merged, part := MergeHiddenParts(c.sent(st), st, c.withheld)
			if part != c.refused {
				t.Fatalf("refused part %q, want %q (merged %+v)", part, c.refused, merged)
			}
			if part == "" && c.check != nil && !c.check(merged) {
				t.Errorf("merged: %+v", merged)
			}
		})
	}
	if ErrorCode(HiddenPartError(PartAddress)) != EFORBIDDEN || DenialReason(HiddenPartError(PartAddress)) == "" {
		t.Error("the refusal is not a logged 403")
	}
}
