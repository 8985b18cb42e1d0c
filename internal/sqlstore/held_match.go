package sqlstore

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"errors"

	"github.com/vigilcp/vigil/internal/vigil"
)

// Held matches: a possible match the search before create finds, but the
// searcher may not read, is remembered for vigil.HeldMatchFor under a
// random reference given to the searcher alone. With it they can make a
// new record about that child (a missing report) once, without being told
// anything more of the child and without opening the child's other
// records: the new record lies in their own area of work (see
// episodeFacts).

// holdMatch remembers a held match for the principal and returns its
// reference, or "" when the principal makes no records about children or
// the child's whole record is restricted from them.
func (tx *Tx) holdMatch(ctx context.Context, child int64) (string, error) {
	if !vigil.MakesRecordsAboutChildren(tx.who) {
		return "", nil
	}
	facts, _, err := tx.childFacts(ctx, child)
	if err != nil {
		return "", err
	}
	if vigil.RestrictedFrom(tx.who, facts) {
		return "", nil
	}
	b := make([]byte, 18)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	ref := "hm_" + base64.RawURLEncoding.EncodeToString(b)
	if _, err := tx.ExecContext(ctx, `INSERT INTO held_matches (ref, user_id, child_id, granted_at, expires_at) VALUES ($1, $2, $3, $4, $5)`,
		ref, tx.UserID(), child, instant(tx.now), instant(tx.now.Add(vigil.HeldMatchFor))); err != nil {
		return "", err
	}
	return ref, nil
}

// errHeldMatchGone is the one answer for a reference that is not the
// principal's, has run out or has been used: search again.
var errHeldMatchGone = func() error {
	var v vigil.Validation
	v.Add("match_ref", "This possible match has expired or has been used. Search for the child again")
	return v.Err()
}

// useHeldMatch returns the child a held match names, and marks it used,
// for a new record the principal is making about them. The child must
// not since have been restricted from the principal.
func (tx *Tx) useHeldMatch(ctx context.Context, ref string) (int64, error) {
	var child int64
	err := tx.QueryRowContext(ctx, `SELECT child_id FROM held_matches WHERE ref = $1 AND user_id = $2 AND expires_at > $3
		AND used_at IS NULL`, ref, tx.UserID(), instant(tx.now)).Scan(&child)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, errHeldMatchGone()
	}
	if err != nil {
		return 0, err
	}
	res, err := tx.ExecContext(ctx, "UPDATE held_matches SET used_at = $1 WHERE ref = $2 AND used_at IS NULL", instant(tx.now), ref)
	if err != nil {
		return 0, err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return 0, errHeldMatchGone()
	}
	facts, _, err := tx.childFacts(ctx, child)
	if err != nil {
		return 0, err
	}
	if vigil.RestrictedFrom(tx.who, facts) {
		return 0, tx.refuse(vigil.ActionCreate, vigil.KindEpisode, nil, vigil.Decision{Reason: "the child has been restricted since the search"}, "Child")
	}
	return child, nil
}
