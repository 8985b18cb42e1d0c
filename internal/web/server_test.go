package web_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/vigilcp/vigil/internal/demo"
	"github.com/vigilcp/vigil/internal/sqlstore"
	"github.com/vigilcp/vigil/internal/vigil"
	"github.com/vigilcp/vigil/internal/vigiltest"
	"github.com/vigilcp/vigil/internal/web"
)

// syncBuffer is a log destination safe for concurrent writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// fixture is a Vigil web server on a fresh demo database.
type fixture struct {
	t    *testing.T
	db   *sqlstore.DB
	org  *demo.Org
	srv  *web.Server
	ts   *httptest.Server
	logs *syncBuffer
	// secrets are the second-factor secrets set up by client.
	secrets map[string]string
}

type fixtureOption func(*web.Config, *web.Services)

// pagesAt tells the time to the pages from another clock than the store's.
func pagesAt(c vigil.Clock) fixtureOption {
	return func(cfg *web.Config, _ *web.Services) { cfg.Clock = c }
}

func newFixture(t *testing.T, opts ...fixtureOption) *fixture {
	t.Helper()
	return newFixtureWith(t, opts...)
}

// newBlankMissingFixture is a fixture whose demo force has no missing
// episodes yet, for tests that count them from nothing. (So, for now, is
// every fixture: the demo's episodes slow each one down, and the pages'
// tests make the episodes they need.)
func newBlankMissingFixture(t *testing.T, opts ...fixtureOption) *fixture {
	t.Helper()
	return newFixtureWith(t, opts...)
}

// newFixtureWith serves a fresh copy of the small demo force without its
// missing episodes (see vigiltest.DemoDB).
func newFixtureWith(t *testing.T, opts ...fixtureOption) *fixture {
	t.Helper()
	db, org := vigiltest.DemoDB(t, sqlstore.SQLite, vigiltest.SmallDemo(false))
	cfg := web.Config{Version: "test", Clock: db.Clock()}
	svc := web.Services{Org: sqlstore.NewOrgService(db), Users: sqlstore.NewUserService(db),
		Sessions: sqlstore.NewSessionService(db), Children: sqlstore.NewChildService(db),
		AccessLog: sqlstore.NewAccessLogService(db), BreakGlass: sqlstore.NewBreakGlassService(db),
		Language: sqlstore.NewLanguageService(db), Missing: sqlstore.NewMissingService(db), Profiles: sqlstore.NewProfileService(db), Health: db}
	for _, o := range opts {
		o(&cfg, &svc)
	}
	logs := &syncBuffer{}
	srv, err := web.New(cfg, svc, slog.New(slog.NewJSONHandler(logs, nil)), prometheus.NewRegistry())
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	return &fixture{t: t, db: db, org: org, srv: srv, ts: ts, logs: logs, secrets: map[string]string{}}
}

// client returns an HTTP client that keeps cookies and does not follow
// redirects, signed in as the demo user when username is not "" (setting
// up or giving a second factor when the account needs one).
func TestMain(m *testing.M) { os.Exit(vigiltest.Main(m)) }

func (f *fixture) client(username string) *http.Client {
	f.t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	if username == "" {
		return c
	}
	resp, err := c.PostForm(f.ts.URL+"/sign-in", url.Values{"username": {username}, "password": {vigiltest.DemoPassword}})
	if err != nil {
		f.t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		f.t.Fatalf("sign-in as %s: %s", username, resp.Status)
	}
	switch resp.Header.Get("Location") {
	case "/sign-in/set-up":
		_, page := f.do(c, "GET", "/sign-in/set-up", nil)
		m := regexp.MustCompile(`id="setup-key">([A-Z2-7 ]+)<`).FindSubmatch(page)
		if m == nil {
			f.t.Fatalf("no setup key on the set-up page for %s", username)
		}
		secret := strings.ReplaceAll(string(m[1]), " ", "")
		f.secrets[username] = secret
		resp, _ := f.do(c, "POST", "/sign-in/set-up", "code="+totpCode(f.t, secret, vigiltest.Epoch), "Content-Type", "application/x-www-form-urlencoded")
		if resp.StatusCode != http.StatusSeeOther {
			f.t.Fatalf("set up a second factor for %s: %s", username, resp.Status)
		}
	case "/sign-in/code":
		f.t.Fatalf("%s already has a second factor: sign in with clientWithCode", username)
	}
	return c
}

func totpCode(t *testing.T, secret string, at time.Time) string {
	t.Helper()
	c, err := totp.GenerateCodeCustom(secret, at, totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func (f *fixture) do(c *http.Client, method, path string, body any, header ...string) (*http.Response, []byte) {
	f.t.Helper()
	var r io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		r = strings.NewReader(b)
	default:
		j, _ := json.Marshal(b)
		r = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, f.ts.URL+path, r)
	if err != nil {
		f.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := c.Do(req)
	if err != nil {
		f.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return resp, data
}

// problem decodes a problem+json response, checking its media type.
func problem(t *testing.T, resp *http.Response, data []byte) web.Problem {
	t.Helper()
	if ct := resp.Header.Get("Content-Type"); ct != "application/problem+json" {
		t.Fatalf("%s: Content-Type %q, want application/problem+json; body %s", resp.Request.URL.Path, ct, data)
	}
	var p web.Problem
	if err := json.Unmarshal(data, &p); err != nil {
		t.Fatal(err)
	}
	if p.Status != resp.StatusCode || p.Type != "urn:vigil:problem:"+p.Code || p.Title == "" {
		t.Errorf("malformed problem %+v for status %d", p, resp.StatusCode)
	}
	return p
}

func TestSecurityHeaders(t *testing.T) {
	f := newFixture(t)
	c := f.client("admin")
	for _, path := range []string{"/", "/organisation", "/api/v1/organisation", "/no/such/page", "/healthz"} {
		resp, _ := f.do(c, "GET", path, nil)
		h := resp.Header
		csp := h.Get("Content-Security-Policy")
		if !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-inline") || !strings.Contains(csp, "frame-ancestors 'none'") {
			t.Errorf("%s: CSP %q", path, csp)
		}
		for k, want := range map[string]string{"X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer",
			"Cache-Control": "no-store", "X-Frame-Options": "DENY"} {
			if got := h.Get(k); got != want {
				t.Errorf("%s: %s = %q, want %q", path, k, got, want)
			}
		}
		if h.Get("Strict-Transport-Security") != "" {
			t.Errorf("%s: HSTS sent over plain HTTP", path)
		}
		if !regexp.MustCompile(`^[0-9a-f]{24}$`).MatchString(h.Get("X-Request-Id")) {
			t.Errorf("%s: request id %q", path, h.Get("X-Request-Id"))
		}
	}
}

func TestHSTSOnlyOverTLS(t *testing.T) {
	f := newFixture(t, func(c *web.Config, _ *web.Services) {
		c.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}
	})
	resp, _ := f.do(http.DefaultClient, "GET", "/healthz", nil, "X-Forwarded-Proto", "https")
	if resp.Header.Get("Strict-Transport-Security") == "" {
		t.Error("no HSTS behind a trusted TLS-terminating proxy")
	}
	tls := httptest.NewTLSServer(f.srv)
	defer tls.Close()
	resp, err := tls.Client().Get(tls.URL + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if !strings.HasPrefix(resp.Header.Get("Strict-Transport-Security"), "max-age=") {
		t.Error("no HSTS when serving TLS directly")
	}
	// An untrusted client cannot claim TLS.
	g := newFixture(t)
	resp, _ = g.do(http.DefaultClient, "GET", "/healthz", nil, "X-Forwarded-Proto", "https")
	if resp.Header.Get("Strict-Transport-Security") != "" {
		t.Error("HSTS sent because an untrusted client said X-Forwarded-Proto: https")
	}
}

func TestAssets(t *testing.T) {
	f := newFixture(t)
	_, page := f.do(http.DefaultClient, "GET", "/", nil)
	m := regexp.MustCompile(`href="(/assets/css/vigil\.[0-9a-f]{10}\.css)"`).FindSubmatch(page)
	if m == nil {
		t.Fatalf("the start page links no content-hashed stylesheet")
	}
	resp, css := f.do(http.DefaultClient, "GET", string(m[1]), nil)
	if resp.StatusCode != 200 || !strings.Contains(resp.Header.Get("Cache-Control"), "immutable") || len(css) < 10000 {
		t.Fatalf("hashed stylesheet: %s, %q, %d bytes", resp.Status, resp.Header.Get("Cache-Control"), len(css))
	}
	if bytes.Contains(bytes.ToLower(css), []byte("gds transport")) || bytes.Contains(css, []byte("@font-face")) {
		t.Error("the stylesheet uses the GDS Transport font, which only GOV.UK may use")
	}
	resp, _ = f.do(http.DefaultClient, "GET", "/assets/css/vigil.css", nil, "If-None-Match", resp.Header.Get("ETag"))
	if resp.StatusCode != http.StatusNotModified {
		t.Errorf("plain asset with a matching ETag: %s", resp.Status)
	}
	resp, js := f.do(http.DefaultClient, "GET", "/assets/js/govuk-frontend.min.js", nil)
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/javascript") || !bytes.Contains(js, []byte("initAll")) {
		t.Errorf("the plain module path that vigil.js imports: %s %q", resp.Status, resp.Header.Get("Content-Type"))
	}
	resp, _ = f.do(http.DefaultClient, "GET", "/assets/css/nothing.css", nil)
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("unknown asset: %s", resp.Status)
	}
	req, _ := http.NewRequest("GET", f.ts.URL+string(m[1]), nil)
	req.Header.Set("Accept-Encoding", "gzip")
	gz, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	defer gz.Body.Close()
	if gz.Header.Get("Content-Encoding") != "gzip" {
		t.Fatal("the stylesheet is not compressed for a client that accepts gzip")
	}
	zr, err := gzip.NewReader(gz.Body)
	if err != nil {
		t.Fatal(err)
	}
	plain, _ := io.ReadAll(zr)
	if !bytes.Equal(plain, css) {
		t.Error("the gzipped stylesheet does not decompress to the stylesheet")
	}
}

func TestSignedOutVisitors(t *testing.T) {
	f := newFixture(t)
	resp, body := f.do(http.DefaultClient, "GET", "/", nil)
	if resp.StatusCode != 200 || !bytes.Contains(body, []byte(`href="/sign-in"`)) {
		t.Errorf("start page: %s", resp.Status)
	}
	c := f.client("")
	resp, _ = f.do(c, "GET", "/organisation/teams/2?x=1", nil)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/sign-in?next=/organisation/teams/2?x=1" {
		t.Errorf("signed-out page visit: %s to %q", resp.Status, resp.Header.Get("Location"))
	}
	resp, body = f.do(c, "GET", "/api/v1/people", nil)
	p := problem(t, resp, body)
	if resp.StatusCode != 401 || p.Code != vigil.EUNAUTHENTICATED || resp.Header.Get("WWW-Authenticate") == "" {
		t.Errorf("signed-out API call: %s %+v", resp.Status, p)
	}
	resp, body = f.do(c, "GET", "/api/v1/nothing", nil)
	if p := problem(t, resp, body); resp.StatusCode != 404 || p.Code != vigil.ENOTFOUND {
		t.Errorf("unknown API path: %s %+v", resp.Status, p)
	}
	resp, body = f.do(c, "GET", "/nothing/here", nil)
	if resp.StatusCode != 404 || !bytes.Contains(body, []byte("Page not found")) || !bytes.Contains(body, []byte("OFFICIAL-SENSITIVE")) {
		t.Errorf("unknown page: %s", resp.Status)
	}
}

func TestSignInRedirectsOnlyOnSite(t *testing.T) {
	f := newFixture(t)
	for next, want := range map[string]string{
		"/organisation":        "/organisation",
		"https://evil.example": "/",
		"//evil.example/x":     "/",
		"/\\evil.example":      "/",
		"/sign-out":            "/",
		"":                     "/",
	} {
		c := f.client("")
		resp, err := c.PostForm(f.ts.URL+"/sign-in", url.Values{"username": {"auditor"}, "password": {vigiltest.DemoPassword}, "next": {next}})
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if got := resp.Header.Get("Location"); got != want {
			t.Errorf("next=%q redirected to %q, want %q", next, got, want)
		}
	}
}

func TestCrossSiteFormPostRefused(t *testing.T) {
	f := newFixture(t)
	c := f.client("admin")
	resp, body := f.do(c, "POST", "/sign-out", "", "Sec-Fetch-Site", "cross-site", "Content-Type", "application/x-www-form-urlencoded")
	if resp.StatusCode != http.StatusForbidden || !bytes.Contains(body, []byte("came from another website")) {
		t.Fatalf("cross-site sign-out: %s", resp.Status)
	}
	resp, _ = f.do(c, "GET", "/api/v1/me", nil)
	if resp.StatusCode != 200 {
		t.Error("the refused cross-site post signed the user out")
	}
	resp, body = f.do(c, "POST", "/api/v1/people", map[string]any{"given_name": "X"}, "Origin", "https://evil.example")
	if p := problem(t, resp, body); resp.StatusCode != 403 || p.Code != vigil.EFORBIDDEN {
		t.Errorf("cross-origin API post: %s %+v", resp.Status, p)
	}
}

func TestHealthAndMetrics(t *testing.T) {
	f := newFixture(t)
	for path, want := range map[string]string{"/healthz": "ok\n", "/readyz": "ready\n"} {
		resp, body := f.do(http.DefaultClient, "GET", path, nil)
		if resp.StatusCode != 200 || string(body) != want {
			t.Errorf("%s: %s %q", path, resp.Status, body)
		}
	}
	f.do(f.client("admin"), "GET", "/organisation/teams/1", nil)
	_, body := f.do(http.DefaultClient, "GET", "/metrics", nil)
	for _, want := range []string{`vigil_http_requests_total{code="200",route="GET /organisation/teams/{id}"} 1`,
		`vigil_http_request_duration_seconds_bucket{route="GET /organisation/teams/{id}"`} {
		if !bytes.Contains(body, []byte(want)) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
}

type brokenHealth struct{}

func (brokenHealth) Ping(context.Context) error { return nil }
func (brokenHealth) CheckMigrations(context.Context) error {
	return vigil.Errorf(vigil.EUNAVAILABLE, "database schema is at version 0; this build needs 1 (run vigil migrate)")
}

func TestNotReadyWhenUnmigrated(t *testing.T) {
	f := newFixture(t, func(_ *web.Config, s *web.Services) { s.Health = brokenHealth{} })
	resp, body := f.do(http.DefaultClient, "GET", "/readyz", nil)
	if resp.StatusCode != 503 || !bytes.Contains(body, []byte("vigil migrate")) {
		t.Errorf("/readyz on an unmigrated database: %s %q", resp.Status, body)
	}
}

type panickingOrg struct{ vigil.OrgService }

func (panickingOrg) Organisation(context.Context) (*vigil.Organisation, error) { panic("boom") }

func TestPanicsBecomeErrorPages(t *testing.T) {
	f := newFixture(t, func(_ *web.Config, s *web.Services) { s.Org = panickingOrg{s.Org} })
	c := f.client("admin")
	resp, body := f.do(c, "GET", "/organisation", nil)
	if resp.StatusCode != 500 || !bytes.Contains(body, []byte("Sorry, there is a problem with the service")) {
		t.Errorf("panic in a page: %s", resp.Status)
	}
	resp, body = f.do(c, "GET", "/api/v1/organisation", nil)
	if p := problem(t, resp, body); resp.StatusCode != 500 || strings.Contains(p.Detail, "boom") {
		t.Errorf("panic in the API: %s %+v", resp.Status, p)
	}
	if !strings.Contains(f.logs.String(), `"panic":"boom"`) {
		t.Error("the panic was not logged")
	}
}

// TestLogsHoldNoPersonalData: request logs name the route, never the path
// or query, which may carry ids and names.
func TestLogsHoldNoPersonalData(t *testing.T) {
	f := newFixture(t)
	c := f.client("admin")
	person := f.org.People[7]
	f.do(c, "GET", "/api/v1/people?q="+url.QueryEscape(person.FamilyName), nil)
	f.do(c, "GET", "/organisation/people/"+itoa(person.ID), nil)
	logs := f.logs.String()
	if !strings.Contains(logs, `"route":"GET /organisation/people/{id}"`) {
		t.Fatalf("the request log does not name the route: %s", logs)
	}
	for _, leak := range []string{person.FamilyName, person.GivenName, "/organisation/people/" + itoa(person.ID), "q="} {
		if strings.Contains(logs, leak) {
			t.Errorf("the logs contain %q", leak)
		}
	}
}

func itoa(i int64) string { return strconv.FormatInt(i, 10) }

func TestOpenAPIMatchesRoutes(t *testing.T) {
	f := newFixture(t)
	_, body := f.do(http.DefaultClient, "GET", "/api/v1/openapi.json", nil)
	var doc struct {
		OpenAPI string                    `json:"openapi"`
		Paths   map[string]map[string]any `json:"paths"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.OpenAPI != "3.1.0" {
		t.Errorf("openapi %q, want 3.1.0", doc.OpenAPI)
	}
	var documented []string
	for path, ops := range doc.Paths {
		for method := range ops {
			documented = append(documented, strings.ToUpper(method)+" "+path)
		}
	}
	var served []string
	for _, r := range f.srv.Routes() {
		if strings.Contains(r, " /api/") {
			served = append(served, r)
		}
	}
	slices.Sort(documented)
	if !slices.Equal(documented, served) {
		t.Errorf("the OpenAPI document and the routes differ:\n document: %v\n   routes: %v", documented, served)
	}
}

func TestGracefulBodyLimits(t *testing.T) {
	f := newFixture(t)
	c := f.client("admin")
	huge := `{"given_name":"` + strings.Repeat("a", 2<<20) + `"}`
	resp, body := f.do(c, "POST", "/api/v1/people", huge)
	if p := problem(t, resp, body); resp.StatusCode != 422 || !strings.Contains(p.Detail, "larger than") {
		t.Errorf("2 MB body: %s %+v", resp.Status, p)
	}
}
