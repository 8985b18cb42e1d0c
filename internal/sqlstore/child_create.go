package sqlstore

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/vigilcp/vigil/internal/vigil"
)

// The search before create: a new record about a child first looks for the
// child among those already held, so that one child does not become two.
// Candidates come from the name keys (vigil.NameKeys) and the date of
// birth, whatever the searcher's scope; vigil.MatchChild scores them; and
// only then does the policy decide what the searcher is told of each.

// maxCandidates bounds the children a search scores: those sharing the
// best name keys (and the date of birth) first.
const maxCandidates = 200

func markerText(m []string) string { return listText(m, func(s string) string { return s }) }

// childFields are a child's recorded fields, for the change history.
func childFields(c *vigil.Child) map[string]string {
	return map[string]string{
		"given_name": c.GivenName, "family_name": c.FamilyName, "other_names": c.OtherNames,
		"date_of_birth": c.DateOfBirth.Format("2006-01-02"), "sex": string(c.Sex), "ethnicity": c.Ethnicity,
		"address_line": c.AddressLine, "town": c.Town, "postcode": c.Postcode, "lpa_id": idText(c.LPAID),
		"school": c.School, "warning_markers": strings.Join(c.WarningMarkers, ", "), "social_worker": c.SocialWorker,
		"looked_after": boolText(c.LookedAfter), "placing_authority": c.PlacingAuthority, "placement": c.Placement,
		"carers": c.Carers,
	}
}

// writeNameKeys replaces a child's search keys with those of its names.
func (tx *Tx) writeNameKeys(ctx context.Context, c *vigil.Child) error {
	if _, err := tx.ExecContext(ctx, "DELETE FROM child_name_keys WHERE child_id = $1", c.ID); err != nil {
		return err
	}
	keys := vigil.NameKeys(c.GivenName, c.FamilyName, c.OtherNames)
	if len(keys) == 0 {
		return nil
	}
	args := []any{c.ID}
	values := make([]string, len(keys))
	for i, k := range keys {
		args = append(args, k)
		values[i] = "($1, $" + itoa(len(args)) + ")"
	}
	_, err := tx.ExecContext(ctx, "INSERT INTO child_name_keys (child_id, name_key) VALUES "+strings.Join(values, ", "), args...)
	return err
}

// scoredChild is a candidate with its score.
type scoredChild struct {
	child vigil.Child
	score float64
}

// possibleMatches returns the children the query could describe, best
// first: every child in the force, whoever may see them.
func (tx *Tx) possibleMatches(ctx context.Context, q vigil.ChildQuery) ([]scoredChild, error) {
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return "$" + itoa(len(args))
	}
	// Each of the query's name tokens counts its best key a child shares
	// (see vigil.SearchKeys); the date of birth, or the day and month
	// swapped, counts as much as one token's own spelling and a bit more.
	var parts []string
	if keys := vigil.SearchKeys(q.GivenName, q.FamilyName, q.OtherNames); len(keys) > 0 {
		values := make([]string, len(keys))
		for i, k := range keys {
			values[i] = "(" + arg(k.Key) + ", CAST(" + arg(k.Token) + " AS INTEGER), CAST(" + arg(k.Weight) + " AS INTEGER))"
		}
		parts = append(parts, `SELECT k.child_id, max(q.column3) AS w FROM child_name_keys k
			JOIN (VALUES `+strings.Join(values, ", ")+`) q ON q.column1 = k.name_key GROUP BY k.child_id, q.column2`)
	}
	if dob := q.DateOfBirth; !dob.IsZero() {
		dates := []string{arg(date(dob))}
		if y, m, d := dob.Date(); d <= 12 && int(m) != d {
			// The day and month the other way round.
			dates = append(dates, arg(date(time.Date(y, time.Month(d), int(m), 0, 0, 0, 0, time.UTC))))
		}
		parts = append(parts, "SELECT id AS child_id, "+itoa(vigil.KeyWeightToken+1)+
			" AS w FROM children WHERE date_of_birth IN ("+strings.Join(dates, ", ")+")")
	}
	if len(parts) == 0 {
		return nil, nil
	}
	rows, err := tx.QueryContext(ctx, "SELECT x.child_id FROM ("+strings.Join(parts, " UNION ALL ")+
		") x GROUP BY x.child_id ORDER BY sum(x.w) DESC, x.child_id LIMIT "+arg(maxCandidates), args...)
	if err != nil {
		return nil, err
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, err
		}
		ids = append(ids, id)
	}
	if err := closeRows(rows); err != nil || len(ids) == 0 {
		return nil, err
	}
	args = nil
	in := make([]string, len(ids))
	for i, id := range ids {
		in[i] = arg(id)
	}
	rows, err = tx.QueryContext(ctx, "SELECT "+childCols+" FROM children c WHERE c.id IN ("+strings.Join(in, ", ")+")", args...)
	if err != nil {
		return nil, err
	}
	var recs []vigil.ChildRecord
	for rows.Next() {
		c, err := scanChild(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		recs = append(recs, vigil.ChildRecord{Child: *c})
	}
	if err := closeRows(rows); err != nil {
		return nil, err
	}
	// Score each candidate on what the searcher may see of it: other names
	// in an identity part restricted from them do not count, or a search
	// could spell out a hidden alias letter by letter.
	if tx.who != nil {
		if err := tx.mask(ctx, recs); err != nil {
			return nil, err
		}
	}
	var out []scoredChild
	for _, r := range recs {
		if score, _ := vigil.MatchChild(q, r.Child); score >= vigil.PossibleMatch {
			out = append(out, scoredChild{child: r.Child, score: score})
		}
	}
	slices.SortFunc(out, func(a, b scoredChild) int {
		return cmp.Or(cmp.Compare(b.score, a.score), cmp.Compare(a.child.ID, b.child.ID))
	})
	return out, nil
}

// heldBy names who holds a child a searcher may not see: the team that has
// the child on its caseload (the most recent assignment, a person's team
// for an assignment to a person), else the child's local policing area,
// else the force.
func (tx *Tx) heldBy(ctx context.Context, id int64) (string, error) {
	var name string
	err := tx.QueryRowContext(ctx, `SELECT t.name FROM child_assignments a LEFT JOIN people p ON p.id = a.person_id
		JOIN teams t ON t.id = COALESCE(a.team_id, p.team_id)
		WHERE a.child_id = $1 AND a.ended_at IS NULL ORDER BY a.assigned_at DESC, a.id DESC LIMIT 1`, id).Scan(&name)
	if err == nil || !errors.Is(err, sql.ErrNoRows) {
		return name, err
	}
	err = tx.QueryRowContext(ctx, "SELECT l.name FROM children c JOIN lpas l ON l.id = c.lpa_id WHERE c.id = $1", id).Scan(&name)
	if err == nil || !errors.Is(err, sql.ErrNoRows) {
		return name, err
	}
	f, err := tx.force(ctx)
	if err != nil {
		return "", err
	}
	return f.Name, nil
}

// readable returns which of the children the principal may read, by the
// scope rule of vigil.Decide written as SQL (childScopeSQL).
func (tx *Tx) readable(ctx context.Context, ids []int64) (map[int64]bool, error) {
	out := map[int64]bool{}
	if len(ids) == 0 || !tx.who.Has(vigil.ActionRead, vigil.KindChild) || tx.who.User.Disabled() {
		return out, nil
	}
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return "$" + itoa(len(args))
	}
	in := make([]string, len(ids))
	for i, id := range ids {
		in[i] = arg(id)
	}
	rows, err := tx.QueryContext(ctx, "SELECT c.id FROM children c WHERE c.id IN ("+strings.Join(in, ", ")+") AND "+
		childScopeSQL(tx.who, tx.now, arg), args...)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, err
		}
		out[id] = true
	}
	return out, closeRows(rows)
}

// ReadableBy reports which of the children the principal may read, by the
// scope rule, reading nothing of them: for loaders (the demo picks records
// outside a person's scope to open with a reason). It is not logged, as it
// shows no record.
func (db *DB) ReadableBy(ctx context.Context, p *vigil.Principal, ids []int64) (map[int64]bool, error) {
	var out map[int64]bool
	err := db.readTx(vigil.WithPrincipal(ctx, p), func(tx *Tx) error {
		var err error
		out, err = tx.readable(ctx, ids)
		return err
	})
	return out, err
}

// MatchChildren implements vigil.ChildService: the search before create.
// Each possible match the principal may read comes with its record (as
// they may see it), its score and why it matched, the score and reasons
// taken from what they see; any other is given only as the team that
// holds it, without its id or any detail. Partner agencies are told
// nothing of children not shared with them, not even who holds them: for
// them such a child does not exist. Refusals are not logged as refused
// reads (nobody asked to read them); the search is logged with the
// children it showed.
func (s *ChildService) MatchChildren(ctx context.Context, q vigil.ChildQuery) ([]vigil.ChildMatch, error) {
	out := []vigil.ChildMatch{}
	err := s.db.writeTx(ctx, func(tx *Tx) error {
		if err := tx.require(ctx, vigil.ActionSearch, vigil.KindChild); err != nil {
			return err
		}
		if err := q.Validate(tx.now); err != nil {
			return err
		}
		found, err := tx.possibleMatches(ctx, q)
		if err != nil {
			return err
		}
		ids := make([]int64, len(found))
		for i, f := range found {
			ids[i] = f.child.ID
		}
		readable, err := tx.readable(ctx, ids)
		if err != nil {
			return err
		}
		var shown []int64
		held := 0
		for _, f := range found {
			if len(out) == vigil.MaxMatches {
				break
			}
			if readable[f.child.ID] {
				// The SQL scope rule agreed; the policy itself decides,
				// and says whether it is open only by break-glass.
				facts, _, err := tx.childFacts(ctx, f.child.ID)
				if err != nil {
					return err
				}
				if d := vigil.Decide(tx.who, vigil.ActionRead, vigil.KindChild, facts); d.Allowed {
					recs := []vigil.ChildRecord{{Child: f.child, ByBreakGlass: d.ByBreakGlass}}
					if err := tx.mask(ctx, recs); err != nil {
						return err
					}
					score, why := vigil.MatchChild(q, recs[0].Child)
					out = append(out, vigil.ChildMatch{Child: &recs[0], Score: score, Reasons: why})
					shown = append(shown, f.child.ID)
					continue
				}
			}
			if tx.who.Scope == vigil.ScopeAgency {
				continue
			}
			team, err := tx.heldBy(ctx, f.child.ID)
			if err != nil {
				return err
			}
			ref, err := tx.holdMatch(ctx, f.child.ID)
			if err != nil {
				return err
			}
			out = append(out, vigil.ChildMatch{HeldBy: team, Ref: ref})
			held++
		}
		tx.log(vigil.ActionSearch, vigil.KindChild, shown, vigil.OutcomeOK,
			fmt.Sprintf("search before create: %d possible matches shown, %d held elsewhere", len(shown), held))
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// CreateChild implements vigil.ChildService. The child must be under 18
// (see vigil.NewChild.Validate) and live in one of the force's local
// policing areas. While the search before create finds possible matches
// the record is refused with ECONFLICT, unless the person confirms the
// child is none of them (ConfirmedNew), which the access log records. The
// child goes on the creator's team's caseload (and their own, when their
// scope is their own caseload), so that they can go on to see it.
func (s *ChildService) CreateChild(ctx context.Context, n vigil.NewChild) (*vigil.ChildRecord, error) {
	n.Normalise()
	var out *vigil.ChildRecord
	err := s.db.writeTx(ctx, func(tx *Tx) error {
		if err := tx.require(ctx, vigil.ActionCreate, vigil.KindChild); err != nil {
			return err
		}
		if err := n.Validate(tx.now); err != nil {
			return err
		}
		if !tx.exists(ctx, "SELECT 1 FROM lpas WHERE id = $1", n.LPAID) {
			var v vigil.Validation
			v.Add("lpa_id", "Select the local policing area where the child lives")
			return v.Err()
		}
		f, err := tx.force(ctx)
		if err != nil {
			return err
		}
		found, err := tx.possibleMatches(ctx, n.Query())
		if err != nil {
			return err
		}
		reason := ""
		if len(found) > 0 {
			if !n.ConfirmedNew {
				return vigil.Errorf(vigil.ECONFLICT, "This child may already have a record: the search finds %s. "+
					"Check them first; if this child is none of them, confirm that this is a different child.", plural(len(found), "possible match", "possible matches"))
			}
			reason = fmt.Sprintf("created though the search found %s: confirmed a different child",
				plural(len(found), "possible match", "possible matches"))
		}
		var id int64
		err = tx.QueryRowContext(ctx, `INSERT INTO children (force_id, given_name, family_name, other_names, date_of_birth,
			sex, ethnicity, address_line, town, postcode, lpa_id, school, warning_markers, social_worker, looked_after,
			placing_authority, placement, carers, created_at, created_by, updated_at, updated_by)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $19, $20)
			RETURNING id`, f.ID, n.GivenName, n.FamilyName, n.OtherNames, date(n.DateOfBirth), string(n.Sex), n.Ethnicity,
			n.AddressLine, n.Town, n.Postcode, n.LPAID, n.School, markerText(n.WarningMarkers), n.SocialWorker, n.LookedAfter,
			n.PlacingAuthority, n.Placement, n.Carers, instant(tx.now), nullIfZero(tx.UserID())).Scan(&id)
		if err != nil {
			return err
		}
		c, err := scanChild(tx.QueryRowContext(ctx, "SELECT "+childCols+" FROM children c WHERE c.id = $1", id))
		if err != nil {
			return err
		}
		if err := tx.writeNameKeys(ctx, c); err != nil {
			return err
		}
		p := tx.who
		var person int64
		if p.Scope == vigil.ScopeCaseload {
			person = p.PersonID
		}
		if p.TeamID != 0 || person != 0 {
			if _, err := tx.ExecContext(ctx, `INSERT INTO child_assignments (child_id, team_id, person_id, assigned_at, assigned_by)
				VALUES ($1, $2, $3, $4, $5)`, id, nullIfZero(p.TeamID), nullIfZero(person), instant(tx.now), tx.UserID()); err != nil {
				return err
			}
		}
		recs := []vigil.ChildRecord{{Child: *c}}
		if err := tx.mask(ctx, recs); err != nil {
			return err
		}
		out = &recs[0]
		tx.log(vigil.ActionCreate, vigil.KindChild, []int64{id}, vigil.OutcomeOK, reason)
		return tx.history(ctx, vigil.KindChild, id, "create", nil, childFields(c))
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// UpdateChild implements vigil.ChildService. The change is refused when
// the record has moved on from version. A part of the record held back
// from the person (see mask) keeps its stored values where they sent it
// blank, as they were shown it; a change there, sent or made by the rules
// (see vigil.MergeHiddenParts), is refused with 403 naming the part.
func (s *ChildService) UpdateChild(ctx context.Context, id, version int64, n vigil.NewChild) (*vigil.ChildRecord, error) {
	var out *vigil.ChildRecord
	err := s.db.writeTx(ctx, func(tx *Tx) error {
		if err := tx.require(ctx, vigil.ActionUpdate, vigil.KindChild); err != nil {
			return err
		}
		d, _, err := tx.decideChild(ctx, vigil.ActionUpdate, id)
		if err != nil {
			return err
		}
		cur, err := scanChild(tx.QueryRowContext(ctx, "SELECT "+childCols+" FROM children c WHERE c.id = $1", id))
		if err != nil {
			return err
		}
		if cur.Version != version {
			return staleVersion("child's record")
		}
		seen := []vigil.ChildRecord{{Child: *cur}}
		if err := tx.mask(ctx, seen); err != nil {
			return err
		}
		merged, hidden := vigil.MergeHiddenParts(n, vigil.NewChildFrom(*cur), seen[0].Withheld)
		if hidden != "" {
			err := vigil.HiddenPartError(hidden)
			tx.denied = append(tx.denied, tx.entry(vigil.ActionUpdate, vigil.KindChild, []int64{id}, vigil.OutcomeDenied, vigil.DenialReason(err)))
			return err
		}
		n = merged
		if err := n.ValidateChange(tx.now, cur.CreatedAt); err != nil {
			return err
		}
		if !tx.exists(ctx, "SELECT 1 FROM lpas WHERE id = $1", n.LPAID) {
			var v vigil.Validation
			v.Add("lpa_id", "Select the local policing area where the child lives")
			return v.Err()
		}
		res, err := tx.ExecContext(ctx, `UPDATE children SET given_name = $1, family_name = $2, other_names = $3,
			date_of_birth = $4, sex = $5, ethnicity = $6, address_line = $7, town = $8, postcode = $9, lpa_id = $10,
			school = $11, warning_markers = $12, social_worker = $13, looked_after = $14, placing_authority = $15,
			placement = $16, carers = $17, updated_at = $18, updated_by = $19, version = version + 1
			WHERE id = $20 AND version = $21`, n.GivenName, n.FamilyName, n.OtherNames, date(n.DateOfBirth), string(n.Sex),
			n.Ethnicity, n.AddressLine, n.Town, n.Postcode, n.LPAID, n.School, markerText(n.WarningMarkers), n.SocialWorker,
			n.LookedAfter, n.PlacingAuthority, n.Placement, n.Carers, instant(tx.now), nullIfZero(tx.UserID()), id, version)
		if err != nil {
			return err
		}
		if k, err := res.RowsAffected(); err != nil || k != 1 {
			// Changed between our read and our write (PostgreSQL's read
			// committed allows it): refuse, never apply over it.
			return cmp.Or(err, staleVersion("child's record"))
		}
		c, err := scanChild(tx.QueryRowContext(ctx, "SELECT "+childCols+" FROM children c WHERE c.id = $1", id))
		if err != nil {
			return err
		}
		if err := tx.writeNameKeys(ctx, c); err != nil {
			return err
		}
		recs := []vigil.ChildRecord{{Child: *c, ByBreakGlass: d.ByBreakGlass}}
		if err := tx.mask(ctx, recs); err != nil {
			return err
		}
		out = &recs[0]
		reason := ""
		if d.ByBreakGlass {
			reason = "break-glass"
		}
		tx.log(vigil.ActionUpdate, vigil.KindChild, []int64{id}, vigil.OutcomeOK, reason)
		return tx.history(ctx, vigil.KindChild, id, "update", childFields(cur), childFields(c))
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// plural is a count with its noun.
func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return itoa(n) + " " + many
}
