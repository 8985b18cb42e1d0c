package app

import (
	"context"
	"fmt"
	"iter"

	"github.com/vigilcp/vigil/internal/demo"
	"github.com/vigilcp/vigil/internal/sqlstore"
	"github.com/vigilcp/vigil/internal/vigil"
)

// Progress is told how far a long job has got: a stage name, the count
// done and the total (0 when unknown).
type Progress func(stage string, done, total int)

// LoadDemo fills an empty database with the demo force for cfg, in one
// transaction, acting as the principal in ctx, and records the load as one
// action in the access log. Every demo account gets passwordHash ("" for
// none). It refuses a database that already holds a force.
func LoadDemo(ctx context.Context, db *sqlstore.DB, cfg demo.Config, passwordHash string, progress Progress) (*demo.Org, error) {
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
	var users []sqlstore.UserLoad
	for _, u := range org.Users {
		users = append(users, sqlstore.UserLoad{ID: u.ID, Username: u.Username, PersonID: u.PersonID, PasswordHash: passwordHash,
			Roles: u.Roles, Scope: u.Scope, SupervisorID: org.UserID(u.Supervisor)})
	}
	children := func() iter.Seq2[sqlstore.ChildLinks, error] {
		return func(yield func(sqlstore.ChildLinks, error) bool) {
			_ = org.Children(cfg, func(c vigil.Child, l demo.ChildLinks) error {
				cl := sqlstore.ChildLinks{Child: c, Shares: l.Shares, Restriction: l.Restriction}
				for _, a := range l.Assignments {
					cl.Assignments = append(cl.Assignments, [2]int64{a.TeamID, a.PersonID})
				}
				if !yield(cl, nil) {
					return errStop
				}
				return nil
			})
		}
	}
	err = db.BulkLoad(ctx, func(b *sqlstore.Bulk) error {
		progress("organisation", 0, 1)
		if err := b.Organisation(sqlstore.OrgLoad{Force: org.Force, LPAs: org.LPAs, Teams: org.Teams,
			Agencies: org.Agencies, People: org.People, Users: users}); err != nil {
			return fmt.Errorf("loading the organisation: %w", err)
		}
		progress("organisation", 1, 1)
		n, err := b.Children(children, func(stage string, n int) { progress(stage, n, org.ChildCount) })
		if err != nil {
			return fmt.Errorf("loading children: %w", err)
		}
		if n != org.ChildCount {
			return fmt.Errorf("loaded %d children of %d", n, org.ChildCount)
		}
		if cfg.NoMissing {
			return b.MarkDemo()
		}
		total := demo.EpisodeCount(cfg)
		n, err = b.Episodes(demoEpisodes(org, cfg), vigil.DefaultTargets(), func(stage string, n int) { progress(stage, n, total) })
		if err != nil {
			return fmt.Errorf("loading missing episodes: %w", err)
		}
		if n != total {
			return fmt.Errorf("loaded %d missing episodes of %d", n, total)
		}
		progress("missing plans", 0, 0)
		if _, err := b.Plans(demoPlans(org, cfg)); err != nil {
			return fmt.Errorf("loading missing plans: %w", err)
		}
		progress("profiles and links", 0, 0)
		if _, err := b.Profiles(demoProfiles(org, cfg)); err != nil {
			return fmt.Errorf("loading profiles: %w", err)
		}
		assoc, places, links, err := org.Linked(cfg)
		if err != nil {
			return fmt.Errorf("building links: %w", err)
		}
		l := sqlstore.LinkedLoad{ForceID: org.Force.ID, At: cfg.AsOf}
		for _, a := range assoc {
			l.Associates = append(l.Associates, vigil.Associate{Name: a.Name, Description: a.Description})
		}
		for _, p := range places {
			l.Places = append(l.Places, vigil.Place{Name: p.Name, Postcode: p.Postcode, Description: p.Description})
		}
		for _, k := range links {
			l.Links = append(l.Links, vigil.Link{ChildID: k.ChildID, Relation: k.Relation, AssociateID: int64(k.Associate),
				PlaceID: int64(k.Place), Notes: k.Notes, LinkedAt: k.LinkedAt, LinkedBy: k.LinkedBy})
		}
		if err := b.Linked(l); err != nil {
			return fmt.Errorf("loading links: %w", err)
		}
		return b.MarkDemo()
	})
	if err != nil {
		return nil, err
	}
	if err := db.LogSystemAction(ctx, vigil.ActionDemoLoad, "", fmt.Sprintf("demo force loaded: %s scale, seed %d, %d children",
		cfg.Scale, cfg.Seed, org.ChildCount)); err != nil {
		return nil, err
	}
	if !cfg.NoMissing {
		progress("break-glass openings", 0, len(demo.Openings()))
		if err := openDemoRecords(ctx, db); err != nil {
			return nil, fmt.Errorf("opening records with a reason: %w", err)
		}
		progress("break-glass openings", len(demo.Openings()), len(demo.Openings()))
	}
	// The bulk path bypasses the store's free-text hook: check the demo's
	// free text now, so its findings are kept as a real force's would be.
	progress("language", 0, 1)
	if _, err := db.Scan(ctx, nil); err != nil {
		return nil, fmt.Errorf("checking the demo's free text: %w", err)
	}
	progress("language", 1, 1)
	// The checks above are logged naming every record they read: index
	// them now, so that the first server does not start far behind.
	if err := CatchUpAccessLogIndex(ctx, db, func(done, total int) { progress("access-log index", done, total) }); err != nil {
		return nil, fmt.Errorf("indexing the access log: %w", err)
	}
	return org, nil
}

var errStop = fmt.Errorf("stop")

// demoEpisodes is a fresh pass over the demo's missing episodes.
func demoEpisodes(org *demo.Org, cfg demo.Config) func() iter.Seq2[sqlstore.EpisodeLoad, error] {
	return func() iter.Seq2[sqlstore.EpisodeLoad, error] {
		return func(yield func(sqlstore.EpisodeLoad, error) bool) {
			err := org.Episodes(cfg, func(d demo.EpisodeData) error {
				l := sqlstore.EpisodeLoad{Episode: d.Episode, Notes: make([]vigil.EpisodeNote, len(d.Notes))}
				for i, n := range d.Notes {
					l.Notes[i] = vigil.EpisodeNote{At: n.At, By: n.By, Kind: n.Kind, Text: n.Text}
				}
				if !yield(l, nil) {
					return errStop
				}
				return nil
			})
			if err != nil && err != errStop {
				yield(sqlstore.EpisodeLoad{}, err)
			}
		}
	}
}

// demoPlans is a fresh pass over the demo's multi-agency plans.
func demoProfiles(org *demo.Org, cfg demo.Config) func() iter.Seq2[vigil.Profile, error] {
	return func() iter.Seq2[vigil.Profile, error] {
		return func(yield func(vigil.Profile, error) bool) {
			err := org.Profiles(cfg, func(p vigil.Profile) error {
				if !yield(p, nil) {
					return errStop
				}
				return nil
			})
			if err != nil && err != errStop {
				yield(vigil.Profile{}, err)
			}
		}
	}
}

func demoPlans(org *demo.Org, cfg demo.Config) func() iter.Seq2[vigil.Plan, error] {
	return func() iter.Seq2[vigil.Plan, error] {
		return func(yield func(vigil.Plan, error) bool) {
			err := org.Plans(cfg, func(p demo.Plan) error {
				v := vigil.Plan{ChildID: p.ChildID, StrategyMeetingAt: p.StrategyMeetingAt, ReviewAt: p.ReviewAt, Agencies: p.Agencies,
					Summary: p.Summary, Stamp: vigil.Stamp{CreatedBy: p.CreatedBy}}
				for _, a := range p.Actions {
					due := a.DueAt
					v.Actions = append(v.Actions, vigil.PlanAction{Action: a.Action, Owner: a.Owner, DueAt: &due, DoneAt: a.DoneAt})
				}
				if !yield(v, nil) {
					return errStop
				}
				return nil
			})
			if err != nil && err != errStop {
				yield(vigil.Plan{}, err)
			}
		}
	}
}

// openDemoRecords makes the demo's break-glass openings, each by its
// person through the store, as they would: a record outside their area of
// work, opened with a purpose and a reason, waiting for review.
func openDemoRecords(ctx context.Context, db *sqlstore.DB) error {
	sys, err := db.SystemPrincipal(ctx)
	if err != nil {
		return err
	}
	children := sqlstore.NewChildService(db)
	for _, o := range demo.Openings() {
		p, err := db.PrincipalFor(ctx, o.Username, "demo")
		if err != nil {
			return err
		}
		page, err := children.Children(vigil.WithPrincipal(ctx, sys), vigil.ChildFilter{LPAID: o.LPAID,
			PageRequest: vigil.PageRequest{Limit: vigil.MaxPageSize}})
		if err != nil {
			return err
		}
		ids := make([]int64, len(page.Items))
		for i, c := range page.Items {
			ids[i] = c.ID
		}
		readable, err := db.ReadableBy(ctx, p, ids)
		if err != nil {
			return err
		}
		skip, opened := o.Skip, false
		for _, id := range ids {
			if readable[id] {
				continue
			}
			if skip > 0 {
				skip--
				continue
			}
			if _, err := children.OpenWithReason(vigil.WithPrincipal(ctx, p), id, o.Purpose, o.Reason); err != nil {
				return err
			}
			opened = true
			break
		}
		if !opened {
			return fmt.Errorf("no record outside %s's area of work to open", o.Username)
		}
	}
	return nil
}
