package app

import (
	"context"
	"fmt"

	"github.com/vigilcp/vigil/internal/demo"
	"github.com/vigilcp/vigil/internal/sqlstore"
	"github.com/vigilcp/vigil/internal/vigil"
)

// Progress is told how far a long job has got: a stage name, the count
// done and the total (0 when unknown).
type Progress func(stage string, done, total int)

// LoadDemo fills an empty database with the demo force for cfg, in one
// transaction, acting as the principal in ctx. It refuses a database that
// already holds a force.
func LoadDemo(ctx context.Context, db *sqlstore.DB, cfg demo.Config, progress Progress) (*demo.Org, error) {
	empty, err := db.Empty(ctx)
	if err != nil {
		return nil, err
	}
	if !empty {
		return nil, vigil.Errorf(vigil.ECONFLICT, "the database already holds a force; the demo force is only loaded into an empty database")
	}
	if progress == nil {
		progress = func(string, int, int) {}
	}
	org := demo.Build(cfg)
	usernames := map[int64]string{}
	for _, u := range org.Users {
		usernames[u.PersonID] = u.Username
	}
	err = db.BulkLoad(ctx, func(b *sqlstore.Bulk) error {
		progress("organisation", 0, 1)
		if err := b.Organisation(sqlstore.OrgLoad{Force: org.Force, LPAs: org.LPAs, Teams: org.Teams,
			Agencies: org.Agencies, People: org.People, Usernames: usernames}); err != nil {
			return fmt.Errorf("loading the organisation: %w", err)
		}
		progress("organisation", 1, 1)
		children := func(yield func(vigil.Child, error) bool) {
			_ = org.Children(cfg, func(c vigil.Child) error {
				if !yield(c, nil) {
					return errStop
				}
				return nil
			})
		}
		n, err := b.Children(children, func(n int) { progress("children", n, org.ChildCount) })
		if err != nil {
			return fmt.Errorf("loading children: %w", err)
		}
		if n != org.ChildCount {
			return fmt.Errorf("loaded %d children of %d", n, org.ChildCount)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return org, nil
}

var errStop = fmt.Errorf("stop")
