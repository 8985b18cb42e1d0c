-- The access log's entries, with the ids of the records each names, are
-- written in the transaction of the work they record. The per-record
-- index (access_log_records) is derived from them and is now filled
-- behind the log, in batches, by an indexer: a list of 200 episodes
-- appends one entry instead of also inserting 200 rows at random places
-- in the largest B-tree in the database. access_log_index_head.seq is the
-- last entry indexed; "who has looked at this record" reads the index up
-- to it and the entries after it directly, so the answer is complete
-- however far behind the indexer is.

-- +goose Up
CREATE TABLE access_log_index_head (
    id BIGINT NOT NULL PRIMARY KEY CHECK (id = 1),
    seq BIGINT NOT NULL
);
-- Every entry written so far was indexed as it was written.
INSERT INTO access_log_index_head (id, seq) SELECT 1, seq FROM access_log_head WHERE id = 1;
-- The mark only moves forward and is never removed: moving it back would
-- only re-index, but moving it on past entries not indexed would hide them.
-- +vigil postgres
-- +goose StatementBegin
CREATE FUNCTION access_log_index_forward() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'UPDATE' OR NEW.seq < OLD.seq THEN
        RAISE EXCEPTION 'the access log index mark only moves forward: % refused', TG_OP;
    END IF;
    RETURN NEW;
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER access_log_index_head_forward BEFORE UPDATE OR DELETE ON access_log_index_head
    FOR EACH ROW EXECUTE FUNCTION access_log_index_forward();
CREATE TRIGGER access_log_index_head_no_truncate BEFORE TRUNCATE ON access_log_index_head
    FOR EACH STATEMENT EXECUTE FUNCTION access_log_append_only();
-- +vigil end
-- +vigil sqlite
-- +goose StatementBegin
CREATE TRIGGER access_log_index_head_forward BEFORE UPDATE ON access_log_index_head WHEN NEW.seq < OLD.seq
BEGIN SELECT RAISE(ABORT, 'the access log index mark only moves forward: UPDATE refused'); END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER access_log_index_head_no_delete BEFORE DELETE ON access_log_index_head
BEGIN SELECT RAISE(ABORT, 'the access log index mark only moves forward: DELETE refused'); END;
-- +goose StatementEnd
-- +vigil end

-- +goose Down
-- Index what the indexer had not reached, as the earlier code expects.
-- +vigil postgres
INSERT INTO access_log_records (record_kind, record_id, seq)
SELECT DISTINCT l.record_kind, ids.id::BIGINT, l.seq
FROM access_log l CROSS JOIN LATERAL unnest(string_to_array(NULLIF(l.record_ids, ''), ' ')) AS ids(id)
WHERE l.seq > (SELECT seq FROM access_log_index_head WHERE id = 1)
ON CONFLICT DO NOTHING;
DROP TRIGGER access_log_index_head_forward ON access_log_index_head;
DROP TRIGGER access_log_index_head_no_truncate ON access_log_index_head;
DROP FUNCTION access_log_index_forward();
-- +vigil end
-- +vigil sqlite
INSERT OR IGNORE INTO access_log_records (record_kind, record_id, seq)
SELECT DISTINCT l.record_kind, CAST(j.value AS INTEGER), l.seq
FROM access_log l, json_each('[' || replace(l.record_ids, ' ', ',') || ']') j
WHERE l.seq > (SELECT seq FROM access_log_index_head WHERE id = 1);
DROP TRIGGER access_log_index_head_forward;
DROP TRIGGER access_log_index_head_no_delete;
-- +vigil end
DROP TABLE access_log_index_head;
