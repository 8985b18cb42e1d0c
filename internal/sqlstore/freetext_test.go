package sqlstore

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/vigilcp/vigil/internal/password"
)

// Every text column of the schema is one of three things: free text,
// which the language checker checks (freeTextColumns); structured text —
// names, codes, enums, hashes, times — which it need not; or text derived
// from a checked field or meant to quote flagged wording. A new column
// must be put in one of them, or this test fails.

var structuredText = []string{
	// Names and codes of the organisation, people and accounts.
	"forces.code", "forces.name", "lpas.code", "lpas.name", "teams.code", "teams.name", "teams.kind",
	"agencies.code", "agencies.name", "agencies.kind", "people.given_name", "people.family_name", "people.collar_number",
	"people.rank", "people.role", "people.email", "users.username", "users.scope", "user_roles.role",
	"children.given_name", "children.family_name", "children.other_names", "children.sex", "children.ethnicity",
	"children.address_line", "children.town", "children.postcode",
	// Secrets and hashes.
	"users.password_hash", "users.totp_secret", "sessions.token_hash", "sessions.stage", "api_tokens.name", "api_tokens.token_hash",
	"sign_in_failures.username", "sso_identities.issuer", "sso_identities.subject", "sso_identities.email",
	"sso_attempts.state_hash", "sso_attempts.browser_hash", "sso_attempts.nonce", "sso_attempts.verifier", "sso_attempts.next_path",
	// Enumerations and lists of codes.
	"shares.record_kind", "shares.parts", "shares.lawful_basis", "restrictions.record_kind", "restrictions.part",
	"restrictions.allowed_roles", "restrictions.allowed_users", "break_glass.record_kind", "break_glass.purpose", "held_matches.ref", "notifications.kind", "notifications.link",
	"record_history.record_kind", "record_history.action", "record_history.field", "settings.name",
	"access_log_records.record_kind", "access_log_head.hash", "language_findings.source", "language_findings.record_kind",
	"language_findings.field", "language_findings.entry_id", "language_findings.category", "language_findings.lexicon",
	"lexicon_changes.version",
	// Missing children: names of people, places and schools, and codes.
	"children.school", "children.warning_markers", "children.social_worker", "children.placing_authority", "children.placement",
	"children.carers", "missing_episodes.status", "missing_episodes.reporter_name", "missing_episodes.reporter_contact",
	"missing_episodes.reporter_relation", "missing_episodes.last_seen_place", "missing_episodes.risk", "missing_episodes.first_risk",
	"missing_episodes.found_place", "missing_episodes.found_by", "missing_episodes.exploitation_indicators", "risk_gradings.level",
	"risk_gradings.factors", "risk_gradings.ratified_level", "episode_notes.kind", "missing_plans.agencies", "plan_actions.owner",
	"missing_stats.measure", "missing_stats.risk",
	"child_profiles.photo_ref", "child_profiles.phones", "child_profiles.social_media", "child_profiles.kept_by",
	"associates.name", "places.name", "places.postcode", "child_links.relation",
}

// derivedText is written by people but is a copy of a checked field, or
// exists to talk about flagged wording, so checking it again would only
// repeat (or report) the same findings.
var derivedText = map[string]string{
	"notifications.message":         "quotes a break-glass reason, which is checked",
	"record_history.before_value":   "copies of fields as they were",
	"record_history.after_value":    "copies of fields as written",
	"access_log.username":           "the access log records what was done, verbatim",
	"access_log.via":                "the access log records what was done, verbatim",
	"access_log.client":             "the access log records what was done, verbatim",
	"access_log.request_id":         "the access log records what was done, verbatim",
	"access_log.action":             "the access log records what was done, verbatim",
	"access_log.record_kind":        "the access log records what was done, verbatim",
	"access_log.record_ids":         "the access log records what was done, verbatim",
	"access_log.purpose":            "the access log records what was done, verbatim",
	"access_log.reason":             "the access log records what was done, verbatim",
	"access_log.outcome":            "the access log records what was done, verbatim",
	"access_log.prev_hash":          "the access log's chain",
	"access_log.hash":               "the access log's chain",
	"language_findings.matched":     "the flagged wording itself",
	"language_findings.keep_reason": "explains why flagged wording stays: it quotes it",
	"lexicon_changes.document":      "the lexicon: it lists the wording to flag",
	"settings.value":                "configuration values",
	"child_name_keys.name_key":      "search keys made from the child's names",
	"link_name_keys.name_key":       "search keys made from linked people's and places' names",
}

func isTime(col string) bool {
	name := col[strings.IndexByte(col, '.')+1:]
	return name == "at" || strings.HasSuffix(name, "_at") || name == "date_of_birth" || name == "locked_until" ||
		name == "last_failure_at" || name == "review_by" || name == "month"
}

func TestEveryTextColumnIsClassified(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "v.db"), Options{Hasher: password.Hasher{Params: password.Cheap}})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	tables, err := db.read.QueryContext(ctx, "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> 'goose_db_version'")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for tables.Next() {
		var n string
		tables.Scan(&n)
		names = append(names, n)
	}
	tables.Close()
	var free []string
	for _, c := range freeTextColumns {
		free = append(free, c.Key())
	}
	seen := 0
	for _, table := range names {
		rows, err := db.read.QueryContext(ctx, "SELECT name, type FROM pragma_table_info($1)", table)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var col, typ string
			if err := rows.Scan(&col, &typ); err != nil {
				t.Fatal(err)
			}
			key := table + "." + col
			if !strings.EqualFold(typ, "TEXT") || isTime(key) {
				continue
			}
			seen++
			n := 0
			for _, in := range []bool{slices.Contains(free, key), slices.Contains(structuredText, key), derivedText[key] != ""} {
				if in {
					n++
				}
			}
			switch {
			case n == 0:
				t.Errorf("text column %s is not classified: register it in freeTextColumns (and check it with Tx.freeText), or list it as structured or derived", key)
			case n > 1:
				t.Errorf("text column %s is classified twice", key)
			}
		}
		rows.Close()
	}
	if seen < 80 {
		t.Fatalf("only %d text columns found: the schema inspection is not working", seen)
	}
}
