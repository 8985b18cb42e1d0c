package app

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
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
//
// Writers take an exclusive lock on the file, so that a server and a
// command (or two servers on one machine) neither interleave lines nor
// both write the same head. Each line is written in one call and synced.
// A crash in the middle of a write can still leave an incomplete last
// line: readers ignore it (and say so) rather than fail, and the next
// writer removes it before appending, so it never spoils a later line.

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

// ReadKeyFile reads a checkpoint signing key from a file, which must be
// readable by its owner alone: anyone who can read the key can sign
// checkpoints of a rewritten log.
func ReadKeyFile(path string) (ed25519.PrivateKey, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("cannot read the access-log key file: %v", errors.Unwrap(err))
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("cannot read the access-log key file: %v", err)
	}
	if perm := fi.Mode().Perm(); perm&0o077 != 0 {
		return nil, fmt.Errorf("the access-log key file %s can be read or changed by other users (mode %04o): make it private with chmod 600", path, perm)
	}
	b, err := io.ReadAll(io.LimitReader(f, 4096))
	if err != nil {
		return nil, fmt.Errorf("cannot read the access-log key file: %v", err)
	}
	return ParseSigningKey(string(b))
}

// Checkpointer appends signed checkpoints of the access log's head to a
// file.
type Checkpointer struct {
	Key   ed25519.PrivateKey
	File  string
	Every time.Duration
	// Log receives what a writer finds wrong with the file (an incomplete
	// last line it removed, a head behind the newest checkpoint); nil
	// discards it.
	Log *slog.Logger
	mu  sync.Mutex
}

// Write appends a checkpoint of the current head, unless the newest
// checkpoint in the file is already of that head (so a restart, or a
// command that wrote nothing, adds no duplicate). It returns the
// checkpoint and whether one was written.
func (c *Checkpointer) Write(ctx context.Context, db *sqlstore.DB) (vigil.Checkpoint, bool, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	f, created, err := openCheckpointFile(c.File)
	if err != nil {
		return vigil.Checkpoint{}, false, err
	}
	defer f.Close()
	if err := lockFile(f); err != nil {
		return vigil.Checkpoint{}, false, fmt.Errorf("locking the checkpoint file: %v", err)
	}
	defer unlockFile(f)
	// The head is read under the lock, so that writers at once append
	// their heads in the order they read them.
	seq, hash, err := db.AccessLogHead(ctx)
	if err != nil {
		return vigil.Checkpoint{}, false, err
	}
	if seq == 0 {
		return vigil.Checkpoint{}, false, nil
	}
	last, err := c.repairTail(f)
	if err != nil {
		return vigil.Checkpoint{}, false, err
	}
	if last != nil {
		switch {
		case last.Seq == seq && last.Hash == hash:
			return *last, false, nil
		case last.Seq > seq:
			c.logger().Error("the access log's head is behind the newest checkpoint: entries removed, or the database restored from a backup",
				slog.Int64("head", seq), slog.Int64("checkpoint", last.Seq))
		case last.Seq == seq:
			c.logger().Error("the access log's head differs from the newest checkpoint of the same entry: the log has been rewritten",
				slog.Int64("seq", seq))
		}
	}
	cp := vigil.SignCheckpoint(c.Key, seq, hash, time.Now())
	line, err := json.Marshal(cp)
	if err != nil {
		return cp, false, err
	}
	if _, err := f.Write(append(line, '\n')); err != nil {
		return cp, false, fmt.Errorf("writing the checkpoint file: %v", err)
	}
	if err := f.Sync(); err != nil {
		return cp, false, fmt.Errorf("writing the checkpoint file: %v", err)
	}
	if created {
		syncDir(filepath.Dir(c.File))
	}
	return cp, true, nil
}

func (c *Checkpointer) logger() *slog.Logger {
	if c.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return c.Log
}

// openCheckpointFile opens the file for appending, creating it readable by
// its owner alone.
func openCheckpointFile(path string) (*os.File, bool, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_APPEND|os.O_CREATE|os.O_EXCL, 0o600)
	if err == nil {
		return f, true, nil
	}
	if !errors.Is(err, os.ErrExist) {
		return nil, false, fmt.Errorf("opening the checkpoint file: %v", errors.Unwrap(err))
	}
	if f, err = os.OpenFile(path, os.O_RDWR|os.O_APPEND, 0); err != nil {
		return nil, false, fmt.Errorf("opening the checkpoint file: %v", errors.Unwrap(err))
	}
	return f, false, nil
}

// tailBytes is how much of the file's end is read to find its last line:
// a checkpoint line is about 230 bytes.
const tailBytes = 4096

// repairTail reads the last line of the locked file f. A last line with
// no newline is a write cut short: if it still holds a whole checkpoint
// the newline is added, otherwise it is removed (and logged), so that
// the next line starts cleanly. It returns the last checkpoint when the
// last line is one signed by this key.
func (c *Checkpointer) repairTail(f *os.File) (*vigil.Checkpoint, error) {
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	size := fi.Size()
	if size == 0 {
		return nil, nil
	}
	start := max(0, size-tailBytes)
	buf := make([]byte, size-start)
	if _, err := f.ReadAt(buf, start); err != nil {
		return nil, fmt.Errorf("reading the checkpoint file: %v", err)
	}
	pub := c.Key.Public().(ed25519.PublicKey)
	if buf[len(buf)-1] != '\n' {
		cut := bytes.LastIndexByte(buf, '\n') + 1 // 0 when the line began before buf
		torn := buf[cut:]
		if cp, ok := parseCheckpoint(torn, pub); ok {
			if _, err := f.Write([]byte{'\n'}); err != nil {
				return nil, fmt.Errorf("repairing the checkpoint file: %v", err)
			}
			return &cp, nil
		}
		if cut == 0 && start > 0 {
			return nil, fmt.Errorf("the checkpoint file %s ends in a line of more than %d bytes that is not a checkpoint: look at it before checkpoints are written to it again", c.File, tailBytes)
		}
		if err := f.Truncate(start + int64(cut)); err != nil {
			return nil, fmt.Errorf("repairing the checkpoint file: %v", err)
		}
		c.logger().Warn("removed an incomplete last line from the access-log checkpoint file (a write cut short)",
			slog.String("file", c.File), slog.Int("bytes", len(torn)))
		buf = buf[:cut]
	}
	lines := bytes.Split(bytes.TrimSuffix(buf, []byte{'\n'}), []byte{'\n'})
	if cp, ok := parseCheckpoint(lines[len(lines)-1], pub); ok {
		return &cp, nil
	}
	return nil, nil
}

func parseCheckpoint(line []byte, pub ed25519.PublicKey) (vigil.Checkpoint, bool) {
	var cp vigil.Checkpoint
	if err := json.Unmarshal(bytes.TrimSpace(line), &cp); err != nil || !cp.VerifySignature(pub) {
		return vigil.Checkpoint{}, false
	}
	return cp, true
}

// syncDir makes a new file's name durable; a failure only loses that
// guarantee.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
}

// Run writes checkpoints every c.Every until the returned stop is called,
// which writes a last one: a server stopped gracefully leaves nothing
// uncovered.
func (c *Checkpointer) Run(ctx context.Context, db *sqlstore.DB, log *slog.Logger) (stop func()) {
	every := c.Every
	if every <= 0 {
		every = time.Minute
	}
	if c.Log == nil {
		c.Log = log
	}
	return repeat(every, func() {
		if cp, ok, err := c.Write(context.WithoutCancel(ctx), db); err != nil {
			log.Error("access-log checkpoint failed", slog.String("error", err.Error()))
		} else if ok {
			log.Info("access-log checkpoint", slog.Int64("seq", cp.Seq))
		}
	})
}

// CheckpointFile is what a checkpoint file holds.
type CheckpointFile struct {
	Checkpoints []vigil.Checkpoint
	// TornBytes is the length of an incomplete last line, from a write cut
	// short, which was ignored (0 when there is none). The next checkpoint
	// written removes it.
	TornBytes int
}

// ReadCheckpoints reads a checkpoint file and checks every signature. A
// line that is not a checkpoint signed by the key is an error, except an
// incomplete last line (no newline), which is counted and ignored.
func ReadCheckpoints(file string, pub ed25519.PublicKey) (CheckpointFile, error) {
	var out CheckpointFile
	f, err := os.Open(file)
	if err != nil {
		return out, fmt.Errorf("reading checkpoints: %v", errors.Unwrap(err))
	}
	defer f.Close()
	r := bufio.NewReader(f)
	for n := 1; ; n++ {
		line, err := r.ReadBytes('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return out, fmt.Errorf("reading checkpoints: %v", err)
		}
		torn := errors.Is(err, io.EOF) // the last line, with no newline
		if len(bytes.TrimSpace(line)) > 0 {
			var cp vigil.Checkpoint
			switch jerr := json.Unmarshal(line, &cp); {
			case jerr != nil && torn:
				out.TornBytes = len(line)
			case jerr != nil:
				return out, fmt.Errorf("%s line %d is not a checkpoint: %v", file, n, jerr)
			case !cp.VerifySignature(pub):
				return out, fmt.Errorf("%s line %d: the checkpoint of entry %d has a bad signature (forged, or another key)", file, n, cp.Seq)
			default:
				out.Checkpoints = append(out.Checkpoints, cp)
			}
		}
		if torn {
			return out, nil
		}
	}
}
