// Package app wires Vigil's pieces together: the database, the services,
// the web server and the demo force. The command line and the end-to-end
// tests both start Vigil through it, so they run the same thing.
package app

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"path"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/vigilcp/vigil/internal/demo"
	"github.com/vigilcp/vigil/internal/language"
	"github.com/vigilcp/vigil/internal/password"
	"github.com/vigilcp/vigil/internal/sqlstore"
	"github.com/vigilcp/vigil/internal/vigil"
	"github.com/vigilcp/vigil/internal/web"
)

// ServeConfig configures a running Vigil.
type ServeConfig struct {
	Addr string
	DB   string
	// Demo fills an empty database with the demo force and gives its
	// accounts a fresh password, printed once.
	Demo     bool
	DemoSeed uint64
	// TLSCert and TLSKey are PEM files; when both are set Vigil serves
	// HTTPS itself.
	TLSCert, TLSKey string
	// TrustedProxies are terminating proxies whose forwarded headers are
	// believed.
	TrustedProxies  []netip.Prefix
	ShutdownTimeout time.Duration
	Version         string
	Log             *slog.Logger
	// Out receives what a person starting Vigil needs to read: the
	// address and the demo sign-ins.
	Out io.Writer
	// Hasher overrides the production password hasher (tests).
	Hasher vigil.PasswordHasher
	// Clock overrides the system clock (tests).
	Clock vigil.Clock
	// Listening, when set, is called with the bound address once the
	// server accepts connections (tests).
	Listening func(addr string)
	// Session and lockout settings (zero: the defaults of 30 minutes idle,
	// 12 hours absolute, lock for 15 minutes after 5 failures).
	SessionIdle, SessionAbsolute time.Duration
	LockoutAfter                 int
	LockoutFor                   time.Duration
	// SSOEmailHold: a first single sign-on does not link by an email that
	// someone other than its holder changed within it (zero: 14 days).
	SSOEmailHold time.Duration
	// Checkpoints, when set, writes signed checkpoints of the access log's
	// head every CheckpointEvery (default one minute) and at shutdown.
	Checkpoints *Checkpointer
	// Lexicon, when set, is the force's lexicon overrides file, applied
	// under any overrides saved in the database.
	Lexicon *language.Overrides
	// DemoPassword, when set with Demo, is the demo accounts' password
	// instead of a fresh random one (tests).
	DemoPassword string
	// SSO, when set, offers single sign-on with an OpenID Connect provider.
	SSO *SSOConfig
	// MetricsAddr, when set, is the address /metrics is served on, alone;
	// the public listener then answers /metrics with 404.
	MetricsAddr string
}

// Open opens the database named by url with production settings (it does
// not migrate). In a context from TrackOpens it notes the database, so
// that what the command appends to the access log is checkpointed after
// it.
func Open(ctx context.Context, url string, log *slog.Logger) (*sqlstore.DB, error) {
	db, err := sqlstore.Open(ctx, url, sqlstore.Options{Hasher: password.Hasher{Params: password.Production}, Logger: log})
	if err != nil {
		return nil, err
	}
	noteOpen(ctx, url, db)
	return db, nil
}

// Serve runs Vigil until ctx is cancelled, then shuts down gracefully: it
// stops accepting connections, lets requests in flight finish within
// ShutdownTimeout, and returns nil.
func Serve(ctx context.Context, cfg ServeConfig) error {
	log := cfg.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	out := cfg.Out
	if out == nil {
		out = io.Discard
	}
	if (cfg.TLSCert == "") != (cfg.TLSKey == "") {
		return errors.New("give both --tls-cert and --tls-key, or neither")
	}
	var tlsConfig *tls.Config
	if cfg.TLSCert != "" {
		cert, err := tls.LoadX509KeyPair(cfg.TLSCert, cfg.TLSKey)
		if err != nil {
			return fmt.Errorf("cannot load the TLS certificate and key: %v", err)
		}
		tlsConfig = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	}
	var sso *web.OIDC
	if cfg.SSO != nil {
		var err error
		if sso, err = NewSSO(ctx, *cfg.SSO); err != nil {
			return err
		}
	}
	ln, err := listen(cfg.Addr)
	if err != nil {
		return err
	}
	defer ln.Close()
	var metricsLn net.Listener
	if cfg.MetricsAddr != "" {
		if metricsLn, err = listen(cfg.MetricsAddr); err != nil {
			return fmt.Errorf("metrics: %w", err)
		}
		defer metricsLn.Close()
	}
	loopback := isLoopback(ln.Addr())
	hasher := cfg.Hasher
	if hasher == nil {
		hasher = password.Hasher{Params: password.Production}
	}
	db, err := sqlstore.Open(ctx, cfg.DB, sqlstore.Options{Hasher: hasher, Logger: log, Clock: cfg.Clock,
		SessionIdle: cfg.SessionIdle, SessionAbsolute: cfg.SessionAbsolute, LockoutAfter: cfg.LockoutAfter, LockoutFor: cfg.LockoutFor,
		SSOEmailHold: cfg.SSOEmailHold})
	if err != nil {
		return err
	}
	defer db.Close()
	if cfg.Lexicon != nil {
		if err := db.SetLexiconFile(*cfg.Lexicon); err != nil {
			return fmt.Errorf("the lexicon overrides file: %v", err)
		}
	}
	applied, err := db.Migrate(ctx)
	if err != nil {
		return err
	}
	for _, m := range applied {
		log.Info("migration applied", slog.Int64("version", m.Version), slog.String("name", m.Name))
	}

	var demoUsers []demo.User
	var demoPassword string
	if cfg.Demo {
		demoUsers, demoPassword, err = prepareDemo(ctx, db, cfg.DemoSeed, cfg.DemoPassword, hasher, out)
		if err != nil {
			return err
		}
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		collectors.NewBuildInfoCollector())
	reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "vigil_build_info", Help: "Vigil's version.",
		ConstLabels: prometheus.Labels{"version": cfg.Version, "engine": string(db.Engine())}}, func() float64 { return 1 }))
	reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "vigil_access_log_unindexed_entries",
		Help: "Access-log entries written but not yet in the per-record index (-1: the database did not answer)."}, func() float64 {
		p, err := db.AccessLogIndexState(context.WithoutCancel(ctx))
		if err != nil {
			return -1
		}
		return float64(p.Head - p.Indexed)
	}))
	for name, pool := range db.Pools() {
		reg.MustRegister(collectors.NewDBStatsCollector(pool, "vigil_"+name))
	}
	svc := web.Services{Org: sqlstore.NewOrgService(db), Users: sqlstore.NewUserService(db),
		Sessions: sqlstore.NewSessionService(db), Children: sqlstore.NewChildService(db),
		AccessLog: sqlstore.NewAccessLogService(db), BreakGlass: sqlstore.NewBreakGlassService(db),
		Language: sqlstore.NewLanguageService(db), Missing: sqlstore.NewMissingService(db), Profiles: sqlstore.NewProfileService(db), Health: db,
		SSO: sqlstore.NewSSOService(db)}
	wcfg := web.Config{TrustedProxies: cfg.TrustedProxies, Version: cfg.Version, OIDC: sso, Clock: db.Clock()}
	srv, err := web.New(wcfg, svc, log, reg)
	if err != nil {
		return err
	}
	var handler http.Handler = srv
	if metricsLn != nil {
		handler = withoutMetrics(srv)
	}
	hs := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      120 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		TLSConfig:         tlsConfig,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	scheme := "http"
	if tlsConfig != nil {
		scheme = "https"
	}
	url := fmt.Sprintf("%s://%s", scheme, ln.Addr())
	var ms *http.Server
	if metricsLn != nil {
		ms = metricsServer(reg, log)
		go func() {
			if err := ms.Serve(metricsLn); err != nil && !errors.Is(err, http.ErrServerClosed) {
				log.Error("the metrics server stopped", slog.String("error", err.Error()))
			}
		}()
		defer ms.Close()
		fmt.Fprintf(out, "Metrics are served at http://%s/metrics\n", metricsLn.Addr())
	}
	fmt.Fprintf(out, "Vigil is serving at %s (database: %s)\n", url, db.Engine())
	if cfg.Demo {
		printDemoSignIns(out, url, demoUsers, demoPassword, loopback)
	}
	stopCheckpoints := func() {}
	if cfg.Checkpoints != nil {
		stopCheckpoints = cfg.Checkpoints.Run(ctx, db, log)
	} else {
		log.Warn("access-log checkpoints are off: set VIGIL_ACCESSLOG_KEY and --checkpoints so that a rewritten log is caught")
	}
	defer stopCheckpoints()
	defer RunAccessLogIndexer(ctx, db, log, IndexEvery)()
	log.Info("serving", slog.String("addr", ln.Addr().String()), slog.String("engine", string(db.Engine())),
		slog.Bool("tls", tlsConfig != nil), slog.String("version", cfg.Version))

	errc := make(chan error, 1)
	go func() {
		if tlsConfig != nil {
			errc <- hs.ServeTLS(ln, "", "")
		} else {
			errc <- hs.Serve(ln)
		}
	}()
	if cfg.Listening != nil {
		cfg.Listening(ln.Addr().String())
	}
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	timeout := cfg.ShutdownTimeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	log.Info("shutting down", slog.Duration("timeout", timeout))
	sctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	if err := hs.Shutdown(sctx); err != nil {
		return fmt.Errorf("requests still running after %s were cut off: %v", timeout, err)
	}
	log.Info("stopped")
	return nil
}

// withoutMetrics answers /metrics on the public listener as any unknown
// path, when metrics have an address of their own: the request is passed
// on for a path no route matches, so it gets the same page, headers and
// log line.
func withoutMetrics(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if p := path.Clean("/" + r.URL.Path); p == "/metrics" {
			r = r.Clone(r.Context())
			r.URL.Path, r.URL.RawPath = "/metrics-are-served-elsewhere", ""
		}
		next.ServeHTTP(w, r)
	})
}

// metricsServer serves the registry's metrics at /metrics and nothing else.
func metricsServer(reg *prometheus.Registry, log *slog.Logger) *http.Server {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	return &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second,
		WriteTimeout: 60 * time.Second, IdleTimeout: 120 * time.Second, MaxHeaderBytes: 16 << 10,
		ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
}

// listen binds the address, with a plain message for the usual failures.
func listen(addr string) (net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	if err == nil {
		return ln, nil
	}
	switch {
	case errors.Is(err, syscall.EADDRINUSE):
		return nil, fmt.Errorf("cannot listen on %s: the address is already in use (is Vigil already running?)", addr)
	case errors.Is(err, syscall.EACCES):
		return nil, fmt.Errorf("cannot listen on %s: permission denied (ports below 1024 need privileges)", addr)
	case errors.Is(err, syscall.EADDRNOTAVAIL):
		return nil, fmt.Errorf("cannot listen on %s: no such address on this machine", addr)
	}
	var ae *net.AddrError
	var de *net.DNSError
	if errors.As(err, &ae) || errors.As(err, &de) {
		return nil, fmt.Errorf("cannot listen on %q: not a valid host:port address", addr)
	}
	return nil, fmt.Errorf("cannot listen on %s: %v", addr, err)
}

func isLoopback(a net.Addr) bool {
	ap, err := netip.ParseAddrPort(a.String())
	return err == nil && ap.Addr().IsLoopback()
}

// prepareDemo loads the demo force into an empty database, or finds it
// already there, and gives its accounts one fresh password, printed once.
// It never touches a database that does not hold the demo force.
func prepareDemo(ctx context.Context, db *sqlstore.DB, seed uint64, pw string, hasher vigil.PasswordHasher, out io.Writer) ([]demo.User, string, error) {
	sys, err := db.SystemPrincipal(ctx)
	if err != nil {
		return nil, "", err
	}
	sctx := vigil.WithPrincipal(ctx, sys)
	empty, err := db.Empty(ctx)
	if err != nil {
		return nil, "", err
	}
	if pw == "" {
		pw = DemoPassword()
	}
	hash, err := hasher.Hash(pw)
	if err != nil {
		return nil, "", err
	}
	cfg := demo.Config{Seed: seed, Scale: demo.Small, AsOf: time.Now().UTC()}
	users := demo.Build(cfg).Users
	if empty {
		fmt.Fprintln(out, "Loading the demo force into the empty database…")
		if _, err := LoadDemo(sctx, db, cfg, hash, nil); err != nil {
			return nil, "", err
		}
		return users, pw, nil
	}
	names := make([]string, len(users))
	for i, u := range users {
		names[i] = u.Username
	}
	if err := db.SetDemoPasswords(sctx, names, hash); err != nil {
		if vigil.ErrorCode(err) == vigil.EFORBIDDEN {
			return nil, "", nil // a real force's database: no demo sign-ins
		}
		return nil, "", err
	}
	return users, pw, nil
}

// DemoPassword returns a fresh password for the demo accounts: three
// words' worth of random letters, easy to type, never on the common list.
func DemoPassword() string {
	return "demo-" + password.Generate(6) + "-" + password.Generate(6)
}

func printDemoSignIns(out io.Writer, url string, users []demo.User, pw string, loopback bool) {
	if len(users) == 0 {
		fmt.Fprintln(out, "This database holds a real force, not the demo force: no demo sign-ins.")
		return
	}
	fmt.Fprintf(out, "Sign in at %s/sign-in as any of these demo users, with the password %s\n", url, pw)
	for _, u := range users {
		fmt.Fprintf(out, "  %-20s %s\n", u.Username, u.Does)
	}
	fmt.Fprintln(out, "Accounts marked 'second factor' set one up at first sign-in with any authenticator app.")
	if !loopback {
		fmt.Fprintln(out, "Warning: this demo is reachable from other machines; its password is printed above.")
	}
}
