package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/vigilcp/vigil/internal/vigil"
)

// This file holds the missing-children lists: work queues, the episodes
// behind each dashboard figure, repeat-missing children and their plans,
// the dashboard itself and the force's targets.

// riskOrder sorts the highest risk first.
const riskOrder = "CASE e.risk WHEN 'high' THEN 0 WHEN 'medium' THEN 1 WHEN 'low' THEN 2 WHEN 'very_low' THEN 3 ELSE 4 END"

// queueSQL is each work queue's condition and order.
func queueSQL(queue string, now time.Time, arg func(any) string) (where, order string, err error) {
	switch queue {
	case "":
		return "", "", nil
	case vigil.QueueAwaitingRatification:
		return "e.status = 'open' AND e.ratify_due_at IS NOT NULL", "e.ratify_due_at, e.id", nil
	case vigil.QueueAwaitingDeployment:
		return "e.status = 'open' AND e.deploy_due_at IS NOT NULL", "e.deploy_due_at, e.id", nil
	case vigil.QueueOpen:
		return "e.status = 'open'", riskOrder + ", e.reported_at, e.id", nil
	case vigil.QueueReviewsDue:
		return "e.status = 'open' AND e.review_by <= " + arg(instant(now.Add(time.Hour))), "e.review_by, e.id", nil
	case vigil.QueueNoPrevention:
		return "e.status = 'found' AND e.prevention_at IS NULL", "e.found_at, e.id", nil
	case vigil.QueueRHIDue:
		return "e.status = 'found' AND e.rhi_completed_at IS NULL AND e.rhi_declined_at IS NULL", "e.found_at, e.id", nil
	case vigil.QueueToClose:
		return "e.status = 'found' AND e.prevention_at IS NOT NULL AND (e.rhi_completed_at IS NOT NULL OR e.rhi_declined_at IS NOT NULL)",
			"e.found_at, e.id", nil
	}
	var v vigil.Validation
	v.Add("queue", "There is no work queue %q", queue)
	return "", "", v.Err()
}

// msTarget is an SQL expression for a per-risk target in milliseconds,
// over the risk column col.
func msTarget(col string, m map[vigil.RiskLevel]time.Duration) string {
	var b strings.Builder
	b.WriteString("CASE " + col)
	for _, r := range vigil.RiskLevels {
		b.WriteString(" WHEN '" + string(r) + "' THEN " + strconv.FormatInt(m[r].Milliseconds(), 10))
	}
	b.WriteString(" ELSE 0 END")
	return b.String()
}

// figureSQL is the condition for the episodes behind a dashboard figure:
// the same rules Dashboard counts by. The filter's risk and period apply
// to the figure's own measure (grading level and time for ratification;
// the first grading and the report for deployment; the return for the
// follow-up).
func figureSQL(f vigil.EpisodeFilter, t vigil.Targets, arg func(any) string) (string, error) {
	period := func(col string) string {
		var c []string
		if !f.From.IsZero() {
			c = append(c, col+" >= "+arg(instant(f.From)))
		}
		if !f.To.IsZero() {
			c = append(c, col+" < "+arg(instant(f.To)))
		}
		if len(c) == 0 {
			return "TRUE"
		}
		return strings.Join(c, " AND ")
	}
	risk := func(col string) string {
		if f.Risk == "" {
			return "TRUE"
		}
		return col + " = " + arg(string(f.Risk))
	}
	rhi := strconv.FormatInt(vigil.RHIWithin.Milliseconds(), 10)
	prevention := strconv.FormatInt(t.Prevention.Milliseconds(), 10)
	// Each condition adds its arguments only when used: PostgreSQL refuses
	// parameters a statement does not use.
	returned := func() string { return "e.found_at IS NOT NULL AND " + period("e.found_at") + " AND " }
	grading := func(cond string) string {
		return "EXISTS (SELECT 1 FROM risk_gradings g WHERE g.episode_id = e.id AND " + period("g.graded_at") + " AND " + risk("g.level") +
			" AND g.ratify_ms IS NOT NULL AND " + cond + ")"
	}
	deployed := func() string {
		return period("e.reported_at") + " AND " + risk("e.first_risk") + " AND e.deploy_ms IS NOT NULL AND " + msTarget("e.first_risk", t.Deploy) + " > 0 AND "
	}
	switch f.Figure {
	case "":
		return "", nil
	case "open":
		return "e.status = 'open' AND " + risk("e.risk"), nil
	case "reported":
		return period("e.reported_at") + " AND " + risk("e.first_risk"), nil
	case "ratify_met":
		return grading("g.ratify_ms <= " + msTarget("g.level", t.Ratify)), nil
	case "ratify_missed":
		return grading("g.ratify_ms > " + msTarget("g.level", t.Ratify)), nil
	case "deploy_met":
		return deployed() + "e.deploy_ms <= " + msTarget("e.first_risk", t.Deploy), nil
	case "deploy_missed":
		return deployed() + "e.deploy_ms > " + msTarget("e.first_risk", t.Deploy), nil
	case "time_missing":
		return returned() + "e.missing_ms IS NOT NULL", nil
	case "prevention_met":
		return returned() + "e.prevention_ms <= " + prevention, nil
	case "prevention_missed":
		return returned() + "(e.prevention_ms IS NULL OR e.prevention_ms > " + prevention + ")", nil
	case "rhi_offered":
		return returned() + "e.rhi_offer_ms <= " + rhi, nil
	case "rhi_not_offered":
		return returned() + "(e.rhi_offer_ms IS NULL OR e.rhi_offer_ms > " + rhi + ")", nil
	case "rhi_completed":
		return returned() + "e.rhi_complete_ms <= " + rhi, nil
	case "rhi_not_completed":
		return returned() + "(e.rhi_complete_ms IS NULL OR e.rhi_complete_ms > " + rhi + ")", nil
	}
	var v vigil.Validation
	v.Add("figure", "There is no dashboard figure %q", f.Figure)
	return "", v.Err()
}

// Episodes implements vigil.MissingService: episodes the principal may
// see (their children's), by queue, dashboard figure or filter.
func (s *MissingService) Episodes(ctx context.Context, f vigil.EpisodeFilter) (vigil.Page[vigil.Episode], error) {
	var page vigil.Page[vigil.Episode]
	err := s.db.writeTx(ctx, func(tx *Tx) error {
		if err := tx.require(ctx, vigil.ActionList, vigil.KindEpisode); err != nil {
			return err
		}
		var args []any
		arg := func(v any) string {
			args = append(args, v)
			return "$" + itoa(len(args))
		}
		// A list behind a figure counts every episode of the area, as the
		// figure does, and shows those the reader may not read as withheld
		// rows; any other list shows only what the reader may read.
		figure := f.Figure != ""
		visible := episodeScopeSQL(tx.who, tx.now, arg)
		var where []string
		if figure {
			if err := tx.figuresArea(ctx, f.LPAID, f.TeamID); err != nil {
				return err
			}
		} else {
			where = append(where, visible)
		}
		qWhere, order, err := queueSQL(f.Queue, tx.now, arg)
		if err != nil {
			return err
		}
		if qWhere != "" {
			where = append(where, qWhere)
		}
		if f.Figure != "" {
			t, err := tx.targets(ctx)
			if err != nil {
				return err
			}
			cond, err := figureSQL(f, t, arg)
			if err != nil {
				return err
			}
			where = append(where, cond)
		} else {
			if f.Risk != "" {
				where = append(where, "e.risk = "+arg(string(f.Risk)))
			}
			if !f.From.IsZero() {
				where = append(where, "e.reported_at >= "+arg(instant(f.From)))
			}
			if !f.To.IsZero() {
				where = append(where, "e.reported_at < "+arg(instant(f.To)))
			}
		}
		if f.ChildID != 0 {
			where = append(where, "e.child_id = "+arg(f.ChildID))
		}
		if f.LPAID != 0 {
			where = append(where, "e.lpa_id = "+arg(f.LPAID))
		}
		if f.TeamID != 0 {
			where = append(where, "e.team_id = "+arg(f.TeamID))
		}
		if f.Status != "" {
			if !slices.Contains([]vigil.EpisodeStatus{vigil.EpisodeOpen, vigil.EpisodeFound, vigil.EpisodeClosed}, f.Status) {
				var v vigil.Validation
				v.Add("status", "Status is open, found or closed")
				return v.Err()
			}
			where = append(where, "e.status = "+arg(string(f.Status)))
		}
		if f.Risk != "" && !f.Risk.Gradable() && f.Risk != vigil.RiskNoApparentRisk {
			var v vigil.Validation
			v.Add("risk", "There is no risk level %q; use very low, low, medium or high", string(f.Risk))
			return v.Err()
		}
		// Queues are short and ordered by what is due; other lists page
		// newest first.
		paged := order == ""
		if paged {
			order = "e.reported_at DESC, e.id DESC"
			if f.Cursor != "" {
				var at time.Time
				var id int64
				if err := decodeCursor(f.Cursor, &at, &id); err != nil {
					return err
				}
				a := arg(instant(at))
				where = append(where, "(e.reported_at < "+a+" OR (e.reported_at = "+a+" AND e.id < "+arg(id)+"))")
			}
		}
		limit := f.Size()
		cols := episodeCols
		if figure {
			cols += ", CASE WHEN " + visible + " THEN 1 ELSE 0 END"
		}
		if len(where) == 0 {
			where = append(where, "TRUE")
		}
		q := "SELECT " + cols + " FROM missing_episodes e JOIN children c ON c.id = e.child_id WHERE " +
			strings.Join(where, " AND ") + " ORDER BY " + order + " LIMIT " + arg(limit+1)
		rows, err := tx.QueryContext(ctx, q, args...)
		if err != nil {
			return err
		}
		sc := episodeScanner{withVisible: figure}
		page.Items = make([]vigil.Episode, 0, limit+1)
		var shown []int64
		for rows.Next() {
			e, err := sc.scan(rows)
			if err != nil {
				rows.Close()
				return err
			}
			if figure && !sc.visible {
				e.WithholdRecord()
			} else {
				e.WithholdFor(tx.who)
			}
			page.Items = append(page.Items, e)
		}
		if err := closeRows(rows); err != nil {
			return err
		}
		if len(page.Items) > limit {
			page.Items = page.Items[:limit]
			if paged {
				last := page.Items[limit-1]
				page.Next = encodeCursor(last.ReportedAt, last.ID)
			}
		}
		shown = make([]int64, 0, len(page.Items))
		for _, e := range page.Items {
			if !e.IsWithheld(vigil.FieldRecord) {
				shown = append(shown, e.ID)
			}
		}
		tx.log(vigil.ActionList, vigil.KindEpisode, shown, vigil.OutcomeOK, f.Queue+f.Figure)
		return nil
	})
	if err != nil {
		return vigil.Page[vigil.Episode]{}, err
	}
	return page, nil
}

// Targets implements vigil.MissingService.
func (s *MissingService) Targets(ctx context.Context) (vigil.Targets, error) {
	var t vigil.Targets
	err := s.db.readTx(ctx, func(tx *Tx) error {
		if err := tx.require(ctx, vigil.ActionRead, vigil.KindMissingTargets); err != nil {
			return err
		}
		var err error
		t, err = tx.targets(ctx)
		return err
	})
	return t, err
}

// SetTargets implements vigil.MissingService.
func (s *MissingService) SetTargets(ctx context.Context, t vigil.Targets) error {
	if err := t.Validate(); err != nil {
		return err
	}
	doc, err := json.Marshal(t)
	if err != nil {
		return err
	}
	return s.db.writeTx(ctx, func(tx *Tx) error {
		if err := tx.require(ctx, vigil.ActionUpdate, vigil.KindMissingTargets); err != nil {
			return err
		}
		before, err := tx.targets(ctx)
		if err != nil {
			return err
		}
		old, _ := json.Marshal(before)
		if before.RepeatWindow != t.RepeatWindow {
			if err := tx.rebuildChildMissing(ctx, t.RepeatWindow); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO settings (name, value, updated_at, updated_by) VALUES ('missing.targets', $1, $2, $3)
			ON CONFLICT (name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at, updated_by = excluded.updated_by`,
			string(doc), instant(tx.now), nullIfZero(tx.UserID())); err != nil {
			return err
		}
		tx.log(vigil.ActionUpdate, vigil.KindMissingTargets, nil, vigil.OutcomeOK, "missing-children targets")
		return tx.history(ctx, vigil.KindMissingTargets, 0, "settings", map[string]string{"targets": string(old)},
			map[string]string{"targets": string(doc)})
	})
}

// repeatChildren finds the children who are repeat-missing now (their
// latest report inside the window back from today, with the threshold of
// reports in the window ending at it), among those the principal may see.
func (tx *Tx) repeatChildren(ctx context.Context, t vigil.Targets, lpa, team int64) ([]vigil.RepeatChild, error) {
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return "$" + itoa(len(args))
	}
	where := []string{"m.latest_report_at >= " + arg(instant(vigil.RepeatWindowStart(tx.now, t.RepeatWindow))),
		"m.in_window >= " + arg(t.RepeatEpisodes), childScopeSQL(tx.who, tx.now, arg)}
	if lpa != 0 {
		where = append(where, "m.lpa_id = "+arg(lpa))
	}
	if team != 0 {
		where = append(where, "m.team_id = "+arg(team))
	}
	rows, err := tx.QueryContext(ctx, `SELECT m.child_id, c.given_name || ' ' || c.family_name, m.lpa_id, m.latest_report_at, m.in_window
		FROM child_missing m JOIN children c ON c.id = m.child_id WHERE `+strings.Join(where, " AND "), args...)
	if err != nil {
		return nil, err
	}
	var out []vigil.RepeatChild
	for rows.Next() {
		var c vigil.RepeatChild
		if err := rows.Scan(&c.ChildID, &c.Name, &c.LPAID, scanInstant{&c.Latest}, &c.Episodes); err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, c)
	}
	if err := closeRows(rows); err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return out, nil
	}
	// Their active plans and all-time episode counts.
	args = nil
	ids := make([]string, len(out))
	index := map[int64]int{}
	for i, c := range out {
		ids[i] = arg(c.ChildID)
		index[c.ChildID] = i
	}
	in := "(" + strings.Join(ids, ", ") + ")"
	rows, err = tx.QueryContext(ctx, `SELECT p.child_id, p.id, p.review_at, p.strategy_meeting_at FROM missing_plans p
		WHERE p.ended_at IS NULL AND p.child_id IN `+in+" ORDER BY p.child_id, p.id", args...)
	if err != nil {
		return nil, err
	}
	meetings := map[int64]time.Time{}
	for rows.Next() {
		var child, id int64
		var review, meeting time.Time
		if err := rows.Scan(&child, &id, scanInstant{&review}, scanInstant{&meeting}); err != nil {
			rows.Close()
			return nil, err
		}
		c := &out[index[child]]
		c.PlanID, c.PlanReviewAt, c.PlanOverdue = id, &review, review.Before(tx.now)
		meetings[child] = meeting
	}
	if err := closeRows(rows); err != nil {
		return nil, err
	}
	rows, err = tx.QueryContext(ctx, "SELECT child_id, reported_at FROM missing_episodes WHERE child_id IN "+in, args...)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var child int64
		var at time.Time
		if err := rows.Scan(&child, scanInstant{&at}); err != nil {
			rows.Close()
			return nil, err
		}
		c := &out[index[child]]
		c.Total++
		if m, ok := meetings[child]; ok && !at.Before(m) {
			c.SincePlan++
		}
	}
	return out, closeRows(rows)
}

// RepeatChildren implements vigil.MissingService: children repeat-missing
// now, the longest-waiting first among those without a plan.
func (s *MissingService) RepeatChildren(ctx context.Context, f vigil.RepeatFilter) (vigil.Page[vigil.RepeatChild], error) {
	var page vigil.Page[vigil.RepeatChild]
	err := s.db.writeTx(ctx, func(tx *Tx) error {
		if err := tx.require(ctx, vigil.ActionList, vigil.KindEpisode); err != nil {
			return err
		}
		t, err := tx.targets(ctx)
		if err != nil {
			return err
		}
		all, err := tx.repeatChildren(ctx, t, f.LPAID, f.TeamID)
		if err != nil {
			return err
		}
		all = slices.DeleteFunc(all, func(c vigil.RepeatChild) bool {
			return f.NoPlan && c.PlanID != 0 || f.PastReview && !c.PlanOverdue
		})
		// Most episodes first, then the latest report first.
		slices.SortFunc(all, func(a, b vigil.RepeatChild) int {
			if a.Episodes != b.Episodes {
				return b.Episodes - a.Episodes
			}
			if c := b.Latest.Compare(a.Latest); c != 0 {
				return c
			}
			return int(a.ChildID - b.ChildID)
		})
		offset := 0
		if f.Cursor != "" {
			if err := decodeCursor(f.Cursor, &offset); err != nil {
				return err
			}
			offset = min(max(offset, 0), len(all))
		}
		limit := f.Size()
		end := min(offset+limit, len(all))
		page.Items = all[offset:end]
		if end < len(all) {
			page.Next = encodeCursor(end)
		}
		ids := make([]int64, len(page.Items))
		for i, c := range page.Items {
			ids[i] = c.ChildID
		}
		tx.log(vigil.ActionList, vigil.KindChild, ids, vigil.OutcomeOK, "repeat missing")
		return nil
	})
	if err != nil {
		return vigil.Page[vigil.RepeatChild]{}, err
	}
	return page, nil
}

// Plans implements vigil.MissingService: a child's plans, newest first.
func (s *MissingService) Plans(ctx context.Context, childID int64) ([]vigil.Plan, error) {
	var out []vigil.Plan
	err := s.db.writeTx(ctx, func(tx *Tx) error {
		if err := tx.require(ctx, vigil.ActionRead, vigil.KindEpisode); err != nil {
			return err
		}
		if _, _, err := tx.decideChild(ctx, vigil.ActionRead, childID); err != nil {
			return err
		}
		var err error
		out, err = tx.plans(ctx, "p.child_id = $1", childID)
		if err != nil {
			return err
		}
		tx.log(vigil.ActionRead, vigil.KindChild, []int64{childID}, vigil.OutcomeOK, "missing plans")
		return nil
	})
	return out, err
}

func (tx *Tx) plans(ctx context.Context, where string, args ...any) ([]vigil.Plan, error) {
	rows, err := tx.QueryContext(ctx, `SELECT p.id, p.child_id, c.given_name || ' ' || c.family_name, p.strategy_meeting_at, p.agencies,
		p.review_at, p.summary, p.ended_at, p.created_at, p.created_by, p.updated_at, p.updated_by, p.version
		FROM missing_plans p JOIN children c ON c.id = p.child_id WHERE `+where+" ORDER BY p.strategy_meeting_at DESC, p.id DESC", args...)
	if err != nil {
		return nil, err
	}
	var out []vigil.Plan
	for rows.Next() {
		var p vigil.Plan
		var agencies string
		if err := rows.Scan(append([]any{&p.ID, &p.ChildID, &p.ChildName, scanInstant{&p.StrategyMeetingAt}, &agencies,
			scanInstant{&p.ReviewAt}, &p.Summary, scanNullInstant{&p.EndedAt}}, stampDest(&p.Stamp)...)...); err != nil {
			rows.Close()
			return nil, err
		}
		p.Agencies = toIDs(listItems(agencies))
		out = append(out, p)
	}
	if err := closeRows(rows); err != nil {
		return nil, err
	}
	for i := range out {
		rows, err := tx.QueryContext(ctx, "SELECT id, action, owner, due_at, done_at FROM plan_actions WHERE plan_id = $1 ORDER BY id", out[i].ID)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var a vigil.PlanAction
			if err := rows.Scan(&a.ID, &a.Action, &a.Owner, scanNullInstant{&a.DueAt}, scanNullInstant{&a.DoneAt}); err != nil {
				rows.Close()
				return nil, err
			}
			out[i].Actions = append(out[i].Actions, a)
		}
		if err := closeRows(rows); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// SavePlan implements vigil.MissingService: a new plan (ID zero) or a
// change to one (with its version), actions replaced as given. Ending a
// plan sets EndedAt.
func (s *MissingService) SavePlan(ctx context.Context, p vigil.Plan) (*vigil.Plan, error) {
	p.Summary = strings.TrimSpace(p.Summary)
	p.StrategyMeetingAt, p.ReviewAt = vigil.Millis(p.StrategyMeetingAt), vigil.Millis(p.ReviewAt)
	var out *vigil.Plan
	err := s.db.writeTx(ctx, func(tx *Tx) error {
		if err := tx.require(ctx, vigil.ActionPlan, vigil.KindEpisode); err != nil {
			return err
		}
		facts, _, err := tx.childFacts(ctx, p.ChildID)
		if err != nil {
			return err
		}
		if d := vigil.Decide(tx.who, vigil.ActionPlan, vigil.KindEpisode, facts); !d.Allowed {
			return tx.refuse(vigil.ActionPlan, vigil.KindChild, []int64{p.ChildID}, d, "Child")
		}
		var v vigil.Validation
		if p.StrategyMeetingAt.IsZero() {
			v.Add("strategy_meeting_at", "Enter the date of the strategy meeting")
		} else if p.StrategyMeetingAt.After(tx.now.Add(vigil.ClockSkew)) {
			v.Add("strategy_meeting_at", "The strategy meeting must be today or in the past")
		}
		if p.ReviewAt.IsZero() {
			v.Add("review_at", "Enter the date the plan will be reviewed")
		} else if !p.StrategyMeetingAt.IsZero() && !p.ReviewAt.After(p.StrategyMeetingAt) {
			v.Add("review_at", "The review must be after the strategy meeting")
		}
		if len(p.Agencies) == 0 {
			v.Add("agencies", "Select the agencies involved")
		}
		for _, a := range p.Agencies {
			if !tx.exists(ctx, "SELECT 1 FROM agencies WHERE id = $1", a) {
				v.Add("agencies", "Select agencies from the list")
				break
			}
		}
		if len(p.Actions) == 0 {
			v.Add("actions", "Add at least one action with its owner")
		}
		for i := range p.Actions {
			a := &p.Actions[i]
			a.Action, a.Owner = strings.TrimSpace(a.Action), strings.TrimSpace(a.Owner)
			if a.Action == "" || a.Owner == "" {
				v.Add("actions", "Give every action an owner (action %d)", i+1)
				break
			}
		}
		if p.Summary == "" {
			v.Add("summary", "Summarise the plan")
		}
		if err := v.Err(); err != nil {
			return err
		}
		agencies := listText(p.Agencies, func(id int64) string { return strconv.FormatInt(id, 10) })
		what := "plan"
		if p.ID == 0 {
			if tx.exists(ctx, "SELECT 1 FROM missing_plans WHERE child_id = $1 AND ended_at IS NULL", p.ChildID) {
				return ruleOneActivePlan.broken(nil)
			}
			err := tx.QueryRowContext(ctx, `INSERT INTO missing_plans (child_id, strategy_meeting_at, agencies, review_at, summary,
				created_at, created_by, updated_at, updated_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $6, $7) RETURNING id`,
				p.ChildID, instant(p.StrategyMeetingAt), agencies, instant(p.ReviewAt), p.Summary, instant(tx.now), nullIfZero(tx.UserID())).Scan(&p.ID)
			if err != nil {
				return err
			}
		} else {
			what = "plan review"
			// A review that leaves an ended plan in force again must not
			// make a second active one (the database holds this too).
			if p.EndedAt == nil && tx.exists(ctx, "SELECT 1 FROM missing_plans WHERE child_id = $1 AND ended_at IS NULL AND id <> $2",
				p.ChildID, p.ID) {
				return ruleOneActivePlan.broken(nil)
			}
			res, err := tx.ExecContext(ctx, `UPDATE missing_plans SET strategy_meeting_at = $1, agencies = $2, review_at = $3, summary = $4,
				ended_at = $5, updated_at = $6, updated_by = $7, version = version + 1 WHERE id = $8 AND child_id = $9 AND version = $10`,
				instant(p.StrategyMeetingAt), agencies, instant(p.ReviewAt), p.Summary, nullTime(p.EndedAt), instant(tx.now),
				nullIfZero(tx.UserID()), p.ID, p.ChildID, p.Version)
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n != 1 {
				return staleVersion("plan")
			}
			if _, err := tx.ExecContext(ctx, "DELETE FROM plan_actions WHERE plan_id = $1", p.ID); err != nil {
				return err
			}
		}
		if err := tx.freeText(ctx, "missing_plans.summary", "summary", p.ID, p.ChildID, p.Summary); err != nil {
			return err
		}
		for _, a := range p.Actions {
			var id int64
			if err := tx.QueryRowContext(ctx, "INSERT INTO plan_actions (plan_id, action, owner, due_at, done_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
				p.ID, a.Action, a.Owner, nullTime(a.DueAt), nullTime(a.DoneAt)).Scan(&id); err != nil {
				return err
			}
			if err := tx.freeText(ctx, "plan_actions.action", "actions", id, p.ChildID, a.Action); err != nil {
				return err
			}
		}
		plans, err := tx.plans(ctx, "p.id = $1", p.ID)
		if err != nil {
			return err
		}
		out = &plans[0]
		tx.log(vigil.ActionPlan, vigil.KindChild, []int64{p.ChildID}, vigil.OutcomeOK, what)
		return tx.history(ctx, vigil.KindChild, p.ChildID, what, nil, map[string]string{"plan": strconv.FormatInt(p.ID, 10),
			"review_at": instantText(p.ReviewAt)})
	})
	return out, err
}

// Dashboard implements vigil.MissingService: the figures for the force,
// an LPA or a team over whole months. The figures are counts over every
// episode in the area (no one's record is shown), read from the statistics
// each step keeps; the lists behind them, through Episodes with a Figure,
// show only what the reader may see, by the same rules.
func (s *MissingService) Dashboard(ctx context.Context, f vigil.DashboardFilter) (*vigil.Dashboard, error) {
	var v vigil.Validation
	if f.From.IsZero() || f.To.IsZero() || !f.From.Before(f.To) {
		v.Add("from", "Choose a period that ends after it starts")
	} else if !vigil.MonthStart(vigil.MonthOf(f.From)).Equal(f.From) || !vigil.MonthStart(vigil.MonthOf(f.To)).Equal(f.To) {
		v.Add("from", "Choose whole months: the dashboard counts by month")
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	d := &vigil.Dashboard{Filter: f, Open: map[vigil.RiskLevel]int{}}
	var read vigil.AccessEntry
	err := s.db.readTx(ctx, func(tx *Tx) error {
		if err := tx.require(ctx, vigil.ActionRead, vigil.KindMissingDashboard); err != nil {
			return err
		}
		if err := tx.figuresArea(ctx, f.LPAID, f.TeamID); err != nil {
			return err
		}
		read = tx.entry(vigil.ActionRead, vigil.KindMissingDashboard, nil, vigil.OutcomeOK, fmt.Sprintf("figures: LPA %d, team %d, %s to %s",
			f.LPAID, f.TeamID, f.From.Format("2006-01-02"), f.To.Format("2006-01-02")))
		if tx.db.engine == Postgres {
			// Tens of thousands of (month, measure, risk, bucket) groups:
			// aggregate them in memory rather than spilling to disk.
			if _, err := tx.ExecContext(ctx, "SET LOCAL work_mem = '32MB'"); err != nil {
				return err
			}
		}
		t, err := tx.targets(ctx)
		if err != nil {
			return err
		}
		d.Targets = t
		var args []any
		arg := func(v any) string {
			args = append(args, v)
			return "$" + itoa(len(args))
		}
		area := func(alias string) string {
			args = nil
			c := "TRUE"
			if f.LPAID != 0 {
				c += " AND " + alias + ".lpa_id = " + arg(f.LPAID)
			}
			if f.TeamID != 0 {
				c += " AND " + alias + ".team_id = " + arg(f.TeamID)
			}
			return c
		}
		query := func(q string, scan func(*sql.Rows) error) error {
			rows, err := tx.QueryContext(ctx, q, args...)
			if err != nil {
				return err
			}
			for rows.Next() {
				if err := scan(rows); err != nil {
					rows.Close()
					return err
				}
			}
			return closeRows(rows)
		}
		// Open now, by risk.
		if err := query("SELECT e.risk, COUNT(*) FROM missing_episodes e WHERE e.status = 'open' AND "+area("e")+" GROUP BY e.risk",
			func(r *sql.Rows) error {
				var risk vigil.RiskLevel
				var n int
				if err := r.Scan(&risk, &n); err != nil {
					return err
				}
				d.Open[risk] = n
				return nil
			}); err != nil {
			return err
		}
		months := monthsOf(f.From, f.To)
		d.Trend = make([]vigil.TrendPoint, len(months))
		index := map[time.Time]int{}
		for i, m := range months {
			d.Trend[i].Month = m
			index[vigil.MonthOf(m)] = i
		}
		type key struct {
			measure string
			risk    vigil.RiskLevel
		}
		hist := map[key]map[int64]int{}
		monthly := make([]map[string]map[int64]int, len(months))
		where := area("s")
		if err := query(`SELECT s.month, s.measure, s.risk, s.bucket, SUM(s.n) FROM missing_stats s WHERE s.month >= `+
			arg(date(vigil.MonthOf(f.From)))+" AND s.month < "+arg(date(vigil.MonthOf(f.To)))+" AND "+where+
			" GROUP BY s.month, s.measure, s.risk, s.bucket", func(r *sql.Rows) error {
			var month time.Time
			var k key
			var bucket int64
			var n int
			if err := r.Scan(scanDate{&month}, &k.measure, &k.risk, &bucket, &n); err != nil {
				return err
			}
			if n == 0 {
				return nil
			}
			if hist[k] == nil {
				hist[k] = map[int64]int{}
			}
			hist[k][bucket] += n
			i, ok := index[month]
			if !ok {
				return nil
			}
			p := &d.Trend[i]
			switch k.measure {
			case vigil.StatReported:
				p.Episodes += n
				d.Episodes += n
				return nil
			case vigil.StatRatify:
				p.RatifyWithin.Of += n
				if time.Duration(bucket)*time.Minute <= t.Ratify[k.risk] {
					p.RatifyWithin.Met += n
				}
			case vigil.StatDeploy:
				if t.Deploy[k.risk] <= 0 {
					return nil
				}
				p.DeployWithin.Of += n
				if time.Duration(bucket)*time.Minute <= t.Deploy[k.risk] {
					p.DeployWithin.Met += n
				}
			default:
				return nil
			}
			if monthly[i] == nil {
				monthly[i] = map[string]map[int64]int{}
			}
			if monthly[i][k.measure] == nil {
				monthly[i][k.measure] = map[int64]int{}
			}
			monthly[i][k.measure][bucket] += n
			return nil
		}); err != nil {
			return err
		}
		for i := range months {
			d.Trend[i].RatifyMedian = vigil.SummariseBuckets(monthly[i][vigil.StatRatify], 0).Median
			d.Trend[i].DeployMedian = vigil.SummariseBuckets(monthly[i][vigil.StatDeploy], 0).Median
		}
		for _, level := range slices.Backward(vigil.RiskLevels) {
			d.Ratify = append(d.Ratify, vigil.RiskDelay{Risk: level, Target: t.Ratify[level],
				DelayStats: vigil.SummariseBuckets(hist[key{vigil.StatRatify, level}], t.Ratify[level])})
			if t.Deploy[level] > 0 {
				d.Deploy = append(d.Deploy, vigil.RiskDelay{Risk: level, Target: t.Deploy[level],
					DelayStats: vigil.SummariseBuckets(hist[key{vigil.StatDeploy, level}], t.Deploy[level])})
			}
		}
		d.TimeMissing = vigil.SummariseBuckets(hist[key{vigil.StatMissing, ""}], 0)
		d.Prevention = vigil.SummariseBuckets(hist[key{vigil.StatPrevention, ""}], t.Prevention)
		offer := vigil.SummariseBuckets(hist[key{vigil.StatRHIOffer, ""}], vigil.RHIWithin)
		done := vigil.SummariseBuckets(hist[key{vigil.StatRHIComplete, ""}], vigil.RHIWithin)
		d.RHIOffered = vigil.Count{Of: offer.Count, Met: offer.WithinTarget}
		d.RHICompleted = vigil.Count{Of: done.Count, Met: done.WithinTarget}
		// Repeat-missing children now, and those with an active plan.
		where = area("m")
		return query(`SELECT COUNT(*), COUNT(p.id) FROM child_missing m LEFT JOIN missing_plans p ON p.child_id = m.child_id AND p.ended_at IS NULL
			WHERE m.latest_report_at >= `+arg(instant(vigil.RepeatWindowStart(tx.now, t.RepeatWindow)))+" AND m.in_window >= "+
			arg(t.RepeatEpisodes)+" AND "+where, func(r *sql.Rows) error { return r.Scan(&d.Repeat.Of, &d.Repeat.Met) })
	})
	if err != nil {
		return nil, err
	}
	// The figures are read in a read-only snapshot; the read is logged, in
	// a transaction of its own, before they are shown.
	if err := s.db.logAlone(ctx, []vigil.AccessEntry{read}); err != nil {
		return nil, err
	}
	return d, nil
}

// figuresArea checks that the principal may read the figures, or the
// lists behind them, for an area (see vigil.FiguresArea); a refusal is
// logged.
func (tx *Tx) figuresArea(ctx context.Context, lpa, team int64) error {
	var teamLPA sql.NullInt64
	if team != 0 {
		err := tx.QueryRowContext(ctx, "SELECT lpa_id FROM teams WHERE id = $1", team).Scan(&teamLPA)
		if errors.Is(err, sql.ErrNoRows) {
			var v vigil.Validation
			v.Add("team_id", "There is no such team")
			return v.Err()
		}
		if err != nil {
			return err
		}
	}
	err := vigil.FiguresArea(tx.who, lpa, team, teamLPA.Int64)
	if vigil.ErrorCode(err) == vigil.EFORBIDDEN {
		tx.denied = append(tx.denied, tx.entry(vigil.ActionRead, vigil.KindMissingDashboard, nil, vigil.OutcomeDenied, vigil.DenialReason(err)))
	}
	return err
}

// monthsOf is the start of each Europe/London calendar month that the
// period [from, to) touches.
func monthsOf(from, to time.Time) []time.Time {
	l := vigil.London()
	y, m, _ := from.In(l).Date()
	var out []time.Time
	for at := time.Date(y, m, 1, 0, 0, 0, 0, l); at.Before(to) && len(out) < 240; at = at.AddDate(0, 1, 0) {
		out = append(out, at)
	}
	return out
}
