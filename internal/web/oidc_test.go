package web_test

import (
	"context"
	"encoding/json"
	"html"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/oauth2-proxy/mockoidc"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/vigilcp/vigil/internal/app"
	"github.com/vigilcp/vigil/internal/demo"
	"github.com/vigilcp/vigil/internal/sqlstore"
	"github.com/vigilcp/vigil/internal/vigil"
	"github.com/vigilcp/vigil/internal/vigiltest"
	"github.com/vigilcp/vigil/internal/web"
)

// The identity provider in these tests is mockoidc, run inside the test on
// the loopback address: it serves discovery, JWKS, authorization and token
// endpoints, checks the client secret and the PKCE verifier, and signs real
// RS256 ID tokens with a key it makes, which Vigil fetches from its JWKS.

// newIdP starts a provider for one test.
func newIdP(t *testing.T) *mockoidc.MockOIDC {
	t.Helper()
	m, err := mockoidc.NewServer(nil)
	if err != nil {
		t.Fatal(err)
	}
	// mockoidc keeps its sessions in a plain map; one request at a time.
	var mu sync.Mutex
	if err := m.AddMiddleware(func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			defer mu.Unlock()
			next.ServeHTTP(w, r)
		})
	}); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Start(ln, nil); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = m.Shutdown() })
	return m
}

// forgedUser is a provider's user whose ID token is signed by the provider
// but says something it should not: another nonce, audience, authorized
// party or issuer, or an expiry in the past.
type forgedUser struct {
	mockoidc.MockUser
	nonce, audience, azp, issuer string
	expired                      bool
}

func (u *forgedUser) Claims(scope []string, c *mockoidc.IDTokenClaims) (jwt.Claims, error) {
	if u.nonce != "" {
		c.Nonce = u.nonce
	}
	if u.audience != "" {
		c.Audience = jwt.ClaimStrings{u.audience}
	}
	if u.issuer != "" {
		c.Issuer = u.issuer
	}
	if u.expired {
		c.IssuedAt = jwt.NewNumericDate(time.Now().Add(-2 * time.Hour))
		c.NotBefore = c.IssuedAt
		c.ExpiresAt = jwt.NewNumericDate(time.Now().Add(-time.Hour))
	}
	claims, err := u.MockUser.Claims(scope, c)
	if err != nil || u.azp == "" {
		return claims, err
	}
	b, err := json.Marshal(claims)
	if err != nil {
		return nil, err
	}
	var m jwt.MapClaims
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	m["aud"], m["azp"] = []string{c.Audience[0], u.azp}, u.azp
	return m, nil
}

// ssoFixture is Vigil, with single sign-on, on a demo database, and a
// provider.
type ssoFixture struct {
	t   *testing.T
	db  *sqlstore.DB
	org *demo.Org
	idp *mockoidc.MockOIDC
	url string
}

const ssoName = "Kingsmoor Police sign-in"

func newSSOFixture(t *testing.T, db *sqlstore.DB) *ssoFixture {
	t.Helper()
	org := vigiltest.LoadDemo(t, db)
	idp := newIdP(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	cfg := idp.Config()
	o, err := app.NewSSO(context.Background(), app.SSOConfig{Issuer: cfg.Issuer, ClientID: cfg.ClientID,
		ClientSecret: cfg.ClientSecret, RedirectURL: base + "/sign-in/sso/callback", Name: ssoName})
	if err != nil {
		t.Fatal(err)
	}
	svc := web.Services{Org: sqlstore.NewOrgService(db), Users: sqlstore.NewUserService(db),
		Sessions: sqlstore.NewSessionService(db), Children: sqlstore.NewChildService(db),
		AccessLog: sqlstore.NewAccessLogService(db), BreakGlass: sqlstore.NewBreakGlassService(db), Health: db,
		SSO: sqlstore.NewSSOService(db)}
	srv, err := web.New(web.Config{Version: "test", OIDC: o}, svc, slog.New(slog.DiscardHandler), prometheus.NewRegistry())
	if err != nil {
		t.Fatal(err)
	}
	ts := &httptest.Server{Listener: ln, Config: &http.Server{Handler: srv}}
	ts.Start()
	t.Cleanup(ts.Close)
	return &ssoFixture{t: t, db: db, org: org, idp: idp, url: ts.URL}
}

// browser is a client that keeps cookies and shows each redirect.
func browser() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

func (f *ssoFixture) send(c *http.Client, req *http.Request) (*http.Response, string) {
	f.t.Helper()
	resp, err := c.Do(req)
	if err != nil {
		f.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func (f *ssoFixture) get(c *http.Client, u string) (*http.Response, string) {
	f.t.Helper()
	req, err := http.NewRequest("GET", u, nil)
	if err != nil {
		f.t.Fatal(err)
	}
	return f.send(c, req)
}

// start presses the sign-in page's single sign-on button and returns the
// provider's authorization URL it is sent to, checking what it asks for.
func (f *ssoFixture) start(c *http.Client, next string) *url.URL {
	f.t.Helper()
	req, _ := http.NewRequest("POST", f.url+"/sign-in/sso", strings.NewReader(url.Values{"next": {next}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, body := f.send(c, req)
	if resp.StatusCode != http.StatusSeeOther {
		f.t.Fatalf("POST /sign-in/sso: %s %s", resp.Status, body)
	}
	u, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || !strings.HasPrefix(u.String(), f.idp.AuthorizationEndpoint()+"?") {
		f.t.Fatalf("sent to %q, want the provider's authorization endpoint", resp.Header.Get("Location"))
	}
	q := u.Query()
	for k, want := range map[string]string{"response_type": "code", "client_id": f.idp.ClientID,
		"redirect_uri": f.url + "/sign-in/sso/callback", "scope": "openid email profile", "code_challenge_method": "S256"} {
		if q.Get(k) != want {
			f.t.Errorf("authorization request %s = %q, want %q", k, q.Get(k), want)
		}
	}
	for _, k := range []string{"state", "nonce", "code_challenge"} {
		if len(q.Get(k)) < 43 {
			f.t.Errorf("authorization request %s = %q: too short", k, q.Get(k))
		}
	}
	var cookie *http.Cookie
	for _, ck := range resp.Cookies() {
		if ck.Name == "vigil_sso" {
			cookie = ck
		}
	}
	if cookie == nil || !cookie.HttpOnly || cookie.SameSite != http.SameSiteLaxMode || cookie.MaxAge != 600 ||
		cookie.Path != "/sign-in/sso" || len(cookie.Value) < 43 {
		f.t.Errorf("the attempt's cookie: %+v", cookie)
	}
	return u
}

// authorize visits the provider, which signs the queued user in at once,
// and returns the callback URL it sends the browser back to.
func (f *ssoFixture) authorize(c *http.Client, u *url.URL) *url.URL {
	f.t.Helper()
	resp, body := f.get(c, u.String())
	if resp.StatusCode != http.StatusFound {
		f.t.Fatalf("provider's authorization: %s %s", resp.Status, body)
	}
	cb, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || !strings.HasPrefix(cb.String(), f.url+"/sign-in/sso/callback?") || cb.Query().Get("code") == "" {
		f.t.Fatalf("provider sent the browser to %q", resp.Header.Get("Location"))
	}
	return cb
}

// signIn goes through single sign-on as user, from the button to the
// callback, and returns the callback's response.
func (f *ssoFixture) signIn(c *http.Client, user mockoidc.User, next string) (*http.Response, string) {
	f.t.Helper()
	f.idp.QueueUser(user)
	return f.get(c, f.authorize(c, f.start(c, next)).String())
}

// me returns who the browser is signed in as, or "" and the status.
func (f *ssoFixture) me(c *http.Client) (vigil.User, int) {
	f.t.Helper()
	resp, body := f.get(c, f.url+"/api/v1/me")
	var u vigil.User
	if resp.StatusCode == http.StatusOK {
		if err := json.Unmarshal([]byte(body), &u); err != nil {
			f.t.Fatal(err)
		}
	}
	return u, resp.StatusCode
}

// lastEntries returns the newest n access-log entries, newest first (read
// as the system account, whose read is logged after them).
func (f *ssoFixture) lastEntries(n int) []vigil.AccessEntry {
	f.t.Helper()
	p, err := f.db.SystemPrincipal(context.Background())
	if err != nil {
		f.t.Fatal(err)
	}
	page, err := sqlstore.NewAccessLogService(f.db).AccessLog(vigil.WithPrincipal(context.Background(), p),
		vigil.AccessLogFilter{PageRequest: vigil.PageRequest{Limit: n}})
	if err != nil {
		f.t.Fatal(err)
	}
	return page.Items
}

func (f *ssoFixture) wantLogged(e vigil.AccessEntry, action vigil.Action, outcome, username, reason string) {
	f.t.Helper()
	if e.Action != action || e.Outcome != outcome || e.Username != username || !strings.Contains(e.Reason, reason) ||
		e.Client != "127.0.0.1" || e.RequestID == "" {
		f.t.Errorf("access log entry %d: %s %s by %s from %q (%q); want %s %s by %s with %q", e.Seq, e.Action, e.Outcome,
			e.Username, e.Client, e.Reason, action, outcome, username, reason)
	}
}

// refused checks a callback that did not sign the browser in: its page,
// no session, and the access log's newest entry.
func (f *ssoFixture) refused(c *http.Client, resp *http.Response, body string, status int, message, username, reason string) {
	f.t.Helper()
	if resp.StatusCode != status || !strings.Contains(html.UnescapeString(body), message) {
		f.t.Errorf("callback: %s, want %d with %q; body %.300s", resp.Status, status, message, body)
	}
	if _, code := f.me(c); code != http.StatusUnauthorized {
		f.t.Errorf("refused single sign-on left the browser signed in (%d)", code)
	}
	f.wantLogged(f.lastEntries(1)[0], vigil.ActionSignIn, vigil.OutcomeFailed, username, reason)
}

func demoUserEmail(t *testing.T, org *demo.Org, username string) string {
	t.Helper()
	for _, u := range org.Users {
		for _, p := range org.People {
			if u.Username == username && p.ID == u.PersonID {
				return p.Email
			}
		}
	}
	t.Fatalf("no demo user %s", username)
	return ""
}

func TestSingleSignOn(t *testing.T) {
	vigiltest.ForEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		f := newSSOFixture(t, db)
		auditor := demoUserEmail(t, f.org, "auditor")

		// The sign-in page offers the provider, and lets its form go there.
		c := browser()
		resp, body := f.get(c, f.url+"/sign-in")
		if !strings.Contains(body, `action="/sign-in/sso"`) || !strings.Contains(body, "Sign in with "+ssoName) {
			t.Errorf("the sign-in page does not offer single sign-on")
		}
		if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "form-action 'self' "+f.idp.Addr()+";") {
			t.Errorf("CSP %q does not let the form go on to the provider %s", csp, f.idp.Addr())
		}

		// First sign-in: matched by verified email (in another case), and
		// linked; the provider's groups give no roles.
		user := &mockoidc.MockUser{Subject: "oid-auditor", Email: strings.ToUpper(auditor), EmailVerified: true,
			Groups: []string{"administrator", "Vigil Admins"}}
		resp, body = f.signIn(c, user, "/organisation")
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/organisation" {
			t.Fatalf("first single sign-on: %s to %q; %.300s", resp.Status, resp.Header.Get("Location"), body)
		}
		log := f.lastEntries(2)
		f.wantLogged(log[0], vigil.ActionSignIn, vigil.OutcomeOK, "auditor", "single sign-on, session full")
		f.wantLogged(log[1], vigil.ActionLinkIdentity, vigil.OutcomeOK, "auditor", "linked by verified email (issuer "+
			f.idp.Issuer()+", subject oid-auditor)")
		me, _ := f.me(c)
		if me.Username != "auditor" || len(me.Roles) != 1 || me.Roles[0] != vigil.RoleAuditor {
			t.Fatalf("signed in as %+v, want the auditor with Vigil's roles only", me)
		}

		// Second sign-in, in another browser: by subject, whatever the email.
		c2 := browser()
		resp, _ = f.signIn(c2, &mockoidc.MockUser{Subject: "oid-auditor", Email: "renamed@example.test"}, "/")
		f.wantLogged(f.lastEntries(1)[0], vigil.ActionSignIn, vigil.OutcomeOK, "auditor", "single sign-on")
		if me, _ := f.me(c2); resp.StatusCode != http.StatusSeeOther || me.Username != "auditor" {
			t.Fatalf("second single sign-on: %s, signed in as %q", resp.Status, me.Username)
		}

		// No second factor after single sign-on, even for an administrator.
		c3 := browser()
		resp, _ = f.signIn(c3, &mockoidc.MockUser{Subject: "oid-admin", Email: demoUserEmail(t, f.org, "admin"),
			EmailVerified: true}, "//evil.example/")
		if me, _ := f.me(c3); resp.Header.Get("Location") != "/" || me.Username != "admin" {
			t.Fatalf("administrator's single sign-on: %s to %q as %q", resp.Status, resp.Header.Get("Location"), me.Username)
		}

		// An identity no account has.
		c = browser()
		resp, body = f.signIn(c, &mockoidc.MockUser{Subject: "oid-stranger", Email: "stranger@example.test", EmailVerified: true}, "/")
		f.refused(c, resp, body, http.StatusForbidden,
			"Your sign-in worked, but no Vigil account is linked to it. Ask your administrator.",
			"stranger@example.test", "no account is linked to the identity or has its email")

		// An email the provider has not verified.
		officer := demoUserEmail(t, f.org, "response.officer")
		resp, body = f.signIn(c, &mockoidc.MockUser{Subject: "oid-officer", Email: officer}, "/")
		f.refused(c, resp, body, http.StatusForbidden, "no Vigil account is linked to it", officer,
			"the provider has not verified its email")

		// A disabled account, matched by email or linked.
		admin := vigiltest.As(t, db, "admin")
		users := sqlstore.NewUserService(db)
		for _, name := range []string{"response.officer", "auditor"} {
			if err := users.DisableUser(admin, name); err != nil {
				t.Fatal(err)
			}
		}
		resp, body = f.signIn(c, &mockoidc.MockUser{Subject: "oid-officer", Email: officer, EmailVerified: true}, "/")
		f.refused(c, resp, body, http.StatusForbidden, "Your sign-in worked, but your Vigil account is disabled.", officer,
			"the account with the identity's email is disabled")
		resp, body = f.signIn(c, user, "/")
		f.refused(c, resp, body, http.StatusForbidden, "your Vigil account is disabled", strings.ToLower(auditor),
			"the linked account auditor is disabled")
		if _, code := f.me(c2); code != http.StatusUnauthorized {
			t.Errorf("a disabled account's single sign-on session goes on (%d)", code)
		}
	})
}

func TestSingleSignOnRefusesForgery(t *testing.T) {
	vigiltest.ForEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		f := newSSOFixture(t, db)
		email := demoUserEmail(t, f.org, "missing.ashvale")
		good := func() *mockoidc.MockUser {
			return &mockoidc.MockUser{Subject: "oid-missing", Email: email, EmailVerified: true}
		}
		notChecked := "Vigil could not check your sign-in with " + ssoName

		// A state that is not the attempt's; then the real one, once.
		c := browser()
		f.idp.QueueUser(good())
		cb := f.authorize(c, f.start(c, "/"))
		wrong := *cb
		q := wrong.Query()
		q.Set("state", strings.Repeat("A", 43))
		wrong.RawQuery = q.Encode()
		resp, body := f.get(c, wrong.String())
		f.refused(c, resp, body, http.StatusBadRequest, "Your sign-in could not be checked", "anonymous",
			"the state is unknown or was already used")
		resp, body = f.get(c, cb.String())
		if me, _ := f.me(c); resp.StatusCode != http.StatusSeeOther || me.Username != "missing.ashvale" {
			t.Fatalf("the real callback after a wrong state: %s %.300s", resp.Status, body)
		}
		c = browser()
		resp, body = f.get(c, cb.String())
		f.refused(c, resp, body, http.StatusBadRequest, "was already used", "anonymous", "already used")

		// A callback delivered to another browser (login CSRF).
		victim := browser()
		f.idp.QueueUser(good())
		cb = f.authorize(c, f.start(c, "/"))
		resp, body = f.get(victim, cb.String())
		f.refused(victim, resp, body, http.StatusBadRequest, "began in another browser", "anonymous",
			"the state was begun by another browser")

		// A code from another attempt: the provider refuses it without
		// that attempt's PKCE verifier.
		c = browser()
		f.idp.QueueUser(good())
		first := f.authorize(c, f.start(c, "/"))
		f.idp.QueueUser(good())
		second := f.authorize(c, f.start(c, "/"))
		q = first.Query()
		q.Set("code", second.Query().Get("code"))
		first.RawQuery = q.Encode()
		resp, body = f.get(c, first.String())
		f.refused(c, resp, body, http.StatusBadGateway, notChecked, "anonymous",
			"the provider refused the code: invalid_grant")

		// The provider says no (the person cancelled).
		f.idp.QueueUser(good())
		cb = f.authorize(c, f.start(c, "/"))
		q = cb.Query()
		q.Del("code")
		q.Set("error", "access_denied")
		q.Set("error_description", "The user cancelled")
		cb.RawQuery = q.Encode()
		resp, body = f.get(c, cb.String())
		f.refused(c, resp, body, http.StatusUnauthorized, ssoName+" did not sign you in", "anonymous",
			"the provider answered access_denied: The user cancelled")

		// ID tokens signed by the provider that say the wrong thing.
		for _, tc := range []struct {
			name     string
			user     *forgedUser
			username string
			reason   string
		}{
			{"nonce", &forgedUser{nonce: "not-this-attempts-nonce"}, email, "the ID token's nonce is not this attempt's"},
			{"audience", &forgedUser{audience: "another-client"}, "anonymous", "the ID token did not verify: oidc: expected audience"},
			{"authorized party", &forgedUser{azp: "another-client"}, email, "the ID token was issued to another client (another-client)"},
			{"issuer", &forgedUser{issuer: "https://login.evil.example/v2.0"}, "anonymous",
				"the ID token did not verify: oidc: id token issued by a different provider"},
			{"expiry", &forgedUser{expired: true}, "anonymous", "the ID token did not verify: oidc: token is expired"},
		} {
			tc.user.MockUser = *good()
			resp, body := f.signIn(c, tc.user, "/")
			f.refused(c, resp, body, http.StatusUnauthorized, notChecked, tc.username, tc.reason)
		}
	})
}

func TestSingleSignOnIsOffUnlessConfigured(t *testing.T) {
	f := newFixture(t)
	c := f.client("")
	_, page := f.do(c, "GET", "/sign-in", nil)
	if strings.Contains(string(page), "/sign-in/sso") {
		t.Error("the sign-in page offers single sign-on without a provider")
	}
	for _, path := range []string{"/sign-in/sso", "/sign-in/sso/callback?state=x&code=y"} {
		method := "GET"
		if path == "/sign-in/sso" {
			method = "POST"
		}
		if resp, _ := f.do(c, method, path, nil); resp.StatusCode != http.StatusNotFound {
			t.Errorf("%s %s without a provider: %s", method, path, resp.Status)
		}
	}
}

func TestSSOConfigChecks(t *testing.T) {
	ok := app.SSOConfig{Issuer: "https://login.microsoftonline.com/tenant/v2.0", ClientID: "vigil", ClientSecret: "s3cret",
		RedirectURL: "https://vigil.example/sign-in/sso/callback"}
	if err := ok.Check(); err != nil {
		t.Fatalf("good settings: %v", err)
	}
	for name, change := range map[string]func(*app.SSOConfig){
		"no issuer":           func(c *app.SSOConfig) { c.Issuer = "" },
		"plain http issuer":   func(c *app.SSOConfig) { c.Issuer = "http://login.example/" },
		"no client id":        func(c *app.SSOConfig) { c.ClientID = "" },
		"no secret":           func(c *app.SSOConfig) { c.ClientSecret = "" },
		"no redirect":         func(c *app.SSOConfig) { c.RedirectURL = "" },
		"wrong redirect path": func(c *app.SSOConfig) { c.RedirectURL = "https://vigil.example/callback" },
		"plain http redirect": func(c *app.SSOConfig) { c.RedirectURL = "http://vigil.example/sign-in/sso/callback" },
	} {
		c := ok
		change(&c)
		if err := c.Check(); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	// A provider that cannot be reached stops start-up with one line.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	gone := "http://" + ln.Addr().String()
	ln.Close()
	c := ok
	c.Issuer = gone
	_, err = app.NewSSO(context.Background(), c)
	if err == nil || !strings.Contains(err.Error(), "cannot read the single sign-on provider's discovery document at "+gone) ||
		strings.Contains(err.Error(), "\n") {
		t.Errorf("unreachable provider: %v", err)
	}
}
