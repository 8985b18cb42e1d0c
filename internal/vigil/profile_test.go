package vigil_test

import (
	"slices"
	"testing"
	"time"

	"github.com/vigilcp/vigil/internal/vigil"
)

func fieldsOf(err error) []string {
	var out []string
	for _, f := range vigil.ErrorFields(err) {
		out = append(out, f.Field)
	}
	slices.Sort(out)
	return out
}

func TestProfileStaleAtNinetyDays(t *testing.T) {
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	at := now.Add(-vigil.ProfileStaleAfter)
	if (vigil.Profile{ConfirmedAt: &at}).Stale(now) {
		t.Error("confirmed exactly 90 days ago is stale")
	}
	later := at.Add(-time.Millisecond)
	if !(vigil.Profile{ConfirmedAt: &later}).Stale(now) {
		t.Error("confirmed 90 days and a millisecond ago is not stale")
	}
	if !(vigil.Profile{}).Stale(now) {
		t.Error("never confirmed is not stale")
	}
}

func TestProfileValidate(t *testing.T) {
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	future := now.Add(time.Millisecond)
	cases := []struct {
		name string
		p    vigil.Profile
		want []string
	}{
		{"carer only", vigil.Profile{KeptBy: "Oakfield"}, nil},
		{"confirmed now", vigil.Profile{KeptBy: "Oakfield", ConfirmedAt: &now}, nil},
		{"confirmed in the future", vigil.Profile{KeptBy: "Oakfield", ConfirmedAt: &future}, []string{"confirmed_at"}},
		{"no carer", vigil.Profile{KeptBy: "  "}, []string{"kept_by"}},
		{"description too long", vigil.Profile{KeptBy: "Oakfield", Description: string(make([]byte, 2001))}, []string{"description"}},
	}
	for _, tc := range cases {
		if got := fieldsOf(tc.p.Validate(now)); !slices.Equal(got, tc.want) {
			t.Errorf("%s: fields %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestNewLinkValidate(t *testing.T) {
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	tomorrow := now.AddDate(0, 0, 1)
	cases := []struct {
		name string
		n    vigil.NewLink
		want []string
	}{
		{"new person", vigil.NewLink{Relation: vigil.RelationExploiter, Name: "Jay Marsh"}, nil},
		{"existing place", vigil.NewLink{Relation: vigil.RelationFrequents, PlaceID: 4}, nil},
		{"unknown relation", vigil.NewLink{Relation: "cousin", Name: "Sam"}, []string{"relation"}},
		{"person as a place", vigil.NewLink{Relation: vigil.RelationFoundAt, AssociateID: 3, EpisodeID: 9}, []string{"relation"}},
		{"place as a person", vigil.NewLink{Relation: vigil.RelationAssociate, PlaceID: 3}, []string{"relation"}},
		{"no name", vigil.NewLink{Relation: vigil.RelationAssociate, Name: " "}, []string{"name"}},
		{"born tomorrow", vigil.NewLink{Relation: vigil.RelationAssociate, Name: "Sam", DateOfBirth: &tomorrow}, []string{"date_of_birth"}},
		{"a place's birthday", vigil.NewLink{Relation: vigil.RelationFrequents, Name: "Park", DateOfBirth: &now}, []string{"date_of_birth"}},
		{"bad postcode", vigil.NewLink{Relation: vigil.RelationFrequents, Name: "Park", Postcode: "KM1"}, []string{"postcode"}},
		{"found with, no episode", vigil.NewLink{Relation: vigil.RelationFoundWith, Name: "Sam"}, []string{"episode_id"}},
		{"found at, with episode", vigil.NewLink{Relation: vigil.RelationFoundAt, Name: "Park", EpisodeID: 7}, nil},
	}
	for _, tc := range cases {
		if got := fieldsOf(tc.n.Validate(now)); !slices.Equal(got, tc.want) {
			t.Errorf("%s: fields %v, want %v", tc.name, got, tc.want)
		}
	}
}
