package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/vigilcp/vigil/internal/vigil"
)

// The access log is written in the same transaction as the work it
// records: a service method notes entries as it goes (Tx.log), and runTx
// appends them to the chain last, just before commit, so the chain's head
// is held for as short a time as possible. A refusal rolls the work back
// and is logged in a transaction of its own.

// log notes an access-log entry for this transaction, attributed to its
// principal. Entries are only written by write transactions.
func (tx *Tx) log(action vigil.Action, kind vigil.RecordKind, ids []int64, outcome, reason string) {
	tx.pending = append(tx.pending, tx.entry(action, kind, ids, outcome, reason))
}

// entry builds an access-log entry from the transaction's principal.
func (tx *Tx) entry(action vigil.Action, kind vigil.RecordKind, ids []int64, outcome, reason string) vigil.AccessEntry {
	e := vigil.AccessEntry{At: tx.now, Action: action, RecordKind: kind, RecordIDs: ids, Outcome: outcome,
		Reason: reason, Username: "anonymous", Via: "anonymous", Purpose: vigil.DefaultPurpose,
		Client: tx.origin.Client, RequestID: tx.origin.RequestID}
	if p := tx.who; p != nil {
		e.UserID, e.Username, e.Via, e.TeamID = p.User.ID, p.User.Username, p.Via, p.TeamID
		if p.Purpose != "" {
			e.Purpose = p.Purpose
		}
	}
	return e
}

// require checks a permission that does not depend on a record; a refusal
// is logged.
func (tx *Tx) require(ctx context.Context, action vigil.Action, kind vigil.RecordKind) error {
	err := vigil.Require(ctx, action, kind)
	if err != nil && vigil.ErrorCode(err) == vigil.EFORBIDDEN {
		tx.denied = append(tx.denied, tx.entry(action, kind, nil, vigil.OutcomeDenied, vigil.DenialReason(err)))
	}
	return err
}

// refuse logs a refused decision on a record and returns its error.
func (tx *Tx) refuse(action vigil.Action, kind vigil.RecordKind, ids []int64, d vigil.Decision, what string) error {
	tx.denied = append(tx.denied, tx.entry(action, kind, ids, vigil.OutcomeDenied, d.Reason))
	return vigil.Refuse(tx.who, d, what)
}

// appendLog writes entries to the chain: it takes the head (locking its
// row on PostgreSQL until commit), hashes each entry onto it, and moves
// the head on. Each entry carries the ids of the records it names; the
// per-record index is filled behind the log by IndexAccessLog.
func (tx *Tx) appendLog(ctx context.Context, entries []vigil.AccessEntry) error {
	if len(entries) == 0 {
		return nil
	}
	var seq int64
	var prev string
	err := tx.Tx.QueryRowContext(ctx, "UPDATE access_log_head SET seq = seq + $1 WHERE id = 1 RETURNING seq, hash",
		len(entries)).Scan(&seq, &prev)
	if err != nil {
		return fmt.Errorf("taking the access log's head: %w", err)
	}
	seq -= int64(len(entries))
	for _, e := range entries {
		seq++
		e.Seq, e.PrevHash = seq, prev
		e.Hash = e.ComputeHash()
		if _, err := tx.ExecContext(ctx, `INSERT INTO access_log (seq, at, user_id, username, via, client, request_id,
			action, record_kind, record_ids, purpose, reason, outcome, team_id, prev_hash, hash, break_glass)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)`,
			e.Seq, instant(e.At), nullIfZero(e.UserID), e.Username, e.Via, e.Client, e.RequestID, string(e.Action),
			string(e.RecordKind), e.IDsText(), e.Purpose, e.Reason, e.Outcome, nullIfZero(e.TeamID), e.PrevHash, e.Hash,
			e.BreakGlass); err != nil {
			return fmt.Errorf("appending to the access log: %w", err)
		}
		prev = e.Hash
	}
	_, err = tx.ExecContext(ctx, "UPDATE access_log_head SET hash = $1 WHERE id = 1", prev)
	return err
}

// logAlone writes entries in a transaction of their own: refusals and
// failed sign-ins, whose work was rolled back or never done.
func (db *DB) logAlone(ctx context.Context, entries []vigil.AccessEntry) error {
	if len(entries) == 0 {
		return nil
	}
	return db.runTx(context.WithoutCancel(ctx), db.write, nil, func(tx *Tx) error {
		tx.pending = append(tx.pending, entries...)
		return nil
	})
}

// LogSystemAction records one action done by the principal in ctx outside
// any service method (a bulk demo load, an import).
func (db *DB) LogSystemAction(ctx context.Context, action vigil.Action, kind vigil.RecordKind, reason string) error {
	return db.writeTx(ctx, func(tx *Tx) error {
		tx.log(action, kind, nil, vigil.OutcomeOK, reason)
		return nil
	})
}

// AccessLogHead returns the chain's head: its last sequence number and hash.
func (db *DB) AccessLogHead(ctx context.Context) (int64, string, error) {
	var seq int64
	var hash string
	err := db.read.QueryRowContext(ctx, "SELECT seq, hash FROM access_log_head WHERE id = 1").Scan(&seq, &hash)
	return seq, hash, db.mapErr(err)
}

const accessCols = `seq, at, user_id, username, via, client, request_id, action, record_kind, record_ids, purpose,
	reason, outcome, team_id, prev_hash, hash, break_glass`

func scanAccess(row scanner) (vigil.AccessEntry, error) {
	var e vigil.AccessEntry
	var ids string
	err := row.Scan(&e.Seq, scanInstant{&e.At}, nullInt{&e.UserID}, &e.Username, &e.Via, &e.Client, &e.RequestID,
		&e.Action, &e.RecordKind, &ids, &e.Purpose, &e.Reason, &e.Outcome, nullInt{&e.TeamID}, &e.PrevHash, &e.Hash, &e.BreakGlass)
	if err != nil {
		return e, err
	}
	e.RecordIDs, err = parseIDs(ids)
	return e, err
}

// parseIDs is vigil.ParseIDs, several times faster for ids as Vigil
// writes them (decimal digits and single spaces), which matters when a
// check reads tens of millions of them; anything else goes to
// vigil.ParseIDs, so the result is always the same.
func parseIDs(s string) ([]int64, error) {
	if s == "" {
		return nil, nil
	}
	out := make([]int64, 0, strings.Count(s, " ")+1)
	var n int64
	digits := 0
	for i := 0; i <= len(s); i++ {
		if i == len(s) || s[i] == ' ' {
			if digits == 0 {
				return vigil.ParseIDs(s) // a leading, trailing or doubled space
			}
			out = append(out, n)
			n, digits = 0, 0
			continue
		}
		c := s[i]
		if c < '0' || c > '9' || digits == 18 {
			return vigil.ParseIDs(s) // a sign, another separator, or an id that might overflow
		}
		n = n*10 + int64(c-'0')
		digits++
	}
	return out, nil
}

// AccessLogService implements vigil.AccessLogService.
type AccessLogService struct{ db *DB }

// NewAccessLogService returns the auditors' view of the access log.
func NewAccessLogService(db *DB) *AccessLogService { return &AccessLogService{db: db} }

// AccessLog implements vigil.AccessLogService: newest first, with keyset
// paging on the sequence number.
func (s *AccessLogService) AccessLog(ctx context.Context, f vigil.AccessLogFilter) (vigil.Page[vigil.AccessEntry], error) {
	var page vigil.Page[vigil.AccessEntry]
	var where []string
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return "$" + itoa(len(args))
	}
	if f.RecordID != 0 {
		where = append(where, "seq IN ("+recordSeqsSQL(f.RecordKind, f.RecordID, arg)+")")
	} else if f.RecordKind != "" {
		where = append(where, "record_kind = "+arg(string(f.RecordKind)))
	}
	if f.UserID != 0 {
		where = append(where, "user_id = "+arg(f.UserID))
	}
	if f.Action != "" {
		where = append(where, "action = "+arg(string(f.Action)))
	}
	if f.TeamID != 0 {
		where = append(where, "team_id = "+arg(f.TeamID))
	}
	if !f.From.IsZero() {
		where = append(where, "at >= "+arg(instant(f.From)))
	}
	if !f.To.IsZero() {
		where = append(where, "at < "+arg(instant(f.To)))
	}
	if f.Cursor != "" {
		var before int64
		if err := decodeCursor(f.Cursor, &before); err != nil {
			return page, err
		}
		where = append(where, "seq < "+arg(before))
	}
	q := "SELECT " + accessCols + " FROM access_log"
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	limit := f.Size()
	q += " ORDER BY seq DESC LIMIT " + arg(limit+1)
	err := s.db.writeTx(ctx, func(tx *Tx) error {
		if err := tx.require(ctx, vigil.ActionSearch, vigil.KindAccessLog); err != nil {
			return err
		}
		rows, err := tx.QueryContext(ctx, q, args...)
		if err != nil {
			return err
		}
		for rows.Next() {
			e, err := scanAccess(rows)
			if err != nil {
				rows.Close()
				return err
			}
			page.Items = append(page.Items, e)
		}
		if err := closeRows(rows); err != nil {
			return err
		}
		if len(page.Items) > limit {
			page.Items = page.Items[:limit]
			page.Next = encodeCursor(page.Items[limit-1].Seq)
		}
		var seqs []int64
		for _, e := range page.Items {
			seqs = append(seqs, e.Seq)
		}
		tx.log(vigil.ActionSearch, vigil.KindAccessLog, seqs, vigil.OutcomeOK, "")
		return nil
	})
	if err != nil {
		return vigil.Page[vigil.AccessEntry]{}, err
	}
	return page, nil
}

var errNoRows = sql.ErrNoRows

func isNoRows(err error) bool { return errors.Is(err, errNoRows) }
