package vigil

import "testing"

// TestFiguresArea: each scope reads the figures of the areas it covers and
// no wider.
func TestFiguresArea(t *testing.T) {
	force := &Principal{User: User{ID: 1}, Scope: ScopeForce}
	lpa := &Principal{User: User{ID: 2}, Scope: ScopeLPA, LPAID: 1, TeamID: 11}
	team := &Principal{User: User{ID: 3}, Scope: ScopeTeam, LPAID: 1, TeamID: 11}
	own := &Principal{User: User{ID: 4}, Scope: ScopeCaseload, LPAID: 1, TeamID: 11, PersonID: 40}
	agency := &Principal{User: User{ID: 5}, Scope: ScopeAgency, AgencyID: 1}
	for _, c := range []struct {
		name               string
		p                  *Principal
		lpa, team, teamLPA int64
		allowed            bool
	}{
		{"force, the force", force, 0, 0, 0, true},
		{"force, an LPA", force, 2, 0, 0, true},
		{"force, a team", force, 0, 21, 2, true},
		{"force, a team not in the LPA asked", force, 1, 21, 2, false},
		{"LPA, their LPA", lpa, 1, 0, 0, true},
		{"LPA, a team in their LPA", lpa, 0, 12, 1, true},
		{"LPA, their LPA and a team in it", lpa, 1, 12, 1, true},
		{"LPA, the whole force", lpa, 0, 0, 0, false},
		{"LPA, another LPA", lpa, 2, 0, 0, false},
		{"LPA, a team in another LPA", lpa, 0, 21, 2, false},
		{"LPA, a force-wide team", lpa, 0, 30, 0, false},
		{"team, their team", team, 0, 11, 1, true},
		{"team, their team in its LPA", team, 1, 11, 1, true},
		{"team, their LPA", team, 1, 0, 0, false},
		{"team, another team", team, 0, 12, 1, false},
		{"team, the force", team, 0, 0, 0, false},
		{"own caseload, their team", own, 0, 11, 1, false},
		{"own caseload, the force", own, 0, 0, 0, false},
		{"partner agency", agency, 0, 0, 0, false},
	} {
		err := FiguresArea(c.p, c.lpa, c.team, c.teamLPA)
		if (err == nil) != c.allowed {
			t.Errorf("%s: %v", c.name, err)
		}
		if err != nil && (ErrorCode(err) != EFORBIDDEN || DenialReason(err) == "") {
			t.Errorf("%s: refused with %v, want a logged 403", c.name, err)
		}
	}
	for _, p := range []*Principal{force, lpa, team} {
		l, tm := DefaultFiguresArea(p)
		if err := FiguresArea(p, l, tm, p.LPAID); err != nil {
			t.Errorf("%s scope: the default area is refused: %v", p.Scope, err)
		}
	}
}
