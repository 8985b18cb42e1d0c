package demo

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/vigilcp/vigil/internal/vigil"
)

// Associate is a demo person linked to children.
type Associate struct {
	Name, Description string
	LPA               int // index into Org.LPAs
}

// Place is a demo place linked to children.
type Place struct {
	Name, Postcode, Description string
	LPA                         int
}

// Link joins a demo child to an associate or place, by index into the
// lists Linked returns.
type Link struct {
	ChildID   int64
	Relation  vigil.LinkRelation
	Associate int // index + 1, or 0
	Place     int // index + 1, or 0
	Notes     string
	LinkedAt  time.Time
	LinkedBy  int64
}

// The suspected exploiters and places each LPA's repeat-missing children
// are linked to: a few adults linked to many children is the pattern a
// missing-persons team looks for.
var demoAssociates = [][]Associate{
	{{Name: "Dean Farrow", Description: "Adult male, about 30; drives a grey Audi A3; known as ‘Deano’"},
		{Name: "Kieran Shaw", Description: "Adult male, about 22; seen at the bus station most evenings"},
		{Name: "Leon Baptiste", Description: "Adult male, about 26; rents flats in Brackenford"},
		{Name: "Tasha Reid", Description: "Adult female, about 19; recruits girls through social media"}},
	{{Name: "Marcus Doyle", Description: "Adult male, about 35; known for county lines from the city to Saltmouth"},
		{Name: "Jordan Pike", Description: "Adult male, about 20; rides a black moped"},
		{Name: "Ryan Cole", Description: "Adult male, about 28; hosts parties at a flat above the takeaway"}},
}

var demoPlaces = [][]Place{
	{{Name: "Ashvale bus station", Postcode: "KM1 1BS", Description: "Children gather here after dark"},
		{Name: "Brackenford retail park", Postcode: "KM3 4RP", Description: "Car park behind the fast-food outlets"},
		{Name: "Flat 3, 14 Mill Lane, Brackenford", Postcode: "KM3 2ML", Description: "Address linked to Leon Baptiste"}},
	{{Name: "Saltmouth seafront shelters", Postcode: "KM12 1SF", Description: "Shelters along the promenade"},
		{Name: "Marlcombe railway station", Postcode: "KM10 1RS", Description: "Trains to the city"},
		{Name: "Flat above Golden Dragon takeaway, Westhaven", Postcode: "KM13 5GD", Description: "Parties reported by neighbours"}},
}

// Linked returns the demo's associates and places, and the links of
// repeat-missing children to them: each child with exploitation concerns
// to one suspected exploiter in their area, and most repeat children to a
// place they go.
func (o *Org) Linked(cfg Config) ([]Associate, []Place, []Link, error) {
	var assoc []Associate
	var places []Place
	firstA, firstP := make([]int, len(demoAssociates)), make([]int, len(demoPlaces))
	for li := range demoAssociates {
		firstA[li] = len(assoc)
		for _, a := range demoAssociates[li] {
			a.LPA = li
			assoc = append(assoc, a)
		}
		firstP[li] = len(places)
		for _, p := range demoPlaces[li] {
			p.LPA = li
			places = append(places, p)
		}
	}
	if cfg.NoMissing {
		return assoc, places, nil, nil
	}
	g, err := o.newMissingGen(cfg)
	if err != nil {
		return nil, nil, nil, err
	}
	became, err := g.becameRepeat()
	if err != nil {
		return nil, nil, nil, err
	}
	var links []Link
	r := rand.New(rand.NewPCG(g.seed^0x11a4ed, g.seed+11))
	for k, at := range became {
		if at == 0 {
			continue
		}
		li := int(g.kids.lpa[k])
		when := time.Unix(at, 0).UTC().Add(between(r, 2*time.Hour, 14*24*time.Hour))
		if when.After(g.asOf) {
			when = g.asOf.Add(-time.Hour)
		}
		by := g.coordinator[li]
		// Children with exploitation concerns are linked to a suspected
		// exploiter in their area; about a third of the others to the same
		// few adults as an associate, not yet recognised as exploitation:
		// the pattern across children a missing-persons team looks for.
		switch {
		case g.trait(k).exploitation:
			a := firstA[li] + r.IntN(len(demoAssociates[li]))
			links = append(links, Link{ChildID: int64(k + 1), Relation: vigil.RelationExploiter, Associate: a + 1,
				Notes: pick(r, []string{"Named by the child at a return home interview", "Seen with the child by a response officer",
					"Intelligence from the children's home", "Phone contact found on the child's handset"}),
				LinkedAt: when, LinkedBy: by})
		case r.IntN(3) == 0:
			a := firstA[li] + r.IntN(len(demoAssociates[li]))
			links = append(links, Link{ChildID: int64(k + 1), Relation: vigil.RelationAssociate, Associate: a + 1,
				Notes:    pick(r, []string{"Gave the child lifts", "Friend of the child's older sibling", "Bought the child a phone"}),
				LinkedAt: when, LinkedBy: by})
		}
		if r.IntN(100) < 70 {
			p := firstP[li] + r.IntN(len(demoPlaces[li]))
			links = append(links, Link{ChildID: int64(k + 1), Relation: vigil.RelationFrequents, Place: p + 1,
				Notes: "Found or seen here in more than one episode", LinkedAt: when.Add(time.Hour), LinkedBy: by})
		}
	}
	return assoc, places, links, nil
}

// Profiles yields a Philomena profile for each looked-after child who has
// gone missing repeatedly; about one in five has not been confirmed by the
// carer for over three months.
func (o *Org) Profiles(cfg Config, yield func(vigil.Profile) error) error {
	if cfg.NoMissing {
		return nil
	}
	g, err := o.newMissingGen(cfg)
	if err != nil {
		return err
	}
	became, err := g.becameRepeat()
	if err != nil {
		return err
	}
	r := rand.New(rand.NewPCG(g.seed^0x9a1f, g.seed+13))
	err = o.Children(cfg, func(c vigil.Child, _ ChildLinks) error {
		k := int(c.ID - 1)
		if k >= len(became) || became[k] == 0 || !c.LookedAfter {
			return nil
		}
		age := 60 + r.IntN(40)
		if r.IntN(5) == 0 {
			age = 100 + r.IntN(200)
		}
		confirmed := g.asOf.Add(-time.Duration(age) * 24 * time.Hour)
		created := time.Unix(became[k], 0).UTC()
		if confirmed.Before(created) {
			confirmed = created
		}
		p := vigil.Profile{ChildID: c.ID,
			Description: fmt.Sprintf("%s, %s build, %s hair; %s", pick(r, []string{"About 5ft 2in", "About 5ft 5in", "About 5ft 8in", "About 5ft 10in"}),
				pick(r, []string{"slim", "medium", "stocky"}), pick(r, []string{"short brown", "long dark", "dyed red", "blonde", "black braided"}),
				pick(r, []string{"usually wears a black puffer jacket", "scar on the left forearm", "wears glasses", "pierced nose", "usually in a grey tracksuit"})),
			PhotoRef:    fmt.Sprintf("IMG-%d-%05d (force image store)", confirmed.Year(), c.ID%100000),
			Medical:     pick(r, []string{"None known", "Asthma: carries an inhaler", "ADHD: takes medication each morning", "Type 1 diabetes: needs insulin daily"}),
			Financial:   pick(r, []string{"No bank card; small weekly allowance", "Has a bank card in their own name", "Has been seen with cash and new clothes not given by carers"}),
			Phones:      fmt.Sprintf("07700 9%05d", (c.ID*7919)%100000),
			SocialMedia: pick(r, []string{"Snapchat and TikTok", "Instagram and Snapchat", "TikTok", "Snapchat; uses a second account"}),
			KeptBy:      keptBy(c),
			ConfirmedAt: &confirmed, Stamp: vigil.Stamp{CreatedAt: created, UpdatedAt: confirmed, CreatedBy: 0}}
		return yield(p)
	})
	return err
}

// keptBy is who keeps a looked-after child's profile: the carers at the
// placement, or else the placing authority.
func keptBy(c vigil.Child) string {
	var parts []string
	for _, s := range []string{c.Carers, c.Placement} {
		if s = strings.TrimSpace(s); s != "" {
			parts = append(parts, s)
		}
	}
	if len(parts) == 0 {
		return c.PlacingAuthority
	}
	return strings.Join(parts, ", ")
}
