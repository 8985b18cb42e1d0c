package sqlstore_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/vigilcp/vigil/internal/demo"
	"github.com/vigilcp/vigil/internal/sqlstore"
	"github.com/vigilcp/vigil/internal/vigil"
	"github.com/vigilcp/vigil/internal/vigiltest"
)

// TestRestrictedAliasStaysOutOfSearches: a child's other name, in an
// identity part restricted from the searcher, neither finds the child in
// the children search (prefix by prefix, as an attacker would spell it
// out) nor makes them a possible match in the search before create; those
// the restriction allows still find the child by it.
func TestRestrictedAliasStaysOutOfSearches(t *testing.T) {
	forEachDemo(t, func(t *testing.T, db *sqlstore.DB, _ *demo.Org) {
		svc := sqlstore.NewChildService(db)
		sys := vigiltest.AsSystem(t, db)
		const alias = "Quorravine"
		var child *vigil.ChildRecord
		for _, id := range childrenIn(t, db, "missing.ashvale", 1, 20) {
			c, err := svc.Child(sys, id)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(strings.ToLower(c.GivenName), "q") && !strings.HasPrefix(strings.ToLower(c.FamilyName), "q") {
				child = c
				break
			}
		}
		if child == nil {
			t.Fatal("every Ashvale child's name starts with Q")
		}
		change := vigil.NewChildFrom(child.Child)
		change.OtherNames = alias
		updated, err := svc.UpdateChild(sys, child.ID, child.Version, change)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Restrict(sys, vigil.Restriction{RecordID: child.ID, Part: vigil.PartIdentity, Reason: "Alias known to exploiters",
			AllowedRoles: []vigil.Role{vigil.RoleMASHPractitioner}}); err != nil {
			t.Fatal(err)
		}
		finds := func(user, q string) bool {
			page, err := svc.Children(vigiltest.As(t, db, user), vigil.ChildFilter{Query: q, PageRequest: vigil.PageRequest{Limit: vigil.MaxPageSize}})
			if err != nil {
				t.Fatal(err)
			}
			return slices.ContainsFunc(page.Items, func(c vigil.ChildRecord) bool { return c.ID == child.ID })
		}
		for i := 1; i <= len(alias); i++ {
			if finds("missing.ashvale", alias[:i]) {
				t.Errorf("searching %q finds the child by a restricted other name", alias[:i])
			}
		}
		if !finds("mash.officer", alias[:4]) {
			t.Error("the MASH officer, whom the restriction allows, does not find the child by their other name")
		}
		if c, err := svc.Child(vigiltest.As(t, db, "missing.ashvale"), child.ID); err != nil || c.OtherNames != "" {
			t.Fatalf("the coordinator reads the restricted identity part: %+v %v", c, err)
		}
		ms, err := svc.MatchChildren(vigiltest.As(t, db, "missing.ashvale"), vigil.ChildQuery{GivenName: alias, FamilyName: updated.FamilyName})
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range ms {
			if m.Child != nil && m.Child.ID == child.ID {
				t.Errorf("the search before create matches the child by a restricted other name: score %.2f, %v", m.Score, m.Reasons)
			}
		}
		ms, err = svc.MatchChildren(vigiltest.As(t, db, "mash.officer"), vigil.ChildQuery{GivenName: alias, FamilyName: updated.FamilyName})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.ContainsFunc(ms, func(m vigil.ChildMatch) bool { return m.Child != nil && m.Child.ID == child.ID }) {
			t.Error("the MASH officer's search before create does not match the child by their other name")
		}
	})
}
