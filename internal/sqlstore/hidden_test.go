package sqlstore_test

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/vigilcp/vigil/internal/demo"
	"github.com/vigilcp/vigil/internal/sqlstore"
	"github.com/vigilcp/vigil/internal/vigil"
	"github.com/vigilcp/vigil/internal/vigiltest"
)

// TestHiddenPartsCannotBeChanged: for every part of a child's record and
// every write route that touches it, a coordinator from whom the part is
// restricted is refused with 403 naming the part, and nothing changes;
// sending the part back blank, as they were shown it, changes nothing of
// it and is allowed.
func TestHiddenPartsCannotBeChanged(t *testing.T) {
	forEachDemo(t, func(t *testing.T, db *sqlstore.DB, _ *demo.Org) {
		children, profiles := sqlstore.NewChildService(db), sqlstore.NewProfileService(db)
		sys := vigiltest.AsSystem(t, db)
		ash := vigiltest.As(t, db, "missing.ashvale")
		ids := childrenIn(t, db, "missing.ashvale", 1, 3)
		// Each part on a child of its own, looked after, with a profile
		// and a link.
		setUp := func(id int64) *vigil.ChildRecord {
			c, err := children.Child(sys, id)
			if err != nil {
				t.Fatal(err)
			}
			n := vigil.NewChildFrom(c.Child)
			n.OtherNames, n.SocialWorker, n.School = "JJ", "Sam Patel", "Ashvale Academy"
			n.LookedAfter, n.PlacingAuthority, n.Placement, n.Carers = true, "Ashvale Council", "Oakfield children's home", "Oakfield staff"
			if _, err := children.UpdateChild(sys, id, c.Version, n); err != nil {
				t.Fatal(err)
			}
			if _, err := profiles.SaveProfile(sys, philomena(id, vigiltest.Epoch), currentProfileVersion(t, profiles, sys, id)); err != nil {
				t.Fatal(err)
			}
			if _, err := profiles.Link(sys, vigil.NewLink{ChildID: id, Relation: vigil.RelationAssociate, Name: "Jay Mortimer " + strconv.FormatInt(id, 10),
				ConfirmedNew: true}); err != nil {
				t.Fatal(err)
			}
			c, err = children.Child(sys, id)
			if err != nil {
				t.Fatal(err)
			}
			return c
		}
		type write func(child *vigil.ChildRecord, seen *vigil.ChildRecord) error
		update := func(change func(*vigil.NewChild)) write {
			return func(_ *vigil.ChildRecord, seen *vigil.ChildRecord) error {
				n := vigil.NewChildFrom(seen.Child)
				change(&n)
				_, err := children.UpdateChild(ash, seen.ID, seen.Version, n)
				return err
			}
		}
		share := func(part string) write {
			return func(c, _ *vigil.ChildRecord) error {
				_, err := children.Share(ash, vigil.Share{AgencyID: 1, RecordID: c.ID, Parts: []string{part}, Purpose: "Strategy discussion",
					LawfulBasis: vigil.LawfulBases[2]})
				return err
			}
		}
		routes := map[string]map[string]write{
			vigil.PartIdentity: {
				"update other names":       update(func(n *vigil.NewChild) { n.OtherNames = "Jayjay" }),
				"update the social worker": update(func(n *vigil.NewChild) { n.SocialWorker = "Alex Reed" }),
				"update warning markers":   update(func(n *vigil.NewChild) { n.WarningMarkers = []string{vigil.WarningMarkers[1].Code} }),
				"share":                    share(vigil.PartIdentity),
			},
			vigil.PartAddress: {
				"update the town":                          update(func(n *vigil.NewChild) { n.Town = "Marlcombe" }),
				"update the carers":                        update(func(n *vigil.NewChild) { n.Carers = "Grandmother" }),
				"no longer looked after clears the carers": update(func(n *vigil.NewChild) { n.LookedAfter = false }),
				"share": share(vigil.PartAddress),
			},
			vigil.PartProfile: {
				"save the profile": func(c, _ *vigil.ChildRecord) error {
					p := philomena(c.ID, vigiltest.Epoch)
					p.Medical = "Diabetic"
					_, err := profiles.SaveProfile(ash, p, 1)
					return err
				},
				"link a person": func(c, _ *vigil.ChildRecord) error {
					_, err := profiles.Link(ash, vigil.NewLink{ChildID: c.ID, Relation: vigil.RelationAssociate, Name: "Kai Brennan", ConfirmedNew: true})
					return err
				},
				"end a link": func(c, _ *vigil.ChildRecord) error {
					p, err := profiles.Profile(sys, c.ID)
					if err != nil || len(p.Links) == 0 {
						t.Fatalf("the child's links: %+v %v", p, err)
					}
					return profiles.EndLink(ash, c.ID, p.Links[0].ID)
				},
				"share": share(vigil.PartProfile),
			},
		}
		for i, part := range vigil.ChildParts {
			c := setUp(ids[i])
			if _, err := children.Restrict(sys, vigil.Restriction{RecordID: c.ID, Part: part, Reason: "Covert operation",
				AllowedRoles: []vigil.Role{vigil.RoleAuditor}}); err != nil {
				t.Fatal(err)
			}
			seen, err := children.Child(ash, c.ID)
			if err != nil || !seen.IsWithheld(part) {
				t.Fatalf("%s: the coordinator's view %+v %v", part, seen, err)
			}
			before := fingerprintChild(t, children, profiles, sys, c.ID)
			for name, w := range routes[part] {
				err := w(c, seen)
				if vigil.ErrorCode(err) != vigil.EFORBIDDEN || !strings.Contains(vigil.ErrorMessage(err), part) {
					t.Errorf("%s part, %s: %v; want 403 naming the part", part, name, err)
				}
			}
			if after := fingerprintChild(t, children, profiles, sys, c.ID); after != before {
				t.Errorf("%s part: the record changed:\n%s\n%s", part, before, after)
			}
			// Sent back as shown, with a visible change: allowed, and the
			// hidden part stays as it was.
			if part != vigil.PartProfile {
				n := vigil.NewChildFrom(seen.Child)
				n.GivenName = seen.GivenName + "e"
				if _, err := children.UpdateChild(ash, c.ID, seen.Version, n); err != nil {
					t.Errorf("%s part: a change elsewhere, the part sent blank: %v", part, err)
				}
				got, _ := children.Child(sys, c.ID)
				if got.Carers != c.Carers || got.OtherNames != c.OtherNames || got.LookedAfter != c.LookedAfter || got.Town != c.Town {
					t.Errorf("%s part: the hidden part changed: %+v", part, got.Child)
				}
			}
		}
	})
}

func currentProfileVersion(t *testing.T, svc *sqlstore.ProfileService, ctx context.Context, child int64) int64 {
	t.Helper()
	p, err := svc.Profile(ctx, child)
	if err != nil {
		t.Fatal(err)
	}
	return p.Profile.Version
}

// fingerprintChild is a child's record, profile, links and shares as text.
func fingerprintChild(t *testing.T, children *sqlstore.ChildService, profiles *sqlstore.ProfileService, ctx context.Context, id int64) string {
	t.Helper()
	c, err := children.Child(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	p, err := profiles.Profile(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	sh, err := children.Shares(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	b.WriteString(c.FullName() + "|" + c.OtherNames + "|" + c.SocialWorker + "|" + c.Town + "|" + c.Carers + "|" + c.Placement + "|")
	b.WriteString(strings.Join(c.WarningMarkers, ",") + "|" + p.Profile.Medical + "|")
	for _, l := range p.Links {
		b.WriteString(l.Name)
		if l.EndedAt != nil {
			b.WriteString("(ended)")
		}
	}
	b.WriteString("|" + strconv.Itoa(len(sh)))
	return b.String()
}
