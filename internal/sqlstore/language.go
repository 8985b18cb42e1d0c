package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/vigilcp/vigil/internal/language"
	"github.com/vigilcp/vigil/internal/vigil"
)

// Every free-text field is checked by the language checker through one
// hook, Tx.freeText, called by the store method that writes the field.
// freeTextColumns registers each such column; TestEveryFreeTextColumnIsChecked
// fails for a text column that is neither registered here nor listed as
// structured, and for a registered column whose writes store no findings.

// freeTextColumn is one free-text column of the schema.
type freeTextColumn struct {
	// Table and Column locate it; Key is "table.column".
	Table, Column string
	// Label is the field as people know it.
	Label string
	// Kind and RecordID (an SQL expression over the table's row) name the
	// record its findings belong to, shown in the language view.
	Kind     vigil.RecordKind
	RecordID string
	// Author and Written are the SQL expressions for who wrote the text
	// and when, so that a rescan counts findings against the writer's team
	// and month.
	Author, Written string
}

// Key is "table.column".
func (c freeTextColumn) Key() string { return c.Table + "." + c.Column }

// freeTextColumns are the schema's free-text columns. Later capabilities
// add theirs here (and call Tx.freeText when writing them).
var freeTextColumns = []freeTextColumn{
	{"shares", "purpose", "Sharing purpose", vigil.KindChild, "record_id", "shared_by", "shared_at"},
	{"restrictions", "reason", "Reason for restricting", vigil.KindChild, "record_id", "created_by", "created_at"},
	{"restrictions", "lift_reason", "Reason for lifting a restriction", vigil.KindChild, "record_id", "lifted_by", "lifted_at"},
	{"break_glass", "reason", "Reason for opening a record", vigil.KindChild, "record_id", "user_id", "opened_at"},
	{"break_glass", "review_note", "Review of an opening", vigil.KindChild, "record_id", "reviewed_by", "reviewed_at"},
	{"missing_episodes", "circumstances", "Circumstances", vigil.KindEpisode, "id", "created_by", "created_at"},
	{"missing_episodes", "description_clothing", "Description and clothing", vigil.KindEpisode, "id", "created_by", "created_at"},
	{"missing_episodes", "condition", "Condition when found", vigil.KindEpisode, "id", "updated_by", "found_at"},
	{"missing_episodes", "harm_suffered", "Harm suffered", vigil.KindEpisode, "id", "updated_by", "found_at"},
	{"missing_episodes", "prevention_disclosures", "Prevention interview disclosures", vigil.KindEpisode, "id", "updated_by", "prevention_at"},
	{"missing_episodes", "rhi_notes", "Return home interview notes", vigil.KindEpisode, "id", "updated_by", "updated_at"},
	{"risk_gradings", "rationale", "Risk rationale", vigil.KindEpisode, "episode_id", "graded_by", "graded_at"},
	{"risk_gradings", "ratify_reason", "Reason for changing a grading", vigil.KindEpisode, "episode_id", "ratified_by", "ratified_at"},
	{"episode_notes", "body", "Timeline entry", vigil.KindEpisode, "episode_id", "by_user", "at"},
	{"missing_plans", "summary", "Plan summary", vigil.KindChild, "child_id", "updated_by", "updated_at"},
	{"plan_actions", "action", "Plan action", vigil.KindChild, "(SELECT p.child_id FROM missing_plans p WHERE p.id = plan_id)",
		"(SELECT p.updated_by FROM missing_plans p WHERE p.id = plan_id)", "(SELECT p.updated_at FROM missing_plans p WHERE p.id = plan_id)"},
	{"child_profiles", "description", "Child's description", vigil.KindChild, "child_id", "updated_by", "updated_at"},
	{"child_profiles", "medical", "Medical", vigil.KindChild, "child_id", "updated_by", "updated_at"},
	{"child_profiles", "financial", "Money and cards", vigil.KindChild, "child_id", "updated_by", "updated_at"},
	{"child_links", "notes", "Notes on a linked person or place", vigil.KindChild, "child_id", "linked_by", "linked_at"},
	{"associates", "description", "Linked person's description", vigil.KindAssociate, "id", "created_by", "created_at"},
	{"places", "description", "Place's description", vigil.KindPlace, "id", "created_by", "created_at"},
}

func freeTextByKey(key string) freeTextColumn {
	for _, c := range freeTextColumns {
		if c.Key() == key {
			return c
		}
	}
	panic("sqlstore: " + key + " is not a registered free-text column")
}

// lexiconState is the checker in force, rebuilt when a new lexicon change
// is saved by any instance.
type lexiconState struct {
	mu      sync.Mutex
	change  int64 // id of the lexicon change built from; 0 = none
	checker *language.Checker
}

var defaultChecker = sync.OnceValues(func() (*language.Checker, error) { return language.NewChecker(language.Default()) })

// checker returns the checker in force: the embedded lexicon with the
// newest saved overrides, and the file overrides given at start-up.
func (db *DB) checker(ctx context.Context, q interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
}) (*language.Checker, error) {
	var id int64
	var doc sql.NullString
	err := q.QueryRowContext(ctx, "SELECT id, document FROM lexicon_changes ORDER BY id DESC LIMIT 1").Scan(&id, &doc)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, err
	}
	st := &db.lexicon
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.checker != nil && st.change == id {
		return st.checker, nil
	}
	lex := language.Default()
	if db.lexiconFile != nil {
		if lex, err = lex.With(*db.lexiconFile); err != nil {
			return nil, fmt.Errorf("the lexicon overrides file no longer applies: %w", err)
		}
	}
	if doc.Valid {
		o, err := language.ParseOverrides([]byte(doc.String))
		if err == nil {
			lex, err = lex.With(o)
		}
		if err != nil {
			return nil, fmt.Errorf("the saved lexicon change %d no longer applies: %w", id, err)
		}
	}
	var c *language.Checker
	if lex == language.Default() {
		c, err = defaultChecker()
	} else {
		c, err = language.NewChecker(lex)
	}
	if err != nil {
		return nil, err
	}
	st.checker, st.change = c, id
	return c, nil
}

// SetLexiconFile applies a force's overrides file (read at start-up) under
// any overrides saved in the database.
func (db *DB) SetLexiconFile(o language.Overrides) error {
	if _, err := language.Default().With(o); err != nil {
		return err
	}
	db.lexicon.mu.Lock()
	db.lexiconFile, db.lexicon.checker = &o, nil
	db.lexicon.mu.Unlock()
	return nil
}

func toTextFindings(field string, fs []language.Finding) []vigil.TextFinding {
	out := make([]vigil.TextFinding, len(fs))
	for i, f := range fs {
		out[i] = vigil.TextFinding{Field: field, Start: f.Start, End: f.End, Text: f.Text, EntryID: f.EntryID,
			Category: string(f.Category), Why: f.Why, Alternatives: f.Alternatives}
	}
	return out
}

// requireReason reads the force's setting.
func (tx *Tx) requireReason(ctx context.Context) (bool, error) {
	var v string
	err := tx.QueryRowContext(ctx, "SELECT value FROM settings WHERE name = 'language.require_reason'").Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return v == "true", err
}

// freeText is the one store hook for free-text fields: it checks the text
// with the language checker, refuses flagged wording without a reason when
// the force asks for one, and keeps the findings with the record, in place
// of the field's earlier ones. form is the field's name in the form, for a
// field error and for the writer's reason to keep the wording.
func (tx *Tx) freeText(ctx context.Context, key, form string, sourceID, recordID int64, text string) error {
	col := freeTextByKey(key)
	c, err := tx.db.checker(ctx, tx)
	if err != nil {
		return err
	}
	found := c.Check(text)
	keep := strings.TrimSpace(vigil.KeepReason(ctx, form))
	// Reasons given earlier for wording still flagged stay with it (a
	// rescan asks nobody).
	kept := map[string]string{}
	rows, err := tx.QueryContext(ctx, "SELECT entry_id, keep_reason FROM language_findings WHERE source = $1 AND source_id = $2", key, sourceID)
	if err != nil {
		return err
	}
	for rows.Next() {
		var entry, reason string
		if err := rows.Scan(&entry, &reason); err != nil {
			rows.Close()
			return err
		}
		kept[entry] = reason
	}
	if err := closeRows(rows); err != nil {
		return err
	}
	if len(found) > 0 && keep == "" && !tx.scanning {
		need, err := tx.requireReason(ctx)
		if err != nil {
			return err
		}
		if need {
			var v vigil.Validation
			v.Add(form, "%q is wording the force has asked us not to use (%s). Change it, or say why it must stay", found[0].Text, found[0].Why)
			return v.Err()
		}
	}
	if _, err := tx.ExecContext(ctx, "DELETE FROM language_findings WHERE source = $1 AND source_id = $2", key, sourceID); err != nil {
		return err
	}
	var author, team, lpa int64
	if tx.who != nil {
		author, team, lpa = tx.UserID(), tx.who.TeamID, tx.who.LPAID
	}
	at := tx.now
	if tx.written != nil {
		at = *tx.written
	}
	if tx.author != 0 {
		// A rescan: the findings are the writer's, not the scanner's.
		author = tx.author
		err := tx.QueryRowContext(ctx, `SELECT COALESCE(p.team_id, 0), COALESCE(t.lpa_id, 0) FROM users u
			LEFT JOIN people p ON p.id = u.person_id LEFT JOIN teams t ON t.id = p.team_id WHERE u.id = $1`, author).Scan(&team, &lpa)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
	}
	for _, f := range found {
		reason := keep
		if reason == "" {
			reason = kept[f.EntryID]
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO language_findings (source, source_id, record_kind, record_id, field,
			start_byte, end_byte, matched, entry_id, category, at, user_id, team_id, lpa_id, keep_reason, lexicon)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)`,
			key, sourceID, string(col.Kind), recordID, col.Label, f.Start, f.End, f.Text, f.EntryID, string(f.Category),
			instant(at), nullIfZero(author), nullIfZero(team), nullIfZero(lpa), reason, c.Lexicon().Version()); err != nil {
			return err
		}
	}
	return nil
}

// LanguageService implements vigil.LanguageService.
type LanguageService struct{ db *DB }

// NewLanguageService returns the language service on db.
func NewLanguageService(db *DB) *LanguageService { return &LanguageService{db: db} }

var _ vigil.LanguageService = (*LanguageService)(nil)

// Check implements vigil.LanguageService.
func (s *LanguageService) Check(ctx context.Context, text string) ([]vigil.TextFinding, error) {
	if vigil.PrincipalFrom(ctx) == nil {
		return nil, vigil.Errorf(vigil.EUNAUTHENTICATED, "Sign in, or send an API token, to check text")
	}
	if len(text) > 1<<20 {
		var v vigil.Validation
		v.Add("text", "Check at most 1 MB of text at a time")
		return nil, v.Err()
	}
	c, err := s.db.checker(ctx, s.db.read)
	if err != nil {
		return nil, s.db.mapErr(err)
	}
	return toTextFindings("", c.Check(text)), nil
}

// Findings implements vigil.LanguageService.
func (s *LanguageService) Findings(ctx context.Context, f vigil.FindingFilter) (vigil.Page[vigil.StoredFinding], error) {
	var page vigil.Page[vigil.StoredFinding]
	err := s.db.writeTx(ctx, func(tx *Tx) error {
		if err := tx.require(ctx, vigil.ActionList, vigil.KindLanguage); err != nil {
			return err
		}
		var err error
		if page, err = tx.findings(ctx, f); err != nil {
			return err
		}
		ids := make([]int64, len(page.Items))
		for i, x := range page.Items {
			ids[i] = x.RecordID
		}
		tx.log(vigil.ActionList, vigil.KindChild, ids, vigil.OutcomeOK, "language findings")
		return nil
	})
	if err != nil {
		return vigil.Page[vigil.StoredFinding]{}, err
	}
	return page, nil
}

// findings reads one page of language findings (the caller checks the
// permission and logs what it shows).
func (tx *Tx) findings(ctx context.Context, f vigil.FindingFilter) (vigil.Page[vigil.StoredFinding], error) {
	var page vigil.Page[vigil.StoredFinding]
	var where []string
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return "$" + itoa(len(args))
	}
	if f.TeamID != 0 {
		where = append(where, "f.team_id = "+arg(f.TeamID))
	}
	if f.LPAID != 0 {
		where = append(where, "f.lpa_id = "+arg(f.LPAID))
	}
	if f.RecordKind != "" {
		where = append(where, "f.record_kind = "+arg(string(f.RecordKind)))
	}
	if f.RecordID != 0 {
		where = append(where, "f.record_id = "+arg(f.RecordID))
	}
	if !f.From.IsZero() {
		where = append(where, "f.at >= "+arg(instant(f.From)))
	}
	if !f.To.IsZero() {
		where = append(where, "f.at < "+arg(instant(f.To)))
	}
	if f.Cursor != "" {
		var before int64
		if err := decodeCursor(f.Cursor, &before); err != nil {
			return page, err
		}
		where = append(where, "f.id < "+arg(before))
	}
	q := `SELECT f.id, f.record_kind, f.record_id, f.field, f.matched, f.entry_id, f.category, f.at, f.user_id,
		COALESCE(u.username, ''), f.team_id, f.lpa_id, f.keep_reason, f.lexicon
		FROM language_findings f LEFT JOIN users u ON u.id = f.user_id`
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	limit := f.Size()
	q += " ORDER BY f.id DESC LIMIT " + arg(limit+1)
	rows, err := tx.QueryContext(ctx, q, args...)
	if err != nil {
		return page, err
	}
	for rows.Next() {
		var x vigil.StoredFinding
		if err := rows.Scan(&x.ID, &x.RecordKind, &x.RecordID, &x.Field, &x.Text, &x.EntryID, &x.Category, scanInstant{&x.At},
			nullInt{&x.UserID}, &x.Username, nullInt{&x.TeamID}, nullInt{&x.LPAID}, &x.KeepReason, &x.Lexicon); err != nil {
			rows.Close()
			return page, err
		}
		page.Items = append(page.Items, x)
	}
	if err := closeRows(rows); err != nil {
		return page, err
	}
	if len(page.Items) > limit {
		page.Items = page.Items[:limit]
		page.Next = encodeCursor(page.Items[limit-1].ID)
	}
	return page, nil
}

// Settings implements vigil.LanguageService.
func (s *LanguageService) Settings(ctx context.Context) (vigil.LanguageSettings, error) {
	var out vigil.LanguageSettings
	err := s.db.readTx(ctx, func(tx *Tx) error {
		if vigil.PrincipalFrom(ctx) == nil {
			return vigil.Errorf(vigil.EUNAUTHENTICATED, "Sign in to continue")
		}
		var err error
		if out.RequireReason, err = tx.requireReason(ctx); err != nil {
			return err
		}
		c, err := s.db.checker(ctx, tx)
		if err != nil {
			return err
		}
		out.LexiconVersion = c.Lexicon().Version()
		return nil
	})
	return out, err
}

// SetRequireReason implements vigil.LanguageService.
func (s *LanguageService) SetRequireReason(ctx context.Context, on bool) error {
	return s.db.writeTx(ctx, func(tx *Tx) error {
		if err := tx.require(ctx, vigil.ActionUpdate, vigil.KindLanguage); err != nil {
			return err
		}
		before, err := tx.requireReason(ctx)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO settings (name, value, updated_at, updated_by) VALUES ('language.require_reason', $1, $2, $3)
			ON CONFLICT (name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at, updated_by = excluded.updated_by`,
			strconv.FormatBool(on), instant(tx.now), nullIfZero(tx.UserID())); err != nil {
			return err
		}
		tx.log(vigil.ActionUpdate, vigil.KindLanguage, nil, vigil.OutcomeOK, "require a reason to keep flagged wording: "+strconv.FormatBool(on))
		return tx.history(ctx, vigil.KindLanguage, 0, "settings", map[string]string{"require_reason": boolText(before)},
			map[string]string{"require_reason": boolText(on)})
	})
}

// Overrides implements vigil.LanguageService.
func (s *LanguageService) Overrides(ctx context.Context) (string, []vigil.LexiconChange, error) {
	var doc string
	var log []vigil.LexiconChange
	err := s.db.readTx(ctx, func(tx *Tx) error {
		if err := vigil.Require(ctx, vigil.ActionRead, vigil.KindLanguage); err != nil {
			return err
		}
		rows, err := tx.QueryContext(ctx, `SELECT c.id, c.version, c.document, c.created_at, COALESCE(c.created_by, 0), COALESCE(u.username, '')
			FROM lexicon_changes c LEFT JOIN users u ON u.id = c.created_by ORDER BY c.id DESC LIMIT 100`)
		if err != nil {
			return err
		}
		for rows.Next() {
			var c vigil.LexiconChange
			if err := rows.Scan(&c.ID, &c.Version, &c.Document, scanInstant{&c.CreatedAt}, &c.CreatedBy, &c.Username); err != nil {
				rows.Close()
				return err
			}
			log = append(log, c)
		}
		if len(log) > 0 {
			doc = log[0].Document
		}
		return closeRows(rows)
	})
	return doc, log, err
}

// SaveOverrides implements vigil.LanguageService.
func (s *LanguageService) SaveOverrides(ctx context.Context, document string) (*vigil.LexiconChange, error) {
	document = strings.TrimSpace(document)
	var out vigil.LexiconChange
	err := s.db.writeTx(ctx, func(tx *Tx) error {
		if err := tx.require(ctx, vigil.ActionUpdate, vigil.KindLanguage); err != nil {
			return err
		}
		if document == "" {
			document = "{}"
		}
		o, err := language.ParseOverrides([]byte(document))
		if err == nil {
			_, err = language.Default().With(o)
		}
		if err != nil {
			var v vigil.Validation
			v.Add("document", "%s", strings.ReplaceAll(err.Error(), "\n", "; "))
			return v.Err()
		}
		var n int64
		if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM lexicon_changes").Scan(&n); err != nil {
			return err
		}
		out = vigil.LexiconChange{Version: "change-" + strconv.FormatInt(n+1, 10), Document: document, CreatedAt: tx.now, CreatedBy: tx.UserID()}
		if o.Version != "" {
			out.Version = o.Version
		}
		if err := tx.QueryRowContext(ctx, `INSERT INTO lexicon_changes (version, document, created_at, created_by)
			VALUES ($1, $2, $3, $4) RETURNING id`, out.Version, document, instant(tx.now), nullIfZero(tx.UserID())).Scan(&out.ID); err != nil {
			return err
		}
		tx.log(vigil.ActionUpdate, vigil.KindLanguage, []int64{out.ID}, vigil.OutcomeOK, "lexicon overrides saved: "+out.Version)
		return tx.history(ctx, vigil.KindLanguage, out.ID, "lexicon", nil, map[string]string{"overrides": document})
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// Scan rechecks every stored free-text field with the lexicon in force and
// replaces its findings, reporting progress by column: after a lexicon
// change, stored text is judged by the new words. It acts as the principal
// in ctx and is one access-log entry per column.
func (db *DB) Scan(ctx context.Context, progress func(column string, done, total int)) (int, error) {
	total := 0
	for _, col := range freeTextColumns {
		type row struct {
			id, record, author int64
			written            *time.Time
			text               string
		}
		var count int
		if err := db.read.QueryRowContext(ctx, "SELECT count(*) FROM "+col.Table).Scan(&count); err != nil {
			return total, db.mapErr(err)
		}
		// A page of rows at a time, by id: only rows with wording flagged
		// now, or findings kept from before, are written.
		const batch = 2000
		done := 0
		for last := int64(0); ; {
			var rows []row
			stored := map[int64]bool{}
			err := db.readTx(ctx, func(tx *Tx) error {
				rs, err := tx.QueryContext(ctx, fmt.Sprintf("SELECT id, %s, COALESCE(%s, 0), %s, COALESCE(%s, '') FROM %s WHERE id > $1 ORDER BY id LIMIT %d",
					col.RecordID, col.Author, col.Written, col.Column, col.Table, batch), last)
				if err != nil {
					return err
				}
				for rs.Next() {
					var r row
					if err := rs.Scan(&r.id, &r.record, &r.author, scanNullInstant{&r.written}, &r.text); err != nil {
						rs.Close()
						return err
					}
					rows = append(rows, r)
				}
				if err := closeRows(rs); err != nil || len(rows) == 0 {
					return err
				}
				rs, err = tx.QueryContext(ctx, "SELECT DISTINCT source_id FROM language_findings WHERE source = $1 AND source_id BETWEEN $2 AND $3",
					col.Key(), rows[0].id, rows[len(rows)-1].id)
				if err != nil {
					return err
				}
				for rs.Next() {
					var id int64
					if err := rs.Scan(&id); err != nil {
						rs.Close()
						return err
					}
					stored[id] = true
				}
				return closeRows(rs)
			})
			if err != nil {
				return total, db.mapErr(err)
			}
			if len(rows) == 0 {
				break
			}
			last = rows[len(rows)-1].id
			err = db.writeTx(ctx, func(tx *Tx) error {
				if err := tx.require(ctx, vigil.ActionUpdate, vigil.KindLanguage); err != nil {
					return err
				}
				c, err := tx.db.checker(ctx, tx)
				if err != nil {
					return err
				}
				tx.scanning = true
				ids := make([]int64, 0, len(rows))
				for _, r := range rows {
					ids = append(ids, r.record)
					if !stored[r.id] && len(c.Check(r.text)) == 0 {
						continue
					}
					tx.author, tx.written = r.author, r.written
					if err := tx.freeText(ctx, col.Key(), "", r.id, r.record, r.text); err != nil {
						return err
					}
				}
				slices.Sort(ids)
				tx.log(vigil.ActionUpdate, col.Kind, slices.Compact(ids), vigil.OutcomeOK, "language scan of "+col.Key())
				return nil
			})
			if err != nil {
				return total, err
			}
			done += len(rows)
			total += len(rows)
			if progress != nil {
				progress(col.Key(), done, count)
			}
		}
		if progress != nil && done == 0 {
			progress(col.Key(), 0, 0)
		}
	}
	return total, nil
}
