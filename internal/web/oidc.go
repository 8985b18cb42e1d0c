package web

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/vigilcp/vigil/internal/vigil"
)

// Single sign-on with an OpenID Connect provider: the authorization code
// flow with PKCE (S256), state and nonce. POST /sign-in/sso records the
// attempt in the database (through vigil.SSOService) bound to a random
// secret in a short-lived cookie, and sends the browser to the provider;
// GET /sign-in/sso/callback takes the attempt back (once), exchanges the
// code, verifies the ID token and asks the service for a session. Because
// the attempt lives in the database, the provider may send the person back
// to any instance.

// OIDC describes the single sign-on provider offered on the sign-in page.
type OIDC struct {
	// Name is the provider as people know it ("Microsoft", "Kingsmoor
	// Police sign-in").
	Name string
	// OAuth2 is the client: its id and secret, the provider's endpoints,
	// the redirect URL (…/sign-in/sso/callback) and the scopes.
	OAuth2 oauth2.Config
	// Verifier checks an ID token's signature, issuer, audience and expiry.
	Verifier *oidc.IDTokenVerifier
	// HTTPClient calls the provider's token endpoint; nil means a client
	// that gives up after 30 seconds.
	HTTPClient *http.Client
}

// ssoCookie is the name of the cookie that binds an attempt to the
// browser that began it: __Secure- on TLS, so that it is only ever set
// over HTTPS. It is sent to /sign-in/sso and its callback only.
func (s *Server) ssoCookie(r *http.Request) string {
	if s.isTLS(r) {
		return "__Secure-vigil_sso"
	}
	return "vigil_sso"
}

// randomSecret is 32 random bytes, URL-safe.
func randomSecret() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// contentSecurityPolicy is the policy every response carries. With single
// sign-on, forms may also be sent on to the provider's authorization
// endpoint: browsers check form-action on the redirect that POST
// /sign-in/sso answers with.
func (s *Server) contentSecurityPolicy() string {
	if s.cfg.OIDC == nil {
		return contentSecurityPolicy
	}
	u, err := url.Parse(s.cfg.OIDC.OAuth2.Endpoint.AuthURL)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return contentSecurityPolicy
	}
	origin := u.Scheme + "://" + u.Host
	return strings.Replace(contentSecurityPolicy, "form-action 'self'", "form-action 'self' "+origin, 1)
}

// ssoStart begins a single sign-on and sends the browser to the provider.
func (s *Server) ssoStart(w http.ResponseWriter, r *http.Request) {
	o := s.cfg.OIDC
	if o == nil || s.svc.SSO == nil {
		s.notFound(w, r)
		return
	}
	// Someone signed in may sign in again, to confirm it is them (an
	// account without a password, before it sets up a second factor).
	if err := r.ParseForm(); err != nil {
		s.pageError(w, r, vigil.Errorf(vigil.EINVALID, "The form could not be read"))
		return
	}
	// A browser keeps its secret for a second tab's attempt.
	browser := randomSecret()
	if c, err := r.Cookie(s.ssoCookie(r)); err == nil && len(c.Value) == len(browser) {
		browser = c.Value
	}
	a := vigil.SSOAttempt{State: randomSecret(), Nonce: randomSecret(), Verifier: oauth2.GenerateVerifier(),
		Next: safeNext(r.PostForm.Get("next"))}
	if err := s.svc.SSO.BeginSSO(r.Context(), browser, a); err != nil {
		s.pageError(w, r, err)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: s.ssoCookie(r), Value: browser, Path: "/sign-in/sso",
		MaxAge: int(vigil.SSOAttemptLifetime / time.Second), HttpOnly: true, Secure: s.isTLS(r), SameSite: http.SameSiteLaxMode})
	http.Redirect(w, r, o.OAuth2.AuthCodeURL(a.State, oidc.Nonce(a.Nonce), oauth2.S256ChallengeOption(a.Verifier)),
		http.StatusSeeOther)
}

// ssoClaims are the ID token's claims Vigil reads beyond the standard
// ones. Groups and roles claims are ignored: what a person may do is
// Vigil's to say.
type ssoClaims struct {
	Email         string `json:"email"`
	EmailVerified any    `json:"email_verified"`
	AZP           string `json:"azp"`
}

// verified reads email_verified, which some providers send as a string.
func (c ssoClaims) verified() bool {
	switch v := c.EmailVerified.(type) {
	case bool:
		return v
	case string:
		return strings.EqualFold(v, "true")
	}
	return false
}

// ssoCallback finishes a single sign-on when the provider sends the
// browser back.
func (s *Server) ssoCallback(w http.ResponseWriter, r *http.Request) {
	o := s.cfg.OIDC
	if o == nil || s.svc.SSO == nil {
		s.notFound(w, r)
		return
	}
	ctx := r.Context()
	q := r.URL.Query()
	browser := ""
	if c, err := r.Cookie(s.ssoCookie(r)); err == nil {
		browser = c.Value
	}
	a, err := s.svc.SSO.TakeSSO(ctx, q.Get("state"), browser)
	if err != nil {
		s.ssoRefused(w, r, http.StatusBadRequest, "Your sign-in could not be checked", err)
		return
	}
	notFinished := vigil.Errorf(vigil.EUNAUTHENTICATED,
		"Vigil could not check your sign-in with %s. Start again; if this keeps happening, tell your administrator.", o.Name)
	refuse := func(status int, id vigil.SSOIdentity, reason string, shown error) {
		if err := s.svc.SSO.RefuseSSO(ctx, id, clip(reason, 500)); err != nil {
			s.pageError(w, r, err)
			return
		}
		s.ssoRefused(w, r, status, "You are not signed in", shown)
	}
	if e := q.Get("error"); e != "" {
		reason := "the provider answered " + e
		if d := q.Get("error_description"); d != "" {
			reason += ": " + d
		}
		refuse(http.StatusUnauthorized, vigil.SSOIdentity{}, reason,
			vigil.Errorf(vigil.EUNAUTHENTICATED, "%s did not sign you in. Start again.", o.Name))
		return
	}
	if q.Get("code") == "" {
		refuse(http.StatusBadRequest, vigil.SSOIdentity{}, "the provider sent no code", notFinished)
		return
	}
	client := o.HTTPClient
	if client == nil {
		client = &http.Client{Timeout: 30 * time.Second}
	}
	tctx := context.WithValue(ctx, oauth2.HTTPClient, client)
	tok, err := o.OAuth2.Exchange(tctx, q.Get("code"), oauth2.VerifierOption(a.Verifier))
	if err != nil {
		reason := "the code was not exchanged: " + err.Error()
		var re *oauth2.RetrieveError
		if errors.As(err, &re) {
			reason = "the provider refused the code: " + re.ErrorCode + " " + re.ErrorDescription
		}
		refuse(http.StatusBadGateway, vigil.SSOIdentity{}, reason, notFinished)
		return
	}
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		refuse(http.StatusBadGateway, vigil.SSOIdentity{}, "the provider sent no ID token", notFinished)
		return
	}
	idt, err := o.Verifier.Verify(tctx, raw)
	if err != nil {
		refuse(http.StatusUnauthorized, vigil.SSOIdentity{}, "the ID token did not verify: "+err.Error(), notFinished)
		return
	}
	var claims ssoClaims
	if err := idt.Claims(&claims); err != nil {
		refuse(http.StatusUnauthorized, vigil.SSOIdentity{}, "the ID token's claims could not be read", notFinished)
		return
	}
	id := vigil.SSOIdentity{Issuer: idt.Issuer, Subject: idt.Subject, Email: claims.Email, EmailVerified: claims.verified()}
	switch {
	case subtle.ConstantTimeCompare([]byte(idt.Nonce), []byte(a.Nonce)) != 1:
		refuse(http.StatusUnauthorized, id, "the ID token's nonce is not this attempt's", notFinished)
		return
	case claims.AZP != "" && claims.AZP != o.OAuth2.ClientID:
		refuse(http.StatusUnauthorized, id, "the ID token was issued to another client ("+claims.AZP+")", notFinished)
		return
	}
	in, err := s.svc.SSO.SignInSSO(ctx, id)
	if vigil.ErrorCode(err) == vigil.EFORBIDDEN {
		s.ssoRefused(w, r, http.StatusForbidden, "You cannot sign in to Vigil", err)
		return
	}
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	// Signing in again ends the session it was signed in with before.
	if c, err := r.Cookie(s.sessionCookie(r)); err == nil && c.Value != "" && c.Value != in.Token {
		if err := s.svc.Sessions.SignOut(ctx, c.Value); err != nil {
			s.pageError(w, r, err)
			return
		}
	}
	s.setSession(w, r, in.Token)
	s.signedIn(w, r, in, a.Next)
}

// ssoRefused shows why a single sign-on did not sign the person in.
func (s *Server) ssoRefused(w http.ResponseWriter, r *http.Request, status int, title string, err error) {
	if code := vigil.ErrorCode(err); code != vigil.EUNAUTHENTICATED && code != vigil.EFORBIDDEN {
		s.pageError(w, r, err)
		return
	}
	s.render(w, r, status, "sign-in-sso", &Page{Title: title, Data: vigil.ErrorMessage(err)})
}

// clip keeps text from the provider to a sane length for the access log.
func clip(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}
