package main

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"os"

	"github.com/vigilcp/vigil/internal/app"
	"github.com/vigilcp/vigil/internal/vigil"
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
// named by VIGIL_ACCESSLOG_KEY_FILE: never from a flag, never from the
// database.
func signingKey(e *env) (ed25519.PrivateKey, error) {
	v := e.getenv("VIGIL_ACCESSLOG_KEY")
	if v == "" {
		if f := e.getenv("VIGIL_ACCESSLOG_KEY_FILE"); f != "" {
			b, err := os.ReadFile(f)
			if err != nil {
				return nil, fmt.Errorf("cannot read VIGIL_ACCESSLOG_KEY_FILE: %v", errors.Unwrap(err))
			}
			v = string(b)
		}
	}
	if v == "" {
		return nil, nil
	}
	return app.ParseSigningKey(v)
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
	cp, ok, err := (&app.Checkpointer{Key: key, File: path}).Write(ctx, d)
	if err != nil {
		return err
	}
	if !ok {
		fmt.Fprintln(e.stdout, "The access log is empty: nothing to checkpoint.")
		return nil
	}
	fmt.Fprintf(e.stdout, "Checkpoint of entry %d written to %s.\n", cp.Seq, path)
	return nil
}

func accessLogVerify(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "accesslog verify", "accesslog verify [--checkpoints FILE] [--public-key KEY] [--db URL]",
		"Checks the access log's whole hash chain, and the chain against the signed checkpoints kept outside\n"+
			"the database. Names the first altered, removed, reordered or missing entry; exit status 1 if any.")
	db := dbFlag(fs)
	file := fs.String("checkpoints", "", "the checkpoint file (default VIGIL_ACCESSLOG_CHECKPOINTS)")
	pubFlag := fs.String("public-key", "", "the checkpoints' public key (default: derived from VIGIL_ACCESSLOG_KEY)")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("unexpected argument %q", pos[0])
	}
	url, err := databaseURL(e, *db)
	if err != nil {
		return err
	}
	path := checkpointFile(e, *file)
	var checkpoints []vigil.Checkpoint
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
		if checkpoints, err = app.ReadCheckpoints(path, pub); err != nil {
			return err
		}
	}
	d, err := app.Open(ctx, url, slog.New(slog.DiscardHandler))
	if err != nil {
		return err
	}
	defer d.Close()
	res, err := d.VerifyAccessLog(ctx, checkpoints, func(n int64) { fmt.Fprintf(e.stderr, "checked %d entries\r", n) })
	if err != nil {
		return err
	}
	if res.Problem != "" {
		return errors.New("the access log has been tampered with: " + res.Problem)
	}
	note := ""
	if path == "" {
		note = " (no checkpoint file given: a truncation or a rewritten chain would not be caught)"
	}
	fmt.Fprintf(e.stdout, "The access log is intact: %d entries, %d of %d checkpoints matched%s.\n", res.Entries, res.Checkpoints,
		len(checkpoints), note)
	return nil
}
