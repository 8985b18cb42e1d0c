package web

import (
	"encoding/base64"
	"errors"
	"html/template"
	"image/png"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode"

	"github.com/pquerna/otp"

	"github.com/vigilcp/vigil/internal/vigil"
)

// safeNext keeps a post-sign-in destination on this site: a path, never a
// scheme, host or protocol-relative URL. It is judged as a browser would
// read it, percent-decoded: it must start with one "/" that is not
// followed by "/" or "\" (browsers treat "/\" like "//") and hold no
// control character (browsers drop tabs and line breaks, so "/<TAB>/host"
// would become "//host"). Anything else, a malformed escape included,
// and the sign-in pages themselves, go to the start page.
func safeNext(next string) string {
	decoded, err := url.PathUnescape(next)
	switch {
	case err != nil, !strings.HasPrefix(decoded, "/"), strings.HasPrefix(decoded, "//"), strings.HasPrefix(decoded, "/\\"),
		strings.IndexFunc(next+decoded, unicode.IsControl) >= 0, strings.HasPrefix(decoded, "/sign-"):
		return "/"
	}
	return next
}

// nextCookie carries the post-sign-in destination across the
// second-factor step.
const nextCookie = "vigil_next"

func (s *Server) signInPage(w http.ResponseWriter, r *http.Request) {
	if vigil.PrincipalFrom(r.Context()) != nil {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	form := url.Values{"next": {safeNext(r.URL.Query().Get("next"))}}
	s.render(w, r, http.StatusOK, "sign-in", &Page{Title: "Sign in", Form: form, Data: s.cfg.OIDC})
}

func (s *Server) signIn(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		s.pageError(w, r, vigil.Errorf(vigil.EINVALID, "The form could not be read"))
		return
	}
	username := strings.TrimSpace(r.PostForm.Get("username"))
	pw := r.PostForm.Get("password")
	var v vigil.Validation
	if username == "" {
		v.Add("username", "Enter your username")
	}
	if pw == "" {
		v.Add("password", "Enter your password")
	}
	form := url.Values{"username": {username}, "next": {safeNext(r.PostForm.Get("next"))}}
	if err := v.Err(); err != nil {
		s.render(w, r, http.StatusUnprocessableEntity, "sign-in", &Page{Title: "Sign in", Form: form,
			Errors: vigil.ErrorFields(err), Data: s.cfg.OIDC})
		return
	}
	in, err := s.svc.Sessions.SignIn(r.Context(), username, pw)
	if vigil.ErrorCode(err) == vigil.EUNAUTHENTICATED {
		// One message whether the username exists or not.
		s.render(w, r, http.StatusUnauthorized, "sign-in", &Page{Title: "Sign in", Form: form,
			Errors: []vigil.FieldError{{Field: "username", Message: vigil.ErrorMessage(err)}}, Data: s.cfg.OIDC})
		return
	}
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	s.setSession(w, r, in.Token)
	s.signedIn(w, r, in, form.Get("next"))
}

// signedIn sends a person on after a sign-in step: to their destination,
// or to the second factor.
func (s *Server) signedIn(w http.ResponseWriter, r *http.Request, in *vigil.SignedIn, next string) {
	switch {
	case in.Stage == vigil.StageFull:
		http.SetCookie(w, &http.Cookie{Name: nextCookie, Value: "", Path: "/sign-in", MaxAge: -1, HttpOnly: true, Secure: s.isTLS(r)})
		http.Redirect(w, r, safeNext(next), http.StatusSeeOther)
	default:
		http.SetCookie(w, &http.Cookie{Name: nextCookie, Value: url.QueryEscape(safeNext(next)), Path: "/sign-in", HttpOnly: true,
			Secure: s.isTLS(r), SameSite: http.SameSiteLaxMode, MaxAge: 600})
		to := "/sign-in/code"
		if in.Enrol {
			to = "/sign-in/set-up"
		}
		http.Redirect(w, r, to, http.StatusSeeOther)
	}
}

func savedNext(r *http.Request) string {
	c, err := r.Cookie(nextCookie)
	if err != nil {
		return "/"
	}
	v, _ := url.QueryUnescape(c.Value)
	return safeNext(v)
}

// partialToken returns the session token of a partial session, or sends
// the person back to sign in.
func (s *Server) partialToken(w http.ResponseWriter, r *http.Request) (string, bool) {
	if vigil.PrincipalFrom(r.Context()) != nil {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return "", false
	}
	c, err := r.Cookie(s.sessionCookie(r))
	if err != nil || !partialSession(r) {
		http.Redirect(w, r, "/sign-in", http.StatusSeeOther)
		return "", false
	}
	return c.Value, true
}

func (s *Server) codePage(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.partialToken(w, r); ok {
		s.render(w, r, http.StatusOK, "sign-in-code", &Page{Title: "Enter your security code"})
	}
}

func (s *Server) code(w http.ResponseWriter, r *http.Request) {
	token, ok := s.partialToken(w, r)
	if !ok {
		return
	}
	code := strings.TrimSpace(r.PostFormValue("code"))
	if code == "" {
		s.render(w, r, http.StatusUnprocessableEntity, "sign-in-code", &Page{Title: "Enter your security code",
			Errors: []vigil.FieldError{{Field: "code", Message: "Enter the 6-digit code from your authenticator app"}}})
		return
	}
	in, err := s.svc.Sessions.SecondFactor(r.Context(), token, code)
	if err != nil {
		if vigil.ErrorCode(err) != vigil.EUNAUTHENTICATED && vigil.ErrorCode(err) != vigil.EINVALID {
			s.pageError(w, r, err)
			return
		}
		s.render(w, r, http.StatusUnauthorized, "sign-in-code", &Page{Title: "Enter your security code",
			Errors: []vigil.FieldError{{Field: "code", Message: vigil.ErrorMessage(err)}}})
		return
	}
	s.setSession(w, r, in.Token)
	s.signedIn(w, r, in, savedNext(r))
}

// enrolData is the second-factor set-up page.
type enrolData struct {
	// Action is where the form posts: the sign-in step, or the account
	// page for someone choosing to add a second factor.
	Action string
	Secret string       // grouped in fours for typing
	QR     template.URL // a data: URL of the otpauth QR code, made here (safe: our own base64 PNG)
}

func (s *Server) enrolment(r *http.Request, token string) (*enrolData, error) {
	e, err := s.svc.Sessions.BeginEnrolment(r.Context(), token)
	if err != nil {
		return nil, err
	}
	d := &enrolData{Action: "/sign-in/set-up"}
	for i := 0; i < len(e.Secret); i += 4 {
		d.Secret += e.Secret[i:min(i+4, len(e.Secret))] + " "
	}
	d.Secret = strings.TrimSpace(d.Secret)
	if key, err := otp.NewKeyFromURL(e.URL); err == nil {
		if img, err := key.Image(200, 200); err == nil {
			var buf strings.Builder
			enc := base64.NewEncoder(base64.StdEncoding, &buf)
			if err := png.Encode(enc, img); err == nil {
				enc.Close()
				d.QR = template.URL("data:image/png;base64," + buf.String())

			}
		}
	}
	return d, nil
}

func (s *Server) setUpPage(w http.ResponseWriter, r *http.Request) {
	token, ok := s.partialToken(w, r)
	if !ok {
		return
	}
	d, err := s.enrolment(r, token)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "sign-in-set-up", &Page{Title: "Set up your second factor", Data: d})
}

func (s *Server) setUp(w http.ResponseWriter, r *http.Request) {
	token, ok := s.partialToken(w, r)
	if !ok {
		return
	}
	code := strings.TrimSpace(r.PostFormValue("code"))
	in, err := s.svc.Sessions.CompleteEnrolment(r.Context(), token, code)
	if err != nil {
		if vigil.ErrorCode(err) != vigil.EUNAUTHENTICATED && vigil.ErrorCode(err) != vigil.EINVALID {
			s.pageError(w, r, err)
			return
		}
		d, derr := s.enrolment(r, token)
		if derr != nil {
			s.pageError(w, r, derr)
			return
		}
		msg := vigil.ErrorMessage(err)
		if code == "" {
			msg = "Enter the 6-digit code your authenticator app shows"
		}
		s.render(w, r, http.StatusUnauthorized, "sign-in-set-up", &Page{Title: "Set up your second factor", Data: d,
			Errors: []vigil.FieldError{{Field: "code", Message: msg}}})
		return
	}
	s.setSession(w, r, in.Token)
	s.signedIn(w, r, in, savedNext(r))
}

func (s *Server) signOut(w http.ResponseWriter, r *http.Request) {
	if c, err := r.Cookie(s.sessionCookie(r)); err == nil && c.Value != "" {
		if err := s.svc.Sessions.SignOut(r.Context(), c.Value); err != nil {
			s.pageError(w, r, err)
			return
		}
	}
	s.clearSession(w, r)
	http.Redirect(w, r, "/signed-out", http.StatusSeeOther)
}

func (s *Server) signOutEverywhere(w http.ResponseWriter, r *http.Request) {
	if vigil.PrincipalFrom(r.Context()) == nil {
		s.pageError(w, r, vigil.Errorf(vigil.EUNAUTHENTICATED, "Sign in to continue"))
		return
	}
	if err := s.svc.Sessions.SignOutEverywhere(r.Context()); err != nil {
		s.pageError(w, r, err)
		return
	}
	s.clearSession(w, r)
	http.Redirect(w, r, "/signed-out?everywhere=1", http.StatusSeeOther)
}

func (s *Server) signedOutPage(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, "signed-out", &Page{Title: "You have signed out",
		Data: r.URL.Query().Get("everywhere") == "1"})
}

// reconfirmData is the page that asks a signed-in user to confirm it is
// them before they set up a second factor: their password again or, for
// an account without one, single sign-on again.
type reconfirmData struct {
	HasPassword bool
	// SSO is the single sign-on provider, when there is one.
	SSO *OIDC
	// Minutes is how long the confirmation lasts.
	Minutes int
}

// reconfirm shows the page that asks the signed-in user to confirm it is
// them, with err, if any, against what they must give.
func (s *Server) reconfirm(w http.ResponseWriter, r *http.Request, status int, err error) {
	p := vigil.PrincipalFrom(r.Context())
	d := reconfirmData{HasPassword: p.User.HasPassword, SSO: s.cfg.OIDC, Minutes: int(vigil.ConfirmLifetime / time.Minute)}
	if s.svc.SSO == nil {
		d.SSO = nil
	}
	var errs []vigil.FieldError
	if err != nil {
		field := "password"
		if !d.HasPassword {
			field = "sign-in-again"
		}
		errs = []vigil.FieldError{{Field: field, Message: vigil.ErrorMessage(err)}}
	}
	s.render(w, r, status, "account-confirm", &Page{Title: "Confirm it is you", Data: d, Errors: errs})
}

// accountFactorPage lets a signed-in user without a second factor set one
// up by choice, once they have confirmed it is them.
func (s *Server) accountFactorPage(w http.ResponseWriter, r *http.Request) {
	token, ok := s.fullToken(w, r)
	if !ok {
		return
	}
	d, err := s.enrolment(r, token)
	if errors.Is(err, vigil.ErrNotConfirmed) {
		s.reconfirm(w, r, http.StatusOK, nil)
		return
	}
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	d.Action = "/account/second-factor"
	s.render(w, r, http.StatusOK, "sign-in-set-up", &Page{Title: "Set up your second factor", Data: d})
}

// accountFactor takes the password given again, or the code that
// completes the set-up.
func (s *Server) accountFactor(w http.ResponseWriter, r *http.Request) {
	token, ok := s.fullToken(w, r)
	if !ok {
		return
	}
	if err := r.ParseForm(); err != nil {
		s.pageError(w, r, vigil.Errorf(vigil.EINVALID, "The form could not be read"))
		return
	}
	if _, confirming := r.PostForm["password"]; confirming {
		s.confirmPassword(w, r, token, r.PostForm.Get("password"))
		return
	}
	in, err := s.svc.Sessions.CompleteEnrolment(r.Context(), token, strings.TrimSpace(r.PostFormValue("code")))
	if errors.Is(err, vigil.ErrNotConfirmed) {
		s.reconfirm(w, r, http.StatusUnauthorized, err)
		return
	}
	if err != nil {
		if vigil.ErrorCode(err) != vigil.EUNAUTHENTICATED && vigil.ErrorCode(err) != vigil.EINVALID {
			s.pageError(w, r, err)
			return
		}
		d, derr := s.enrolment(r, token)
		if derr != nil {
			s.pageError(w, r, derr)
			return
		}
		d.Action = "/account/second-factor"
		s.render(w, r, http.StatusUnauthorized, "sign-in-set-up", &Page{Title: "Set up your second factor", Data: d,
			Errors: []vigil.FieldError{{Field: "code", Message: vigil.ErrorMessage(err)}}})
		return
	}
	s.setSession(w, r, in.Token)
	http.Redirect(w, r, "/account?second-factor=1", http.StatusSeeOther)
}

// confirmPassword checks the password given again and, when it is right,
// goes on to the set-up.
func (s *Server) confirmPassword(w http.ResponseWriter, r *http.Request, token, password string) {
	if password == "" {
		s.reconfirm(w, r, http.StatusUnprocessableEntity, vigil.Errorf(vigil.EINVALID, "Enter your password"))
		return
	}
	err := s.svc.Sessions.ConfirmPassword(r.Context(), token, password)
	switch code := vigil.ErrorCode(err); code {
	case "":
		http.Redirect(w, r, "/account/second-factor", http.StatusSeeOther)
	case vigil.EUNAUTHENTICATED, vigil.EINVALID:
		s.reconfirm(w, r, statusOf[code], err)
	default:
		s.pageError(w, r, err)
	}
}

// fullToken returns the session token of a signed-in user.
func (s *Server) fullToken(w http.ResponseWriter, r *http.Request) (string, bool) {
	c, err := r.Cookie(s.sessionCookie(r))
	if vigil.PrincipalFrom(r.Context()) == nil || err != nil {
		s.pageError(w, r, vigil.Errorf(vigil.EUNAUTHENTICATED, "Sign in to continue"))
		return "", false
	}
	return c.Value, true
}
