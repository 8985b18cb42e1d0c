package vigil

import "context"

// Principal is who is acting, and from where: the signed-in user for a
// request, a token's user for an integration, or a named user for
// command-line and background work.
type Principal struct {
	User  User
	Roles []Role
	Scope Scope
	// The anchors of the scope: the user's team and its LPA, their person,
	// and (partner-agency users) their agency.
	TeamID, LPAID, PersonID, AgencyID int64
	// Via says how the principal was identified: "session", "token",
	// "cli" or "system".
	Via string
	// Client is the address the request came from; RequestID ties the
	// access log to the application log.
	Client, RequestID string
	// Purpose says why records are being consulted, for the access log
	// (the Data Protection Act 2018 Part 3 asks that consultations can be
	// justified). Pages and API routes set it; it defaults to case work.
	Purpose string
	// ReadOnly limits the principal to reading, listing and searching
	// what its roles allow (a read-only API token): it holds no other
	// permission.
	ReadOnly bool
}

// DefaultPurpose is recorded when a request states none.
const DefaultPurpose = "case work"

type principalKey struct{}

// WithPrincipal returns a context that carries p.
func WithPrincipal(ctx context.Context, p *Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// PrincipalFrom returns the principal in ctx, or nil.
func PrincipalFrom(ctx context.Context) *Principal {
	p, _ := ctx.Value(principalKey{}).(*Principal)
	return p
}

// UserID returns the acting user's id, or 0 when nobody is acting.
func (p *Principal) UserID() int64 {
	if p == nil {
		return 0
	}
	return p.User.ID
}

// WithPurpose returns a context whose principal states a purpose.
func WithPurpose(ctx context.Context, purpose string) context.Context {
	p := PrincipalFrom(ctx)
	if p == nil {
		return ctx
	}
	q := *p
	q.Purpose = purpose
	return WithPrincipal(ctx, &q)
}

// Origin is where a request came from, for the access log: the client's
// address and the request's id. It is known before anyone is signed in.
type Origin struct {
	Client, RequestID string
}

type originKey struct{}

// WithOrigin returns a context that carries the request's origin.
func WithOrigin(ctx context.Context, o Origin) context.Context {
	return context.WithValue(ctx, originKey{}, o)
}

// OriginFrom returns the origin in ctx: the principal's, when one is
// acting, else the request's.
func OriginFrom(ctx context.Context) Origin {
	if p := PrincipalFrom(ctx); p != nil && (p.Client != "" || p.RequestID != "") {
		return Origin{Client: p.Client, RequestID: p.RequestID}
	}
	o, _ := ctx.Value(originKey{}).(Origin)
	return o
}
