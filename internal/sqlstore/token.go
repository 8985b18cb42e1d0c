package sqlstore

import (
	"context"
	"strings"
	"time"

	"github.com/vigilcp/vigil/internal/vigil"
)

// tokenPrefix marks Vigil's API tokens, so that a leaked one is easy to
// recognise (and for secret scanners to find).
const tokenPrefix = "vgl_"

// TokenService implements vigil.TokenService.
type TokenService struct{ db *DB }

// NewTokenService returns the API token service on db.
func NewTokenService(db *DB) *TokenService { return &TokenService{db: db} }

var _ vigil.TokenService = (*TokenService)(nil)

// CreateToken implements vigil.TokenService.
func (s *TokenService) CreateToken(ctx context.Context, username, name string, expires *time.Time) (string, *vigil.APIToken, error) {
	nt := vigil.NewToken{Username: username, Name: name}
	if expires != nil {
		nt.Expires = *expires
	} else {
		nt.Expires = vigil.Millis(s.db.clock.Now()).Add(vigil.MaxTokenLifetime)
	}
	return s.IssueToken(ctx, nt)
}

// IssueToken implements vigil.TokenService. A token is a way to act as its
// user, so it is issued only by someone who could have made that account
// (see vigil.CanChangeSignIn).
func (s *TokenService) IssueToken(ctx context.Context, nt vigil.NewToken) (string, *vigil.APIToken, error) {
	name := strings.TrimSpace(nt.Name)
	now := vigil.Millis(s.db.clock.Now())
	expires := vigil.Millis(nt.Expires)
	var v vigil.Validation
	if name == "" || len(name) > 100 {
		v.Add("name", "Name the token (1 to 100 characters), for example the system that will use it")
	}
	switch {
	case nt.Expires.IsZero():
		v.Add("expires", "Give the token an expiry: a token lasts at most 365 days")
	case !expires.After(now):
		v.Add("expires", "The expiry must be in the future")
	case expires.After(now.Add(vigil.MaxTokenLifetime)):
		v.Add("expires", "A token lasts at most 365 days: choose an expiry no later than %s",
			now.Add(vigil.MaxTokenLifetime).Format("2 January 2006 15:04 UTC"))
	}
	if err := v.Err(); err != nil {
		return "", nil, err
	}
	token, err := newToken(tokenPrefix)
	if err != nil {
		return "", nil, err
	}
	var out vigil.APIToken
	err = s.db.writeTx(ctx, func(tx *Tx) error {
		if err := tx.require(ctx, vigil.ActionUpdate, vigil.KindUser); err != nil {
			return err
		}
		u, err := tx.userWhere(ctx, "u.username = $1", nt.Username)
		if err != nil {
			return vigil.Errorf(vigil.ENOTFOUND, "There is no user called %q", nt.Username)
		}
		if u.Username == "system" || u.Disabled() {
			return vigil.Errorf(vigil.EINVALID, "Tokens can only be issued to active, named users")
		}
		if err := tx.mayChangeSignIn(u.User, vigil.SignInToken); err != nil {
			return err
		}
		err = tx.QueryRowContext(ctx, `INSERT INTO api_tokens (user_id, name, token_hash, created_at, created_by, expires_at, read_only)
			VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`, u.ID, name, hashToken(token), instant(tx.now),
			nullIfZero(tx.UserID()), instant(expires), nt.ReadOnly).Scan(&out.ID)
		if err != nil {
			return err
		}
		out = vigil.APIToken{ID: out.ID, UserID: u.ID, Username: u.Username, Name: name, CreatedAt: tx.now, ExpiresAt: &expires,
			ReadOnly: nt.ReadOnly}
		what := "API token " + itoa(int(out.ID)) + " issued"
		if nt.ReadOnly {
			what += " (read-only)"
		}
		tx.log(vigil.ActionCreate, vigil.KindUser, []int64{u.ID}, vigil.OutcomeOK, what)
		return nil
	})
	if err != nil {
		return "", nil, err
	}
	return token, &out, nil
}

// Tokens implements vigil.TokenService.
func (s *TokenService) Tokens(ctx context.Context, username string) ([]vigil.APIToken, error) {
	var out []vigil.APIToken
	err := s.db.writeTx(ctx, func(tx *Tx) error {
		if err := tx.require(ctx, vigil.ActionRead, vigil.KindUser); err != nil {
			return err
		}
		q := `SELECT k.id, k.user_id, u.username, k.name, k.created_at, k.expires_at, k.read_only, k.revoked_at, k.last_used_at
			FROM api_tokens k JOIN users u ON u.id = k.user_id`
		var args []any
		if username != "" {
			q += " WHERE u.username = $1"
			args = append(args, username)
		}
		rows, err := tx.QueryContext(ctx, q+" ORDER BY k.id DESC", args...)
		if err != nil {
			return err
		}
		var ids []int64
		for rows.Next() {
			var t vigil.APIToken
			if err := rows.Scan(&t.ID, &t.UserID, &t.Username, &t.Name, scanInstant{&t.CreatedAt}, scanNullInstant{&t.ExpiresAt},
				&t.ReadOnly, scanNullInstant{&t.RevokedAt}, scanNullInstant{&t.LastUsedAt}); err != nil {
				rows.Close()
				return err
			}
			out = append(out, t)
			ids = append(ids, t.UserID)
		}
		if err := closeRows(rows); err != nil {
			return err
		}
		tx.log(vigil.ActionList, vigil.KindUser, ids, vigil.OutcomeOK, "API tokens")
		return nil
	})
	return out, err
}

// RevokeToken implements vigil.TokenService.
func (s *TokenService) RevokeToken(ctx context.Context, id int64) error {
	return s.db.writeTx(ctx, func(tx *Tx) error {
		if err := tx.require(ctx, vigil.ActionUpdate, vigil.KindUser); err != nil {
			return err
		}
		var userID int64
		err := tx.QueryRowContext(ctx, "UPDATE api_tokens SET revoked_at = COALESCE(revoked_at, $1) WHERE id = $2 RETURNING user_id",
			instant(tx.now), id).Scan(&userID)
		if isNoRows(err) {
			return vigil.Errorf(vigil.ENOTFOUND, "There is no API token %d", id)
		}
		if err != nil {
			return err
		}
		tx.log(vigil.ActionUpdate, vigil.KindUser, []int64{userID}, vigil.OutcomeOK, "API token "+itoa(int(id))+" revoked")
		return nil
	})
}
