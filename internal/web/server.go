// Package web serves Vigil's pages and JSON API over HTTP. It talks to the
// domain's service interfaces only, never to storage directly.
package web

import (
	"context"
	"log/slog"
	"net/http"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/klauspost/compress/gzhttp"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/vigilcp/vigil/internal/vigil"
)

// Config configures the web server.
type Config struct {
	// Clock tells the pages the time (today's date on forms, what is due
	// and overdue); the system clock when nil. It should be the store's.
	Clock vigil.Clock
	// TrustedProxies are the addresses of terminating proxies whose
	// X-Forwarded-For, X-Forwarded-Proto and X-Request-Id are believed.
	TrustedProxies []netip.Prefix
	// Version is the build's version, shown in the footer.
	Version string
	// OIDC, when set, offers single sign-on with an OpenID Connect
	// provider beside the password form.
	OIDC *OIDC
}

// Services are the domain services the server calls.
type Services struct {
	Org        vigil.OrgService
	Users      vigil.UserService
	Sessions   vigil.SessionService
	Children   vigil.ChildService
	AccessLog  vigil.AccessLogService
	BreakGlass vigil.BreakGlassService
	Language   vigil.LanguageService
	Missing    vigil.MissingService
	Profiles   vigil.ProfileService
	// SSO is single sign-on; needed only when Config.OIDC is set.
	SSO vigil.SSOService
	// Health reports whether the database answers and is migrated.
	Health Health
}

// Health is what the readiness check asks.
type Health interface {
	Ping(ctx context.Context) error
	CheckMigrations(ctx context.Context) error
}

// Server is Vigil's HTTP handler.
type Server struct {
	cfg     Config
	svc     Services
	log     *slog.Logger
	mux     *http.ServeMux
	assets  *assets
	views   *views
	metrics *metrics
	reg     *prometheus.Registry
	// routes lists every registered "METHOD /pattern", for the OpenAPI
	// test and the route-permission tests.
	routes  []string
	handler http.Handler
}

type metrics struct {
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
}

// New returns a server. reg receives the server's metrics and is served at
// /metrics (the caller registers database and build collectors on it).
func New(cfg Config, svc Services, log *slog.Logger, reg *prometheus.Registry) (*Server, error) {
	if cfg.Clock == nil {
		cfg.Clock = vigil.SystemClock{}
	}
	s := &Server{cfg: cfg, svc: svc, log: log, mux: http.NewServeMux(), reg: reg}
	var err error
	if s.assets, err = loadAssets(); err != nil {
		return nil, err
	}
	if s.views, err = loadViews(s.assets); err != nil {
		return nil, err
	}
	s.metrics = &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "vigil_http_requests_total",
			Help: "HTTP requests by route and status."}, []string{"route", "code"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "vigil_http_request_duration_seconds",
			Help: "HTTP request latency by route.", Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}},
			[]string{"route"}),
	}
	reg.MustRegister(s.metrics.requests, s.metrics.latency)
	s.routesSetup()
	protect := http.NewCrossOriginProtection()
	protect.SetDenyHandler(http.HandlerFunc(s.crossOriginRefused))
	var h http.Handler = s.mux
	h = keepReasons(h)
	h = s.authenticate(h)
	h = protect.Handler(h)
	h = gzhttp.GzipHandler(h)
	h = s.secure(h)
	h = s.observe(h)
	s.handler = h
	return s, nil
}

// now is the time, by the server's clock.
func (s *Server) now() time.Time { return s.cfg.Clock.Now() }

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// Routes lists every registered route as "METHOD /pattern", sorted.
func (s *Server) Routes() []string {
	out := slices.Clone(s.routes)
	slices.Sort(out)
	return out
}

// handle registers a route. Each handler records its pattern for the
// metrics and logs, and first refuses a path, query or form holding text
// no engine stores alike (refuseBadText).
func (s *Server) handle(pattern string, h http.HandlerFunc) {
	s.routes = append(s.routes, pattern)
	s.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		if holder, ok := r.Context().Value(routeKey).(*routeHolder); ok {
			holder.pattern = pattern
		}
		if s.refuseBadText(w, r) {
			return
		}
		h(w, r)
	})
}

func (s *Server) routesSetup() {
	// Operations.
	s.handle("GET /healthz", s.healthz)
	s.handle("GET /readyz", s.readyz)
	s.handle("GET /metrics", promhttp.HandlerFor(s.reg, promhttp.HandlerOpts{}).ServeHTTP)
	s.handle("GET /assets/{path...}", s.assets.ServeHTTP)
	s.handle("GET /favicon.ico", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, s.assets.url("vigil-icon.svg"), http.StatusMovedPermanently)
	})

	// Pages.
	s.handle("GET /{$}", s.home)
	s.handle("GET /sign-in", s.signInPage)
	s.handle("POST /sign-in", s.signIn)
	s.handle("GET /sign-in/code", s.codePage)
	s.handle("POST /sign-in/code", s.code)
	s.handle("GET /sign-in/set-up", s.setUpPage)
	s.handle("POST /sign-in/set-up", s.setUp)
	s.handle("POST /sign-in/sso", s.ssoStart)
	s.handle("GET /sign-in/sso/callback", s.ssoCallback)
	s.handle("POST /sign-out", s.signOut)
	s.handle("POST /sign-out/everywhere", s.signOutEverywhere)
	s.handle("GET /signed-out", s.signedOutPage)
	s.handle("GET /account", s.accountPage)
	s.handle("GET /account/second-factor", s.accountFactorPage)
	s.handle("POST /account/second-factor", s.accountFactor)
	s.handle("GET /children", s.childrenPage)
	s.handle("GET /children/{id}", s.childPage)
	s.handle("GET /children/{id}/history", s.childHistoryPage)
	s.handle("POST /children/{id}/open-with-reason", s.openWithReason)
	s.handle("GET /children/{id}/share", s.sharePage)
	s.handle("POST /children/{id}/share", s.share)
	s.handle("POST /children/{id}/shares/{share}/revoke", s.revokeShare)
	s.handle("GET /children/{id}/restrict", s.restrictPage)
	s.handle("POST /children/{id}/restrict", s.restrict)
	s.handle("POST /language/check", s.languageCheck)
	s.handle("GET /language", s.languagePage)
	s.handle("GET /admin/language", s.lexiconPage)
	s.handle("POST /admin/language/lexicon", s.saveLexicon)
	s.handle("POST /admin/language/settings", s.saveLanguageSetting)
	s.handle("GET /access", s.accessPage)
	s.handle("GET /access/break-glass", s.breakGlassPage)
	s.handle("POST /access/break-glass/{id}/review", s.reviewBreakGlass)
	s.handle("GET /organisation", s.organisationPage)
	s.handle("GET /organisation/teams/{id}", s.teamPage)
	s.handle("GET /organisation/people/{id}", s.personPage)
	s.handle("GET /organisation/people/{id}/edit", s.personEditPage)
	s.handle("POST /organisation/people/{id}/edit", s.personEdit)

	// Administration.
	s.handle("GET /admin/users", s.adminUsersPage)
	s.handle("GET /admin/users/new", s.adminNewUserPage)
	s.handle("POST /admin/users/new", s.adminNewUser)
	s.handle("GET /admin/users/{id}", s.adminUserPage)
	s.handle("POST /admin/users/{id}/access", s.adminUserAccess)
	s.handle("GET /admin/users/{id}/disable", s.adminUserConfirmPage("disable"))
	s.handle("POST /admin/users/{id}/disable", s.adminUserChange("disable"))
	s.handle("GET /admin/users/{id}/reset-second-factor", s.adminUserConfirmPage("reset-second-factor"))
	s.handle("POST /admin/users/{id}/reset-second-factor", s.adminUserChange("reset-second-factor"))
	s.handle("GET /admin/teams/new", s.adminNewTeamPage)
	s.handle("POST /admin/teams/new", s.adminNewTeam)
	s.handle("GET /admin/teams/{id}/edit", s.adminEditTeamPage)
	s.handle("POST /admin/teams/{id}/edit", s.adminEditTeam)
	s.handle("GET /admin/agencies/new", s.adminNewAgencyPage)
	s.handle("POST /admin/agencies/new", s.adminNewAgency)
	s.handle("GET /admin/agencies/{id}/edit", s.adminEditAgencyPage)
	s.handle("POST /admin/agencies/{id}/edit", s.adminEditAgency)

	// API.
	s.handle("GET /api/v1/openapi.json", s.openAPI)
	s.handle("GET /api/v1/me", s.apiMe)
	s.handle("GET /api/v1/organisation", s.apiOrganisation)
	s.handle("GET /api/v1/teams/{id}", s.apiTeam)
	s.handle("GET /api/v1/people", s.apiPeople)
	s.handle("POST /api/v1/people", s.apiCreatePerson)
	s.handle("GET /api/v1/people/{id}", s.apiPerson)
	s.handle("PUT /api/v1/people/{id}", s.apiUpdatePerson)
	s.handle("GET /api/v1/children", s.apiChildren)
	s.handle("POST /api/v1/children", s.apiCreateChild)
	s.handle("GET /api/v1/children/matches", s.apiChildMatches)
	s.handle("GET /api/v1/children/{id}", s.apiChild)
	s.handle("PUT /api/v1/children/{id}", s.apiUpdateChild)
	s.handle("GET /api/v1/children/{id}/history", s.apiChildHistory)
	s.handle("POST /api/v1/children/{id}/break-glass", s.apiBreakGlass)
	s.handle("GET /api/v1/children/{id}/shares", s.apiShares)
	s.handle("POST /api/v1/children/{id}/shares", s.apiShare)
	s.handle("POST /api/v1/shares/{id}/revoke", s.apiRevokeShare)
	s.handle("POST /api/v1/children/{id}/restrictions", s.apiRestrict)
	s.handle("POST /api/v1/language/check", s.apiLanguageCheck)
	s.handle("GET /api/v1/access-log", s.apiAccessLog)
	s.handle("GET /api/v1/break-glass", s.apiOpenings)
	s.handle("POST /api/v1/break-glass/{id}/review", s.apiReviewOpening)
	s.handle("GET /api/v1/users", s.apiUsers)
	s.handle("GET /api/v1/users/{id}", s.apiUser)
	s.handle("PUT /api/v1/users/{id}/access", s.apiUserAccess)
	s.handle("POST /api/v1/teams", s.apiCreateTeam)
	s.handle("PUT /api/v1/teams/{id}", s.apiUpdateTeam)
	s.handle("GET /api/v1/agencies/{id}", s.apiAgency)
	s.handle("POST /api/v1/agencies", s.apiCreateAgency)
	s.handle("PUT /api/v1/agencies/{id}", s.apiUpdateAgency)
	s.missingRoutes()
	s.missingAPIRoutes()
	s.profileRoutes()
	s.profileAPIRoutes()
	s.restrictionRoutes()

	s.handle("/", s.notFound)
}

// crossOriginRefused explains a refused cross-site form post.
func (s *Server) crossOriginRefused(w http.ResponseWriter, r *http.Request) {
	err := vigil.Errorf(vigil.EFORBIDDEN, "This request came from another website, so Vigil refused it. If you were using Vigil, go back, reload the page and try again.")
	if isAPI(r) {
		s.apiError(w, r, err)
		return
	}
	s.render(w, r, http.StatusForbidden, "problem", &Page{Title: "Request refused", Data: vigil.ErrorMessage(err)})
}

// healthz says the process is alive.
func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = w.Write([]byte("ok\n"))
}

// readyz says whether this instance can serve: the database answers and
// its schema matches this build.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	if err := s.svc.Health.Ping(r.Context()); err != nil {
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = w.Write([]byte("database unreachable\n"))
		return
	}
	if err := s.svc.Health.CheckMigrations(r.Context()); err != nil {
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = w.Write([]byte(strings.TrimSpace(err.Error()) + "\n"))
		return
	}
	_, _ = w.Write([]byte("ready\n"))
}
