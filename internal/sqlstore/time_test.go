package sqlstore

import (
	"math/rand/v2"
	"testing"
	"time"
)

// TestParseInstantAgreesWithTimeParse: the fixed-position reader of stored
// instants accepts exactly what time.Parse accepts in that layout, with
// the same result, and the canonical form always takes the fast path.
func TestParseInstantAgreesWithTimeParse(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for range 100_000 {
		want := time.UnixMilli(r.Int64N(253402300799999)).UTC() // years 1970 to 9999
		s := want.Format(instantLayout)
		got, ok := parseInstant(s)
		if !ok || !got.Equal(want) || got.Location() != time.UTC {
			t.Fatalf("%s: got %v %v", s, got, ok)
		}
	}
	for _, s := range []string{
		"2026-02-29T10:00:00.000Z", "2024-02-30T10:00:00.000Z", "2026-04-31T00:00:00.000Z", "2026-13-01T00:00:00.000Z",
		"2026-00-01T00:00:00.000Z", "2026-01-00T00:00:00.000Z", "2026-01-01T24:00:00.000Z", "2026-01-01T23:60:00.000Z",
		"2026-01-01T23:59:60.000Z", "2026-01-01T23:59:59.00Z", "2026-01-01 23:59:59.000Z", "2026-01-01T23:59:59.000+",
		"2026-1-01T23:59:59.000ZZ", "+026-01-01T23:59:59.000Z", "2026-01-01T23:59:59.0a0Z", "", "2024-02-29T23:59:59.999Z",
		"0000-01-01T00:00:00.000Z", "0000-01-01T0:00:00,000Z",
	} {
		checkInstant(t, s)
	}
}

// FuzzParseInstant: go test -fuzz ParseInstant ./internal/sqlstore/
func FuzzParseInstant(f *testing.F) {
	f.Add("2026-11-27T01:02:03.456Z")
	f.Add("2024-02-29T23:59:59.999Z")
	f.Add("2026-02-29T10:00:00.000Z")
	f.Fuzz(checkInstant)
}

// checkInstant: reading a stored instant gives what time.Parse gives, and
// the fast path takes only text time.Parse reads the same way (time.Parse
// also takes a one-digit hour or a comma before the milliseconds, which
// Vigil never writes: those go the slow way).
func checkInstant(t *testing.T, s string) {
	want, err := time.Parse(instantLayout, s)
	if fast, ok := parseInstant(s); ok && (err != nil || !fast.Equal(want)) {
		t.Errorf("%q: parseInstant %v, time.Parse %v %v", s, fast, want, err)
	}
	got, gotErr := parseText(instantLayout, s)
	if (gotErr == nil) != (err == nil) || (err == nil && !got.Equal(want)) {
		t.Errorf("%q: parseText %v %v, time.Parse %v %v", s, got, gotErr, want, err)
	}
}
