package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"text/tabwriter"

	"golang.org/x/term"

	"github.com/vigilcp/vigil/internal/app"
	"github.com/vigilcp/vigil/internal/password"
	"github.com/vigilcp/vigil/internal/sqlstore"
	"github.com/vigilcp/vigil/internal/vigil"
)

func cmdUser(ctx context.Context, e *env, args []string) error {
	sub := ""
	if len(args) > 0 {
		sub, args = args[0], args[1:]
	}
	switch sub {
	case "add":
		return userAdd(ctx, e, args)
	case "list":
		return userList(ctx, e, args)
	case "disable":
		return userDisable(ctx, e, args)
	case "set-password":
		return userSetPassword(ctx, e, args)
	case "grant":
		return userGrant(ctx, e, args)
	case "reset-second-factor":
		return userResetSecondFactor(ctx, e, args)
	case "set-email":
		return userSetEmail(ctx, e, args)
	case "-h", "--help", "help":
		fmt.Fprintln(e.stdout, "Usage: vigil user add|list|grant|disable|set-password|reset-second-factor|set-email ... (each has --help)")
		return nil
	case "":
		return usagef("say what to do: add, list, grant, disable, set-password, reset-second-factor or set-email")
	}
	return usagef("unknown user command %q: use add, list, grant, disable, set-password, reset-second-factor or set-email", sub)
}

// userDB opens the database and returns a context acting as the named
// user (default: the system account), so that command-line work is
// stamped with who did it.
func userDB(ctx context.Context, e *env, dbURL, as string) (*sqlstore.DB, context.Context, error) {
	url, err := databaseURL(e, dbURL)
	if err != nil {
		return nil, nil, err
	}
	d, err := app.Open(ctx, url, slog.New(slog.DiscardHandler))
	if err != nil {
		return nil, nil, err
	}
	if err := d.CheckMigrations(ctx); err != nil {
		d.Close()
		return nil, nil, err
	}
	p, err := d.PrincipalFor(ctx, as, "cli")
	if err != nil {
		d.Close()
		return nil, nil, fmt.Errorf("--as %s: %s", as, vigil.ErrorMessage(err))
	}
	return d, vigil.WithPrincipal(ctx, p), nil
}

// readPassword reads a new password: generated and printed once with
// --generate, otherwise the first line of standard input (prompted for,
// without echo, on a terminal).
func readPassword(e *env, generate bool) (pw string, generated bool, err error) {
	if generate {
		return password.Generate(20), true, nil
	}
	if f, ok := e.stdin.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		fmt.Fprint(e.stderr, "New password (at least 12 characters): ")
		b, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(e.stderr)
		if err != nil {
			return "", false, err
		}
		return string(b), false, nil
	}
	line, err := bufio.NewReader(e.stdin).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", false, fmt.Errorf("reading the password: %v", err)
	}
	line = strings.TrimRight(line, "\r\n")
	if line == "" {
		return "", false, usagef("give the password on standard input, or use --generate")
	}
	return line, false, nil
}

func userAdd(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "user add", "user add USERNAME --role ROLE[,ROLE] [--scope SCOPE] [--person-id N | --collar NUMBER] [--generate | --no-password]",
		"Adds an account with its roles and scope. The password is read from standard input, or generated and\n"+
			"printed once with --generate. Roles: "+roleNames()+".\nScopes: force, lpa, team, caseload, agency.")
	rolesFlag := fs.String("role", "", "comma-separated roles")
	scopeFlag := fs.String("scope", "", "force, lpa, team, caseload or agency (default team; agency for partners)")
	supervisor := fs.String("supervisor", "", "username of the supervisor told of break-glass openings")
	db := dbFlag(fs)
	personID := fs.Int64("person-id", 0, "link the account to this person")
	collar := fs.String("collar", "", "link the account to the officer with this collar number")
	gen := fs.Bool("generate", false, "generate a password and print it once")
	noPw := fs.Bool("no-password", false, "create the account without a password (it cannot sign in with one yet)")
	as := fs.String("as", "system", "the user doing this, for the record")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("give one username")
	}
	if *personID != 0 && *collar != "" {
		return usagef("give --person-id or --collar, not both")
	}
	if *gen && *noPw {
		return usagef("give --generate or --no-password, not both")
	}
	roles, err := parseRoles(*rolesFlag)
	if err != nil {
		return err
	}
	d, actx, err := userDB(ctx, e, *db, *as)
	if err != nil {
		return err
	}
	defer d.Close()
	if *collar != "" {
		page, err := sqlstore.NewOrgService(d).People(actx, vigil.PersonFilter{Query: *collar})
		if err != nil {
			return err
		}
		for _, p := range page.Items {
			if strings.EqualFold(p.CollarNumber, *collar) {
				*personID = p.ID
			}
		}
		if *personID == 0 {
			return fmt.Errorf("no officer has collar number %s", *collar)
		}
	}
	pw, generated := "", false
	if !*noPw {
		if pw, generated, err = readPassword(e, *gen); err != nil {
			return err
		}
	}
	users := sqlstore.NewUserService(d)
	var supID int64
	if *supervisor != "" {
		sup, err := users.UserByUsername(actx, *supervisor)
		if err != nil {
			return err
		}
		supID = sup.ID
	}
	u, err := users.CreateUser(actx, vigil.NewUser{Username: pos[0], PersonID: *personID, Password: pw, Roles: roles,
		Scope: vigil.Scope(*scopeFlag), SupervisorID: supID})
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "Added user %s (id %d).\n", u.Username, u.ID)
	if generated {
		fmt.Fprintf(e.stdout, "Password (shown once): %s\n", pw)
	}
	return nil
}

func userList(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "user list", "user list [--db URL]", "Lists accounts.")
	db := dbFlag(fs)
	as := fs.String("as", "system", "the user doing this, for the record")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("unexpected argument %q", pos[0])
	}
	d, actx, err := userDB(ctx, e, *db, *as)
	if err != nil {
		return err
	}
	defer d.Close()
	svc := sqlstore.NewUserService(d)
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "USERNAME\tNAME\tROLES\tSCOPE\tPASSWORD\t2FA\tSTATUS")
	req := vigil.PageRequest{Limit: vigil.MaxPageSize}
	for {
		page, err := svc.Users(actx, req)
		if err != nil {
			return err
		}
		for _, u := range page.Items {
			pw, status := "no", "active"
			if u.HasPassword {
				pw = "yes"
			}
			if u.Disabled() {
				status = "disabled " + u.DisabledAt.Format("2006-01-02")
			}
			tfa := "no"
			if u.SecondFactor {
				tfa = "yes"
			}
			var roles []string
			for _, r := range u.Roles {
				roles = append(roles, string(r))
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", u.Username, u.DisplayName(), strings.Join(roles, ","), u.Scope, pw, tfa, status)
		}
		if page.Next == "" {
			break
		}
		req.Cursor = page.Next
	}
	return tw.Flush()
}

func userDisable(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "user disable", "user disable USERNAME [--db URL]", "Stops an account signing in and ends its sessions.")
	db := dbFlag(fs)
	as := fs.String("as", "system", "the user doing this, for the record")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("give one username")
	}
	d, actx, err := userDB(ctx, e, *db, *as)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := sqlstore.NewUserService(d).DisableUser(actx, pos[0]); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "Disabled %s; its sessions have ended.\n", pos[0])
	return nil
}

func userSetPassword(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "user set-password", "user set-password USERNAME [--generate] [--db URL]",
		"Replaces an account's password (read from standard input, or generated and printed once) and\nends its sessions.")
	db := dbFlag(fs)
	gen := fs.Bool("generate", false, "generate a password and print it once")
	as := fs.String("as", "system", "the user doing this, for the record")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("give one username")
	}
	d, actx, err := userDB(ctx, e, *db, *as)
	if err != nil {
		return err
	}
	defer d.Close()
	pw, generated, err := readPassword(e, *gen)
	if err != nil {
		return err
	}
	if err := sqlstore.NewUserService(d).SetPassword(actx, pos[0], pw); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "Password set for %s.\n", pos[0])
	if generated {
		fmt.Fprintf(e.stdout, "Password (shown once): %s\n", pw)
	}
	return nil
}

func roleNames() string {
	names := make([]string, len(vigil.Roles))
	for i, r := range vigil.Roles {
		names[i] = string(r)
	}
	return strings.Join(names, ", ")
}

// parseRoles reads a comma-separated list of roles.
func parseRoles(s string) ([]vigil.Role, error) {
	var out []vigil.Role
	for part := range strings.SplitSeq(s, ",") {
		r := vigil.Role(strings.TrimSpace(part))
		if r == "" {
			continue
		}
		if !r.Valid() {
			return nil, usagef("%q is not a role: use %s", r, roleNames())
		}
		out = append(out, r)
	}
	if len(out) == 0 {
		return nil, usagef("give at least one --role: %s", roleNames())
	}
	return out, nil
}

func userGrant(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "user grant", "user grant USERNAME --role ROLE[,ROLE] --scope SCOPE [--supervisor USERNAME] [--as USERNAME]",
		"Replaces a user's roles, scope and supervisor. Nobody may change their own, or grant a permission\nthey do not hold themselves.")
	db := dbFlag(fs)
	rolesFlag := fs.String("role", "", "comma-separated roles")
	scopeFlag := fs.String("scope", "", "force, lpa, team, caseload or agency")
	supervisor := fs.String("supervisor", "", "username of the supervisor")
	as := fs.String("as", "system", "the user doing this, for the record")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("give one username")
	}
	roles, err := parseRoles(*rolesFlag)
	if err != nil {
		return err
	}
	if !vigil.Scope(*scopeFlag).Valid() {
		return usagef("give --scope: force, lpa, team, caseload or agency")
	}
	d, actx, err := userDB(ctx, e, *db, *as)
	if err != nil {
		return err
	}
	defer d.Close()
	users := sqlstore.NewUserService(d)
	u, err := users.UserByUsername(actx, pos[0])
	if err != nil {
		return err
	}
	var supID int64
	if *supervisor != "" {
		sup, err := users.UserByUsername(actx, *supervisor)
		if err != nil {
			return err
		}
		supID = sup.ID
	}
	if _, err := users.SetAccess(actx, u.ID, vigil.Access{Roles: roles, Scope: vigil.Scope(*scopeFlag), SupervisorID: supID,
		Version: u.Version}); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "%s now has %s, scope %s.\n", u.Username, *rolesFlag, *scopeFlag)
	return nil
}

func userResetSecondFactor(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "user reset-second-factor", "user reset-second-factor USERNAME [--as USERNAME]",
		"Removes a user's second factor (a lost phone): they set up a new one at their next sign-in. Ends their sessions.")
	db := dbFlag(fs)
	as := fs.String("as", "system", "the user doing this, for the record")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("give one username")
	}
	d, actx, err := userDB(ctx, e, *db, *as)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := sqlstore.NewUserService(d).ResetSecondFactor(actx, pos[0]); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "%s will set up a new second factor at their next sign-in.\n", pos[0])
	return nil
}

func userSetEmail(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "user set-email", "user set-email USERNAME ADDRESS [--as USERNAME]",
		"Changes the email address of an account's person: single sign-on finds the account by it at its first\n"+
			"sign-in. A first single sign-on by an email that someone other than the account's holder changed is\n"+
			"refused for 14 days. Like set-password, only someone who holds all of the account's permissions may do it.")
	db := dbFlag(fs)
	as := fs.String("as", "system", "the user doing this, for the record")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 2 {
		return usagef("give a username and an email address")
	}
	d, actx, err := userDB(ctx, e, *db, *as)
	if err != nil {
		return err
	}
	defer d.Close()
	u, err := sqlstore.NewUserService(d).UserByUsername(actx, pos[0])
	if err != nil {
		return err
	}
	if u.PersonID == 0 {
		return fmt.Errorf("the account %s is not a person's, so it has no email address", u.Username)
	}
	orgs := sqlstore.NewOrgService(d)
	p, err := orgs.Person(actx, u.PersonID)
	if err != nil {
		return err
	}
	p.Email = pos[1]
	if p, err = orgs.UpdatePerson(actx, *p); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "The email address of %s (%s) is now %s.\n", u.Username, p.FullName(), p.Email)
	return nil
}
