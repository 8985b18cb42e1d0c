package vigil

import (
	"context"
	"time"
)

// Single sign-on: a force that runs an OpenID Connect identity provider
// (Microsoft Entra ID or similar) lets its people sign in to Vigil with it.
// The provider says who signed in; Vigil decides which account that is and
// what it may do. Roles and scopes always come from Vigil, never from the
// provider's groups or roles claims.

// ActionLinkIdentity is logged when a provider's identity is linked to a
// Vigil account (at its first single sign-on, by its verified email).
const ActionLinkIdentity Action = "link_identity"

// SSOAttemptLifetime bounds the time between leaving for the provider and
// coming back.
const SSOAttemptLifetime = 10 * time.Minute

// SSOIdentity is who the provider says signed in, from a verified ID token.
type SSOIdentity struct {
	// Issuer and Subject name the identity; the pair never changes.
	Issuer, Subject string
	// Email is the token's email claim, lower-cased; it is used to find the
	// account only when the provider says it is verified.
	Email         string
	EmailVerified bool
}

// SSOAttempt is a sign-in with the provider in progress: the values sent
// to the provider that must match what comes back, and where to go after.
type SSOAttempt struct {
	// State is sent to the provider and returned with the code.
	State string
	// Nonce is sent to the provider and returned inside the ID token.
	Nonce string
	// Verifier is the PKCE code verifier; only its S256 challenge is sent.
	Verifier string
	// Next is where to go once signed in (a path on this site).
	Next string
}

// SSOService signs people in with an OpenID Connect provider. Attempts in
// progress are kept in the database, so that any instance can finish an
// attempt another began.
type SSOService interface {
	// BeginSSO records an attempt bound to a browser: browser is a secret
	// the browser holds in a cookie. The attempt expires after
	// SSOAttemptLifetime.
	BeginSSO(ctx context.Context, browser string, a SSOAttempt) error
	// TakeSSO removes and returns the attempt for state. It is refused
	// (EUNAUTHENTICATED, logged) when there is none, it has expired or
	// another browser began it: an attempt can be finished once.
	TakeSSO(ctx context.Context, state, browser string) (*SSOAttempt, error)
	// SignInSSO starts a full session (no second factor: the provider does
	// that) for the account linked to the identity or, when none is, for
	// the one active account whose person has the identity's verified
	// email, linking it. Anything else is refused (EFORBIDDEN) with a
	// message for the person, and logged.
	SignInSSO(ctx context.Context, id SSOIdentity) (*SignedIn, error)
	// RefuseSSO logs a single sign-on that failed before an identity could
	// be trusted (the provider refused, or its token did not verify). id
	// holds what is known, if anything.
	RefuseSSO(ctx context.Context, id SSOIdentity, reason string) error
}
