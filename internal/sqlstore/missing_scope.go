package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"time"

	"github.com/vigilcp/vigil/internal/vigil"
)

// An episode lies in the area of work of whoever may see its child, and
// also in its own: the LPA it is missing from and that LPA's
// missing-persons team, and the person who reported it and their team.
// So a call handler who reports a child held by another area (found by
// the search before create) sees the episode they made and none of the
// child's other records. A whole-record restriction of the child holds
// back every episode of theirs all the same.

// episodeFacts gathers what vigil.Decide needs to know about one episode:
// its child's facts, with the episode's own area, team and reporter added.
func (tx *Tx) episodeFacts(ctx context.Context, id int64) (vigil.RecordFacts, int64, error) {
	var child int64
	var lpa, team, person, personTeam sql.NullInt64
	err := tx.QueryRowContext(ctx, `SELECT e.child_id, e.lpa_id, e.team_id, u.person_id, p.team_id FROM missing_episodes e
		LEFT JOIN users u ON u.id = e.created_by LEFT JOIN people p ON p.id = u.person_id WHERE e.id = $1`, id).
		Scan(&child, &lpa, &team, &person, &personTeam)
	if errors.Is(err, sql.ErrNoRows) {
		return vigil.RecordFacts{}, 0, notFound("Missing episode")
	}
	if err != nil {
		return vigil.RecordFacts{}, 0, err
	}
	f, _, err := tx.childFacts(ctx, child)
	if err != nil {
		return f, child, err
	}
	add := func(ids *[]int64, v sql.NullInt64) {
		if v.Valid && !slices.Contains(*ids, v.Int64) {
			*ids = append(*ids, v.Int64)
		}
	}
	add(&f.LPAIDs, lpa)
	add(&f.TeamIDs, team)
	add(&f.TeamIDs, personTeam)
	add(&f.PersonIDs, person)
	return f, child, nil
}

// episodeScopeSQL is the scope rule of vigil.Decide for episodes, written
// as SQL over an episode aliased e and its child aliased c (see
// episodeFacts). TestEpisodeListsAgreeWithDecide holds the two together.
func episodeScopeSQL(p *vigil.Principal, now time.Time, arg func(any) string) string {
	reach := childReachSQL(p, now, arg)
	own := ""
	switch {
	case p.Scope == vigil.ScopeLPA && p.LPAID != 0:
		own = "e.lpa_id = " + arg(p.LPAID)
	case p.Scope == vigil.ScopeTeam && p.TeamID != 0:
		t := arg(p.TeamID)
		own = "e.team_id = " + t + ` OR EXISTS (SELECT 1 FROM users eu JOIN people ep ON ep.id = eu.person_id
			WHERE eu.id = e.created_by AND ep.team_id = ` + t + ")"
	case p.Scope == vigil.ScopeCaseload && p.PersonID != 0:
		own = "EXISTS (SELECT 1 FROM users eu WHERE eu.id = e.created_by AND eu.person_id = " + arg(p.PersonID) + ")"
	}
	if own != "" {
		reach = "(" + reach + " OR " + own + ")"
	}
	return reach + " AND " + childNotRestrictedSQL(p, arg)
}
