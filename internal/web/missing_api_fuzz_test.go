package web

import (
	"net/url"
	"testing"
	"time"

	"github.com/vigilcp/vigil/internal/vigil"
)

// FuzzAPIPeriod: the from and to of a missing-children list or dashboard
// are read without panicking; what is accepted is an instant that reads
// back the same, a date is a Europe/London midnight, and a period is never
// accepted out of order.
func FuzzAPIPeriod(f *testing.F) {
	for _, seed := range [][2]string{{"2026-03-01", "2026-03-02"}, {"2026-03-02T09:30:00Z", "2026-03-02T10:30:00+01:00"},
		{"2026-03-29", "2026-03-29"}, {"2026-10-25T01:30:00 01:00", ""}, {"2026-13-01", "yesterday"}, {"", "2026-02-30"},
		{"2026-03-02T09:30:00.123456789Z", "2026-03-02"}, {"0000-01-01", "9999-12-31T23:59:59Z"}} {
		f.Add(seed[0], seed[1])
	}
	f.Fuzz(func(t *testing.T, from, to string) {
		var v vigil.Validation
		gotFrom, gotTo := apiPeriod(&v, url.Values{"from": {from}, "to": {to}})
		if v.Err() != nil {
			return
		}
		for _, c := range []struct {
			in  string
			got time.Time
		}{{from, gotFrom}, {to, gotTo}} {
			if c.in == "" {
				if !c.got.IsZero() {
					t.Fatalf("%q read as %v", c.in, c.got)
				}
				continue
			}
			if c.got.Location() != time.UTC {
				t.Fatalf("%q read as %v, not in UTC", c.in, c.got)
			}
			if _, err := time.Parse(time.DateOnly, c.in); err == nil {
				if l := c.got.In(london); l.Hour() != 0 || l.Minute() != 0 || l.Second() != 0 || l.Nanosecond() != 0 {
					t.Fatalf("date %q read as %v, not a London midnight", c.in, l)
				}
				continue
			}
			back, err := time.Parse(time.RFC3339Nano, c.got.Format(time.RFC3339Nano))
			if err != nil || !back.Equal(c.got) {
				t.Fatalf("%q read as %v, which reads back as %v (%v)", c.in, c.got, back, err)
			}
		}
		if !gotFrom.IsZero() && !gotTo.IsZero() && !gotFrom.Before(gotTo) {
			t.Fatalf("period [%v, %v) accepted out of order", gotFrom, gotTo)
		}
	})
}
