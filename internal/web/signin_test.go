package web_test

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/oauth2-proxy/mockoidc"

	"github.com/vigilcp/vigil/internal/sqlstore"
	"github.com/vigilcp/vigil/internal/vigiltest"
)

// offSiteNexts are post-sign-in destinations that would leave the site,
// at once or once a browser has decoded or cleaned them: each must send
// the person to the start page instead.
var offSiteNexts = []string{
	"//evil.example",
	"/\\evil.example",
	"/%5Cevil.example",
	"/%5cevil.example",
	"/%2F%2Fevil.example",
	"/%09/evil.example",
	"/\t/evil.example",
	"/\n/evil.example",
	"/%0D%0A/evil.example",
	"/%7F/evil.example",
	"/%zz",
	"https://evil.example",
	"javascript:alert(1)",
	"evil.example",
	"/sign-out",
	"",
}

// onSiteNexts are destinations on the site, kept as they are.
var onSiteNexts = []string{"/organisation", "/children?q=smith&page=2", "/organisation/people/7"}

// TestSignInNextStaysOnSite: next is kept only when, percent-decoded, it
// is a path that starts with one "/" not followed by "/" or "\" and holds
// no control character, after a password and after single sign-on.
func TestSignInNextStaysOnSite(t *testing.T) {
	t.Run("password", func(t *testing.T) {
		f := newFixture(t)
		check := func(next, want string) {
			t.Helper()
			c := f.client("")
			resp, err := c.PostForm(f.ts.URL+"/sign-in", url.Values{"username": {"auditor"}, "password": {vigiltest.DemoPassword}, "next": {next}})
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if got := resp.Header.Get("Location"); resp.StatusCode != http.StatusSeeOther || got != want {
				t.Errorf("next=%q: %s to %q, want 303 to %q", next, resp.Status, got, want)
			}
		}
		for _, next := range offSiteNexts {
			check(next, "/")
		}
		for _, next := range onSiteNexts {
			check(next, next)
		}
		// The sign-in page keeps only a safe next in its form.
		for _, next := range offSiteNexts {
			_, page := f.do(f.client(""), "GET", "/sign-in?next="+url.QueryEscape(next), nil)
			if got := elements(page, "input", map[string]string{"name": "next"}); len(got) != 1 || got[0].attrs["value"] != "/" {
				t.Errorf("the sign-in page keeps next=%q as %+v, want /", next, got)
			}
		}
	})
	t.Run("single sign-on", func(t *testing.T) {
		db := vigiltest.NewDB(t, sqlstore.SQLite)
		f := newSSOFixture(t, db)
		user := &mockoidc.MockUser{Subject: "oid-auditor", Email: demoUserEmail(t, f.org, "auditor"), EmailVerified: true}
		check := func(next, want string) {
			t.Helper()
			resp, body := f.signIn(browser(), user, next)
			if got := resp.Header.Get("Location"); resp.StatusCode != http.StatusSeeOther || got != want {
				t.Errorf("next=%q: %s to %q, want 303 to %q; %.200s", next, resp.Status, got, want, body)
			}
		}
		for _, next := range offSiteNexts {
			check(next, "/")
		}
		for _, next := range onSiteNexts {
			check(next, next)
		}
	})
}
