package vigil

import "context"

// Principal is who is acting: the signed-in user for a request, or a named
// user for command-line and background work.
type Principal struct {
	User User
	// Via says how the principal was identified: "session", "cli", "system".
	Via string
}

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

// Authorize decides whether the principal in ctx may take an action on a
// kind of record. Every service method calls it inside its transaction.
// Until the identity capability adds roles and scopes, any signed-in,
// active user may read and change the organisation, and nobody else may.
func Authorize(ctx context.Context, action Action, kind RecordKind) error {
	p := PrincipalFrom(ctx)
	if p == nil || p.User.ID == 0 {
		return Errorf(EUNAUTHENTICATED, "Sign in to continue")
	}
	if p.User.Disabled() {
		return Errorf(EFORBIDDEN, "This account is disabled")
	}
	if !action.valid() || kind == "" {
		return Errorf(EFORBIDDEN, "You do not have permission to do that")
	}
	return nil
}

// Action is something done to a record.
type Action string

// Actions.
const (
	ActionRead   Action = "read"
	ActionList   Action = "list"
	ActionCreate Action = "create"
	ActionUpdate Action = "update"
	ActionExport Action = "export"
)

func (a Action) valid() bool {
	switch a {
	case ActionRead, ActionList, ActionCreate, ActionUpdate, ActionExport:
		return true
	}
	return false
}

// RecordKind names a type of record for permission checks.
type RecordKind string

// Record kinds.
const (
	KindOrganisation RecordKind = "organisation"
	KindPerson       RecordKind = "person"
	KindUser         RecordKind = "user"
	KindChild        RecordKind = "child"
)
