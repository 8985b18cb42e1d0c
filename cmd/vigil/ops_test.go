package main

import (
	"io"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestPasswordsStayOffTheCommandLine: a database password in a flag shows
// in ps to every user of the machine, wherever in the URL it is.
func TestPasswordsStayOffTheCommandLine(t *testing.T) {
	for _, db := range []string{
		"postgres://vigil:hunter2@127.0.0.1:1/vigil",
		"postgres://vigil@127.0.0.1:1/vigil?password=hunter2",
		"postgresql://vigil@127.0.0.1:1/vigil?sslmode=disable&password=hunter2",
		"postgres://vigil@127.0.0.1:1/vigil?sslpassword=hunter2",
		"postgres://vigil@127.0.0.1:1/vigil?PASSWORD=hunter2",
	} {
		for _, cmd := range []string{"serve", "migrate"} {
			code, _, errOut := runVigil(t, "", nil, cmd, "--db", db)
			if code != 2 || !strings.Contains(errOut, "--db must not carry a password") || strings.Contains(errOut, "hunter2") {
				t.Errorf("vigil %s --db %s: exit %d, %q", cmd, db, code, errOut)
			}
		}
	}
}

// TestErrorsNeverEchoTheConnectionString: whatever is wrong with a
// database URL, the message names the problem (and where it could not
// connect), never the URL, its user or its password.
func TestErrorsNeverEchoTheConnectionString(t *testing.T) {
	const secret = "s3cr3t-Pw"
	for _, db := range []string{
		"postgres://vigil:" + secret + "@127.0.0.1:99999/vigil",
		"postgres://vigil@127.0.0.1/vigil?password=" + secret + "&sslmode=bogus",
		"postgres://vigil:" + secret + "@[::1/vigil",
		"postgres://vigil:" + secret + "@127.0.0.1/vigil?connect_timeout=soon",
		"postgres://vigil:" + secret + "@127.0.0.1:1/vigil?connect_timeout=2",
		"postgres://vigil@127.0.0.1:1/vigil?connect_timeout=2&password=" + secret,
		"mysql://vigil:" + secret + "@127.0.0.1/vigil",
		"sqlite:vigil.db?_pragma=key('" + secret + "')",
		"sqlite:",
	} {
		code, _, errOut := runVigil(t, "", map[string]string{"VIGIL_DB": db}, "migrate")
		if code == 0 || strings.Count(errOut, "\n") != 1 {
			t.Errorf("VIGIL_DB=%s: exit %d, %q", db, code, errOut)
		}
		for _, leak := range []string{secret, "vigil:", "vigil@", "mysql", "@127", "/vigil", "xxxxx", "?", "_pragma"} {
			if strings.Contains(errOut, leak) {
				t.Errorf("VIGIL_DB=%s: the message shows %q: %q", db, leak, errOut)
			}
		}
	}
}

// TestMetricsOnTheirOwnAddress: with --metrics-addr, /metrics is served
// there and only there, never on the public listener.
func TestMetricsOnTheirOwnAddress(t *testing.T) {
	dir := t.TempDir()
	cmd, addr, out, stderr := startServeEnv(t, []string{"VIGIL_DB=sqlite:" + filepath.Join(dir, "vigil.db")}, "--metrics-addr", "127.0.0.1:0")
	defer stop(t, cmd, stderr)
	m := regexp.MustCompile(`Metrics are served at (http://[^/\s]+)/metrics`).FindStringSubmatch(out.String())
	if m == nil {
		t.Fatalf("no metrics address printed: %q", out.String())
	}
	get := func(url string) (int, string) {
		t.Helper()
		resp, err := http.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := get(m[1] + "/metrics"); code != 200 || !strings.Contains(body, "vigil_build_info") ||
		!strings.Contains(body, "vigil_access_log_unindexed_entries") {
		t.Errorf("metrics address: %d %.200q", code, body)
	}
	if code, body := get("http://" + addr + "/metrics"); code != 404 || strings.Contains(body, "vigil_build_info") {
		t.Errorf("/metrics on the public listener: %d %.200q", code, body)
	}
	if code, _ := get(m[1] + "/healthz"); code != 404 {
		t.Errorf("the metrics address serves more than /metrics: /healthz %d", code)
	}
	if code, _ := get("http://" + addr + "/healthz"); code != 200 {
		t.Errorf("/healthz on the public listener: %d", code)
	}
}
