package vigil

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
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
	Roles       []Role     `json:"roles"`
	Scope       Scope      `json:"scope"`
	// SupervisorID is told when this user opens a record with a reason.
	SupervisorID int64 `json:"supervisor_id,omitempty"`
	// SecondFactor says a second factor (TOTP) is enrolled.
	SecondFactor bool `json:"second_factor"`
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

// CanChangeSignIn reports whether the actor may change how an account
// signs in: its password, its second factor, the email address single
// sign-on finds it by, or an API token that acts as it. Nobody may take
// over an account they could not have created, so the actor must be the
// account's holder, or hold every permission of the account's roles and a
// scope at least as wide as its own. When they may not, lacking names the
// account's roles (and scope) that they do not cover, for the refusal and
// the access log.
func CanChangeSignIn(actor *Principal, target *User) (ok bool, lacking string) {
	if actor == nil || actor.User.ID == 0 {
		return false, "not signed in"
	}
	if actor.User.ID == target.ID {
		return true, ""
	}
	var gaps []string
	for _, r := range target.Roles {
		for _, perm := range RolePermissions[r] {
			if !actor.Has(perm.Action, perm.Kind) {
				gaps = append(gaps, "the role "+r.Label()+" ("+string(perm.Action)+" "+string(perm.Kind)+")")
				break
			}
		}
	}
	if !target.Scope.within(actor.Scope) {
		gaps = append(gaps, "the scope "+target.Scope.Label())
	}
	return len(gaps) == 0, strings.Join(gaps, ", ")
}

// SignInChange is a change to how an account signs in that only its holder,
// or someone who could have created the account, may make.
type SignInChange string

// The changes CanChangeSignIn guards.
const (
	SignInPassword     SignInChange = "password"
	SignInSecondFactor SignInChange = "second_factor_reset"
	SignInEmail        SignInChange = "email"
	SignInToken        SignInChange = "token"
)

// signInChanges say what a refusal says cannot be done, and the command
// that does it on the server instead, each given the username.
var signInChanges = map[SignInChange]struct{ refused, command string }{
	SignInPassword:     {"You cannot set the password of the account %s", "vigil user set-password %s"},
	SignInSecondFactor: {"You cannot reset the second factor of the account %s", "vigil user reset-second-factor %s"},
	SignInEmail:        {"You cannot change this email address, by which single sign-on finds the account %s", "vigil user set-email %s ADDRESS"},
	SignInToken:        {"You cannot issue an API token for the account %s", "vigil token create --user %s"},
}

// RefuseSignInChange is the error for a change CanChangeSignIn refused:
// what cannot be done and why (lacking, as CanChangeSignIn says it), and
// the command that does it on the server.
func RefuseSignInChange(change SignInChange, target *User, lacking string) error {
	c := signInChanges[change]
	return &Error{Code: EFORBIDDEN, Message: fmt.Sprintf(c.refused, target.Username) + fmt.Sprintf(": it holds %s, which you do "+
		"not, and nobody may take over an account they could not have created. Someone with access to the Vigil server can run %s there.",
		lacking, fmt.Sprintf(c.command, target.Username)),
		Err: denial{reason: string(change) + ": the account holds what the user does not: " + lacking}}
}

// NewUser is an account to create.
type NewUser struct {
	Username string
	PersonID int64
	// Password may be empty: the account cannot sign in with one yet.
	Password     string
	Roles        []Role
	Scope        Scope
	SupervisorID int64
}

// Access is what a user may do: roles, scope and who supervises them.
// Version is the user's version the change is based on.
type Access struct {
	Roles        []Role
	Scope        Scope
	SupervisorID int64
	Version      int64
}

// UserService manages accounts.
type UserService interface {
	// CreateUser adds an account with its roles and scope.
	CreateUser(ctx context.Context, u NewUser) (*User, error)
	// Users lists accounts, ordered by username.
	Users(ctx context.Context, page PageRequest) (Page[User], error)
	// User returns one account.
	User(ctx context.Context, id int64) (*User, error)
	// UserByUsername returns one account, with its person.
	UserByUsername(ctx context.Context, username string) (*User, error)
	// SetAccess replaces a user's roles, scope and supervisor. Nobody may
	// change their own, or grant more than they hold.
	SetAccess(ctx context.Context, userID int64, a Access) (*User, error)
	// DisableUser stops an account signing in and ends its sessions.
	DisableUser(ctx context.Context, username string) error
	// SetPassword replaces an account's password and ends its sessions.
	SetPassword(ctx context.Context, username, password string) error
	// ResetSecondFactor removes a user's enrolled second factor, so that
	// they enrol again at their next sign-in, and ends their sessions.
	ResetSecondFactor(ctx context.Context, username string) error
	// UserHistory returns the changes made to an account, newest first.
	UserHistory(ctx context.Context, id int64) ([]Change, error)
}

// SignInStage says how far a session has got.
type SignInStage string

// Sign-in stages.
const (
	// StagePartial: the password was right; a second factor is due (or
	// must be enrolled) before anything else.
	StagePartial SignInStage = "partial"
	// StageFull: signed in.
	StageFull SignInStage = "full"
)

// SignedIn is the outcome of a sign-in step: a session token to put in a
// cookie, and what the session may do next.
type SignedIn struct {
	Token string
	Stage SignInStage
	// Enrol says the user must set up a second factor before going on.
	Enrol bool
	User  *User
}

// Enrolment is a second factor being set up: the secret to enter in an
// authenticator app, and the otpauth:// URL that encodes it.
type Enrolment struct {
	Secret string
	URL    string
}

// ConfirmLifetime is how long a signed-in session may set up a second
// factor after its user gave their password again (or, for an account
// without a password, signed in with single sign-on).
const ConfirmLifetime = 10 * time.Minute

// ErrNotConfirmed is the cause of the refusal of a change that needs the
// password given again (or a fresh single sign-on) first.
var ErrNotConfirmed = errors.New("the password has not been given again")

// SessionService signs people in and out. Sessions live in the database so
// that any instance can serve any user.
type SessionService interface {
	// SignIn checks a username and password. After five failures in a row
	// a username is locked for a while, whether or not it exists.
	SignIn(ctx context.Context, username, password string) (*SignedIn, error)
	// SecondFactor checks a code for a partial session and, when it is
	// right, replaces the session with a full one (a new token).
	SecondFactor(ctx context.Context, token, code string) (*SignedIn, error)
	// ConfirmPassword checks the password of a signed-in session's user
	// again, so that for ConfirmLifetime the session may set up a second
	// factor. A wrong password counts towards the lockout as at sign-in.
	ConfirmPassword(ctx context.Context, token, password string) error
	// BeginEnrolment creates (or returns the pending) second-factor secret
	// for a partial session's user (just after their password), or for a
	// signed-in user who has none and chooses to set one up, once they
	// have given their password again (ErrNotConfirmed until then) or, for
	// an account without a password, just after single sign-on.
	BeginEnrolment(ctx context.Context, token string) (*Enrolment, error)
	// CompleteEnrolment confirms the pending secret with a code, as
	// BeginEnrolment allows, ends the account's other sessions and
	// replaces the session with a full one.
	CompleteEnrolment(ctx context.Context, token, code string) (*SignedIn, error)
	// Authenticate returns the principal behind a session token, refreshing
	// its idle timer. A partial session is only returned when partial is
	// true (the second-factor pages).
	Authenticate(ctx context.Context, token string, partial bool) (*Principal, SignInStage, error)
	// AuthenticateToken returns the principal behind an API token.
	AuthenticateToken(ctx context.Context, token string) (*Principal, error)
	// SignOut ends one session.
	SignOut(ctx context.Context, token string) error
	// SignOutEverywhere ends every session of the principal's user.
	SignOutEverywhere(ctx context.Context) error
}

// APIToken is a token an integration uses to call the API as a user.
type APIToken struct {
	ID        int64      `json:"id"`
	UserID    int64      `json:"user_id"`
	Username  string     `json:"username"`
	Name      string     `json:"name"`
	CreatedAt time.Time  `json:"created_at"`
	ExpiresAt *time.Time `json:"expires_at,omitempty"`
	// ReadOnly says the token only reads, lists and searches.
	ReadOnly   bool       `json:"read_only"`
	RevokedAt  *time.Time `json:"revoked_at,omitempty"`
	LastUsedAt *time.Time `json:"last_used_at,omitempty"`
}

// MaxTokenLifetime is the longest an API token lasts: every token expires.
const MaxTokenLifetime = 365 * 24 * time.Hour

// NewToken is an API token to issue.
type NewToken struct {
	// Username is the account the token acts as; Name says what for.
	Username, Name string
	// Expires is when the token stops working: in the future, and no more
	// than MaxTokenLifetime away.
	Expires time.Time
	// ReadOnly limits the token to reading, listing and searching what its
	// user may; anything else is refused.
	ReadOnly bool
}

// TokenService issues and revokes API tokens.
type TokenService interface {
	// IssueToken issues a token for a user and returns it once; only its
	// hash is kept.
	IssueToken(ctx context.Context, t NewToken) (string, *APIToken, error)
	// CreateToken issues a token with every permission of its user: nil
	// expires means the longest a token may last (MaxTokenLifetime).
	CreateToken(ctx context.Context, username, name string, expires *time.Time) (string, *APIToken, error)
	// Tokens lists tokens, newest first.
	Tokens(ctx context.Context, username string) ([]APIToken, error)
	// RevokeToken stops a token working.
	RevokeToken(ctx context.Context, id int64) error
}

// Change is one change to a record, as its history shows it.
type Change struct {
	At       time.Time     `json:"at"`
	UserID   int64         `json:"user_id,omitempty"`
	Username string        `json:"username"`
	Action   string        `json:"action"`
	Fields   []FieldChange `json:"fields"`
}

// FieldChange is one field's value before and after a change.
type FieldChange struct {
	Field  string  `json:"field"`
	Before *string `json:"before"`
	After  *string `json:"after"`
}

// identityPermissions: accounts, the access log and the review of
// break-glass openings. Auditors read accounts too: "what has this user
// looked at" starts from a username.
var identityPermissions = map[Role][]Permission{
	RoleMOSOVOManager: perms(KindBreakGlass, ActionReview),
	RoleAuditor: join(perms(KindAccessLog, ActionRead, ActionList, ActionSearch, ActionExport), perms(KindBreakGlass, ActionReview),
		perms(KindUser, ActionRead, ActionList)),
	RoleSeniorLeader:  perms(KindBreakGlass, ActionReview),
	RoleAdministrator: perms(KindUser, ActionRead, ActionList, ActionCreate, ActionUpdate, ActionGrant),
}
