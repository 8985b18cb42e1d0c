package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/vigilcp/vigil/internal/app"
)

// ssoFlags are serve's single sign-on flags. The client secret is never a
// flag: flags show in ps.
type ssoFlags struct {
	issuer, clientID, redirectURL, name *string
}

func addSSOFlags(fs *flag.FlagSet) ssoFlags {
	return ssoFlags{
		issuer: fs.String("oidc-issuer", "", "single sign-on: the OpenID Connect provider's issuer URL (needs --oidc-client-id, "+
			"--oidc-redirect-url and the client secret in VIGIL_OIDC_CLIENT_SECRET or a file named by VIGIL_OIDC_CLIENT_SECRET_FILE)"),
		clientID:    fs.String("oidc-client-id", "", "single sign-on: Vigil's client id at the provider"),
		redirectURL: fs.String("oidc-redirect-url", "", "single sign-on: https://YOUR-VIGIL-HOST/sign-in/sso/callback, as registered at the provider"),
		name:        fs.String("oidc-name", "", `single sign-on: the provider's name on the sign-in button, "Sign in with NAME" (default "your work account")`),
	}
}

// settings returns the single sign-on settings, nil when none are given.
// Settings given in part are a usage error.
func (f ssoFlags) settings(e *env) (*app.SSOConfig, error) {
	secret, fromFile := e.getenv("VIGIL_OIDC_CLIENT_SECRET"), e.getenv("VIGIL_OIDC_CLIENT_SECRET_FILE")
	if *f.issuer == "" && *f.clientID == "" && *f.redirectURL == "" && *f.name == "" && secret == "" && fromFile == "" {
		return nil, nil
	}
	if secret != "" && fromFile != "" {
		return nil, usagef("set VIGIL_OIDC_CLIENT_SECRET or VIGIL_OIDC_CLIENT_SECRET_FILE, not both")
	}
	var missing []string
	for _, m := range []struct{ name, value string }{{"--oidc-issuer", *f.issuer}, {"--oidc-client-id", *f.clientID},
		{"--oidc-redirect-url", *f.redirectURL}, {"a client secret (VIGIL_OIDC_CLIENT_SECRET or VIGIL_OIDC_CLIENT_SECRET_FILE)", secret + fromFile}} {
		if m.value == "" {
			missing = append(missing, m.name)
		}
	}
	if len(missing) > 0 {
		return nil, usagef("single sign-on needs --oidc-issuer, --oidc-client-id, --oidc-redirect-url and a client secret; missing %s",
			strings.Join(missing, ", "))
	}
	if fromFile != "" {
		b, err := os.ReadFile(fromFile)
		if err != nil {
			return nil, fmt.Errorf("cannot read VIGIL_OIDC_CLIENT_SECRET_FILE: %v", errors.Unwrap(err))
		}
		if secret = strings.TrimSpace(string(b)); secret == "" {
			return nil, fmt.Errorf("VIGIL_OIDC_CLIENT_SECRET_FILE %s is empty", fromFile)
		}
	}
	c := &app.SSOConfig{Issuer: *f.issuer, ClientID: *f.clientID, ClientSecret: secret, RedirectURL: *f.redirectURL, Name: *f.name}
	if err := c.Check(); err != nil {
		return nil, usageError{err.Error()}
	}
	return c, nil
}
