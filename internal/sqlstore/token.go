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
	name = strings.TrimSpace(name)
	var v vigil.Validation
	if name == "" || len(name) > 100 {
		v.Add("name", "Name the token (1 to 100 characters), for example the system that will use it")
	}
	if expires != nil && !expires.After(s.db.clock.Now()) {
		v.Add("expires", "The expiry must be in the future")
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
		u, err := tx.userWhere(ctx, "u.username = $1", username)
		if err != nil {
			return vigil.Errorf(vigil.ENOTFOUND, "There is no user called %q", username)
		}
		if u.Username == "system" || u.Disabled() {
			return vigil.Errorf(vigil.EINVALID, "Tokens can only be issued to active, named users")
		}
		var exp any
		if expires != nil {
			exp = instant(*expires)
		}
		err = tx.QueryRowContext(ctx, `INSERT INTO api_tokens (user_id, name, token_hash, created_at, created_by, expires_at)
			VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`, u.ID, name, hashToken(token), instant(tx.now),
			nullIfZero(tx.UserID()), exp).Scan(&out.ID)
		if err != nil {
			return err
		}
		out = vigil.APIToken{ID: out.ID, UserID: u.ID, Username: u.Username, Name: name, CreatedAt: tx.now, ExpiresAt: expires}
		tx.log(vigil.ActionCreate, vigil.KindUser, []int64{u.ID}, vigil.OutcomeOK, "API token "+itoa(int(out.ID))+" issued")
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
		q := `SELECT k.id, k.user_id, u.username, k.name, k.created_at, k.expires_at, k.revoked_at, k.last_used_at
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
				scanNullInstant{&t.RevokedAt}, scanNullInstant{&t.LastUsedAt}); err != nil {
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
