package sqlstore

import "context"

// MigrateTo applies the migrations up to and including version, for tests
// that put data into an older schema before migrating it on.
func (db *DB) MigrateTo(ctx context.Context, version int64) error {
	p, err := db.migrations()
	if err != nil {
		return err
	}
	_, err = p.UpTo(ctx, version)
	return err
}

// ExecForTest runs a statement on the database as it stands, for tests
// that set up rows no service would write.
func (db *DB) ExecForTest(ctx context.Context, query string, args ...any) error {
	_, err := db.write.ExecContext(ctx, query, args...)
	return err
}
