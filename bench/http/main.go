// Command http measures Vigil's web server: requests per second for
// /healthz and for a page that reads from the database (a team page: the
// session, the team, a page of its people and the organisation), beside
// the same reads done directly with database/sql in the same run. The
// ratio of the page to the bare reads is the figure to report.
//
//	go run ./bench/http [-db URL] [-scale force] [-c 8] [-d 10s]
package main

import (
	"context"
	"database/sql"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"
	_ "modernc.org/sqlite"

	"github.com/vigilcp/vigil/internal/app"
	"github.com/vigilcp/vigil/internal/demo"
	"github.com/vigilcp/vigil/internal/password"
	"github.com/vigilcp/vigil/internal/sqlstore"
	"github.com/vigilcp/vigil/internal/vigil"
)

func main() {
	dbURL := flag.String("db", "", "database URL (default: a new SQLite file in a temporary folder; a PostgreSQL database must be empty)")
	scaleName := flag.String("scale", "force", "demo scale to load")
	conc := flag.Int("c", 8, "concurrent clients")
	dur := flag.Duration("d", 10*time.Second, "duration of each measurement")
	profile := flag.String("cpuprofile", "", "write a CPU profile of the page measurement to this file")
	flag.Parse()
	cpuProfile = *profile
	if err := run(*dbURL, *scaleName, *conc, *dur); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func run(dbURL, scaleName string, conc int, dur time.Duration) error {
	ctx := context.Background()
	if dbURL == "" {
		dir, err := os.MkdirTemp("", "vigil-bench")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		dbURL = "sqlite:" + filepath.Join(dir, "vigil.db")
	}
	scale, err := demo.ParseScale(scaleName)
	if err != nil {
		return err
	}
	db, err := sqlstore.Open(ctx, dbURL, sqlstore.Options{Hasher: password.Hasher{Params: password.Cheap}})
	if err != nil {
		return err
	}
	if _, err := db.Migrate(ctx); err != nil {
		return err
	}
	sys, err := db.SystemPrincipal(ctx)
	if err != nil {
		return err
	}
	fmt.Printf("loading the demo force (%s scale)…\n", scale)
	const pw = "bench-demo-password-42"
	hash, _ := (password.Hasher{Params: password.Cheap}).Hash(pw)
	if _, err := app.LoadDemo(vigil.WithPrincipal(ctx, sys), db, demo.Config{Seed: 1, Scale: scale, AsOf: time.Now()}, hash, nil); err != nil {
		return err
	}
	db.Close()

	sctx, stop := context.WithCancel(ctx)
	addr := make(chan string, 1)
	done := make(chan error, 1)
	go func() {
		done <- app.Serve(sctx, app.ServeConfig{Addr: "127.0.0.1:0", DB: dbURL, Version: "bench",
			Log: slog.New(slog.DiscardHandler), Hasher: password.Hasher{Params: password.Cheap},
			Listening: func(a string) { addr <- a }})
	}()
	base := "http://" + <-addr
	defer func() { stop(); <-done }()

	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: conc * 2}, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.PostForm(base+"/sign-in", url.Values{"username": {"missing.ashvale"}, "password": {pw}})
	if err != nil {
		return err
	}
	resp.Body.Close()
	var cookie *http.Cookie
	for _, c := range resp.Cookies() {
		if c.Name == "vigil_session" {
			cookie = c
		}
	}
	if cookie == nil {
		return fmt.Errorf("sign-in gave no session cookie (%s)", resp.Status)
	}
	const team = 4 // Ashvale Missing Persons Team
	get := func(path string, withCookie bool) func() error {
		return func() error {
			req, _ := http.NewRequest("GET", base+path, nil)
			if withCookie {
				req.AddCookie(cookie)
			}
			resp, err := client.Do(req)
			if err != nil {
				return err
			}
			_, err = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 {
				return fmt.Errorf("%s: %s", path, resp.Status)
			}
			return err
		}
	}

	engine, _, _ := sqlstore.ParseURL(dbURL)
	direct, closeDirect, err := directReads(dbURL, engine, cookie.Value, team, conc)
	if err != nil {
		return err
	}
	defer closeDirect()

	fmt.Printf("\n%s, %d clients, %s each, GOMAXPROCS %d\n", engine, conc, dur, runtime.GOMAXPROCS(0))
	health := measure(conc, dur, get("/healthz", false))
	stopProfile := startProfile()
	page := measure(conc, dur, get(fmt.Sprintf("/organisation/teams/%d", team), true))
	stopProfile()
	bare := measure(conc, dur, direct)
	fmt.Printf("%-44s %10s %12s\n", "", "req/s", "median")
	fmt.Printf("%-44s %10.0f %12s\n", "GET /healthz", health.rate, health.median)
	fmt.Printf("%-44s %10.0f %12s\n", "GET /organisation/teams/4 (page, 3 reads)", page.rate, page.median)
	fmt.Printf("%-44s %10.0f %12s\n", "the same 3 reads with database/sql", bare.rate, bare.median)
	fmt.Printf("\npage / bare SQL: %.2f (1.00 would mean the web layer costs nothing)\n", page.rate/bare.rate)
	return nil
}

// directReads returns one "request's worth" of the reads behind the team
// page, done directly: the session and its user, the team with its LPA and
// member count, and the first page of its people.
func directReads(dbURL string, engine sqlstore.Engine, token string, team int64, conc int) (func() error, func(), error) {
	driver, dsn := "pgx", dbURL
	if engine == sqlstore.SQLite {
		driver = "sqlite"
		dsn = "file:" + strings.TrimPrefix(dbURL, "sqlite:") + "?_pragma=busy_timeout(10000)&_pragma=query_only(1)"
	}
	db, err := sql.Open(driver, dsn)
	if err != nil {
		return nil, nil, err
	}
	db.SetMaxOpenConns(max(4, 2*runtime.NumCPU()))
	th := sessionHash(token)
	queries := []struct {
		q    string
		args []any
	}{
		{`SELECT u.id, u.username, p.given_name, p.family_name, s.last_seen_at, s.expires_at FROM users u
			LEFT JOIN people p ON p.id = u.person_id JOIN sessions s ON s.user_id = u.id WHERE s.token_hash = $1`, []any{th}},
		{`SELECT t.id, t.name, t.kind, l.name, (SELECT count(*) FROM people p WHERE p.team_id = t.id AND p.active)
			FROM teams t LEFT JOIN lpas l ON l.id = t.lpa_id WHERE t.id = $1`, []any{team}},
		{`SELECT id, given_name, family_name, collar_number, rank, role FROM people WHERE team_id = $1
			ORDER BY family_name, given_name, id LIMIT 51`, []any{team}},
	}
	read := func() error {
		tx, err := db.BeginTx(context.Background(), &sql.TxOptions{ReadOnly: true})
		if err != nil {
			return err
		}
		defer tx.Rollback()
		for _, q := range queries {
			rows, err := tx.Query(q.q, q.args...)
			if err != nil {
				return err
			}
			cols, _ := rows.Columns()
			vals := make([]any, len(cols))
			for i := range vals {
				vals[i] = new(any)
			}
			for rows.Next() {
				if err := rows.Scan(vals...); err != nil {
					rows.Close()
					return err
				}
			}
			if err := rows.Close(); err != nil {
				return err
			}
		}
		return tx.Commit()
	}
	return read, func() { db.Close() }, nil
}

type result struct {
	rate   float64
	median time.Duration
}

// measure runs fn from conc goroutines for d and reports the rate and the
// median latency.
func measure(conc int, d time.Duration, fn func() error) result {
	var n atomic.Int64
	var mu sync.Mutex
	var lat []time.Duration
	var firstErr atomic.Value
	deadline := time.Now().Add(d)
	var wg sync.WaitGroup
	for range conc {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var mine []time.Duration
			for time.Now().Before(deadline) {
				t := time.Now()
				if err := fn(); err != nil {
					firstErr.CompareAndSwap(nil, err)
					return
				}
				mine = append(mine, time.Since(t))
				n.Add(1)
			}
			mu.Lock()
			lat = append(lat, mine...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	if err, ok := firstErr.Load().(error); ok {
		fmt.Fprintln(os.Stderr, "bench: request failed:", err)
		os.Exit(1)
	}
	return result{rate: float64(n.Load()) / d.Seconds(), median: medianOf(lat)}
}
