package sqlstore

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/binary"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/vigilcp/vigil/internal/vigil"
)

// Checking the index against the entries. The index is keyed by record,
// not by entry, so reading it in entry order would sort tens of millions
// of rows. Instead each side is read once in its own order and summed into
// a digest per run of entries (indexSums): the sum, over every (kind,
// record, entry) it holds, of a pseudo-random function keyed afresh for
// each check (AES under a random key). Equal sets give equal sums; sets
// that differ in any way (a row removed, added, or moved to another
// record, kind or entry) give different sums except with odds of about
// 2⁻¹²⁸, and since the key is drawn after any tampering, nobody can
// arrange rows that cancel out. Memory is a fixed array of sums, whatever
// the size of the log. Only when sums differ is the first differing run
// read again, entry by entry, to name the entry and the rows. How each
// engine reads the index fast is in accesslog_index_read.go.

// indexBuckets is how many runs of entries the sums are kept for: the
// first difference is then found by reading 1/indexBuckets of the entries
// again, and the index once more.
const indexBuckets = 4096

// indexSums holds the digests of a set of (kind, record, entry) triples,
// by run of entries up to mark.
type indexSums struct {
	mark, width int64
	sums        [][2]uint64
	key         *recordKey
	buf         [32]byte
}

// recordKey is a per-check pseudo-random function of (kind, record,
// entry): AES under a key for each kind, derived from a random key.
type recordKey struct {
	root  [32]byte
	kinds map[string]cipher.Block
}

// clone returns the same function with a cache of its own, for another
// goroutine.
func (k *recordKey) clone() *recordKey {
	return &recordKey{root: k.root, kinds: map[string]cipher.Block{}}
}

func newRecordKey() *recordKey {
	k := &recordKey{kinds: map[string]cipher.Block{}}
	if _, err := rand.Read(k.root[:]); err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	return k
}

func newIndexSums(mark int64, k *recordKey) *indexSums {
	width := max(1, (mark+indexBuckets-1)/indexBuckets)
	return &indexSums{mark: mark, width: width, sums: make([][2]uint64, (mark+width-1)/width), key: k}
}

// forKind returns the cipher for one kind of record.
func (k *recordKey) forKind(kind string) cipher.Block {
	b, ok := k.kinds[kind]
	if !ok {
		mac := hmac.New(sha256.New, k.root[:])
		mac.Write([]byte(kind))
		var err error
		if b, err = aes.NewCipher(mac.Sum(nil)[:16]); err != nil {
			panic(err) // a 16-byte key is always valid
		}
		k.kinds[kind] = b
	}
	return b
}

// recordValue is the function's value for a record of the block's kind
// named by entry seq; buf is scratch space (so that nothing is allocated
// for each of tens of millions of rows).
func recordValue(b cipher.Block, buf *[32]byte, id, seq int64) (uint64, uint64) {
	binary.BigEndian.PutUint64(buf[:8], uint64(seq))
	binary.BigEndian.PutUint64(buf[8:16], uint64(id))
	b.Encrypt(buf[16:], buf[:16])
	return binary.LittleEndian.Uint64(buf[16:24]), binary.LittleEndian.Uint64(buf[24:])
}

// add adds one triple with 1 ≤ seq ≤ mark.
func (s *indexSums) add(b cipher.Block, id, seq int64) {
	x, y := recordValue(b, &s.buf, id, seq)
	sum := &s.sums[(seq-1)/s.width]
	sum[0] += x
	sum[1] += y
}

// addEntry adds the triples an entry names: each record once, as the
// index holds it.
func (s *indexSums) addEntry(seq int64, kind string, ids []int64) {
	b := s.key.forKind(kind)
	for _, id := range distinctIDs(ids) {
		s.add(b, id, seq)
	}
}

// distinctIDs returns ids sorted, without repeats (a copy).
func distinctIDs(ids []int64) []int64 {
	out := slices.Clone(ids)
	slices.Sort(out)
	return slices.Compact(out)
}

// indexScan is the index side of one check: the sums of the rows up to the
// mark, how many there were, and the first entry past the mark that has
// rows (which no consistent index has).
type indexScan struct {
	sums      *indexSums
	rows      int64
	indexMark int64 // the mark in the index's snapshot
	pastMark  int64
	bad       int64 // a row for an entry below 1, which cannot exist
}

// addRow takes one index row of the kind b is for.
func (sc *indexScan) addRow(b cipher.Block, id, seq int64) {
	switch {
	case seq < 1:
		if sc.bad == 0 || seq < sc.bad {
			sc.bad = seq
		}
	case seq > sc.indexMark:
		if sc.pastMark == 0 || seq < sc.pastMark {
			sc.pastMark = seq
		}
	case seq > sc.sums.mark:
		// Indexed after the chain's snapshot: the next check covers it.
	default:
		sc.sums.add(b, id, seq)
		sc.rows++
	}
}

// scanIndex reads the whole index once, a kind of record at a time, into
// sums of its rows up to mark. Rows after mark up to indexMark (the mark
// in the index's own snapshot, which may be later) are left for the next
// check; rows after indexMark should not exist.
func scanIndex(ctx context.Context, r indexReader, key *recordKey, mark, indexMark int64) (*indexScan, error) {
	sc := &indexScan{sums: newIndexSums(mark, key), indexMark: indexMark}
	kind := ""
	for {
		next, ok, err := r.nextKind(ctx, kind)
		if err != nil || !ok {
			return sc, err
		}
		kind = next
		if err := r.addKind(ctx, sc, kind); err != nil {
			return nil, err
		}
	}
}

// compareIndex compares the index's sums with those of what the entries
// name. It returns the first entry whose index rows differ, and why, or 0
// and "" when they are the same. tx is the chain's snapshot.
func compareIndex(ctx context.Context, tx *sql.Tx, named *indexSums, sc *indexScan) (int64, string, error) {
	if sc.bad != 0 {
		return sc.bad, fmt.Sprintf("the record index holds rows for entry %d, which cannot exist: index rows added", sc.bad), nil
	}
	for b := range named.sums {
		if named.sums[b] != sc.sums.sums[b] {
			lo := int64(b)*named.width + 1
			seq, err := firstIndexDifference(ctx, tx, named.key, lo, min(lo+named.width-1, named.mark))
			if err != nil {
				return 0, "", err
			}
			problem, err := describeIndexDifference(ctx, tx, seq)
			return seq, problem, err
		}
	}
	if sc.pastMark > 0 {
		return sc.pastMark, fmt.Sprintf("the record index holds rows for entry %d, past the index mark (entry %d), which it has not reached: "+
			"index rows added, so searches by record would show looks that were not made", sc.pastMark, sc.indexMark), nil
	}
	return 0, "", nil
}

// firstIndexDifference finds the first entry from lo to hi whose index
// rows and named records differ, by summing each entry's apart.
func firstIndexDifference(ctx context.Context, tx *sql.Tx, key *recordKey, lo, hi int64) (int64, error) {
	named := map[int64][2]uint64{}
	held := map[int64][2]uint64{}
	var buf [32]byte
	addTo := func(m map[int64][2]uint64, kind string, id, seq int64) {
		x, y := recordValue(key.forKind(kind), &buf, id, seq)
		s := m[seq]
		m[seq] = [2]uint64{s[0] + x, s[1] + y}
	}
	rows, err := tx.QueryContext(ctx, "SELECT seq, record_kind, record_ids FROM access_log WHERE seq BETWEEN $1 AND $2", lo, hi)
	if err != nil {
		return 0, err
	}
	for rows.Next() {
		var seq int64
		var kind, ids string
		if err := rows.Scan(&seq, &kind, &ids); err != nil {
			rows.Close()
			return 0, err
		}
		parsed, err := vigil.ParseIDs(ids)
		if err != nil {
			rows.Close()
			return seq, nil
		}
		for _, id := range distinctIDs(parsed) {
			addTo(named, kind, id, seq)
		}
	}
	if err := closeRows(rows); err != nil {
		return 0, err
	}
	// The index has no order by entry, so this reads all of it again: once,
	// and only when something is wrong.
	if rows, err = tx.QueryContext(ctx, "SELECT record_kind, record_id, seq FROM access_log_records WHERE seq BETWEEN $1 AND $2", lo, hi); err != nil {
		return 0, err
	}
	for rows.Next() {
		var kind string
		var id, seq int64
		if err := rows.Scan(&kind, &id, &seq); err != nil {
			rows.Close()
			return 0, err
		}
		addTo(held, kind, id, seq)
	}
	if err := closeRows(rows); err != nil {
		return 0, err
	}
	for seq := lo; seq <= hi; seq++ {
		if named[seq] != held[seq] {
			return seq, nil
		}
	}
	return lo, nil // the sums differed, so this is not reached
}

// describeIndexDifference says how entry seq's index rows differ from the
// records it names: which it has no row for, and which rows it has that
// the entry does not name (a few of each, and how many).
func describeIndexDifference(ctx context.Context, tx *sql.Tx, seq int64) (string, error) {
	var kind, ids string
	if err := tx.QueryRowContext(ctx, "SELECT record_kind, record_ids FROM access_log WHERE seq = $1", seq).Scan(&kind, &ids); err != nil {
		return "", err
	}
	parsed, err := vigil.ParseIDs(ids)
	if err != nil {
		return fmt.Sprintf("entry %d's record ids cannot be read (%v), so its index rows cannot be checked", seq, err), nil
	}
	names := map[string]bool{}
	for _, id := range parsed {
		names[kind+" "+strconv.FormatInt(id, 10)] = true
	}
	rows, err := tx.QueryContext(ctx, "SELECT record_kind, record_id FROM access_log_records WHERE seq = $1 ORDER BY record_kind, record_id", seq)
	if err != nil {
		return "", err
	}
	var extra []string
	for rows.Next() {
		var k string
		var id int64
		if err := rows.Scan(&k, &id); err != nil {
			rows.Close()
			return "", err
		}
		r := k + " " + strconv.FormatInt(id, 10)
		if names[r] {
			delete(names, r)
		} else {
			extra = append(extra, r)
		}
	}
	if err := closeRows(rows); err != nil {
		return "", err
	}
	lacking := slices.Sorted(maps.Keys(names))
	var parts []string
	if len(lacking) > 0 {
		parts = append(parts, "it has no row for "+someOf(lacking)+", which the entry names")
	}
	if len(extra) > 0 {
		parts = append(parts, "it holds "+someOf(extra)+", which the entry does not name")
	}
	return fmt.Sprintf("the record index does not match entry %d: %s (index rows removed, added or moved), "+
		"so searches by record would be wrong", seq, strings.Join(parts, "; ")), nil
}

// someOf names up to three records and counts the rest.
func someOf(records []string) string {
	if len(records) <= 3 {
		if len(records) == 1 {
			return records[0]
		}
		return strings.Join(records[:len(records)-1], ", ") + " and " + records[len(records)-1]
	}
	return fmt.Sprintf("%s and %d more", strings.Join(records[:3], ", "), len(records)-3)
}
