package vigil

import (
	"strings"
	"testing"
)

func TestTeamAndAgencyValidate(t *testing.T) {
	cases := []struct {
		name string
		err  error
		want []string // fields at fault, in order
	}{
		{"good team", Team{Name: "Ashvale Response", Code: "ASH-RESP", Kind: TeamResponse, LPAID: 1}.Validate(), nil},
		{"force-wide team", Team{Name: "Control Room", Code: "CR", Kind: TeamControlRoom}.Validate(), nil},
		{"empty team", Team{}.Validate(), []string{"name", "code", "kind"}},
		{"blank name", Team{Name: "  ", Code: "X", Kind: TeamMASH}.Validate(), []string{"name"}},
		{"long name", Team{Name: strings.Repeat("a", 201), Code: "X", Kind: TeamMASH}.Validate(), []string{"name"}},
		{"lower-case code", Team{Name: "A", Code: "ash", Kind: TeamMASH}.Validate(), []string{"code"}},
		{"code with a space", Team{Name: "A", Code: "ASH RESP", Kind: TeamMASH}.Validate(), []string{"code"}},
		{"code starting with a hyphen", Team{Name: "A", Code: "-ASH", Kind: TeamMASH}.Validate(), []string{"code"}},
		{"21-character code", Team{Name: "A", Code: strings.Repeat("A", 21), Kind: TeamMASH}.Validate(), []string{"code"}},
		{"20-character code", Team{Name: "A", Code: strings.Repeat("A", 20), Kind: TeamMASH}.Validate(), nil},
		{"unknown team kind", Team{Name: "A", Code: "A", Kind: "catering"}.Validate(), []string{"kind"}},
		{"negative LPA", Team{Name: "A", Code: "A", Kind: TeamMASH, LPAID: -1}.Validate(), []string{"lpa_id"}},
		{"good agency", Agency{Name: "Health", Code: "KM-ICB", Kind: AgencyHealth}.Validate(), nil},
		{"empty agency", Agency{}.Validate(), []string{"name", "code", "kind"}},
		{"unknown agency kind", Agency{Name: "A", Code: "A", Kind: "police"}.Validate(), []string{"kind"}},
	}
	for _, tc := range cases {
		var got []string
		for _, f := range ErrorFields(tc.err) {
			got = append(got, f.Field)
		}
		if strings.Join(got, ",") != strings.Join(tc.want, ",") {
			t.Errorf("%s: fields at fault %v, want %v (%v)", tc.name, got, tc.want, tc.err)
		}
		if tc.want != nil && ErrorCode(tc.err) != EINVALID {
			t.Errorf("%s: code %q, want invalid", tc.name, ErrorCode(tc.err))
		}
	}
	for _, k := range AgencyKinds {
		if !k.Valid() {
			t.Errorf("AgencyKinds lists %q, which is not valid", k)
		}
	}
}
