package vigil

import "time"

// Stamp is the bookkeeping every record carries: who created and last
// changed it, when, and a version number for optimistic concurrency. An
// update names the version it was based on; if the record has moved on
// since, the update is refused with ECONFLICT rather than silently applied.
type Stamp struct {
	CreatedAt time.Time `json:"created_at"`
	CreatedBy int64     `json:"created_by,omitempty"`
	UpdatedAt time.Time `json:"updated_at"`
	UpdatedBy int64     `json:"updated_by,omitempty"`
	Version   int64     `json:"version"`
}

// PageRequest asks for one page of a list. Cursor is the opaque value a
// previous page returned as Next; empty for the first page.
type PageRequest struct {
	Cursor string
	Limit  int
}

// Page limits.
const (
	DefaultPageSize = 50
	MaxPageSize     = 500
)

// Size returns the page size to use: the default when none was asked for,
// never more than MaxPageSize.
func (r PageRequest) Size() int {
	switch {
	case r.Limit <= 0:
		return DefaultPageSize
	case r.Limit > MaxPageSize:
		return MaxPageSize
	}
	return r.Limit
}

// Page is one page of a list and the cursor of the next, empty at the end.
type Page[T any] struct {
	Items []T    `json:"items"`
	Next  string `json:"next,omitempty"`
}
