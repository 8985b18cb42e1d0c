package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"strings"

	"github.com/vigilcp/vigil/internal/vigil"
)

// EpisodeView implements vigil.MissingService: an episode's page in one
// transaction, with one access-log entry (the read of the episode), the
// names it shows resolved in the same reads.
func (s *MissingService) EpisodeView(ctx context.Context, id int64) (*vigil.EpisodeView, error) {
	var out vigil.EpisodeView
	err := s.db.writeTx(ctx, func(tx *Tx) error {
		if err := tx.require(ctx, vigil.ActionRead, vigil.KindEpisode); err != nil {
			return err
		}
		e, err := tx.decideEpisode(ctx, vigil.ActionRead, id)
		if err != nil {
			return err
		}
		out.Episode = e
		if out.Targets, err = tx.targets(ctx); err != nil {
			return err
		}
		if err := tx.QueryRowContext(ctx, "SELECT name FROM lpas WHERE id = $1", e.LPAID).Scan(&out.LPAName); err != nil &&
			!errors.Is(err, sql.ErrNoRows) {
			return err
		}
		if out.Deployed, err = tx.officers(ctx, e.DeployedTo); err != nil {
			return err
		}
		if tx.who.Has(vigil.ActionList, vigil.KindLanguage) {
			page, err := tx.findings(ctx, vigil.FindingFilter{RecordKind: vigil.KindEpisode, RecordID: id,
				PageRequest: vigil.PageRequest{Limit: vigil.MaxPageSize}})
			if err != nil {
				return err
			}
			out.Findings = page.Items
		}
		tx.log(vigil.ActionRead, vigil.KindEpisode, []int64{id}, vigil.OutcomeOK, "")
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// officers names the people deployed to an episode, in one query, for
// readers who may see the staff directory (the names of colleagues, not a
// record about a person in the case).
func (tx *Tx) officers(ctx context.Context, ids []int64) ([]vigil.Officer, error) {
	if len(ids) == 0 || !tx.who.Has(vigil.ActionRead, vigil.KindPerson) {
		return nil, nil
	}
	args := make([]any, len(ids))
	in := make([]string, len(ids))
	for i, id := range ids {
		args[i] = id
		in[i] = "$" + itoa(i+1)
	}
	rows, err := tx.QueryContext(ctx, "SELECT id, given_name, family_name, COALESCE(collar_number, '') FROM people WHERE id IN ("+
		strings.Join(in, ", ")+")", args...)
	if err != nil {
		return nil, err
	}
	byID := map[int64]vigil.Officer{}
	for rows.Next() {
		var o vigil.Officer
		var given, family string
		if err := rows.Scan(&o.PersonID, &given, &family, &o.CollarNumber); err != nil {
			rows.Close()
			return nil, err
		}
		o.Name = strings.TrimSpace(given + " " + family)
		byID[o.PersonID] = o
	}
	if err := closeRows(rows); err != nil {
		return nil, err
	}
	out := make([]vigil.Officer, 0, len(ids))
	for _, id := range ids {
		if o, ok := byID[id]; ok {
			out = append(out, o)
		}
	}
	return out, nil
}
