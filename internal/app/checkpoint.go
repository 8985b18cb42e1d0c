package app

import (
	"bufio"
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/vigilcp/vigil/internal/sqlstore"
	"github.com/vigilcp/vigil/internal/vigil"
)

// The access log's chain is checked against signed checkpoints of its head
// kept outside the database: an append-only file of JSON lines, one
// checkpoint each, signed with an Ed25519 key that is never stored in the
// database. Anyone rewriting or truncating the log in the database cannot
// also forge checkpoints.

// ParseSigningKey reads a checkpoint signing key: the base64 of a 32-byte
// Ed25519 seed (as `vigil accesslog keygen` prints it).
func ParseSigningKey(s string) (ed25519.PrivateKey, error) {
	seed, err := base64.StdEncoding.DecodeString(strings.TrimSpace(s))
	if err != nil || len(seed) != ed25519.SeedSize {
		return nil, errors.New("the access-log key must be the base64 of 32 bytes (make one with vigil accesslog keygen)")
	}
	return ed25519.NewKeyFromSeed(seed), nil
}

// ParsePublicKey reads a checkpoint verification key (base64, 32 bytes).
func ParsePublicKey(s string) (ed25519.PublicKey, error) {
	b, err := base64.StdEncoding.DecodeString(strings.TrimSpace(s))
	if err != nil || len(b) != ed25519.PublicKeySize {
		return nil, errors.New("the access-log public key must be the base64 of 32 bytes")
	}
	return ed25519.PublicKey(b), nil
}

// Checkpointer appends signed checkpoints of the access log's head to a
// file.
type Checkpointer struct {
	Key   ed25519.PrivateKey
	File  string
	Every time.Duration
	mu    sync.Mutex
	last  int64
}

// Write appends a checkpoint of the current head, unless the head has not
// moved since the last one this process wrote. It returns the checkpoint
// and whether one was written.
func (c *Checkpointer) Write(ctx context.Context, db *sqlstore.DB) (vigil.Checkpoint, bool, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	seq, hash, err := db.AccessLogHead(ctx)
	if err != nil {
		return vigil.Checkpoint{}, false, err
	}
	if seq == 0 || seq == c.last {
		return vigil.Checkpoint{}, false, nil
	}
	cp := vigil.SignCheckpoint(c.Key, seq, hash, time.Now())
	line, err := json.Marshal(cp)
	if err != nil {
		return cp, false, err
	}
	f, err := os.OpenFile(c.File, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o640)
	if err != nil {
		return cp, false, fmt.Errorf("opening the checkpoint file: %w", err)
	}
	if _, err := f.Write(append(line, '\n')); err != nil {
		f.Close()
		return cp, false, err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return cp, false, err
	}
	if err := f.Close(); err != nil {
		return cp, false, err
	}
	c.last = seq
	return cp, true, nil
}

// Run writes checkpoints every c.Every until the returned stop is called,
// which writes a last one.
func (c *Checkpointer) Run(ctx context.Context, db *sqlstore.DB, log *slog.Logger) (stop func()) {
	every := c.Every
	if every <= 0 {
		every = time.Minute
	}
	return repeat(every, func() {
		if cp, ok, err := c.Write(context.WithoutCancel(ctx), db); err != nil {
			log.Error("access-log checkpoint failed", slog.String("error", err.Error()))
		} else if ok {
			log.Info("access-log checkpoint", slog.Int64("seq", cp.Seq))
		}
	})
}

// ReadCheckpoints reads a checkpoint file and checks every signature.
func ReadCheckpoints(file string, pub ed25519.PublicKey) ([]vigil.Checkpoint, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, fmt.Errorf("reading checkpoints: %w", err)
	}
	defer f.Close()
	var out []vigil.Checkpoint
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		var cp vigil.Checkpoint
		if err := json.Unmarshal([]byte(line), &cp); err != nil {
			return nil, fmt.Errorf("%s line %d is not a checkpoint: %v", file, n, err)
		}
		if !cp.VerifySignature(pub) {
			return nil, fmt.Errorf("%s line %d: the checkpoint of entry %d has a bad signature (forged, or another key)", file, n, cp.Seq)
		}
		out = append(out, cp)
	}
	return out, sc.Err()
}
