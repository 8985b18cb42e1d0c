package sqlstore

import (
	"database/sql"
	"iter"
	"slices"
	"time"

	"github.com/vigilcp/vigil/internal/vigil"
)

// EpisodeLoad is one missing episode to bulk-load, with its own id, its
// gradings (GradedBy and RatifiedBy set), deployments and timeline.
type EpisodeLoad struct {
	Episode vigil.Episode
	Notes   []vigil.EpisodeNote
}

// Episodes loads missing episodes, then their gradings, deployments and
// timelines, each from a fresh pass over the (deterministic) source. The
// columns the service keeps as it goes (the delays, the due times, the
// grading in force) are worked out here by the same rules, against
// targets. Children with an episode still open or awaiting follow-up join
// their area's missing-persons caseload, as a report does.
func (b *Bulk) Episodes(episodes func() iter.Seq2[EpisodeLoad, error], t vigil.Targets, progress func(stage string, n int)) (int, error) {
	prog := func(stage string) func(int) {
		if progress == nil {
			return nil
		}
		return func(n int) { progress(stage, n) }
	}
	teams, err := b.missingTeams()
	if err != nil {
		return 0, err
	}
	pass := func(row func(EpisodeLoad, func(Row) bool) bool) iter.Seq2[Row, error] {
		return func(yield func(Row, error) bool) {
			for e, err := range episodes() {
				if err != nil {
					yield(nil, err)
					return
				}
				if !row(e, func(r Row) bool { return yield(r, nil) }) {
					return
				}
			}
		}
	}
	ms := func(from time.Time, to *time.Time) any {
		if to == nil {
			return nil
		}
		return to.Sub(from).Milliseconds()
	}
	at := func(t *time.Time) any {
		if t == nil {
			return nil
		}
		return *t
	}
	// The dashboard's statistics and each child's latest report, worked
	// out on the first pass and loaded after it.
	stats := map[vigil.StatKey]int{}
	type childRow struct {
		lpa, team int64
		reports   []time.Time // within the window of the latest, oldest first
	}
	kids := map[int64]*childRow{}
	n, err := b.Copy("missing_episodes", []string{"id", "child_id", "status", "lpa_id", "team_id", "reported_at", "reporter_name",
		"reporter_contact", "reporter_relation", "last_seen_at", "last_seen_place", "circumstances", "description_clothing", "risk",
		"first_risk", "graded_at", "ratified_at", "ratify_due_at", "review_by", "deploy_due_at", "deployed_at", "found_at", "found_place",
		"found_by", "condition", "harm_suffered", "exploitation_indicators", "nmpu_sent_at", "prevention_at", "prevention_disclosures",
		"rhi_offered_at", "rhi_declined_at", "rhi_completed_at", "rhi_notes", "closed_at", "closed_by", "checked_by", "imported",
		"deploy_ms", "missing_ms", "prevention_ms", "rhi_offer_ms", "rhi_complete_ms",
		"created_at", "created_by", "updated_at", "updated_by", "version"},
		pass(func(l EpisodeLoad, emit func(Row) bool) bool {
			e := l.Episode
			first, last := e.Gradings[0], e.Gradings[len(e.Gradings)-1]
			risk := last.Level
			if last.RatifiedAt != nil && last.RatifiedLevel != "" {
				risk = last.RatifiedLevel
			}
			var ratifyDue, deployDue, reviewBy any
			if e.Status == vigil.EpisodeOpen {
				if last.RatifiedAt == nil {
					ratifyDue = last.GradedAt.Add(t.Ratify[last.Level])
				}
				if e.DeployedAt == nil && t.Deploy[first.Level] > 0 {
					deployDue = e.ReportedAt.Add(t.Deploy[first.Level])
				}
				reviewBy = last.GradedAt.Add(t.Review[risk])
				if !last.ReviewBy.IsZero() {
					reviewBy = last.ReviewBy
				}
			}
			var prevention, offer, done, missing any
			if e.FoundAt != nil {
				missing = e.FoundAt.Sub(e.LastSeenAt).Milliseconds()
				prevention = ms(*e.FoundAt, e.PreventionAt)
				offered := e.RHIOfferedAt
				if offered == nil {
					offered = e.RHIDeclinedAt
				}
				if offered == nil {
					offered = e.RHICompletedAt
				}
				offer, done = ms(*e.FoundAt, offered), ms(*e.FoundAt, e.RHICompletedAt)
			}
			st := vigil.StatEpisode{ReportedAt: e.ReportedAt, FoundAt: e.FoundAt, LPAID: e.LPAID, TeamID: teams[e.LPAID], FirstRisk: first.Level,
				DeployMS: msPtr(e.ReportedAt, e.DeployedAt), MissingMS: msPtr(e.LastSeenAt, e.FoundAt)}
			if e.FoundAt != nil {
				st.PreventionMS, st.RHIOfferMS, st.RHICompleteMS = msAny(prevention), msAny(offer), msAny(done)
			}
			for _, g := range e.Gradings {
				if g.RatifiedAt != nil {
					st.Ratifications = append(st.Ratifications, vigil.StatRatification{GradedAt: g.GradedAt, Level: g.Level,
						RatifyMS: g.RatifiedAt.Sub(g.GradedAt).Milliseconds()})
				}
			}
			for k, c := range st.Contributions() {
				stats[k] += c
			}
			k := kids[e.ChildID]
			if k == nil {
				k = &childRow{}
				kids[e.ChildID] = k
			}
			k.reports = append(k.reports, e.ReportedAt)
			slices.SortFunc(k.reports, time.Time.Compare)
			latest := k.reports[len(k.reports)-1]
			if latest.Equal(e.ReportedAt) {
				k.lpa, k.team = e.LPAID, teams[e.LPAID]
			}
			start := vigil.RepeatWindowStart(latest, t.RepeatWindow)
			k.reports = slices.DeleteFunc(k.reports, func(r time.Time) bool { return r.Before(start) })
			updated := e.ReportedAt
			for _, x := range []*time.Time{e.DeployedAt, e.FoundAt, e.PreventionAt, e.RHIOfferedAt, e.RHIDeclinedAt, e.RHICompletedAt,
				e.ClosedAt, last.RatifiedAt} {
				if x != nil && x.After(updated) {
					updated = *x
				}
			}
			return emit(Row{e.ID, e.ChildID, string(e.Status), e.LPAID, nullIfZero(teams[e.LPAID]), e.ReportedAt, e.ReporterName,
				e.ReporterContact, e.ReporterRelation, e.LastSeenAt, e.LastSeenPlace, e.Circumstances, e.DescriptionClothing,
				string(risk), string(first.Level), last.GradedAt, at(last.RatifiedAt), ratifyDue, reviewBy, deployDue,
				at(e.DeployedAt), at(e.FoundAt), e.FoundPlace, e.FoundBy, e.Condition, e.HarmSuffered,
				listText(e.ExploitationIndicators, func(s string) string { return s }), at(e.NMPUSentAt), at(e.PreventionAt),
				e.PreventionDisclosures, at(e.RHIOfferedAt), at(e.RHIDeclinedAt), at(e.RHICompletedAt), e.RHINotes, at(e.ClosedAt),
				nullIfZero(e.ClosedBy), nullIfZero(e.CheckedBy), e.Imported, ms(e.ReportedAt, e.DeployedAt), missing, prevention,
				offer, done, e.ReportedAt, nullIfZero(first.GradedBy), updated, nullIfZero(first.GradedBy), 1})
		}), prog("missing episodes"))
	if err != nil {
		return n, err
	}
	if _, err := b.Copy("risk_gradings", []string{"episode_id", "level", "factors", "rationale", "graded_at", "graded_by",
		"ratified_at", "ratified_by", "ratified_level", "ratify_reason", "review_by", "ratify_ms"},
		pass(func(l EpisodeLoad, emit func(Row) bool) bool {
			for _, g := range l.Episode.Gradings {
				review := g.ReviewBy
				if review.IsZero() {
					review = g.GradedAt.Add(t.Review[g.Level])
				}
				var level any
				if g.RatifiedAt != nil {
					level = string(g.RatifiedLevel)
				}
				if !emit(Row{l.Episode.ID, string(g.Level), listText(g.Factors, func(s string) string { return s }), g.Rationale,
					g.GradedAt, g.GradedBy, at(g.RatifiedAt), nullIfZero(g.RatifiedBy), level, g.RatifyReason, review,
					ms(g.GradedAt, g.RatifiedAt)}) {
					return false
				}
			}
			return true
		}), prog("risk gradings")); err != nil {
		return n, err
	}
	// A deployed officer holds a closed episode for the default while
	// after its close (see Tx.endDeployedAccess).
	if _, err := b.Copy("deployments", []string{"episode_id", "person_id", "deployed_at", "deployed_by", "access_ends_at"},
		pass(func(l EpisodeLoad, emit func(Row) bool) bool {
			e := l.Episode
			if e.DeployedAt == nil {
				return true
			}
			var until any
			if e.ClosedAt != nil {
				until = e.ClosedAt.Add(vigil.DefaultDeployedAccess)
			}
			for _, p := range e.DeployedTo {
				if !emit(Row{e.ID, p, *e.DeployedAt, nullIfZero(e.Gradings[0].GradedBy), until}) {
					return false
				}
			}
			return true
		}), prog("deployments")); err != nil {
		return n, err
	}
	if _, err := b.Copy("episode_notes", []string{"episode_id", "at", "by_user", "kind", "body"},
		pass(func(l EpisodeLoad, emit func(Row) bool) bool {
			for _, note := range l.Notes {
				if !emit(Row{l.Episode.ID, note.At, nullIfZero(note.By), note.Kind, note.Text}) {
					return false
				}
			}
			return true
		}), prog("episode timelines")); err != nil {
		return n, err
	}
	if _, err := b.Copy("missing_stats", []string{"month", "lpa_id", "team_id", "measure", "risk", "bucket", "n"},
		func(yield func(Row, error) bool) {
			for k, c := range stats {
				if !yield(Row{Date(k.Month), k.LPAID, k.TeamID, k.Measure, string(k.Risk), k.Bucket, c}, nil) {
					return
				}
			}
		}, prog("missing statistics")); err != nil {
		return n, err
	}
	if _, err := b.Copy("child_missing", []string{"child_id", "lpa_id", "team_id", "latest_report_at", "in_window", "window_days"},
		func(yield func(Row, error) bool) {
			for id, k := range kids {
				if !yield(Row{id, k.lpa, k.team, k.reports[len(k.reports)-1], inWindow(k.reports, t.RepeatWindow), t.RepeatWindow}, nil) {
					return
				}
			}
		}, nil); err != nil {
		return n, err
	}
	// Children still being worked on join their area's missing-persons
	// caseload, as a report puts them there.
	return n, b.exec(`INSERT INTO child_assignments (child_id, team_id, assigned_at, assigned_by)
		SELECT e.child_id, e.team_id, MIN(e.reported_at), $1 FROM missing_episodes e
		WHERE e.status IN ('open', 'found') AND e.team_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM child_assignments a
			WHERE a.child_id = e.child_id AND a.team_id = e.team_id AND a.ended_at IS NULL)
		GROUP BY e.child_id, e.team_id`, nullIfZero(b.by))
}

func msPtr(from time.Time, to *time.Time) *int64 {
	if to == nil {
		return nil
	}
	v := to.Sub(from).Milliseconds()
	return &v
}

func msAny(v any) *int64 {
	if x, ok := v.(int64); ok {
		return &x
	}
	return nil
}

// missingTeams is each LPA's missing-persons team (the first, if several).
func (b *Bulk) missingTeams() (map[int64]int64, error) {
	out := map[int64]int64{}
	q := "SELECT lpa_id, id FROM teams WHERE kind = 'missing_persons' AND lpa_id IS NOT NULL ORDER BY id DESC"
	scan := func(lpa, id int64) { out[lpa] = id }
	if b.pgTx != nil {
		rows, err := b.pgTx.Query(b.ctx, q)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		for rows.Next() {
			var lpa, id int64
			if err := rows.Scan(&lpa, &id); err != nil {
				return nil, err
			}
			scan(lpa, id)
		}
		return out, rows.Err()
	}
	rows, err := b.sqlTx.QueryContext(b.ctx, q)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var lpa, id sql.NullInt64
		if err := rows.Scan(&lpa, &id); err != nil {
			return nil, err
		}
		scan(lpa.Int64, id.Int64)
	}
	return out, rows.Err()
}

// Plans loads multi-agency plans and their actions. Plans get ids in the
// order given, from 1.
func (b *Bulk) Plans(plans func() iter.Seq2[vigil.Plan, error]) (int, error) {
	id := 0
	n, err := b.Copy("missing_plans", []string{"id", "child_id", "strategy_meeting_at", "agencies", "review_at", "summary", "ended_at",
		"created_at", "created_by", "updated_at", "updated_by", "version"}, func(yield func(Row, error) bool) {
		for p, err := range plans() {
			if err != nil {
				yield(nil, err)
				return
			}
			id++
			var ended any
			if p.EndedAt != nil {
				ended = *p.EndedAt
			}
			if !yield(Row{int64(id), p.ChildID, p.StrategyMeetingAt, listText(p.Agencies, func(a int64) string { return itoa(int(a)) }),
				p.ReviewAt, p.Summary, ended, p.StrategyMeetingAt, nullIfZero(p.CreatedBy), p.StrategyMeetingAt, nullIfZero(p.CreatedBy), 1}, nil) {
				return
			}
		}
	}, nil)
	if err != nil {
		return n, err
	}
	id = 0
	_, err = b.Copy("plan_actions", []string{"plan_id", "action", "owner", "due_at", "done_at"}, func(yield func(Row, error) bool) {
		for p, err := range plans() {
			if err != nil {
				yield(nil, err)
				return
			}
			id++
			for _, a := range p.Actions {
				var due, done any
				if a.DueAt != nil {
					due = *a.DueAt
				}
				if a.DoneAt != nil {
					done = *a.DoneAt
				}
				if !yield(Row{int64(id), a.Action, a.Owner, due, done}, nil) {
					return
				}
			}
		}
	}, nil)
	return n, err
}

// Profiles loads Philomena profiles.
func (b *Bulk) Profiles(profiles func() iter.Seq2[vigil.Profile, error]) (int, error) {
	id := 0
	return b.Copy("child_profiles", []string{"id", "child_id", "description", "photo_ref", "medical", "financial", "phones",
		"social_media", "kept_by", "confirmed_at", "created_at", "created_by", "updated_at", "updated_by", "version"},
		func(yield func(Row, error) bool) {
			for p, err := range profiles() {
				if err != nil {
					yield(nil, err)
					return
				}
				id++
				var confirmed any
				if p.ConfirmedAt != nil {
					confirmed = *p.ConfirmedAt
				}
				if !yield(Row{int64(id), p.ChildID, p.Description, p.PhotoRef, p.Medical, p.Financial, p.Phones, p.SocialMedia,
					p.KeptBy, confirmed, p.CreatedAt, nullIfZero(p.CreatedBy), p.UpdatedAt, nullIfZero(p.UpdatedBy), 1}, nil) {
					return
				}
			}
		}, nil)
}

// LinkedLoad is the people and places linked to children, and the links:
// a link's AssociateID or PlaceID is the position in Associates or Places,
// counting from 1.
type LinkedLoad struct {
	ForceID    int64
	At         time.Time
	Associates []vigil.Associate
	Places     []vigil.Place
	Links      []vigil.Link
}

// Linked loads associates, places, their search keys and the links.
func (b *Bulk) Linked(l LinkedLoad) error {
	if _, err := b.Copy("associates", []string{"id", "force_id", "name", "description", "created_at", "updated_at", "version"},
		func(yield func(Row, error) bool) {
			for i, a := range l.Associates {
				if !yield(Row{int64(i + 1), l.ForceID, a.Name, a.Description, l.At, l.At, 1}, nil) {
					return
				}
			}
		}, nil); err != nil {
		return err
	}
	if _, err := b.Copy("places", []string{"id", "force_id", "name", "postcode", "description", "created_at", "updated_at", "version"},
		func(yield func(Row, error) bool) {
			for i, p := range l.Places {
				if !yield(Row{int64(i + 1), l.ForceID, p.Name, p.Postcode, p.Description, l.At, l.At, 1}, nil) {
					return
				}
			}
		}, nil); err != nil {
		return err
	}
	if _, err := b.Copy("link_name_keys", []string{"associate_id", "place_id", "name_key"}, func(yield func(Row, error) bool) {
		for i, a := range l.Associates {
			for _, k := range linkKeys(a.Name, "") {
				if !yield(Row{int64(i + 1), nil, k}, nil) {
					return
				}
			}
		}
		for i, p := range l.Places {
			for _, k := range linkKeys(p.Name, p.Postcode) {
				if !yield(Row{nil, int64(i + 1), k}, nil) {
					return
				}
			}
		}
	}, nil); err != nil {
		return err
	}
	_, err := b.Copy("child_links", []string{"id", "child_id", "relation", "associate_id", "place_id", "notes", "linked_at", "linked_by"},
		func(yield func(Row, error) bool) {
			for i, k := range l.Links {
				if !yield(Row{int64(i + 1), k.ChildID, string(k.Relation), nullIfZero(k.AssociateID), nullIfZero(k.PlaceID), k.Notes,
					k.LinkedAt, nullIfZero(k.LinkedBy)}, nil) {
					return
				}
			}
		}, nil)
	return err
}
