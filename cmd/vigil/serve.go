package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/netip"
	"strings"
	"time"

	"github.com/vigilcp/vigil/internal/app"
	"github.com/vigilcp/vigil/internal/sqlstore"
)

func cmdServe(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "serve", "serve [--addr 127.0.0.1:8080] [--db URL] [--demo]",
		"Runs the web server. It applies pending migrations first (safely, when several instances start\n"+
			"at once on one PostgreSQL database) and stops gracefully on SIGINT or SIGTERM.")
	addr := fs.String("addr", "", "address to listen on (default VIGIL_ADDR, then 127.0.0.1:8080)")
	db := dbFlag(fs)
	demoFlag := fs.Bool("demo", false, "fill an empty database with the demo force; on a loopback address, offer demo sign-ins")
	seed := fs.Uint64("seed", 1, "seed of the demo force, with --demo")
	tlsCert := fs.String("tls-cert", "", "PEM certificate file: serve HTTPS directly (with --tls-key)")
	tlsKey := fs.String("tls-key", "", "PEM private key file for --tls-cert")
	proxies := fs.String("trusted-proxy", "", "comma-separated addresses or CIDR ranges of terminating proxies whose X-Forwarded-* headers are believed (default VIGIL_TRUSTED_PROXIES)")
	shutdown := fs.Duration("shutdown-timeout", 30*time.Second, "how long requests in flight may take to finish at shutdown")
	logLevel := fs.String("log-level", "info", "least severe log level: debug, info, warn or error")
	idle := fs.Duration("session-idle", 30*time.Minute, "a session ends after this long unused")
	absolute := fs.Duration("session-max", 12*time.Hour, "a session ends this long after sign-in")
	lockAfter := fs.Int("lockout-after", 5, "failed sign-ins in a row that lock a username")
	lockFor := fs.Duration("lockout-for", 15*time.Minute, "how long a locked username stays locked")
	ssoHold := fs.Duration("sso-email-hold", sqlstore.DefaultSSOEmailHold,
		"a first single sign-on does not link by an email someone other than its holder changed this recently")
	checkpoints := fs.String("checkpoints", "", "file for signed access-log checkpoints (default VIGIL_ACCESSLOG_CHECKPOINTS; needs VIGIL_ACCESSLOG_KEY)")
	checkpointEvery := fs.Duration("checkpoint-every", time.Minute, "how often to checkpoint the access log")
	metricsAddr := fs.String("metrics-addr", "", "serve /metrics on this address only, never on --addr (default VIGIL_METRICS_ADDR; none: /metrics on --addr)")
	lexiconFile := fs.String("lexicon-overrides", "", "a JSON file of the force's lexicon changes (entries switched off or added), applied under those saved in the pages")
	ssoF := addSSOFlags(fs)
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("unexpected argument %q", pos[0])
	}
	if *addr == "" {
		*addr = e.getenv("VIGIL_ADDR")
	}
	if *addr == "" {
		*addr = "127.0.0.1:8080"
	}
	if *metricsAddr == "" {
		*metricsAddr = e.getenv("VIGIL_METRICS_ADDR")
	}
	if *proxies == "" {
		*proxies = e.getenv("VIGIL_TRUSTED_PROXIES")
	}
	trusted, err := parsePrefixes(*proxies)
	if err != nil {
		return err
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(*logLevel)); err != nil {
		return usagef("--log-level must be debug, info, warn or error")
	}
	url, err := databaseURL(e, *db)
	if err != nil {
		return err
	}
	if *idle <= 0 || *absolute < *idle || *lockAfter < 1 || *lockFor <= 0 {
		return usagef("session and lockout settings must be positive, and --session-max at least --session-idle")
	}
	if *ssoHold <= 0 {
		return usagef("--sso-email-hold must be positive, like 336h (14 days)")
	}
	key, err := signingKey(e)
	if err != nil {
		return err
	}
	var cp *app.Checkpointer
	if path := checkpointFile(e, *checkpoints); key != nil && path != "" {
		cp = &app.Checkpointer{Key: key, File: path, Every: *checkpointEvery}
	} else if key != nil || path != "" {
		return usagef("access-log checkpoints need both a key (VIGIL_ACCESSLOG_KEY) and a file (--checkpoints)")
	}
	sso, err := ssoF.settings(e)
	if err != nil {
		return err
	}
	lex, err := readOverrides(*lexiconFile)
	if err != nil {
		return err
	}
	log := slog.New(slog.NewJSONHandler(e.stderr, &slog.HandlerOptions{Level: level}))
	return app.Serve(ctx, app.ServeConfig{Addr: *addr, DB: url, Demo: *demoFlag, DemoSeed: *seed, TLSCert: *tlsCert,
		TLSKey: *tlsKey, TrustedProxies: trusted, ShutdownTimeout: *shutdown, Version: version(), Log: log, Out: e.stdout,
		SessionIdle: *idle, SessionAbsolute: *absolute, LockoutAfter: *lockAfter, LockoutFor: *lockFor, Checkpoints: cp, Lexicon: lex,
		SSO: sso, MetricsAddr: *metricsAddr, SSOEmailHold: *ssoHold})
}

// parsePrefixes reads a comma-separated list of addresses and CIDR ranges.
func parsePrefixes(s string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for part := range strings.SplitSeq(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		if p, err := netip.ParsePrefix(part); err == nil {
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(part)
		if err != nil {
			return nil, usagef("--trusted-proxy: %q is not an address or CIDR range", part)
		}
		out = append(out, netip.PrefixFrom(a, a.BitLen()))
	}
	return out, nil
}

func cmdVersion(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "version", "version", "Prints Vigil's version.")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("unexpected argument %q", pos[0])
	}
	fmt.Fprintf(e.stdout, "vigil %s\n", version())
	return nil
}
