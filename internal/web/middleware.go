package web

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/vigilcp/vigil/internal/vigil"
)

type ctxKey int

const (
	requestIDKey ctxKey = iota
	routeKey
)

// requestID returns the request's id, or "".
func requestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey).(string)
	return id
}

// routeHolder receives the matched route pattern from the innermost
// handler, so that the outer logging and metrics middleware can label by
// route (never by raw path, which may carry ids).
type routeHolder struct{ pattern string }

func newRequestID() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// validRequestID accepts an incoming X-Request-Id from a trusted proxy only
// when it is short and plain, so that it cannot forge log lines.
func validRequestID(s string) bool {
	if len(s) < 8 || len(s) > 64 {
		return false
	}
	for _, r := range s {
		if !(r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r == '-' || r == '_') {
			return false
		}
	}
	return true
}

// statusWriter records the status and size of a response.
type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += int64(n)
	return n, err
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// observe gives each request an id, recovers from panics, and logs and
// counts it by route.
func (s *Server) observe(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		id := ""
		if s.fromTrustedProxy(r) && validRequestID(r.Header.Get("X-Request-Id")) {
			id = r.Header.Get("X-Request-Id")
		} else {
			id = newRequestID()
		}
		w.Header().Set("X-Request-Id", id)
		holder := &routeHolder{}
		ctx := context.WithValue(r.Context(), requestIDKey, id)
		ctx = context.WithValue(ctx, routeKey, holder)
		r = r.WithContext(ctx)
		sw := &statusWriter{ResponseWriter: w}
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				s.log.ErrorContext(ctx, "panic", slog.String("request_id", id), slog.String("panic", fmt.Sprint(p)),
					slog.String("stack", string(debug.Stack())))
				if sw.status == 0 {
					err := &vigil.Error{Code: vigil.EINTERNAL, Message: "panic"}
					if isAPI(r) {
						s.apiError(sw, r, err)
					} else {
						s.render(sw, r, http.StatusInternalServerError, "error", &Page{Title: "Sorry, there is a problem with the service"})
					}
				}
			}
			route := holder.pattern
			if route == "" {
				route = "unmatched"
			}
			status := sw.status
			if status == 0 {
				status = http.StatusOK
			}
			elapsed := time.Since(start)
			s.metrics.requests.WithLabelValues(route, strconv.Itoa(status)).Inc()
			s.metrics.latency.WithLabelValues(route).Observe(elapsed.Seconds())
			level := slog.LevelInfo
			if status >= 500 {
				level = slog.LevelError
			}
			// No personal data: the route pattern, never the path or query.
			s.log.LogAttrs(ctx, level, "request", slog.String("request_id", id), slog.String("method", r.Method),
				slog.String("route", route), slog.Int("status", status), slog.Int64("bytes", sw.bytes),
				slog.Float64("duration_ms", float64(elapsed.Microseconds())/1000))
		}()
		next.ServeHTTP(sw, r)
	})
}

// contentSecurityPolicy allows nothing from anywhere but Vigil itself, and
// no inline script or style.
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"

// secure sets the security headers on every response. Records about
// children are never cached by browsers or proxies: no-store, unless a
// handler (assets) says otherwise.
func (s *Server) secure(next http.Handler) http.Handler {
	csp := s.contentSecurityPolicy()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", csp)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Cross-Origin-Resource-Policy", "same-origin")
		h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=(), usb=()")
		h.Set("Cache-Control", "no-store")
		if s.isTLS(r) {
			h.Set("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
		}
		next.ServeHTTP(w, r)
	})
}

// isTLS reports whether the client's connection is over TLS: directly, or
// to a trusted terminating proxy that says so.
func (s *Server) isTLS(r *http.Request) bool {
	if r.TLS != nil {
		return true
	}
	return s.fromTrustedProxy(r) && strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https")
}

// fromTrustedProxy reports whether the request came straight from one of
// the configured proxies.
func (s *Server) fromTrustedProxy(r *http.Request) bool {
	if len(s.cfg.TrustedProxies) == 0 {
		return false
	}
	addr, err := netip.ParseAddrPort(r.RemoteAddr)
	if err != nil {
		return false
	}
	ip := addr.Addr().Unmap()
	for _, p := range s.cfg.TrustedProxies {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

// ClientIP is the address of the client: the connection's peer, or, when
// that is a trusted proxy, the nearest untrusted address in
// X-Forwarded-For.
func (s *Server) ClientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	if !s.fromTrustedProxy(r) {
		return host
	}
	hops := strings.Split(r.Header.Get("X-Forwarded-For"), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		ip, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			break
		}
		trusted := false
		for _, p := range s.cfg.TrustedProxies {
			trusted = trusted || p.Contains(ip.Unmap())
		}
		if !trusted {
			return ip.String()
		}
	}
	return host
}

// sessionCookie is the cookie's name: with the __Host- prefix on TLS,
// which browsers only accept when Secure, for the whole site, with no
// Domain, so no other host can plant or read it.
func (s *Server) sessionCookie(r *http.Request) string {
	if s.isTLS(r) {
		return "__Host-vigil_session"
	}
	return "vigil_session"
}

type partialKey struct{}

// partialSession reports whether the request carries a session that is
// waiting for its second factor.
func partialSession(r *http.Request) bool { return r.Context().Value(partialKey{}) != nil }

// authenticate puts the principal, if any, in the request's context: the
// user of an API token (Authorization: Bearer) or of a session cookie. A
// session still waiting for its second factor grants nothing but the
// second-factor pages. It never refuses: handlers decide what needs a
// principal. Every request carries its origin for the access log.
func (s *Server) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		origin := vigil.Origin{Client: s.ClientIP(r), RequestID: requestID(r.Context())}
		ctx := vigil.WithOrigin(r.Context(), origin)
		withOrigin := func(p *vigil.Principal) *vigil.Principal {
			p.Client, p.RequestID = origin.Client, origin.RequestID
			return p
		}
		if auth := r.Header.Get("Authorization"); auth != "" {
			token, ok := strings.CutPrefix(auth, "Bearer ")
			if !ok {
				s.apiError(w, r.WithContext(ctx), vigil.Errorf(vigil.EUNAUTHENTICATED, "Send an API token as Authorization: Bearer TOKEN"))
				return
			}
			p, err := s.svc.Sessions.AuthenticateToken(ctx, strings.TrimSpace(token))
			if err != nil {
				s.logFault(r, err)
				s.apiError(w, r.WithContext(ctx), err)
				return
			}
			next.ServeHTTP(w, r.WithContext(vigil.WithPrincipal(ctx, withOrigin(p))))
			return
		}
		c, err := r.Cookie(s.sessionCookie(r))
		if err != nil || c.Value == "" {
			next.ServeHTTP(w, r.WithContext(ctx))
			return
		}
		p, stage, err := s.svc.Sessions.Authenticate(ctx, c.Value, true)
		switch {
		case err != nil:
			if vigil.ErrorCode(err) != vigil.EUNAUTHENTICATED {
				s.logFault(r, err)
			}
			s.clearSession(w, r)
		case stage == vigil.StagePartial:
			ctx = context.WithValue(ctx, partialKey{}, true)
		default:
			ctx = vigil.WithPrincipal(ctx, withOrigin(p))
		}
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

func (s *Server) setSession(w http.ResponseWriter, r *http.Request, token string) {
	http.SetCookie(w, &http.Cookie{Name: s.sessionCookie(r), Value: token, Path: "/", HttpOnly: true,
		Secure: s.isTLS(r), SameSite: http.SameSiteLaxMode})
}

func (s *Server) clearSession(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{Name: s.sessionCookie(r), Value: "", Path: "/", MaxAge: -1, HttpOnly: true,
		Secure: s.isTLS(r), SameSite: http.SameSiteLaxMode})
}
