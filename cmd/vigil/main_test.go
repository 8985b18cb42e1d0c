package main

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/vigilcp/vigil/internal/password"
	"github.com/vigilcp/vigil/internal/sqlstore"
	"github.com/vigilcp/vigil/internal/vigil"
	"github.com/vigilcp/vigil/internal/vigiltest"
)

// vigilBin is the command built once for the tests that run it as a
// separate process (signals, two instances, file permissions).
var vigilBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "vigil-cmd-test")
	if err != nil {
		panic(err)
	}
	os.Chmod(dir, 0o755) // the read-only test runs it as another user
	vigilBin = filepath.Join(dir, "vigil")
	if out, err := exec.Command("go", "build", "-o", vigilBin, ".").CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "building vigil: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// runVigil runs a command line in-process and returns its exit status and
// output.
func runVigil(t *testing.T, stdin string, envs map[string]string, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	e := &env{stdin: strings.NewReader(stdin), stdout: &stdout, stderr: &stderr,
		getenv: func(k string) string { return envs[k] }}
	code := run(context.Background(), args, e)
	return code, stdout.String(), stderr.String()
}

func TestUsageAndVersion(t *testing.T) {
	cases := []struct {
		args   []string
		code   int
		stdout string
		stderr string
	}{
		{[]string{"version"}, 0, "vigil ", ""},
		{[]string{"--help"}, 0, "Commands:", ""},
		{nil, 2, "Commands:", ""},
		{[]string{"frobnicate"}, 2, "", `vigil: unknown command "frobnicate" (see vigil --help)`},
		{[]string{"serve", "--nope"}, 2, "", "vigil serve: flag provided but not defined: -nope (see vigil serve --help)"},
		{[]string{"serve", "--help"}, 0, "Usage: vigil serve", ""},
		{[]string{"demo", "--scale", "galactic"}, 2, "", `scale must be small, force or national`},
		{[]string{"demo", "--as-of", "yesterday"}, 2, "", "--as-of must be a date"},
		{[]string{"migrate", "sideways"}, 2, "", `unexpected argument "sideways"`},
		{[]string{"user"}, 2, "", "say what to do"},
		{[]string{"user", "add"}, 2, "", "give one username"},
		{[]string{"backup"}, 2, "", "give --out FILE"},
		{[]string{"serve", "--db", "postgres://vigil:hunter2@db.example/vigil"}, 2, "", "--db must not carry a password"},
		{[]string{"serve", "--trusted-proxy", "not-an-ip"}, 2, "", `"not-an-ip" is not an address`},
		{[]string{"serve", "--log-level", "loud"}, 2, "", "--log-level must be"},
	}
	for _, tc := range cases {
		code, out, errOut := runVigil(t, "", nil, tc.args...)
		if code != tc.code || !strings.Contains(out, tc.stdout) || !strings.Contains(errOut, tc.stderr) {
			t.Errorf("vigil %v: exit %d, stdout %q, stderr %q; want %d, %q, %q", tc.args, code, out, errOut, tc.code, tc.stdout, tc.stderr)
		}
		if strings.Count(errOut, "\n") > 1 {
			t.Errorf("vigil %v: more than one line on stderr: %q", tc.args, errOut)
		}
	}
}

func TestBadDatabases(t *testing.T) {
	dir := t.TempDir()
	notDB := filepath.Join(dir, "notes.txt")
	os.WriteFile(notDB, []byte("these are not the records you are looking for, just text padding it out past a header"), 0o600)
	cases := []struct {
		db, want string
	}{
		{"mysql://localhost/vigil", "must start with sqlite: or postgres://"},
		{"postgres://localhost:99999/x", "not a valid PostgreSQL URL"},
		{"sqlite:", "names no file"},
		{"sqlite:" + filepath.Join(dir, "missing", "vigil.db"), "does not exist"},
		{"sqlite:" + notDB, "not a Vigil database"},
		{"sqlite:" + dir, "is a folder"},
		{"postgres://vigil@127.0.0.1:1/vigil?connect_timeout=2", "cannot reach PostgreSQL"},
	}
	for _, tc := range cases {
		code, _, errOut := runVigil(t, "", nil, "migrate", "--db", tc.db)
		if code != 1 && code != 2 || !strings.Contains(errOut, tc.want) || strings.Count(errOut, "\n") != 1 ||
			strings.Contains(errOut, "goroutine") {
			t.Errorf("--db %s: exit %d, stderr %q; want one line containing %q", tc.db, code, errOut, tc.want)
		}
	}
}

func TestReadOnlyDatabaseFile(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "vigil.db")
	if code, _, errOut := runVigil(t, "", nil, "migrate", "--db", "sqlite:"+db); code != 0 {
		t.Fatal(errOut)
	}
	os.Chmod(db, 0o444)
	os.Chmod(dir, 0o555)
	defer os.Chmod(dir, 0o755)
	cmd := exec.Command(vigilBin, "serve", "--db", "sqlite:"+db, "--addr", "127.0.0.1:0")
	if os.Geteuid() == 0 {
		// root writes anywhere: run as nobody to see what a real user sees.
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
		os.Chmod(filepath.Dir(dir), 0o755)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err := cmd.Run()
	code := cmd.ProcessState.ExitCode()
	if err == nil || code != 1 {
		t.Fatalf("serve on a read-only file: exit %d (%v); stderr %q", code, err, stderr.String())
	}
	msg := stderr.String()
	if !strings.Contains(msg, "read-only") && !strings.Contains(msg, "cannot be opened") || strings.Count(msg, "\n") != 1 {
		t.Errorf("stderr %q: want one line saying the file is read-only", msg)
	}
}

func TestPortInUse(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	code, _, errOut := runVigil(t, "", nil, "serve", "--db", "sqlite:"+filepath.Join(t.TempDir(), "v.db"), "--addr", ln.Addr().String())
	if code != 1 || !strings.Contains(errOut, "already in use") || strings.Count(errOut, "\n") != 1 {
		t.Errorf("port in use: exit %d, stderr %q", code, errOut)
	}
}

func TestDemoUsersBackupRestore(t *testing.T) {
	dir := t.TempDir()
	db := "sqlite:" + filepath.Join(dir, "vigil.db")
	envs := map[string]string{"VIGIL_DB": db}
	code, out, errOut := runVigil(t, "", envs, "demo", "--seed", "5", "--as-of", "2026-06-01")
	if code != 0 || !strings.Contains(out, "Loaded Kingsmoor Police (small scale, seed 5)") || !strings.Contains(out, "control.manager") {
		t.Fatalf("demo: %d %q %q", code, out, errOut)
	}
	if code, _, errOut := runVigil(t, "", envs, "demo"); code != 1 || !strings.Contains(errOut, "already holds a force") {
		t.Errorf("second demo: %d %q", code, errOut)
	}
	if code, out, _ := runVigil(t, "", envs, "migrate", "status"); code != 0 || !strings.Contains(out, "00001_foundation.sql") || strings.Contains(out, "pending") {
		t.Errorf("migrate status: %d %q", code, out)
	}
	code, out, errOut = runVigil(t, "a very long password indeed\n", envs, "user", "add", "j.bloggs", "--role", "call_handler", "--scope", "force")
	if code != 0 || !strings.Contains(out, "Added user j.bloggs") {
		t.Fatalf("user add: %d %q %q", code, out, errOut)
	}
	if code, _, errOut := runVigil(t, "short\n", envs, "user", "add", "k.bloggs", "--role", "auditor"); code != 1 || !strings.Contains(errOut, "at least 12 characters") {
		t.Errorf("user add with a short password: %d %q", code, errOut)
	}
	code, out, _ = runVigil(t, "", envs, "user", "set-password", "auditor", "--generate")
	if code != 0 || !strings.Contains(out, "Password (shown once): ") {
		t.Fatalf("set-password --generate: %d %q", code, out)
	}
	if code, _, errOut := runVigil(t, "", envs, "user", "disable", "nobody"); code != 1 || !strings.Contains(errOut, `no user called "nobody"`) {
		t.Errorf("disable unknown: %d %q", code, errOut)
	}
	if code, _, _ := runVigil(t, "", envs, "user", "disable", "j.bloggs"); code != 0 {
		t.Error("disable failed")
	}
	code, out, _ = runVigil(t, "", envs, "user", "list")
	if code != 0 || !regexpMatch(`j\.bloggs\s+j\.bloggs\s+call_handler\s+force\s+yes\s+no\s+disabled`, out) ||
		!regexpMatch(`auditor\s+.+\s+auditor\s+force\s+yes\s+no\s+active`, out) {
		t.Errorf("user list: %q", out)
	}
	if code, _, errOut := runVigil(t, "", envs, "user", "list", "--as", "ghost"); code != 1 || !strings.Contains(errOut, "--as ghost") {
		t.Errorf("--as an unknown user: %d %q", code, errOut)
	}
	backup := filepath.Join(dir, "backup.db")
	if code, _, errOut := runVigil(t, "", envs, "backup", "--out", backup); code != 0 {
		t.Fatalf("backup: %q", errOut)
	}
	restored := "sqlite:" + filepath.Join(dir, "restored.db")
	if code, _, errOut := runVigil(t, "", nil, "restore", "--db", restored, "--from", backup); code != 0 {
		t.Fatalf("restore: %q", errOut)
	}
	code, out, _ = runVigil(t, "", map[string]string{"VIGIL_DB": restored}, "user", "list")
	if code != 0 || !strings.Contains(out, "j.bloggs") {
		t.Errorf("the restored database lacks the user added before the backup: %q", out)
	}
}

func regexpMatch(pattern, s string) bool {
	return regexp.MustCompile(pattern).MatchString(s)
}

// startServe runs vigil serve as a process and waits until it prints its
// address.
func startServe(t *testing.T, db string, args ...string) (*exec.Cmd, string, *bytes.Buffer) {
	t.Helper()
	cmd := exec.Command(vigilBin, append([]string{"serve", "--addr", "127.0.0.1:0", "--log-level", "warn"}, args...)...)
	cmd.Env = append(os.Environ(), "VIGIL_DB="+db)
	stdout, _ := cmd.StdoutPipe()
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if a, ok := strings.CutPrefix(sc.Text(), "Vigil is serving at http://"); ok {
				addr <- strings.Fields(a)[0]
			}
		}
		close(addr)
	}()
	select {
	case a, ok := <-addr:
		if !ok {
			cmd.Wait()
			t.Fatalf("vigil serve exited before serving: %s", stderr.String())
		}
		go io.Copy(io.Discard, stdout)
		return cmd, a, &stderr
	case <-time.After(60 * time.Second):
		t.Fatalf("vigil serve did not start: %s", stderr.String())
	}
	return nil, "", nil
}

// TestGracefulShutdown sends SIGTERM while requests are in flight, among
// them one whose body is still arriving: each request in flight gets its
// whole response, new connections are refused, and the exit status is 0.
func TestGracefulShutdown(t *testing.T) {
	cmd, addr, stderr := startServe(t, "sqlite:"+filepath.Join(t.TempDir(), "v.db"), "--demo")
	base := "http://" + addr

	// A request whose body arrives slowly: it is in flight at SIGTERM.
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	body := "username=auditor&password=not+the+right+one"
	fmt.Fprintf(conn, "POST /sign-in HTTP/1.1\r\nHost: %s\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: %d\r\n\r\n%s",
		addr, len(body), body[:10])

	// A stream of requests on other connections.
	var ok, failed atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 10 * time.Second}
			for {
				select {
				case <-stop:
					return
				default:
				}
				resp, err := client.Get(base + "/healthz")
				if err != nil {
					failed.Add(1) // refused once shutdown began: expected
					continue
				}
				b, err := io.ReadAll(resp.Body)
				resp.Body.Close()
				if err != nil || string(b) != "ok\n" {
					t.Errorf("a request was cut off: %q %v", b, err)
				}
				ok.Add(1)
			}
		}()
	}
	for ok.Load() < 50 {
		time.Sleep(5 * time.Millisecond)
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond) // shutdown has begun; the slow request is still in flight
	conn.Write([]byte(body[10:]))
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("the in-flight request got no response: %v", err)
	}
	page, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusUnauthorized || !bytes.Contains(page, []byte("</html>")) {
		t.Errorf("the in-flight request: %s, %d bytes", resp.Status, len(page))
	}
	close(stop)
	wg.Wait()
	err = cmd.Wait()
	if code := cmd.ProcessState.ExitCode(); err != nil || code != 0 {
		t.Fatalf("exit %d (%v); stderr: %s", code, err, stderr.String())
	}
	if ok.Load() < 50 {
		t.Errorf("only %d requests succeeded", ok.Load())
	}
}

// TestTwoInstancesStartTogether starts two servers at the same moment on
// one empty PostgreSQL database: both come up and each migration is
// applied once.
func TestTwoInstancesStartTogether(t *testing.T) {
	db := vigiltest.NewURL(t, sqlstore.Postgres)
	var wg sync.WaitGroup
	addrs := make([]string, 2)
	for i := range addrs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, addrs[i], _ = startServe(t, db)
		}()
	}
	wg.Wait()
	for _, a := range addrs {
		resp, err := http.Get("http://" + a + "/readyz")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || string(b) != "ready\n" {
			t.Errorf("instance at %s: %s %q", a, resp.Status, b)
		}
	}
	sdb, err := sql.Open("pgx", db)
	if err != nil {
		t.Fatal(err)
	}
	defer sdb.Close()
	var rows, distinct int
	sdb.QueryRow("SELECT count(*), count(DISTINCT version_id) FROM goose_db_version WHERE version_id > 0").Scan(&rows, &distinct)
	if rows != distinct || rows == 0 {
		t.Errorf("%d migration records for %d migrations", rows, distinct)
	}
}

func TestTokenCommands(t *testing.T) {
	envs := map[string]string{"VIGIL_DB": "sqlite:" + filepath.Join(t.TempDir(), "vigil.db")}
	if code, _, errOut := runVigil(t, "", envs, "demo"); code != 0 {
		t.Fatal(errOut)
	}
	code, out, errOut := runVigil(t, "", envs, "token", "create", "--user", "auditor", "--expires", "30d", "--name", "reports")
	if code != 0 || !regexp.MustCompile(`\nvgl_[A-Za-z0-9_-]{43}\n$`).MatchString(out) {
		t.Fatalf("token create: %d %q %q", code, out, errOut)
	}
	if code, _, errOut := runVigil(t, "", envs, "token", "create", "--user", "auditor", "--expires", "soon"); code != 2 || !strings.Contains(errOut, "90d") {
		t.Errorf("a bad expiry: %d %q", code, errOut)
	}
	code, out, _ = runVigil(t, "", envs, "token", "list")
	if code != 0 || !regexp.MustCompile(`1\s+auditor\s+reports\s+.*active`).MatchString(out) {
		t.Fatalf("token list: %q", out)
	}
	if code, _, _ := runVigil(t, "", envs, "token", "revoke", "1"); code != 0 {
		t.Fatal("revoke failed")
	}
	if _, out, _ := runVigil(t, "", envs, "token", "list"); !strings.Contains(out, "revoked") {
		t.Errorf("after revoking: %q", out)
	}
}

// TestReadOnlyTokens: token create --read-only makes a token that reads,
// lists and searches, and is refused anything else (403, logged) where a
// full token of the same user is not; --expires never is refused, and no
// token lasts longer than 365 days.
func TestReadOnlyTokens(t *testing.T) {
	file := filepath.Join(t.TempDir(), "vigil.db")
	envs := map[string]string{"VIGIL_DB": "sqlite:" + file}
	if code, _, errOut := runVigil(t, "", envs, "demo"); code != 0 {
		t.Fatal(errOut)
	}
	for _, expires := range []string{"never", "366d", "8761h", "0d", "-5d"} {
		code, out, errOut := runVigil(t, "", envs, "token", "create", "--user", "admin", "--expires", expires)
		if code != 2 || !strings.Contains(errOut, "365 days") || strings.Contains(out, "vgl_") {
			t.Errorf("--expires %s: exit %d, %q %q; want a usage error naming the 365-day limit", expires, code, out, errOut)
		}
	}
	tokenOf := func(days int, args ...string) string {
		t.Helper()
		code, out, errOut := runVigil(t, "", envs, append([]string{"token", "create", "--user", "admin"}, args...)...)
		m := regexp.MustCompile(`\(expires (\d{4}-\d\d-\d\d) [^)]*\)[^\n]*\n(vgl_[A-Za-z0-9_-]{43})\n$`).FindStringSubmatch(out)
		if code != 0 || m == nil {
			t.Fatalf("token create %v: %d %q %q", args, code, out, errOut)
		}
		exp, _ := time.Parse("2006-01-02", m[1])
		if d := time.Until(exp); d < time.Duration(days-2)*24*time.Hour || d > time.Duration(days+1)*24*time.Hour {
			t.Errorf("token create %v expires %s, want %d days from now", args, m[1], days)
		}
		return m[2]
	}
	readOnly := tokenOf(365, "--read-only", "--expires", "365d", "--name", "dashboard")
	full := tokenOf(90, "--name", "provisioning") // the default expiry
	code, out, _ := runVigil(t, "", envs, "token", "list")
	if code != 0 || !regexp.MustCompile(`1\s+admin\s+dashboard\s+.*\s+read-only\s+active`).MatchString(out) ||
		!regexp.MustCompile(`2\s+admin\s+provisioning\s+.*\s+full\s+active`).MatchString(out) {
		t.Errorf("token list: %q", out)
	}

	_, addr, _ := startServe(t, envs["VIGIL_DB"])
	call := func(token, method, path, body string) int {
		t.Helper()
		req, _ := http.NewRequest(method, "http://"+addr+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+token)
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode
	}
	for _, path := range []string{"/api/v1/me", "/api/v1/children", "/api/v1/users", "/api/v1/people?q=smith", "/api/v1/access-log"} {
		if got := call(readOnly, "GET", path, ""); got != 200 {
			t.Errorf("read-only GET %s: %d, want 200", path, got)
		}
	}
	team := `{"name":"Rogue team","code":"ROGUE","kind":"response"}`
	if got := call(readOnly, "POST", "/api/v1/teams", team); got != 403 {
		t.Errorf("read-only POST /api/v1/teams: %d, want 403", got)
	}
	if got := call(readOnly, "PUT", "/api/v1/users/2/access", `{"roles":["auditor"],"scope":"force","version":1}`); got != 403 {
		t.Errorf("read-only PUT /api/v1/users/2/access: %d, want 403", got)
	}
	if got := call(full, "POST", "/api/v1/teams", team); got != 201 {
		t.Errorf("full POST /api/v1/teams: %d, want 201", got)
	}

	// The refusals are in the access log, as the token's user.
	db, err := sqlstore.Open(context.Background(), envs["VIGIL_DB"], sqlstore.Options{Hasher: password.Hasher{Params: password.Cheap}})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	sys, err := db.SystemPrincipal(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	page, err := sqlstore.NewAccessLogService(db).AccessLog(vigil.WithPrincipal(context.Background(), sys),
		vigil.AccessLogFilter{Action: vigil.ActionCreate, PageRequest: vigil.PageRequest{Limit: 5}})
	if err != nil {
		t.Fatal(err)
	}
	var denied, ok int
	for _, e := range page.Items {
		switch {
		case e.Username != "admin" || e.Via != "token":
		case e.RecordKind == vigil.KindOrganisation && e.Outcome == vigil.OutcomeDenied:
			denied++
		case e.RecordKind == vigil.KindTeam && e.Outcome == vigil.OutcomeOK:
			ok++
		}
	}
	if denied != 1 || ok != 1 {
		t.Errorf("access log of the team creations: %d refused and %d done, want 1 and 1: %+v", denied, ok, page.Items)
	}
}

// TestUserSetEmail: user set-email changes the email of an account's
// person, by which single sign-on finds the account; like set-password,
// it is refused to someone (--as) who does not hold all of the account's
// permissions, and bad input changes nothing.
func TestUserSetEmail(t *testing.T) {
	envs := map[string]string{"VIGIL_DB": "sqlite:" + filepath.Join(t.TempDir(), "vigil.db")}
	if code, _, errOut := runVigil(t, "", envs, "demo"); code != 0 {
		t.Fatal(errOut)
	}
	code, out, errOut := runVigil(t, "", envs, "user", "set-email", "auditor", "Auditor.New@kingsmoor.police.example")
	if code != 0 || !strings.Contains(out, "auditor.new@kingsmoor.police.example") && !strings.Contains(out, "Auditor.New@kingsmoor.police.example") {
		t.Fatalf("set-email: %d %q %q", code, out, errOut)
	}
	for _, tc := range []struct {
		args   []string
		code   int
		stderr string
	}{
		{[]string{"user", "set-email", "auditor", "not-an-address"}, 1, "Enter an email address in the correct format"},
		{[]string{"user", "set-email", "nobody.here", "x@kingsmoor.police.example"}, 1, `no user called "nobody.here"`},
		{[]string{"user", "set-email", "auditor"}, 2, "give a username and an email address"},
	} {
		code, _, errOut := runVigil(t, "", envs, tc.args...)
		if code != tc.code || !strings.Contains(errOut, tc.stderr) {
			t.Errorf("vigil %v: %d %q; want %d with %q", tc.args, code, errOut, tc.code, tc.stderr)
		}
	}
	if code, _, errOut := runVigil(t, "a very long password indeed\n", envs, "user", "add", "only.admin", "--role", "administrator",
		"--scope", "force"); code != 0 {
		t.Fatal(errOut)
	}
	for _, args := range [][]string{{"user", "set-email", "auditor", "rogue@attacker.example"},
		{"user", "set-password", "auditor", "--generate"}, {"user", "reset-second-factor", "auditor"},
		{"token", "create", "--user", "auditor"}} {
		code, out, errOut := runVigil(t, "", envs, append(args, "--as", "only.admin")...)
		if code != 1 || !strings.Contains(errOut, "nobody may take over an account they could not have created") || out != "" {
			t.Errorf("vigil %v --as only.admin: %d %q %q; want refused", args, code, out, errOut)
		}
	}
	db, err := sqlstore.Open(context.Background(), envs["VIGIL_DB"], sqlstore.Options{Hasher: password.Hasher{Params: password.Cheap}})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	sys, _ := db.SystemPrincipal(context.Background())
	ctx := vigil.WithPrincipal(context.Background(), sys)
	u, err := sqlstore.NewUserService(db).UserByUsername(ctx, "auditor")
	if err != nil {
		t.Fatal(err)
	}
	p, err := sqlstore.NewOrgService(db).Person(ctx, u.PersonID)
	if err != nil || !strings.EqualFold(p.Email, "auditor.new@kingsmoor.police.example") {
		t.Errorf("the auditor's email is %q, %v", p.Email, err)
	}
}

func TestLanguageCommands(t *testing.T) {
	code, out, errOut := runVigil(t, "She appears deliberately missing and was putting herself at risk.\n", nil, "language", "check")
	if code != 1 || strings.Count(out, "\n") != 2 || !strings.Contains(out, "-:1:13: deliberately missing — ") ||
		!strings.Contains(out, "; try: ") || errOut != "" {
		t.Errorf("flagged text: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	if code, out, _ := runVigil(t, "She was reported missing at 22:00 and is at risk of exploitation.\n", nil, "language", "check"); code != 0 || out != "" {
		t.Errorf("recommended wording: exit %d, %q", code, out)
	}
	dir := t.TempDir()
	notes := filepath.Join(dir, "notes.txt")
	os.WriteFile(notes, []byte("Seen at 9pm.\nShe is a frequent flyer and\nmissing through choice.\n"), 0o600)
	code, out, _ = runVigil(t, "", nil, "language", "check", "--format", "json", notes)
	if code != 1 || !strings.Contains(out, `"file": "`+notes+`"`) || !strings.Contains(out, `"line": 3`) {
		t.Errorf("json: exit %d, %q", code, out)
	}
	if code, _, errOut := runVigil(t, "", nil, "language", "check", filepath.Join(dir, "absent.txt")); code != 2 || !strings.Contains(errOut, "cannot read") {
		t.Errorf("a missing file: exit %d, %q", code, errOut)
	}
	if code, _, _ := runVigil(t, "", nil, "language", "check", "--format", "yaml"); code != 2 {
		t.Errorf("a bad format: exit %d", code)
	}
	// A force's own entry, from an overrides file.
	over := filepath.Join(dir, "overrides.json")
	os.WriteFile(over, []byte(`{"sources": [{"id": "kmp", "title": "Kingsmoor guide", "publisher": "Kingsmoor Police", "url": "https://kingsmoor.police.example/"}],
		"add": [{"id": "kmp-frequent-flyer", "category": "trivialises", "patterns": ["frequent (flyer|flier)"], "why": "It makes the child sound a nuisance.",
		"alternatives": ["child who has been missing several times"], "sources": ["kmp"]}]}`), 0o600)
	code, out, _ = runVigil(t, "", nil, "language", "check", "--lexicon-overrides", over, notes)
	if code != 1 || !strings.Contains(out, ":2:10: frequent flyer — ") {
		t.Errorf("with the force's entry: exit %d, %q", code, out)
	}
	// Scan a demo database.
	envs := map[string]string{"VIGIL_DB": "sqlite:" + filepath.Join(dir, "vigil.db")}
	if code, _, errOut := runVigil(t, "", envs, "demo"); code != 0 {
		t.Fatal(errOut)
	}
	code, out, errOut = runVigil(t, "", envs, "language", "scan")
	if code != 0 || !regexp.MustCompile(`Rechecked \d+ stored free-text fields`).MatchString(out) || !strings.Contains(errOut, "shares.purpose") {
		t.Errorf("scan: exit %d, %q, %q", code, out, errOut)
	}
}
