package vigil

import (
	"strings"
	"testing"
)

// TestBreakGlassIsForReading: an opening with a reason lets its holder
// read, list and search the record as their role allows, and nothing
// else, whatever else their role may do in scope.
func TestBreakGlassIsForReading(t *testing.T) {
	reading := map[Action]bool{ActionRead: true, ActionList: true, ActionSearch: true}
	outside := RecordFacts{LPAIDs: []int64{9}, TeamIDs: []int64{90}, PersonIDs: []int64{900}}
	opened := outside
	opened.BrokenGlass = true
	for _, role := range Roles {
		if role == RolePartner {
			continue
		}
		p := &Principal{User: User{ID: 7}, Roles: []Role{role}, Scope: ScopeLPA, LPAID: 1, TeamID: 10, PersonID: 100}
		for _, perm := range RolePermissions[role] {
			if perm.Kind != KindChild && perm.Kind != KindEpisode {
				continue
			}
			d := Decide(p, perm.Action, perm.Kind, opened)
			if d.Allowed != reading[perm.Action] {
				t.Errorf("%s, %s %s under break-glass: allowed=%v", role, perm.Action, perm.Kind, d.Allowed)
			}
			if d.Allowed && !d.ByBreakGlass {
				t.Errorf("%s, %s %s: allowed but not marked as by break-glass", role, perm.Action, perm.Kind)
			}
			if !d.Allowed && !strings.Contains(d.Reason, "break-glass") {
				t.Errorf("%s, %s %s refused for %q: the reason should say break-glass opens for reading only", role,
					perm.Action, perm.Kind, d.Reason)
			}
			// Without the opening, nothing at all.
			if d := Decide(p, perm.Action, perm.Kind, outside); d.Allowed {
				t.Errorf("%s, %s %s outside scope without an opening: allowed", role, perm.Action, perm.Kind)
			}
		}
	}
	// In scope, break-glass changes nothing: the role's own actions stand.
	p := &Principal{User: User{ID: 7}, Roles: []Role{RoleMissingCoordinator}, Scope: ScopeLPA, LPAID: 9}
	if d := Decide(p, ActionShare, KindChild, opened); !d.Allowed || d.ByBreakGlass {
		t.Errorf("sharing a record in scope that is also opened with a reason: %+v", d)
	}
}

// TestValidateBreakGlass: a reason must say something, and a purpose
// must be chosen from the list.
func TestValidateBreakGlass(t *testing.T) {
	real := "Child found at Kingsmoor bus station at 02:00, need the care history"
	purpose := BreakGlassPurposes[0].Code
	for _, c := range []struct {
		name, purpose, reason string
		field                 string // "" when accepted
	}{
		{"a real reason", purpose, real, ""},
		{"one letter repeated", purpose, "aaaaaaaaaa", "reason"},
		{"one letter repeated, long", purpose, strings.Repeat("a", 40), "reason"},
		{"one word four times", purpose, "asdf asdf asdf asdf", "reason"},
		{"four distinct short words", purpose, "to be or it is an ox at me go", "reason"},
		{"too short", purpose, "need it now", "reason"},
		{"letters repeated four times", purpose, "Looking into the missing report, urgent!!!! now", "reason"},
		{"three repeats are fine", purpose, "Checking the address of the boy missing from Hill Street", ""},
		{"digits do not make words", purpose, "123 456 789 000 111 222 333", "reason"},
		{"exactly twenty characters, four words", purpose, "Call about lost girl", ""},
		{"nineteen characters", purpose, "Call about lost gir", "reason"},
		{"too long", purpose, strings.Repeat("word ", 201), "reason"},
		{"no purpose", "", real, "purpose"},
		{"an unknown purpose", "curiosity", real, "purpose"},
		{"accented words count", purpose, "Enquête sur Zoë, élève disparue hier", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := ValidateBreakGlass(c.purpose, c.reason)
			fields := ErrorFields(err)
			if c.field == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			if len(fields) != 1 || fields[0].Field != c.field {
				t.Fatalf("want one error on %s, got %v", c.field, err)
			}
		})
	}
	for _, p := range BreakGlassPurposes {
		if BreakGlassPurposeLabel(p.Code) != p.Label || p.Label == "" {
			t.Errorf("purpose %q has label %q", p.Code, BreakGlassPurposeLabel(p.Code))
		}
	}
}

// TestRefusalsSayWhy: a partner is told a record not shared with them does
// not exist, but a shared one they may not change is refused as such; a
// read-only token says it is read-only.
func TestRefusalsSayWhy(t *testing.T) {
	partner := &Principal{User: User{ID: 9}, Roles: []Role{RolePartner}, Scope: ScopeAgency, AgencyID: 3}
	shared := RecordFacts{SharedWith: []int64{3}}
	if err := Refuse(partner, Decide(partner, ActionUpdate, KindChild, shared), "Child"); ErrorCode(err) != EFORBIDDEN {
		t.Errorf("a partner changing a shared record: %v", err)
	}
	if err := Refuse(partner, Decide(partner, ActionUpdate, KindChild, RecordFacts{}), "Child"); ErrorCode(err) != ENOTFOUND {
		t.Errorf("a partner changing a record not shared: %v", err)
	}
	token := &Principal{User: User{ID: 8}, Roles: []Role{RoleMissingCoordinator}, Scope: ScopeForce, ReadOnly: true}
	err := Refuse(token, Decide(token, ActionUpdate, KindChild, RecordFacts{}), "Child")
	if ErrorCode(err) != EFORBIDDEN || !strings.Contains(ErrorMessage(err), "read-only") || !strings.Contains(DenialReason(err), "read-only") {
		t.Errorf("a read-only token changing a record: %v (%q)", err, DenialReason(err))
	}
	if d := Decide(token, ActionRead, KindChild, RecordFacts{}); !d.Allowed {
		t.Errorf("a read-only token reading: %+v", d)
	}
}

// TestANamedHolderHoldsAtAnyScope: a person named as a holder of a record
// (an officer deployed to an episode) may act on it as their role allows,
// whatever their account's scope; a partner agency's practitioner is not
// let in so, and a restriction still holds the named holder back.
func TestANamedHolderHoldsAtAnyScope(t *testing.T) {
	held := RecordFacts{LPAIDs: []int64{9}, TeamIDs: []int64{90}, PersonIDs: []int64{100}}
	for _, c := range []struct {
		scope Scope
		role  Role
		want  bool
	}{
		{ScopeTeam, RoleResponseOfficer, true},
		{ScopeLPA, RoleResponseOfficer, true},
		{ScopeCaseload, RoleResponseOfficer, true},
		{ScopeAgency, RolePartner, false},
	} {
		p := &Principal{User: User{ID: 7}, Roles: []Role{c.role}, Scope: c.scope, LPAID: 1, TeamID: 10, PersonID: 100, AgencyID: 1}
		if d := Decide(p, ActionRead, KindEpisode, held); d.Allowed != c.want || d.ByBreakGlass {
			t.Errorf("%s %s named as the holder: %+v, want allowed=%v", c.scope, c.role, d, c.want)
		}
		other := *p
		other.PersonID = 101
		if d := Decide(&other, ActionRead, KindEpisode, held); d.Allowed {
			t.Errorf("%s %s not named: allowed", c.scope, c.role)
		}
		restricted := held
		restricted.Restricted, restricted.AllowedRoles = true, []Role{RoleAuditor}
		if d := Decide(p, ActionRead, KindEpisode, restricted); d.Allowed {
			t.Errorf("%s %s named, but the record is restricted to auditors: allowed", c.scope, c.role)
		}
	}
}
