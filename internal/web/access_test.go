package web_test

import (
	"net/http"
	"testing"

	"github.com/vigilcp/vigil/internal/sqlstore"
	"github.com/vigilcp/vigil/internal/vigil"
	"github.com/vigilcp/vigil/internal/vigiltest"
)

// adminOnly adds an account that holds the administrator role alone, with
// the demo password, and returns its username.
func adminOnly(t *testing.T, f *fixture) string {
	t.Helper()
	_, err := sqlstore.NewUserService(f.db).CreateUser(vigiltest.AsSystem(t, f.db), vigil.NewUser{Username: "only.admin",
		Password: vigiltest.DemoPassword, Roles: []vigil.Role{vigil.RoleAdministrator}, Scope: vigil.ScopeForce})
	if err != nil {
		t.Fatal(err)
	}
	return "only.admin"
}

// newestEntries returns the newest n access-log entries, newest first.
func (f *fixture) newestEntries(n int) []vigil.AccessEntry {
	f.t.Helper()
	page, err := sqlstore.NewAccessLogService(f.db).AccessLog(vigiltest.AsSystem(f.t, f.db),
		vigil.AccessLogFilter{PageRequest: vigil.PageRequest{Limit: n}})
	if err != nil {
		f.t.Fatal(err)
	}
	return page.Items
}

// TestAccessLogUserFilterChecksPermissionFirst: /access?user=X (and the
// API's) refuses someone who may not search the access log before it
// looks the user up, so it tells them nothing about which accounts
// exist, and logs the refusal of the search.
func TestAccessLogUserFilterChecksPermissionFirst(t *testing.T) {
	f := newFixture(t)
	admin := adminOnly(t, f)
	for _, who := range []string{"call.handler", admin} {
		c := f.client(who)
		for _, user := range []string{"auditor", "nobody.at.all"} {
			for _, path := range []string{"/access?user=" + user, "/api/v1/access-log?user=" + user} {
				before := f.newestEntries(1)[0].Seq
				resp, body := f.do(c, "GET", path, nil)
				if resp.StatusCode != http.StatusForbidden {
					t.Errorf("%s as %s: %s, want 403: %.300s", path, who, resp.Status, body)
				}
				log := f.newestEntries(3)
				var after []vigil.AccessEntry
				for _, e := range log {
					if e.Seq > before && e.Username == who {
						after = append(after, e)
					}
				}
				if len(after) != 1 || after[0].Action != vigil.ActionSearch || after[0].RecordKind != vigil.KindAccessLog ||
					after[0].Outcome != vigil.OutcomeDenied {
					t.Errorf("%s as %s logged %+v; want one refused search of the access log", path, who, after)
				}
			}
		}
	}
	// An auditor is still told about a user who does not exist.
	resp, body := f.do(f.client("auditor"), "GET", "/access?user=nobody.at.all", nil)
	if resp.StatusCode != http.StatusUnprocessableEntity || !has(body, "a", map[string]string{"href": "#user"}, `There is no user called "nobody.at.all"`) {
		t.Errorf("an auditor's filter by an unknown user: %s", resp.Status)
	}
}
