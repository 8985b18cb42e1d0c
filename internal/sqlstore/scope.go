package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/vigilcp/vigil/internal/vigil"
)

// Scope for any kind of record. A kind declares, as SQL over its table's
// alias, where its records lie in the force's areas of work: the LPAs
// they belong to, the teams and people holding them on their caseloads,
// and the records they are about, whose areas, shares, restrictions and
// break-glass openings reach them too. From the declaration come both the
// facts vigil.Decide weighs for one record (factsOf) and the same rule as
// SQL for lists (scopeSQL), so a list never shows what a read would
// refuse; a test holds the two together for every kind and demo user, and
// another declares a throwaway kind to show that a new kind needs no edit
// to the policy function.

// recordScope declares how one kind of record lies in areas of work.
type recordScope struct {
	kind vigil.RecordKind
	// table and alias name the kind's table and the alias its SQL is
	// written over; lists of the kind select from the table under that
	// alias, and join each record it is about under that kind's alias.
	table, alias string
	// what names a record of the kind in refusals ("Child").
	what string
	// lpas are the columns that give the LPAs a record belongs to.
	lpas []string
	// holders are the teams and people holding a record on their
	// caseload; a holding team's LPA counts as the record's too.
	holders []holderSource
	// own says shares, restrictions and break-glass openings are recorded
	// against the kind itself (record_kind = kind).
	own bool
	// about are the records a record is about.
	about []aboutRecord
	// parts are the parts of a record that can be shared or restricted
	// apart from the rest (nil: the record is one whole).
	parts []string
}

// holderSource is one source of a record's holders: team and person are
// SQL expressions (either may be "NULL"), read FROM from WHERE where, or
// straight off the record when from is empty. A person named as a holder
// holds the record whatever the scope of their account (an officer
// deployed to an episode, a child's named officer). until, when set, is
// the SQL of the instant the holding ends (NULL while it lasts): an
// officer deployed to an episode holds it until a while after it closes.
type holderSource struct {
	from, where  string
	team, person string
	until        string
}

// aboutRecord is a record a record is about: its scope, and the column
// that holds its id, read straight off the record or, for a record about
// several, FROM from WHERE where. A record about one (an episode about its
// child) is held back whole by a restriction of that one; a record about
// several names the parts of it that concern each (parts), and a
// restriction of one of them withholds those parts alone.
type aboutRecord struct {
	scope       *recordScope
	column      string
	from, where string
	parts       []string
}

// several says the record may be about several of the kind.
func (a aboutRecord) several() bool { return a.from != "" }

// idOf is the SQL for the id of a record of the kind.
func (k *recordScope) idOf() string { return k.alias + ".id" }

// reachSQL is the part of the scope rule that says a record lies in the
// principal's area of work, or is opened to them with a reason, through
// itself or a record it is about.
func (k *recordScope) reachSQL(p *vigil.Principal, now time.Time, arg func(any) string) string {
	if p.Scope == vigil.ScopeForce {
		return "TRUE"
	}
	var or []string
	// Each argument is added where it is first used: PostgreSQL refuses a
	// parameter a statement does not use.
	lazy := func(v any) func() string {
		var s string
		return func() string {
			if s == "" {
				s = arg(v)
			}
			return s
		}
	}
	at := lazy(instant(now))
	switch {
	case p.Scope == vigil.ScopeLPA && p.LPAID != 0:
		l := lazy(p.LPAID)
		for _, c := range k.lpas {
			or = append(or, c+" = "+l())
		}
		for _, h := range k.holders {
			if h.team != "NULL" {
				or = append(or, h.exists("JOIN teams ht ON ht.id = "+h.team, "ht.lpa_id = "+l(), at))
			}
		}
	case p.Scope == vigil.ScopeTeam && p.TeamID != 0:
		t := lazy(p.TeamID)
		for _, h := range k.holders {
			if h.team != "NULL" {
				or = append(or, h.exists("", h.team+" = "+t(), at))
			}
		}
	case p.Scope == vigil.ScopeAgency && p.AgencyID != 0 && k.own:
		or = append(or, `EXISTS (SELECT 1 FROM shares s WHERE s.record_kind = `+arg(string(k.kind))+` AND s.record_id = `+k.idOf()+
			" AND s.agency_id = "+arg(p.AgencyID)+" AND s.revoked_at IS NULL AND (s.until_at IS NULL OR s.until_at > "+at()+"))")
	}
	// A person named as a holder holds the record at any police scope.
	if p.Scope != vigil.ScopeAgency && p.PersonID != 0 {
		per := lazy(p.PersonID)
		for _, h := range k.holders {
			if h.person != "NULL" {
				or = append(or, h.exists("", h.person+" = "+per(), at))
			}
		}
	}
	// Break-glass opens records outside a police user's scope.
	if p.Scope != vigil.ScopeAgency && k.own {
		or = append(or, `EXISTS (SELECT 1 FROM break_glass b WHERE b.user_id = `+arg(p.User.ID)+" AND b.record_kind = "+arg(string(k.kind))+
			" AND b.record_id = "+k.idOf()+" AND b.expires_at > "+at()+")")
	}
	for _, a := range k.about {
		or = append(or, a.join(a.scope.reachSQL(p, now, arg)))
	}
	if len(or) == 0 {
		return "FALSE"
	}
	return "(" + strings.Join(or, " OR ") + ")"
}

// join is cond, written over the record it is about, as a test of the
// record: straight, for a record about one joined under its kind's alias;
// for a record about several, that one of them meets it.
func (a aboutRecord) join(cond string) string {
	if !a.several() {
		return cond
	}
	s := a.scope
	return "EXISTS (SELECT 1 FROM " + a.from + " JOIN " + s.table + " " + s.alias + " ON " + s.idOf() + " = " + a.column +
		" WHERE " + a.where + " AND " + cond + ")"
}

// exists is the SQL test that the holder source has a row meeting cond
// (join adds a join to its FROM) whose holding has not ended at the
// instant the SQL at names.
func (h holderSource) exists(join, cond string, at func() string) string {
	if h.until != "" {
		cond += " AND (" + h.until + " IS NULL OR " + h.until + " > " + at() + ")"
	}
	if h.from == "" {
		if join == "" {
			return "(" + cond + ")"
		}
		return "EXISTS (SELECT 1 FROM teams ht WHERE ht.id = " + h.team + " AND " + cond + ")"
	}
	q := "EXISTS (SELECT 1 FROM " + h.from
	if join != "" {
		q += " " + join
	}
	return q + " WHERE " + h.where + " AND " + cond + ")"
}

// notRestrictedSQL is the SQL test that no whole-record restriction of the
// record, or of any record it is about as a whole, holds the principal
// back. (A restriction of one of several a record is about withholds only
// the parts that concern them: see withheldParts.)
func (k *recordScope) notRestrictedSQL(p *vigil.Principal, arg func(any) string) string {
	var and []string
	if k.own {
		and = append(and, `NOT EXISTS (SELECT 1 FROM restrictions r WHERE r.record_kind = `+arg(string(k.kind))+
			" AND r.record_id = "+k.idOf()+" AND r.part = '' AND r.lifted_at IS NULL AND NOT "+restrictionOpen(p, arg)+")")
	}
	for _, a := range k.about {
		switch {
		case len(a.parts) > 0:
		case a.several():
			and = append(and, "NOT "+a.join("NOT ("+a.scope.notRestrictedSQL(p, arg)+")"))
		default:
			and = append(and, a.scope.notRestrictedSQL(p, arg))
		}
	}
	if len(and) == 0 {
		return "TRUE"
	}
	return strings.Join(and, " AND ")
}

// scopeSQL is the scope rule of vigil.Decide for the kind, as SQL.
func (k *recordScope) scopeSQL(p *vigil.Principal, now time.Time, arg func(any) string) string {
	return k.reachSQL(p, now, arg) + " AND " + k.notRestrictedSQL(p, arg)
}

// factsOf gathers what vigil.Decide needs to know about one record of the
// kind, and the reason of the principal's break-glass opening of it (or of
// a record it is about), if any.
func (tx *Tx) factsOf(ctx context.Context, k *recordScope, id int64) (vigil.RecordFacts, string, error) {
	var f vigil.RecordFacts
	args := []any{id}
	arg := func(v any) string {
		args = append(args, v)
		return "$" + itoa(len(args))
	}
	// The record's own columns: its LPAs, the holders read straight off
	// it, and the ids of the records it is one of them about.
	cols := slices.Clone(k.lpas)
	for _, h := range k.holders {
		if h.from == "" {
			team, person := h.team, h.person
			if h.until != "" {
				held := "(" + h.until + " IS NULL OR " + h.until + " > " + arg(instant(tx.now)) + ")"
				team, person = "CASE WHEN "+held+" THEN "+team+" END", "CASE WHEN "+held+" THEN "+person+" END"
			}
			cols = append(cols, team, person, "(SELECT ht.lpa_id FROM teams ht WHERE ht.id = "+team+")")
		}
	}
	for _, a := range k.about {
		if !a.several() {
			cols = append(cols, a.column)
		}
	}
	vals := make([]sql.NullInt64, len(cols))
	dest := make([]any, len(cols))
	for i := range vals {
		dest[i] = &vals[i]
	}
	q := "SELECT " + strings.Join(append(cols, "1"), ", ") + " FROM " + k.table + " " + k.alias + " WHERE " + k.idOf() + " = $1"
	var one int
	if err := tx.QueryRowContext(ctx, q, args...).Scan(append(dest, &one)...); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return f, "", notFound(k.what)
		}
		return f, "", err
	}
	i := 0
	for range k.lpas {
		addID(&f.LPAIDs, vals[i])
		i++
	}
	for _, h := range k.holders {
		if h.from != "" {
			continue
		}
		addID(&f.TeamIDs, vals[i])
		addID(&f.PersonIDs, vals[i+1])
		addID(&f.LPAIDs, vals[i+2]) // the holding team's LPA
		i += 3
	}
	if err := tx.holdersOf(ctx, k, id, &f); err != nil {
		return f, "", err
	}
	var reason string
	if k.own {
		var err error
		if reason, err = tx.ownFacts(ctx, k.kind, id, &f); err != nil {
			return f, "", err
		}
	}
	// The records it is about: their areas and holders extend to it, their
	// shares let partners in, their restrictions hold it back (each must
	// let the reader in) unless they withhold only parts of it, and their
	// openings open it for reading.
	for _, a := range k.about {
		var ids []int64
		if a.several() {
			var err error
			if ids, err = tx.aboutIDs(ctx, k, a, id); err != nil {
				return f, "", err
			}
		} else {
			v := vals[i]
			i++
			if v.Valid {
				ids = append(ids, v.Int64)
			}
		}
		for _, aid := range ids {
			af, ar, err := tx.factsOf(ctx, a.scope, aid)
			if err != nil {
				return f, "", err
			}
			if len(a.parts) > 0 {
				af.Restricted, af.AllowedRoles, af.AllowedUsers = false, nil, nil
			}
			mergeFacts(&f, af)
			if reason == "" {
				reason = ar
			}
		}
	}
	return f, reason, nil
}

// addID adds a read id to a set of them.
func addID(ids *[]int64, v sql.NullInt64) {
	if v.Valid && !slices.Contains(*ids, v.Int64) {
		*ids = append(*ids, v.Int64)
	}
}

// holdersOf adds the holders read from other tables, with their teams' LPAs,
// to f.
func (tx *Tx) holdersOf(ctx context.Context, k *recordScope, id int64, f *vigil.RecordFacts) error {
	for _, h := range k.holders {
		if h.from == "" {
			continue
		}
		args := []any{id}
		q := "SELECT " + h.team + ", " + h.person + ", ht.lpa_id FROM " + k.table + " " + k.alias + ", " + h.from +
			" LEFT JOIN teams ht ON ht.id = " + h.team + " WHERE " + k.idOf() + " = $1 AND " + h.where
		if h.until != "" {
			q += " AND (" + h.until + " IS NULL OR " + h.until + " > $2)"
			args = append(args, instant(tx.now))
		}
		rows, err := tx.QueryContext(ctx, q, args...)
		if err != nil {
			return err
		}
		for rows.Next() {
			var team, person, lpa sql.NullInt64
			if err := rows.Scan(&team, &person, &lpa); err != nil {
				rows.Close()
				return err
			}
			addID(&f.TeamIDs, team)
			addID(&f.PersonIDs, person)
			addID(&f.LPAIDs, lpa)
		}
		if err := closeRows(rows); err != nil {
			return err
		}
	}
	return nil
}

// aboutIDs reads the ids of the records of one kind a record is about,
// for a record that may be about several.
func (tx *Tx) aboutIDs(ctx context.Context, k *recordScope, a aboutRecord, id int64) ([]int64, error) {
	rows, err := tx.QueryContext(ctx, "SELECT DISTINCT "+a.column+" FROM "+k.table+" "+k.alias+", "+a.from+
		" WHERE "+k.idOf()+" = $1 AND "+a.where+" ORDER BY 1", id)
	if err != nil {
		return nil, err
	}
	var ids []int64
	for rows.Next() {
		var v int64
		if err := rows.Scan(&v); err != nil {
			rows.Close()
			return nil, err
		}
		ids = append(ids, v)
	}
	return ids, closeRows(rows)
}

// ownFacts adds a record's own shares, whole-record restrictions and the
// principal's break-glass opening to f, and returns the opening's reason.
func (tx *Tx) ownFacts(ctx context.Context, kind vigil.RecordKind, id int64, f *vigil.RecordFacts) (string, error) {
	rows, err := tx.QueryContext(ctx, `SELECT agency_id FROM shares WHERE record_kind = $1 AND record_id = $2
		AND revoked_at IS NULL AND (until_at IS NULL OR until_at > $3)`, string(kind), id, instant(tx.now))
	if err != nil {
		return "", err
	}
	for rows.Next() {
		var a int64
		if err := rows.Scan(&a); err != nil {
			rows.Close()
			return "", err
		}
		if !slices.Contains(f.SharedWith, a) {
			f.SharedWith = append(f.SharedWith, a)
		}
	}
	if err := closeRows(rows); err != nil {
		return "", err
	}
	rows, err = tx.QueryContext(ctx, `SELECT allowed_roles, allowed_users FROM restrictions
		WHERE record_kind = $1 AND record_id = $2 AND part = '' AND lifted_at IS NULL`, string(kind), id)
	if err != nil {
		return "", err
	}
	for rows.Next() {
		var roles, users string
		if err := rows.Scan(&roles, &users); err != nil {
			rows.Close()
			return "", err
		}
		restrict(f, toRoles(listItems(roles)), toIDs(listItems(users)))
	}
	if err := closeRows(rows); err != nil {
		return "", err
	}
	var reason string
	if tx.who != nil {
		err := tx.QueryRowContext(ctx, `SELECT reason FROM break_glass WHERE user_id = $1 AND record_kind = $2
			AND record_id = $3 AND expires_at > $4 ORDER BY opened_at DESC LIMIT 1`, tx.UserID(), string(kind), id, instant(tx.now)).Scan(&reason)
		if err == nil {
			f.BrokenGlass = true
		} else if !errors.Is(err, sql.ErrNoRows) {
			return "", err
		}
	}
	return reason, nil
}

// restrict adds a whole-record restriction to f: where there are several
// (on the record and on the records it is about), each must let the
// reader in, so only what every one of them allows is kept.
func restrict(f *vigil.RecordFacts, roles []vigil.Role, users []int64) {
	if !f.Restricted {
		f.Restricted, f.AllowedRoles, f.AllowedUsers = true, roles, users
		return
	}
	f.AllowedRoles = slices.DeleteFunc(f.AllowedRoles, func(r vigil.Role) bool { return !slices.Contains(roles, r) })
	f.AllowedUsers = slices.DeleteFunc(f.AllowedUsers, func(u int64) bool { return !slices.Contains(users, u) })
}

// mergeFacts adds the facts of a record another is about to the other's.
func mergeFacts(f *vigil.RecordFacts, about vigil.RecordFacts) {
	for _, l := range about.LPAIDs {
		if !slices.Contains(f.LPAIDs, l) {
			f.LPAIDs = append(f.LPAIDs, l)
		}
	}
	for _, t := range about.TeamIDs {
		if !slices.Contains(f.TeamIDs, t) {
			f.TeamIDs = append(f.TeamIDs, t)
		}
	}
	for _, p := range about.PersonIDs {
		if !slices.Contains(f.PersonIDs, p) {
			f.PersonIDs = append(f.PersonIDs, p)
		}
	}
	for _, a := range about.SharedWith {
		if !slices.Contains(f.SharedWith, a) {
			f.SharedWith = append(f.SharedWith, a)
		}
	}
	if about.Restricted {
		restrict(f, about.AllowedRoles, about.AllowedUsers)
	}
	f.BrokenGlass = f.BrokenGlass || about.BrokenGlass
}

// childScope: a child's record lies in the LPA where the child lives and
// with the teams and people who have the child on their caseload.
var childScope = &recordScope{kind: vigil.KindChild, table: "children", alias: "c", what: "Child", own: true,
	lpas: []string{"c.lpa_id"}, parts: vigil.ChildParts,
	holders: []holderSource{{from: "child_assignments a", where: "a.child_id = c.id AND a.ended_at IS NULL",
		team: "a.team_id", person: "a.person_id"}}}

// episodeScope: an episode lies where its child does, and also in its own
// area: the LPA it is missing from, that LPA's missing-persons team, the
// person who reported it and their team, and the officers deployed to it
// (until missing.deployed_access_hours after it closes). So a call handler who
// reports a child held by another area (found by the search before
// create) sees the episode they made and none of the child's other
// records; a whole-record restriction of the child holds back every
// episode of theirs.
var episodeScope = &recordScope{kind: vigil.KindEpisode, table: "missing_episodes", alias: "e", what: "Missing episode",
	lpas: []string{"e.lpa_id"},
	holders: []holderSource{{team: "e.team_id", person: "NULL"},
		{from: "users eu JOIN people ep ON ep.id = eu.person_id", where: "eu.id = e.created_by", team: "ep.team_id", person: "eu.person_id"},
		// The officers deployed to it, until a while after it closes.
		{from: "deployments d", where: "d.episode_id = e.id", team: "NULL", person: "d.person_id", until: "d.access_ends_at"}},
	about: []aboutRecord{{scope: childScope, column: "e.child_id"}}}
