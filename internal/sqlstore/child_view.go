package sqlstore

import (
	"context"
	"database/sql"
	"errors"

	"github.com/vigilcp/vigil/internal/vigil"
)

// ChildView implements vigil.ChildService: a child's page in one
// transaction, with one access-log entry (the read of the child), the
// names it shows resolved in the same reads.
func (s *ChildService) ChildView(ctx context.Context, id int64) (*vigil.ChildView, error) {
	var out vigil.ChildView
	err := s.db.writeTx(ctx, func(tx *Tx) error {
		var err error
		if out.Child, err = tx.readChild(ctx, id, ""); err != nil {
			return err
		}
		if out.Child.LPAID != 0 {
			if err := tx.QueryRowContext(ctx, "SELECT name FROM lpas WHERE id = $1", out.Child.LPAID).Scan(&out.LPAName); err != nil &&
				!errors.Is(err, sql.ErrNoRows) {
				return err
			}
		}
		if out.Shares, err = tx.shares(ctx, id); err != nil {
			return err
		}
		if tx.who.Has(vigil.ActionShare, vigil.KindChild) {
			if out.Agencies, err = tx.agencies(ctx); err != nil {
				return err
			}
		}
		if tx.who.Has(vigil.ActionList, vigil.KindLanguage) {
			page, err := tx.findings(ctx, vigil.FindingFilter{RecordKind: vigil.KindChild, RecordID: id,
				PageRequest: vigil.PageRequest{Limit: vigil.MaxPageSize}})
			if err != nil {
				return err
			}
			out.Findings = page.Items
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// agencies reads the partner agencies, by name.
func (tx *Tx) agencies(ctx context.Context) ([]vigil.Agency, error) {
	rows, err := tx.QueryContext(ctx, "SELECT "+agencyCols+" FROM agencies ORDER BY name")
	if err != nil {
		return nil, err
	}
	var out []vigil.Agency
	for rows.Next() {
		a, err := scanAgency(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, *a)
	}
	return out, closeRows(rows)
}
