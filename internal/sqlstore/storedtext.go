package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
)

// StoredNUL is a column of stored text where some rows hold a NUL
// character (U+0000): written before Vigil refused them at its edge. SQLite
// stores them; PostgreSQL cannot, so it holds none.
type StoredNUL struct {
	Table, Column string
	Rows          int64
	// Keys names the first rows (by id, or by rowid where a table has no
	// id), at most maxNULKeys of them, in order.
	Keys []string
}

// maxNULKeys is how many rows of a column StoredNULs names.
const maxNULKeys = 10

// StoredNULs lists every text column whose stored rows hold a NUL
// character, table by table, each read once in one snapshot (a full read
// of the database's text: minutes at national scale). On PostgreSQL it
// returns none without reading anything.
func (db *DB) StoredNULs(ctx context.Context) ([]StoredNUL, error) {
	if db.engine != SQLite {
		return nil, nil
	}
	tx, err := db.read.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, db.mapErr(err)
	}
	defer func() { _ = tx.Rollback() }()
	tables, err := textColumns(ctx, tx)
	if err != nil {
		return nil, err
	}
	var out []StoredNUL
	for _, t := range tables {
		found, err := nulsIn(ctx, tx, t)
		if err != nil {
			return nil, fmt.Errorf("reading %s: %w", t.name, err)
		}
		out = append(out, found...)
	}
	return out, nil
}

// textTable is a table, its text columns, and what names its rows.
type textTable struct {
	name string
	key  string // an expression naming a row
	cols []string
}

// textColumns lists the tables with text columns (goose's own aside).
func textColumns(ctx context.Context, tx *sql.Tx) ([]textTable, error) {
	names, err := queryStrings(ctx, tx, `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'
		AND name <> 'goose_db_version' ORDER BY name`)
	if err != nil {
		return nil, err
	}
	var out []textTable
	for _, name := range names {
		rows, err := tx.QueryContext(ctx, "SELECT name, type, pk FROM pragma_table_info($1) ORDER BY cid", name)
		if err != nil {
			return nil, err
		}
		t := textTable{name: name, key: "'row ' || rowid"}
		var pk []string
		for rows.Next() {
			var col, typ string
			var inKey int
			if err := rows.Scan(&col, &typ, &inKey); err != nil {
				rows.Close()
				return nil, err
			}
			if strings.EqualFold(typ, "TEXT") {
				t.cols = append(t.cols, col)
			}
			if inKey > 0 {
				pk = append(pk, quoteIdent(col))
			}
			if col == "id" {
				t.key = "'id ' || id"
			}
		}
		if err := closeRows(rows); err != nil {
			return nil, err
		}
		var withoutRowid bool
		if err := tx.QueryRowContext(ctx, "SELECT wr FROM pragma_table_list WHERE name = $1 AND schema = 'main'", name).Scan(&withoutRowid); err != nil {
			return nil, err
		}
		if withoutRowid && t.key != "'id ' || id" {
			t.key = strings.Join(pk, " || ' ' || ")
		}
		if len(t.cols) > 0 {
			out = append(out, t)
		}
	}
	return out, nil
}

// nulsIn reads a table's text once, as bytes (SQL functions on text with a
// NUL in it are undefined in SQLite; on a BLOB they are exact), and
// returns its columns that hold a NUL.
func nulsIn(ctx context.Context, tx *sql.Tx, t textTable) ([]StoredNUL, error) {
	has := make([]string, len(t.cols))
	for i, c := range t.cols {
		has[i] = fmt.Sprintf("instr(CAST(%s AS BLOB), x'00') > 0", quoteIdent(c))
	}
	rows, err := tx.QueryContext(ctx, fmt.Sprintf("SELECT %s, %s FROM %s WHERE %s", t.key, strings.Join(has, ", "),
		quoteIdent(t.name), strings.Join(has, " OR ")))
	if err != nil {
		return nil, err
	}
	found := make([]StoredNUL, len(t.cols))
	for i, c := range t.cols {
		found[i] = StoredNUL{Table: t.name, Column: c}
	}
	flags := make([]bool, len(t.cols))
	dest := []any{new(string)}
	for i := range flags {
		dest = append(dest, &flags[i])
	}
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			rows.Close()
			return nil, err
		}
		key := *dest[0].(*string)
		for i, nul := range flags {
			if !nul {
				continue
			}
			found[i].Rows++
			if len(found[i].Keys) < maxNULKeys {
				found[i].Keys = append(found[i].Keys, key)
			}
		}
	}
	if err := closeRows(rows); err != nil {
		return nil, err
	}
	return slices.DeleteFunc(found, func(s StoredNUL) bool { return s.Rows == 0 }), nil
}

// quoteIdent quotes a name from the schema for SQL.
func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

func queryStrings(ctx context.Context, tx *sql.Tx, q string, args ...any) ([]string, error) {
	rows, err := tx.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, s)
	}
	return out, closeRows(rows)
}
