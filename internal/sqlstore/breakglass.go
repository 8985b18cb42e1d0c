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

// Openings implements vigil.BreakGlassService.
func (s *BreakGlassService) Openings(ctx context.Context, pending bool, page vigil.PageRequest) (vigil.Page[vigil.BreakGlass], error) {
	var out vigil.Page[vigil.BreakGlass]
	var where []string
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return "$" + itoa(len(args))
	}
	if pending {
		where = append(where, "b.reviewed_at IS NULL")
	}
	if page.Cursor != "" {
		var before int64
		if err := decodeCursor(page.Cursor, &before); err != nil {
			return out, err
		}
		where = append(where, "b.id < "+arg(before))
	}
	q := `SELECT b.id, b.user_id, u.username, b.record_kind, b.record_id, b.purpose, b.reason, b.opened_at, b.expires_at, b.supervisor_id,
		b.reviewed_at, b.reviewed_by, b.review_note FROM break_glass b JOIN users u ON u.id = b.user_id`
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	limit := page.Size()
	q += " ORDER BY b.id DESC LIMIT " + arg(limit+1)
	err := s.db.writeTx(ctx, func(tx *Tx) error {
		if err := tx.require(ctx, vigil.ActionReview, vigil.KindBreakGlass); err != nil {
			return err
		}
		rows, err := tx.QueryContext(ctx, q, args...)
		if err != nil {
			return err
		}
		for rows.Next() {
			var b vigil.BreakGlass
			if err := rows.Scan(&b.ID, &b.UserID, &b.Username, &b.RecordKind, &b.RecordID, &b.Purpose, &b.Reason, scanInstant{&b.OpenedAt},
				scanInstant{&b.ExpiresAt}, nullInt{&b.SupervisorID}, scanNullInstant{&b.ReviewedAt}, nullInt{&b.ReviewedBy},
				&b.ReviewNote); err != nil {
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

// Review implements vigil.BreakGlassService.
func (s *BreakGlassService) Review(ctx context.Context, id int64, note string) error {
	note = strings.TrimSpace(note)
	if len(note) < 2 || len(note) > 1000 {
		var v vigil.Validation
		v.Add("note", "Record what you found, in 2 to 1,000 characters")
		return v.Err()
	}
	return s.db.writeTx(ctx, func(tx *Tx) error {
		if err := tx.require(ctx, vigil.ActionReview, vigil.KindBreakGlass); err != nil {
			return err
		}
		var user, record int64
		err := tx.QueryRowContext(ctx, "SELECT user_id, record_id FROM break_glass WHERE id = $1", id).Scan(&user, &record)
		if isNoRows(err) {
			return notFound("Break-glass opening")
		}
		if err != nil {
			return err
		}
		if user == tx.UserID() {
			return vigil.Errorf(vigil.EFORBIDDEN, "You cannot review your own opening of a record")
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

// Notifications returns the principal's own notifications, newest first.
func (db *DB) Notifications(ctx context.Context, unreadOnly bool) ([]vigil.Notification, error) {
	var out []vigil.Notification
	err := db.readTx(ctx, func(tx *Tx) error {
		if tx.who == nil {
			return vigil.Errorf(vigil.EUNAUTHENTICATED, "Sign in to continue")
		}
		q := "SELECT id, created_at, kind, message, link, read_at FROM notifications WHERE user_id = $1"
		if unreadOnly {
			q += " AND read_at IS NULL"
		}
		rows, err := tx.QueryContext(ctx, q+" ORDER BY id DESC LIMIT 50", tx.UserID())
		if err != nil {
			return err
		}
		for rows.Next() {
			var n vigil.Notification
			if err := rows.Scan(&n.ID, scanInstant{&n.CreatedAt}, &n.Kind, &n.Message, &n.Link, scanNullInstant{&n.ReadAt}); err != nil {
				rows.Close()
				return err
			}
			out = append(out, n)
		}
		return closeRows(rows)
	})
	return out, err
}
