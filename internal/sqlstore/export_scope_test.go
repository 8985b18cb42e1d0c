package sqlstore

import (
	"context"
	"fmt"

	"github.com/vigilcp/vigil/internal/vigil"
)

// TestKind is a kind of record a test declares, to show that the scope
// mechanism serves a new kind with no edit to the policy function.
type TestKind struct{ s *recordScope }

// NewTestKind declares a kind of record in table (aliased alias) that
// belongs to the LPA in column lpa and is held by the team in column team;
// shares, restrictions and break-glass openings are recorded against it.
func NewTestKind(kind vigil.RecordKind, table, alias, lpa, team string) TestKind {
	return TestKind{&recordScope{kind: kind, table: table, alias: alias, what: "Record", own: true,
		lpas: []string{lpa}, holders: []holderSource{{team: team, person: "NULL"}}}}
}

// ListKind lists the records of the kind the principal in ctx may see, by
// the kind's scope rule as SQL.
func (db *DB) ListKind(ctx context.Context, k TestKind) ([]int64, error) {
	var out []int64
	err := db.readTx(ctx, func(tx *Tx) error {
		var args []any
		arg := func(v any) string {
			args = append(args, v)
			return "$" + itoa(len(args))
		}
		rows, err := tx.QueryContext(ctx, "SELECT "+k.s.idOf()+" FROM "+k.s.table+" "+k.s.alias+" WHERE "+
			k.s.scopeSQL(tx.who, tx.now, arg)+" ORDER BY "+k.s.idOf(), args...)
		if err != nil {
			return fmt.Errorf("%w: %s %v", err, k.s.scopeSQL(tx.who, tx.now, func(any) string { return "?" }), args)
		}
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return err
			}
			out = append(out, id)
		}
		return closeRows(rows)
	})
	return out, err
}

// DecideKind is the policy's decision on one record of the kind, from the
// facts its declaration gathers.
func (db *DB) DecideKind(ctx context.Context, k TestKind, action vigil.Action, id int64) (vigil.Decision, error) {
	var d vigil.Decision
	err := db.readTx(ctx, func(tx *Tx) error {
		f, _, err := tx.factsOf(ctx, k.s, id)
		if err != nil {
			return err
		}
		d = vigil.Decide(tx.who, action, k.s.kind, f)
		return nil
	})
	return d, err
}

// NewTestKindAbout declares a kind as NewTestKind does, about several
// children (the child ids in column of from where where), with a part of
// it concerning each of them.
func NewTestKindAbout(kind vigil.RecordKind, table, alias, lpa, team, from, where, column string) TestKind {
	k := NewTestKind(kind, table, alias, lpa, team)
	k.s.about = []aboutRecord{{scope: childScope, from: from, where: where, column: column, parts: []string{"about"}}}
	return k
}

// WithheldAbout is, of one record of the kind, the children whose part of
// it is held back from the principal in ctx.
func (db *DB) WithheldAbout(ctx context.Context, k TestKind, id int64) ([]int64, error) {
	var out []int64
	err := db.readTx(ctx, func(tx *Tx) error {
		w, err := tx.withheldParts(ctx, k.s, []int64{id})
		if err == nil && w[id] != nil {
			out = w[id].about[vigil.KindChild]
		}
		return err
	})
	return out, err
}
