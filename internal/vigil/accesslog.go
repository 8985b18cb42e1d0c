package vigil

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Access-log actions beyond the record actions.
const (
	ActionSignIn       Action = "sign_in"
	ActionSignOut      Action = "sign_out"
	ActionSignOutAll   Action = "sign_out_everywhere"
	ActionSecondFactor Action = "second_factor"
	ActionTokenUse     Action = "token"
	ActionDemoLoad     Action = "demo_load"
)

// Outcomes of logged actions.
const (
	OutcomeOK     = "ok"
	OutcomeDenied = "denied"
	OutcomeFailed = "failed"
)

// GenesisHash is the "previous hash" of the first entry.
const GenesisHash = "vigil-access-log-genesis"

// AccessEntry is one entry of the access log: who did what to which
// records, when, from where, why, and with what outcome. One response
// makes one entry, listing every record it showed.
type AccessEntry struct {
	Seq        int64      `json:"seq"`
	At         time.Time  `json:"at"`
	UserID     int64      `json:"user_id,omitempty"`
	Username   string     `json:"username"`
	Via        string     `json:"via"`
	Client     string     `json:"client"`
	RequestID  string     `json:"request_id"`
	Action     Action     `json:"action"`
	RecordKind RecordKind `json:"record_kind"`
	RecordIDs  []int64    `json:"record_ids"`
	Purpose    string     `json:"purpose"`
	Reason     string     `json:"reason"`
	Outcome    string     `json:"outcome"`
	TeamID     int64      `json:"team_id,omitempty"`
	// BreakGlass says the work was done under a break-glass opening: the
	// records were open to the person only because they gave a reason.
	BreakGlass bool   `json:"break_glass,omitempty"`
	PrevHash   string `json:"prev_hash"`
	Hash       string `json:"hash"`
}

// IDsText is the record ids as stored: space-separated, in order.
func (e AccessEntry) IDsText() string {
	parts := make([]string, len(e.RecordIDs))
	for i, id := range e.RecordIDs {
		parts[i] = strconv.FormatInt(id, 10)
	}
	return strings.Join(parts, " ")
}

// ParseIDs reads stored record ids.
func ParseIDs(s string) ([]int64, error) {
	var out []int64
	for _, f := range strings.Fields(s) {
		id, err := strconv.ParseInt(f, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("record id %q: %w", f, err)
		}
		out = append(out, id)
	}
	return out, nil
}

// ComputeHash returns the entry's hash: SHA-256 over the previous entry's
// hash and every field of this one, each length-prefixed so that no two
// different entries encode alike. Changing any field, or the order of
// entries, changes every hash after it.
func (e AccessEntry) ComputeHash() string {
	h := sha256.New()
	field := func(s string) {
		var n [8]byte
		binary.BigEndian.PutUint64(n[:], uint64(len(s)))
		h.Write(n[:])
		h.Write([]byte(s))
	}
	field("vigil-access-log-v1")
	field(e.PrevHash)
	field(strconv.FormatInt(e.Seq, 10))
	field(e.At.UTC().Format("2006-01-02T15:04:05.000Z"))
	field(strconv.FormatInt(e.UserID, 10))
	field(e.Username)
	field(e.Via)
	field(e.Client)
	field(e.RequestID)
	field(string(e.Action))
	field(string(e.RecordKind))
	field(e.IDsText())
	field(e.Purpose)
	field(e.Reason)
	field(e.Outcome)
	field(strconv.FormatInt(e.TeamID, 10))
	// Added later: hashed only when set, so earlier entries keep their
	// hashes (the length prefixes keep the encodings apart).
	if e.BreakGlass {
		field("break-glass")
	}
	return hex.EncodeToString(h.Sum(nil))
}

// Checkpoint is a signed statement of the chain's head at a moment, kept
// outside the database, so that a rewritten or truncated chain is caught.
type Checkpoint struct {
	Seq       int64     `json:"seq"`
	Hash      string    `json:"hash"`
	At        time.Time `json:"at"`
	Signature string    `json:"sig"`
}

func (c Checkpoint) message() []byte {
	return []byte(fmt.Sprintf("vigil-checkpoint-v1\n%d\n%s\n%s", c.Seq, c.Hash, c.At.UTC().Format(time.RFC3339Nano)))
}

// SignCheckpoint signs a checkpoint of the head with the key.
func SignCheckpoint(key ed25519.PrivateKey, seq int64, hash string, at time.Time) Checkpoint {
	c := Checkpoint{Seq: seq, Hash: hash, At: at.UTC()}
	c.Signature = base64.StdEncoding.EncodeToString(ed25519.Sign(key, c.message()))
	return c
}

// VerifySignature reports whether the checkpoint was signed by the key.
func (c Checkpoint) VerifySignature(pub ed25519.PublicKey) bool {
	sig, err := base64.StdEncoding.DecodeString(c.Signature)
	return err == nil && ed25519.Verify(pub, c.message(), sig)
}

// AccessLogFilter narrows the access log for auditors.
type AccessLogFilter struct {
	UserID     int64
	RecordKind RecordKind
	RecordID   int64
	Action     Action
	TeamID     int64
	From, To   time.Time // To is exclusive; zero means open
	PageRequest
}

// AccessLogService lets auditors read the access log. Reading it is itself
// logged.
type AccessLogService interface {
	AccessLog(ctx context.Context, f AccessLogFilter) (Page[AccessEntry], error)
}
