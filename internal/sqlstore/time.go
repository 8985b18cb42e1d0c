package sqlstore

import (
	"database/sql/driver"
	"fmt"
	"time"
)

// Instants are stored in UTC to the millisecond. On SQLite they are TEXT in
// one fixed-width form, so that text order is time order; on PostgreSQL
// they are timestamptz, which parses the same text.
const instantLayout = "2006-01-02T15:04:05.000Z"

// dateLayout is the stored form of a calendar date on SQLite.
const dateLayout = "2006-01-02"

// instant is a time.Time as a query argument.
type instant time.Time

// Value implements driver.Valuer.
func (t instant) Value() (driver.Value, error) {
	return time.Time(t).UTC().Format(instantLayout), nil
}

// date is a calendar date as a query argument.
type date time.Time

// Value implements driver.Valuer.
func (d date) Value() (driver.Value, error) { return time.Time(d).Format(dateLayout), nil }

// scanInstant scans a stored instant (text on SQLite, time on PostgreSQL).
type scanInstant struct{ t *time.Time }

// Scan implements sql.Scanner.
func (s scanInstant) Scan(src any) error {
	t, err := parseStored(src, instantLayout)
	if err != nil {
		return err
	}
	if t == nil {
		return fmt.Errorf("unexpected NULL instant")
	}
	*s.t = *t
	return nil
}

// scanNullInstant scans an optional stored instant.
type scanNullInstant struct{ t **time.Time }

// Scan implements sql.Scanner.
func (s scanNullInstant) Scan(src any) error {
	t, err := parseStored(src, instantLayout)
	if err != nil {
		return err
	}
	*s.t = t
	return nil
}

func parseStored(src any, layout string) (*time.Time, error) {
	var t time.Time
	switch v := src.(type) {
	case nil:
		return nil, nil
	case time.Time:
		t = v
	case string:
		p, err := parseText(layout, v)
		if err != nil {
			return nil, err
		}
		t = p
	case []byte:
		p, err := parseText(layout, string(v))
		if err != nil {
			return nil, err
		}
		t = p
	default:
		return nil, fmt.Errorf("cannot scan %T as a time", src)
	}
	t = t.UTC().Truncate(time.Millisecond)
	return &t, nil
}

// scanDate scans a stored calendar date.
type scanDate struct{ t *time.Time }

// Scan implements sql.Scanner.
func (s scanDate) Scan(src any) error {
	t, err := parseStored(src, dateLayout)
	if err != nil {
		return err
	}
	if t == nil {
		return fmt.Errorf("unexpected NULL date")
	}
	y, m, d := t.Date()
	*s.t = time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	return nil
}

// scanNullDate scans an optional stored calendar date.
type scanNullDate struct{ t **time.Time }

// Scan implements sql.Scanner.
func (s scanNullDate) Scan(src any) error {
	if src == nil {
		*s.t = nil
		return nil
	}
	var t time.Time
	if err := (scanDate{&t}).Scan(src); err != nil {
		return err
	}
	*s.t = &t
	return nil
}

// parseText reads a stored time. Instants, which every list reads by the
// dozen a row, are read straight from their fixed positions; anything
// else, or anything that is not a real time, goes through time.Parse,
// which also words the error.
func parseText(layout, v string) (time.Time, error) {
	if layout == instantLayout {
		if t, ok := parseInstant(v); ok {
			return t, nil
		}
	}
	t, err := time.Parse(layout, v)
	if err != nil {
		return t, fmt.Errorf("stored time %q: %w", v, err)
	}
	return t, nil
}

// parseInstant reads "2006-01-02T15:04:05.000Z" exactly; ok is false for
// any other text, or a date or time that does not exist.
func parseInstant(v string) (time.Time, bool) {
	if len(v) != len(instantLayout) || v[4] != '-' || v[7] != '-' || v[10] != 'T' || v[13] != ':' || v[16] != ':' ||
		v[19] != '.' || v[23] != 'Z' {
		return time.Time{}, false
	}
	ok := true
	num := func(from, to int) int {
		n := 0
		for i := from; i < to; i++ {
			c := v[i]
			if c < '0' || c > '9' {
				ok = false
				return 0
			}
			n = n*10 + int(c-'0')
		}
		return n
	}
	year, month, day := num(0, 4), num(5, 7), num(8, 10)
	hour, minute, sec, ms := num(11, 13), num(14, 16), num(17, 19), num(20, 23)
	if !ok || month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || sec > 59 {
		return time.Time{}, false
	}
	t := time.Date(year, time.Month(month), day, hour, minute, sec, ms*int(time.Millisecond), time.UTC)
	if t.Day() != day { // 31 April, 29 February in a common year
		return time.Time{}, false
	}
	return t, true
}
