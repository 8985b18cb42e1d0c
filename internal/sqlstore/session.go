package sqlstore

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"sync"
	"time"

	"github.com/vigilcp/vigil/internal/vigil"
)

// SessionService implements vigil.SessionService with sessions stored in
// the database, so that several instances behind a load balancer share
// them.
type SessionService struct{ db *DB }

// NewSessionService returns the session service on db.
func NewSessionService(db *DB) *SessionService { return &SessionService{db: db} }

var _ vigil.SessionService = (*SessionService)(nil)

// touchEvery limits how often a session's idle timer is written: reads
// far outnumber writes, and a minute's slack on a 30-minute timeout is
// harmless.
const touchEvery = time.Minute

// dummyHash is verified when a username is unknown, so that a wrong
// username takes as long to refuse as a wrong password.
var (
	dummyHash     string
	dummyHashOnce sync.Once
)

// hashToken is what is stored for a session token: a leaked sessions table
// does not let anyone sign in.
func hashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

func newToken() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

var errBadCredentials = vigil.Errorf(vigil.EUNAUTHENTICATED, "The username or password is not right")

// SignIn implements vigil.SessionService.
func (s *SessionService) SignIn(ctx context.Context, username, password string) (string, *vigil.User, error) {
	var u *vigil.User
	var hash sql.NullString
	err := s.db.readTx(ctx, func(tx *Tx) error {
		var err error
		u, err = tx.userByUsername(ctx, username)
		if err != nil {
			return err
		}
		return tx.QueryRowContext(ctx, "SELECT password_hash FROM users WHERE id = $1", u.ID).Scan(&hash)
	})
	if vigil.ErrorCode(err) == vigil.ENOTFOUND {
		s.burn(password)
		return "", nil, errBadCredentials
	}
	if err != nil {
		return "", nil, err
	}
	if !hash.Valid || u.Disabled() {
		s.burn(password)
		return "", nil, errBadCredentials
	}
	ok, err := s.db.hasher.Verify(password, hash.String)
	if err != nil || !ok {
		return "", nil, errBadCredentials
	}
	token, err := s.StartSession(ctx, u.ID)
	if err != nil {
		return "", nil, err
	}
	return token, u, nil
}

// burn spends the time a real check would, so that timing does not reveal
// which usernames exist.
func (s *SessionService) burn(password string) {
	dummyHashOnce.Do(func() { dummyHash, _ = s.db.hasher.Hash("vigil-dummy-password") })
	_, _ = s.db.hasher.Verify(password, dummyHash)
}

// StartSession implements vigil.SessionService.
func (s *SessionService) StartSession(ctx context.Context, userID int64) (string, error) {
	token, err := newToken()
	if err != nil {
		return "", err
	}
	err = s.db.writeTx(ctx, func(tx *Tx) error {
		var disabled *time.Time
		err := tx.QueryRowContext(ctx, "SELECT disabled_at FROM users WHERE id = $1 AND username <> 'system'", userID).
			Scan(scanNullInstant{&disabled})
		if errors.Is(err, sql.ErrNoRows) || disabled != nil {
			return errBadCredentials
		}
		if err != nil {
			return err
		}
		// Sweep this user's expired sessions while we are here.
		if _, err := tx.ExecContext(ctx, "DELETE FROM sessions WHERE user_id = $1 AND (expires_at <= $2 OR last_seen_at <= $3)",
			userID, instant(tx.now), instant(tx.now.Add(-s.db.sessionIdle))); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO sessions (token_hash, user_id, created_at, last_seen_at, expires_at)
			VALUES ($1, $2, $3, $3, $4)`, hashToken(token), userID, instant(tx.now), instant(tx.now.Add(s.db.sessionAbsolute)))
		return err
	})
	if err != nil {
		return "", err
	}
	return token, nil
}

var errSessionOver = vigil.Errorf(vigil.EUNAUTHENTICATED, "Your session has ended. Sign in again.")

// Authenticate implements vigil.SessionService.
func (s *SessionService) Authenticate(ctx context.Context, token string) (*vigil.User, error) {
	if token == "" {
		return nil, errSessionOver
	}
	th := hashToken(token)
	var u *vigil.User
	var lastSeen, expires time.Time
	now := vigil.Millis(s.db.clock.Now())
	err := s.db.readTx(ctx, func(tx *Tx) error {
		var err error
		u, err = scanUser(tx.QueryRowContext(ctx, userSelect+", s.last_seen_at, s.expires_at"+userFrom+
			" JOIN sessions s ON s.user_id = u.id WHERE s.token_hash = $1", th),
			scanInstant{&lastSeen}, scanInstant{&expires})
		if errors.Is(err, sql.ErrNoRows) {
			return errSessionOver
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	if !now.Before(expires) || !now.Before(lastSeen.Add(s.db.sessionIdle)) || u.Disabled() {
		_ = s.SignOut(ctx, token)
		return nil, errSessionOver
	}
	if now.Sub(lastSeen) >= touchEvery {
		err := s.db.writeTx(ctx, func(tx *Tx) error {
			_, err := tx.ExecContext(ctx, "UPDATE sessions SET last_seen_at = $1 WHERE token_hash = $2", instant(now), th)
			return err
		})
		if err != nil {
			return nil, err
		}
	}
	return u, nil
}

// SignOut implements vigil.SessionService.
func (s *SessionService) SignOut(ctx context.Context, token string) error {
	return s.db.writeTx(ctx, func(tx *Tx) error {
		_, err := tx.ExecContext(ctx, "DELETE FROM sessions WHERE token_hash = $1", hashToken(token))
		return err
	})
}
