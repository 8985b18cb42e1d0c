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
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/vigilcp/vigil/internal/demo"
	"github.com/vigilcp/vigil/internal/password"
	"github.com/vigilcp/vigil/internal/sqlstore"
	"github.com/vigilcp/vigil/internal/vigil"
	"github.com/vigilcp/vigil/internal/web"
)

// ServeConfig configures a running Vigil.
type ServeConfig struct {
	Addr string
	DB   string
	// Demo fills an empty database with the demo force, and, on a loopback
	// address only, offers one-click sign-in as its users.
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
}

// Open opens and migrates the database named by url with production
// settings.
func Open(ctx context.Context, url string, log *slog.Logger) (*sqlstore.DB, error) {
	db, err := sqlstore.Open(ctx, url, sqlstore.Options{Hasher: password.Hasher{Params: password.Production}, Logger: log})
	if err != nil {
		return nil, err
	}
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
	ln, err := listen(cfg.Addr)
	if err != nil {
		return err
	}
	defer ln.Close()
	loopback := isLoopback(ln.Addr())
	hasher := cfg.Hasher
	if hasher == nil {
		hasher = password.Hasher{Params: password.Production}
	}
	db, err := sqlstore.Open(ctx, cfg.DB, sqlstore.Options{Hasher: hasher, Logger: log, Clock: cfg.Clock})
	if err != nil {
		return err
	}
	defer db.Close()
	applied, err := db.Migrate(ctx)
	if err != nil {
		return err
	}
	for _, m := range applied {
		log.Info("migration applied", slog.Int64("version", m.Version), slog.String("name", m.Name))
	}

	var devUsers []web.DevUser
	if cfg.Demo {
		devUsers, err = prepareDemo(ctx, db, cfg.DemoSeed, out)
		if err != nil {
			return err
		}
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		collectors.NewBuildInfoCollector())
	reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "vigil_build_info", Help: "Vigil's version.",
		ConstLabels: prometheus.Labels{"version": cfg.Version, "engine": string(db.Engine())}}, func() float64 { return 1 }))
	for name, pool := range db.Pools() {
		reg.MustRegister(collectors.NewDBStatsCollector(pool, "vigil_"+name))
	}
	srv, err := web.New(web.Config{DevSignIn: cfg.Demo && loopback, TrustedProxies: cfg.TrustedProxies,
		Version: cfg.Version, DevUsers: devUsers},
		web.Services{Org: sqlstore.NewOrgService(db), Users: sqlstore.NewUserService(db),
			Sessions: sqlstore.NewSessionService(db), Health: db}, log, reg)
	if err != nil {
		return err
	}
	hs := &http.Server{
		Handler:           srv,
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
	fmt.Fprintf(out, "Vigil is serving at %s (database: %s)\n", url, db.Engine())
	if cfg.Demo {
		printDemoSignIns(out, url, devUsers, loopback)
	}
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

// prepareDemo loads the demo force into an empty database and returns its
// sign-ins.
func prepareDemo(ctx context.Context, db *sqlstore.DB, seed uint64, out io.Writer) ([]web.DevUser, error) {
	sys, err := db.SystemPrincipal(ctx)
	if err != nil {
		return nil, err
	}
	sctx := vigil.WithPrincipal(ctx, sys)
	empty, err := db.Empty(ctx)
	if err != nil {
		return nil, err
	}
	cfg := demo.Config{Seed: seed, Scale: demo.Small, AsOf: time.Now().UTC()}
	if empty {
		fmt.Fprintln(out, "Loading the demo force into the empty database…")
		if _, err := LoadDemo(sctx, db, cfg, nil); err != nil {
			return nil, err
		}
	}
	var users []web.DevUser
	us := sqlstore.NewUserService(db)
	for _, u := range demo.Build(cfg).Users {
		acct, err := us.UserByUsername(sctx, u.Username)
		if vigil.ErrorCode(err) == vigil.ENOTFOUND {
			continue // not the demo force, or an account was renamed
		}
		if err != nil {
			return nil, err
		}
		if !acct.Disabled() {
			users = append(users, web.DevUser{UserID: acct.ID, Username: u.Username, Does: u.Does})
		}
	}
	return users, nil
}

func printDemoSignIns(out io.Writer, url string, users []web.DevUser, loopback bool) {
	if len(users) == 0 {
		fmt.Fprintln(out, "This database does not hold the demo force's accounts, so there are no demo sign-ins.")
		return
	}
	if !loopback {
		fmt.Fprintln(out, "Demo sign-in is OFF: it is only offered on a loopback address (127.0.0.1 or ::1).")
		fmt.Fprintln(out, "Give an account a password with: vigil user set-password USERNAME")
		return
	}
	fmt.Fprintf(out, "Sign in at %s/sign-in as any of these demo users (no password on this computer):\n", url)
	for _, u := range users {
		fmt.Fprintf(out, "  %-20s %s\n", u.Username, u.Does)
	}
}
