package app

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/vigilcp/vigil/internal/web"
)

// SSOConfig configures single sign-on with an OpenID Connect provider.
type SSOConfig struct {
	// Issuer is the provider's issuer URL; its discovery document is read
	// from Issuer + "/.well-known/openid-configuration" at start-up.
	Issuer string
	// ClientID and ClientSecret are Vigil's registration at the provider.
	// The secret comes from the environment or a file, never a flag.
	ClientID, ClientSecret string
	// RedirectURL is Vigil's callback as registered at the provider:
	// https://vigil.example/sign-in/sso/callback.
	RedirectURL string
	// Name is shown on the sign-in button ("Sign in with NAME"); the
	// default is "your work account".
	Name string
	// HTTPClient calls the provider; nil means one that gives up after 30
	// seconds (tests pass their own).
	HTTPClient *http.Client
}

// ssoScopes are what Vigil asks the provider for: the identity and its
// email, to find the account at the first sign-in.
var ssoScopes = []string{oidc.ScopeOpenID, "email", "profile"}

// Check reports the first thing wrong with the settings, as a person
// would fix it.
func (c SSOConfig) Check() error {
	switch {
	case c.Issuer == "":
		return errors.New("single sign-on needs --oidc-issuer")
	case c.ClientID == "":
		return errors.New("single sign-on needs --oidc-client-id")
	case c.ClientSecret == "":
		return errors.New("single sign-on needs a client secret in VIGIL_OIDC_CLIENT_SECRET or a file named by VIGIL_OIDC_CLIENT_SECRET_FILE")
	case c.RedirectURL == "":
		return errors.New("single sign-on needs --oidc-redirect-url")
	}
	iss, err := url.Parse(c.Issuer)
	if err != nil || iss.Host == "" || (iss.Scheme != "https" && !(iss.Scheme == "http" && loopbackHost(iss.Hostname()))) {
		return fmt.Errorf("--oidc-issuer %q must be an https:// URL", c.Issuer)
	}
	red, err := url.Parse(c.RedirectURL)
	if err != nil || red.Host == "" || (red.Scheme != "https" && !(red.Scheme == "http" && loopbackHost(red.Hostname()))) ||
		red.Path != "/sign-in/sso/callback" {
		return fmt.Errorf("--oidc-redirect-url %q must be https://YOUR-VIGIL-HOST/sign-in/sso/callback", c.RedirectURL)
	}
	return nil
}

// loopbackHost allows plain http for a provider or Vigil on this machine
// only (development and tests).
func loopbackHost(h string) bool {
	return h == "localhost" || h == "127.0.0.1" || h == "::1" || strings.HasPrefix(h, "127.")
}

// NewSSO reads the provider's discovery document and returns what the web
// server needs to offer single sign-on. It fails, in one line, when the
// settings are wrong or the provider cannot be reached.
func NewSSO(ctx context.Context, c SSOConfig) (*web.OIDC, error) {
	if err := c.Check(); err != nil {
		return nil, err
	}
	client := c.HTTPClient
	if client == nil {
		client = &http.Client{Timeout: 30 * time.Second}
	}
	dctx, cancel := context.WithTimeout(oidc.ClientContext(ctx, client), 30*time.Second)
	defer cancel()
	provider, err := oidc.NewProvider(dctx, c.Issuer)
	if err != nil {
		return nil, fmt.Errorf("cannot read the single sign-on provider's discovery document at %s: %s", c.Issuer,
			strings.ReplaceAll(err.Error(), "\n", " "))
	}
	name := c.Name
	if name == "" {
		name = "your work account"
	}
	return &web.OIDC{
		Name: name,
		OAuth2: oauth2.Config{ClientID: c.ClientID, ClientSecret: c.ClientSecret, Endpoint: provider.Endpoint(),
			RedirectURL: c.RedirectURL, Scopes: ssoScopes},
		Verifier:   provider.Verifier(&oidc.Config{ClientID: c.ClientID}),
		HTTPClient: client,
	}, nil
}
