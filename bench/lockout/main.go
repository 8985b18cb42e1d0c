// Command lockout checks that Vigil's sign-in lockout treats an existing
// username and an unknown one alike, and measures how long each is
// refused. It loads the demo force into a temporary SQLite database,
// serves it on loopback with the production Argon2 parameters and drives
// it over HTTP from one client, one request at a time.
//
// Round one sends N wrong passwords for an existing username and N for an
// unknown one, interleaved (A, B, A, B, …) so that machine noise falls on
// both alike, with the default lockout (5 failures, 15 minutes). It checks
// that both get the same status and message at every attempt, so that the
// lock begins at the same attempt, and prints the response times of the
// attempts before the lock (which hash) and after it (which do not).
//
// Before the lock there are only 5 attempts a username, too few to compare
// timings, so round two restarts the server on the same database with a
// lockout that never triggers and sends K wrong passwords, interleaved, for
// a fresh existing username and a fresh unknown one: every attempt hashes.
//
// It exits non-zero if the two usernames are not refused alike.
//
//	go run ./bench/lockout [-n 1000] [-k 200] [-scale force]
package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"html"
	"io"
	"log/slog"
	"math"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"time"

	_ "modernc.org/sqlite"

	"github.com/vigilcp/vigil/internal/app"
	"github.com/vigilcp/vigil/internal/demo"
	"github.com/vigilcp/vigil/internal/password"
	"github.com/vigilcp/vigil/internal/sqlstore"
	"github.com/vigilcp/vigil/internal/vigil"
)

const (
	// The usernames of round one and of round two: each pair is one demo
	// account and one that does not exist.
	knownA, unknownA = "auditor", "no.such.officer"
	knownB, unknownB = "gold.chair", "no.such.sergeant"

	demoPassword  = "bench-demo-password-42"
	wrongPassword = "not-the-right-password-17"

	// The default lockout, which round one relies on, and one that never
	// triggers, for round two.
	defaultLockoutAfter = 5
	neverLock           = 1_000_000

	badCredentials = "The username or password is not right"
	lockedPrefix   = "There have been too many failed attempts"
)

func main() {
	n := flag.Int("n", 1000, "wrong passwords for each username in round one (default lockout)")
	k := flag.Int("k", 200, "wrong passwords for each username in round two (no lockout: every attempt hashes)")
	scaleName := flag.String("scale", "force", "demo scale to load")
	flag.Parse()
	if *n <= defaultLockoutAfter || *k < 1 {
		fmt.Fprintf(os.Stderr, "bench: -n must be more than %d and -k at least 1\n", defaultLockoutAfter)
		os.Exit(2)
	}
	alike, err := run(*n, *k, *scaleName)
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
	if !alike {
		fmt.Println("\nFAIL: the existing and the unknown username were not refused alike")
		os.Exit(1)
	}
}

// attempt is one refused sign-in as the client saw it.
type attempt struct {
	status int
	msg    string
	took   time.Duration
}

func run(n, k int, scaleName string) (bool, error) {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "vigil-bench-lockout")
	if err != nil {
		return false, err
	}
	defer os.RemoveAll(dir)
	dbURL := "sqlite:" + filepath.Join(dir, "vigil.db")
	scale, err := demo.ParseScale(scaleName)
	if err != nil {
		return false, err
	}
	hasher := password.Hasher{Params: password.Production}
	if err := loadDemo(ctx, dbURL, scale, hasher); err != nil {
		return false, err
	}

	p := password.Production
	fmt.Printf("\nsqlite, GOMAXPROCS %d, %s; Argon2id m=%d KiB t=%d p=%d (password.Production) for the demo hash, the dummy hash and the server\n",
		runtime.GOMAXPROCS(0), runtime.Version(), p.Memory, p.Time, p.Threads)
	fmt.Println("one client, one request at a time, keep-alive; a response time is POST /sign-in until the body is read")
	fmt.Println("percentiles are nearest-rank; times in milliseconds")

	// Round one: the default lockout.
	fmt.Printf("\nround 1: default lockout (%d failures, 15 minutes); N = %d wrong passwords each for %q (exists) and %q (does not), interleaved\n",
		defaultLockoutAfter, n, knownA, unknownA)
	start := time.Now()
	known, unknown, err := round(ctx, dbURL, hasher, 0, knownA, unknownA, n)
	if err != nil {
		return false, err
	}
	fmt.Printf("took %s\n", time.Since(start).Round(100*time.Millisecond))
	alike := compare(known, unknown)

	lockKnown, lockUnknown := lockStart(known), lockStart(unknown)
	if lockKnown != lockUnknown || lockKnown < 0 {
		fmt.Printf("the lock begins at attempt %d for %s and %d for %s (0: never); no phase comparison\n",
			lockKnown+1, knownA, lockUnknown+1, unknownA)
		return false, nil
	}
	if lockKnown != defaultLockoutAfter {
		fmt.Printf("the lock begins at attempt %d for both, not at attempt %d as the default lockout says\n", lockKnown+1, defaultLockoutAfter+1)
		alike = false
	}
	fmt.Printf("\n%-34s %-18s %5s %8s %8s %8s %8s %8s\n", "phase", "username", "count", "median", "p10", "p90", "min", "max")
	pre := fmt.Sprintf("before the lock (attempts 1-%d)", lockKnown)
	ratioPre := printPair(pre, knownA, unknownA, durations(known[:lockKnown]), durations(unknown[:lockKnown]))
	post := fmt.Sprintf("locked (attempts %d-%d)", lockKnown+1, n)
	ratioPost := printPair(post, knownA, unknownA, durations(known[lockKnown:]), durations(unknown[lockKnown:]))
	fmt.Printf("\nratio of medians, %s / %s: before the lock %.3f (only %d samples each: too few to judge; see round 2), locked %.3f\n",
		knownA, unknownA, ratioPre, lockKnown, ratioPost)

	// Round two: every attempt hashes.
	fmt.Printf("\nround 2: the same database, server restarted with LockoutAfter %d so that every attempt hashes;\n", neverLock)
	fmt.Printf("K = %d wrong passwords each for %q (exists) and %q (does not), interleaved\n", k, knownB, unknownB)
	start = time.Now()
	known2, unknown2, err := round(ctx, dbURL, hasher, neverLock, knownB, unknownB, k)
	if err != nil {
		return false, err
	}
	fmt.Printf("took %s\n", time.Since(start).Round(100*time.Millisecond))
	if !compare(known2, unknown2) {
		alike = false
	}
	if l := lockStart(known2); l >= 0 {
		fmt.Printf("%s was locked at attempt %d although the lockout should never trigger\n", knownB, l+1)
		alike = false
	}
	fmt.Printf("\n%-34s %-18s %5s %8s %8s %8s %8s %8s\n", "phase", "username", "count", "median", "p10", "p90", "min", "max")
	ratio2 := printPair("every attempt hashes", knownB, unknownB, durations(known2), durations(unknown2))
	fmt.Printf("\nratio of medians, %s / %s, every attempt hashing: %.3f (1.000: a wrong password and an unknown username cost the same)\n",
		knownB, unknownB, ratio2)
	return alike, nil
}

// loadDemo fills a new database with the demo force, every account's
// password hashed with the production parameters: Verify takes its cost
// from the stored hash, so a cheap hash here would time a cheap check.
func loadDemo(ctx context.Context, dbURL string, scale demo.Scale, hasher password.Hasher) error {
	db, err := sqlstore.Open(ctx, dbURL, sqlstore.Options{Hasher: hasher})
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := db.Migrate(ctx); err != nil {
		return err
	}
	sys, err := db.SystemPrincipal(ctx)
	if err != nil {
		return err
	}
	fmt.Printf("loading the demo force (%s scale)…\n", scale)
	hash, err := hasher.Hash(demoPassword)
	if err != nil {
		return err
	}
	_, err = app.LoadDemo(vigil.WithPrincipal(ctx, sys), db, demo.Config{Seed: 1, Scale: scale, AsOf: time.Now()}, hash, nil)
	return err
}

// round serves dbURL with the given lockout (0: the default) and sends
// count wrong passwords for each of two usernames, alternately.
func round(ctx context.Context, dbURL string, hasher password.Hasher, lockoutAfter int, a, b string, count int) ([]attempt, []attempt, error) {
	sctx, stop := context.WithCancel(ctx)
	defer stop()
	addr := make(chan string, 1)
	done := make(chan error, 1)
	go func() {
		done <- app.Serve(sctx, app.ServeConfig{Addr: "127.0.0.1:0", DB: dbURL, Version: "bench",
			Log: slog.New(slog.DiscardHandler), Hasher: hasher, LockoutAfter: lockoutAfter,
			Listening: func(s string) { addr <- s }})
	}()
	var base string
	select {
	case s := <-addr:
		base = "http://" + s
	case err := <-done:
		if err == nil {
			err = fmt.Errorf("the server stopped before it listened")
		}
		return nil, nil, err
	}
	defer func() { stop(); <-done }()

	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 1}, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	defer client.CloseIdleConnections()
	// Warm the connection and the templates with requests that do not
	// touch the lockout.
	for range 20 {
		resp, err := client.Get(base + "/sign-in")
		if err != nil {
			return nil, nil, err
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	as := make([]attempt, 0, count)
	bs := make([]attempt, 0, count)
	for range count {
		x, err := signIn(client, base, a)
		if err != nil {
			return nil, nil, err
		}
		as = append(as, x)
		y, err := signIn(client, base, b)
		if err != nil {
			return nil, nil, err
		}
		bs = append(bs, y)
	}
	return as, bs, nil
}

func signIn(client *http.Client, base, username string) (attempt, error) {
	form := url.Values{"username": {username}, "password": {wrongPassword}}
	t := time.Now()
	resp, err := client.PostForm(base+"/sign-in", form)
	if err != nil {
		return attempt{}, err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	took := time.Since(t)
	if err != nil {
		return attempt{}, err
	}
	return attempt{status: resp.StatusCode, msg: errorSummary(body), took: took}, nil
}

var summaryItem = regexp.MustCompile(`<a href="#[^"]*">([^<]*)</a>`)

// errorSummary returns the messages of a page's error summary, joined by
// " | ", or "" if it has none.
func errorSummary(body []byte) string {
	i := bytes.Index(body, []byte("govuk-error-summary__list"))
	if i < 0 {
		return ""
	}
	list := body[i:]
	if j := bytes.Index(list, []byte("</ul>")); j >= 0 {
		list = list[:j]
	}
	var msgs []string
	for _, m := range summaryItem.FindAllSubmatch(list, -1) {
		msgs = append(msgs, strings.TrimSpace(html.UnescapeString(string(m[1]))))
	}
	return strings.Join(msgs, " | ")
}

// compare prints each username's responses as runs of the same status and
// message, and reports whether the two sequences are the same attempt for
// attempt and every response is a 401 with one of the two expected
// messages.
func compare(a, b []attempt) bool {
	fmt.Println("responses, as runs of attempts with the same status and message:")
	for _, s := range []struct {
		name string
		seq  []attempt
	}{{"existing", a}, {"unknown", b}} {
		for _, r := range runs(s.seq) {
			fmt.Printf("  %-8s attempts %4d-%-4d  %d  %q\n", s.name, r.from+1, r.to+1, r.status, r.msg)
		}
	}
	ok := len(a) == len(b)
	differ := -1
	for i := range min(len(a), len(b)) {
		if a[i].status != b[i].status || a[i].msg != b[i].msg {
			ok = false
			if differ < 0 {
				differ = i
			}
		}
	}
	expected := true
	for _, seq := range [][]attempt{a, b} {
		for _, x := range seq {
			if x.status != http.StatusUnauthorized || (x.msg != badCredentials && !strings.HasPrefix(x.msg, lockedPrefix)) {
				expected = false
			}
		}
	}
	switch {
	case differ >= 0:
		fmt.Printf("the same status and message at every attempt: NO (first difference at attempt %d)\n", differ+1)
	case !ok:
		fmt.Println("the same status and message at every attempt: NO (different counts)")
	default:
		fmt.Printf("the same status and message at every attempt: yes (%d attempts each)\n", len(a))
	}
	if !expected {
		fmt.Printf("some response was not a 401 with %q or the locked message\n", badCredentials)
	}
	return ok && expected
}

type msgRun struct {
	from, to int
	status   int
	msg      string
}

func runs(seq []attempt) []msgRun {
	var out []msgRun
	for i, x := range seq {
		if len(out) > 0 && out[len(out)-1].status == x.status && out[len(out)-1].msg == x.msg {
			out[len(out)-1].to = i
			continue
		}
		out = append(out, msgRun{from: i, to: i, status: x.status, msg: x.msg})
	}
	return out
}

// lockStart returns the index of the first attempt refused as locked, or
// -1.
func lockStart(seq []attempt) int {
	for i, x := range seq {
		if strings.HasPrefix(x.msg, lockedPrefix) {
			return i
		}
	}
	return -1
}

func durations(seq []attempt) []time.Duration {
	d := make([]time.Duration, len(seq))
	for i, x := range seq {
		d[i] = x.took
	}
	slices.Sort(d)
	return d
}

// printPair prints one phase's figures for both usernames and returns the
// ratio of their medians.
func printPair(phase, a, b string, da, db []time.Duration) float64 {
	for _, r := range []struct {
		name string
		d    []time.Duration
	}{{a, da}, {b, db}} {
		if len(r.d) == 0 {
			fmt.Printf("%-34s %-18s %5d\n", phase, r.name, 0)
			continue
		}
		fmt.Printf("%-34s %-18s %5d %8s %8s %8s %8s %8s\n", phase, r.name, len(r.d),
			ms(pct(r.d, 50)), ms(pct(r.d, 10)), ms(pct(r.d, 90)), ms(r.d[0]), ms(r.d[len(r.d)-1]))
	}
	if len(da) == 0 || len(db) == 0 {
		return math.NaN()
	}
	return float64(pct(da, 50)) / float64(pct(db, 50))
}

// pct returns the nearest-rank q-th percentile of sorted durations.
func pct(sorted []time.Duration, q float64) time.Duration {
	i := int(math.Ceil(q/100*float64(len(sorted)))) - 1
	return sorted[max(0, min(i, len(sorted)-1))]
}

func ms(d time.Duration) string {
	return fmt.Sprintf("%.3f", float64(d)/float64(time.Millisecond))
}
