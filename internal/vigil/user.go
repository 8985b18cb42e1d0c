package vigil

import (
	"context"
	"regexp"
	"time"
)

// User is an account that can sign in to Vigil. Most users are linked to a
// Person (an officer, member of staff or partner practitioner); the
// built-in system user that acts for background work is not.
type User struct {
	ID          int64      `json:"id"`
	Username    string     `json:"username"`
	PersonID    int64      `json:"person_id,omitempty"`
	HasPassword bool       `json:"has_password"`
	DisabledAt  *time.Time `json:"disabled_at,omitempty"`
	// Person is filled by reads that join the user's person; nil otherwise.
	Person *Person `json:"person,omitempty"`
	Stamp
}

// Disabled reports whether the account may no longer sign in.
func (u User) Disabled() bool { return u.DisabledAt != nil }

// DisplayName is the user's person's name, or the username when none.
func (u User) DisplayName() string {
	if u.Person != nil {
		return u.Person.FullName()
	}
	return u.Username
}

var usernamePattern = regexp.MustCompile(`^[a-z][a-z0-9._-]{1,63}$`)

// ValidateUsername checks a username: 2 to 64 characters, lower-case
// letters, digits, dots, hyphens and underscores, starting with a letter.
func ValidateUsername(name string) error {
	if !usernamePattern.MatchString(name) {
		var v Validation
		v.Add("username", "Username must be 2 to 64 characters: lower-case letters, digits, '.', '-' or '_', starting with a letter")
		return v.Err()
	}
	return nil
}

// MinPasswordLength is the shortest password Vigil accepts.
const MinPasswordLength = 12

// ValidatePassword checks a new password's length. (The identity
// capability adds the list of common passwords.)
func ValidatePassword(pw string) error {
	if len([]rune(pw)) < MinPasswordLength {
		var v Validation
		v.Add("password", "Password must be at least %d characters", MinPasswordLength)
		return v.Err()
	}
	if len(pw) > 1024 {
		var v Validation
		v.Add("password", "Password must be 1024 bytes or fewer")
		return v.Err()
	}
	return nil
}

// PasswordHasher turns passwords into stored hashes and checks them. It is
// an interface so that the domain need not import a hashing library, and so
// that tests can use cheap parameters.
type PasswordHasher interface {
	Hash(password string) (string, error)
	// Verify reports whether password matches the stored hash.
	Verify(password, hash string) (bool, error)
}

// UserService manages accounts.
type UserService interface {
	// CreateUser adds an account; password may be empty for an account that
	// cannot yet sign in with a password.
	CreateUser(ctx context.Context, username string, personID int64, password string) (*User, error)
	// Users lists accounts, ordered by username.
	Users(ctx context.Context, page PageRequest) (Page[User], error)
	// UserByUsername returns one account, with its person.
	UserByUsername(ctx context.Context, username string) (*User, error)
	// DisableUser stops an account signing in and ends its sessions.
	DisableUser(ctx context.Context, username string) error
	// SetPassword replaces an account's password and ends its sessions.
	SetPassword(ctx context.Context, username, password string) error
}

// Session is a signed-in browser. Only a hash of its token is stored.
type Session struct {
	UserID     int64
	CreatedAt  time.Time
	LastSeenAt time.Time
	ExpiresAt  time.Time
}

// SessionService signs people in and out. Sessions live in the database so
// that any instance can serve any user.
type SessionService interface {
	// SignIn checks a username and password and, when they match an active
	// account, starts a session and returns its token (shown once, to be
	// put in a cookie).
	SignIn(ctx context.Context, username, password string) (token string, u *User, err error)
	// StartSession starts a session for a user already identified (the
	// development sign-in, single sign-on) and returns its token.
	StartSession(ctx context.Context, userID int64) (token string, err error)
	// Authenticate returns the user behind a session token, refreshing its
	// idle timer, or EUNAUTHENTICATED when the session is unknown or over.
	Authenticate(ctx context.Context, token string) (*User, error)
	// SignOut ends one session.
	SignOut(ctx context.Context, token string) error
}
