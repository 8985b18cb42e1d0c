package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/vigilcp/vigil/internal/vigil"
)

// MissingService implements vigil.MissingService: a missing child's
// episode from the first call to its closure. An episode's access follows
// its child's (scope, shares, restrictions, break-glass).
type MissingService struct{ db *DB }

// NewMissingService returns the missing-children service on db.
func NewMissingService(db *DB) *MissingService { return &MissingService{db: db} }

var _ vigil.MissingService = (*MissingService)(nil)

const episodeCols = `e.id, e.child_id, e.status, e.lpa_id, e.team_id, e.reported_at, e.reporter_name, e.reporter_contact,
	e.reporter_relation, e.last_seen_at, e.last_seen_place, e.circumstances, e.description_clothing, e.risk, e.deployed_at,
	e.found_at, e.found_place, e.found_by, e.condition, e.harm_suffered, e.exploitation_indicators, e.nmpu_sent_at,
	e.prevention_at, e.prevention_disclosures, e.rhi_offered_at, e.rhi_declined_at, e.rhi_completed_at, e.rhi_notes,
	e.closed_at, e.closed_by, e.checked_by, e.imported, e.first_risk, e.graded_at, e.ratified_at, e.ratify_due_at, e.deploy_due_at,
	e.review_by, c.given_name || ' ' || c.family_name, c.date_of_birth, e.created_at, e.created_by, e.updated_at, e.updated_by, e.version`

func scanEpisode(row scanner) (*vigil.Episode, error) {
	var sc episodeScanner
	e, err := sc.scan(row)
	if err != nil {
		return nil, err
	}
	return &e, nil
}

// episodeScanner reads episodes row after row into one place, so that the
// 45 scan destinations are made once for a list rather than once a row.
type episodeScanner struct {
	e          vigil.Episode
	indicators string
	dest       []any
	// withVisible scans one more column after the episode's: whether the
	// reader may read it (a list behind a figure counts those they may not).
	withVisible bool
	visible     bool
}

func (sc *episodeScanner) scan(row scanner) (vigil.Episode, error) {
	e := &sc.e
	if sc.dest == nil {
		sc.dest = []any{&e.ID, &e.ChildID, &e.Status, &e.LPAID, nullInt{&e.TeamID}, scanInstant{&e.ReportedAt}, &e.ReporterName,
			&e.ReporterContact, &e.ReporterRelation, scanInstant{&e.LastSeenAt}, &e.LastSeenPlace, &e.Circumstances,
			&e.DescriptionClothing, &e.Risk, scanNullInstant{&e.DeployedAt}, scanNullInstant{&e.FoundAt}, &e.FoundPlace, &e.FoundBy,
			&e.Condition, &e.HarmSuffered, &sc.indicators, scanNullInstant{&e.NMPUSentAt}, scanNullInstant{&e.PreventionAt},
			&e.PreventionDisclosures, scanNullInstant{&e.RHIOfferedAt}, scanNullInstant{&e.RHIDeclinedAt},
			scanNullInstant{&e.RHICompletedAt}, &e.RHINotes, scanNullInstant{&e.ClosedAt}, nullInt{&e.ClosedBy}, nullInt{&e.CheckedBy},
			&e.Imported, &e.FirstRisk, scanInstant{&e.GradedAt}, scanNullInstant{&e.RatifiedAt}, scanNullInstant{&e.RatifyDueAt},
			scanNullInstant{&e.DeployDueAt}, scanNullInstant{&e.ReviewBy}, &e.ChildName, scanDate{&e.ChildDOB}}
		sc.dest = append(sc.dest, stampDest(&e.Stamp)...)
		if sc.withVisible {
			sc.dest = append(sc.dest, &sc.visible)
		}
	}
	*e = vigil.Episode{}
	if err := row.Scan(sc.dest...); err != nil {
		return vigil.Episode{}, err
	}
	e.ExploitationIndicators = listItems(sc.indicators)
	return *e, nil
}

// targets reads the force's missing-children targets: the defaults,
// overlaid with any the force has set.
func (tx *Tx) targets(ctx context.Context) (vigil.Targets, error) {
	t := vigil.DefaultTargets()
	var doc string
	err := tx.QueryRowContext(ctx, "SELECT value FROM settings WHERE name = 'missing.targets'").Scan(&doc)
	if errors.Is(err, sql.ErrNoRows) {
		return t, nil
	}
	if err != nil {
		return t, err
	}
	if err := json.Unmarshal([]byte(doc), &t); err != nil {
		return vigil.DefaultTargets(), nil
	}
	return t, nil
}

// episode reads one episode with its gradings and deployments.
func (tx *Tx) episode(ctx context.Context, id int64) (*vigil.Episode, error) {
	e, err := scanEpisode(tx.QueryRowContext(ctx, "SELECT "+episodeCols+" FROM missing_episodes e JOIN children c ON c.id = e.child_id WHERE e.id = $1", id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("Missing episode")
	}
	if err != nil {
		return nil, err
	}
	rows, err := tx.QueryContext(ctx, `SELECT g.id, g.level, g.factors, g.rationale, g.graded_at, g.graded_by, COALESCE(u.username, ''),
		g.ratified_at, g.ratified_by, COALESCE(g.ratified_level, ''), g.ratify_reason, g.review_by
		FROM risk_gradings g LEFT JOIN users u ON u.id = g.graded_by WHERE g.episode_id = $1 ORDER BY g.graded_at, g.id`, id)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var g vigil.Grading
		var factors string
		if err := rows.Scan(&g.ID, &g.Level, &factors, &g.Rationale, scanInstant{&g.GradedAt}, &g.GradedBy, &g.Grader,
			scanNullInstant{&g.RatifiedAt}, nullInt{&g.RatifiedBy}, &g.RatifiedLevel, &g.RatifyReason, scanInstant{&g.ReviewBy}); err != nil {
			rows.Close()
			return nil, err
		}
		g.Factors = listItems(factors)
		e.Gradings = append(e.Gradings, g)
	}
	if err := closeRows(rows); err != nil {
		return nil, err
	}
	rows, err = tx.QueryContext(ctx, "SELECT person_id FROM deployments WHERE episode_id = $1 ORDER BY id", id)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var p int64
		if err := rows.Scan(&p); err != nil {
			rows.Close()
			return nil, err
		}
		e.DeployedTo = append(e.DeployedTo, p)
	}
	if err := closeRows(rows); err != nil {
		return nil, err
	}
	rows, err = tx.QueryContext(ctx, `SELECT n.id, n.at, n.by_user, COALESCE(u.username, ''), n.kind, n.body FROM episode_notes n
		LEFT JOIN users u ON u.id = n.by_user WHERE n.episode_id = $1 ORDER BY n.at, n.id`, id)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var n vigil.EpisodeNote
		if err := rows.Scan(&n.ID, scanInstant{&n.At}, nullInt{&n.By}, &n.Author, &n.Kind, &n.Text); err != nil {
			rows.Close()
			return nil, err
		}
		e.Notes = append(e.Notes, n)
	}
	e.WithholdFor(tx.who)
	return e, closeRows(rows)
}

// decideEpisode applies the policy to an episode: the action on the
// episode kind, the scope of the episode and its child (episodeFacts).
func (tx *Tx) decideEpisode(ctx context.Context, action vigil.Action, id int64) (*vigil.Episode, error) {
	facts, err := tx.episodeFacts(ctx, id)
	if vigil.ErrorCode(err) == vigil.ENOTFOUND {
		if tx.who != nil {
			tx.denied = append(tx.denied, tx.entry(action, vigil.KindEpisode, []int64{id}, vigil.OutcomeFailed, "no such record"))
		}
		return nil, err
	}
	if err != nil {
		return nil, err
	}
	d := vigil.Decide(tx.who, action, vigil.KindEpisode, facts)
	if !d.Allowed {
		return nil, tx.refuse(action, vigil.KindEpisode, []int64{id}, d, "Missing episode")
	}
	e, err := tx.episode(ctx, id)
	if err != nil {
		return nil, err
	}
	e.ByBreakGlass = d.ByBreakGlass
	tx.glass = tx.glass || d.ByBreakGlass
	return e, nil
}

// stale refuses a change based on an old version of an episode.
func staleEpisode(e *vigil.Episode, version int64) error {
	if version != e.Version {
		return staleVersion("episode")
	}
	return nil
}

// bump moves an episode's version on and stamps who changed it.
func (tx *Tx) bump(ctx context.Context, id, version int64) error {
	res, err := tx.ExecContext(ctx, `UPDATE missing_episodes SET updated_at = $1, updated_by = $2, version = version + 1
		WHERE id = $3 AND version = $4`, instant(tx.now), nullIfZero(tx.UserID()), id, version)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return staleVersion("episode")
	}
	return nil
}

// note adds an entry to an episode's timeline.
func (tx *Tx) note(ctx context.Context, episode int64, kind, body string) error {
	var id int64
	if err := tx.QueryRowContext(ctx, `INSERT INTO episode_notes (episode_id, at, by_user, kind, body) VALUES ($1, $2, $3, $4, $5)
		RETURNING id`, episode, instant(tx.now), nullIfZero(tx.UserID()), kind, body).Scan(&id); err != nil {
		return err
	}
	return tx.freeText(ctx, "episode_notes.body", "text", id, episode, body)
}

// grade records a grading and makes it the one in force, with its
// ratification and review due times from the force's targets.
func (tx *Tx) grade(ctx context.Context, episode int64, g vigil.Grading, t vigil.Targets) (int64, error) {
	g.ReviewBy = tx.now.Add(t.Review[g.Level])
	var id int64
	if err := tx.QueryRowContext(ctx, `INSERT INTO risk_gradings (episode_id, level, factors, rationale, graded_at, graded_by, review_by)
		VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`, episode, string(g.Level),
		listText(g.Factors, func(s string) string { return s }), g.Rationale, instant(tx.now), tx.UserID(), instant(g.ReviewBy)).Scan(&id); err != nil {
		return 0, err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE missing_episodes SET risk = $1, graded_at = $2, ratified_at = NULL, ratify_due_at = $3,
		review_by = $4 WHERE id = $5`, string(g.Level), instant(tx.now), instant(tx.now.Add(t.Ratify[g.Level])), instant(g.ReviewBy), episode); err != nil {
		return 0, err
	}
	return id, tx.freeText(ctx, "risk_gradings.rationale", "rationale", id, episode, g.Rationale)
}

// Report implements vigil.MissingService: a new episode with its first
// grading. The child must be known (search before create), have no open
// episode, and no episode this one would overlap.
func (s *MissingService) Report(ctx context.Context, r vigil.NewReport) (*vigil.Episode, error) {
	r.ReporterName, r.Circumstances = strings.TrimSpace(r.ReporterName), strings.TrimSpace(r.Circumstances)
	r.ReportedAt, r.LastSeenAt = vigil.Millis(r.ReportedAt), vigil.Millis(r.LastSeenAt)
	var out *vigil.Episode
	err := s.db.writeTx(ctx, func(tx *Tx) error {
		if err := tx.require(ctx, vigil.ActionCreate, vigil.KindEpisode); err != nil {
			return err
		}
		if err := tx.require(ctx, vigil.ActionGrade, vigil.KindEpisode); err != nil {
			return err
		}
		var dob time.Time
		// The reporter's team takes the child onto its caseload only when
		// the reporter could already see the child in their own area: a
		// report through a held match opens none of the child's records.
		assign, how := false, ""
		if r.MatchRef != "" && r.ChildID == 0 {
			how = ", about a possible match held elsewhere"
			child, err := tx.useHeldMatch(ctx, r.MatchRef)
			if err != nil {
				return err
			}
			r.ChildID = child
		} else if r.ChildID != 0 {
			d, _, err := tx.decideChild(ctx, vigil.ActionRead, r.ChildID)
			if err != nil {
				return err
			}
			assign = !d.ByBreakGlass
		}
		if r.ChildID != 0 {
			if err := tx.QueryRowContext(ctx, "SELECT date_of_birth FROM children WHERE id = $1", r.ChildID).Scan(scanDate{&dob}); err != nil {
				return err
			}
		}
		if err := r.Validate(dob, tx.now); err != nil {
			return err
		}
		if !tx.exists(ctx, "SELECT 1 FROM lpas WHERE id = $1", r.LPAID) {
			var v vigil.Validation
			v.Add("lpa_id", "Select the local policing area the child is missing from")
			return v.Err()
		}
		if err := tx.noOverlap(ctx, r.ChildID, r.LastSeenAt); err != nil {
			return err
		}
		t, err := tx.targets(ctx)
		if err != nil {
			return err
		}
		var team int64
		_ = tx.QueryRowContext(ctx, "SELECT id FROM teams WHERE lpa_id = $1 AND kind = 'missing_persons' ORDER BY id LIMIT 1", r.LPAID).Scan(&team)
		var deployDue any
		if d := t.Deploy[r.Grading.Level]; d > 0 {
			deployDue = instant(r.ReportedAt.Add(d))
		}
		var id int64
		err = tx.QueryRowContext(ctx, `INSERT INTO missing_episodes (child_id, status, lpa_id, team_id, reported_at, reporter_name,
			reporter_contact, reporter_relation, last_seen_at, last_seen_place, circumstances, description_clothing, risk, first_risk,
			graded_at, deploy_due_at, created_at, created_by, updated_at, updated_by)
			VALUES ($1, 'open', $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12, $13, $14, $13, $15, $13, $15) RETURNING id`,
			r.ChildID, r.LPAID, nullIfZero(team), instant(r.ReportedAt), r.ReporterName, strings.TrimSpace(r.ReporterContact),
			strings.TrimSpace(r.ReporterRelation), instant(r.LastSeenAt), strings.TrimSpace(r.LastSeenPlace), r.Circumstances,
			strings.TrimSpace(r.DescriptionClothing), string(r.Grading.Level), instant(tx.now), deployDue, nullIfZero(tx.UserID())).Scan(&id)
		if err != nil {
			return err
		}
		if _, err := tx.grade(ctx, id, r.Grading, t); err != nil {
			return err
		}
		for _, f := range []struct{ key, form, text string }{{"missing_episodes.circumstances", "circumstances", r.Circumstances},
			{"missing_episodes.description_clothing", "description_clothing", r.DescriptionClothing}} {
			if err := tx.freeText(ctx, f.key, f.form, id, id, f.text); err != nil {
				return err
			}
		}
		st, err := tx.statEpisode(ctx, id)
		if err != nil {
			return err
		}
		if err := tx.applyStats(ctx, nil, st.Contributions()); err != nil {
			return err
		}
		if err := tx.childMissing(ctx, r.ChildID, t.RepeatWindow); err != nil {
			return err
		}
		// The LPA's missing-persons team takes the child onto its caseload.
		if assign && team != 0 && !tx.exists(ctx, "SELECT 1 FROM child_assignments WHERE child_id = $1 AND team_id = $2 AND ended_at IS NULL", r.ChildID, team) {
			if _, err := tx.ExecContext(ctx, `INSERT INTO child_assignments (child_id, team_id, assigned_at, assigned_by) VALUES ($1, $2, $3, $4)`,
				r.ChildID, team, instant(tx.now), nullIfZero(tx.UserID())); err != nil {
				return err
			}
		}
		if out, err = tx.episode(ctx, id); err != nil {
			return err
		}
		tx.log(vigil.ActionCreate, vigil.KindEpisode, []int64{id}, vigil.OutcomeOK, "missing report, graded "+string(r.Grading.Level)+how)
		return tx.history(ctx, vigil.KindEpisode, id, "report", nil, map[string]string{"risk": string(r.Grading.Level),
			"reported_at": instantText(r.ReportedAt), "last_seen_at": instantText(r.LastSeenAt)})
	})
	return out, err
}

func instantText(t time.Time) string { return t.UTC().Format(instantLayout) }

// noOverlap refuses a new episode of a child, open from lastSeen, that
// would be a second open one or overlap an earlier one. An episode spans
// from its last sighting up to, not including, when the child was found
// (one found the moment they were last seen spans nothing). One statement
// asks both, so both answers come from one snapshot: asked apart under
// READ COMMITTED, a report made at the same moment could commit between
// them and be taken for an overlap. The database holds both rules too
// (migration 00015), and refuses a request that passed this check only
// because another was made at the same moment, in the same words
// (constraints.go).
func (tx *Tx) noOverlap(ctx context.Context, child int64, lastSeen time.Time) error {
	var status string
	err := tx.QueryRowContext(ctx, `SELECT status FROM missing_episodes WHERE child_id = $1
		AND (status = 'open' OR found_at IS NULL OR (found_at > last_seen_at AND found_at > $2))
		ORDER BY status = 'open' DESC LIMIT 1`, child, instant(lastSeen)).Scan(&status)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return nil
	case err != nil:
		return err
	case status == string(vigil.EpisodeOpen):
		return ruleOneOpenEpisode.broken(nil)
	}
	return ruleNoOverlap.broken(nil)
}

// Episode implements vigil.MissingService.
func (s *MissingService) Episode(ctx context.Context, id int64) (*vigil.Episode, error) {
	var out *vigil.Episode
	err := s.db.writeTx(ctx, func(tx *Tx) error {
		if err := tx.require(ctx, vigil.ActionRead, vigil.KindEpisode); err != nil {
			return err
		}
		e, err := tx.decideEpisode(ctx, vigil.ActionRead, id)
		if err != nil {
			return err
		}
		out = e
		tx.log(vigil.ActionRead, vigil.KindEpisode, []int64{id}, vigil.OutcomeOK, "")
		return nil
	})
	return out, err
}

// change runs one step of an episode: permission through the child, the
// version check, the step, the version bump, the log and the history.
func (s *MissingService) change(ctx context.Context, id, version int64, action vigil.Action, what string,
	step func(tx *Tx, e *vigil.Episode) (map[string]string, map[string]string, error)) (*vigil.Episode, error) {
	var out *vigil.Episode
	err := s.db.writeTx(ctx, func(tx *Tx) error {
		if err := tx.require(ctx, action, vigil.KindEpisode); err != nil {
			return err
		}
		e, err := tx.decideEpisode(ctx, action, id)
		if err != nil {
			return err
		}
		if err := staleEpisode(e, version); err != nil {
			return err
		}
		was, err := tx.statEpisode(ctx, id)
		if err != nil {
			return err
		}
		before, after, err := step(tx, e)
		if err != nil {
			return err
		}
		if err := tx.bump(ctx, id, version); err != nil {
			return err
		}
		is, err := tx.statEpisode(ctx, id)
		if err != nil {
			return err
		}
		if err := tx.applyStats(ctx, was.Contributions(), is.Contributions()); err != nil {
			return err
		}
		if out, err = tx.episode(ctx, id); err != nil {
			return err
		}
		tx.log(action, vigil.KindEpisode, []int64{id}, vigil.OutcomeOK, what)
		return tx.history(ctx, vigil.KindEpisode, id, what, before, after)
	})
	return out, err
}

func openOnly(e *vigil.Episode) error {
	if e.Status != vigil.EpisodeOpen {
		return vigil.Errorf(vigil.EINVALID, "The child has been found: this step is for a child still missing")
	}
	return nil
}

// Grade implements vigil.MissingService: a regrading, kept beside the
// earlier ones.
func (s *MissingService) Grade(ctx context.Context, id int64, g vigil.Grading, version int64) (*vigil.Episode, error) {
	g.Rationale = strings.TrimSpace(g.Rationale)
	if err := vigil.ValidateGrading(g); err != nil {
		return nil, err
	}
	return s.change(ctx, id, version, vigil.ActionGrade, "regrade", func(tx *Tx, e *vigil.Episode) (map[string]string, map[string]string, error) {
		if err := openOnly(e); err != nil {
			return nil, nil, err
		}
		t, err := tx.targets(ctx)
		if err != nil {
			return nil, nil, err
		}
		if _, err := tx.grade(ctx, id, g, t); err != nil {
			return nil, nil, err
		}
		return map[string]string{"risk": string(e.Risk)}, map[string]string{"risk": string(g.Level)}, nil
	})
}

// Ratify implements vigil.MissingService: a control-room manager, never
// the grader, agrees with the grading in force or changes it with a
// reason. A changed level becomes the grading in force.
func (s *MissingService) Ratify(ctx context.Context, id int64, agree bool, level vigil.RiskLevel, reason string, version int64) (*vigil.Episode, error) {
	reason = strings.TrimSpace(reason)
	return s.change(ctx, id, version, vigil.ActionRatify, "ratify", func(tx *Tx, e *vigil.Episode) (map[string]string, map[string]string, error) {
		if len(e.Gradings) == 0 {
			return nil, nil, vigil.Errorf(vigil.EINVALID, "There is no grading to ratify")
		}
		g := e.Gradings[len(e.Gradings)-1]
		if g.RatifiedAt != nil {
			return nil, nil, vigil.Errorf(vigil.ECONFLICT, "This grading has already been ratified")
		}
		if g.GradedBy == tx.UserID() {
			return nil, nil, &vigil.Error{Code: vigil.EFORBIDDEN, Message: "You graded this risk, so someone else must ratify it"}
		}
		var v vigil.Validation
		if agree {
			level = g.Level
		} else {
			if !level.Gradable() {
				v.Add("level", "Select the risk level")
			} else if level == g.Level {
				v.Add("level", "Select a different level, or agree with the grading")
			}
			if reason == "" {
				v.Add("reason", "Say why you are changing the grading")
			}
		}
		if err := v.Err(); err != nil {
			return nil, nil, err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE risk_gradings SET ratified_at = $1, ratified_by = $2, ratified_level = $3, ratify_reason = $4,
			ratify_ms = $5 WHERE id = $6`, instant(tx.now), tx.UserID(), string(level), reason, tx.now.Sub(g.GradedAt).Milliseconds(), g.ID); err != nil {
			return nil, nil, err
		}
		if reason != "" {
			if err := tx.freeText(ctx, "risk_gradings.ratify_reason", "reason", g.ID, id, reason); err != nil {
				return nil, nil, err
			}
		}
		t, err := tx.targets(ctx)
		if err != nil {
			return nil, nil, err
		}
		update := "UPDATE missing_episodes SET ratified_at = $1, ratify_due_at = NULL WHERE id = $2"
		args := []any{instant(tx.now), id}
		if level != g.Level {
			update = "UPDATE missing_episodes SET ratified_at = $1, ratify_due_at = NULL, risk = $3, review_by = $4 WHERE id = $2"
			args = append(args, string(level), instant(tx.now.Add(t.Review[level])))
		}
		if _, err := tx.ExecContext(ctx, update, args...); err != nil {
			return nil, nil, err
		}
		return map[string]string{"risk": string(g.Level)}, map[string]string{"risk": string(level), "ratified": boolText(agree)}, nil
	})
}

// Deploy implements vigil.MissingService.
func (s *MissingService) Deploy(ctx context.Context, id int64, people []int64, at time.Time, version int64) (*vigil.Episode, error) {
	at = vigil.Millis(at)
	return s.change(ctx, id, version, vigil.ActionDeploy, "deploy", func(tx *Tx, e *vigil.Episode) (map[string]string, map[string]string, error) {
		if err := openOnly(e); err != nil {
			return nil, nil, err
		}
		var v vigil.Validation
		if len(people) == 0 {
			v.Add("people", "Select the officers deployed")
		}
		if at.IsZero() {
			at = tx.now
		}
		if at.Before(e.ReportedAt) || at.After(tx.now.Add(5*time.Minute)) {
			v.Add("deployed_at", "The deployment must be after the report and not in the future")
		}
		for _, p := range people {
			if !tx.exists(ctx, "SELECT 1 FROM people WHERE id = $1 AND team_id IS NOT NULL AND active", p) {
				v.Add("people", "Select officers from the list")
				break
			}
		}
		if err := v.Err(); err != nil {
			return nil, nil, err
		}
		for _, p := range people {
			if _, err := tx.ExecContext(ctx, "INSERT INTO deployments (episode_id, person_id, deployed_at, deployed_by) VALUES ($1, $2, $3, $4)",
				id, p, instant(at), nullIfZero(tx.UserID())); err != nil {
				return nil, nil, err
			}
		}
		if e.DeployedAt == nil {
			if _, err := tx.ExecContext(ctx, "UPDATE missing_episodes SET deployed_at = $1, deploy_due_at = NULL, deploy_ms = $2 WHERE id = $3",
				instant(at), at.Sub(e.ReportedAt).Milliseconds(), id); err != nil {
				return nil, nil, err
			}
		}
		return nil, map[string]string{"deployed": idsText(people)}, nil
	})
}

func idsText(ids []int64) string {
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = itoa(int(id))
	}
	return strings.Join(parts, ",")
}

// Note implements vigil.MissingService: an enquiry or action on the
// episode's timeline.
func (s *MissingService) Note(ctx context.Context, id int64, kind, text string) error {
	text = strings.TrimSpace(text)
	var v vigil.Validation
	if !slices.Contains([]string{"enquiry", "action", "review", "update"}, kind) {
		v.Add("kind", "Select what kind of entry this is")
	}
	if text == "" || len(text) > 10000 {
		v.Add("text", "Write the entry (up to 10,000 characters)")
	}
	if err := v.Err(); err != nil {
		return err
	}
	return s.db.writeTx(ctx, func(tx *Tx) error {
		if err := tx.require(ctx, vigil.ActionUpdate, vigil.KindEpisode); err != nil {
			return err
		}
		e, err := tx.decideEpisode(ctx, vigil.ActionUpdate, id)
		if err != nil {
			return err
		}
		if kind == "review" && e.Status == vigil.EpisodeOpen {
			// A supervisor's review sets the next review time.
			t, err := tx.targets(ctx)
			if err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, "UPDATE missing_episodes SET review_by = $1 WHERE id = $2", instant(tx.now.Add(t.Review[e.Risk])), id); err != nil {
				return err
			}
		}
		if err := tx.note(ctx, id, kind, text); err != nil {
			return err
		}
		tx.log(vigil.ActionUpdate, vigil.KindEpisode, []int64{id}, vigil.OutcomeOK, kind)
		return nil
	})
}

// Found implements vigil.MissingService.
func (s *MissingService) Found(ctx context.Context, id int64, f vigil.FoundDetails, version int64) (*vigil.Episode, error) {
	f.At = vigil.Millis(f.At)
	return s.change(ctx, id, version, vigil.ActionUpdate, "found", func(tx *Tx, e *vigil.Episode) (map[string]string, map[string]string, error) {
		if err := openOnly(e); err != nil {
			return nil, nil, err
		}
		if err := vigil.ValidateFound(*e, f, tx.now); err != nil {
			return nil, nil, err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE missing_episodes SET status = 'found', found_at = $1, found_place = $2, found_by = $3,
			condition = $4, harm_suffered = $5, exploitation_indicators = $6, ratify_due_at = NULL, deploy_due_at = NULL, missing_ms = $7
			WHERE id = $8`, instant(f.At), strings.TrimSpace(f.Place), strings.TrimSpace(f.By), strings.TrimSpace(f.Condition),
			strings.TrimSpace(f.HarmSuffered), listText(f.ExploitationIndicators, func(s string) string { return s }),
			f.At.Sub(e.LastSeenAt).Milliseconds(), id); err != nil {
			return nil, nil, err
		}
		for _, x := range []struct{ key, form, text string }{{"missing_episodes.condition", "condition", f.Condition},
			{"missing_episodes.harm_suffered", "harm_suffered", f.HarmSuffered}} {
			if err := tx.freeText(ctx, x.key, x.form, id, id, x.text); err != nil {
				return nil, nil, err
			}
		}
		return map[string]string{"status": "open"}, map[string]string{"status": "found", "found_at": instantText(f.At), "found_place": f.Place}, nil
	})
}

// NotifyNMPU implements vigil.MissingService: the date the national
// missing persons unit was told of a child missing over 72 hours.
func (s *MissingService) NotifyNMPU(ctx context.Context, id int64, at time.Time, version int64) (*vigil.Episode, error) {
	at = vigil.Millis(at)
	return s.change(ctx, id, version, vigil.ActionUpdate, "nmpu", func(tx *Tx, e *vigil.Episode) (map[string]string, map[string]string, error) {
		if at.IsZero() {
			at = tx.now
		}
		if at.Before(e.ReportedAt) || at.After(tx.now.Add(5*time.Minute)) {
			var v vigil.Validation
			v.Add("nmpu_sent_at", "The date sent must be after the report and not in the future")
			return nil, nil, v.Err()
		}
		_, err := tx.ExecContext(ctx, "UPDATE missing_episodes SET nmpu_sent_at = $1 WHERE id = $2", instant(at), id)
		return nil, map[string]string{"nmpu_sent_at": instantText(at)}, err
	})
}

func foundOnly(e *vigil.Episode) error {
	if e.FoundAt == nil {
		return vigil.Errorf(vigil.EINVALID, "Record that the child has been found first")
	}
	if e.Status == vigil.EpisodeClosed {
		return vigil.Errorf(vigil.EINVALID, "The episode is closed")
	}
	return nil
}

// Prevention implements vigil.MissingService: the police's prevention
// interview (safe and well check), with any disclosures.
func (s *MissingService) Prevention(ctx context.Context, id int64, at time.Time, disclosures string, version int64) (*vigil.Episode, error) {
	at = vigil.Millis(at)
	return s.change(ctx, id, version, vigil.ActionUpdate, "prevention", func(tx *Tx, e *vigil.Episode) (map[string]string, map[string]string, error) {
		if err := foundOnly(e); err != nil {
			return nil, nil, err
		}
		if at.IsZero() {
			at = tx.now
		}
		if at.Before(*e.FoundAt) || at.After(tx.now.Add(5*time.Minute)) {
			var v vigil.Validation
			v.Add("prevention_at", "The interview must be after the child was found and not in the future")
			return nil, nil, v.Err()
		}
		if _, err := tx.ExecContext(ctx, "UPDATE missing_episodes SET prevention_at = $1, prevention_disclosures = $2, prevention_ms = $3 WHERE id = $4",
			instant(at), strings.TrimSpace(disclosures), at.Sub(*e.FoundAt).Milliseconds(), id); err != nil {
			return nil, nil, err
		}
		if err := tx.freeText(ctx, "missing_episodes.prevention_disclosures", "disclosures", id, id, disclosures); err != nil {
			return nil, nil, err
		}
		return nil, map[string]string{"prevention_at": instantText(at)}, nil
	})
}

// ReturnInterview implements vigil.MissingService: the local authority's
// return home interview, offered, declined or completed, recorded by its
// practitioners (partner-agency users) or the missing-persons team.
func (s *MissingService) ReturnInterview(ctx context.Context, id int64, r vigil.RHIDetails, version int64) (*vigil.Episode, error) {
	return s.change(ctx, id, version, vigil.ActionReturnInterview, "return_interview", func(tx *Tx, e *vigil.Episode) (map[string]string, map[string]string, error) {
		if err := foundOnly(e); err != nil {
			return nil, nil, err
		}
		var v vigil.Validation
		check := func(field string, t *time.Time) {
			if t != nil && (t.Before(*e.FoundAt) || t.After(tx.now.Add(5*time.Minute))) {
				v.Add(field, "The date must be after the child was found and not in the future")
			}
		}
		check("rhi_offered_at", r.OfferedAt)
		check("rhi_declined_at", r.DeclinedAt)
		check("rhi_completed_at", r.CompletedAt)
		if r.OfferedAt == nil && r.DeclinedAt == nil && r.CompletedAt == nil {
			v.Add("rhi_offered_at", "Give the date the interview was offered, declined or completed")
		}
		if r.DeclinedAt != nil && r.CompletedAt != nil {
			v.Add("rhi_declined_at", "An interview cannot be both declined and completed")
		}
		if err := v.Err(); err != nil {
			return nil, nil, err
		}
		offered := r.OfferedAt
		if offered == nil && e.RHIOfferedAt == nil {
			// Declining or completing means it was offered.
			offered = r.DeclinedAt
			if offered == nil {
				offered = r.CompletedAt
			}
		}
		since := func(t *time.Time) any {
			if t == nil {
				return nil
			}
			return vigil.Millis(*t).Sub(*e.FoundAt).Milliseconds()
		}
		notes := strings.TrimSpace(r.Notes)
		if notes == "" {
			notes = e.RHINotes
		}
		if _, err := tx.ExecContext(ctx, `UPDATE missing_episodes SET rhi_offered_at = COALESCE($1, rhi_offered_at),
			rhi_declined_at = COALESCE($2, rhi_declined_at), rhi_completed_at = COALESCE($3, rhi_completed_at),
			rhi_notes = $4, rhi_offer_ms = COALESCE(CAST($5 AS BIGINT), rhi_offer_ms), rhi_complete_ms = COALESCE(CAST($6 AS BIGINT), rhi_complete_ms) WHERE id = $7`,
			nullTime(offered), nullTime(r.DeclinedAt), nullTime(r.CompletedAt), notes, since(offered), since(r.CompletedAt), id); err != nil {
			return nil, nil, err
		}
		if strings.TrimSpace(r.Notes) != "" {
			if err := tx.freeText(ctx, "missing_episodes.rhi_notes", "rhi_notes", id, id, r.Notes); err != nil {
				return nil, nil, err
			}
		}
		after := map[string]string{}
		for k, t := range map[string]*time.Time{"rhi_offered_at": offered, "rhi_declined_at": r.DeclinedAt, "rhi_completed_at": r.CompletedAt} {
			if t != nil {
				after[k] = instantText(*t)
			}
		}
		return nil, after, nil
	})
}

func nullTime(t *time.Time) any {
	if t == nil {
		return nil
	}
	return instant(vigil.Millis(*t))
}

// Close implements vigil.MissingService: closure after a supervisor's
// check that the follow-up is done (or recorded as not done).
func (s *MissingService) Close(ctx context.Context, id int64, version int64) (*vigil.Episode, error) {
	return s.change(ctx, id, version, vigil.ActionClose, "close", func(tx *Tx, e *vigil.Episode) (map[string]string, map[string]string, error) {
		if err := foundOnly(e); err != nil {
			return nil, nil, err
		}
		var v vigil.Validation
		if e.PreventionAt == nil {
			v.Add("prevention_at", "Record the prevention interview before closing")
		}
		if e.RHIOfferedAt == nil {
			v.Add("rhi_offered_at", "Record that a return home interview was offered before closing")
		}
		if e.FoundAt.Sub(e.ReportedAt) > 72*time.Hour && e.NMPUSentAt == nil {
			v.Add("nmpu_sent_at", "The child was missing over 72 hours: record the notification to the UK Missing Persons Unit")
		}
		if err := v.Err(); err != nil {
			return nil, nil, err
		}
		if _, err := tx.ExecContext(ctx, "UPDATE missing_episodes SET status = 'closed', closed_at = $1, closed_by = $2, checked_by = $2 WHERE id = $3",
			instant(tx.now), tx.UserID(), id); err != nil {
			return nil, nil, err
		}
		if err := tx.endDeployedAccess(ctx, id, tx.now); err != nil {
			return nil, nil, err
		}
		return map[string]string{"status": string(e.Status)}, map[string]string{"status": "closed"}, nil
	})
}
