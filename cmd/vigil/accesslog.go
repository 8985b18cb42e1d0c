package main

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/vigilcp/vigil/internal/app"
	"github.com/vigilcp/vigil/internal/sqlstore"
)

func cmdAccessLog(ctx context.Context, e *env, args []string) error {
	sub := ""
	if len(args) > 0 {
		sub, args = args[0], args[1:]
	}
	switch sub {
	case "verify":
		return accessLogVerify(ctx, e, args)
	case "checkpoint":
		return accessLogCheckpoint(ctx, e, args)
	case "keygen":
		return accessLogKeygen(e, args)
	case "-h", "--help", "help":
		fmt.Fprintln(e.stdout, "Usage: vigil accesslog verify|checkpoint|keygen ... (each has --help)")
		return nil
	case "":
		return usagef("say what to do: verify, checkpoint or keygen")
	}
	return usagef("unknown accesslog command %q: use verify, checkpoint or keygen", sub)
}

// signingKey reads the checkpoint key from VIGIL_ACCESSLOG_KEY or the file
// named by VIGIL_ACCESSLOG_KEY_FILE (which must be private to its owner):
// never from a flag, never from the database. nil when neither is set.
func signingKey(e *env) (ed25519.PrivateKey, error) {
	if v := e.getenv("VIGIL_ACCESSLOG_KEY"); v != "" {
		return app.ParseSigningKey(v)
	}
	if f := e.getenv("VIGIL_ACCESSLOG_KEY_FILE"); f != "" {
		return app.ReadKeyFile(f)
	}
	return nil, nil
}

func checkpointFile(e *env, flagValue string) string {
	if flagValue != "" {
		return flagValue
	}
	return e.getenv("VIGIL_ACCESSLOG_CHECKPOINTS")
}

func accessLogKeygen(e *env, args []string) error {
	fs := newFlags(e, "accesslog keygen", "accesslog keygen",
		"Makes a new key for signing access-log checkpoints. Keep the private key in VIGIL_ACCESSLOG_KEY (or a\n"+
			"file named by VIGIL_ACCESSLOG_KEY_FILE) on the servers, never in the database; give auditors the\npublic key.")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("unexpected argument %q", pos[0])
	}
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "VIGIL_ACCESSLOG_KEY=%s\npublic key: %s\n", base64.StdEncoding.EncodeToString(priv.Seed()),
		base64.StdEncoding.EncodeToString(pub))
	return nil
}

func accessLogCheckpoint(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "accesslog checkpoint", "accesslog checkpoint [--checkpoints FILE] [--db URL]",
		"Appends a signed checkpoint of the access log's head to the checkpoint file (vigil serve does this\n"+
			"every minute when it has a key). The key comes from VIGIL_ACCESSLOG_KEY or VIGIL_ACCESSLOG_KEY_FILE.")
	db := dbFlag(fs)
	file := fs.String("checkpoints", "", "the checkpoint file (default VIGIL_ACCESSLOG_CHECKPOINTS)")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("unexpected argument %q", pos[0])
	}
	key, err := signingKey(e)
	if err != nil {
		return err
	}
	if key == nil {
		return usagef("set VIGIL_ACCESSLOG_KEY or VIGIL_ACCESSLOG_KEY_FILE (make a key with vigil accesslog keygen)")
	}
	path := checkpointFile(e, *file)
	if path == "" {
		return usagef("give --checkpoints FILE or set VIGIL_ACCESSLOG_CHECKPOINTS")
	}
	url, err := databaseURL(e, *db)
	if err != nil {
		return err
	}
	d, err := app.Open(ctx, url, slog.New(slog.DiscardHandler))
	if err != nil {
		return err
	}
	defer d.Close()
	cp, ok, err := (&app.Checkpointer{Key: key, File: path, Log: stderrLog(e)}).Write(ctx, d)
	switch {
	case err != nil:
		return err
	case ok:
		fmt.Fprintf(e.stdout, "Checkpoint of entry %d written to %s.\n", cp.Seq, path)
	case cp.Seq == 0:
		fmt.Fprintln(e.stdout, "The access log is empty: nothing to checkpoint.")
	default:
		fmt.Fprintf(e.stdout, "The newest checkpoint in %s is already of the head (entry %d): nothing written.\n", path, cp.Seq)
	}
	return nil
}

// stderrLog logs what a command's checkpointer finds wrong with its file,
// as JSON lines on standard error, like vigil serve.
func stderrLog(e *env) *slog.Logger {
	return slog.New(slog.NewJSONHandler(e.stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
}

func accessLogVerify(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "accesslog verify", "accesslog verify [--checkpoints FILE] [--public-key KEY] [--checkpoint-every 1m] [--db URL]",
		"Checks the access log's whole hash chain, the chain against the signed checkpoints kept outside the\n"+
			"database, and the per-record index against the records the entries name. Names the first altered,\n"+
			"removed, reordered or missing entry, or the first entry whose index rows differ. Exit status 1 if\n"+
			"anything is wrong; also when no checkpoints are given, and when the entries after the newest\n"+
			"checkpoint are older than twice --checkpoint-every (checkpoints have stopped, and entries no\n"+
			"checkpoint covers could be rewritten or cut without trace).")
	db := dbFlag(fs)
	file := fs.String("checkpoints", "", "the checkpoint file (default VIGIL_ACCESSLOG_CHECKPOINTS)")
	pubFlag := fs.String("public-key", "", "the checkpoints' public key (default: derived from VIGIL_ACCESSLOG_KEY)")
	every := fs.Duration("checkpoint-every", time.Minute, "how often vigil serve writes checkpoints (its --checkpoint-every)")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("unexpected argument %q", pos[0])
	}
	if *every <= 0 {
		return usagef("--checkpoint-every must be positive")
	}
	url, err := databaseURL(e, *db)
	if err != nil {
		return err
	}
	path := checkpointFile(e, *file)
	var cps app.CheckpointFile
	if path != "" {
		var pub ed25519.PublicKey
		if *pubFlag != "" {
			if pub, err = app.ParsePublicKey(*pubFlag); err != nil {
				return usageError{err.Error()}
			}
		} else {
			key, err := signingKey(e)
			if err != nil {
				return err
			}
			if key == nil {
				return usagef("give --public-key, or set VIGIL_ACCESSLOG_KEY, to check the checkpoints' signatures")
			}
			pub = key.Public().(ed25519.PublicKey)
		}
		if cps, err = app.ReadCheckpoints(path, pub); err != nil {
			return err
		}
	}
	d, err := app.Open(ctx, url, slog.New(slog.DiscardHandler))
	if err != nil {
		return err
	}
	defer d.Close()
	res, err := d.VerifyAccessLog(ctx, cps.Checkpoints, func(n int64) { fmt.Fprintf(e.stderr, "checked %d entries\r", n) })
	if err != nil {
		return err
	}
	if res.Problem != "" {
		return errors.New("the access log has been tampered with: " + res.Problem)
	}
	index := "nothing is indexed yet"
	if res.IndexMark > 0 {
		index = fmt.Sprintf("the record index holds what entries 1 to %d name (%d rows)", res.IndexMark, res.IndexRows)
	}
	fmt.Fprintf(e.stdout, "The access log is intact: %d entries, %d of %d checkpoints matched; %s.\n",
		res.Entries, res.Checkpoints, len(cps.Checkpoints), index)
	if cps.TornBytes > 0 {
		fmt.Fprintf(e.stdout, "The checkpoint file's last line is incomplete (%d bytes, a write cut short): ignored; the next checkpoint removes it.\n",
			cps.TornBytes)
	}
	return tailVerdict(e, res, path, *every, time.Now())
}

// tailVerdict says what no checkpoint covers, and fails when that is
// everything (no checkpoints) or has been uncovered for longer than two
// checkpoint intervals.
func tailVerdict(e *env, res sqlstore.VerifyResult, path string, every time.Duration, now time.Time) error {
	if path == "" {
		return errors.New("no checkpoints are configured (--checkpoints or VIGIL_ACCESSLOG_CHECKPOINTS), so a rewritten or truncated log " +
			"would not be caught")
	}
	newest := res.NewestCheckpoint
	if res.Tail == 0 {
		fmt.Fprintf(e.stdout, "Every entry is covered by the newest checkpoint (entry %d, of %s).\n", newest.Seq, newest.At.Format(time.RFC3339))
		return nil
	}
	uncovered := now.Sub(res.TailFrom)
	age := uncovered.Round(time.Second)
	since := "no checkpoint"
	if newest.Seq > 0 {
		since = fmt.Sprintf("the newest checkpoint (entry %d, of %s)", newest.Seq, newest.At.Format(time.RFC3339))
	}
	fmt.Fprintf(e.stdout, "%d entries after %s, the first written %s ago.\n", res.Tail, since, age)
	if uncovered > 2*every {
		return fmt.Errorf("the newest %d entries (from entry %d, written %s ago) are covered by no checkpoint for longer than twice the "+
			"checkpoint interval (%s): checkpoints have stopped, and those entries could have been rewritten or cut without trace",
			res.Tail, newest.Seq+1, age, every)
	}
	return nil
}
