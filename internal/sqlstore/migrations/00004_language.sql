-- The language checker: findings kept with their records, and the force's
-- changes to the lexicon. Type tokens are spelled per engine (migrate.go).

-- +goose Up
-- Wording the checker flagged in a free-text field, kept with the record
-- it belongs to (a child, for a share's purpose). A field's findings are
-- replaced whenever it is written or rescanned.
CREATE TABLE language_findings (
    id {{ID}},
    source TEXT NOT NULL,
    source_id BIGINT NOT NULL,
    record_kind TEXT NOT NULL,
    record_id BIGINT NOT NULL,
    field TEXT NOT NULL,
    start_byte BIGINT NOT NULL,
    end_byte BIGINT NOT NULL,
    matched TEXT NOT NULL,
    entry_id TEXT NOT NULL,
    category TEXT NOT NULL,
    at {{TIME}} NOT NULL,
    user_id BIGINT,
    team_id BIGINT,
    lpa_id BIGINT,
    keep_reason TEXT NOT NULL DEFAULT '',
    lexicon TEXT NOT NULL
);
CREATE INDEX language_findings_source_idx ON language_findings (source, source_id);
CREATE INDEX language_findings_record_idx ON language_findings (record_kind, record_id);
CREATE INDEX language_findings_at_idx ON language_findings (at);

-- Each saved version of the force's lexicon overrides (entries added or
-- switched off); the newest is in force. Old rows are the change log.
CREATE TABLE lexicon_changes (
    id {{ID}},
    version TEXT NOT NULL,
    document TEXT NOT NULL,
    created_at {{TIME}} NOT NULL,
    created_by BIGINT
);

-- +goose Down
DROP TABLE lexicon_changes;
DROP TABLE language_findings;
