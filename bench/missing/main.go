// Command missing measures the missing-children dashboard and the
// ratification queue on a loaded database, beside the bare SQL behind
// them, in the same run: median and 95th percentile over N runs each.
//
//	go run ./bench/missing -db sqlite:/path/vigil.db [-n 20]
package main

import (
	"context"
	"database/sql"
	"flag"
	"fmt"
	"log"
	"os"
	"runtime/pprof"
	"slices"
	"strings"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"
	_ "modernc.org/sqlite"

	"github.com/vigilcp/vigil/internal/password"
	"github.com/vigilcp/vigil/internal/sqlstore"
	"github.com/vigilcp/vigil/internal/vigil"
)

func main() {
	dbURL := flag.String("db", "", "database URL holding the national demo (sqlite:FILE or postgres://…)")
	n := flag.Int("n", 20, "runs of each measurement")
	cpuProfile := flag.String("cpuprofile", "", "write a CPU profile of the queue runs to this file")
	flag.Parse()
	if *dbURL == "" {
		fmt.Fprintln(os.Stderr, "missing: -db is required")
		os.Exit(2)
	}
	ctx := context.Background()
	db, err := sqlstore.Open(ctx, *dbURL, sqlstore.Options{Hasher: password.Hasher{Params: password.Cheap}})
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()
	bare, err := openBare(*dbURL)
	if err != nil {
		log.Fatal(err)
	}
	defer bare.Close()
	svc := sqlstore.NewMissingService(db)
	as := func(user string) context.Context {
		p, err := db.PrincipalFor(ctx, user, "bench")
		if err != nil {
			log.Fatalf("%s: %v", user, err)
		}
		return vigil.WithPrincipal(ctx, p)
	}
	chair, manager := as("gold.chair"), as("control.manager")
	// The last 12 whole London months, this one included: the dashboard
	// counts by month.
	to := vigil.MonthStart(vigil.MonthOf(time.Now())).AddDate(0, 1, 0)
	from := to.AddDate(-1, 0, 0)
	var episodes int
	if err := bare.QueryRow("SELECT count(*) FROM missing_episodes").Scan(&episodes); err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%s: %d missing episodes; dashboard for the force, %s to %s; %d runs each\n\n", db.Engine(), episodes,
		from.Format("2 Jan 2006"), to.AddDate(0, 0, -1).Format("2 Jan 2006"), *n)

	// The queries behind the dashboard, as the store runs them: open
	// episodes by risk, the month's statistics, the repeat children now.
	const dayLayout = "2006-01-02"
	t := vigil.DefaultTargets()
	dashSQL := []struct {
		q    string
		args []any
	}{
		{"SELECT e.risk, COUNT(*) FROM missing_episodes e WHERE e.status = 'open' GROUP BY e.risk", nil},
		{`SELECT s.month, s.measure, s.risk, s.bucket, SUM(s.n) FROM missing_stats s WHERE s.month >= $1 AND s.month < $2
			GROUP BY s.month, s.measure, s.risk, s.bucket`,
			[]any{vigil.MonthOf(from).Format(dayLayout), vigil.MonthOf(to).Format(dayLayout)}},
		{`SELECT COUNT(*), COUNT(p.id) FROM child_missing m LEFT JOIN missing_plans p ON p.child_id = m.child_id AND p.ended_at IS NULL
			WHERE m.latest_report_at >= $1 AND m.in_window >= $2`,
			[]any{arg(db, vigil.RepeatWindowStart(time.Now(), t.RepeatWindow)), t.RepeatEpisodes}},
	}
	// The queue's query as the store runs it, every column it reads.
	queueSQL := `SELECT e.id, e.child_id, e.status, e.lpa_id, e.team_id, e.reported_at, e.reporter_name, e.reporter_contact,
		e.reporter_relation, e.last_seen_at, e.last_seen_place, e.circumstances, e.description_clothing, e.risk, e.deployed_at,
		e.found_at, e.found_place, e.found_by, e.condition, e.harm_suffered, e.exploitation_indicators, e.nmpu_sent_at,
		e.prevention_at, e.prevention_disclosures, e.rhi_offered_at, e.rhi_declined_at, e.rhi_completed_at, e.rhi_notes,
		e.closed_at, e.closed_by, e.checked_by, e.imported, e.first_risk, e.graded_at, e.ratified_at, e.ratify_due_at, e.deploy_due_at,
		e.review_by, c.given_name || ' ' || c.family_name, c.date_of_birth, e.created_at, e.created_by, e.updated_at, e.updated_by, e.version
		FROM missing_episodes e JOIN children c ON c.id = e.child_id
		WHERE e.status = 'open' AND e.ratify_due_at IS NOT NULL
		AND NOT EXISTS (SELECT 1 FROM restrictions r WHERE r.record_kind = 'child' AND r.record_id = c.id AND r.part = ''
			AND r.lifted_at IS NULL AND NOT (r.allowed_users LIKE $1 OR r.allowed_roles LIKE $2))
		ORDER BY e.ratify_due_at, e.id LIMIT 201`
	// The manager's scope is the whole force: the store's filter is only
	// the restrictions that do not name them or their role.
	mp := vigil.PrincipalFrom(manager)
	queueArgs := []any{fmt.Sprintf("%%,%d,%%", mp.User.ID), "%,control_room_manager,%"}

	// Start with the access log's index up to date, as a running Vigil
	// keeps it.
	catchUpStart := time.Now()
	if n, rows := catchUp(ctx, db); n > 0 {
		fmt.Printf("(indexed %d access-log entries written before this run, %d rows, in %v)\n", n, rows,
			time.Since(catchUpStart).Round(time.Millisecond))
	}
	var dash *vigil.Dashboard
	dashboard := measure(*n, func() error {
		var err error
		dash, err = svc.Dashboard(chair, vigil.DashboardFilter{From: from, To: to})
		return err
	})
	fmt.Printf("the dashboard took %v once warm\n", dashboard[0])
	dashBare := measure(*n, func() error {
		// In one read-only transaction, with the memory for aggregation
		// the store gives it on PostgreSQL.
		tx, err := bare.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
		if err != nil {
			return err
		}
		defer tx.Rollback()
		if db.Engine() == sqlstore.Postgres {
			if _, err := tx.Exec("SET LOCAL work_mem = '32MB'"); err != nil {
				return err
			}
		}
		for _, q := range dashSQL {
			if err := drain(tx, q.q, q.args...); err != nil {
				return err
			}
		}
		return nil
	})
	var waiting int
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			log.Fatal(err)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			log.Fatal(err)
		}
		defer pprof.StopCPUProfile()
	}
	queue := measure(*n, func() error {
		page, err := svc.Episodes(manager, vigil.EpisodeFilter{Queue: vigil.QueueAwaitingRatification, PageRequest: vigil.PageRequest{Limit: 200}})
		waiting = len(page.Items)
		return err
	})
	queueBare := measure(*n, func() error { return drain(bare, queueSQL, queueArgs...) })
	// Each list's access-log entry names the episodes shown; the index of
	// them is written behind the log (a running Vigil does it every
	// second). Time that work too, so that what moved off the request
	// path is in view.
	indexStart := time.Now()
	indexed, indexRows := catchUp(ctx, db)
	indexTime := time.Since(indexStart)

	fmt.Printf("dashboard: %d episodes reported in the period, %d open now\n", dash.Episodes, sum(dash.Open))
	report("force dashboard, last 12 months", dashboard, dashBare, 250*time.Millisecond)
	fmt.Printf("\nratification queue: %d episodes shown\n", waiting)
	report("ratification queue", queue, queueBare, 50*time.Millisecond)
	if indexed > 0 {
		fmt.Printf("  indexing the access log behind the requests: %d entries, %d rows, in %v\n",
			indexed, indexRows, indexTime.Round(time.Millisecond))
	}
}

// catchUp brings the access log's per-record index up to date and
// returns the entries and rows it indexed.
func catchUp(ctx context.Context, db *sqlstore.DB) (entries, rows int) {
	for {
		p, err := db.IndexAccessLog(ctx)
		if err != nil {
			log.Fatal(err)
		}
		entries, rows = entries+p.Entries, rows+p.Rows
		if p.Indexed >= p.Head || p.Entries == 0 {
			return entries, rows
		}
	}
}

func sum(m map[vigil.RiskLevel]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

// arg writes an instant as the engine stores it.
func arg(db *sqlstore.DB, t time.Time) any {
	if db.Engine() == sqlstore.SQLite {
		return t.UTC().Format("2006-01-02T15:04:05.000Z")
	}
	return t
}

func openBare(dbURL string) (*sql.DB, error) {
	if path, ok := strings.CutPrefix(dbURL, "sqlite:"); ok {
		return sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)&_pragma=query_only(1)")
	}
	return sql.Open("pgx", dbURL)
}

// drain runs a query and reads every row into plain values.
func drain(db interface {
	Query(string, ...any) (*sql.Rows, error)
}, q string, args ...any) error {
	rows, err := db.Query(q, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return err
		}
	}
	return rows.Err()
}

// measure runs fn n times after one warm-up run and returns the times.
func measure(n int, fn func() error) []time.Duration {
	if err := fn(); err != nil {
		log.Fatal(err)
	}
	out := make([]time.Duration, n)
	for i := range out {
		start := time.Now()
		if err := fn(); err != nil {
			log.Fatal(err)
		}
		out[i] = time.Since(start)
	}
	slices.Sort(out)
	return out
}

func pct(d []time.Duration, p int) time.Duration {
	i := (p*len(d)+99)/100 - 1
	return d[max(i, 0)].Round(100 * time.Microsecond)
}

func report(name string, got, bare []time.Duration, limit time.Duration) {
	gm, g95, bm, b95 := pct(got, 50), pct(got, 95), pct(bare, 50), pct(bare, 95)
	verdict := func(ok bool) string {
		if ok {
			return "met"
		}
		return "MISSED"
	}
	fmt.Printf("  %-34s median %9v  p95 %9v\n", name, gm, g95)
	fmt.Printf("  %-34s median %9v  p95 %9v\n", "the bare SQL behind it", bm, b95)
	fmt.Printf("  target: median under %v: %s (%.2f of the limit)\n", limit, verdict(gm < limit), float64(gm)/float64(limit))
	fmt.Printf("  target: within 3x the bare SQL: %s (%.2fx)\n", verdict(float64(gm) <= 3*float64(bm)), float64(gm)/float64(bm))
}
