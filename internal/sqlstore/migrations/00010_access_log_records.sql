-- "Who has looked at this record" is the only question asked of
-- access_log_records, so key the table by it: one B-tree (WITHOUT ROWID on
-- SQLite) instead of a table, its primary key and a second index. Every
-- list a user opens adds a row per record shown, so this is most of the
-- cost of writing the access log for a work queue.

-- +goose Up
-- +vigil sqlite
CREATE TABLE access_log_records_keyed (
    record_kind TEXT NOT NULL,
    record_id BIGINT NOT NULL,
    seq BIGINT NOT NULL REFERENCES access_log (seq),
    PRIMARY KEY (record_kind, record_id, seq)
) WITHOUT ROWID;
-- +vigil end
-- +vigil postgres
CREATE TABLE access_log_records_keyed (
    record_kind TEXT NOT NULL,
    record_id BIGINT NOT NULL,
    seq BIGINT NOT NULL REFERENCES access_log (seq),
    CONSTRAINT access_log_records_key PRIMARY KEY (record_kind, record_id, seq)
);
-- +vigil end
INSERT INTO access_log_records_keyed (record_kind, record_id, seq)
SELECT record_kind, record_id, seq FROM access_log_records;
DROP TABLE access_log_records;
ALTER TABLE access_log_records_keyed RENAME TO access_log_records;
-- The append-only guard, as on the table it replaces.
-- +vigil postgres
CREATE TRIGGER access_log_records_no_change BEFORE UPDATE OR DELETE ON access_log_records
    FOR EACH ROW EXECUTE FUNCTION access_log_append_only();
CREATE TRIGGER access_log_records_no_truncate BEFORE TRUNCATE ON access_log_records
    FOR EACH STATEMENT EXECUTE FUNCTION access_log_append_only();
-- +vigil end
-- +vigil sqlite
-- +goose StatementBegin
CREATE TRIGGER access_log_records_no_update BEFORE UPDATE ON access_log_records
BEGIN SELECT RAISE(ABORT, 'the access log is append-only: UPDATE refused'); END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER access_log_records_no_delete BEFORE DELETE ON access_log_records
BEGIN SELECT RAISE(ABORT, 'the access log is append-only: DELETE refused'); END;
-- +goose StatementEnd
-- +vigil end

-- +goose Down
CREATE TABLE access_log_records_old (
    seq BIGINT NOT NULL REFERENCES access_log (seq),
    record_kind TEXT NOT NULL,
    record_id BIGINT NOT NULL,
    PRIMARY KEY (seq, record_kind, record_id)
);
INSERT INTO access_log_records_old (seq, record_kind, record_id)
SELECT seq, record_kind, record_id FROM access_log_records;
DROP TABLE access_log_records;
ALTER TABLE access_log_records_old RENAME TO access_log_records;
CREATE INDEX access_log_records_idx ON access_log_records (record_kind, record_id, seq);
-- The append-only guard, as on the table it replaces.
-- +vigil postgres
CREATE TRIGGER access_log_records_no_change BEFORE UPDATE OR DELETE ON access_log_records
    FOR EACH ROW EXECUTE FUNCTION access_log_append_only();
CREATE TRIGGER access_log_records_no_truncate BEFORE TRUNCATE ON access_log_records
    FOR EACH STATEMENT EXECUTE FUNCTION access_log_append_only();
-- +vigil end
-- +vigil sqlite
-- +goose StatementBegin
CREATE TRIGGER access_log_records_no_update BEFORE UPDATE ON access_log_records
BEGIN SELECT RAISE(ABORT, 'the access log is append-only: UPDATE refused'); END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER access_log_records_no_delete BEFORE DELETE ON access_log_records
BEGIN SELECT RAISE(ABORT, 'the access log is append-only: DELETE refused'); END;
-- +goose StatementEnd
-- +vigil end
