package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

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
	e.RecordIDs, err = vigil.ParseIDs(ids)
	return e, err
}

// VerifyResult is what a check of the access log found.
type VerifyResult struct {
	Entries     int64 // entries checked
	Checkpoints int   // checkpoints matched
	HeadSeq     int64
	// Problem names the first altered, removed, reordered or missing
	// entry, or a checkpoint that does not hold; "" when all is well.
	Problem string
	// BadSeq is the sequence number the problem was found at.
	BadSeq int64
}

// VerifyAccessLog walks the whole chain in order, recomputing each hash,
// and checks it against signed checkpoints kept outside the database:
// each checkpoint's entry must still carry the hash it had when signed
// (which catches a chain recomputed after an edit), and the chain must
// reach the newest checkpoint (which catches a truncation). It then
// checks that the per-record index holds as many rows for the entries it
// has reached as those entries name records, since a removed index row
// would hide a look at a record from "who has looked at this record".
func (db *DB) VerifyAccessLog(ctx context.Context, checkpoints []vigil.Checkpoint, progress func(n int64)) (VerifyResult, error) {
	var res VerifyResult
	// The index mark only moves forward, so the rows for the entries up to
	// it as read now are all written and stay put.
	var mark, named int64
	if err := db.read.QueryRowContext(ctx, "SELECT seq FROM access_log_index_head WHERE id = 1").Scan(&mark); err != nil {
		return res, db.mapErr(err)
	}
	bySeq := map[int64]vigil.Checkpoint{}
	var maxCheckpoint int64
	for _, c := range checkpoints {
		bySeq[c.Seq] = c
		maxCheckpoint = max(maxCheckpoint, c.Seq)
	}
	fail := func(seq int64, format string, args ...any) (VerifyResult, error) {
		if res.Problem == "" {
			res.Problem, res.BadSeq = fmt.Sprintf(format, args...), seq
		}
		return res, nil
	}
	rows, err := db.read.QueryContext(ctx, "SELECT "+accessCols+" FROM access_log ORDER BY seq")
	if err != nil {
		return res, db.mapErr(err)
	}
	defer rows.Close()
	want, prev := int64(1), vigil.GenesisHash
	for rows.Next() {
		e, err := scanAccess(rows)
		if err != nil {
			return res, fmt.Errorf("reading entry after %d: %w", want-1, err)
		}
		switch {
		case e.Seq > want:
			return fail(want, "entry %d is missing (the next entry is %d): removed", want, e.Seq)
		case e.PrevHash != prev:
			return fail(e.Seq, "entry %d does not follow entry %d (its previous hash differs): removed, reordered or altered", e.Seq, e.Seq-1)
		case e.ComputeHash() != e.Hash:
			return fail(e.Seq, "entry %d has been altered (its content no longer matches its hash)", e.Seq)
		}
		if c, ok := bySeq[e.Seq]; ok {
			if c.Hash != e.Hash {
				return fail(e.Seq, "entry %d differs from the signed checkpoint of %s: the chain has been rewritten",
					e.Seq, c.At.Format(time.RFC3339))
			}
			res.Checkpoints++
		}
		if e.Seq <= mark {
			named += int64(len(distinct(e.RecordIDs)))
		}
		prev, want = e.Hash, want+1
		res.Entries++
		if progress != nil && res.Entries%50_000 == 0 {
			progress(res.Entries)
		}
	}
	if err := rows.Err(); err != nil {
		return res, err
	}
	res.HeadSeq = want - 1
	var headSeq int64
	var headHash string
	if err := db.read.QueryRowContext(ctx, "SELECT seq, hash FROM access_log_head WHERE id = 1").Scan(&headSeq, &headHash); err != nil {
		return res, db.mapErr(err)
	}
	switch {
	case maxCheckpoint > res.HeadSeq:
		return fail(res.HeadSeq+1, "entries %d to %d are missing: the log ends at %d but a signed checkpoint reaches %d (truncated)",
			res.HeadSeq+1, maxCheckpoint, res.HeadSeq, maxCheckpoint)
	case headSeq != res.HeadSeq || headHash != prev:
		return fail(res.HeadSeq+1, "the chain's head (entry %d) does not match its last entry (%d): entries removed or the head moved",
			headSeq, res.HeadSeq)
	case mark > res.HeadSeq:
		return fail(res.HeadSeq+1, "the record index's mark (entry %d) is past the log's last entry (%d): entries removed or the mark moved",
			mark, res.HeadSeq)
	}
	var indexed int64
	if err := db.read.QueryRowContext(ctx, "SELECT COUNT(*) FROM access_log_records WHERE seq <= $1", mark).Scan(&indexed); err != nil {
		return res, db.mapErr(err)
	}
	if indexed != named {
		seq, err := db.firstIndexMismatch(ctx, mark)
		if err != nil {
			return res, err
		}
		return fail(seq, "the record index does not match entry %d (entries 1 to %d name %d records, the index holds %d rows): "+
			"index rows removed or added, so searches by record would be wrong", seq, mark, named, indexed)
	}
	return res, nil
}

// firstIndexMismatch finds the first entry up to mark whose index rows do
// not number the records it names (0 if none does).
func (db *DB) firstIndexMismatch(ctx context.Context, mark int64) (int64, error) {
	entries, err := db.read.QueryContext(ctx, "SELECT seq, record_ids FROM access_log WHERE seq <= $1 AND record_ids <> '' ORDER BY seq", mark)
	if err != nil {
		return 0, db.mapErr(err)
	}
	defer entries.Close()
	index, err := db.read.QueryContext(ctx, "SELECT seq, COUNT(*) FROM access_log_records WHERE seq <= $1 GROUP BY seq ORDER BY seq", mark)
	if err != nil {
		return 0, db.mapErr(err)
	}
	defer index.Close()
	var iseq, icount int64
	nextIndex := func() error {
		iseq, icount = mark+1, 0 // past every entry once the index is read
		if index.Next() {
			return index.Scan(&iseq, &icount)
		}
		return index.Err()
	}
	if err := nextIndex(); err != nil {
		return 0, err
	}
	for entries.Next() {
		var seq int64
		var ids string
		if err := entries.Scan(&seq, &ids); err != nil {
			return 0, err
		}
		parsed, err := vigil.ParseIDs(ids)
		if err != nil {
			return seq, nil
		}
		if iseq < seq { // rows for an entry that names nothing
			return iseq, nil
		}
		if iseq != seq || icount != int64(len(distinct(parsed))) {
			return seq, nil
		}
		if err := nextIndex(); err != nil {
			return 0, err
		}
	}
	if err := entries.Err(); err != nil {
		return 0, err
	}
	if iseq <= mark {
		return iseq, nil
	}
	return 0, nil
}

// distinct returns ids without repeats, in first-seen order.
func distinct(ids []int64) []int64 {
	seen := make(map[int64]bool, len(ids))
	out := ids[:0:0]
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
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
