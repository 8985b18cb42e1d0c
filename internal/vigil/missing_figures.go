package vigil

// The missing-children figures count every episode in an area: the force,
// an LPA or a team. A reader may ask for the areas their scope covers and
// no wider: the whole force sees any area; an LPA's reader their LPA and
// its teams; a team's reader their team. Readers of their own caseload,
// and partner agencies, get no figures: an area's counts are not theirs to
// read. The lists behind the figures count by the same areas, showing the
// episodes the reader may not read as withheld rows, so a list's total is
// its figure.

// FieldRecord, in an episode's Withheld, says the whole episode is held
// back from the reader: a list behind a figure shows it as a withheld row
// with only its times and risk.
const FieldRecord = "record"

// FiguresArea decides whether the principal may read the figures for an
// area: lpa and team as asked (0 for none), and teamLPA the LPA of that
// team (0 for a force-wide team). It returns nil, or a refusal for the
// access log.
func FiguresArea(p *Principal, lpa, team, teamLPA int64) error {
	refuse := func(reason, msg string) error {
		return &Error{Code: EFORBIDDEN, Message: msg, Err: denial{ActionRead, KindMissingDashboard, reason}}
	}
	if p == nil {
		return Errorf(EUNAUTHENTICATED, "Sign in to continue")
	}
	if lpa != 0 && team != 0 && teamLPA != lpa {
		return refuse("the team is not in the LPA asked for", "That team is not in that local policing area")
	}
	switch p.Scope {
	case ScopeForce:
		return nil
	case ScopeLPA:
		area := lpa
		if area == 0 && team != 0 {
			area = teamLPA
		}
		if p.LPAID != 0 && area == p.LPAID {
			return nil
		}
		return refuse("figures outside the reader's LPA", "You can see the figures for your own local policing area and its teams")
	case ScopeTeam:
		if p.TeamID != 0 && team == p.TeamID {
			return nil
		}
		return refuse("figures outside the reader's team", "You can see the figures for your own team")
	}
	return refuse("figures need an area scope ("+string(p.Scope)+")", "Figures are for people whose work covers an area or a team")
}

// DefaultFiguresArea is the area a reader's figures open at when they ask
// for none: the whole force, their LPA, or their team.
func DefaultFiguresArea(p *Principal) (lpa, team int64) {
	switch p.Scope {
	case ScopeLPA:
		return p.LPAID, 0
	case ScopeTeam:
		return 0, p.TeamID
	}
	return 0, 0
}
