package vigil

import (
	"strings"
	"time"
)

// Sex as recorded for a child.
type Sex string

// Recorded sexes.
const (
	SexFemale  Sex = "female"
	SexMale    Sex = "male"
	SexOther   Sex = "other"
	SexUnknown Sex = "unknown"
)

// Valid reports whether s is a recorded sex.
func (s Sex) Valid() bool {
	switch s {
	case SexFemale, SexMale, SexOther, SexUnknown:
		return true
	}
	return false
}

// Child is a child Vigil holds records about.
type Child struct {
	ID          int64     `json:"id"`
	ForceID     int64     `json:"force_id"`
	GivenName   string    `json:"given_name"`
	FamilyName  string    `json:"family_name"`
	OtherNames  string    `json:"other_names,omitempty"`
	DateOfBirth time.Time `json:"date_of_birth"`
	Sex         Sex       `json:"sex"`
	Ethnicity   string    `json:"ethnicity,omitempty"`
	AddressLine string    `json:"address_line,omitempty"`
	Town        string    `json:"town,omitempty"`
	Postcode    string    `json:"postcode,omitempty"`
	LPAID       int64     `json:"lpa_id,omitempty"`
	Stamp
}

// FullName is the child's name as a page shows it.
func (c Child) FullName() string { return strings.TrimSpace(c.GivenName + " " + c.FamilyName) }

// AgeOn returns the child's age in whole years on the given day.
func AgeOn(dob, on time.Time) int {
	y := on.Year() - dob.Year()
	if on.Month() < dob.Month() || on.Month() == dob.Month() && on.Day() < dob.Day() {
		y--
	}
	return y
}
