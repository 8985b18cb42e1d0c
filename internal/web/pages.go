package web

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/vigilcp/vigil/internal/vigil"
)

// homeData is the signed-in home page.
type homeData struct {
	Name, Username, Rank, Role, TeamName, ForceName string
	TeamID                                          int64
}

func (s *Server) home(w http.ResponseWriter, r *http.Request) {
	p := vigil.PrincipalFrom(r.Context())
	if p == nil {
		s.render(w, r, http.StatusOK, "start", &Page{Title: "Child protection"})
		return
	}
	org, err := s.svc.Org.Organisation(r.Context())
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	d := homeData{Name: p.User.DisplayName(), Username: p.User.Username, ForceName: org.Force.Name}
	if per := p.User.Person; per != nil {
		d.Rank, d.Role, d.TeamID = per.Rank.Label(), per.Role, per.TeamID
		for _, t := range org.Teams {
			if t.ID == per.TeamID {
				d.TeamName = t.Name
			}
		}
		for _, a := range org.Agencies {
			if a.ID == per.AgencyID {
				d.TeamName = a.Name
			}
		}
	}
	s.render(w, r, http.StatusOK, "home", &Page{Title: "My work", Data: d})
}

// safeNext keeps a post-sign-in destination on this site: a path, never a
// scheme, host or protocol-relative URL.
func safeNext(next string) string {
	if next == "" || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") ||
		strings.ContainsAny(next, "\r\n") {
		return "/"
	}
	return next
}

func (s *Server) signInPage(w http.ResponseWriter, r *http.Request) {
	if vigil.PrincipalFrom(r.Context()) != nil {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	form := url.Values{"next": {safeNext(r.URL.Query().Get("next"))}}
	s.render(w, r, http.StatusOK, "sign-in", &Page{Title: "Sign in", Form: form, Data: s.cfg.DevUsers})
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
			Errors: vigil.ErrorFields(err), Data: s.cfg.DevUsers})
		return
	}
	token, _, err := s.svc.Sessions.SignIn(r.Context(), username, pw)
	if vigil.ErrorCode(err) == vigil.EUNAUTHENTICATED {
		// One message whether the username exists or not.
		s.render(w, r, http.StatusUnauthorized, "sign-in", &Page{Title: "Sign in", Form: form,
			Errors: []vigil.FieldError{{Field: "username", Message: vigil.ErrorMessage(err)}}, Data: s.cfg.DevUsers})
		return
	}
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	s.setSession(w, r, token)
	http.Redirect(w, r, form.Get("next"), http.StatusSeeOther)
}

// devSignIn signs in as a demo user without a password. The route exists
// only when the server was started with the demo force on a loopback
// address (Config.DevSignIn); otherwise it is not found.
func (s *Server) devSignIn(w http.ResponseWriter, r *http.Request) {
	if !s.cfg.DevSignIn {
		s.notFound(w, r)
		return
	}
	if err := r.ParseForm(); err != nil {
		s.pageError(w, r, vigil.Errorf(vigil.EINVALID, "The form could not be read"))
		return
	}
	username := r.PostForm.Get("username")
	var userID int64
	for _, u := range s.cfg.DevUsers {
		if u.Username == username {
			userID = u.UserID
		}
	}
	if userID == 0 {
		s.render(w, r, http.StatusUnprocessableEntity, "sign-in", &Page{Title: "Sign in", Data: s.cfg.DevUsers,
			Errors: []vigil.FieldError{{Field: "demo-user-0", Message: "Select a demo user"}}})
		return
	}
	token, err := s.svc.Sessions.StartSession(r.Context(), userID)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	s.setSession(w, r, token)
	http.Redirect(w, r, safeNext(r.PostForm.Get("next")), http.StatusSeeOther)
}

func (s *Server) signOut(w http.ResponseWriter, r *http.Request) {
	if c, err := r.Cookie(s.sessionCookie(r)); err == nil && c.Value != "" {
		if err := s.svc.Sessions.SignOut(r.Context(), c.Value); err != nil {
			s.pageError(w, r, err)
			return
		}
	}
	s.clearSession(w, r)
	http.Redirect(w, r, "/", http.StatusSeeOther)
}
