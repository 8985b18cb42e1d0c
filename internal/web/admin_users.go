package web

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/vigilcp/vigil/internal/password"
	"github.com/vigilcp/vigil/internal/vigil"
)

// Administrators' pages for accounts: the list, a new account, and one
// account's access, disabling, second-factor reset and history. The store
// decides who may do what (vigil.CanGrant: only what the granter holds, no
// wider scope, never their own); these pages only show the choices and
// its refusals.

// FieldErrors returns every message for one field: a set of checkboxes
// can have several ("you cannot grant X", "you cannot grant Y").
func (p *Page) FieldErrors(field string) []string {
	var out []string
	for _, e := range p.Errors {
		if e.Field == field {
			out = append(out, e.Message)
		}
	}
	return out
}

// Checked reports whether value is among the submitted values of a field
// (a checkbox or radio), so that a form returned with errors keeps every
// choice.
func (p *Page) Checked(field, value string) bool {
	return p.Form != nil && slices.Contains(p.Form[field], value)
}

// usersData is the list of accounts.
type usersData struct {
	Users    []vigil.User
	NextHref string
}

func (s *Server) adminUsersPage(w http.ResponseWriter, r *http.Request) {
	page, err := s.svc.Users.Users(r.Context(), vigil.PageRequest{Cursor: r.URL.Query().Get("cursor")})
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	next := ""
	if page.Next != "" {
		next = "/admin/users?cursor=" + url.QueryEscape(page.Next)
	}
	s.render(w, r, http.StatusOK, "admin-users", &Page{Title: "Users", Data: usersData{page.Items, next}})
}

// userFormData is the new-account form and one account's page.
type userFormData struct {
	// User is the account shown; nil on the new-account form.
	User *vigil.User
	// People are those who could be given the new account: active, and
	// with no account yet.
	People []vigil.Person
	// Supervisors are the accounts that can be chosen as supervisor.
	Supervisors []vigil.User
	Roles       []vigil.Role
	Scopes      []vigil.Scope
	// Self says the account is the signed-in user's own.
	Self bool
	// MayChangeSignIn says the signed-in user may change how the account
	// signs in (its second factor, password and email): they hold all of
	// its permissions (vigil.CanChangeSignIn). SignInLacking says, when
	// not, what of the account's they do not hold.
	MayChangeSignIn bool
	SignInLacking   string
	// SupervisorName names the account's supervisor.
	SupervisorName string
	History        []timelineEntry
	// Done says what was just done to the account, for the banner.
	Done string
}

// supervisors returns the active accounts, except one, that can supervise.
// The form offers the first MaxPageSize of them.
func (s *Server) supervisors(ctx context.Context, except int64) ([]vigil.User, error) {
	page, err := s.svc.Users.Users(ctx, vigil.PageRequest{Limit: vigil.MaxPageSize})
	if err != nil {
		return nil, err
	}
	out := page.Items[:0]
	for _, u := range page.Items {
		if u.ID != except && !u.Disabled() {
			out = append(out, u)
		}
	}
	return out, nil
}

// accountLabel is how a select names an account.
func accountLabel(u vigil.User) string {
	if u.Person != nil {
		return u.Username + " – " + u.Person.FullName()
	}
	return u.Username
}

func (s *Server) newUserData(r *http.Request) (*userFormData, error) {
	sup, err := s.supervisors(r.Context(), 0)
	if err != nil {
		return nil, err
	}
	people, err := s.svc.Org.People(r.Context(), vigil.PersonFilter{WithoutAccount: true,
		PageRequest: vigil.PageRequest{Limit: vigil.MaxPageSize}})
	if err != nil {
		return nil, err
	}
	d := &userFormData{Supervisors: sup, Roles: vigil.Roles, Scopes: vigil.Scopes}
	for _, p := range people.Items {
		if p.Active {
			d.People = append(d.People, p)
		}
	}
	return d, nil
}

func (s *Server) adminNewUserPage(w http.ResponseWriter, r *http.Request) {
	if !s.mayOrRefuse(w, r, vigil.ActionCreate, vigil.KindUser) {
		return
	}
	d, err := s.newUserData(r)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "admin-user-new", &Page{Title: "Add a user", Data: d,
		Form: url.Values{"scope": {string(vigil.ScopeTeam)}, "password": {"generate"}}})
}

// formID reads an optional id from a form's select; "" is none.
func formID(f url.Values, name string, v *vigil.Validation, msg string) int64 {
	s := f.Get(name)
	if s == "" {
		return 0
	}
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id <= 0 {
		v.Add(name, "%s", msg)
		return 0
	}
	return id
}

// formRoles reads the ticked roles.
func formRoles(f url.Values) []vigil.Role {
	var out []vigil.Role
	for _, r := range f["roles"] {
		out = append(out, vigil.Role(r))
	}
	return out
}

// readForm parses a posted form. Every value is kept, so that a set of
// checkboxes comes back whole.
func readForm(r *http.Request) (url.Values, error) {
	if err := r.ParseForm(); err != nil {
		return nil, vigil.Errorf(vigil.EINVALID, "The form could not be read")
	}
	return r.PostForm, nil
}

// createdData is the confirmation of a new account.
type createdData struct {
	User *vigil.User
	// Password is the generated password, shown this once; "" when the
	// account was made without one.
	Password string
}

func (s *Server) adminNewUser(w http.ResponseWriter, r *http.Request) {
	if !s.mayOrRefuse(w, r, vigil.ActionCreate, vigil.KindUser) {
		return
	}
	d, err := s.newUserData(r)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	f, err := readForm(r)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	var v vigil.Validation
	nu := vigil.NewUser{Username: strings.TrimSpace(f.Get("username")), Roles: formRoles(f), Scope: vigil.Scope(f.Get("scope"))}
	nu.PersonID = formID(f, "person_id", &v, "Select a person from the list, or none")
	nu.SupervisorID = formID(f, "supervisor_id", &v, "Select a supervisor from the list, or none")
	switch f.Get("password") {
	case "generate":
		nu.Password = password.Generate(20)
	case "none":
	default:
		v.Add("password", "Select whether to generate a password")
	}
	if nu.Scope == "" {
		v.Add("scope", "Select which records they can see")
	}
	err = v.Err()
	var u *vigil.User
	if err == nil {
		u, err = s.svc.Users.CreateUser(r.Context(), nu)
	}
	switch code := vigil.ErrorCode(err); code {
	case "":
		s.render(w, r, http.StatusOK, "admin-user-created", &Page{Title: "Account created",
			Data: createdData{User: u, Password: nu.Password}})
	case vigil.EINVALID, vigil.ECONFLICT:
		errs := vigil.ErrorFields(err)
		if len(errs) == 0 {
			errs = []vigil.FieldError{{Field: "username", Message: vigil.ErrorMessage(err)}}
		}
		s.render(w, r, statusOf[code], "admin-user-new", &Page{Title: "Add a user", Data: d, Form: f, Errors: errs})
	default:
		s.pageError(w, r, err)
	}
}

// loadUser reads the account a page is about, its history and what the
// page needs to show and change its access.
func (s *Server) loadUser(r *http.Request) (*userFormData, error) {
	id, err := pathID(r)
	if err != nil {
		return nil, err
	}
	u, err := s.svc.Users.User(r.Context(), id)
	if err != nil {
		return nil, err
	}
	changes, err := s.svc.Users.UserHistory(r.Context(), id)
	if err != nil {
		return nil, err
	}
	sup, err := s.supervisors(r.Context(), id)
	if err != nil {
		return nil, err
	}
	p := vigil.PrincipalFrom(r.Context())
	d := &userFormData{User: u, Supervisors: sup, Roles: vigil.Roles, Scopes: vigil.Scopes, Self: p.UserID() == u.ID}
	d.MayChangeSignIn, d.SignInLacking = vigil.CanChangeSignIn(p, u)
	users := map[int64]string{}
	for _, x := range sup {
		users[x.ID] = accountLabel(x)
	}
	if u.SupervisorID != 0 {
		d.SupervisorName = users[u.SupervisorID]
		if d.SupervisorName == "" {
			// Disabled, or beyond the first page: offer them still, so
			// that saving other changes does not drop the supervisor.
			if su, err := s.svc.Users.User(r.Context(), u.SupervisorID); err == nil {
				d.SupervisorName = accountLabel(*su)
				users[su.ID] = d.SupervisorName
				d.Supervisors = append(d.Supervisors, *su)
			}
		}
	}
	people := map[int64]string{}
	if u.Person != nil {
		people[u.Person.ID] = u.Person.FullName()
	}
	d.History = timeline(changes, userHistory(users, people))
	return d, nil
}

// accessForm is an account's access as the form holds it.
func accessForm(u *vigil.User) url.Values {
	f := url.Values{"scope": {string(u.Scope)}, "version": {strconv.FormatInt(u.Version, 10)}}
	for _, r := range u.Roles {
		f.Add("roles", string(r))
	}
	if u.SupervisorID != 0 {
		f.Set("supervisor_id", strconv.FormatInt(u.SupervisorID, 10))
	}
	return f
}

func (s *Server) adminUserPage(w http.ResponseWriter, r *http.Request) {
	d, err := s.loadUser(r)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	switch done := r.URL.Query().Get("done"); done {
	case "access", "disabled", "second_factor":
		d.Done = done
	}
	s.render(w, r, http.StatusOK, "admin-user", &Page{Title: d.User.Username, Data: d, Form: accessForm(d.User)})
}

func (s *Server) adminUserAccess(w http.ResponseWriter, r *http.Request) {
	if !s.mayOrRefuse(w, r, vigil.ActionGrant, vigil.KindUser) {
		return
	}
	d, err := s.loadUser(r)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	f, err := readForm(r)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	version, err := strconv.ParseInt(f.Get("version"), 10, 64)
	if err != nil {
		s.pageError(w, r, vigil.Errorf(vigil.EINVALID, "The form is out of date: go back and reload the page"))
		return
	}
	var v vigil.Validation
	a := vigil.Access{Roles: formRoles(f), Scope: vigil.Scope(f.Get("scope")), Version: version,
		SupervisorID: formID(f, "supervisor_id", &v, "Select a supervisor from the list, or none")}
	err = v.Err()
	if err == nil {
		_, err = s.svc.Users.SetAccess(r.Context(), d.User.ID, a)
	}
	code := vigil.ErrorCode(err)
	switch code {
	case "":
		http.Redirect(w, r, "/admin/users/"+strconv.FormatInt(d.User.ID, 10)+"?done=access", http.StatusSeeOther)
		return
	case vigil.EINVALID, vigil.ECONFLICT, vigil.EFORBIDDEN:
	default:
		s.pageError(w, r, err)
		return
	}
	// Keep every choice made; on a conflict, keep the old version too, so
	// that saving is refused again until the page is reloaded.
	errs := vigil.ErrorFields(err)
	if len(errs) == 0 {
		errs = []vigil.FieldError{{Field: "access", Message: vigil.ErrorMessage(err)}}
	}
	s.render(w, r, statusOf[code], "admin-user", &Page{Title: d.User.Username, Data: d, Form: f, Errors: errs})
}

// confirmData is a page that asks before an account change.
type confirmData struct {
	User                  *vigil.User
	Heading, Body, Button string
	Action                string
	// Refused, when set, says why the change cannot be made here, and
	// how it can be: the page then offers no button.
	Refused string
}

// accountChanges are the changes to an account that ask first. signIn,
// when set, is the change to how the account signs in that only someone
// who holds all of its permissions may make.
var accountChanges = map[string]struct {
	heading, body, button, done string
	do                          func(vigil.UserService, context.Context, string) error
	signIn                      vigil.SignInChange
}{
	"disable": {"Disable this account?", "They will be signed out everywhere at once and will not be able to sign in again. " +
		"Their records and history are kept.", "Disable account", "disabled", vigil.UserService.DisableUser, ""},
	"reset-second-factor": {"Reset their second factor?", "They will be signed out everywhere, and will set up a new " +
		"second factor with their authenticator app the next time they sign in. Do this when they have lost or replaced " +
		"their phone.", "Reset second factor", "second_factor", vigil.UserService.ResetSecondFactor, vigil.SignInSecondFactor},
}

// adminUserConfirmPage asks whether to disable an account or reset its
// second factor.
func (s *Server) adminUserConfirmPage(change string) http.HandlerFunc {
	c := accountChanges[change]
	return func(w http.ResponseWriter, r *http.Request) {
		if !s.mayOrRefuse(w, r, vigil.ActionUpdate, vigil.KindUser) {
			return
		}
		id, err := pathID(r)
		if err != nil {
			s.pageError(w, r, err)
			return
		}
		u, err := s.svc.Users.User(r.Context(), id)
		if err != nil {
			s.pageError(w, r, err)
			return
		}
		d := confirmData{User: u, Heading: c.heading, Body: c.body, Button: c.button,
			Action: "/admin/users/" + strconv.FormatInt(id, 10) + "/" + change}
		if ok, lacking := vigil.CanChangeSignIn(vigil.PrincipalFrom(r.Context()), u); c.signIn != "" && !ok {
			// Said here; the store refuses the change itself, and logs it.
			d.Refused = vigil.ErrorMessage(vigil.RefuseSignInChange(c.signIn, u, lacking))
		}
		s.render(w, r, http.StatusOK, "admin-user-confirm", &Page{Title: c.heading, Data: d})
	}
}

// adminUserChange disables an account or resets its second factor.
func (s *Server) adminUserChange(change string) http.HandlerFunc {
	c := accountChanges[change]
	return func(w http.ResponseWriter, r *http.Request) {
		id, err := pathID(r)
		if err != nil {
			s.pageError(w, r, err)
			return
		}
		u, err := s.svc.Users.User(r.Context(), id)
		if err == nil {
			err = c.do(s.svc.Users, r.Context(), u.Username)
		}
		if err != nil {
			s.pageError(w, r, err)
			return
		}
		http.Redirect(w, r, "/admin/users/"+strconv.FormatInt(id, 10)+"?done="+c.done, http.StatusSeeOther)
	}
}
