package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"strings"

	"github.com/vigilcp/vigil/internal/vigil"
)

// UserService implements vigil.UserService.
type UserService struct{ db *DB }

// NewUserService returns the account service on db.
func NewUserService(db *DB) *UserService { return &UserService{db: db} }

var _ vigil.UserService = (*UserService)(nil)

const userCols = "u.id, u.username, u.person_id, u.password_hash IS NOT NULL, u.disabled_at, " +
	"u.created_at, u.created_by, u.updated_at, u.updated_by, u.version"

// userSelect reads a user with its person, when it has one.
const userSelect = "SELECT " + userCols + ", p.id, p.given_name, p.family_name, p.collar_number, p.rank, p.role, p.team_id, p.agency_id"

// userFrom joins a user's person. Callers may append joins and columns
// after userSelect: SELECT … [, extra columns] + userFrom [+ joins] + WHERE.
const userFrom = " FROM users u LEFT JOIN people p ON p.id = u.person_id"

// scanUser reads a user from userSelect's columns, then any extra
// columns into extra.
func scanUser(row scanner, extra ...any) (*vigil.User, error) {
	var u vigil.User
	var pid sql.NullInt64
	var given, family, collar, rank, role sql.NullString
	var team, agency sql.NullInt64
	dest := []any{&u.ID, &u.Username, nullInt{&u.PersonID}, &u.HasPassword, scanNullInstant{&u.DisabledAt},
		scanInstant{&u.CreatedAt}, nullInt{&u.CreatedBy}, scanInstant{&u.UpdatedAt}, nullInt{&u.UpdatedBy}, &u.Version,
		&pid, &given, &family, &collar, &rank, &role, &team, &agency}
	err := row.Scan(append(dest, extra...)...)
	if err != nil {
		return nil, err
	}
	if pid.Valid {
		u.Person = &vigil.Person{ID: pid.Int64, GivenName: given.String, FamilyName: family.String,
			CollarNumber: collar.String, Rank: vigil.Rank(rank.String), Role: role.String,
			TeamID: team.Int64, AgencyID: agency.Int64, Active: true}
	}
	return &u, nil
}

func (tx *Tx) userByUsername(ctx context.Context, username string) (*vigil.User, error) {
	u, err := scanUser(tx.QueryRowContext(ctx, userSelect+userFrom+" WHERE u.username = $1", username))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, vigil.Errorf(vigil.ENOTFOUND, "There is no user called %q", username)
	}
	return u, err
}

// CreateUser implements vigil.UserService.
func (s *UserService) CreateUser(ctx context.Context, username string, personID int64, password string) (*vigil.User, error) {
	username = strings.TrimSpace(username)
	var v vigil.Validation
	if err := vigil.ValidateUsername(username); err != nil {
		v.Add("username", "%s", vigil.ErrorFields(err)[0].Message)
	}
	if password != "" {
		if err := vigil.ValidatePassword(password); err != nil {
			v.Add("password", "%s", vigil.ErrorFields(err)[0].Message)
		}
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	var hash any
	if password != "" {
		h, err := s.db.hasher.Hash(password)
		if err != nil {
			return nil, err
		}
		hash = h
	}
	var out *vigil.User
	err := s.db.writeTx(ctx, func(tx *Tx) error {
		if err := vigil.Authorize(ctx, vigil.ActionCreate, vigil.KindUser); err != nil {
			return err
		}
		var v vigil.Validation
		if tx.exists(ctx, "SELECT 1 FROM users WHERE username = $1", username) {
			v.Add("username", "The username %q is already taken", username)
		}
		if personID != 0 {
			if !tx.exists(ctx, "SELECT 1 FROM people WHERE id = $1", personID) {
				v.Add("person_id", "There is no person with id %d", personID)
			} else if tx.exists(ctx, "SELECT 1 FROM users WHERE person_id = $1", personID) {
				v.Add("person_id", "That person already has an account")
			}
		}
		if err := v.Err(); err != nil {
			return err
		}
		var id int64
		err := tx.QueryRowContext(ctx, `INSERT INTO users (username, person_id, password_hash, created_at, created_by, updated_at, updated_by)
			VALUES ($1, $2, $3, $4, $5, $4, $5) RETURNING id`,
			username, nullIfZero(personID), hash, instant(tx.now), nullIfZero(tx.UserID())).Scan(&id)
		if err != nil {
			return err
		}
		out, err = tx.userByUsername(ctx, username)
		return err
	})
	return out, err
}

// Users implements vigil.UserService.
func (s *UserService) Users(ctx context.Context, page vigil.PageRequest) (vigil.Page[vigil.User], error) {
	var out vigil.Page[vigil.User]
	q := userSelect + userFrom + " WHERE u.username <> 'system'"
	args := []any{}
	if page.Cursor != "" {
		var after string
		if err := decodeCursor(page.Cursor, &after); err != nil {
			return out, err
		}
		args = append(args, after)
		q += " AND u.username > $1"
	}
	limit := page.Size()
	args = append(args, limit+1)
	q += " ORDER BY u.username LIMIT $" + itoa(len(args))
	err := s.db.readTx(ctx, func(tx *Tx) error {
		if err := vigil.Authorize(ctx, vigil.ActionList, vigil.KindUser); err != nil {
			return err
		}
		rows, err := tx.QueryContext(ctx, q, args...)
		if err != nil {
			return err
		}
		for rows.Next() {
			u, err := scanUser(rows)
			if err != nil {
				rows.Close()
				return err
			}
			out.Items = append(out.Items, *u)
		}
		return closeRows(rows)
	})
	if err != nil {
		return vigil.Page[vigil.User]{}, err
	}
	if len(out.Items) > limit {
		out.Items = out.Items[:limit]
		out.Next = encodeCursor(out.Items[limit-1].Username)
	}
	return out, nil
}

// UserByUsername implements vigil.UserService.
func (s *UserService) UserByUsername(ctx context.Context, username string) (*vigil.User, error) {
	var u *vigil.User
	err := s.db.readTx(ctx, func(tx *Tx) error {
		if err := vigil.Authorize(ctx, vigil.ActionRead, vigil.KindUser); err != nil {
			return err
		}
		var err error
		u, err = tx.userByUsername(ctx, username)
		return err
	})
	return u, err
}

// DisableUser implements vigil.UserService.
func (s *UserService) DisableUser(ctx context.Context, username string) error {
	return s.db.writeTx(ctx, func(tx *Tx) error {
		if err := vigil.Authorize(ctx, vigil.ActionUpdate, vigil.KindUser); err != nil {
			return err
		}
		u, err := tx.userByUsername(ctx, username)
		if err != nil {
			return err
		}
		if u.Username == "system" {
			return vigil.Errorf(vigil.EINVALID, "The system account cannot be changed")
		}
		if u.Disabled() {
			return nil
		}
		if _, err := tx.ExecContext(ctx, `UPDATE users SET disabled_at = $1, updated_at = $1, updated_by = $2,
			version = version + 1 WHERE id = $3`, instant(tx.now), nullIfZero(tx.UserID()), u.ID); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, "DELETE FROM sessions WHERE user_id = $1", u.ID)
		return err
	})
}

// SetPassword implements vigil.UserService.
func (s *UserService) SetPassword(ctx context.Context, username, password string) error {
	if err := vigil.ValidatePassword(password); err != nil {
		return err
	}
	hash, err := s.db.hasher.Hash(password)
	if err != nil {
		return err
	}
	return s.db.writeTx(ctx, func(tx *Tx) error {
		if err := vigil.Authorize(ctx, vigil.ActionUpdate, vigil.KindUser); err != nil {
			return err
		}
		u, err := tx.userByUsername(ctx, username)
		if err != nil {
			return err
		}
		if u.Username == "system" {
			return vigil.Errorf(vigil.EINVALID, "The system account cannot sign in and has no password")
		}
		if _, err := tx.ExecContext(ctx, `UPDATE users SET password_hash = $1, updated_at = $2, updated_by = $3,
			version = version + 1 WHERE id = $4`, hash, instant(tx.now), nullIfZero(tx.UserID()), u.ID); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, "DELETE FROM sessions WHERE user_id = $1", u.ID)
		return err
	})
}

// SystemPrincipal returns the principal of the built-in system account,
// which command-line and background work act as when no person is named.
func (db *DB) SystemPrincipal(ctx context.Context) (*vigil.Principal, error) {
	return db.PrincipalFor(ctx, "system", "system")
}

// PrincipalFor returns the principal of a named, active account, for
// command-line work done in that person's name.
func (db *DB) PrincipalFor(ctx context.Context, username, via string) (*vigil.Principal, error) {
	var u *vigil.User
	err := db.readTx(ctx, func(tx *Tx) error {
		var err error
		u, err = tx.userByUsername(ctx, username)
		return err
	})
	if err != nil {
		return nil, err
	}
	if u.Disabled() {
		return nil, vigil.Errorf(vigil.EFORBIDDEN, "The account %q is disabled", username)
	}
	return &vigil.Principal{User: *u, Via: via}, nil
}
