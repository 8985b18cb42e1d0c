package web

import (
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vigilcp/vigil/internal/vigil"
)

// FuzzAPIChildInput: a child's record is read from any body without
// panicking; an accepted date of birth is the midnight UTC of the date
// sent, which reads back as sent; a field error about warning markers
// points at a marker that was sent; and the search a refusal links to
// gives back the names and date of birth.
func FuzzAPIChildInput(f *testing.F) {
	for _, seed := range []string{
		`{"given_name":"Elizabeth","family_name":"Smith","date_of_birth":"2014-07-19","sex":"female","lpa_id":1}`,
		`{"given_name":"Liz","family_name":"Smyth","other_names":"Rose","date_of_birth":"2014-02-30","warning_markers":["self_harm","nope"," "]}`,
		`{"given_name":"Zoë","family_name":"O'Brien-Ní Dhomhnaill","date_of_birth":"0000-01-01","looked_after":true,"confirmed_new":true}`,
		`{"date_of_birth":"2014-07-19T00:00:00Z","version":3,"lpa_id":"1"}`,
		`{"warning_markers":"self_harm"}`, `{"warning_markers":[1,null]}`, `[]`, `{"given_name":"a&b=c?d#e"}`, `{"date_of_birth":"+2014-07-19"}`,
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, body string) {
		r := httptest.NewRequest("POST", "/api/v1/children", strings.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		var in apiChildFields
		if err := decode(r, &in); err != nil {
			if vigil.ErrorCode(err) != vigil.EINVALID {
				t.Fatalf("%q: %v", body, err)
			}
			return
		}
		var v vigil.Validation
		n := in.newChild(&v)
		if err := v.Err(); err != nil {
			if !v.Has("date_of_birth") || !n.DateOfBirth.IsZero() {
				t.Fatalf("%q: %v, date of birth %v", body, err, n.DateOfBirth)
			}
		} else if in.DateOfBirth != "" {
			if n.DateOfBirth.Location() != time.UTC || n.DateOfBirth.Hour() != 0 || n.DateOfBirth.Format(time.DateOnly) != in.DateOfBirth {
				t.Fatalf("date of birth %q read as %v", in.DateOfBirth, n.DateOfBirth)
			}
		}
		err := apiChildErrors(&vigil.Error{Code: vigil.EINVALID, Message: "x",
			Fields: []vigil.FieldError{{Field: "warning_markers", Message: "x"}, {Field: "sex", Message: "x"}}}, in)
		fields := vigil.ErrorFields(err)
		if len(fields) < 2 {
			t.Fatalf("field errors lost: %+v", fields)
		}
		for _, fe := range fields {
			if i, ok := strings.CutPrefix(fe.Field, "warning_markers."); ok {
				k, err := strconv.Atoi(i)
				if err != nil || k >= len(in.WarningMarkers) || vigil.ValidWarningMarker(strings.TrimSpace(in.WarningMarkers[k])) ||
					!strings.Contains(fe.Message, strconv.Quote(strings.TrimSpace(in.WarningMarkers[k]))) {
					t.Fatalf("%s: %q for markers %q", fe.Field, fe.Message, in.WarningMarkers)
				}
			}
		}
		href := matchesHref(n)
		u, err := url.Parse(href)
		if err != nil || u.Path != "/api/v1/children/matches" {
			t.Fatalf("search %q: %v", href, err)
		}
		q := u.Query()
		if q.Get("given_name") != strings.TrimSpace(n.GivenName) || q.Get("family_name") != strings.TrimSpace(n.FamilyName) ||
			q.Get("other_names") != strings.TrimSpace(n.OtherNames) || q.Has("date_of_birth") == n.DateOfBirth.IsZero() {
			t.Fatalf("search %q for %+v", href, n)
		}
	})
}
