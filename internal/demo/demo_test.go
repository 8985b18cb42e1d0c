package demo

import (
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/vigilcp/vigil/internal/vigil"
)

var asOf = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)

func children(t *testing.T, cfg Config) []vigil.Child {
	t.Helper()
	o := Build(cfg)
	var out []vigil.Child
	if err := o.Children(cfg, func(c vigil.Child, _ ChildLinks) error { out = append(out, c); return nil }); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestDeterministicForASeed(t *testing.T) {
	cfg := Config{Seed: 42, Scale: Small, AsOf: asOf}
	a, b := Build(cfg), Build(cfg)
	if !reflect.DeepEqual(a, b) {
		t.Fatal("two builds with one seed differ")
	}
	if !reflect.DeepEqual(children(t, cfg), children(t, cfg)) {
		t.Fatal("two runs of children with one seed differ")
	}
	other := Build(Config{Seed: 43, Scale: Small, AsOf: asOf})
	if reflect.DeepEqual(a.People, other.People) {
		t.Fatal("different seeds give the same people")
	}
}

func TestOrganisationShape(t *testing.T) {
	o := Build(Config{Seed: 1, Scale: Small, AsOf: asOf})
	if len(o.LPAs) != 2 {
		t.Fatalf("%d LPAs, want 2", len(o.LPAs))
	}
	kinds := map[vigil.TeamKind]int{}
	for _, tm := range o.Teams {
		kinds[tm.Kind]++
		if tm.Kind == vigil.TeamMissingPersons && tm.LPAID == 0 {
			t.Errorf("missing-persons team %s has no LPA", tm.Name)
		}
	}
	for kind, want := range map[vigil.TeamKind]int{vigil.TeamMissingPersons: 2, vigil.TeamMOSOVO: 1, vigil.TeamMASH: 1,
		vigil.TeamControlRoom: 1, vigil.TeamResponse: 2} {
		if kinds[kind] != want {
			t.Errorf("%d %s teams, want %d", kinds[kind], kind, want)
		}
	}
	agencyKinds := map[vigil.AgencyKind]int{}
	for _, a := range o.Agencies {
		agencyKinds[a.Kind]++
	}
	if agencyKinds[vigil.AgencyChildrensSocialCare] != 2 || agencyKinds[vigil.AgencyHealth] == 0 || agencyKinds[vigil.AgencyEducation] == 0 {
		t.Errorf("agencies by kind: %v", agencyKinds)
	}
	collars := map[string]bool{}
	for _, p := range o.People {
		if err := p.Validate(); err != nil {
			t.Errorf("demo person %s is invalid: %v", p.FullName(), err)
		}
		if p.CollarNumber != "" {
			if collars[p.CollarNumber] {
				t.Errorf("collar number %s used twice", p.CollarNumber)
			}
			collars[p.CollarNumber] = true
		}
	}
	users := map[string]bool{}
	for _, u := range o.Users {
		if users[u.Username] || vigil.ValidateUsername(u.Username) != nil {
			t.Errorf("demo username %q is repeated or invalid", u.Username)
		}
		users[u.Username] = true
	}
}

func TestChildrenLookReal(t *testing.T) {
	cfg := Config{Seed: 9, Scale: Small, AsOf: asOf}
	cs := children(t, cfg)
	if len(cs) != 400 {
		t.Fatalf("%d children at small scale, want 400", len(cs))
	}
	teens := 0
	for i, c := range cs {
		if c.ID != int64(i+1) {
			t.Fatalf("child %d has id %d", i, c.ID)
		}
		age := vigil.AgeOn(c.DateOfBirth, asOf)
		if age < 0 || age > 17 || c.DateOfBirth.After(asOf) {
			t.Errorf("%s is %d (born %s)", c.FullName(), age, c.DateOfBirth.Format("2006-01-02"))
		}
		if age >= 12 {
			teens++
		}
		if c.GivenName == "" || c.FamilyName == "" || c.Postcode == "" || c.Town == "" || !c.Sex.Valid() || c.LPAID == 0 {
			t.Errorf("incomplete child %+v", c)
		}
	}
	if teens < 240 || teens > 320 {
		t.Errorf("%d of 400 children are 12 to 17; the demo should have about 70%%", teens)
	}
}

func TestChildProfiles(t *testing.T) {
	cfg := Config{Seed: 9, Scale: Small, AsOf: asOf}
	cs := children(t, cfg)
	looked, marked, social, school := 0, 0, 0, 0
	councils := map[string]int{}
	for _, c := range cs {
		n := vigil.NewChildFrom(c)
		n.Normalise()
		if err := n.Validate(asOf); err != nil {
			t.Errorf("demo child %d would not pass validation: %v", c.ID, err)
		}
		if !slices.Equal(n.WarningMarkers, c.WarningMarkers) && len(c.WarningMarkers) > 0 {
			// Normalise orders markers as the list does; the demo need not.
			slices.Sort(n.WarningMarkers)
			got := slices.Clone(c.WarningMarkers)
			slices.Sort(got)
			if !slices.Equal(n.WarningMarkers, got) {
				t.Errorf("child %d has unknown or repeated markers %q", c.ID, c.WarningMarkers)
			}
		}
		age := vigil.AgeOn(c.DateOfBirth, asOf)
		if (c.School != "") != (age >= 4) {
			t.Errorf("child %d, aged %d, has school %q", c.ID, age, c.School)
		}
		if c.School != "" {
			school++
		}
		if len(c.WarningMarkers) > 0 {
			marked++
		}
		if c.SocialWorker != "" {
			social++
		}
		if c.LookedAfter {
			looked++
			councils[c.PlacingAuthority]++
			if c.Placement == "" || c.Carers == "" {
				t.Errorf("looked-after child %d has no placement or carers: %+v", c.ID, c)
			}
			if c.SocialWorker == "" {
				t.Errorf("looked-after child %d has no social worker", c.ID)
			}
		} else if c.PlacingAuthority != "" || c.Placement != "" || c.Carers != "" {
			t.Errorf("child %d is not looked after but has a placement: %+v", c.ID, c)
		}
	}
	if looked < 30 || looked > 70 {
		t.Errorf("%d of 400 children are looked after; the demo should have 10 to 15%%", looked)
	}
	if len(councils) != 2 || councils["Ashvale Council"] == 0 || councils["Marlcombe Borough Council"] == 0 {
		t.Errorf("placing authorities: %v", councils)
	}
	if marked < 60 || marked > 160 || social < 80 || school < 300 {
		t.Errorf("%d children with markers, %d with a social worker, %d at school", marked, social, school)
	}
}

func TestParseScale(t *testing.T) {
	for _, s := range []string{"small", "force", "national"} {
		if _, err := ParseScale(s); err != nil {
			t.Errorf("%s: %v", s, err)
		}
	}
	if _, err := ParseScale("huge"); err == nil {
		t.Error("huge accepted")
	}
}

func TestDemoOpeningsAreValid(t *testing.T) {
	if !openingPurposesAreKnown() {
		t.Error("a demo break-glass opening has an unknown purpose or a reason the rules refuse")
	}
}
