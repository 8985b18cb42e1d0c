package sqlstore

import (
	"context"
	"slices"
	"strconv"

	"github.com/vigilcp/vigil/internal/vigil"
)

// history records a write field by field: one row for each field whose
// value changed (every set field, on a create). before is nil on a create.
func (tx *Tx) history(ctx context.Context, kind vigil.RecordKind, id int64, action string, before, after map[string]string) error {
	fields := make([]string, 0, len(after))
	for f := range after {
		fields = append(fields, f)
	}
	slices.Sort(fields)
	for _, f := range fields {
		var old any
		if before != nil {
			b, ok := before[f]
			if ok && b == after[f] {
				continue
			}
			old = b
		} else if after[f] == "" {
			continue
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO record_history (record_kind, record_id, at, user_id, action, field,
			before_value, after_value) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
			string(kind), id, instant(tx.now), nullIfZero(tx.UserID()), action, f, old, after[f]); err != nil {
			return err
		}
	}
	return nil
}

// historyOf reads a record's changes, newest first, each change grouping
// the fields written together.
func (tx *Tx) historyOf(ctx context.Context, kind vigil.RecordKind, id int64) ([]vigil.Change, error) {
	rows, err := tx.QueryContext(ctx, `SELECT h.at, h.user_id, COALESCE(u.username, ''), h.action, h.field, h.before_value, h.after_value
		FROM record_history h LEFT JOIN users u ON u.id = h.user_id
		WHERE h.record_kind = $1 AND h.record_id = $2 ORDER BY h.at DESC, h.id DESC`, string(kind), id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []vigil.Change
	for rows.Next() {
		var c vigil.Change
		var fc vigil.FieldChange
		if err := rows.Scan(scanInstant{&c.At}, nullInt{&c.UserID}, &c.Username, &c.Action, &fc.Field, &fc.Before, &fc.After); err != nil {
			return nil, err
		}
		if n := len(out); n > 0 && out[n-1].At.Equal(c.At) && out[n-1].UserID == c.UserID && out[n-1].Action == c.Action {
			out[n-1].Fields = append(out[n-1].Fields, fc)
			continue
		}
		c.Fields = []vigil.FieldChange{fc}
		out = append(out, c)
	}
	for _, c := range out {
		slices.Reverse(c.Fields) // newest change first, its fields in the order written
	}
	return out, rows.Err()
}

func idText(id int64) string {
	if id == 0 {
		return ""
	}
	return strconv.FormatInt(id, 10)
}

func boolText(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}
