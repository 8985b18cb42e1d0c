package sqlstore

import (
	"context"
	"crypto/subtle"
	"database/sql"
	"errors"
	"strings"
	"time"

	"github.com/vigilcp/vigil/internal/vigil"
)

// SSOService implements vigil.SSOService: attempts in progress and the
// links between a provider's identities and Vigil accounts live in the
// database, so that any instance can finish what another began.
type SSOService struct {
	db       *DB
	sessions *SessionService
}

// NewSSOService returns the single sign-on service on db.
func NewSSOService(db *DB) *SSOService { return &SSOService{db: db, sessions: NewSessionService(db)} }

var _ vigil.SSOService = (*SSOService)(nil)

// The messages a person sees when single sign-on is refused. The provider
// has said who they are, so they are told why, but never which account an
// email matched.
var (
	errSSOAttempt = vigil.Errorf(vigil.EUNAUTHENTICATED,
		"Your sign-in could not be checked: it took too long, was already used, or began in another browser. Start again.")
	errSSONoAccount = vigil.Errorf(vigil.EFORBIDDEN,
		"Your sign-in worked, but no Vigil account is linked to it. Ask your administrator.")
	errSSODisabled = vigil.Errorf(vigil.EFORBIDDEN,
		"Your sign-in worked, but your Vigil account is disabled. Ask your administrator.")
	errSSOEmailHeld = vigil.Errorf(vigil.EFORBIDDEN,
		"Your sign-in worked, but it cannot be linked to a Vigil account yet: the account's email address was changed recently. "+
			"Sign in with your username and password, or ask your administrator.")
)

// ssoVia is how entries about single sign-on say the person was identified.
const ssoVia = "single sign-on"

// clip keeps text from a provider to a sane length for the access log.
func clip(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// ssoContext is the context for entries about an identity before it has
// signed in as anyone: the identity's email (or subject) as the username
// tried, from the request's origin.
func ssoContext(ctx context.Context, id vigil.SSOIdentity) context.Context {
	name := strings.ToLower(id.Email)
	if name == "" && id.Subject != "" {
		name = "sso:" + id.Subject
	}
	if name == "" {
		name = "anonymous"
	}
	o := vigil.OriginFrom(ctx)
	return vigil.WithPrincipal(ctx, &vigil.Principal{User: vigil.User{Username: clip(name, 100)}, Via: ssoVia,
		Client: o.Client, RequestID: o.RequestID})
}

// describe names an identity in an access-log reason.
func describe(id vigil.SSOIdentity) string {
	if id.Subject == "" {
		return ""
	}
	return " (issuer " + clip(id.Issuer, 200) + ", subject " + clip(id.Subject, 200) + ")"
}

// BeginSSO implements vigil.SSOService. Only hashes of the state and of
// the browser's secret are stored; attempts that have run out are swept.
func (s *SSOService) BeginSSO(ctx context.Context, browser string, a vigil.SSOAttempt) error {
	if len(browser) < 32 || len(a.State) < 32 || a.Nonce == "" || len(a.Verifier) < 43 {
		return vigil.Errorf(vigil.EINVALID, "A single sign-on attempt needs a browser secret, a state, a nonce and a code verifier")
	}
	return s.db.writeTx(ctx, func(tx *Tx) error {
		if _, err := tx.ExecContext(ctx, "DELETE FROM sso_attempts WHERE expires_at <= $1", instant(tx.now)); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO sso_attempts (state_hash, browser_hash, nonce, verifier, next_path,
			created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7)`, hashToken(a.State), hashToken(browser), a.Nonce,
			a.Verifier, a.Next, instant(tx.now), instant(tx.now.Add(vigil.SSOAttemptLifetime)))
		return err
	})
}

// TakeSSO implements vigil.SSOService. The attempt is removed whatever
// the outcome, so a state is good for one try.
func (s *SSOService) TakeSSO(ctx context.Context, state, browser string) (*vigil.SSOAttempt, error) {
	a := vigil.SSOAttempt{State: state}
	var reason string
	err := s.db.writeTx(ctx, func(tx *Tx) error {
		var browserHash string
		var expires time.Time
		err := tx.QueryRowContext(ctx, `DELETE FROM sso_attempts WHERE state_hash = $1
			RETURNING browser_hash, nonce, verifier, next_path, expires_at`, hashToken(state)).
			Scan(&browserHash, &a.Nonce, &a.Verifier, &a.Next, scanInstant{&expires})
		switch {
		case errors.Is(err, sql.ErrNoRows):
			reason = "the state is unknown or was already used"
		case err != nil:
			return err
		case browser == "" || subtle.ConstantTimeCompare([]byte(browserHash), []byte(hashToken(browser))) != 1:
			reason = "the state was begun by another browser"
		case !tx.now.Before(expires):
			reason = "the attempt took longer than " + humanDuration(vigil.SSOAttemptLifetime)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if reason != "" {
		if err := s.RefuseSSO(ctx, vigil.SSOIdentity{}, reason); err != nil {
			return nil, err
		}
		return nil, errSSOAttempt
	}
	return &a, nil
}

// RefuseSSO implements vigil.SSOService: the entry is written in a
// transaction of its own.
func (s *SSOService) RefuseSSO(ctx context.Context, id vigil.SSOIdentity, reason string) error {
	return s.db.writeTx(ssoContext(ctx, id), func(tx *Tx) error {
		tx.pending = append(tx.pending, tx.ssoFailure(id, 0, reason))
		return nil
	})
}

// ssoFailure is the access-log entry of a refused single sign-on.
func (tx *Tx) ssoFailure(id vigil.SSOIdentity, userID int64, reason string) vigil.AccessEntry {
	var ids []int64
	if userID != 0 {
		ids = []int64{userID}
	}
	e := tx.entry(vigil.ActionSignIn, vigil.KindUser, ids, vigil.OutcomeFailed, "single sign-on: "+reason+describe(id))
	e.UserID = userID
	return e
}

// refuseSSO notes a refusal, logged in a transaction of its own once this
// one rolls back, and returns the error the person sees.
func (tx *Tx) refuseSSO(id vigil.SSOIdentity, userID int64, reason string, err error) error {
	tx.denied = append(tx.denied, tx.ssoFailure(id, userID, reason))
	return err
}

// SignInSSO implements vigil.SSOService. Finding (or linking) the account
// is one transaction; the session is started through the session
// service, which logs the sign-in.
func (s *SSOService) SignInSSO(ctx context.Context, id vigil.SSOIdentity) (*vigil.SignedIn, error) {
	if id.Issuer == "" || id.Subject == "" {
		return nil, vigil.Errorf(vigil.EINVALID, "An identity needs an issuer and a subject")
	}
	id.Email = strings.ToLower(strings.TrimSpace(id.Email))
	var u userRow
	err := s.db.writeTx(ssoContext(ctx, id), func(tx *Tx) error {
		var err error
		u, err = tx.ssoUser(ctx, id)
		return err
	})
	if err != nil {
		return nil, err
	}
	token, err := s.sessions.StartSession(ctx, u.ID, ssoVia)
	if vigil.ErrorCode(err) == vigil.EUNAUTHENTICATED {
		// Disabled since the account was found.
		if err := s.db.writeTx(ssoContext(ctx, id), func(tx *Tx) error {
			tx.pending = append(tx.pending, tx.ssoFailure(id, u.ID, "the account "+u.Username+" is disabled"))
			return nil
		}); err != nil {
			return nil, err
		}
		return nil, errSSODisabled
	}
	if err != nil {
		return nil, err
	}
	return &vigil.SignedIn{Token: token, Stage: vigil.StageFull, User: u.User}, nil
}

// emailHeld refuses to link an identity by an email that someone other
// than the account's holder changed within the hold (SSOEmailHold): an
// administrator who may edit people could otherwise set an account's
// email to an address of their own and sign in as it.
func (tx *Tx) emailHeld(ctx context.Context, id vigil.SSOIdentity, u userRow) error {
	if u.PersonID == 0 {
		return nil
	}
	hold := tx.db.ssoEmailHold
	var at time.Time
	var by string
	err := tx.QueryRowContext(ctx, `SELECT h.at, COALESCE(u.username, '') FROM record_history h LEFT JOIN users u ON u.id = h.user_id
		WHERE h.record_kind = $1 AND h.record_id = $2 AND h.field = 'email' AND h.action <> 'create' AND h.at > $3
		AND (h.user_id IS NULL OR h.user_id <> $4) ORDER BY h.at DESC LIMIT 1`,
		string(vigil.KindPerson), u.PersonID, instant(tx.now.Add(-hold)), u.ID).Scan(scanInstant{&at}, &by)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return nil
	case err != nil:
		return err
	}
	if by == "" {
		by = "an unknown user"
	}
	return tx.refuseSSO(id, u.ID, "the email of the account "+u.Username+" was changed by "+by+" on "+at.Format("2006-01-02")+
		", less than "+humanDays(hold)+" ago, by someone other than its holder; it is not linked by that email until then", errSSOEmailHeld)
}

// humanDays says a duration in whole days, or as humanDuration does when
// shorter than a day.
func humanDays(d time.Duration) string {
	days := int(d / (24 * time.Hour))
	switch {
	case d%(24*time.Hour) != 0 || days == 0:
		return humanDuration(d)
	case days == 1:
		return "1 day"
	}
	return itoa(days) + " days"
}

// ssoUser finds the account an identity signs in as: the one linked to
// it, or else the one active account whose person has its verified email,
// which it links. Roles and scope are the account's own.
func (tx *Tx) ssoUser(ctx context.Context, id vigil.SSOIdentity) (userRow, error) {
	var linked int64
	err := tx.QueryRowContext(ctx, "SELECT user_id FROM sso_identities WHERE issuer = $1 AND subject = $2",
		id.Issuer, id.Subject).Scan(&linked)
	switch {
	case err == nil:
		u, err := tx.userWhere(ctx, "u.id = $1", linked)
		if err != nil {
			return u, err
		}
		if u.Disabled() || u.Username == "system" {
			return u, tx.refuseSSO(id, u.ID, "the linked account "+u.Username+" is disabled", errSSODisabled)
		}
		_, err = tx.ExecContext(ctx, "UPDATE sso_identities SET last_used_at = $1 WHERE issuer = $2 AND subject = $3",
			instant(tx.now), id.Issuer, id.Subject)
		return u, err
	case !errors.Is(err, sql.ErrNoRows):
		return userRow{}, err
	}

	switch {
	case id.Email == "":
		return userRow{}, tx.refuseSSO(id, 0, "no account is linked to the identity, and its token has no email", errSSONoAccount)
	case !id.EmailVerified:
		return userRow{}, tx.refuseSSO(id, 0, "no account is linked to the identity, and the provider has not verified its email",
			errSSONoAccount)
	}
	rows, err := tx.QueryContext(ctx, `SELECT u.id, u.disabled_at IS NULL AND p.active FROM users u
		JOIN people p ON p.id = u.person_id WHERE lower(p.email) = $1 AND u.username <> 'system' ORDER BY u.id`, id.Email)
	if err != nil {
		return userRow{}, err
	}
	var active, inactive []int64
	for rows.Next() {
		var uid int64
		var ok bool
		if err := rows.Scan(&uid, &ok); err != nil {
			rows.Close()
			return userRow{}, err
		}
		if ok {
			active = append(active, uid)
		} else {
			inactive = append(inactive, uid)
		}
	}
	if err := closeRows(rows); err != nil {
		return userRow{}, err
	}
	switch {
	case len(active) > 1:
		return userRow{}, tx.refuseSSO(id, 0, "no account is linked to the identity, and its email belongs to "+
			itoa(len(active))+" accounts", errSSONoAccount)
	case len(active) == 0 && len(inactive) > 0:
		return userRow{}, tx.refuseSSO(id, inactive[0], "the account with the identity's email is disabled", errSSODisabled)
	case len(active) == 0:
		return userRow{}, tx.refuseSSO(id, 0, "no account is linked to the identity or has its email", errSSONoAccount)
	}
	u, err := tx.userWhere(ctx, "u.id = $1", active[0])
	if err != nil {
		return u, err
	}
	var other string
	err = tx.QueryRowContext(ctx, "SELECT subject FROM sso_identities WHERE user_id = $1 AND issuer = $2", u.ID, id.Issuer).
		Scan(&other)
	switch {
	case err == nil:
		// An email can pass to someone else; the account's identity cannot.
		return u, tx.refuseSSO(id, u.ID, "the account "+u.Username+" with the identity's email is already linked to subject "+
			clip(other, 200)+" at this provider", errSSONoAccount)
	case !errors.Is(err, sql.ErrNoRows):
		return u, err
	}
	if err := tx.emailHeld(ctx, id, u); err != nil {
		return u, err
	}
	// From here the account itself is acting: the link and its history
	// are the account's own.
	p := principalOf(u, ssoVia)
	p.Client, p.RequestID = tx.origin.Client, tx.origin.RequestID
	tx.who = p
	res, err := tx.ExecContext(ctx, `INSERT INTO sso_identities (issuer, subject, user_id, email, linked_at, last_used_at)
		VALUES ($1, $2, $3, $4, $5, $5) ON CONFLICT DO NOTHING`, id.Issuer, id.Subject, u.ID, id.Email, instant(tx.now))
	if err != nil {
		return u, err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return u, vigil.Errorf(vigil.ECONFLICT, "Someone signed in with the same identity at the same moment. Try again.")
	}
	if err := tx.history(ctx, vigil.KindUser, u.ID, string(vigil.ActionLinkIdentity), nil,
		map[string]string{"sso_identity": id.Issuer + " " + id.Subject}); err != nil {
		return u, err
	}
	tx.log(vigil.ActionLinkIdentity, vigil.KindUser, []int64{u.ID}, vigil.OutcomeOK,
		"single sign-on: linked by verified email"+describe(id))
	return u, nil
}
