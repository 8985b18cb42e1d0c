package web_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/oauth2-proxy/mockoidc"

	"github.com/vigilcp/vigil/internal/sqlstore"
	"github.com/vigilcp/vigil/internal/vigil"
	"github.com/vigilcp/vigil/internal/vigiltest"
)

// setupKey returns the setup key a set-up page shows, or "".
func setupKey(page []byte) string {
	m := regexp.MustCompile(`id="setup-key">([A-Z2-7 ]+)<`).FindSubmatch(page)
	if m == nil {
		return ""
	}
	return strings.ReplaceAll(string(m[1]), " ", "")
}

// TestAccountSecondFactorNeedsPassword: setting up a second factor from
// the account page asks for the password again first, and ends the
// account's other sessions.
func TestAccountSecondFactorNeedsPassword(t *testing.T) {
	f := newFixture(t)
	other := f.client("auditor")
	c := f.client("auditor")
	resp, body := f.do(c, "GET", "/account/second-factor", nil)
	if resp.StatusCode != http.StatusOK || setupKey(body) != "" ||
		len(elements(body, "input", map[string]string{"name": "password", "type": "password", "autocomplete": "current-password"})) != 1 {
		t.Fatalf("the set-up page, before the password: %s; it shows a setup key or asks no password", resp.Status)
	}
	// A code without the password is refused.
	resp, body = f.post(c, "/account/second-factor", url.Values{"code": {"123456"}})
	if resp.StatusCode != http.StatusUnauthorized || !contains(summaryLinks(body), "Enter your password again") {
		t.Errorf("a code before the password: %s %v", resp.Status, summaryLinks(body))
	}
	for _, tc := range []struct {
		password string
		status   int
		message  string
	}{{"", http.StatusUnprocessableEntity, "Enter your password"}, {"not the password at all", http.StatusUnauthorized, "The password is not right"}} {
		resp, body = f.post(c, "/account/second-factor", url.Values{"password": {tc.password}})
		if resp.StatusCode != tc.status || !contains(summaryLinks(body), "#password: "+tc.message) || setupKey(body) != "" {
			t.Errorf("password %q: %s %v", tc.password, resp.Status, summaryLinks(body))
		}
	}
	resp, _ = f.post(c, "/account/second-factor", url.Values{"password": {vigiltest.DemoPassword}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/account/second-factor" {
		t.Fatalf("the right password: %s to %q", resp.Status, resp.Header.Get("Location"))
	}
	_, body = f.do(c, "GET", "/account/second-factor", nil)
	secret := setupKey(body)
	if secret == "" {
		t.Fatal("no setup key after the password")
	}
	resp, _ = f.post(c, "/account/second-factor", url.Values{"code": {totpCode(t, secret, vigiltest.Epoch)}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/account?second-factor=1" {
		t.Fatalf("the code: %s to %q", resp.Status, resp.Header.Get("Location"))
	}
	if resp, _ := f.do(c, "GET", "/api/v1/me", nil); resp.StatusCode != http.StatusOK {
		t.Errorf("the session that set it up: %s", resp.Status)
	}
	if resp, _ := f.do(other, "GET", "/api/v1/me", nil); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("another session survived setting up a second factor: %s", resp.Status)
	}
}

// TestAccountSecondFactorAfterSingleSignOn: an account without a password
// sets up a second factor just after single sign-on; later it is sent to
// sign in again with single sign-on, which brings it back to the set-up.
// An account with a password gives it, even after single sign-on.
func TestAccountSecondFactorAfterSingleSignOn(t *testing.T) {
	clock := vigiltest.NewClock(vigiltest.Epoch)
	db := vigiltest.NewDB(t, sqlstore.SQLite, vigiltest.WithClock(clock))
	f := newSSOFixture(t, db)
	var person vigil.Person
	for _, p := range f.org.People {
		taken := false
		for _, u := range f.org.Users {
			taken = taken || u.PersonID == p.ID
		}
		if !taken && p.Email != "" && p.TeamID != 0 {
			person = p
			break
		}
	}
	if _, err := sqlstore.NewUserService(db).CreateUser(vigiltest.AsSystem(t, db), vigil.NewUser{Username: "sso.only",
		PersonID: person.ID, Roles: []vigil.Role{vigil.RoleAuditor}, Scope: vigil.ScopeForce}); err != nil {
		t.Fatal(err)
	}
	user := &mockoidc.MockUser{Subject: "oid-sso-only", Email: person.Email, EmailVerified: true}
	c := browser()
	if resp, body := f.signIn(c, user, "/account/second-factor"); resp.Header.Get("Location") != "/account/second-factor" {
		t.Fatalf("single sign-on: %s to %q %.300s", resp.Status, resp.Header.Get("Location"), body)
	}
	_, body := f.get(c, f.url+"/account/second-factor")
	if setupKey([]byte(body)) == "" {
		t.Fatalf("no set-up just after single sign-on: %.500s", body)
	}
	clock.Advance(vigil.ConfirmLifetime + time.Second)
	_, body = f.get(c, f.url+"/account/second-factor")
	page := []byte(body)
	if setupKey(page) != "" || len(elements(page, "form", map[string]string{"action": "/sign-in/sso"})) != 1 ||
		len(elements(page, "input", map[string]string{"name": "next", "value": "/account/second-factor"})) != 1 ||
		len(elements(page, "input", map[string]string{"name": "password"})) != 0 {
		t.Fatalf("ten minutes later the set-up page does not send them to sign in again: %.800s", body)
	}
	cookies := c.Jar.Cookies(mustURL(t, f.url))
	if len(cookies) != 1 {
		t.Fatalf("cookies for the site: %v", cookies)
	}
	old := cookies[0]
	if resp, body := f.signIn(c, user, "/account/second-factor"); resp.Header.Get("Location") != "/account/second-factor" {
		t.Fatalf("signing in again: %s to %q %.300s", resp.Status, resp.Header.Get("Location"), body)
	}
	_, body = f.get(c, f.url+"/account/second-factor")
	if setupKey([]byte(body)) == "" {
		t.Errorf("no set-up after signing in again: %.500s", body)
	}
	stale := browser()
	stale.Jar.SetCookies(mustURL(t, f.url), []*http.Cookie{old})
	if u, code := f.me(stale); code != http.StatusUnauthorized {
		t.Errorf("the session before signing in again goes on as %s (%d)", u.Username, code)
	}

	// An account with a password gives it, even after single sign-on.
	c = browser()
	f.signIn(c, &mockoidc.MockUser{Subject: "oid-auditor", Email: demoUserEmail(t, f.org, "auditor"), EmailVerified: true}, "/")
	_, body = f.get(c, f.url+"/account/second-factor")
	if setupKey([]byte(body)) != "" || len(elements([]byte(body), "input", map[string]string{"name": "password"})) != 1 {
		t.Errorf("an account with a password is not asked for it after single sign-on")
	}
}

func mustURL(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}
