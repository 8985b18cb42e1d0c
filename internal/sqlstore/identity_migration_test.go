package sqlstore_test

import (
	"context"
	"strings"
	"testing"

	"github.com/vigilcp/vigil/internal/password"
	"github.com/vigilcp/vigil/internal/sqlstore"
	"github.com/vigilcp/vigil/internal/vigiltest"
)

// TestMigrationStopsOnPartnerWithPoliceRoles: the partner role cannot be
// held with police roles, so the migration that makes that a rule stops,
// changing nothing, and names every existing account that holds both;
// once they are put right it applies.
func TestMigrationStopsOnPartnerWithPoliceRoles(t *testing.T) {
	for _, e := range vigiltest.Engines() {
		t.Run(string(e), func(t *testing.T) {
			ctx := context.Background()
			db, err := sqlstore.Open(ctx, vigiltest.NewURL(t, e), sqlstore.Options{Hasher: password.Hasher{Params: password.Cheap},
				Clock: vigiltest.NewClock(vigiltest.Epoch)})
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			if err := db.MigrateTo(ctx, 11); err != nil {
				t.Fatal(err)
			}
			accounts := map[string][]string{
				"mixed.nurse":    {"partner", "call_handler"},
				"mixed.admin":    {"administrator", "partner"},
				"plain.partner":  {"partner"},
				"plain.officer":  {"response_officer", "missing_coordinator"},
				"mixed.three":    {"auditor", "partner", "senior_leader"},
				"plain.auditors": {"auditor"},
			}
			for name, roles := range accounts {
				scope := "team"
				if len(roles) == 1 && roles[0] == "partner" {
					scope = "agency"
				}
				if err := db.ExecForTest(ctx, `INSERT INTO users (username, scope, created_at, updated_at)
					VALUES ($1, $2, '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z')`, name, scope); err != nil {
					t.Fatal(err)
				}
				for _, r := range roles {
					if err := db.ExecForTest(ctx, `INSERT INTO user_roles (user_id, role, granted_at)
						SELECT id, $1, '2026-01-01T00:00:00.000Z' FROM users WHERE username = $2`, r, name); err != nil {
						t.Fatal(err)
					}
				}
			}
			_, err = db.Migrate(ctx)
			want := "mixed.admin, mixed.nurse, mixed.three"
			if err == nil || !strings.Contains(err.Error(), want) || strings.Contains(err.Error(), "plain.") {
				t.Fatalf("migrating with accounts that hold the partner role and police roles: %v; want an error naming %s only", err, want)
			}
			if !strings.Contains(err.Error(), "partner") {
				t.Errorf("the error does not say what is wrong: %v", err)
			}
			if err := db.CheckMigrations(ctx); err == nil || !strings.Contains(err.Error(), "at version 11") {
				t.Errorf("the stopped migration was applied in part: %v", err)
			}
			// Put right, it applies.
			if err := db.ExecForTest(ctx, `DELETE FROM user_roles WHERE role <> 'partner'
				AND user_id IN (SELECT id FROM users WHERE username LIKE 'mixed.%')`); err != nil {
				t.Fatal(err)
			}
			if _, err := db.Migrate(ctx); err != nil {
				t.Fatalf("migrating once the accounts are put right: %v", err)
			}
			if err := db.CheckMigrations(ctx); err != nil {
				t.Error(err)
			}
		})
	}
}
