package sqlstore

import (
	"context"
	"strings"

	"github.com/vigilcp/vigil/internal/vigil"
)

// BreakGlassService implements vigil.BreakGlassService.
type BreakGlassService struct{ db *DB }

// NewBreakGlassService returns the review of break-glass openings on db.
func NewBreakGlassService(db *DB) *BreakGlassService { return &BreakGlassService{db: db} }

var _ vigil.BreakGlassService = (*BreakGlassService)(nil)

// openingCols are a break-glass opening, with the opener's current
// supervisor and whether that account is disabled.
const openingCols = `b.id, b.user_id, u.username, b.record_kind, b.record_id, b.purpose, b.reason, b.opened_at, b.expires_at,
	u.supervisor_id, COALESCE(sv.username, ''), sv.disabled_at IS NOT NULL, b.reviewed_at, b.reviewed_by, b.review_note`

const openingFrom = ` FROM break_glass b JOIN users u ON u.id = b.user_id LEFT JOIN users sv ON sv.id = u.supervisor_id`

func scanOpening(row scanner) (vigil.BreakGlass, error) {
	var b vigil.BreakGlass
	var disabled bool
	err := row.Scan(&b.ID, &b.UserID, &b.Username, &b.RecordKind, &b.RecordID, &b.Purpose, &b.Reason, scanInstant{&b.OpenedAt},
		scanInstant{&b.ExpiresAt}, nullInt{&b.SupervisorID}, &b.SupervisorName, &disabled, scanNullInstant{&b.ReviewedAt},
		nullInt{&b.ReviewedBy}, &b.ReviewNote)
	b.NoSupervisor = b.SupervisorID == 0 || disabled
	return b, err
}

// openingsWhere is who may see which openings: reviewers every one, a
// supervisor those of the people they supervise, anyone else none.
func (tx *Tx) openingsWhere(ctx context.Context, arg func(any) string) (string, error) {
	if tx.who.Has(vigil.ActionReview, vigil.KindBreakGlass) {
		return "TRUE", nil
	}
	if tx.exists(ctx, "SELECT 1 FROM users WHERE supervisor_id = $1", tx.UserID()) {
		return "u.supervisor_id = " + arg(tx.UserID()), nil
	}
	return "", tx.require(ctx, vigil.ActionReview, vigil.KindBreakGlass)
}

// nameChildren fills each opening's child name where the principal may
// read the child (the opening is theirs to review, not a key to the
// record).
func (tx *Tx) nameChildren(ctx context.Context, bs []vigil.BreakGlass) error {
	for i := range bs {
		if bs[i].RecordKind != vigil.KindChild {
			continue
		}
		facts, _, err := tx.childFacts(ctx, bs[i].RecordID)
		if vigil.ErrorCode(err) == vigil.ENOTFOUND {
			continue
		}
		if err != nil {
			return err
		}
		facts.BrokenGlass = false
		if vigil.Decide(tx.who, vigil.ActionRead, vigil.KindChild, facts).Allowed {
			if err := tx.QueryRowContext(ctx, "SELECT given_name || ' ' || family_name FROM children WHERE id = $1",
				bs[i].RecordID).Scan(&bs[i].ChildName); err != nil {
				return err
			}
		}
	}
	return nil
}

// Openings implements vigil.BreakGlassService.
func (s *BreakGlassService) Openings(ctx context.Context, pending bool, page vigil.PageRequest) (vigil.Page[vigil.BreakGlass], error) {
	var out vigil.Page[vigil.BreakGlass]
	err := s.db.writeTx(ctx, func(tx *Tx) error {
		if tx.who == nil || tx.UserID() == 0 {
			return vigil.Errorf(vigil.EUNAUTHENTICATED, "Sign in to continue")
		}
		var args []any
		arg := func(v any) string {
			args = append(args, v)
			return "$" + itoa(len(args))
		}
		who, err := tx.openingsWhere(ctx, arg)
		if err != nil {
			return err
		}
		where := []string{who}
		if pending {
			where = append(where, "b.reviewed_at IS NULL")
		}
		if page.Cursor != "" {
			var before int64
			if err := decodeCursor(page.Cursor, &before); err != nil {
				return err
			}
			where = append(where, "b.id < "+arg(before))
		}
		limit := page.Size()
		rows, err := tx.QueryContext(ctx, "SELECT "+openingCols+openingFrom+" WHERE "+strings.Join(where, " AND ")+
			" ORDER BY b.id DESC LIMIT "+arg(limit+1), args...)
		if err != nil {
			return err
		}
		for rows.Next() {
			b, err := scanOpening(rows)
			if err != nil {
				rows.Close()
				return err
			}
			out.Items = append(out.Items, b)
		}
		if err := closeRows(rows); err != nil {
			return err
		}
		if len(out.Items) > limit {
			out.Items = out.Items[:limit]
			out.Next = encodeCursor(out.Items[limit-1].ID)
		}
		if err := tx.nameChildren(ctx, out.Items); err != nil {
			return err
		}
		ids := make([]int64, len(out.Items))
		for i, b := range out.Items {
			ids[i] = b.RecordID
		}
		tx.log(vigil.ActionList, vigil.KindChild, ids, vigil.OutcomeOK, "break-glass review list")
		return nil
	})
	if err != nil {
		return vigil.Page[vigil.BreakGlass]{}, err
	}
	return out, nil
}

// Tasks implements vigil.TaskSource: the openings by the people the
// principal supervises that are waiting for review, oldest first.
func (s *BreakGlassService) Tasks(ctx context.Context) ([]vigil.Task, error) {
	var out []vigil.Task
	err := s.db.writeTx(ctx, func(tx *Tx) error {
		if tx.who == nil || tx.UserID() == 0 {
			return vigil.Errorf(vigil.EUNAUTHENTICATED, "Sign in to continue")
		}
		rows, err := tx.QueryContext(ctx, "SELECT "+openingCols+openingFrom+` WHERE u.supervisor_id = $1 AND b.reviewed_at IS NULL
			ORDER BY b.opened_at, b.id LIMIT 100`, tx.UserID())
		if err != nil {
			return err
		}
		var bs []vigil.BreakGlass
		for rows.Next() {
			b, err := scanOpening(rows)
			if err != nil {
				rows.Close()
				return err
			}
			bs = append(bs, b)
		}
		if err := closeRows(rows); err != nil {
			return err
		}
		if err := tx.nameChildren(ctx, bs); err != nil {
			return err
		}
		ids := make([]int64, len(bs))
		for i, b := range bs {
			ids[i] = b.RecordID
			what := "child's record " + itoa(int(b.RecordID))
			if b.ChildName != "" {
				what = b.ChildName + "'s record (" + itoa(int(b.RecordID)) + ")"
			}
			out = append(out, vigil.Task{Kind: vigil.TaskBreakGlassReview, Title: b.Username + " opened " + what + " with a reason",
				Detail: vigil.BreakGlassPurposeLabel(b.Purpose) + ": " + b.Reason, RecordKind: b.RecordKind, RecordID: b.RecordID,
				Href: "/access/break-glass#opening-" + itoa(int(b.ID)), Since: b.OpenedAt})
		}
		if len(ids) > 0 {
			tx.log(vigil.ActionList, vigil.KindChild, ids, vigil.OutcomeOK, "break-glass openings to review")
		}
		return nil
	})
	return out, err
}

// Review implements vigil.BreakGlassService.
func (s *BreakGlassService) Review(ctx context.Context, id int64, note string) error {
	note = strings.TrimSpace(note)
	if len(note) < 2 || len(note) > 1000 {
		var v vigil.Validation
		v.Add("note", "Record what you found, in 2 to 1,000 characters")
		return v.Err()
	}
	return s.db.writeTx(ctx, func(tx *Tx) error {
		if tx.who == nil || tx.UserID() == 0 {
			return vigil.Errorf(vigil.EUNAUTHENTICATED, "Sign in to continue")
		}
		var user, record, supervisor int64
		err := tx.QueryRowContext(ctx, `SELECT b.user_id, b.record_id, u.supervisor_id FROM break_glass b JOIN users u ON u.id = b.user_id
			WHERE b.id = $1`, id).Scan(&user, &record, nullInt{&supervisor})
		if isNoRows(err) {
			return notFound("Break-glass opening")
		}
		if err != nil {
			return err
		}
		if user == tx.UserID() {
			tx.denied = append(tx.denied, tx.entry(vigil.ActionReview, vigil.KindBreakGlass, []int64{id}, vigil.OutcomeDenied, "own opening"))
			return vigil.Errorf(vigil.EFORBIDDEN, "You cannot review your own opening of a record")
		}
		if supervisor != tx.UserID() && !tx.who.Has(vigil.ActionReview, vigil.KindBreakGlass) {
			return tx.require(ctx, vigil.ActionReview, vigil.KindBreakGlass)
		}
		res, err := tx.ExecContext(ctx, `UPDATE break_glass SET reviewed_at = $1, reviewed_by = $2, review_note = $3
			WHERE id = $4 AND reviewed_at IS NULL`, instant(tx.now), tx.UserID(), note, id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return vigil.Errorf(vigil.ECONFLICT, "This opening has already been reviewed")
		}
		if err := tx.freeText(ctx, "break_glass.review_note", "note", id, record, note); err != nil {
			return err
		}
		tx.log(vigil.ActionReview, vigil.KindChild, []int64{record}, vigil.OutcomeOK, "break-glass "+itoa(int(id))+" reviewed: "+note)
		return nil
	})
}
