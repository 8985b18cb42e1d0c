package vigil

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"
)

func TestPersonValidate(t *testing.T) {
	ok := Person{GivenName: "Ada", FamilyName: "Okafor", Rank: RankConstable, CollarNumber: "1234", TeamID: 1}
	cases := []struct {
		name   string
		change func(p *Person)
		fields []string
	}{
		{"valid officer", func(p *Person) {}, nil},
		{"valid staff without collar", func(p *Person) { p.Rank, p.CollarNumber = RankStaff, "" }, nil},
		{"valid partner", func(p *Person) { p.Rank, p.CollarNumber, p.TeamID, p.AgencyID = RankPartner, "", 0, 2 }, nil},
		{"blank names", func(p *Person) { p.GivenName, p.FamilyName = " ", "" }, []string{"given_name", "family_name"}},
		{"long name", func(p *Person) { p.FamilyName = string(make([]byte, 101)) }, []string{"family_name"}},
		{"officer without collar", func(p *Person) { p.CollarNumber = "" }, []string{"collar_number"}},
		{"collar with a space", func(p *Person) { p.CollarNumber = "12 34" }, []string{"collar_number"}},
		{"collar too long", func(p *Person) { p.CollarNumber = "123456789" }, []string{"collar_number"}},
		{"unknown rank", func(p *Person) { p.Rank = "admiral" }, []string{"rank"}},
		{"team and agency", func(p *Person) { p.Rank, p.AgencyID = RankPartner, 3 }, []string{"agency_id"}},
		{"partner without agency", func(p *Person) { p.Rank, p.TeamID = RankPartner, 0 }, []string{"agency_id"}},
		{"officer in an agency", func(p *Person) { p.TeamID, p.AgencyID = 0, 3 }, []string{"rank"}},
		{"bad email", func(p *Person) { p.Email = "not-an-email" }, []string{"email"}},
	}
	for _, tc := range cases {
		p := ok
		tc.change(&p)
		err := p.Validate()
		var got []string
		for _, f := range ErrorFields(err) {
			got = append(got, f.Field)
		}
		if fmt.Sprint(got) != fmt.Sprint(tc.fields) {
			t.Errorf("%s: fields %v, want %v (%v)", tc.name, got, tc.fields, err)
		}
		if tc.fields != nil && ErrorCode(err) != EINVALID {
			t.Errorf("%s: code %q", tc.name, ErrorCode(err))
		}
	}
}

func TestRankLabels(t *testing.T) {
	for r, want := range map[Rank]string{RankDetectiveChiefInspector: "Detective Chief Inspector", RankStaff: "Police staff",
		RankAssistantChief: "Assistant Chief Constable", RankConstable: "Constable"} {
		if got := r.Label(); got != want {
			t.Errorf("%s: %q, want %q", r, got, want)
		}
	}
	if RankStaff.IsOfficer() || RankPartner.IsOfficer() || !RankSergeant.IsOfficer() || Rank("x").IsOfficer() {
		t.Error("IsOfficer is wrong")
	}
}

func TestAgeOn(t *testing.T) {
	dob := time.Date(2010, 2, 28, 0, 0, 0, 0, time.UTC)
	for on, want := range map[string]int{"2026-02-27": 15, "2026-02-28": 16, "2026-03-01": 16, "2010-02-28": 0} {
		d, _ := time.Parse("2006-01-02", on)
		if got := AgeOn(dob, d); got != want {
			t.Errorf("age on %s: %d, want %d", on, got, want)
		}
	}
	leap := time.Date(2012, 2, 29, 0, 0, 0, 0, time.UTC)
	if AgeOn(leap, time.Date(2030, 2, 28, 0, 0, 0, 0, time.UTC)) != 17 || AgeOn(leap, time.Date(2030, 3, 1, 0, 0, 0, 0, time.UTC)) != 18 {
		t.Error("a leap-day birthday turns over on 1 March in common years")
	}
}

func TestPageSize(t *testing.T) {
	for limit, want := range map[int]int{0: DefaultPageSize, -3: DefaultPageSize, 7: 7, MaxPageSize: MaxPageSize, MaxPageSize + 1: MaxPageSize} {
		if got := (PageRequest{Limit: limit}).Size(); got != want {
			t.Errorf("limit %d: size %d, want %d", limit, got, want)
		}
	}
}

func TestErrors(t *testing.T) {
	wrapped := fmt.Errorf("saving: %w", &Error{Code: ECONFLICT, Message: "Stale", Err: errors.New("driver detail")})
	if ErrorCode(wrapped) != ECONFLICT || ErrorMessage(wrapped) != "Stale" {
		t.Errorf("wrapped domain error: %q %q", ErrorCode(wrapped), ErrorMessage(wrapped))
	}
	plain := errors.New("disk on fire")
	if ErrorCode(plain) != EINTERNAL || ErrorMessage(plain) == "disk on fire" {
		t.Error("an internal error's detail must never be shown")
	}
	internal := &Error{Code: EINTERNAL, Message: "SELECT * FROM secrets failed"}
	if ErrorMessage(internal) == internal.Message {
		t.Error("an EINTERNAL message must not be shown")
	}
	if ErrorCode(nil) != "" {
		t.Error("nil has a code")
	}
}

func TestRequire(t *testing.T) {
	ctx := context.Background()
	if ErrorCode(Require(ctx, ActionRead, KindPerson)) != EUNAUTHENTICATED {
		t.Error("nobody may read without signing in")
	}
	now := time.Now()
	disabled := WithPrincipal(ctx, &Principal{User: User{ID: 5, DisabledAt: &now}, Roles: []Role{RoleAuditor}})
	if ErrorCode(Require(disabled, ActionRead, KindPerson)) != EFORBIDDEN {
		t.Error("a disabled account may not act")
	}
	auditor := WithPrincipal(ctx, &Principal{User: User{ID: 5}, Roles: []Role{RoleAuditor}, Scope: ScopeForce})
	if err := Require(auditor, ActionRead, KindAccessLog); err != nil {
		t.Error(err)
	}
	err := Require(auditor, ActionGrant, KindUser)
	if ErrorCode(err) != EFORBIDDEN || DenialReason(err) != "no role grants grant user" {
		t.Errorf("an auditor granting roles: %v (%q)", err, DenialReason(err))
	}
}

func TestValidateUsername(t *testing.T) {
	for name, ok := range map[string]bool{"call.handler": true, "a": false, "Admin": false, "9lives": false, "j_bloggs-2": true,
		"x y": false, "": false} {
		if (ValidateUsername(name) == nil) != ok {
			t.Errorf("username %q: valid=%v", name, !ok)
		}
	}
}

// TestPermissionsMerge: the capabilities' tables merge into one, each
// permission once, and every role of the brief holds some permission.
func TestPermissionsMerge(t *testing.T) {
	a := map[Role][]Permission{RoleAuditor: perms(KindChild, ActionRead, ActionList)}
	b := map[Role][]Permission{RoleAuditor: perms(KindChild, ActionList, ActionExport), RolePartner: perms(KindChild, ActionRead)}
	m := mergePermissions(a, b)
	if want := perms(KindChild, ActionRead, ActionList, ActionExport); !slices.Equal(m[RoleAuditor], want) {
		t.Errorf("merged auditor: %v, want %v", m[RoleAuditor], want)
	}
	if len(m[RolePartner]) != 1 || len(m) != 2 {
		t.Errorf("merged: %v", m)
	}
	for _, r := range Roles {
		if len(RolePermissions[r]) == 0 {
			t.Errorf("role %s holds no permission", r)
		}
		seen := map[Permission]bool{}
		for _, p := range RolePermissions[r] {
			if seen[p] {
				t.Errorf("role %s holds %v twice", r, p)
			}
			seen[p] = true
		}
	}
}
