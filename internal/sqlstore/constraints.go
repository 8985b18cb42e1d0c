package sqlstore

import (
	"strings"

	"github.com/vigilcp/vigil/internal/vigil"
)

// A rule of the data that a SELECT alone cannot hold (two transactions at
// once both find nothing, then both write) is held by the database: a
// unique partial index on both engines, or on PostgreSQL an exclusion or
// check constraint where SQLite has a trigger in its place. The store still
// checks first, for a clear answer before any work, and gives the same
// refusal the database's own would map to, so a client is told the same
// words on both engines whether its request lost a race or came late.
// A capability adding such a rule names its constraint (or index, or the
// message its SQLite trigger raises, which starts with the name) here.

// dataRule is one rule the database holds, by the name of its constraint.
type dataRule struct {
	// name is the constraint's or index's name, which PostgreSQL reports
	// and SQLite's trigger raises as the start of its message.
	name string
	// sqliteUnique is how SQLite names a unique index's columns when it
	// refuses a row ("table.column, ..."), for rules held by one; "" for
	// the rest.
	sqliteUnique string
	code         string
	// field is where the request broke the rule ("" for no one field).
	field   string
	message string
}

// Rules of missing children (migration 00015).
var (
	ruleOneOpenEpisode = dataRule{name: "missing_episodes_one_open", sqliteUnique: "missing_episodes.child_id", code: vigil.ECONFLICT,
		field: "child_id", message: "This child already has an open missing episode: update that one"}
	ruleNoOverlap = dataRule{name: "missing_episodes_no_overlap", code: vigil.ECONFLICT, field: "last_seen_at",
		message: "This child was still missing then, on an earlier episode: the episodes would overlap"}
	ruleFoundAfterLastSeen = dataRule{name: "missing_episodes_found_after_last_seen", code: vigil.EINVALID, field: "found_at",
		message: "The time found cannot be before the child was last seen"}
	ruleOneActivePlan = dataRule{name: "missing_plans_one_active", sqliteUnique: "missing_plans.child_id", code: vigil.ECONFLICT,
		message: "This child already has an active plan: review or end that one"}
)

// dataRules are every rule the database holds, for mapErr.
var dataRules = []dataRule{ruleOneOpenEpisode, ruleNoOverlap, ruleFoundAfterLastSeen, ruleOneActivePlan}

// broken is the refusal of a request that breaks the rule, cause the
// driver's error (or nil when the store's own check found it first).
func (r dataRule) broken(cause error) *vigil.Error {
	e := &vigil.Error{Code: r.code, Message: r.message, Err: cause}
	if r.field != "" {
		e.Fields = []vigil.FieldError{{Field: r.field, Message: r.message}}
	}
	return e
}

// ruleByConstraint finds the rule a PostgreSQL constraint holds.
func ruleByConstraint(name string) (dataRule, bool) {
	for _, r := range dataRules {
		if r.name == name {
			return r, true
		}
	}
	return dataRule{}, false
}

// ruleBySQLiteMessage finds the rule a SQLite refusal is about: a unique
// index's columns ("UNIQUE constraint failed: missing_plans.child_id"), or
// a trigger's message, which starts with the rule's name.
func ruleBySQLiteMessage(msg string) (dataRule, bool) {
	for _, r := range dataRules {
		if strings.Contains(msg, r.name+": ") {
			return r, true
		}
		if r.sqliteUnique == "" {
			continue
		}
		_, after, ok := strings.Cut(msg, "UNIQUE constraint failed: "+r.sqliteUnique)
		// The whole list of columns, not the start of a longer one.
		if ok && (after == "" || after[0] == ' ') {
			return r, true
		}
	}
	return dataRule{}, false
}
