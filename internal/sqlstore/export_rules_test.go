package sqlstore

import "context"

// ExecMapped runs a statement on the database as it stands and returns its
// error as a service would (mapErr), for tests that break a rule the
// database holds without the store's own check in front.
func (db *DB) ExecMapped(ctx context.Context, query string, args ...any) error {
	_, err := db.write.ExecContext(ctx, query, args...)
	return db.mapErr(err)
}
