package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"strings"

	"github.com/vigilcp/vigil/internal/password"
	"github.com/vigilcp/vigil/internal/vigil"
)

// UserService implements vigil.UserService.
type UserService struct{ db *DB }

// NewUserService returns the account service on db.
func NewUserService(db *DB) *UserService { return &UserService{db: db} }

var _ vigil.UserService = (*UserService)(nil)

const userCols = "u.id, u.username, u.person_id, u.password_hash IS NOT NULL, u.disabled_at, u.scope, u.supervisor_id, " +
	"u.totp_enrolled_at IS NOT NULL, u.created_at, u.created_by, u.updated_at, u.updated_by, u.version"

// userSelect reads a user with its person, when it has one, and the LPA
// of the person's team.
const userSelect = "SELECT " + userCols + ", p.id, p.given_name, p.family_name, p.collar_number, p.rank, p.role, " +
	"p.team_id, p.agency_id, t.lpa_id"

// userFrom joins a user's person and team. Callers may add columns after
// userSelect and joins after userFrom.
const userFrom = " FROM users u LEFT JOIN people p ON p.id = u.person_id LEFT JOIN teams t ON t.id = p.team_id"

// userRow is a user as read, with the LPA its scope is anchored to.
type userRow struct {
	*vigil.User
	lpaID int64
}

// scanUser reads a user from userSelect's columns, then any extra columns
// into extra.
func scanUser(row scanner, extra ...any) (userRow, error) {
	var u vigil.User
	var pid, team, agency, lpa sql.NullInt64
	var given, family, collar, rank, role sql.NullString
	dest := []any{&u.ID, &u.Username, nullInt{&u.PersonID}, &u.HasPassword, scanNullInstant{&u.DisabledAt}, &u.Scope,
		nullInt{&u.SupervisorID}, &u.SecondFactor, scanInstant{&u.CreatedAt}, nullInt{&u.CreatedBy},
		scanInstant{&u.UpdatedAt}, nullInt{&u.UpdatedBy}, &u.Version,
		&pid, &given, &family, &collar, &rank, &role, &team, &agency, &lpa}
	if err := row.Scan(append(dest, extra...)...); err != nil {
		return userRow{}, err
	}
	if pid.Valid {
		u.Person = &vigil.Person{ID: pid.Int64, GivenName: given.String, FamilyName: family.String,
			CollarNumber: collar.String, Rank: vigil.Rank(rank.String), Role: role.String,
			TeamID: team.Int64, AgencyID: agency.Int64, Active: true}
	}
	return userRow{User: &u, lpaID: lpa.Int64}, nil
}

// withRoles fills in a user's roles.
func (tx *Tx) withRoles(ctx context.Context, u *vigil.User) error {
	rows, err := tx.QueryContext(ctx, "SELECT role FROM user_roles WHERE user_id = $1 ORDER BY role", u.ID)
	if err != nil {
		return err
	}
	u.Roles = []vigil.Role{}
	for rows.Next() {
		var r vigil.Role
		if err := rows.Scan(&r); err != nil {
			rows.Close()
			return err
		}
		u.Roles = append(u.Roles, r)
	}
	return closeRows(rows)
}

func (tx *Tx) userWhere(ctx context.Context, cond string, arg any) (userRow, error) {
	u, err := scanUser(tx.QueryRowContext(ctx, userSelect+userFrom+" WHERE "+cond, arg))
	if errors.Is(err, sql.ErrNoRows) {
		return u, vigil.Errorf(vigil.ENOTFOUND, "There is no such user")
	}
	if err != nil {
		return u, err
	}
	return u, tx.withRoles(ctx, u.User)
}

func (tx *Tx) userByUsername(ctx context.Context, username string) (*vigil.User, error) {
	u, err := tx.userWhere(ctx, "u.username = $1", username)
	if vigil.ErrorCode(err) == vigil.ENOTFOUND {
		return nil, vigil.Errorf(vigil.ENOTFOUND, "There is no user called %q", username)
	}
	return u.User, err
}

// principal builds the principal of a user: the system account holds every
// role across the force; everyone else what they were granted.
func principalOf(u userRow, via string) *vigil.Principal {
	p := &vigil.Principal{User: *u.User, Roles: u.Roles, Scope: u.Scope, Via: via, LPAID: u.lpaID}
	if u.Person != nil {
		p.TeamID, p.PersonID, p.AgencyID = u.Person.TeamID, u.Person.ID, u.Person.AgencyID
	}
	if u.Username == "system" {
		p.Roles, p.Scope = slices.Clone(vigil.Roles), vigil.ScopeForce
	}
	return p
}

// SystemPrincipal returns the principal of the built-in system account,
// which command-line and background work act as when no person is named.
func (db *DB) SystemPrincipal(ctx context.Context) (*vigil.Principal, error) {
	return db.PrincipalFor(ctx, "system", "system")
}

// PrincipalFor returns the principal of a named, active account, for
// command-line work done in that person's name.
func (db *DB) PrincipalFor(ctx context.Context, username, via string) (*vigil.Principal, error) {
	var u userRow
	err := db.readTx(ctx, func(tx *Tx) error {
		var err error
		u, err = tx.userWhere(ctx, "u.username = $1", username)
		return err
	})
	if vigil.ErrorCode(err) == vigil.ENOTFOUND {
		return nil, vigil.Errorf(vigil.ENOTFOUND, "There is no user called %q", username)
	}
	if err != nil {
		return nil, err
	}
	if u.Disabled() {
		return nil, vigil.Errorf(vigil.EFORBIDDEN, "The account %q is disabled", username)
	}
	return principalOf(u, via), nil
}

func userFields(u *vigil.User) map[string]string {
	roles := make([]string, len(u.Roles))
	for i, r := range u.Roles {
		roles[i] = string(r)
	}
	disabled := ""
	if u.DisabledAt != nil {
		disabled = u.DisabledAt.Format("2006-01-02T15:04:05.000Z")
	}
	return map[string]string{"username": u.Username, "person_id": idText(u.PersonID), "roles": strings.Join(roles, ","),
		"scope": string(u.Scope), "supervisor_id": idText(u.SupervisorID), "disabled_at": disabled,
		"password": boolText(u.HasPassword), "second_factor": boolText(u.SecondFactor)}
}

// CreateUser implements vigil.UserService.
func (s *UserService) CreateUser(ctx context.Context, nu vigil.NewUser) (*vigil.User, error) {
	nu.Username = strings.TrimSpace(nu.Username)
	var v vigil.Validation
	if err := vigil.ValidateUsername(nu.Username); err != nil {
		v.Add("username", "%s", vigil.ErrorFields(err)[0].Message)
	}
	if nu.Password != "" {
		if err := validatePassword(nu.Password); err != nil {
			v.Add("password", "%s", vigil.ErrorFields(err)[0].Message)
		}
	}
	if nu.Scope == "" {
		nu.Scope = vigil.ScopeTeam
		if slices.Contains(nu.Roles, vigil.RolePartner) {
			nu.Scope = vigil.ScopeAgency
		}
	}
	// Problems with the fields are reported together with the grant
	// rules' below, so that a form shows every one at once.
	var hash any
	if nu.Password != "" && v.Err() == nil {
		h, err := s.db.hasher.Hash(nu.Password)
		if err != nil {
			return nil, err
		}
		hash = h
	}
	var out *vigil.User
	err := s.db.writeTx(ctx, func(tx *Tx) error {
		if err := tx.require(ctx, vigil.ActionCreate, vigil.KindUser); err != nil {
			return err
		}
		if err := vigil.CanGrant(tx.who, 0, nu.Roles, nu.Scope); err != nil {
			if vigil.ErrorCode(err) != vigil.EINVALID {
				if vigil.ErrorCode(err) == vigil.EFORBIDDEN {
					tx.denied = append(tx.denied, tx.entry(vigil.ActionGrant, vigil.KindUser, nil, vigil.OutcomeDenied, vigil.ErrorMessage(err)))
				}
				return err
			}
			fieldsOf(&v, err)
		}
		if tx.exists(ctx, "SELECT 1 FROM users WHERE username = $1", nu.Username) {
			v.Add("username", "The username %q is already taken", nu.Username)
		}
		if nu.PersonID != 0 {
			if !tx.exists(ctx, "SELECT 1 FROM people WHERE id = $1", nu.PersonID) {
				v.Add("person_id", "There is no person with id %d", nu.PersonID)
			} else if tx.exists(ctx, "SELECT 1 FROM users WHERE person_id = $1", nu.PersonID) {
				v.Add("person_id", "That person already has an account")
			}
		}
		if nu.SupervisorID != 0 && !tx.exists(ctx, "SELECT 1 FROM users WHERE id = $1", nu.SupervisorID) {
			v.Add("supervisor_id", "There is no user with id %d", nu.SupervisorID)
		}
		if err := v.Err(); err != nil {
			return err
		}
		var id int64
		err := tx.QueryRowContext(ctx, `INSERT INTO users (username, person_id, password_hash, scope, supervisor_id,
			created_at, created_by, updated_at, updated_by)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $6, $7) RETURNING id`,
			nu.Username, nullIfZero(nu.PersonID), hash, string(nu.Scope), nullIfZero(nu.SupervisorID),
			instant(tx.now), nullIfZero(tx.UserID())).Scan(&id)
		if err != nil {
			return err
		}
		if err := tx.setRoles(ctx, id, nu.Roles); err != nil {
			return err
		}
		u, err := tx.userWhere(ctx, "u.id = $1", id)
		if err != nil {
			return err
		}
		out = u.User
		tx.log(vigil.ActionCreate, vigil.KindUser, []int64{id}, vigil.OutcomeOK, "")
		return tx.history(ctx, vigil.KindUser, id, "create", nil, userFields(out))
	})
	return out, err
}

func (tx *Tx) setRoles(ctx context.Context, userID int64, roles []vigil.Role) error {
	if _, err := tx.ExecContext(ctx, "DELETE FROM user_roles WHERE user_id = $1", userID); err != nil {
		return err
	}
	seen := map[vigil.Role]bool{}
	for _, r := range roles {
		if seen[r] {
			continue
		}
		seen[r] = true
		if _, err := tx.ExecContext(ctx, "INSERT INTO user_roles (user_id, role, granted_at, granted_by) VALUES ($1, $2, $3, $4)",
			userID, string(r), instant(tx.now), nullIfZero(tx.UserID())); err != nil {
			return err
		}
	}
	return nil
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
	err := s.db.writeTx(ctx, func(tx *Tx) error {
		if err := tx.require(ctx, vigil.ActionList, vigil.KindUser); err != nil {
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
			out.Items = append(out.Items, *u.User)
		}
		if err := closeRows(rows); err != nil {
			return err
		}
		if len(out.Items) > limit {
			out.Items = out.Items[:limit]
			out.Next = encodeCursor(out.Items[limit-1].Username)
		}
		ids := make([]int64, len(out.Items))
		for i := range out.Items {
			if err := tx.withRoles(ctx, &out.Items[i]); err != nil {
				return err
			}
			ids[i] = out.Items[i].ID
		}
		tx.log(vigil.ActionList, vigil.KindUser, ids, vigil.OutcomeOK, "")
		return nil
	})
	if err != nil {
		return vigil.Page[vigil.User]{}, err
	}
	return out, nil
}

func (s *UserService) readUser(ctx context.Context, cond string, arg any) (*vigil.User, error) {
	var u *vigil.User
	err := s.db.writeTx(ctx, func(tx *Tx) error {
		if err := tx.require(ctx, vigil.ActionRead, vigil.KindUser); err != nil {
			return err
		}
		r, err := tx.userWhere(ctx, cond, arg)
		if err != nil {
			return err
		}
		u = r.User
		tx.log(vigil.ActionRead, vigil.KindUser, []int64{u.ID}, vigil.OutcomeOK, "")
		return nil
	})
	return u, err
}

// User implements vigil.UserService.
func (s *UserService) User(ctx context.Context, id int64) (*vigil.User, error) {
	return s.readUser(ctx, "u.id = $1", id)
}

// UserByUsername implements vigil.UserService.
func (s *UserService) UserByUsername(ctx context.Context, username string) (*vigil.User, error) {
	u, err := s.readUser(ctx, "u.username = $1", username)
	if vigil.ErrorCode(err) == vigil.ENOTFOUND {
		return nil, vigil.Errorf(vigil.ENOTFOUND, "There is no user called %q", username)
	}
	return u, err
}

// SetAccess implements vigil.UserService.
func (s *UserService) SetAccess(ctx context.Context, userID int64, a vigil.Access) (*vigil.User, error) {
	var out *vigil.User
	err := s.db.writeTx(ctx, func(tx *Tx) error {
		if err := tx.require(ctx, vigil.ActionUpdate, vigil.KindUser); err != nil {
			return err
		}
		cur, err := tx.userWhere(ctx, "u.id = $1", userID)
		if err != nil {
			return err
		}
		if cur.Username == "system" {
			return vigil.Errorf(vigil.EINVALID, "The system account cannot be changed")
		}
		if err := vigil.CanGrant(tx.who, userID, a.Roles, a.Scope); err != nil {
			if vigil.ErrorCode(err) == vigil.EFORBIDDEN {
				tx.denied = append(tx.denied, tx.entry(vigil.ActionGrant, vigil.KindUser, []int64{userID}, vigil.OutcomeDenied, vigil.ErrorMessage(err)))
			}
			return err
		}
		if a.Version != cur.Version {
			return staleVersion("user")
		}
		if a.SupervisorID == userID {
			var v vigil.Validation
			v.Add("supervisor_id", "A user cannot supervise themselves")
			return v.Err()
		}
		if a.SupervisorID != 0 && !tx.exists(ctx, "SELECT 1 FROM users WHERE id = $1", a.SupervisorID) {
			var v vigil.Validation
			v.Add("supervisor_id", "There is no user with id %d", a.SupervisorID)
			return v.Err()
		}
		res, err := tx.ExecContext(ctx, `UPDATE users SET scope = $1, supervisor_id = $2, updated_at = $3, updated_by = $4,
			version = version + 1 WHERE id = $5 AND version = $6`,
			string(a.Scope), nullIfZero(a.SupervisorID), instant(tx.now), nullIfZero(tx.UserID()), userID, a.Version)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return staleVersion("user")
		}
		if err := tx.setRoles(ctx, userID, a.Roles); err != nil {
			return err
		}
		u, err := tx.userWhere(ctx, "u.id = $1", userID)
		if err != nil {
			return err
		}
		out = u.User
		tx.log(vigil.ActionGrant, vigil.KindUser, []int64{userID}, vigil.OutcomeOK, "")
		return tx.history(ctx, vigil.KindUser, userID, "access", userFields(cur.User), userFields(out))
	})
	return out, err
}

// changeAccount runs an account change that ends the account's sessions.
func (s *UserService) changeAccount(ctx context.Context, username, action string, change func(tx *Tx, u *vigil.User) error) error {
	return s.db.writeTx(ctx, func(tx *Tx) error {
		if err := tx.require(ctx, vigil.ActionUpdate, vigil.KindUser); err != nil {
			return err
		}
		r, err := tx.userByUsername(ctx, username)
		if err != nil {
			return err
		}
		if r.Username == "system" {
			return vigil.Errorf(vigil.EINVALID, "The system account cannot sign in and cannot be changed")
		}
		before := userFields(r)
		if err := change(tx, r); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "UPDATE users SET updated_at = $1, updated_by = $2, version = version + 1 WHERE id = $3",
			instant(tx.now), nullIfZero(tx.UserID()), r.ID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "DELETE FROM sessions WHERE user_id = $1", r.ID); err != nil {
			return err
		}
		after, err := tx.userWhere(ctx, "u.id = $1", r.ID)
		if err != nil {
			return err
		}
		tx.log(vigil.ActionUpdate, vigil.KindUser, []int64{r.ID}, vigil.OutcomeOK, action)
		return tx.history(ctx, vigil.KindUser, r.ID, action, before, userFields(after.User))
	})
}

// DisableUser implements vigil.UserService.
func (s *UserService) DisableUser(ctx context.Context, username string) error {
	return s.changeAccount(ctx, username, "disable", func(tx *Tx, u *vigil.User) error {
		if u.ID == tx.UserID() {
			return vigil.Errorf(vigil.EFORBIDDEN, "You cannot disable your own account")
		}
		_, err := tx.ExecContext(ctx, "UPDATE users SET disabled_at = COALESCE(disabled_at, $1) WHERE id = $2", instant(tx.now), u.ID)
		return err
	})
}

// mayChangeSignIn refuses, and logs the refusal, a change to how target
// signs in that the principal may not make: they are not its holder and
// could not have created it (see vigil.CanChangeSignIn).
func (tx *Tx) mayChangeSignIn(target *vigil.User, change vigil.SignInChange) error {
	ok, lacking := vigil.CanChangeSignIn(tx.who, target)
	if ok {
		return nil
	}
	err := vigil.RefuseSignInChange(change, target, lacking)
	tx.denied = append(tx.denied, tx.entry(vigil.ActionUpdate, vigil.KindUser, []int64{target.ID}, vigil.OutcomeDenied,
		vigil.DenialReason(err)))
	return err
}

// mayChangeEmailOf refuses a change to a person's email address, which
// single sign-on finds their account by at its first sign-in, unless the
// principal may change how that account signs in. A person without an
// account may be changed by anyone who may change people.
func (tx *Tx) mayChangeEmailOf(ctx context.Context, person *vigil.Person, email string) error {
	if email == person.Email {
		return nil
	}
	u, err := tx.userWhere(ctx, "u.person_id = $1", person.ID)
	switch {
	case vigil.ErrorCode(err) == vigil.ENOTFOUND:
		return nil
	case err != nil:
		return err
	}
	return tx.mayChangeSignIn(u.User, vigil.SignInEmail)
}

// SetPassword implements vigil.UserService.
func (s *UserService) SetPassword(ctx context.Context, username, password string) error {
	if err := validatePassword(password); err != nil {
		return err
	}
	hash, err := s.db.hasher.Hash(password)
	if err != nil {
		return err
	}
	return s.changeAccount(ctx, username, "password", func(tx *Tx, u *vigil.User) error {
		if err := tx.mayChangeSignIn(u, vigil.SignInPassword); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, "UPDATE users SET password_hash = $1 WHERE id = $2", hash, u.ID)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, "DELETE FROM sign_in_failures WHERE username = $1", u.Username)
		return err
	})
}

// ResetSecondFactor implements vigil.UserService.
func (s *UserService) ResetSecondFactor(ctx context.Context, username string) error {
	return s.changeAccount(ctx, username, "second_factor_reset", func(tx *Tx, u *vigil.User) error {
		if err := tx.mayChangeSignIn(u, vigil.SignInSecondFactor); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, "UPDATE users SET totp_secret = NULL, totp_enrolled_at = NULL, totp_last_step = NULL WHERE id = $1", u.ID)
		return err
	})
}

// UserHistory implements vigil.UserService.
func (s *UserService) UserHistory(ctx context.Context, id int64) ([]vigil.Change, error) {
	var out []vigil.Change
	err := s.db.writeTx(ctx, func(tx *Tx) error {
		if err := tx.require(ctx, vigil.ActionRead, vigil.KindUser); err != nil {
			return err
		}
		var err error
		if out, err = tx.historyOf(ctx, vigil.KindUser, id); err != nil {
			return err
		}
		tx.log(vigil.ActionRead, vigil.KindUser, []int64{id}, vigil.OutcomeOK, "history")
		return nil
	})
	return out, err
}

// validatePassword applies the length rule and refuses passwords on the
// embedded list of common ones.
func validatePassword(pw string) error {
	if err := vigil.ValidatePassword(pw); err != nil {
		return err
	}
	if password.IsCommon(pw) {
		var v vigil.Validation
		v.Add("password", "That password is too common or too easy to guess: choose a longer phrase of unrelated words")
		return v.Err()
	}
	return nil
}
