package main

import (
	"bufio"
	"bytes"
	"database/sql"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/vigilcp/vigil/internal/vigil"
)

// keygen makes a checkpoint key and returns it and its public half.
func keygen(t *testing.T) (string, string) {
	t.Helper()
	code, out, errOut := runVigil(t, "", nil, "accesslog", "keygen")
	m := regexp.MustCompile(`VIGIL_ACCESSLOG_KEY=(\S+)\npublic key: (\S+)`).FindStringSubmatch(out)
	if code != 0 || m == nil {
		t.Fatalf("keygen: %d %q %q", code, out, errOut)
	}
	return m[1], m[2]
}

// checkpointLines counts the lines of a checkpoint file.
func checkpointLines(t *testing.T, path string) int {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return bytes.Count(b, []byte("\n"))
}

// TestAccessLogCommands: a key, checkpoints, and verify catching a one-byte
// change made directly in the database, naming the entry.
func TestAccessLogCommands(t *testing.T) {
	dir := t.TempDir()
	dbFile := filepath.Join(dir, "vigil.db")
	key, pub := keygen(t)
	envs := map[string]string{"VIGIL_DB": "sqlite:" + dbFile, "VIGIL_ACCESSLOG_KEY": key,
		"VIGIL_ACCESSLOG_CHECKPOINTS": filepath.Join(dir, "checkpoints.jsonl")}
	// Without the key in its environment a command writes no checkpoint.
	noKey := map[string]string{"VIGIL_DB": envs["VIGIL_DB"]}
	if code, _, errOut := runVigil(t, "", noKey, "demo"); code != 0 {
		t.Fatal(errOut)
	}
	for range 3 {
		runVigil(t, "", noKey, "user", "list", "--as", "auditor")
	}
	if code, out, errOut := runVigil(t, "", envs, "accesslog", "checkpoint"); code != 0 || !strings.Contains(out, "Checkpoint of entry") {
		t.Fatalf("checkpoint: %d %q %q", code, out, errOut)
	}
	if code, out, errOut := runVigil(t, "", envs, "accesslog", "checkpoint"); code != 0 || !strings.Contains(out, "nothing written") {
		t.Errorf("a second checkpoint of the same head: %d %q %q", code, out, errOut)
	}
	code, out, errOut := runVigil(t, "", envs, "accesslog", "verify")
	if code != 0 || !strings.Contains(out, "The access log is intact") || !strings.Contains(out, "1 of 1 checkpoints matched") ||
		!strings.Contains(out, "Every entry is covered by the newest checkpoint") {
		t.Fatalf("verify: %d %q %q", code, out, errOut)
	}
	// Verifying with only the public key works too.
	pubOnly := map[string]string{"VIGIL_DB": envs["VIGIL_DB"], "VIGIL_ACCESSLOG_CHECKPOINTS": envs["VIGIL_ACCESSLOG_CHECKPOINTS"]}
	if code, _, errOut := runVigil(t, "", pubOnly, "accesslog", "verify", "--public-key", pub); code != 0 {
		t.Fatalf("verify with the public key: %q", errOut)
	}
	raw, err := sql.Open("sqlite", "file:"+dbFile)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	for _, s := range []string{"DROP TRIGGER access_log_no_update", "UPDATE access_log SET username = 'auditor2' WHERE seq = 3"} {
		if _, err := raw.Exec(s); err != nil {
			t.Fatal(err)
		}
	}
	code, _, errOut = runVigil(t, "", envs, "accesslog", "verify")
	if code != 1 || !strings.Contains(errOut, "entry 3 has been altered") {
		t.Errorf("verify after tampering: exit %d, %q", code, errOut)
	}
	// A forged checkpoint line is refused.
	os.WriteFile(envs["VIGIL_ACCESSLOG_CHECKPOINTS"], []byte(`{"seq":1,"hash":"x","at":"2026-01-01T00:00:00Z","sig":"AAAA"}`+"\n"), 0o600)
	if code, _, errOut := runVigil(t, "", envs, "accesslog", "verify"); code != 1 || !strings.Contains(errOut, "bad signature") {
		t.Errorf("verify with a forged checkpoint: %d %q", code, errOut)
	}
}

// TestCommandsCheckpointWhatTheyLog: with a key set, each command that
// appends to the access log writes a checkpoint when it ends, and one
// that appends nothing writes none.
func TestCommandsCheckpointWhatTheyLog(t *testing.T) {
	dir := t.TempDir()
	key, _ := keygen(t)
	file := filepath.Join(dir, "checkpoints.jsonl")
	envs := map[string]string{"VIGIL_DB": "sqlite:" + filepath.Join(dir, "vigil.db"), "VIGIL_ACCESSLOG_KEY": key,
		"VIGIL_ACCESSLOG_CHECKPOINTS": file}
	if code, _, errOut := runVigil(t, "", envs, "demo"); code != 0 {
		t.Fatal(errOut)
	}
	if n := checkpointLines(t, file); n != 1 {
		t.Fatalf("after demo: %d checkpoints, want 1", n)
	}
	steps := []struct {
		args []string
		want int
	}{
		{[]string{"user", "list", "--as", "auditor"}, 2}, // a list of accounts is logged
		{[]string{"user", "disable", "nobody"}, 2},       // refused before anything is logged
		{[]string{"accesslog", "verify"}, 2},             // reads only
		{[]string{"migrate", "status"}, 2},
		{[]string{"backup", "--out", filepath.Join(dir, "backup.db")}, 2},
		{[]string{"token", "create", "--user", "auditor", "--expires", "30d"}, 3},
	}
	for _, s := range steps {
		code, out, errOut := runVigil(t, "", envs, s.args...)
		if n := checkpointLines(t, file); n != s.want {
			t.Errorf("after %v (exit %d, %q %q): %d checkpoints, want %d", s.args, code, out, errOut, n, s.want)
		}
	}
	code, out, errOut := runVigil(t, "", envs, "accesslog", "verify")
	if code != 0 || !strings.Contains(out, "3 of 3 checkpoints matched") || !strings.Contains(out, "Every entry is covered") {
		t.Errorf("verify: %d %q %q", code, out, errOut)
	}
	// A key but nowhere to write: said, and the command still succeeds.
	noFile := map[string]string{"VIGIL_DB": envs["VIGIL_DB"], "VIGIL_ACCESSLOG_KEY": key}
	code, _, errOut = runVigil(t, "", noFile, "user", "list", "--as", "auditor")
	if code != 0 || !strings.Contains(errOut, "VIGIL_ACCESSLOG_CHECKPOINTS is not") {
		t.Errorf("with a key and no checkpoint file: %d %q", code, errOut)
	}
}

// TestVerifyNamesTheUncoveredTail: entries after the newest checkpoint
// pass the chain even when rewritten, so verify reports them and fails
// once they have gone uncovered for twice the checkpoint interval; with
// no checkpoints at all it fails and says so.
func TestVerifyNamesTheUncoveredTail(t *testing.T) {
	dir := t.TempDir()
	dbFile := filepath.Join(dir, "vigil.db")
	key, _ := keygen(t)
	envs := map[string]string{"VIGIL_DB": "sqlite:" + dbFile, "VIGIL_ACCESSLOG_KEY": key,
		"VIGIL_ACCESSLOG_CHECKPOINTS": filepath.Join(dir, "checkpoints.jsonl")}
	if code, _, errOut := runVigil(t, "", envs, "demo"); code != 0 {
		t.Fatal(errOut)
	}
	code, out, errOut := runVigil(t, "", map[string]string{"VIGIL_DB": envs["VIGIL_DB"]}, "accesslog", "verify")
	if code != 1 || !strings.Contains(out, "The access log is intact") || !strings.Contains(errOut, "no checkpoints are configured") {
		t.Errorf("verify without checkpoints: %d %q %q", code, out, errOut)
	}
	// Three commands run without the key: their entries are uncovered.
	for range 3 {
		runVigil(t, "", map[string]string{"VIGIL_DB": envs["VIGIL_DB"]}, "user", "list", "--as", "auditor")
	}
	// Rewritten, hashes and all, as someone with the database could.
	raw, err := sql.Open("sqlite", "file:"+dbFile)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	if _, err := raw.Exec("DROP TRIGGER access_log_no_update"); err != nil {
		t.Fatal(err)
	}
	var head int64
	raw.QueryRow("SELECT seq FROM access_log_head").Scan(&head)
	rewriteLast(t, raw, head)
	code, out, errOut = runVigil(t, "", envs, "accesslog", "verify", "--checkpoint-every", "1h")
	if code != 0 || !strings.Contains(out, "3 entries after the newest checkpoint") {
		t.Errorf("a fresh tail: %d %q %q", code, out, errOut)
	}
	code, out, errOut = runVigil(t, "", envs, "accesslog", "verify", "--checkpoint-every", "1ms")
	if code != 1 || !strings.Contains(out, "3 entries after the newest checkpoint") ||
		!regexp.MustCompile(`the newest 3 entries \(from entry \d+, written .* ago\) are covered by no checkpoint`).MatchString(errOut) {
		t.Errorf("a tail older than twice the interval: %d %q %q", code, out, errOut)
	}
}

// rewriteLast changes the last entry's reason and recomputes its hash and
// the head's, as a careful tamperer would.
func rewriteLast(t *testing.T, raw *sql.DB, seq int64) {
	t.Helper()
	if _, err := raw.Exec("UPDATE access_log SET reason = 'nothing to see' WHERE seq = $1", seq); err != nil {
		t.Fatal(err)
	}
	e := readEntry(t, raw, seq)
	h := e.ComputeHash()
	if _, err := raw.Exec("UPDATE access_log SET hash = $1 WHERE seq = $2", h, seq); err != nil {
		t.Fatal(err)
	}
	if _, err := raw.Exec("UPDATE access_log_head SET hash = $1", h); err != nil {
		t.Fatal(err)
	}
}

// readEntry reads one entry straight from a SQLite database.
func readEntry(t *testing.T, raw *sql.DB, seq int64) vigil.AccessEntry {
	t.Helper()
	var e vigil.AccessEntry
	var at, ids string
	var uid, team sql.NullInt64
	if err := raw.QueryRow(`SELECT seq, at, user_id, username, via, client, request_id, action, record_kind, record_ids,
		purpose, reason, outcome, team_id, prev_hash FROM access_log WHERE seq = $1`, seq).Scan(&e.Seq, &at, &uid, &e.Username, &e.Via,
		&e.Client, &e.RequestID, &e.Action, &e.RecordKind, &ids, &e.Purpose, &e.Reason, &e.Outcome, &team, &e.PrevHash); err != nil {
		t.Fatal(err)
	}
	var err error
	if e.At, err = time.Parse("2006-01-02T15:04:05.000Z", at); err != nil {
		t.Fatal(err)
	}
	e.UserID, e.TeamID = uid.Int64, team.Int64
	if e.RecordIDs, err = vigil.ParseIDs(ids); err != nil {
		t.Fatal(err)
	}
	return e
}

// startServeEnv runs vigil serve as a process with extra environment and
// waits until it prints its address.
func startServeEnv(t *testing.T, env []string, args ...string) (*exec.Cmd, string, *bytes.Buffer, *bytes.Buffer) {
	t.Helper()
	cmd := exec.Command(vigilBin, append([]string{"serve", "--addr", "127.0.0.1:0", "--log-level", "warn"}, args...)...)
	cmd.Env = append(os.Environ(), env...)
	stdout, _ := cmd.StdoutPipe()
	var out, stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			out.WriteString(sc.Text() + "\n")
			if a, ok := strings.CutPrefix(sc.Text(), "Vigil is serving at http://"); ok {
				addr <- strings.Fields(a)[0]
				break
			}
		}
		io.Copy(io.Discard, stdout)
		close(addr)
	}()
	select {
	case a, ok := <-addr:
		if !ok {
			cmd.Wait()
			t.Fatalf("vigil serve exited before serving: %s", stderr.String())
		}
		return cmd, a, &out, &stderr
	case <-time.After(60 * time.Second):
		t.Fatalf("vigil serve did not start: %s", stderr.String())
	}
	return nil, "", nil, nil
}

// stop sends SIGTERM and waits for a clean exit.
func stop(t *testing.T, cmd *exec.Cmd, stderr *bytes.Buffer) {
	t.Helper()
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("vigil serve: %v; %s", err, stderr.String())
	}
}

// TestServeCheckpointsAtStop: a server stopped gracefully checkpoints what
// it logged since its last interval, and a server started and stopped
// again with nothing new writes no second checkpoint of the same head.
func TestServeCheckpointsAtStop(t *testing.T) {
	dir := t.TempDir()
	key, _ := keygen(t)
	file := filepath.Join(dir, "checkpoints.jsonl")
	env := []string{"VIGIL_DB=sqlite:" + filepath.Join(dir, "vigil.db"), "VIGIL_ACCESSLOG_KEY=" + key}
	cmd, addr, _, stderr := startServeEnv(t, env, "--checkpoints", file, "--checkpoint-every", "1h")
	for range 2 { // failed sign-ins are logged
		resp, err := http.PostForm("http://"+addr+"/sign-in", url.Values{"username": {"someone"}, "password": {"not the password at all"}})
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	stop(t, cmd, stderr)
	envs := map[string]string{"VIGIL_DB": "sqlite:" + filepath.Join(dir, "vigil.db"), "VIGIL_ACCESSLOG_KEY": key,
		"VIGIL_ACCESSLOG_CHECKPOINTS": file}
	code, out, errOut := runVigil(t, "", envs, "accesslog", "verify")
	if code != 0 || !strings.Contains(out, "1 of 1 checkpoints matched") || !strings.Contains(out, "Every entry is covered") {
		t.Fatalf("after a graceful stop: %d %q %q", code, out, errOut)
	}
	cmd, _, _, stderr = startServeEnv(t, env, "--checkpoints", file, "--checkpoint-every", "1h")
	stop(t, cmd, stderr)
	if n := checkpointLines(t, file); n != 1 {
		t.Errorf("a restart with nothing new wrote %d checkpoints, want 1", n)
	}
}

// TestKeyFileMustBePrivate: Vigil does not start with a checkpoint key
// that other users of the machine can read.
func TestKeyFileMustBePrivate(t *testing.T) {
	dir := t.TempDir()
	key, _ := keygen(t)
	keyFile := filepath.Join(dir, "key")
	os.WriteFile(keyFile, []byte(key+"\n"), 0o600)
	os.Chmod(keyFile, 0o644)
	envs := map[string]string{"VIGIL_DB": "sqlite:" + filepath.Join(dir, "vigil.db"), "VIGIL_ACCESSLOG_KEY_FILE": keyFile}
	code, _, errOut := runVigil(t, "", envs, "serve", "--checkpoints", filepath.Join(dir, "checkpoints.jsonl"), "--addr", "127.0.0.1:0")
	if code != 1 || !strings.Contains(errOut, "chmod 600") || strings.Count(errOut, "\n") != 1 {
		t.Errorf("serve with a key file others can read: exit %d, %q", code, errOut)
	}
	if code, _, errOut := runVigil(t, "", envs, "accesslog", "checkpoint", "--checkpoints", filepath.Join(dir, "checkpoints.jsonl")); code != 1 ||
		!strings.Contains(errOut, "chmod 600") {
		t.Errorf("checkpoint with a key file others can read: exit %d, %q", code, errOut)
	}
}
