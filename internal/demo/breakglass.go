package demo

import "github.com/vigilcp/vigil/internal/vigil"

// Opening is a break-glass opening the demo force has waiting for review:
// who opened a record outside their area of work, of a child living in
// which LPA, for what purpose and why. The loader picks the child: the
// Skip-th (from 0) the opener may not read.
type Opening struct {
	Username, Purpose, Reason string
	LPAID                     int64
	Skip                      int
}

// Openings are the demo's openings awaiting review, one for each kind of
// reviewer: a response officer's (their supervisor, the designated
// officer, reviews it), a Marlcombe coordinator's (the Gold Group chair,
// their supervisor) and an offender manager's (their MOSOVO manager).
func Openings() []Opening {
	return []Opening{
		{"response.officer", "immediate_risk",
			"Found the child alone at Ashvale bus station at 01:40; need the care history to decide where they go tonight", 2, 7},
		{"missing.marlcombe", "investigation",
			"Child named as a friend of a Marlcombe girl missing since Tuesday; checking whether they were seen together", 1, 9},
		{"offender.manager", "safeguarding",
			"A registered offender I manage gave this child's address as where he stays at weekends; checking who lives there", 1, 11},
	}
}

// openingPurposesAreKnown is checked by the demo's tests.
func openingPurposesAreKnown() bool {
	for _, o := range Openings() {
		if vigil.BreakGlassPurposeLabel(o.Purpose) == o.Purpose || vigil.ValidateBreakGlass(o.Purpose, o.Reason) != nil {
			return false
		}
	}
	return true
}
