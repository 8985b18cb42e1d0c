package sqlstore

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"strings"
	"sync"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/vigilcp/vigil/internal/vigil"
)

// SessionService implements vigil.SessionService with sessions stored in
// the database, so that several instances behind a load balancer share
// them.
type SessionService struct{ db *DB }

// NewSessionService returns the session service on db.
func NewSessionService(db *DB) *SessionService { return &SessionService{db: db} }

var _ vigil.SessionService = (*SessionService)(nil)

// touchEvery limits how often a session's idle timer is written: reads far
// outnumber writes, and a minute's slack on a 30-minute timeout is harmless.
const touchEvery = time.Minute

// partialLifetime bounds a session waiting for its second factor.
const partialLifetime = 10 * time.Minute

// The one message for a wrong username or password, whichever it was.
var errBadCredentials = vigil.Errorf(vigil.EUNAUTHENTICATED, "The username or password is not right")

// lockedError is the one message for a locked username, whether or not
// it exists.
func (s *SessionService) lockedError() error {
	return vigil.Errorf(vigil.EUNAUTHENTICATED,
		"There have been too many failed attempts to sign in with this username. Wait %s, then try again.", humanDuration(s.db.lockoutFor))
}

// humanDuration says a duration in whole minutes or hours.
func humanDuration(d time.Duration) string {
	switch m := int(d.Round(time.Minute) / time.Minute); {
	case m == 1:
		return "1 minute"
	case m < 120 || m%60 != 0:
		return itoa(m) + " minutes"
	default:
		return itoa(m/60) + " hours"
	}
}

var errBadCode = vigil.Errorf(vigil.EUNAUTHENTICATED, "The code is not right. Enter the 6-digit code your authenticator app shows now.")

var errSessionOver = vigil.Errorf(vigil.EUNAUTHENTICATED, "Your session has ended. Sign in again.")

var errWrongPassword = vigil.Errorf(vigil.EUNAUTHENTICATED, "The password is not right")

// notConfirmed is the refusal of a second-factor set-up from a signed-in
// session whose user has not given their password again lately (or, with
// no password, signed in with single sign-on).
func notConfirmed(hasPassword bool) error {
	msg := "Enter your password again to set up a second factor."
	if !hasPassword {
		msg = "Sign in again with single sign-on to set up a second factor."
	}
	return &vigil.Error{Code: vigil.EUNAUTHENTICATED, Message: msg, Err: vigil.ErrNotConfirmed}
}

// dummyHash is verified when a username is unknown, so that a wrong
// username takes as long to refuse as a wrong password.
var (
	dummyHash     string
	dummyHashOnce sync.Once
)

// hashToken is what is stored for a session or API token: a leaked table
// does not let anyone sign in.
func hashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

func newToken(prefix string) (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return prefix + base64.RawURLEncoding.EncodeToString(b), nil
}

// burn spends the time a real check would.
func (s *SessionService) burn(password string) {
	dummyHashOnce.Do(func() { dummyHash, _ = s.db.hasher.Hash("vigil-dummy-password") })
	_, _ = s.db.hasher.Verify(password, dummyHash)
}

// anonymous is the principal for sign-in entries: the username tried,
// from the request's origin.
func anonymous(ctx context.Context, username string) context.Context {
	o := vigil.OriginFrom(ctx)
	return vigil.WithPrincipal(ctx, &vigil.Principal{User: vigil.User{Username: username}, Via: "sign-in",
		Client: o.Client, RequestID: o.RequestID})
}

// lockedOut reports whether a username is locked now.
func (s *SessionService) lockedOut(ctx context.Context, name string) (bool, error) {
	var until *time.Time
	err := s.db.read.QueryRowContext(ctx, "SELECT locked_until FROM sign_in_failures WHERE username = $1", name).
		Scan(scanNullInstant{&until})
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, s.db.mapErr(err)
	}
	return until != nil && vigil.Millis(s.db.clock.Now()).Before(*until), nil
}

// factor is what a sign-in step proved, or failed to prove: the password,
// or the second factor's code. Each has its own count of failures in a
// row; either reaching the lockout locks the username.
type factor int

const (
	passwordFactor factor = iota
	codeFactor
)

// fail records a failed attempt for a username, existing or not, and locks
// it after too many in a row; the attempt is logged in the same
// transaction, of its own. A wrong password and a wrong code count apart,
// so that a right password, which clears the first, never clears the
// second. It reports whether the username was already locked, in which
// case nothing is counted and the entry says "locked".
func (s *SessionService) fail(ctx context.Context, name string, userID int64, action vigil.Action, reason string, f factor) (bool, error) {
	locked := reason == "locked"
	err := s.db.writeTx(anonymous(ctx, name), func(tx *Tx) error {
		var until *time.Time
		err := tx.QueryRowContext(ctx, "SELECT locked_until FROM sign_in_failures WHERE username = $1", name).
			Scan(scanNullInstant{&until})
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		if until != nil && tx.now.Before(*until) {
			locked, reason = true, "locked"
		}
		if !locked {
			if err := s.count(ctx, tx, name, f); err != nil {
				return err
			}
		}
		e := tx.entry(action, vigil.KindUser, nil, vigil.OutcomeFailed, reason)
		e.UserID = userID
		tx.pending = append(tx.pending, e)
		return nil
	})
	return locked, err
}

// count adds one failure of a factor for a username and locks it once
// either count reaches the lockout. The increment is one statement, so
// that attempts sent at once are each counted; a lock that has run out
// starts both counts again.
func (s *SessionService) count(ctx context.Context, tx *Tx, name string, f factor) error {
	password, code := 1, 0
	if f == codeFactor {
		password, code = 0, 1
	}
	var failures, codeFailures int64
	err := tx.QueryRowContext(ctx, `INSERT INTO sign_in_failures (username, failures, code_failures, last_failure_at, locked_until)
		VALUES ($1, $2, $3, $4, NULL) ON CONFLICT (username) DO UPDATE SET
		failures = CASE WHEN sign_in_failures.locked_until <= excluded.last_failure_at THEN excluded.failures
			ELSE sign_in_failures.failures + excluded.failures END,
		code_failures = CASE WHEN sign_in_failures.locked_until <= excluded.last_failure_at THEN excluded.code_failures
			ELSE sign_in_failures.code_failures + excluded.code_failures END,
		locked_until = CASE WHEN sign_in_failures.locked_until <= excluded.last_failure_at THEN NULL
			ELSE sign_in_failures.locked_until END,
		last_failure_at = excluded.last_failure_at
		RETURNING failures, code_failures`, name, password, code, instant(tx.now)).Scan(&failures, &codeFailures)
	if err != nil {
		return err
	}
	if max(failures, codeFailures) < int64(s.db.lockoutAfter) {
		return nil
	}
	_, err = tx.ExecContext(ctx, "UPDATE sign_in_failures SET locked_until = $1 WHERE username = $2 AND locked_until IS NULL",
		instant(tx.now.Add(s.db.lockoutFor)), name)
	return err
}

// proven clears what a right sign-in step clears: a right password the
// count of wrong passwords (not of wrong codes, nor a lock); a right code
// every count.
func (tx *Tx) proven(ctx context.Context, username string, f factor) error {
	q := "UPDATE sign_in_failures SET failures = 0 WHERE username = $1"
	if f == codeFactor {
		q = "DELETE FROM sign_in_failures WHERE username = $1"
	}
	_, err := tx.ExecContext(ctx, q, username)
	return err
}

// errLockedNow is what a right code's transaction returns when the
// username is locked: the refusal is then logged and shown as a lock.
var errLockedNow = errors.New("sqlstore: the username is locked")

// refuseLocked logs a step refused because the username is locked and
// returns the lock's message.
func (s *SessionService) refuseLocked(ctx context.Context, name string, userID int64, action vigil.Action) error {
	if _, err := s.fail(ctx, name, userID, action, "locked", codeFactor); err != nil {
		return err
	}
	return s.lockedError()
}

// SignIn implements vigil.SessionService.
func (s *SessionService) SignIn(ctx context.Context, username, password string) (*vigil.SignedIn, error) {
	name := strings.ToLower(strings.TrimSpace(username))
	if len(name) > 100 {
		name = name[:100]
	}
	locked, err := s.lockedOut(ctx, name)
	if err != nil {
		return nil, err
	}
	if locked {
		return nil, s.refuseLocked(ctx, name, 0, vigil.ActionSignIn)
	}
	var u userRow
	var hash sql.NullString
	err = s.db.readTx(ctx, func(tx *Tx) error {
		var err error
		if u, err = tx.userWhere(ctx, "u.username = $1", name); err != nil {
			return err
		}
		return tx.QueryRowContext(ctx, "SELECT password_hash FROM users WHERE id = $1", u.ID).Scan(&hash)
	})
	switch {
	case vigil.ErrorCode(err) == vigil.ENOTFOUND:
		s.burn(password)
		return nil, s.failed(ctx, name, 0, "unknown username")
	case err != nil:
		return nil, err
	case !hash.Valid || u.Disabled() || u.Username == "system":
		s.burn(password)
		return nil, s.failed(ctx, name, u.ID, "account cannot sign in with a password")
	}
	ok, err := s.db.hasher.Verify(password, hash.String)
	if err != nil || !ok {
		return nil, s.failed(ctx, name, u.ID, "wrong password")
	}
	stage := vigil.StageFull
	if u.SecondFactor || vigil.NeedsSecondFactor(u.Roles) {
		stage = vigil.StagePartial
	}
	token, err := s.start(ctx, principalOf(u, "session"), stage, vigil.ActionSignIn, "password", passwordFactor)
	if err != nil {
		return nil, err
	}
	return &vigil.SignedIn{Token: token, Stage: stage, Enrol: stage == vigil.StagePartial && !u.SecondFactor, User: u.User}, nil
}

// failed records a failed sign-in and returns the error to show: the
// same for every cause, and the lock message once the lock has begun.
func (s *SessionService) failed(ctx context.Context, name string, userID int64, reason string) error {
	locked, err := s.fail(ctx, name, userID, vigil.ActionSignIn, reason, passwordFactor)
	if err != nil {
		return err
	}
	if locked {
		return s.lockedError()
	}
	return errBadCredentials
}

// start begins a session for the principal's user, clearing the failure
// counts the factor it proved clears, and logs the sign-in step.
func (s *SessionService) start(ctx context.Context, p *vigil.Principal, stage vigil.SignInStage, action vigil.Action, how string,
	proved factor) (string, error) {
	token, err := newToken("")
	if err != nil {
		return "", err
	}
	o := vigil.OriginFrom(ctx)
	c := *p
	c.Client, c.RequestID = o.Client, o.RequestID
	p = &c
	err = s.db.writeTx(vigil.WithPrincipal(ctx, p), func(tx *Tx) error {
		expires := tx.now.Add(s.db.sessionAbsolute)
		if stage == vigil.StagePartial {
			expires = tx.now.Add(partialLifetime)
		}
		if _, err := tx.ExecContext(ctx, "DELETE FROM sessions WHERE user_id = $1 AND (expires_at <= $2 OR last_seen_at <= $3)",
			p.User.ID, instant(tx.now), instant(tx.now.Add(-s.db.sessionIdle))); err != nil {
			return err
		}
		if err := tx.proven(ctx, p.User.Username, proved); err != nil {
			return err
		}
		// A single sign-on just now serves, for an account without a
		// password, as the password given again.
		var confirmed any
		if how == ssoVia && stage == vigil.StageFull && !p.User.HasPassword {
			confirmed = instant(tx.now)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO sessions (token_hash, user_id, created_at, last_seen_at, expires_at, stage, confirmed_at)
			VALUES ($1, $2, $3, $3, $4, $5, $6)`, hashToken(token), p.User.ID, instant(tx.now), instant(expires), string(stage),
			confirmed); err != nil {
			return err
		}
		tx.log(action, vigil.KindUser, []int64{p.User.ID}, vigil.OutcomeOK, how+", session "+string(stage))
		return nil
	})
	if err != nil {
		return "", err
	}
	return token, nil
}

// StartSession begins a full session for a user identified some other way
// (single sign-on) and returns its token.
func (s *SessionService) StartSession(ctx context.Context, userID int64, how string) (string, error) {
	var u userRow
	err := s.db.readTx(ctx, func(tx *Tx) error {
		var err error
		u, err = tx.userWhere(ctx, "u.id = $1", userID)
		return err
	})
	if err != nil {
		return "", err
	}
	if u.Disabled() || u.Username == "system" {
		return "", errBadCredentials
	}
	return s.start(ctx, principalOf(u, "session"), vigil.StageFull, vigil.ActionSignIn, how, passwordFactor)
}

// session is a session row joined to its user.
type session struct {
	user     userRow
	lastSeen time.Time
	expires  time.Time
	stage    vigil.SignInStage
	// confirmed is when the user last gave their password again in this
	// session (or began it with single sign-on, having no password).
	confirmed *time.Time
}

func (s *SessionService) lookup(ctx context.Context, token string) (*session, error) {
	if token == "" {
		return nil, errSessionOver
	}
	var ses session
	err := s.db.readTx(ctx, func(tx *Tx) error {
		var err error
		ses.user, err = scanUser(tx.QueryRowContext(ctx, userSelect+", s.last_seen_at, s.expires_at, s.stage, s.confirmed_at"+userFrom+
			" JOIN sessions s ON s.user_id = u.id WHERE s.token_hash = $1", hashToken(token)),
			scanInstant{&ses.lastSeen}, scanInstant{&ses.expires}, &ses.stage, scanNullInstant{&ses.confirmed})
		if errors.Is(err, sql.ErrNoRows) {
			return errSessionOver
		}
		if err != nil {
			return err
		}
		return tx.withRoles(ctx, ses.user.User)
	})
	if err != nil {
		return nil, err
	}
	now := vigil.Millis(s.db.clock.Now())
	if !now.Before(ses.expires) || !now.Before(ses.lastSeen.Add(s.db.sessionIdle)) || ses.user.Disabled() {
		_ = s.db.writeTx(ctx, func(tx *Tx) error {
			_, err := tx.ExecContext(ctx, "DELETE FROM sessions WHERE token_hash = $1", hashToken(token))
			return err
		})
		return nil, errSessionOver
	}
	if now.Sub(ses.lastSeen) >= touchEvery {
		err := s.db.writeTx(ctx, func(tx *Tx) error {
			_, err := tx.ExecContext(ctx, "UPDATE sessions SET last_seen_at = $1 WHERE token_hash = $2", instant(now), hashToken(token))
			return err
		})
		if err != nil {
			return nil, err
		}
	}
	return &ses, nil
}

// Authenticate implements vigil.SessionService.
func (s *SessionService) Authenticate(ctx context.Context, token string, partial bool) (*vigil.Principal, vigil.SignInStage, error) {
	ses, err := s.lookup(ctx, token)
	if err != nil {
		return nil, "", err
	}
	if ses.stage == vigil.StagePartial && !partial {
		return nil, "", errSessionOver
	}
	return principalOf(ses.user, "session"), ses.stage, nil
}

// totpOpts are the RFC 6238 parameters every authenticator app supports.
var totpOpts = totp.ValidateOpts{Period: 30, Skew: 0, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1}

// checkCode reports the time-step a code is valid for (now, or one step
// either side for clock drift), or -1.
func checkCode(secret, code string, now time.Time) int64 {
	code = strings.ReplaceAll(strings.TrimSpace(code), " ", "")
	if len(code) != 6 {
		return -1
	}
	step := now.Unix() / 30
	for _, d := range []int64{0, -1, 1} {
		want, err := totp.GenerateCodeCustom(secret, time.Unix((step+d)*30, 0), totpOpts)
		if err == nil && subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 {
			return step + d
		}
	}
	return -1
}

// partialSession returns a partial session's user and its TOTP state.
func (s *SessionService) partialSession(ctx context.Context, token string) (*session, string, int64, error) {
	return s.sessionForFactor(ctx, token, false)
}

// sessionForFactor returns a session's user and TOTP state: a partial
// session's, or (enrol) a full session's whose user has no second factor
// yet and chooses to set one up, having given their password again within
// ConfirmLifetime (or, without a password, signed in with single sign-on
// within it). A partial session began with the password moments ago.
func (s *SessionService) sessionForFactor(ctx context.Context, token string, enrol bool) (*session, string, int64, error) {
	ses, err := s.lookup(ctx, token)
	if err != nil {
		return nil, "", 0, err
	}
	if ses.stage != vigil.StagePartial && !(enrol && !ses.user.SecondFactor) {
		return nil, "", 0, vigil.Errorf(vigil.EINVALID, "You are already signed in")
	}
	if ses.stage == vigil.StageFull && (ses.confirmed == nil || !vigil.Millis(s.db.clock.Now()).Before(ses.confirmed.Add(vigil.ConfirmLifetime))) {
		return nil, "", 0, notConfirmed(ses.user.HasPassword)
	}
	var secret sql.NullString
	var last sql.NullInt64
	if err := s.db.read.QueryRowContext(ctx, "SELECT totp_secret, totp_last_step FROM users WHERE id = $1", ses.user.ID).
		Scan(&secret, &last); err != nil {
		return nil, "", 0, s.db.mapErr(err)
	}
	return ses, secret.String, last.Int64, nil
}

// upgrade replaces a partial session with a full one, recording the code's
// time-step so the code cannot be used again. A right code is refused
// while the username is locked.
func (s *SessionService) upgrade(ctx context.Context, old string, ses *session, step int64, enrol bool) (*vigil.SignedIn, error) {
	ended := 0
	err := s.db.writeTx(ctx, func(tx *Tx) error {
		var until *time.Time
		err := tx.QueryRowContext(ctx, "SELECT locked_until FROM sign_in_failures WHERE username = $1", ses.user.Username).
			Scan(scanNullInstant{&until})
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		if until != nil && tx.now.Before(*until) {
			return errLockedNow
		}
		q := "UPDATE users SET totp_last_step = $1 WHERE id = $2 AND (totp_last_step IS NULL OR totp_last_step < $1)"
		if enrol {
			q = "UPDATE users SET totp_last_step = $1, totp_enrolled_at = $3 WHERE id = $2 AND totp_enrolled_at IS NULL"
		}
		args := []any{step, ses.user.ID}
		if enrol {
			args = append(args, instant(tx.now))
		}
		res, err := tx.ExecContext(ctx, q, args...)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return errBadCode // replayed, or enrolled twice at once
		}
		if !enrol {
			_, err = tx.ExecContext(ctx, "DELETE FROM sessions WHERE token_hash = $1", hashToken(old))
			return err
		}
		// A new second factor ends every other session of the account:
		// one begun before it may be someone else's.
		if res, err = tx.ExecContext(ctx, "DELETE FROM sessions WHERE user_id = $1", ses.user.ID); err != nil {
			return err
		}
		n, _ := res.RowsAffected()
		ended = int(n) - 1
		return nil
	})
	if errors.Is(err, errLockedNow) {
		return nil, s.refuseLocked(ctx, ses.user.Username, ses.user.ID, vigil.ActionSecondFactor)
	}
	if err != nil {
		return nil, err
	}
	how := "second factor"
	if enrol {
		how = "second factor enrolled, " + itoa(ended) + " other sessions ended"
	}
	ses.user.SecondFactor = true
	token, err := s.start(ctx, principalOf(ses.user, "session"), vigil.StageFull, vigil.ActionSecondFactor, how, codeFactor)
	if err != nil {
		return nil, err
	}
	return &vigil.SignedIn{Token: token, Stage: vigil.StageFull, User: ses.user.User}, nil
}

// wrongCode counts a wrong code against the account and returns the error
// to show: that the code is not right, or, once the account is locked,
// the lock's message (the same words, after the same number of failures,
// as a password lockout). The partial session is kept: its next attempt
// is refused as locked until the lock runs out.
func (s *SessionService) wrongCode(ctx context.Context, ses *session, reason string) error {
	locked, err := s.fail(ctx, ses.user.Username, ses.user.ID, vigil.ActionSecondFactor, reason, codeFactor)
	switch {
	case err != nil:
		return err
	case locked:
		return s.lockedError()
	}
	return errBadCode
}

// SecondFactor implements vigil.SessionService.
func (s *SessionService) SecondFactor(ctx context.Context, token, code string) (*vigil.SignedIn, error) {
	ses, secret, last, err := s.partialSession(ctx, token)
	if err != nil {
		return nil, err
	}
	if !ses.user.SecondFactor {
		return nil, vigil.Errorf(vigil.EINVALID, "Set up your second factor first")
	}
	step := checkCode(secret, code, s.db.clock.Now())
	if step < 0 || step <= last {
		return nil, s.wrongCode(ctx, ses, "wrong code")
	}
	return s.upgrade(ctx, token, ses, step, false)
}

// ConfirmPassword implements vigil.SessionService.
func (s *SessionService) ConfirmPassword(ctx context.Context, token, password string) error {
	ses, err := s.lookup(ctx, token)
	if err != nil {
		return err
	}
	if ses.stage != vigil.StageFull {
		return errSessionOver
	}
	name, id := ses.user.Username, ses.user.ID
	locked, err := s.lockedOut(ctx, name)
	if err != nil {
		return err
	}
	if locked {
		return s.refuseLocked(ctx, name, id, vigil.ActionSignIn)
	}
	var hash sql.NullString
	if err := s.db.read.QueryRowContext(ctx, "SELECT password_hash FROM users WHERE id = $1", id).Scan(&hash); err != nil {
		return s.db.mapErr(err)
	}
	if !hash.Valid {
		return vigil.Errorf(vigil.EINVALID, "Your account has no password: sign in again with single sign-on instead")
	}
	if ok, err := s.db.hasher.Verify(password, hash.String); err != nil || !ok {
		locked, err := s.fail(ctx, name, id, vigil.ActionSignIn, "wrong password given again", passwordFactor)
		switch {
		case err != nil:
			return err
		case locked:
			return s.lockedError()
		}
		return errWrongPassword
	}
	o := vigil.OriginFrom(ctx)
	p := principalOf(ses.user, "session")
	p.Client, p.RequestID = o.Client, o.RequestID
	return s.db.writeTx(vigil.WithPrincipal(ctx, p), func(tx *Tx) error {
		if _, err := tx.ExecContext(ctx, "UPDATE sessions SET confirmed_at = $1 WHERE token_hash = $2",
			instant(tx.now), hashToken(token)); err != nil {
			return err
		}
		if err := tx.proven(ctx, name, passwordFactor); err != nil {
			return err
		}
		tx.log(vigil.ActionSignIn, vigil.KindUser, []int64{id}, vigil.OutcomeOK, "password given again, to set up a second factor")
		return nil
	})
}

// BeginEnrolment implements vigil.SessionService.
func (s *SessionService) BeginEnrolment(ctx context.Context, token string) (*vigil.Enrolment, error) {
	ses, secret, _, err := s.sessionForFactor(ctx, token, true)
	if err != nil {
		return nil, err
	}
	if ses.user.SecondFactor {
		return nil, vigil.Errorf(vigil.EINVALID, "A second factor is already set up")
	}
	issuer := "Vigil"
	if secret == "" {
		key, err := totp.Generate(totp.GenerateOpts{Issuer: issuer, AccountName: ses.user.Username, SecretSize: 20,
			Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1, Period: 30})
		if err != nil {
			return nil, err
		}
		secret = key.Secret()
		err = s.db.writeTx(ctx, func(tx *Tx) error {
			_, err := tx.ExecContext(ctx, "UPDATE users SET totp_secret = $1 WHERE id = $2 AND totp_enrolled_at IS NULL", secret, ses.user.ID)
			return err
		})
		if err != nil {
			return nil, err
		}
	}
	url := "otpauth://totp/" + issuer + ":" + ses.user.Username + "?secret=" + secret + "&issuer=" + issuer +
		"&algorithm=SHA1&digits=6&period=30"
	return &vigil.Enrolment{Secret: secret, URL: url}, nil
}

// CompleteEnrolment implements vigil.SessionService.
func (s *SessionService) CompleteEnrolment(ctx context.Context, token, code string) (*vigil.SignedIn, error) {
	ses, secret, _, err := s.sessionForFactor(ctx, token, true)
	if err != nil {
		return nil, err
	}
	if ses.user.SecondFactor || secret == "" {
		return nil, vigil.Errorf(vigil.EINVALID, "Start setting up your second factor first")
	}
	step := checkCode(secret, code, s.db.clock.Now())
	if step < 0 {
		return nil, s.wrongCode(ctx, ses, "wrong enrolment code")
	}
	return s.upgrade(ctx, token, ses, step, true)
}

// AuthenticateToken implements vigil.SessionService.
func (s *SessionService) AuthenticateToken(ctx context.Context, token string) (*vigil.Principal, error) {
	bad := vigil.Errorf(vigil.EUNAUTHENTICATED, "The API token is not valid, has expired or has been revoked")
	if !strings.HasPrefix(token, tokenPrefix) {
		return nil, bad
	}
	var u userRow
	var id int64
	var readOnly bool
	var expires, revoked, used *time.Time
	err := s.db.readTx(ctx, func(tx *Tx) error {
		var err error
		u, err = scanUser(tx.QueryRowContext(ctx, userSelect+", k.id, k.expires_at, k.read_only, k.revoked_at, k.last_used_at"+userFrom+
			" JOIN api_tokens k ON k.user_id = u.id WHERE k.token_hash = $1", hashToken(token)),
			&id, scanNullInstant{&expires}, &readOnly, scanNullInstant{&revoked}, scanNullInstant{&used})
		if errors.Is(err, sql.ErrNoRows) {
			return bad
		}
		if err != nil {
			return err
		}
		return tx.withRoles(ctx, u.User)
	})
	if err != nil {
		return nil, err
	}
	now := vigil.Millis(s.db.clock.Now())
	if revoked != nil || expires != nil && !now.Before(*expires) || u.Disabled() || u.Username == "system" {
		return nil, bad
	}
	if used == nil || now.Sub(*used) >= touchEvery {
		if err := s.db.writeTx(ctx, func(tx *Tx) error {
			_, err := tx.ExecContext(ctx, "UPDATE api_tokens SET last_used_at = $1 WHERE id = $2", instant(now), id)
			return err
		}); err != nil {
			return nil, err
		}
	}
	p := principalOf(u, "token")
	p.ReadOnly = readOnly
	return p, nil
}

// SignOut implements vigil.SessionService.
func (s *SessionService) SignOut(ctx context.Context, token string) error {
	return s.db.writeTx(ctx, func(tx *Tx) error {
		res, err := tx.ExecContext(ctx, "DELETE FROM sessions WHERE token_hash = $1", hashToken(token))
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 1 && tx.who != nil {
			tx.log(vigil.ActionSignOut, vigil.KindUser, []int64{tx.UserID()}, vigil.OutcomeOK, "")
		}
		return nil
	})
}

// SignOutEverywhere implements vigil.SessionService.
func (s *SessionService) SignOutEverywhere(ctx context.Context) error {
	return s.db.writeTx(ctx, func(tx *Tx) error {
		if tx.who == nil || tx.UserID() == 0 {
			return vigil.Errorf(vigil.EUNAUTHENTICATED, "Sign in to continue")
		}
		res, err := tx.ExecContext(ctx, "DELETE FROM sessions WHERE user_id = $1", tx.UserID())
		if err != nil {
			return err
		}
		n, _ := res.RowsAffected()
		tx.log(vigil.ActionSignOutAll, vigil.KindUser, []int64{tx.UserID()}, vigil.OutcomeOK, itoa(int(n))+" sessions ended")
		return nil
	})
}
