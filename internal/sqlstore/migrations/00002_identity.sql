-- Identity, permissions and the access log.
-- Type tokens in double braces are spelled per engine (see migrate.go);
-- blocks between "+vigil postgres" (or "+vigil sqlite") and "+vigil end"
-- are kept for that engine only.

-- +goose Up
-- A user's scope decides which records their roles apply to: the whole
-- force, their LPA, their team, their own caseload, or (partner-agency
-- users) what is shared with their agency.
ALTER TABLE users ADD COLUMN scope TEXT NOT NULL DEFAULT 'team'
    CHECK (scope IN ('force', 'lpa', 'team', 'caseload', 'agency'));
-- Who is told when this user opens a record with a reason (break-glass).
ALTER TABLE users ADD COLUMN supervisor_id BIGINT REFERENCES users (id);
-- Time-based one-time passwords (RFC 6238): the shared secret, once
-- enrolled, and the last time-step used, so a code works once.
ALTER TABLE users ADD COLUMN totp_secret TEXT;
ALTER TABLE users ADD COLUMN totp_enrolled_at {{TIME}};
ALTER TABLE users ADD COLUMN totp_last_step BIGINT;

CREATE TABLE user_roles (
    user_id BIGINT NOT NULL REFERENCES users (id),
    role TEXT NOT NULL,
    granted_at {{TIME}} NOT NULL,
    granted_by BIGINT,
    PRIMARY KEY (user_id, role)
);

-- A session is "partial" after the password and before the second factor.
ALTER TABLE sessions ADD COLUMN stage TEXT NOT NULL DEFAULT 'full' CHECK (stage IN ('partial', 'full'));

-- Failed sign-ins by username, whether or not the username exists, so that
-- a locked account and an unknown one look the same.
CREATE TABLE sign_in_failures (
    username TEXT NOT NULL PRIMARY KEY,
    failures BIGINT NOT NULL,
    last_failure_at {{TIME}} NOT NULL,
    locked_until {{TIME}}
);

-- API tokens for integrations: only a hash of the token is kept.
CREATE TABLE api_tokens (
    id {{ID}},
    user_id BIGINT NOT NULL REFERENCES users (id),
    name TEXT NOT NULL,
    token_hash TEXT NOT NULL,
    created_at {{TIME}} NOT NULL,
    created_by BIGINT,
    expires_at {{TIME}},
    revoked_at {{TIME}},
    last_used_at {{TIME}}
);
CREATE UNIQUE INDEX api_tokens_hash_uq ON api_tokens (token_hash);
CREATE INDEX api_tokens_user_idx ON api_tokens (user_id);

-- Children on a team's or an officer's caseload.
CREATE TABLE child_assignments (
    id {{ID}},
    child_id BIGINT NOT NULL REFERENCES children (id),
    team_id BIGINT REFERENCES teams (id),
    person_id BIGINT REFERENCES people (id),
    assigned_at {{TIME}} NOT NULL,
    assigned_by BIGINT,
    ended_at {{TIME}},
    CHECK (team_id IS NOT NULL OR person_id IS NOT NULL)
);
CREATE INDEX child_assignments_child_idx ON child_assignments (child_id);
CREATE INDEX child_assignments_team_idx ON child_assignments (team_id, child_id);
CREATE INDEX child_assignments_person_idx ON child_assignments (person_id, child_id);

-- Sharing a record, or parts of it, with a partner agency: an explicit,
-- logged decision with its purpose and lawful basis.
CREATE TABLE shares (
    id {{ID}},
    agency_id BIGINT NOT NULL REFERENCES agencies (id),
    record_kind TEXT NOT NULL,
    record_id BIGINT NOT NULL,
    parts TEXT NOT NULL,
    purpose TEXT NOT NULL,
    lawful_basis TEXT NOT NULL,
    shared_by BIGINT NOT NULL,
    shared_at {{TIME}} NOT NULL,
    until_at {{TIME}},
    revoked_at {{TIME}},
    revoked_by BIGINT
);
CREATE INDEX shares_agency_idx ON shares (agency_id, record_kind, record_id);
CREATE INDEX shares_record_idx ON shares (record_kind, record_id);

-- Restricting a record, or a part of it (a refuge's or placement's
-- address), to named people or roles; everyone else sees it is withheld.
CREATE TABLE restrictions (
    id {{ID}},
    record_kind TEXT NOT NULL,
    record_id BIGINT NOT NULL,
    part TEXT NOT NULL,
    allowed_roles TEXT NOT NULL DEFAULT '',
    allowed_users TEXT NOT NULL DEFAULT '',
    reason TEXT NOT NULL,
    created_at {{TIME}} NOT NULL,
    created_by BIGINT NOT NULL,
    lifted_at {{TIME}},
    lifted_by BIGINT
);
CREATE INDEX restrictions_record_idx ON restrictions (record_kind, record_id);

-- Access with a reason (break-glass): a time-limited opening of one record
-- outside the user's scope.
CREATE TABLE break_glass (
    id {{ID}},
    user_id BIGINT NOT NULL REFERENCES users (id),
    record_kind TEXT NOT NULL,
    record_id BIGINT NOT NULL,
    reason TEXT NOT NULL,
    opened_at {{TIME}} NOT NULL,
    expires_at {{TIME}} NOT NULL,
    supervisor_id BIGINT,
    reviewed_at {{TIME}},
    reviewed_by BIGINT,
    review_note TEXT NOT NULL DEFAULT ''
);
CREATE INDEX break_glass_user_idx ON break_glass (user_id, record_kind, record_id);
CREATE INDEX break_glass_review_idx ON break_glass (reviewed_at, opened_at);

-- A person's notifications (a supervisor told of a break-glass opening).
CREATE TABLE notifications (
    id {{ID}},
    user_id BIGINT NOT NULL REFERENCES users (id),
    created_at {{TIME}} NOT NULL,
    kind TEXT NOT NULL,
    message TEXT NOT NULL,
    link TEXT NOT NULL DEFAULT '',
    read_at {{TIME}}
);
CREATE INDEX notifications_user_idx ON notifications (user_id, created_at);

-- Field-level change history of every record.
CREATE TABLE record_history (
    id {{ID}},
    record_kind TEXT NOT NULL,
    record_id BIGINT NOT NULL,
    at {{TIME}} NOT NULL,
    user_id BIGINT,
    action TEXT NOT NULL,
    field TEXT NOT NULL,
    before_value TEXT,
    after_value TEXT
);
CREATE INDEX record_history_record_idx ON record_history (record_kind, record_id, at);

-- The access log: append-only and hash-chained. Each entry's hash covers
-- its content and the previous entry's hash; access_log_head holds the
-- chain's head, taken last in each transaction.
CREATE TABLE access_log (
    seq BIGINT NOT NULL PRIMARY KEY,
    at {{TIME}} NOT NULL,
    user_id BIGINT,
    username TEXT NOT NULL,
    via TEXT NOT NULL,
    client TEXT NOT NULL,
    request_id TEXT NOT NULL,
    action TEXT NOT NULL,
    record_kind TEXT NOT NULL,
    record_ids TEXT NOT NULL,
    purpose TEXT NOT NULL,
    reason TEXT NOT NULL,
    outcome TEXT NOT NULL,
    team_id BIGINT,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX access_log_user_idx ON access_log (user_id, seq);
CREATE INDEX access_log_at_idx ON access_log (at);

-- One row per record an entry names, so "who has looked at this child"
-- is an index lookup. Derived from access_log.record_ids.
CREATE TABLE access_log_records (
    seq BIGINT NOT NULL REFERENCES access_log (seq),
    record_kind TEXT NOT NULL,
    record_id BIGINT NOT NULL,
    PRIMARY KEY (seq, record_kind, record_id)
);
CREATE INDEX access_log_records_idx ON access_log_records (record_kind, record_id, seq);

CREATE TABLE access_log_head (
    id BIGINT NOT NULL PRIMARY KEY CHECK (id = 1),
    seq BIGINT NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO access_log_head (id, seq, hash) VALUES (1, 0, 'vigil-access-log-genesis');

-- The database itself refuses to change or remove access-log entries.
-- +vigil postgres
-- +goose StatementBegin
CREATE FUNCTION access_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the access log is append-only: % refused', TG_OP;
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER access_log_no_change BEFORE UPDATE OR DELETE ON access_log
    FOR EACH ROW EXECUTE FUNCTION access_log_append_only();
CREATE TRIGGER access_log_no_truncate BEFORE TRUNCATE ON access_log
    FOR EACH STATEMENT EXECUTE FUNCTION access_log_append_only();
CREATE TRIGGER access_log_records_no_change BEFORE UPDATE OR DELETE ON access_log_records
    FOR EACH ROW EXECUTE FUNCTION access_log_append_only();
CREATE TRIGGER access_log_records_no_truncate BEFORE TRUNCATE ON access_log_records
    FOR EACH STATEMENT EXECUTE FUNCTION access_log_append_only();
-- +vigil end
-- +vigil sqlite
-- +goose StatementBegin
CREATE TRIGGER access_log_no_update BEFORE UPDATE ON access_log
BEGIN SELECT RAISE(ABORT, 'the access log is append-only: UPDATE refused'); END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER access_log_no_delete BEFORE DELETE ON access_log
BEGIN SELECT RAISE(ABORT, 'the access log is append-only: DELETE refused'); END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER access_log_records_no_update BEFORE UPDATE ON access_log_records
BEGIN SELECT RAISE(ABORT, 'the access log is append-only: UPDATE refused'); END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER access_log_records_no_delete BEFORE DELETE ON access_log_records
BEGIN SELECT RAISE(ABORT, 'the access log is append-only: DELETE refused'); END;
-- +goose StatementEnd
-- +vigil end

-- A mark that this database holds the fictional demo force, so that demo
-- conveniences never touch a real force's accounts.
CREATE TABLE settings (
    name TEXT NOT NULL PRIMARY KEY,
    value TEXT NOT NULL,
    updated_at {{TIME}} NOT NULL,
    updated_by BIGINT
);

-- +goose Down
DROP TABLE settings;
-- +vigil postgres
DROP TRIGGER access_log_no_change ON access_log;
DROP TRIGGER access_log_no_truncate ON access_log;
DROP TRIGGER access_log_records_no_change ON access_log_records;
DROP TRIGGER access_log_records_no_truncate ON access_log_records;
DROP FUNCTION access_log_append_only();
-- +vigil end
DROP TABLE access_log_head;
DROP TABLE access_log_records;
DROP TABLE access_log;
DROP TABLE record_history;
DROP TABLE notifications;
DROP TABLE break_glass;
DROP TABLE restrictions;
DROP TABLE shares;
DROP TABLE child_assignments;
DROP TABLE api_tokens;
DROP TABLE sign_in_failures;
DROP TABLE user_roles;
