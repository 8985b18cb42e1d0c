package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"iter"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/vigilcp/vigil/internal/vigil"
)

// The bulk path loads large generated or imported data sets: COPY on
// PostgreSQL, multi-row INSERTs on SQLite, all in one transaction, so that
// a failed load leaves nothing behind.

// Bulk is a bulk-load transaction.
type Bulk struct {
	db    *DB
	ctx   context.Context
	sqlTx *sql.Tx // SQLite
	pgTx  pgx.Tx  // PostgreSQL
	now   time.Time
	by    int64
	// explicit lists tables loaded with their own ids, whose id sequences
	// must move past them on PostgreSQL.
	explicit map[string]bool
}

// Row is one row of a bulk load, in the column order of the Copy call.
// Instants are time.Time; calendar dates are Date.
type Row = []any

// Date marks a calendar date in a bulk-load row.
type Date time.Time

// Empty reports whether no force has been set up in the database yet.
func (db *DB) Empty(ctx context.Context) (bool, error) {
	var n int
	if err := db.read.QueryRowContext(ctx, "SELECT count(*) FROM forces").Scan(&n); err != nil {
		return false, db.mapErr(err)
	}
	return n == 0, nil
}

// BulkLoad runs fn in one bulk-load transaction and commits it when fn
// returns nil. Rows are stamped as created now by the principal in ctx.
func (db *DB) BulkLoad(ctx context.Context, fn func(b *Bulk) error) error {
	b := &Bulk{db: db, ctx: ctx, now: vigil.Millis(db.clock.Now()), by: vigil.PrincipalFrom(ctx).UserID(), explicit: map[string]bool{}}
	if db.engine == Postgres {
		tx, err := db.pool.Begin(ctx)
		if err != nil {
			return db.mapErr(err)
		}
		defer tx.Rollback(context.WithoutCancel(ctx))
		b.pgTx = tx
		if err := fn(b); err != nil {
			return db.mapErr(err)
		}
		for table := range b.explicit {
			if _, err := tx.Exec(ctx, fmt.Sprintf("SELECT setval(pg_get_serial_sequence('%s', 'id'), (SELECT max(id) FROM %s))", table, table)); err != nil {
				return db.mapErr(err)
			}
		}
		if err := tx.Commit(ctx); err != nil {
			return db.mapErr(err)
		}
		return db.analyse(ctx)
	}
	tx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return db.mapErr(err)
	}
	defer tx.Rollback()
	b.sqlTx = tx
	if err := fn(b); err != nil {
		return db.mapErr(err)
	}
	if err := tx.Commit(); err != nil {
		return db.mapErr(err)
	}
	return db.analyse(ctx)
}

// analyse gathers the planner's statistics after a bulk load: without
// them the planner guesses a few rows where there are millions (and, on
// PostgreSQL, until autovacuum's next pass, sorts and aggregates spill to
// disk). SQLite samples (analysis_limit) rather than reading every index
// whole.
func (db *DB) analyse(ctx context.Context) error {
	if db.engine == Postgres {
		_, err := db.write.ExecContext(ctx, "ANALYZE")
		return db.mapErr(err)
	}
	for _, q := range []string{"PRAGMA analysis_limit = 1000", "ANALYZE", "PRAGMA optimize"} {
		if _, err := db.write.ExecContext(ctx, q); err != nil {
			return db.mapErr(err)
		}
	}
	return nil
}

// Copy loads rows into table's columns and returns how many it loaded.
// progress, when not nil, is told the running count every so often.
func (b *Bulk) Copy(table string, cols []string, rows iter.Seq2[Row, error], progress func(n int)) (int, error) {
	if cols[0] == "id" {
		b.explicit[table] = true
	}
	if b.pgTx != nil {
		return b.copyPostgres(table, cols, rows, progress)
	}
	return b.copySQLite(table, cols, rows, progress)
}

// pgRows adapts a row sequence to pgx's CopyFromSource.
type pgRows struct {
	next     func() (Row, error, bool)
	row      Row
	err      error
	n        int
	progress func(int)
}

func (s *pgRows) Next() bool {
	row, err, ok := s.next()
	if !ok {
		return false
	}
	if err != nil {
		s.err = err
		return false
	}
	for i, v := range row {
		if d, ok := v.(Date); ok {
			row[i] = time.Time(d)
		}
	}
	s.row = row
	s.n++
	if s.progress != nil && s.n%10_000 == 0 {
		s.progress(s.n)
	}
	return true
}

func (s *pgRows) Values() ([]any, error) { return s.row, nil }
func (s *pgRows) Err() error             { return s.err }

func (b *Bulk) copyPostgres(table string, cols []string, rows iter.Seq2[Row, error], progress func(int)) (int, error) {
	next, stop := iter.Pull2(rows)
	defer stop()
	src := &pgRows{next: next, progress: progress}
	n, err := b.pgTx.CopyFrom(b.ctx, pgx.Identifier{table}, cols, src)
	if err == nil && src.err != nil {
		err = src.err
	}
	if progress != nil {
		progress(src.n)
	}
	return int(n), err
}

// sqliteBatch is how many rows go in one INSERT on SQLite: big enough to
// amortise the statement, small enough to stay under its parameter limit.
const sqliteBatch = 256

func (b *Bulk) copySQLite(table string, cols []string, rows iter.Seq2[Row, error], progress func(int)) (int, error) {
	one := "(" + strings.TrimSuffix(strings.Repeat("?,", len(cols)), ",") + ")"
	head := "INSERT INTO " + table + " (" + strings.Join(cols, ", ") + ") VALUES "
	full, err := b.sqlTx.PrepareContext(b.ctx, head+strings.TrimSuffix(strings.Repeat(one+",", sqliteBatch), ","))
	if err != nil {
		return 0, err
	}
	defer full.Close()
	args := make([]any, 0, sqliteBatch*len(cols))
	n, pending := 0, 0
	flush := func() error {
		if pending == 0 {
			return nil
		}
		var err error
		if pending == sqliteBatch {
			_, err = full.ExecContext(b.ctx, args...)
		} else {
			_, err = b.sqlTx.ExecContext(b.ctx, head+strings.TrimSuffix(strings.Repeat(one+",", pending), ","), args...)
		}
		args, pending = args[:0], 0
		return err
	}
	for row, err := range rows {
		if err != nil {
			return n, err
		}
		if len(row) != len(cols) {
			return n, fmt.Errorf("bulk load into %s: row has %d values for %d columns", table, len(row), len(cols))
		}
		for _, v := range row {
			switch x := v.(type) {
			case time.Time:
				v = instant(x)
			case Date:
				v = date(x)
			}
			args = append(args, v)
		}
		pending++
		n++
		if pending == sqliteBatch {
			if err := flush(); err != nil {
				return n, err
			}
		}
		if progress != nil && n%10_000 == 0 {
			progress(n)
		}
	}
	if err := flush(); err != nil {
		return n, err
	}
	if progress != nil {
		progress(n)
	}
	return n, nil
}

// rowsOf turns a slice into a row sequence.
func rowsOf[T any](items []T, row func(T) Row) iter.Seq2[Row, error] {
	return func(yield func(Row, error) bool) {
		for _, it := range items {
			if !yield(row(it), nil) {
				return
			}
		}
	}
}

// OrgLoad is a whole organisation to load, with its own ids.
type OrgLoad struct {
	Force    vigil.Force
	LPAs     []vigil.LPA
	Teams    []vigil.Team
	Agencies []vigil.Agency
	People   []vigil.Person
	Users    []UserLoad
}

// UserLoad is an account to load, with its own id.
type UserLoad struct {
	ID           int64
	Username     string
	PersonID     int64
	PasswordHash string // "" for none
	Roles        []vigil.Role
	Scope        vigil.Scope
	SupervisorID int64
}

// Organisation loads a whole organisation.
func (b *Bulk) Organisation(o OrgLoad) error {
	stamp := func(vals ...any) Row { return append(vals, b.now, nullIfZero(b.by), b.now, nullIfZero(b.by), 1) }
	sc := []string{"created_at", "created_by", "updated_at", "updated_by", "version"}
	cols := func(c ...string) []string { return append(c, sc...) }
	if _, err := b.Copy("forces", cols("id", "code", "name"),
		rowsOf([]vigil.Force{o.Force}, func(f vigil.Force) Row { return stamp(f.ID, f.Code, f.Name) }), nil); err != nil {
		return err
	}
	if _, err := b.Copy("lpas", cols("id", "force_id", "code", "name"),
		rowsOf(o.LPAs, func(l vigil.LPA) Row { return stamp(l.ID, l.ForceID, l.Code, l.Name) }), nil); err != nil {
		return err
	}
	if _, err := b.Copy("teams", cols("id", "force_id", "lpa_id", "code", "name", "kind"),
		rowsOf(o.Teams, func(t vigil.Team) Row {
			return stamp(t.ID, t.ForceID, nullIfZero(t.LPAID), t.Code, t.Name, string(t.Kind))
		}), nil); err != nil {
		return err
	}
	if _, err := b.Copy("agencies", cols("id", "force_id", "code", "name", "kind"),
		rowsOf(o.Agencies, func(a vigil.Agency) Row { return stamp(a.ID, a.ForceID, a.Code, a.Name, string(a.Kind)) }), nil); err != nil {
		return err
	}
	if _, err := b.Copy("people", cols("id", "force_id", "given_name", "family_name", "collar_number", "rank", "role",
		"team_id", "agency_id", "email", "active"),
		rowsOf(o.People, func(p vigil.Person) Row {
			return stamp(p.ID, p.ForceID, p.GivenName, p.FamilyName, nullIfEmpty(p.CollarNumber), string(p.Rank), p.Role,
				nullIfZero(p.TeamID), nullIfZero(p.AgencyID), nullIfEmpty(p.Email), p.Active)
		}), nil); err != nil {
		return err
	}
	// Supervisors are accounts too: load everyone, then link them.
	if _, err := b.Copy("users", cols("id", "username", "person_id", "password_hash", "scope"),
		rowsOf(o.Users, func(u UserLoad) Row {
			return stamp(u.ID, u.Username, nullIfZero(u.PersonID), nullIfEmpty(u.PasswordHash), string(u.Scope))
		}), nil); err != nil {
		return err
	}
	type grant struct {
		user int64
		role vigil.Role
	}
	var grants []grant
	for _, u := range o.Users {
		for _, r := range u.Roles {
			grants = append(grants, grant{u.ID, r})
		}
		if u.SupervisorID != 0 {
			if err := b.exec("UPDATE users SET supervisor_id = $1 WHERE id = $2", u.SupervisorID, u.ID); err != nil {
				return err
			}
		}
	}
	_, err := b.Copy("user_roles", []string{"user_id", "role", "granted_at", "granted_by"},
		rowsOf(grants, func(g grant) Row { return Row{g.user, string(g.role), b.now, nullIfZero(b.by)} }), nil)
	return err
}

// exec runs one statement in the bulk transaction.
func (b *Bulk) exec(q string, args ...any) error {
	if b.pgTx != nil {
		_, err := b.pgTx.Exec(b.ctx, q, args...)
		return err
	}
	for i, a := range args {
		if t, ok := a.(time.Time); ok {
			args[i] = instant(t)
		}
	}
	_, err := b.sqlTx.ExecContext(b.ctx, q, args...)
	return err
}

// MarkDemo records that this database holds the fictional demo force, so
// that demo conveniences never touch a real force's accounts.
func (b *Bulk) MarkDemo() error {
	return b.exec("INSERT INTO settings (name, value, updated_at, updated_by) VALUES ('demo', 'true', $1, $2)", b.now, nullIfZero(b.by))
}

// IsDemo reports whether the database holds the fictional demo force.
func (db *DB) IsDemo(ctx context.Context) (bool, error) {
	var v string
	err := db.read.QueryRowContext(ctx, "SELECT value FROM settings WHERE name = 'demo'").Scan(&v)
	if isNoRows(err) {
		return false, nil
	}
	return v == "true", db.mapErr(err)
}

// SetDemoPasswords gives every named demo account one password hash. It
// refuses unless the database is marked as holding the demo force.
func (db *DB) SetDemoPasswords(ctx context.Context, usernames []string, hash string) error {
	demo, err := db.IsDemo(ctx)
	if err != nil {
		return err
	}
	if !demo {
		return vigil.Errorf(vigil.EFORBIDDEN, "this database does not hold the demo force; its passwords are left alone")
	}
	return db.writeTx(ctx, func(tx *Tx) error {
		for _, u := range usernames {
			if _, err := tx.ExecContext(ctx, "UPDATE users SET password_hash = $1 WHERE username = $2 AND username <> 'system'", hash, u); err != nil {
				return err
			}
		}
		_, err := tx.ExecContext(ctx, "DELETE FROM sign_in_failures")
		tx.log(vigil.ActionUpdate, vigil.KindUser, nil, vigil.OutcomeOK, "demo passwords reset at start-up")
		return err
	})
}

// ChildLinks are a child's caseload, shares and restriction, for loading.
type ChildLinks struct {
	Child       vigil.Child
	Assignments [][2]int64 // team id, person id
	Shares      []vigil.Share
	Restriction *vigil.Restriction
}

// Children loads children, with their own ids, then their caseload
// assignments, shares and restrictions, each from a fresh pass over the
// (deterministic) source.
func (b *Bulk) Children(children func() iter.Seq2[ChildLinks, error], progress func(stage string, n int)) (int, error) {
	prog := func(stage string) func(int) {
		if progress == nil {
			return nil
		}
		return func(n int) { progress(stage, n) }
	}
	pass := func(row func(ChildLinks, func(Row) bool) bool) iter.Seq2[Row, error] {
		return func(yield func(Row, error) bool) {
			for c, err := range children() {
				if err != nil {
					yield(nil, err)
					return
				}
				if !row(c, func(r Row) bool { return yield(r, nil) }) {
					return
				}
			}
		}
	}
	n, err := b.Copy("children", []string{"id", "force_id", "given_name", "family_name", "other_names", "date_of_birth",
		"sex", "ethnicity", "address_line", "town", "postcode", "lpa_id", "school", "warning_markers", "social_worker",
		"looked_after", "placing_authority", "placement", "carers", "created_at", "created_by", "updated_at",
		"updated_by", "version"}, pass(func(l ChildLinks, emit func(Row) bool) bool {
		c := l.Child
		return emit(Row{c.ID, c.ForceID, c.GivenName, c.FamilyName, c.OtherNames, Date(c.DateOfBirth), string(c.Sex),
			c.Ethnicity, c.AddressLine, c.Town, c.Postcode, nullIfZero(c.LPAID), c.School, markerText(c.WarningMarkers),
			c.SocialWorker, c.LookedAfter, c.PlacingAuthority, c.Placement, c.Carers, b.now, nullIfZero(b.by), b.now,
			nullIfZero(b.by), 1})
	}), prog("children"))
	if err != nil {
		return n, err
	}
	// The search before create finds children by these keys.
	if _, err := b.Copy("child_name_keys", []string{"child_id", "name_key"}, pass(func(l ChildLinks, emit func(Row) bool) bool {
		c := l.Child
		for _, k := range vigil.NameKeys(c.GivenName, c.FamilyName, c.OtherNames) {
			if !emit(Row{c.ID, k}) {
				return false
			}
		}
		return true
	}), prog("name keys")); err != nil {
		return n, err
	}
	if _, err := b.Copy("child_assignments", []string{"child_id", "team_id", "person_id", "assigned_at", "assigned_by"},
		pass(func(l ChildLinks, emit func(Row) bool) bool {
			for _, a := range l.Assignments {
				if !emit(Row{l.Child.ID, nullIfZero(a[0]), nullIfZero(a[1]), b.now, nullIfZero(b.by)}) {
					return false
				}
			}
			return true
		}), prog("caseloads")); err != nil {
		return n, err
	}
	if _, err := b.Copy("shares", []string{"agency_id", "record_kind", "record_id", "parts", "purpose", "lawful_basis",
		"shared_by", "shared_at"}, pass(func(l ChildLinks, emit func(Row) bool) bool {
		for _, s := range l.Shares {
			if !emit(Row{s.AgencyID, "child", l.Child.ID, listText(s.Parts, func(x string) string { return x }), s.Purpose,
				s.LawfulBasis, s.SharedBy, s.SharedAt}) {
				return false
			}
		}
		return true
	}), prog("shares")); err != nil {
		return n, err
	}
	_, err = b.Copy("restrictions", []string{"record_kind", "record_id", "part", "allowed_roles", "allowed_users", "reason",
		"created_at", "created_by"}, pass(func(l ChildLinks, emit func(Row) bool) bool {
		r := l.Restriction
		if r == nil {
			return true
		}
		return emit(Row{"child", l.Child.ID, r.Part, listText(r.AllowedRoles, func(x vigil.Role) string { return string(x) }),
			listText(r.AllowedUsers, func(x int64) string { return itoa(int(x)) }), r.Reason, r.CreatedAt, r.CreatedBy})
	}), prog("restrictions"))
	return n, err
}
