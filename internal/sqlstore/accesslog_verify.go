package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/vigilcp/vigil/internal/vigil"
)

// VerifyResult is what a check of the access log found.
type VerifyResult struct {
	Entries int64 // entries checked
	// Checkpoints is how many of the checkpoints given held: every one,
	// when all is well.
	Checkpoints int
	HeadSeq     int64
	// IndexMark is the last entry the record index was checked against,
	// and IndexRows the index rows found up to it.
	IndexMark, IndexRows int64
	// NewestCheckpoint is the newest checkpoint given (zero Seq if none).
	// Tail is the number of entries after it, which no checkpoint covers
	// and which could be rewritten or cut without trace, and TailFrom the
	// time the first of them was written (zero when Tail is 0).
	NewestCheckpoint vigil.Checkpoint
	Tail             int64
	TailFrom         time.Time
	// Problem names the first altered, removed, reordered or missing
	// entry, a checkpoint that does not hold, or the first entry whose
	// index rows differ from the records it names; "" when all is well.
	Problem string
	// BadSeq is the sequence number the problem was found at.
	BadSeq int64
}

// VerifyAccessLog walks the whole chain in order, recomputing each hash,
// and checks it against signed checkpoints kept outside the database:
// each checkpoint's entry must still carry the hash it had when signed
// (which catches a chain recomputed after an edit), and the chain must
// reach the newest checkpoint (which catches a truncation). Entries after
// the newest checkpoint are counted as the tail, which only the next
// checkpoint will cover. It also checks the per-record index against the
// entries up to its mark, row for row (see verifyIndex), since a removed,
// added or moved index row would hide or invent a look at a record in
// "who has looked at this record".
//
// The chain is read in one snapshot, and the index, at the same time, in
// a second one taken just after it: a running Vigil appending to the log
// and indexing it meanwhile makes no difference (rows it indexes between
// the two snapshots are left to the next check).
func (db *DB) VerifyAccessLog(ctx context.Context, checkpoints []vigil.Checkpoint, progress func(n int64)) (VerifyResult, error) {
	var res VerifyResult
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	opts := &sql.TxOptions{ReadOnly: true}
	if db.engine == Postgres {
		opts.Isolation = sql.LevelRepeatableRead
	}
	chain, err := db.read.BeginTx(ctx, opts)
	if err != nil {
		return res, db.mapErr(err)
	}
	defer chain.Rollback()
	var st logState
	if err := chain.QueryRowContext(ctx, `SELECT i.seq, h.seq, h.hash FROM access_log_index_head i, access_log_head h
		WHERE i.id = 1 AND h.id = 1`).Scan(&st.mark, &st.headSeq, &st.headHash); err != nil {
		return res, db.mapErr(err)
	}
	// The index's snapshot is taken after the chain's, so its mark is at
	// or past the chain's.
	index, err := db.indexReader(ctx)
	if err != nil {
		return res, db.mapErr(err)
	}
	defer index.close()
	indexMark, err := index.mark(ctx)
	if err != nil {
		return res, db.mapErr(err)
	}
	key := newRecordKey()
	scanned := make(chan indexScanResult, 1)
	go func() {
		sc, err := scanIndex(ctx, index, key.clone(), st.mark, max(indexMark, st.mark))
		scanned <- indexScanResult{sc, err}
	}()
	res, named, err := walkChain(ctx, chain, st, checkpoints, progress, key)
	if err != nil || res.Problem != "" {
		cancel()
		<-scanned
		return res, db.mapErr(err)
	}
	sc := <-scanned
	if sc.err != nil {
		return res, db.mapErr(sc.err)
	}
	res.IndexMark, res.IndexRows = st.mark, sc.scan.rows
	bad, problem, err := compareIndex(ctx, chain, named, sc.scan)
	if err != nil {
		return res, db.mapErr(err)
	}
	if problem != "" {
		res.Problem, res.BadSeq = problem, bad
	}
	return res, nil
}

// logState is the log's head and the index's mark in one snapshot.
type logState struct {
	mark, headSeq int64
	headHash      string
}

type indexScanResult struct {
	scan *indexScan
	err  error
}

// walkChain checks the chain entry by entry against its hashes, the
// checkpoints and the head, and sums what the entries up to the mark name.
func walkChain(ctx context.Context, tx *sql.Tx, st logState, checkpoints []vigil.Checkpoint, progress func(n int64),
	key *recordKey) (VerifyResult, *indexSums, error) {
	var res VerifyResult
	bySeq := map[int64][]vigil.Checkpoint{}
	for _, c := range checkpoints {
		bySeq[c.Seq] = append(bySeq[c.Seq], c)
		if c.Seq > res.NewestCheckpoint.Seq || c.Seq == res.NewestCheckpoint.Seq && c.At.After(res.NewestCheckpoint.At) {
			res.NewestCheckpoint = c
		}
	}
	named := newIndexSums(st.mark, key)
	fail := func(seq int64, format string, args ...any) (VerifyResult, *indexSums, error) {
		res.Problem, res.BadSeq = fmt.Sprintf(format, args...), seq
		return res, named, nil
	}
	rows, err := tx.QueryContext(ctx, "SELECT "+accessCols+" FROM access_log ORDER BY seq")
	if err != nil {
		return res, nil, err
	}
	defer rows.Close()
	want, prev := int64(1), vigil.GenesisHash
	for rows.Next() {
		e, err := scanAccess(rows)
		if err != nil {
			return res, nil, fmt.Errorf("reading entry after %d: %w", want-1, err)
		}
		switch {
		case e.Seq > want:
			return fail(want, "entry %d is missing (the next entry is %d): removed", want, e.Seq)
		case e.PrevHash != prev:
			return fail(e.Seq, "entry %d does not follow entry %d (its previous hash differs): removed, reordered or altered", e.Seq, e.Seq-1)
		case e.ComputeHash() != e.Hash:
			return fail(e.Seq, "entry %d has been altered (its content no longer matches its hash)", e.Seq)
		}
		for _, c := range bySeq[e.Seq] {
			if c.Hash != e.Hash {
				return fail(e.Seq, "entry %d differs from the signed checkpoint of %s: the chain has been rewritten",
					e.Seq, c.At.Format(time.RFC3339))
			}
			res.Checkpoints++
		}
		if e.Seq <= st.mark {
			named.addEntry(e.Seq, string(e.RecordKind), e.RecordIDs)
		}
		if e.Seq == res.NewestCheckpoint.Seq+1 {
			res.TailFrom = e.At
		}
		prev, want = e.Hash, want+1
		res.Entries++
		if progress != nil && res.Entries%50_000 == 0 {
			progress(res.Entries)
		}
	}
	if err := rows.Err(); err != nil {
		return res, nil, err
	}
	res.HeadSeq = want - 1
	res.Tail = max(0, res.HeadSeq-res.NewestCheckpoint.Seq)
	switch newest := res.NewestCheckpoint.Seq; {
	case newest > res.HeadSeq:
		return fail(res.HeadSeq+1, "entries %d to %d are missing: the log ends at %d but a signed checkpoint reaches %d (truncated)",
			res.HeadSeq+1, newest, res.HeadSeq, newest)
	case st.headSeq != res.HeadSeq || st.headHash != prev:
		return fail(res.HeadSeq+1, "the chain's head (entry %d) does not match its last entry (%d): entries removed or the head moved",
			st.headSeq, res.HeadSeq)
	case st.mark > res.HeadSeq:
		return fail(res.HeadSeq+1, "the record index's mark is at entry %d, past the log's last entry (%d): entries %d to %d removed, or the mark moved",
			st.mark, res.HeadSeq, res.HeadSeq+1, st.mark)
	}
	return res, named, nil
}
