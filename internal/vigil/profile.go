package vigil

import (
	"context"
	"slices"
	"strings"
	"time"
)

// PartProfile is a looked-after child's Philomena Protocol profile (Part
// 1: what a carer keeps ready to hand to police when the child goes
// missing) and the people and places linked to the child. Phones, social
// media and associates say as much about where a child can be found as
// an address, so it is shared and restricted on its own.
const PartProfile = "profile"

// Profile is the Philomena Protocol Part 1 profile of a child: kept up to
// date by the carer, so that a report of the child missing starts with a
// description, a photograph and the places the child is likely to be,
// rather than with questions. The associates and places frequented are
// linked records (see Link), so that patterns across children show.
type Profile struct {
	ChildID int64 `json:"child_id"`
	// Description is what the child looks like: height, build, hair,
	// marks, how they usually dress.
	Description string `json:"description"`
	// PhotoRef says where the current photograph is held (a reference in
	// the force's image store or the carer's file), never the image.
	PhotoRef  string `json:"photo_ref"`
	Medical   string `json:"medical"`   // conditions, medication and what happens without it
	Financial string `json:"financial"` // bank cards, access to money, travel passes
	Phones    string `json:"phones"`    // numbers and handsets
	// SocialMedia is the child's accounts and the platforms they use.
	SocialMedia string `json:"social_media"`
	// KeptBy is the carer who keeps the profile up to date, and how to
	// reach them.
	KeptBy string `json:"kept_by"`
	// ConfirmedAt is when the carer last confirmed it is up to date.
	ConfirmedAt *time.Time `json:"confirmed_at,omitempty"`
	Stamp
}

// ProfileStaleAfter is how long after the carer last confirmed a profile
// it is shown as due for review: a photograph a year old does not look
// like a fifteen-year-old.
const ProfileStaleAfter = 90 * 24 * time.Hour

// Stale reports whether the profile is due for the carer's review at t.
func (p Profile) Stale(t time.Time) bool {
	return p.ConfirmedAt == nil || t.Sub(*p.ConfirmedAt) > ProfileStaleAfter
}

// Empty reports whether nothing has been recorded yet.
func (p Profile) Empty() bool {
	return p.Version == 0
}

// Validate checks a profile before it is saved.
func (p Profile) Validate(now time.Time) error {
	var v Validation
	for _, f := range []struct {
		field, what, value string
		most               int
	}{
		{"description", "Description", p.Description, 2000}, {"photo_ref", "Photograph reference", p.PhotoRef, 200},
		{"medical", "Medical", p.Medical, 2000}, {"financial", "Financial", p.Financial, 1000},
		{"phones", "Phones", p.Phones, 500}, {"social_media", "Social media", p.SocialMedia, 1000},
		{"kept_by", "Kept by", p.KeptBy, 300},
	} {
		if len(f.value) > f.most {
			v.Add(f.field, "%s must be %d characters or fewer", f.what, f.most)
		}
	}
	if strings.TrimSpace(p.KeptBy) == "" {
		v.Add("kept_by", "Enter the carer who keeps this profile up to date, and how to reach them")
	}
	if p.ConfirmedAt != nil && p.ConfirmedAt.After(now) {
		v.Add("confirmed_at", "The date the carer confirmed the profile must be today or in the past")
	}
	return v.Err()
}

// LinkRelation says how a person or place is linked to a child.
type LinkRelation string

// Relations of people to a child.
const (
	RelationAssociate LinkRelation = "associate"           // a friend, peer or contact
	RelationExploiter LinkRelation = "suspected_exploiter" // suspected of exploiting the child
	RelationFoundWith LinkRelation = "found_with"          // with the child when found
)

// Relations of places to a child.
const (
	RelationFrequents LinkRelation = "frequents" // a place the child goes
	RelationFoundAt   LinkRelation = "found_at"  // where the child was found
)

// PersonRelations and PlaceRelations list the relations, in the order
// forms offer them.
var (
	PersonRelations = []LinkRelation{RelationAssociate, RelationExploiter, RelationFoundWith}
	PlaceRelations  = []LinkRelation{RelationFrequents, RelationFoundAt}
)

// Label is the relation as a page says it.
func (r LinkRelation) Label() string {
	switch r {
	case RelationAssociate:
		return "Associate"
	case RelationExploiter:
		return "Suspected exploiter"
	case RelationFoundWith:
		return "Found with the child"
	case RelationFrequents:
		return "Place the child goes"
	case RelationFoundAt:
		return "Where the child was found"
	}
	return string(r)
}

// ForPlace reports whether the relation links a place (rather than a
// person).
func (r LinkRelation) ForPlace() bool { return slices.Contains(PlaceRelations, r) }

// Valid reports whether r is a known relation.
func (r LinkRelation) Valid() bool {
	return slices.Contains(PersonRelations, r) || slices.Contains(PlaceRelations, r)
}

// Associate is a person linked to one or more children: a peer, an adult
// they are found with, a suspected exploiter. One record per person, so
// that a person linked to several children shows as one.
type Associate struct {
	ID          int64      `json:"id"`
	Name        string     `json:"name"`
	DateOfBirth *time.Time `json:"date_of_birth,omitempty"`
	// Description is what identifies them: nicknames, vehicle, appearance.
	Description string `json:"description"`
	Stamp
}

// Place is a location linked to one or more children: an address, a park,
// a shop, a station.
type Place struct {
	ID          int64  `json:"id"`
	Name        string `json:"name"`
	Postcode    string `json:"postcode,omitempty"`
	Description string `json:"description"`
	Stamp
}

// Link joins a child to an associate or a place. Links found in an
// episode name it.
type Link struct {
	ID          int64        `json:"id"`
	ChildID     int64        `json:"child_id"`
	Relation    LinkRelation `json:"relation"`
	AssociateID int64        `json:"associate_id,omitempty"`
	PlaceID     int64        `json:"place_id,omitempty"`
	// Name is the associate's or the place's name, for lists.
	Name      string     `json:"name"`
	EpisodeID int64      `json:"episode_id,omitempty"`
	Notes     string     `json:"notes"`
	LinkedAt  time.Time  `json:"linked_at"`
	LinkedBy  int64      `json:"linked_by"`
	EndedAt   *time.Time `json:"ended_at,omitempty"`
	// OtherChildren counts the other children the same associate or place
	// is linked to now, whether or not the reader may see them: the
	// pattern across children.
	OtherChildren int `json:"other_children"`
}

// NewLink links a child to an associate or place: an existing one by ID,
// or a new one described by Name (and DateOfBirth, Postcode,
// Description). A new one is refused while existing records match the
// name, unless ConfirmedNew says it is none of them.
type NewLink struct {
	ChildID      int64        `json:"-"`
	Relation     LinkRelation `json:"relation"`
	AssociateID  int64        `json:"associate_id,omitempty"`
	PlaceID      int64        `json:"place_id,omitempty"`
	Name         string       `json:"name,omitempty"`
	DateOfBirth  *time.Time   `json:"date_of_birth,omitempty"`
	Postcode     string       `json:"postcode,omitempty"`
	Description  string       `json:"description,omitempty"`
	EpisodeID    int64        `json:"episode_id,omitempty"`
	Notes        string       `json:"notes,omitempty"`
	ConfirmedNew bool         `json:"confirmed_new,omitempty"`
}

// Validate checks a new link before it is saved.
func (n NewLink) Validate(now time.Time) error {
	var v Validation
	if !n.Relation.Valid() {
		v.Add("relation", "Select how the person or place is linked to the child")
		return v.Err()
	}
	existing := n.AssociateID
	if n.Relation.ForPlace() {
		existing = n.PlaceID
		if n.AssociateID != 0 {
			v.Add("relation", "A person cannot be linked as a place")
		}
	} else if n.PlaceID != 0 {
		v.Add("relation", "A place cannot be linked as a person")
	}
	if existing == 0 && n.AssociateID == 0 && n.PlaceID == 0 {
		name := strings.TrimSpace(n.Name)
		switch {
		case name == "" && n.Relation.ForPlace():
			v.Add("name", "Enter the place: an address, or a name like ‘Central bus station’")
		case name == "":
			v.Add("name", "Enter the person's name, or the name they go by")
		case len(name) > 200:
			v.Add("name", "Name must be 200 characters or fewer")
		}
		if n.DateOfBirth != nil && n.Relation.ForPlace() {
			v.Add("date_of_birth", "A place has no date of birth")
		}
		if n.DateOfBirth != nil && dateOnly(*n.DateOfBirth).After(londonDate(now)) {
			v.Add("date_of_birth", "Date of birth must be today or in the past")
		}
		if n.Postcode != "" && !postcodeRE.MatchString(strings.ReplaceAll(strings.ToUpper(n.Postcode), " ", "")) {
			v.Add("postcode", "Enter a full UK postcode, like KM1 4AB")
		}
		if len(n.Description) > 1000 {
			v.Add("description", "Description must be 1000 characters or fewer")
		}
	}
	if len(n.Notes) > 2000 {
		v.Add("notes", "Notes must be 2000 characters or fewer")
	}
	if n.Relation == RelationFoundWith || n.Relation == RelationFoundAt {
		if n.EpisodeID == 0 {
			v.Add("episode_id", "Choose the missing episode in which the child was found")
		}
	}
	return v.Err()
}

// LinkMatch is an existing associate or place that a new link's name
// could mean.
type LinkMatch struct {
	AssociateID int64      `json:"associate_id,omitempty"`
	PlaceID     int64      `json:"place_id,omitempty"`
	Name        string     `json:"name"`
	DateOfBirth *time.Time `json:"date_of_birth,omitempty"`
	Postcode    string     `json:"postcode,omitempty"`
	Description string     `json:"description"`
	// Children counts the children linked to it now.
	Children int `json:"children"`
}

// LinkedChild is a child linked to an associate or a place, as the reader
// may see them.
type LinkedChild struct {
	ChildID   int64        `json:"child_id"`
	Name      string       `json:"name"`
	Relation  LinkRelation `json:"relation"`
	EpisodeID int64        `json:"episode_id,omitempty"`
	LinkedAt  time.Time    `json:"linked_at"`
	Notes     string       `json:"notes"`
}

// LinkedRecord is an associate or a place with the children linked to it
// that the reader may see, and how many others there are that they may
// not (counted, never named: a partner agency is not told even that).
type LinkedRecord struct {
	Associate *Associate    `json:"associate,omitempty"`
	Place     *Place        `json:"place,omitempty"`
	Children  []LinkedChild `json:"children"`
	Others    int           `json:"others"`
}

// ChildProfile is what the profile page shows: the Philomena profile, the
// current and ended links, and the missing history from the episodes.
type ChildProfile struct {
	Profile Profile `json:"profile"`
	Links   []Link  `json:"links"`
	// Missing history: the episodes recorded, and the latest report.
	Episodes     int        `json:"episodes"`
	LastReported *time.Time `json:"last_reported,omitempty"`
}

// ProfileService keeps the Philomena profiles and the people and places
// linked to children. Reading needs the child readable with the profile
// part not held back; changing needs ActionProfile on the child.
type ProfileService interface {
	Profile(ctx context.Context, childID int64) (*ChildProfile, error)
	// SaveProfile records the profile, based on the version the person saw
	// (0 for the first).
	SaveProfile(ctx context.Context, p Profile, version int64) (*Profile, error)
	// MatchLinks is the search before a new associate or place: existing
	// ones that the name could mean, best first.
	MatchLinks(ctx context.Context, place bool, name string) ([]LinkMatch, error)
	Link(ctx context.Context, n NewLink) (*Link, error)
	EndLink(ctx context.Context, childID, linkID int64) error
	Associate(ctx context.Context, id int64) (*LinkedRecord, error)
	Place(ctx context.Context, id int64) (*LinkedRecord, error)
}

// profilePermissions: the Philomena profile and the people and places
// linked to children. A carer's agency keeps the profile of a child shared
// with it; links are police intelligence.
var profilePermissions = map[Role][]Permission{
	RoleControlRoomManager: perms(KindChild, ActionProfile, ActionLink),
	RoleResponseOfficer:    perms(KindChild, ActionProfile, ActionLink),
	RoleMissingCoordinator: perms(KindChild, ActionProfile, ActionLink),
	RoleMASHPractitioner:   perms(KindChild, ActionProfile, ActionLink),
	RoleDesignatedOfficer:  perms(KindChild, ActionProfile, ActionLink),
	RolePartner:            perms(KindChild, ActionProfile),
}
