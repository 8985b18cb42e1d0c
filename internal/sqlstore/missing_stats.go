package sqlstore

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/vigilcp/vigil/internal/vigil"
)

// The dashboard's statistics (missing_stats) are kept in the transaction
// of each step: what the episode contributed before the step is taken
// away and what it contributes after is added, both worked out by
// vigil.StatEpisode.Contributions from the stored columns. The bulk loader
// fills them by the same function.

// statEpisode reads what an episode contributes to the statistics.
func (tx *Tx) statEpisode(ctx context.Context, id int64) (vigil.StatEpisode, error) {
	var e vigil.StatEpisode
	var deploy, missing, prevention, offer, done sql.NullInt64
	err := tx.QueryRowContext(ctx, `SELECT reported_at, found_at, lpa_id, COALESCE(team_id, 0), first_risk, deploy_ms, missing_ms,
		prevention_ms, rhi_offer_ms, rhi_complete_ms FROM missing_episodes WHERE id = $1`, id).Scan(scanInstant{&e.ReportedAt},
		scanNullInstant{&e.FoundAt}, &e.LPAID, &e.TeamID, &e.FirstRisk, &deploy, &missing, &prevention, &offer, &done)
	if err != nil {
		return e, err
	}
	ptr := func(v sql.NullInt64) *int64 {
		if !v.Valid {
			return nil
		}
		return &v.Int64
	}
	e.DeployMS, e.MissingMS, e.PreventionMS, e.RHIOfferMS, e.RHICompleteMS = ptr(deploy), ptr(missing), ptr(prevention), ptr(offer), ptr(done)
	rows, err := tx.QueryContext(ctx, "SELECT graded_at, level, ratify_ms FROM risk_gradings WHERE episode_id = $1 AND ratify_ms IS NOT NULL", id)
	if err != nil {
		return e, err
	}
	for rows.Next() {
		var r vigil.StatRatification
		if err := rows.Scan(scanInstant{&r.GradedAt}, &r.Level, &r.RatifyMS); err != nil {
			rows.Close()
			return e, err
		}
		e.Ratifications = append(e.Ratifications, r)
	}
	return e, closeRows(rows)
}

// applyStats moves the statistics from what an episode contributed
// before to what it contributes after. Steps on different episodes share
// rows (one month, area, measure, risk and bucket), so each takes its row
// locks in one order, the table's key order (statKeyOrder): two steps that
// locked shared rows in opposite orders (as a Go map's order would) could
// each wait for the other until PostgreSQL broke the deadlock by failing
// one.
func (tx *Tx) applyStats(ctx context.Context, before, after map[vigil.StatKey]int) error {
	delta := make(map[vigil.StatKey]int, len(after)+len(before))
	for k, n := range after {
		delta[k] += n
	}
	for k, n := range before {
		delta[k] -= n
	}
	keys := make([]vigil.StatKey, 0, len(delta))
	for k, n := range delta {
		if n != 0 {
			keys = append(keys, k)
		}
	}
	slices.SortFunc(keys, statKeyOrder)
	for _, k := range keys {
		if _, err := tx.ExecContext(ctx, `INSERT INTO missing_stats (month, lpa_id, team_id, measure, risk, bucket, n)
			VALUES ($1, $2, $3, $4, $5, $6, $7)
			ON CONFLICT (month, lpa_id, team_id, measure, risk, bucket) DO UPDATE SET n = missing_stats.n + excluded.n`,
			date(k.Month), k.LPAID, k.TeamID, k.Measure, string(k.Risk), k.Bucket, delta[k]); err != nil {
			return err
		}
	}
	return nil
}

// statKeyOrder orders statistics keys as missing_stats's primary key does
// (month, measure, risk, bucket, LPA, team): the one order in which every
// writer locks the rows.
func statKeyOrder(a, b vigil.StatKey) int {
	return cmp.Or(a.Month.Compare(b.Month), cmp.Compare(a.Measure, b.Measure), cmp.Compare(a.Risk, b.Risk),
		cmp.Compare(a.Bucket, b.Bucket), cmp.Compare(a.LPAID, b.LPAID), cmp.Compare(a.TeamID, b.TeamID))
}

// childMissing brings a child's row of child_missing up to date: the
// latest report and how many reports fall in the repeat window ending at
// it.
func (tx *Tx) childMissing(ctx context.Context, child int64, window int) error {
	rows, err := tx.QueryContext(ctx, "SELECT reported_at, lpa_id, COALESCE(team_id, 0) FROM missing_episodes WHERE child_id = $1 ORDER BY reported_at", child)
	if err != nil {
		return err
	}
	var reports []time.Time
	var lpa, team int64
	for rows.Next() {
		var at time.Time
		if err := rows.Scan(scanInstant{&at}, &lpa, &team); err != nil {
			rows.Close()
			return err
		}
		reports = append(reports, at)
	}
	if err := closeRows(rows); err != nil || len(reports) == 0 {
		return err
	}
	latest := reports[len(reports)-1]
	_, err = tx.ExecContext(ctx, `INSERT INTO child_missing (child_id, lpa_id, team_id, latest_report_at, in_window, window_days)
		VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (child_id) DO UPDATE SET lpa_id = excluded.lpa_id, team_id = excluded.team_id,
		latest_report_at = excluded.latest_report_at, in_window = excluded.in_window, window_days = excluded.window_days`,
		child, lpa, team, instant(latest), inWindow(reports, window), window)
	return err
}

// inWindow counts the distinct report times in the repeat window ending
// at the latest (reports sorted, oldest first).
func inWindow(reports []time.Time, window int) int {
	if len(reports) == 0 {
		return 0
	}
	latest := reports[len(reports)-1]
	start := vigil.RepeatWindowStart(latest, window)
	n := 0
	for i, r := range reports {
		if !r.Before(start) && (i == 0 || !r.Equal(reports[i-1])) {
			n++
		}
	}
	return n
}

// rebuildChildMissing works child_missing out again for every child, for
// a new repeat window.
func (tx *Tx) rebuildChildMissing(ctx context.Context, window int) error {
	if _, err := tx.ExecContext(ctx, "DELETE FROM child_missing"); err != nil {
		return err
	}
	rows, err := tx.QueryContext(ctx, "SELECT child_id, reported_at, lpa_id, COALESCE(team_id, 0) FROM missing_episodes ORDER BY child_id, reported_at")
	if err != nil {
		return err
	}
	type row struct {
		child, lpa, team int64
		latest           time.Time
		n                int
	}
	var out []row
	var cur row
	var reports []time.Time
	flush := func() {
		if cur.child != 0 {
			cur.latest, cur.n = reports[len(reports)-1], inWindow(reports, window)
			out = append(out, cur)
		}
	}
	for rows.Next() {
		var r row
		var at time.Time
		if err := rows.Scan(&r.child, scanInstant{&at}, &r.lpa, &r.team); err != nil {
			rows.Close()
			return err
		}
		if r.child != cur.child {
			flush()
			cur, reports = r, reports[:0]
		}
		cur.lpa, cur.team = r.lpa, r.team
		reports = append(reports, at)
	}
	if err := closeRows(rows); err != nil {
		return err
	}
	flush()
	for _, r := range out {
		if _, err := tx.ExecContext(ctx, `INSERT INTO child_missing (child_id, lpa_id, team_id, latest_report_at, in_window, window_days)
			VALUES ($1, $2, $3, $4, $5, $6)`, r.child, r.lpa, r.team, instant(r.latest), r.n, window); err != nil {
			return err
		}
	}
	return nil
}

// CheckMissingStats recounts the dashboard's statistics from the episodes
// and compares them with those kept, returning an error that names the
// first differences. Tests use it after each kind of change; an operator
// can run it after an import.
func (db *DB) CheckMissingStats(ctx context.Context) error {
	want := map[vigil.StatKey]int{}
	got := map[vigil.StatKey]int{}
	err := db.readTx(ctx, func(tx *Tx) error {
		rows, err := tx.QueryContext(ctx, "SELECT id FROM missing_episodes ORDER BY id")
		if err != nil {
			return err
		}
		var ids []int64
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return err
			}
			ids = append(ids, id)
		}
		if err := closeRows(rows); err != nil {
			return err
		}
		for _, id := range ids {
			e, err := tx.statEpisode(ctx, id)
			if err != nil {
				return err
			}
			for k, n := range e.Contributions() {
				want[k] += n
			}
		}
		rows, err = tx.QueryContext(ctx, "SELECT month, lpa_id, team_id, measure, risk, bucket, n FROM missing_stats WHERE n <> 0")
		if err != nil {
			return err
		}
		for rows.Next() {
			var k vigil.StatKey
			var n int
			if err := rows.Scan(scanDate{&k.Month}, &k.LPAID, &k.TeamID, &k.Measure, &k.Risk, &k.Bucket, &n); err != nil {
				rows.Close()
				return err
			}
			got[k] = n
		}
		return closeRows(rows)
	})
	if err != nil {
		return err
	}
	var diffs []string
	for k, n := range want {
		if got[k] != n {
			diffs = append(diffs, fmt.Sprintf("%s %s %s %d (LPA %d, team %d): kept %d, recounted %d", k.Month.Format("2006-01"), k.Measure,
				k.Risk, k.Bucket, k.LPAID, k.TeamID, got[k], n))
		}
	}
	for k, n := range got {
		if _, ok := want[k]; !ok {
			diffs = append(diffs, fmt.Sprintf("%s %s %s %d (LPA %d, team %d): kept %d, recounted 0", k.Month.Format("2006-01"), k.Measure,
				k.Risk, k.Bucket, k.LPAID, k.TeamID, n))
		}
	}
	if len(diffs) > 0 {
		slices.Sort(diffs)
		return fmt.Errorf("the missing-children statistics differ from a recount in %d places, first: %s", len(diffs),
			strings.Join(diffs[:min(5, len(diffs))], "; "))
	}
	return nil
}
