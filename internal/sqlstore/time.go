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
		p, err := time.Parse(layout, v)
		if err != nil {
			return nil, fmt.Errorf("stored time %q: %w", v, err)
		}
		t = p
	case []byte:
		p, err := time.Parse(layout, string(v))
		if err != nil {
			return nil, fmt.Errorf("stored time %q: %w", v, err)
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
