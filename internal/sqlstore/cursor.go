package sqlstore

import (
	"encoding/base64"
	"encoding/json"

	"github.com/vigilcp/vigil/internal/vigil"
)

// Lists are paged by keyset: a cursor holds the sort key of the last row of
// a page, and the next page starts after it. Cursors are opaque to clients
// (base64url of a JSON array) and checked on the way back in.

// encodeCursor makes a cursor from the sort key of a page's last row.
func encodeCursor(key ...any) string {
	b, err := json.Marshal(key)
	if err != nil {
		panic(err) // keys are strings and integers: cannot fail
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// decodeCursor reads a cursor into pointers to the sort key's parts.
func decodeCursor(cursor string, key ...any) error {
	bad := func() error {
		var v vigil.Validation
		v.Add("cursor", "The page cursor is not valid: start again from the first page")
		return v.Err()
	}
	b, err := base64.RawURLEncoding.DecodeString(cursor)
	if err != nil {
		return bad()
	}
	var raw []json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil || len(raw) != len(key) {
		return bad()
	}
	for i := range key {
		if err := json.Unmarshal(raw[i], key[i]); err != nil {
			return bad()
		}
	}
	return nil
}
