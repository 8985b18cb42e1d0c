package main

import (
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/oauth2-proxy/mockoidc"
)

func TestSingleSignOnSettings(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	gone := "http://" + ln.Addr().String()
	ln.Close()
	dir := t.TempDir()
	db := "sqlite:" + filepath.Join(dir, "v.db")
	all := []string{"serve", "--addr", "127.0.0.1:0", "--db", db, "--oidc-issuer", "https://login.example/tenant/v2.0",
		"--oidc-client-id", "vigil", "--oidc-redirect-url", "https://vigil.example/sign-in/sso/callback"}
	secret := map[string]string{"VIGIL_OIDC_CLIENT_SECRET": "s3cret"}
	cases := []struct {
		name   string
		args   []string
		env    map[string]string
		code   int
		stderr string
	}{
		{"issuer alone", []string{"serve", "--oidc-issuer", "https://login.example/"}, nil, 2,
			"missing --oidc-client-id, --oidc-redirect-url, a client secret (VIGIL_OIDC_CLIENT_SECRET or VIGIL_OIDC_CLIENT_SECRET_FILE)"},
		{"secret alone", []string{"serve"}, secret, 2, "missing --oidc-issuer, --oidc-client-id, --oidc-redirect-url"},
		{"no secret", all, nil, 2, "missing a client secret"},
		{"two secrets", all, map[string]string{"VIGIL_OIDC_CLIENT_SECRET": "a", "VIGIL_OIDC_CLIENT_SECRET_FILE": "b"}, 2, "not both"},
		{"secret as a flag", append(all, "--oidc-client-secret", "s3cret"), secret, 2, "flag provided but not defined: -oidc-client-secret"},
		{"wrong callback", append(all, "--oidc-redirect-url", "https://vigil.example/callback"), secret, 2,
			"must be https://YOUR-VIGIL-HOST/sign-in/sso/callback"},
		{"plain http provider", append(all, "--oidc-issuer", "http://login.example/"), secret, 2, "must be an https:// URL"},
		{"unreadable secret file", all, map[string]string{"VIGIL_OIDC_CLIENT_SECRET_FILE": filepath.Join(dir, "none")}, 1,
			"cannot read VIGIL_OIDC_CLIENT_SECRET_FILE: no such file or directory"},
		{"provider not answering", append(all, "--oidc-issuer", gone), secret, 1,
			"vigil serve: cannot read the single sign-on provider's discovery document at " + gone + ": "},
	}
	for _, c := range cases {
		code, _, stderr := runVigil(t, "", c.env, c.args...)
		if code != c.code || !strings.Contains(stderr, c.stderr) || strings.Count(stderr, "\n") != 1 {
			t.Errorf("%s: exit %d, stderr %q; want %d with %q", c.name, code, stderr, c.code, c.stderr)
		}
	}
}

// TestSingleSignOnServe starts vigil serve with single sign-on, the client
// secret in a file, against a provider run in the test (which checks the
// secret at its token endpoint), and signs in with an identity that no
// account has: the provider's answer is checked and the person refused.
func TestSingleSignOnServe(t *testing.T) {
	idp, err := mockoidc.NewServer(nil)
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	idp.AddMiddleware(func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			defer mu.Unlock()
			next.ServeHTTP(w, r)
		})
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if err := idp.Start(ln, nil); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { idp.Shutdown() })
	secretFile := filepath.Join(t.TempDir(), "oidc-secret")
	if err := os.WriteFile(secretFile, []byte(idp.ClientSecret+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("VIGIL_OIDC_CLIENT_SECRET_FILE", secretFile)
	free, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := free.Addr().String()
	free.Close()
	_, addr, stderr := startServe(t, "sqlite:"+filepath.Join(t.TempDir(), "v.db"), "--addr", addr,
		"--oidc-issuer", idp.Issuer(), "--oidc-client-id", idp.ClientID, "--oidc-redirect-url", "http://"+addr+"/sign-in/sso/callback",
		"--oidc-name", "Kingsmoor Police sign-in")
	base := "http://" + addr

	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	get := func(u string) (*http.Response, string) {
		t.Helper()
		resp, err := c.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, string(b)
	}
	if _, page := get(base + "/sign-in"); !strings.Contains(page, "Sign in with Kingsmoor Police sign-in") {
		t.Fatalf("the sign-in page does not offer single sign-on: %s", stderr.String())
	}
	idp.QueueUser(&mockoidc.MockUser{Subject: "oid-nobody", Email: "nobody@example.test", EmailVerified: true})
	resp, err := c.PostForm(base+"/sign-in/sso", url.Values{"next": {"/"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	resp, _ = get(resp.Header.Get("Location"))
	resp, page := get(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusForbidden || !strings.Contains(page, "no Vigil account is linked to it") {
		t.Errorf("callback: %s %.400s\n%s", resp.Status, page, stderr.String())
	}
}
