package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"strconv"
	"strings"

	"github.com/vigilcp/vigil/internal/vigil"
)

// Restrictions hold back a child's record, or one part of it, from
// everyone but named roles and people. Those who may restrict a record
// (the restrict permission, and a scope that covers it) may also see its
// restrictions and lift them, even where a restriction excludes them, so
// that no restriction can lock everyone out for ever.

// Restrict implements vigil.ChildService.
func (s *ChildService) Restrict(ctx context.Context, r vigil.Restriction) (*vigil.Restriction, error) {
	r.Reason = strings.TrimSpace(r.Reason)
	var v vigil.Validation
	if r.Part != "" && !slices.Contains(vigil.ChildParts, r.Part) {
		v.Add("part", "Select the whole record or one part of it")
	}
	if len(r.Reason) < 5 {
		v.Add("reason", "Say why the record is restricted")
	}
	if len(r.AllowedRoles) == 0 && len(r.AllowedUsers) == 0 {
		v.Add("allowed_roles", "Name at least one role or person who may still see it")
	}
	for _, role := range r.AllowedRoles {
		if !role.Valid() {
			v.Add("allowed_roles", "%q is not a role", role)
		}
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	r.RecordKind = vigil.KindChild
	err := s.db.writeTx(ctx, func(tx *Tx) error {
		if err := tx.require(ctx, vigil.ActionRestrict, vigil.KindChild); err != nil {
			return err
		}
		if _, _, err := tx.decideChild(ctx, vigil.ActionRestrict, r.RecordID); err != nil {
			return err
		}
		// Whoever restricts a record keeps sight of it.
		if !slices.Contains(r.AllowedUsers, tx.UserID()) {
			r.AllowedUsers = append(r.AllowedUsers, tx.UserID())
		}
		r.CreatedAt, r.CreatedBy = tx.now, tx.UserID()
		err := tx.QueryRowContext(ctx, `INSERT INTO restrictions (record_kind, record_id, part, allowed_roles, allowed_users,
			reason, created_at, created_by) VALUES ('child', $1, $2, $3, $4, $5, $6, $7) RETURNING id`, r.RecordID, r.Part,
			listText(r.AllowedRoles, func(x vigil.Role) string { return string(x) }),
			listText(r.AllowedUsers, func(x int64) string { return strconv.FormatInt(x, 10) }),
			r.Reason, instant(tx.now), tx.UserID()).Scan(&r.ID)
		if err != nil {
			return err
		}
		if err := tx.freeText(ctx, "restrictions.reason", "reason", r.ID, r.RecordID, r.Reason); err != nil {
			return err
		}
		tx.log(vigil.ActionRestrict, vigil.KindChild, []int64{r.RecordID}, vigil.OutcomeOK, "restricted "+restrictedWhat(r.Part)+": "+r.Reason)
		return tx.history(ctx, vigil.KindChild, r.RecordID, "restrict", nil, map[string]string{"restricted": restrictedWhat(r.Part)})
	})
	if err != nil {
		return nil, err
	}
	return &r, nil
}

func restrictedWhat(part string) string {
	if part == "" {
		return "whole record"
	}
	return part
}

// mayRestrict decides whether the principal may restrict the child, or
// see and lift its restrictions: the restrict permission and a scope that
// covers the record, whatever its restrictions say. A break-glass
// opening does not count: it is for reading.
func (tx *Tx) mayRestrict(ctx context.Context, childID int64) error {
	facts, _, err := tx.childFacts(ctx, childID)
	if err != nil {
		if vigil.ErrorCode(err) == vigil.ENOTFOUND && tx.who != nil {
			tx.denied = append(tx.denied, tx.entry(vigil.ActionRestrict, vigil.KindChild, []int64{childID}, vigil.OutcomeFailed, "no such record"))
		}
		return err
	}
	facts.Restricted, facts.BrokenGlass = false, false
	if d := vigil.Decide(tx.who, vigil.ActionRestrict, vigil.KindChild, facts); !d.Allowed {
		return tx.refuse(vigil.ActionRestrict, vigil.KindChild, []int64{childID}, d, "Child")
	}
	return nil
}

const restrictionCols = `r.id, r.record_id, r.part, r.allowed_roles, r.allowed_users, r.reason, r.created_at, r.created_by,
	COALESCE(u.username, ''), r.lifted_at, r.lifted_by, r.lift_reason`

func (tx *Tx) scanRestriction(row scanner) (vigil.Restriction, error) {
	var r vigil.Restriction
	var roles, users string
	err := row.Scan(&r.ID, &r.RecordID, &r.Part, &roles, &users, &r.Reason, scanInstant{&r.CreatedAt}, &r.CreatedBy,
		&r.CreatedByName, scanNullInstant{&r.LiftedAt}, nullInt{&r.LiftedBy}, &r.LiftReason)
	if err != nil {
		return r, err
	}
	r.RecordKind, r.AllowedRoles, r.AllowedUsers = vigil.KindChild, toRoles(listItems(roles)), toIDs(listItems(users))
	r.Excludes = r.Holds() && vigil.RestrictedFrom(tx.who, vigil.RecordFacts{Restricted: true, AllowedRoles: r.AllowedRoles,
		AllowedUsers: r.AllowedUsers})
	return r, nil
}

// Restrictions implements vigil.ChildService.
func (s *ChildService) Restrictions(ctx context.Context, childID int64) ([]vigil.Restriction, error) {
	out := []vigil.Restriction{}
	err := s.db.writeTx(ctx, func(tx *Tx) error {
		if err := tx.require(ctx, vigil.ActionRestrict, vigil.KindChild); err != nil {
			return err
		}
		if err := tx.mayRestrict(ctx, childID); err != nil {
			return err
		}
		rows, err := tx.QueryContext(ctx, "SELECT "+restrictionCols+` FROM restrictions r LEFT JOIN users u ON u.id = r.created_by
			WHERE r.record_kind = 'child' AND r.record_id = $1 ORDER BY r.created_at DESC, r.id DESC`, childID)
		if err != nil {
			return err
		}
		for rows.Next() {
			r, err := tx.scanRestriction(rows)
			if err != nil {
				rows.Close()
				return err
			}
			out = append(out, r)
		}
		if err := closeRows(rows); err != nil {
			return err
		}
		tx.log(vigil.ActionRead, vigil.KindChild, []int64{childID}, vigil.OutcomeOK, "restrictions")
		return nil
	})
	return out, err
}

// LiftRestriction implements vigil.ChildService.
func (s *ChildService) LiftRestriction(ctx context.Context, childID, restrictionID int64, reason string) (*vigil.Restriction, error) {
	reason = strings.TrimSpace(reason)
	if err := vigil.ValidateLift(reason); err != nil {
		return nil, err
	}
	var out vigil.Restriction
	err := s.db.writeTx(ctx, func(tx *Tx) error {
		if err := tx.require(ctx, vigil.ActionRestrict, vigil.KindChild); err != nil {
			return err
		}
		if err := tx.mayRestrict(ctx, childID); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `UPDATE restrictions SET lifted_at = $1, lifted_by = $2, lift_reason = $3
			WHERE id = $4 AND record_kind = 'child' AND record_id = $5 AND lifted_at IS NULL`,
			instant(tx.now), tx.UserID(), reason, restrictionID, childID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			if tx.exists(ctx, "SELECT 1 FROM restrictions WHERE id = $1 AND record_kind = 'child' AND record_id = $2", restrictionID, childID) {
				return vigil.Errorf(vigil.ECONFLICT, "This restriction has already been lifted")
			}
			return notFound("Restriction")
		}
		out, err = tx.scanRestriction(tx.QueryRowContext(ctx, "SELECT "+restrictionCols+
			" FROM restrictions r LEFT JOIN users u ON u.id = r.created_by WHERE r.id = $1", restrictionID))
		if errors.Is(err, sql.ErrNoRows) {
			return notFound("Restriction")
		}
		if err != nil {
			return err
		}
		if err := tx.freeText(ctx, "restrictions.lift_reason", "reason", restrictionID, childID, reason); err != nil {
			return err
		}
		what := restrictedWhat(out.Part)
		tx.log(vigil.ActionRestrict, vigil.KindChild, []int64{childID}, vigil.OutcomeOK, "lifted the restriction of "+what+": "+reason)
		return tx.history(ctx, vigil.KindChild, childID, "restriction_lifted", map[string]string{"restricted": what},
			map[string]string{"restricted": ""})
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}
