// Package e2e runs Vigil whole, as the command line starts it, and drives
// it with headless Chromium: the main journeys, that no request leaves the
// machine, and that axe-core finds no serious or critical accessibility
// violation on any page visited.
package e2e

import (
	"context"
	_ "embed"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/vigilcp/vigil/internal/app"
	"github.com/vigilcp/vigil/internal/password"
	"github.com/vigilcp/vigil/internal/sqlstore"
	"github.com/vigilcp/vigil/internal/vigiltest"
)

// BrowserEnv makes a missing Chromium a failure rather than a skip.
const BrowserEnv = "VIGIL_TEST_BROWSER"

//go:embed testdata/axe.min.js
var axeSource string

// instance is a running Vigil for one test.
type instance struct {
	base string
	db   string
}

// startVigil serves Vigil with the demo force on a loopback port, on the
// given database URL (a fresh SQLite file when ""), until the test ends.
// prepare, when set, runs against the migrated database before serving.
func startVigil(t *testing.T, dbURL string, prepare func(ctx context.Context, db *sqlstore.DB), opts ...func(*app.ServeConfig)) *instance {
	t.Helper()
	if dbURL == "" {
		dbURL = "sqlite:" + filepath.Join(t.TempDir(), "vigil.db")
	}
	ctx, cancel := context.WithCancel(context.Background())
	if prepare != nil {
		db, err := sqlstore.Open(ctx, dbURL, sqlstore.Options{Hasher: password.Hasher{Params: password.Cheap}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		prepare(ctx, db)
		db.Close()
	}
	addr := make(chan string, 1)
	done := make(chan error, 1)
	cfg := app.ServeConfig{Addr: "127.0.0.1:0", DB: dbURL, Demo: true, DemoSeed: 1, DemoPassword: vigiltest.DemoPassword,
		Version: "test", Log: slog.New(slog.DiscardHandler), Hasher: password.Hasher{Params: password.Cheap},
		Listening: func(a string) { addr <- a }}
	for _, o := range opts {
		o(&cfg)
	}
	go func() { done <- app.Serve(ctx, cfg) }()
	select {
	case a := <-addr:
		t.Cleanup(func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("serve: %v", err)
			}
		})
		return &instance{base: "http://" + a, db: dbURL}
	case err := <-done:
		cancel()
		t.Fatalf("serve: %v", err)
	case <-time.After(60 * time.Second):
		cancel()
		t.Fatal("Vigil did not start within a minute")
	}
	return nil
}

// browser is a headless Chromium tab that records every request it makes.
type browser struct {
	t    *testing.T
	ctx  context.Context
	base string

	mu       sync.Mutex
	requests []string
	shots    string // folder for screenshots, or ""
	// secrets are second-factor secrets set up during the test, by user.
	secrets map[string]string
	// now tells the time the server's clock does, for second-factor codes.
	now func() time.Time
	// allowed are origins besides Vigil's that a test means to visit.
	allowed []string
}

func chromiumPath(t *testing.T) string {
	t.Helper()
	for _, p := range []string{"/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"} {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	if p, err := exec.LookPath("chromium"); err == nil {
		return p
	}
	if os.Getenv(BrowserEnv) != "" {
		t.Fatalf("%s is set but no Chromium was found (apt-get install chromium)", BrowserEnv)
	}
	t.Skip("browser tests skipped: no Chromium found (apt-get install chromium, or set " + BrowserEnv + "=1 to make this a failure)")
	return ""
}

func newBrowser(t *testing.T, v *instance) *browser {
	t.Helper()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromiumPath(t)),
		chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	}
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelC := chromedp.NewContext(actx)
	ctx, cancelT := context.WithTimeout(ctx, 2*time.Minute)
	t.Cleanup(func() { cancelT(); cancelC(); cancelA() })
	b := &browser{t: t, ctx: ctx, base: v.base, shots: os.Getenv("VIGIL_SCREENSHOTS"), secrets: map[string]string{}, now: time.Now}
	if err := chromedp.Listen(ctx, func(ev any) {
		if e, ok := ev.(*network.EventRequestWillBeSent); ok {
			b.mu.Lock()
			b.requests = append(b.requests, e.Request.URL)
			b.mu.Unlock()
		}
	}); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.Navigate("about:blank")); err != nil {
		t.Fatalf("starting Chromium: %v", err)
	}
	t.Cleanup(b.checkRequestsStayedHome)
	return b
}

// allow lets requests go to one more origin (a test's own second site).
func (b *browser) allow(origin string) {
	b.mu.Lock()
	b.allowed = append(b.allowed, origin)
	b.mu.Unlock()
}

// navigate opens a full URL.
func (b *browser) navigate(url string) error { return chromedp.Do(b.ctx, chromedp.Navigate(url)) }

// attr returns an attribute of the first element matching sel.
func (b *browser) attr(sel, name string) string {
	b.t.Helper()
	v, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](fmt.Sprintf("document.querySelector(%q).getAttribute(%q)", sel, name)))
	if err != nil {
		b.t.Fatalf("attribute %s of %s: %v", name, sel, err)
	}
	return v
}

// selectOption chooses an option of a select by value.
func (b *browser) selectOption(sel, value string) {
	b.t.Helper()
	if err := chromedp.Do(b.ctx, chromedp.SetValue(chromedp.CSS(sel), value)); err != nil {
		b.t.Fatalf("select %s: %v", sel, err)
	}
}

// checkRequestsStayedHome fails the test if the page asked for anything
// from anywhere but Vigil: no CDN, no fonts, no analytics.
func (b *browser) checkRequestsStayedHome() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.requests) == 0 {
		b.t.Error("the browser recorded no requests at all: the request check is not working")
	}
	for _, u := range b.requests {
		if strings.HasPrefix(u, b.base+"/") || u == b.base || strings.HasPrefix(u, "data:") || u == "about:blank" {
			continue
		}
		if slices.ContainsFunc(b.allowed, func(o string) bool { return u == o || strings.HasPrefix(u, o+"/") }) {
			continue
		}
		b.t.Errorf("a request left Vigil: %s", u)
	}
}

// visit opens a path and waits for the page to load.
func (b *browser) visit(path string) {
	b.t.Helper()
	if err := chromedp.Do(b.ctx, chromedp.Navigate(b.base+path)); err != nil {
		b.t.Fatalf("visit %s: %v", path, err)
	}
}

// click clicks a button or link and waits for the next page to load.
func (b *browser) click(sel string) {
	b.t.Helper()
	_, err := chromedp.Run(b.ctx, chromedp.WaitEvent(page.LoadEventFired, nil, chromedp.Click(chromedp.CSS(sel))))
	if err != nil {
		b.t.Fatalf("click %s: %v", sel, err)
	}
}

// typeText types into a field key by key, as a person would, so that the
// page's input events fire.
func (b *browser) typeText(sel, text string) {
	b.t.Helper()
	if err := chromedp.Do(b.ctx, chromedp.SendKeys(chromedp.CSS(sel), text)); err != nil {
		b.t.Fatalf("type into %s: %v", sel, err)
	}
}

// waitText waits until the element's text contains want.
func (b *browser) waitText(sel, want string) string {
	b.t.Helper()
	js := fmt.Sprintf(`(() => { const e = document.querySelector(%q); return e && e.innerText.includes(%q) ? e.innerText : null })()`, sel, want)
	s, err := chromedp.Run(b.ctx, chromedp.Poll[string](js, chromedp.WithPollingTimeout(10*time.Second)))
	if err != nil {
		b.t.Fatalf("waiting for %q in %s: %v (it says %q)", want, sel, err, b.text(sel))
	}
	return s
}

// check clicks a radio button or checkbox, which loads no page.
func (b *browser) check(sel string) {
	b.t.Helper()
	if err := chromedp.Do(b.ctx, chromedp.Click(chromedp.CSS(sel))); err != nil {
		b.t.Fatalf("check %s: %v", sel, err)
	}
}

// fill replaces the value of a field.
func (b *browser) fill(sel, value string) {
	b.t.Helper()
	var err error
	if value == "" {
		err = chromedp.Do(b.ctx, chromedp.Clear(chromedp.CSS(sel)))
	} else {
		err = chromedp.Do(b.ctx, chromedp.SetValue(chromedp.CSS(sel), value))
	}
	if err != nil {
		b.t.Fatalf("fill %s: %v", sel, err)
	}
}

// text returns the visible text of the first element matching sel.
func (b *browser) text(sel string) string {
	b.t.Helper()
	// Wait for the element, then read its rendered text. A page that is
	// still replacing its predecessor can lose the evaluation's context:
	// try again.
	var s string
	var err error
	for range 3 {
		s, err = chromedp.Run(b.ctx, chromedp.Poll[string](fmt.Sprintf(`(() => { const e = document.querySelector(%q); return e ? e.innerText : null })()`, sel),
			chromedp.WithPollingTimeout(10*time.Second)))
		if err == nil || !strings.Contains(err.Error(), "Cannot find context") {
			break
		}
	}
	if err != nil {
		b.t.Fatalf("text of %s on %s: %v", sel, b.path(), err)
	}
	return strings.TrimSpace(s)
}

// value returns the current value of a form field.
func (b *browser) value(sel string) (string, error) {
	return chromedp.Run(b.ctx, chromedp.Value(chromedp.CSS(sel)))
}

// count returns how many elements match sel.
func (b *browser) count(sel string) int {
	b.t.Helper()
	n, err := chromedp.Run(b.ctx, chromedp.Evaluate[int](fmt.Sprintf("document.querySelectorAll(%q).length", sel)))
	if err != nil {
		b.t.Fatalf("count %s: %v", sel, err)
	}
	return n
}

// path returns the current page's path and query.
func (b *browser) path() string {
	b.t.Helper()
	loc, err := chromedp.Run(b.ctx, chromedp.Location())
	if err != nil {
		b.t.Fatal(err)
	}
	u, err := url.Parse(loc)
	if err != nil {
		b.t.Fatal(err)
	}
	return u.RequestURI()
}

// checkPage runs the checks every page must pass: the protective marking
// is shown, GOV.UK Frontend's script ran, and axe-core finds no serious or
// critical accessibility violation. name labels any screenshot.
func (b *browser) checkPage(name string) {
	b.t.Helper()
	if got := b.text(".vigil-marking"); got != "OFFICIAL-SENSITIVE" {
		b.t.Errorf("%s: protective marking reads %q", name, got)
	}
	supported, err := chromedp.Run(b.ctx, chromedp.Poll[bool](`document.body.classList.contains("govuk-frontend-supported")`,
		chromedp.WithPollingTimeout(10*time.Second)))
	if err != nil || !supported {
		b.t.Errorf("%s: GOV.UK Frontend's script did not run (%v)", name, err)
	}
	violations, err := chromedp.Run(b.ctx, chromedp.Evaluate[[]string](axeSource+`;
		(async () => {
			const r = await axe.run(document, {resultTypes: ["violations"]});
			return r.violations.filter(v => v.impact === "serious" || v.impact === "critical")
				.map(v => v.impact + " " + v.id + ": " + v.help + " at " + v.nodes.map(n => n.target.join(" ")).join(", "));
		})()`, chromedp.EvalAwaitPromise))
	if err != nil {
		b.t.Fatalf("%s: running axe-core: %v", name, err)
	}
	for _, v := range violations {
		b.t.Errorf("%s: accessibility: %s", name, v)
	}
	b.screenshot(name)
}

// screenshot saves a full-page PNG when VIGIL_SCREENSHOTS names a folder.
func (b *browser) screenshot(name string) {
	if b.shots == "" {
		return
	}
	png, err := chromedp.Run(b.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		b.t.Logf("screenshot %s: %v", name, err)
		return
	}
	_ = os.MkdirAll(b.shots, 0o755)
	if err := os.WriteFile(filepath.Join(b.shots, name+".png"), png, 0o644); err != nil {
		b.t.Logf("screenshot %s: %v", name, err)
	}
}

// pgURL returns a fresh PostgreSQL database for a browser test, or skips.
func pgURL(t *testing.T) string { return vigiltest.NewURL(t, sqlstore.Postgres) }

// signIn signs in with the demo password, setting up a second factor (and
// checking that page) or giving a code when the account needs one.
func (b *browser) signIn(username string) {
	b.t.Helper()
	if !strings.HasPrefix(b.path(), "/sign-in?") {
		b.visit("/sign-in")
	}
	b.fill("#username", username)
	b.fill("#password", vigiltest.DemoPassword)
	b.click("form[action='/sign-in'] button")
	switch b.path() {
	case "/sign-in/set-up":
		b.checkPage("sign-in-set-up")
		secret := strings.ReplaceAll(b.text("#setup-key"), " ", "")
		b.secrets[username] = secret
		b.fill("#code", b.code(secret, 0))
		b.click("main form button")
	case "/sign-in/code":
		b.checkPage("sign-in-code")
		// The set-up code's time-step is spent: use the next one.
		b.fill("#code", b.code(b.secrets[username], 30*time.Second))
		b.click("main form button")
	}
	if strings.HasPrefix(b.path(), "/sign-in") {
		b.t.Fatalf("sign-in as %s stopped at %s: %q", username, b.path(), b.text("main"))
	}
}

func (b *browser) code(secret string, ahead time.Duration) string {
	b.t.Helper()
	c, err := totp.GenerateCodeCustom(secret, b.now().Add(ahead), totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		b.t.Fatal(err)
	}
	return c
}

// signOut signs out with the header's button.
func (b *browser) signOut() {
	b.t.Helper()
	b.click("form[action='/sign-out'] button")
	if b.path() != "/signed-out" {
		b.t.Fatalf("after signing out: %s", b.path())
	}
}
