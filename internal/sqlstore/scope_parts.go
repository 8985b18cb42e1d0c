package sqlstore

import (
	"context"
	"slices"
	"strings"

	"github.com/vigilcp/vigil/internal/vigil"
)

// Parts of records. A kind that declares parts can share and restrict
// each apart from the rest; withheldParts says, for records the principal
// may see, which parts are held back from them, and each kind blanks the
// fields of those parts (a child's, in mask). A record about several
// people holds back, person by person, what concerns one the principal is
// restricted from (or, for a partner agency, one not shared with them),
// rather than the whole record.

// withholding is what of one record is held back from the principal: its
// named parts, and the records it is about whose parts of it are held back
// (for a record about several), by kind.
type withholding struct {
	parts []string
	about map[vigil.RecordKind][]int64
}

// withholds reports whether a part is held back.
func (w withholding) withholds(part string) bool { return slices.Contains(w.parts, part) }

// hold adds a part, once.
func (w *withholding) hold(part string) {
	if !slices.Contains(w.parts, part) {
		w.parts = append(w.parts, part)
	}
}

// holdAbout adds a record it is about whose parts are held back, once.
func (w *withholding) holdAbout(kind vigil.RecordKind, id int64) {
	if w.about == nil {
		w.about = map[vigil.RecordKind][]int64{}
	}
	if !slices.Contains(w.about[kind], id) {
		w.about[kind] = append(w.about[kind], id)
	}
}

// withheldParts says which parts of each of the records (of kind k, which
// the principal may see) are held back from the principal: parts
// restricted to others; for a partner agency, parts not shared with it;
// and the parts concerning a record it is about that is restricted from
// the principal (or, for a partner, not shared with it).
func (tx *Tx) withheldParts(ctx context.Context, k *recordScope, ids []int64) (map[int64]*withholding, error) {
	out := make(map[int64]*withholding, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	of := func(id int64) *withholding {
		if out[id] == nil {
			out[id] = &withholding{}
		}
		return out[id]
	}
	p := tx.who
	if k.own && len(k.parts) > 0 {
		q := newQuery()
		err := tx.eachRow(ctx, q, `SELECT r.record_id, r.part FROM restrictions r WHERE r.record_kind = `+q.arg(string(k.kind))+
			` AND r.record_id IN `+q.in(ids)+` AND r.part <> '' AND r.lifted_at IS NULL AND NOT `+restrictionOpen(p, q.arg),
			func(s scanner) error {
				var id int64
				var part string
				if err := s.Scan(&id, &part); err != nil {
					return err
				}
				of(id).hold(part)
				return nil
			})
		if err != nil {
			return nil, err
		}
		if p.Scope == vigil.ScopeAgency {
			shared := map[int64][]string{}
			q := newQuery()
			err := tx.eachRow(ctx, q, `SELECT record_id, parts FROM shares WHERE record_kind = `+q.arg(string(k.kind))+
				` AND record_id IN `+q.in(ids)+" AND agency_id = "+q.arg(p.AgencyID)+
				" AND revoked_at IS NULL AND (until_at IS NULL OR until_at > "+q.arg(instant(tx.now))+")",
				func(s scanner) error {
					var id int64
					var parts string
					if err := s.Scan(&id, &parts); err != nil {
						return err
					}
					shared[id] = append(shared[id], listItems(parts)...)
					return nil
				})
			if err != nil {
				return nil, err
			}
			for _, id := range ids {
				for _, part := range k.parts {
					if !slices.Contains(shared[id], part) {
						of(id).hold(part)
					}
				}
			}
		}
	}
	for _, a := range k.about {
		if len(a.parts) == 0 {
			continue
		}
		// The records it is about that are held back from the principal.
		s := a.scope
		q := newQuery()
		from := k.table + " " + k.alias
		where := []string{k.idOf() + " IN " + q.in(ids)}
		if a.several() {
			from += ", " + a.from
			where = append(where, a.where)
		}
		from += " JOIN " + s.table + " " + s.alias + " ON " + s.idOf() + " = " + a.column
		held := "NOT (" + s.notRestrictedSQL(p, q.arg) + ")"
		if p.Scope == vigil.ScopeAgency {
			held = "(" + held + " OR NOT " + s.reachSQL(p, tx.now, q.arg) + ")"
		}
		where = append(where, held)
		err := tx.eachRow(ctx, q, "SELECT DISTINCT "+k.idOf()+", "+s.idOf()+" FROM "+from+" WHERE "+strings.Join(where, " AND "),
			func(sc scanner) error {
				var id, about int64
				if err := sc.Scan(&id, &about); err != nil {
					return err
				}
				w := of(id)
				if a.several() {
					w.holdAbout(s.kind, about)
				} else {
					for _, part := range a.parts {
						w.hold(part)
					}
				}
				return nil
			})
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// partOpenSQL is the SQL test that no restriction of one part of a record
// of the kind holds the principal back.
func (k *recordScope) partOpenSQL(p *vigil.Principal, part string, arg func(any) string) string {
	return `NOT EXISTS (SELECT 1 FROM restrictions r WHERE r.record_kind = ` + arg(string(k.kind)) + " AND r.record_id = " + k.idOf() +
		" AND r.part = " + arg(part) + " AND r.lifted_at IS NULL AND NOT " + restrictionOpen(p, arg) + ")"
}

// query gathers a statement's arguments as its SQL is written.
type query struct{ args []any }

func newQuery() *query { return &query{} }

// arg adds an argument and returns its placeholder.
func (q *query) arg(v any) string {
	q.args = append(q.args, v)
	return "$" + itoa(len(q.args))
}

// in is the SQL list of the ids, as arguments.
func (q *query) in(ids []int64) string {
	ph := make([]string, len(ids))
	for i, id := range ids {
		ph[i] = q.arg(id)
	}
	return "(" + strings.Join(ph, ", ") + ")"
}

// eachRow runs the query and calls row for each row it returns.
func (tx *Tx) eachRow(ctx context.Context, q *query, sql string, row func(scanner) error) error {
	rows, err := tx.QueryContext(ctx, sql, q.args...)
	if err != nil {
		return err
	}
	for rows.Next() {
		if err := row(rows); err != nil {
			rows.Close()
			return err
		}
	}
	return closeRows(rows)
}
