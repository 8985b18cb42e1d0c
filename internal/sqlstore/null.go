package sqlstore

import (
	"database/sql"
	"strconv"
)

// nullInt scans a nullable integer column into an int64, NULL as 0.
type nullInt struct{ p *int64 }

// Scan implements sql.Scanner.
func (n nullInt) Scan(src any) error {
	var v sql.NullInt64
	if err := v.Scan(src); err != nil {
		return err
	}
	*n.p = v.Int64
	return nil
}

// nullString scans a nullable text column into a string, NULL as "".
type nullString struct{ p *string }

// Scan implements sql.Scanner.
func (n nullString) Scan(src any) error {
	var v sql.NullString
	if err := v.Scan(src); err != nil {
		return err
	}
	*n.p = v.String
	return nil
}

// nullIfZero is an id as a query argument: NULL when 0.
func nullIfZero(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// nullIfEmpty is text as a query argument: NULL when "".
func nullIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func itoa(i int) string { return strconv.Itoa(i) }
