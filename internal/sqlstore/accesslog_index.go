package sqlstore

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/vigilcp/vigil/internal/vigil"
)

// The per-record index of the access log (access_log_records) answers
// "who has looked at this record". It is derived from the entries'
// record_ids and filled behind the log rather than in each transaction:
// a work queue of 200 episodes then appends one entry, not one entry and
// 200 rows scattered through the largest B-tree in the database (which,
// measured on the national demo, was two thirds of the queue's time).
// access_log_index_head.seq marks the last entry indexed. Readers of the
// index also read the entries after the mark (recordSeqsSQL), so an
// answer never depends on how far behind the indexer is.

// Indexing limits: one batch holds at most this many entries and stops
// adding entries once it has this many index rows, so that it holds the
// writer (SQLite) or the index mark (PostgreSQL) for milliseconds.
const (
	indexBatchEntries = 2000
	indexBatchRows    = 5000
)

// IndexProgress is what one call of IndexAccessLog did and what is left.
type IndexProgress struct {
	Entries int   // entries indexed by this call
	Rows    int   // index rows written by this call
	Indexed int64 // the last entry indexed
	Head    int64 // the last entry written
}

// IndexAccessLog indexes one batch of the entries after the index mark
// and moves the mark on, in one transaction. Several instances may run
// it at once: the mark's row is taken first, so batches queue behind one
// another and none is indexed twice. Callers repeat while Indexed < Head.
func (db *DB) IndexAccessLog(ctx context.Context) (IndexProgress, error) {
	// Nothing to do is the common case: find it out without the writer.
	p, err := db.AccessLogIndexState(ctx)
	if err != nil || p.Indexed >= p.Head {
		return p, err
	}
	err = db.runTx(ctx, db.write, nil, func(tx *Tx) error {
		// Take the mark (its row stays locked on PostgreSQL until commit).
		var mark int64
		if err := tx.QueryRowContext(ctx, "UPDATE access_log_index_head SET seq = seq WHERE id = 1 RETURNING seq").Scan(&mark); err != nil {
			return fmt.Errorf("taking the access log index mark: %w", err)
		}
		rows, err := tx.QueryContext(ctx, "SELECT seq, record_kind, record_ids FROM access_log WHERE seq > $1 ORDER BY seq LIMIT $2",
			mark, indexBatchEntries)
		if err != nil {
			return err
		}
		var index []indexRow
		last := mark
		for rows.Next() {
			var seq int64
			var kind, ids string
			if err := rows.Scan(&seq, &kind, &ids); err != nil {
				rows.Close()
				return err
			}
			parsed, err := vigil.ParseIDs(ids)
			if err != nil {
				rows.Close()
				return fmt.Errorf("access log entry %d: %w", seq, err)
			}
			if len(index) > 0 && len(index)+len(parsed) > indexBatchRows {
				break
			}
			for _, id := range parsed {
				index = append(index, indexRow{kind: kind, id: id, seq: seq})
			}
			last = seq
			p.Entries++
		}
		if err := closeRows(rows); err != nil {
			return err
		}
		// In key order, so that neighbouring rows land on the same page.
		slices.SortFunc(index, func(a, b indexRow) int {
			return cmp.Or(cmp.Compare(a.kind, b.kind), cmp.Compare(a.id, b.id), cmp.Compare(a.seq, b.seq))
		})
		index = slices.Compact(index)
		if err := tx.insertIndexRows(ctx, index); err != nil {
			return fmt.Errorf("indexing the access log: %w", err)
		}
		if _, err := tx.ExecContext(ctx, "UPDATE access_log_index_head SET seq = $1 WHERE id = 1", last); err != nil {
			return fmt.Errorf("moving the access log index mark: %w", err)
		}
		p.Rows, p.Indexed = len(index), last
		return nil
	})
	return p, err
}

// AccessLogIndexState reads the last entry indexed and the last written.
func (db *DB) AccessLogIndexState(ctx context.Context) (IndexProgress, error) {
	var p IndexProgress
	err := db.read.QueryRowContext(ctx, `SELECT i.seq, h.seq FROM access_log_index_head i, access_log_head h
		WHERE i.id = 1 AND h.id = 1`).Scan(&p.Indexed, &p.Head)
	return p, db.mapErr(err)
}

// indexRow is one row of access_log_records.
type indexRow struct {
	kind string
	id   int64
	seq  int64
}

// insertIndexRows writes index rows, many to a statement.
func (tx *Tx) insertIndexRows(ctx context.Context, index []indexRow) error {
	const per = 300 // three parameters a row, well under either engine's limit
	for len(index) > 0 {
		part := index[:min(per, len(index))]
		index = index[len(part):]
		args := make([]any, 0, 3*len(part))
		var b strings.Builder
		b.WriteString("INSERT INTO access_log_records (record_kind, record_id, seq) VALUES ")
		for i, r := range part {
			if i > 0 {
				b.WriteString(", ")
			}
			n := len(args)
			args = append(args, r.kind, r.id, r.seq)
			b.WriteString("($" + strconv.Itoa(n+1) + ", $" + strconv.Itoa(n+2) + ", $" + strconv.Itoa(n+3) + ")")
		}
		b.WriteString(" ON CONFLICT DO NOTHING")
		if _, err := tx.ExecContext(ctx, b.String(), args...); err != nil {
			return err
		}
	}
	return nil
}

// recordSeqsSQL is a subquery of the sequence numbers of the entries that
// name one record: those indexed, and those after the index mark, read
// from the entries themselves.
func recordSeqsSQL(kind vigil.RecordKind, id int64, arg func(any) string) string {
	k := arg(string(kind))
	return "SELECT seq FROM access_log_records WHERE record_kind = " + k + " AND record_id = " + arg(id) +
		" UNION ALL SELECT seq FROM access_log WHERE seq > (SELECT seq FROM access_log_index_head WHERE id = 1)" +
		" AND record_kind = " + k + " AND ' ' || record_ids || ' ' LIKE " + arg("% "+strconv.FormatInt(id, 10)+" %")
}
