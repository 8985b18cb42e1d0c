-- The "at most one" rules of missing children are held by the database
-- itself, so that two clients at the same moment cannot both pass a check
-- made by a SELECT (PostgreSQL runs them side by side under READ
-- COMMITTED): a child has at most one open episode and at most one active
-- plan (unique partial indexes, on both engines); a child's episodes do not
-- overlap in time, each spanning from its last sighting up to (not
-- including) when the child was found, open-ended while missing (an
-- exclusion constraint on PostgreSQL, with btree_gist; triggers inside the
-- write transaction on SQLite, whose one writer holds the lock from BEGIN);
-- and no child is found before they were last seen. The store maps each
-- one's violation to the same refusal its own check gives (constraints.go).
-- Type tokens in double braces are spelled per engine (see migrate.go);
-- blocks between "+vigil postgres" (or "+vigil sqlite") and "+vigil end"
-- are kept for that engine only.

-- +goose Up
-- A database written before these rules may already break them (two
-- simultaneous reports of one child on PostgreSQL, say). Then this
-- migration stops, changing nothing, and names the records; they must be
-- put right before migrating again.
-- +vigil postgres
-- +goose StatementBegin
DO $$
DECLARE
    problems TEXT;
BEGIN
    WITH open_twice AS (
        SELECT child_id, 'child ' || child_id || ': episodes ' || string_agg(id::text, ', ' ORDER BY id) AS line
        FROM missing_episodes WHERE status = 'open' GROUP BY child_id HAVING count(*) > 1
    ), found_early AS (
        SELECT child_id, 'episode ' || id || ' of child ' || child_id AS line
        FROM missing_episodes WHERE found_at < last_seen_at
    ), overlapping AS (
        SELECT a.child_id, 'child ' || a.child_id || ': episodes ' || a.id || ' and ' || b.id AS line
        FROM missing_episodes a JOIN missing_episodes b ON b.child_id = a.child_id AND b.id > a.id
        WHERE NOT (a.status = 'open' AND b.status = 'open')
          AND (a.found_at IS NULL OR a.found_at > a.last_seen_at) AND (b.found_at IS NULL OR b.found_at > b.last_seen_at)
          AND (a.found_at IS NULL OR b.last_seen_at < a.found_at) AND (b.found_at IS NULL OR a.last_seen_at < b.found_at)
    ), active_twice AS (
        SELECT child_id, 'child ' || child_id || ': plans ' || string_agg(id::text, ', ' ORDER BY id) AS line
        FROM missing_plans WHERE ended_at IS NULL GROUP BY child_id HAVING count(*) > 1
    ), listed AS (
        SELECT 1 AS rule, line, row_number() OVER (ORDER BY child_id, line) AS n, count(*) OVER () AS total FROM open_twice
        UNION ALL
        SELECT 2, line, row_number() OVER (ORDER BY child_id, line), count(*) OVER () FROM overlapping
        UNION ALL
        SELECT 3, line, row_number() OVER (ORDER BY child_id, line), count(*) OVER () FROM found_early
        UNION ALL
        SELECT 4, line, row_number() OVER (ORDER BY child_id, line), count(*) OVER () FROM active_twice
    ), rules AS (
        SELECT rule, CASE rule
                WHEN 1 THEN 'children with more than one open missing episode ('
                WHEN 2 THEN 'episodes of one child that overlap in time ('
                WHEN 3 THEN 'episodes whose child was found before they were last seen ('
                ELSE 'children with more than one active plan ('
            END || string_agg(line, '; ' ORDER BY n) FILTER (WHERE n <= 20)
            || CASE WHEN max(total) > 20 THEN '; and ' || (max(total) - 20) || ' more' ELSE '' END || ')' AS text
        FROM listed GROUP BY rule
    )
    SELECT string_agg(text, '; ' ORDER BY rule) INTO problems FROM rules;
    IF problems IS NOT NULL THEN
        RAISE EXCEPTION 'the missing-children records break rules this version of Vigil holds in the database (a child has at most one open episode and one active plan, and their episodes do not overlap): %. Put each right with the Vigil you are upgrading from, then migrate again: record the child found on an episode left open after they came back, and end a plan no longer in force; where one disappearance was recorded twice, or its times were entered wrongly, your database administrator must correct the record by hand (see "Missing children" in the README)', problems;
    END IF;
END
$$;
-- +goose StatementEnd
-- +vigil end
-- +vigil sqlite
CREATE TEMP TABLE missing_rules_check (problems TEXT NOT NULL);
-- +goose StatementBegin
CREATE TEMP TRIGGER missing_rules_check_stop BEFORE INSERT ON missing_rules_check
BEGIN SELECT RAISE(ABORT, 'the missing-children records break rules this version of Vigil holds in the database ' ||
    '(a child has at most one open episode and one active plan, and their episodes do not overlap): ' || NEW.problems ||
    '. Put each right with the Vigil you are upgrading from, then migrate again: record the child found on an episode ' ||
    'left open after they came back, and end a plan no longer in force; where one disappearance was recorded twice, ' ||
    'or its times were entered wrongly, your database administrator must correct the record by hand ' ||
    '(see "Missing children" in the README)'); END;
-- +goose StatementEnd
INSERT INTO missing_rules_check (problems)
WITH open_twice AS (
    SELECT child_id, 'child ' || child_id || ': episodes ' || group_concat(id, ', ' ORDER BY id) AS line
    FROM missing_episodes WHERE status = 'open' GROUP BY child_id HAVING count(*) > 1
), found_early AS (
    SELECT child_id, 'episode ' || id || ' of child ' || child_id AS line
    FROM missing_episodes WHERE found_at < last_seen_at
), overlapping AS (
    SELECT a.child_id, 'child ' || a.child_id || ': episodes ' || a.id || ' and ' || b.id AS line
    FROM missing_episodes a JOIN missing_episodes b ON b.child_id = a.child_id AND b.id > a.id
    WHERE NOT (a.status = 'open' AND b.status = 'open')
      AND (a.found_at IS NULL OR a.found_at > a.last_seen_at) AND (b.found_at IS NULL OR b.found_at > b.last_seen_at)
      AND (a.found_at IS NULL OR b.last_seen_at < a.found_at) AND (b.found_at IS NULL OR a.last_seen_at < b.found_at)
), active_twice AS (
    SELECT child_id, 'child ' || child_id || ': plans ' || group_concat(id, ', ' ORDER BY id) AS line
    FROM missing_plans WHERE ended_at IS NULL GROUP BY child_id HAVING count(*) > 1
), listed AS (
    SELECT 1 AS rule, line, row_number() OVER (ORDER BY child_id, line) AS n, count(*) OVER () AS total FROM open_twice
    UNION ALL
    SELECT 2, line, row_number() OVER (ORDER BY child_id, line), count(*) OVER () FROM overlapping
    UNION ALL
    SELECT 3, line, row_number() OVER (ORDER BY child_id, line), count(*) OVER () FROM found_early
    UNION ALL
    SELECT 4, line, row_number() OVER (ORDER BY child_id, line), count(*) OVER () FROM active_twice
), rules AS (
    SELECT rule, CASE rule
            WHEN 1 THEN 'children with more than one open missing episode ('
            WHEN 2 THEN 'episodes of one child that overlap in time ('
            WHEN 3 THEN 'episodes whose child was found before they were last seen ('
            ELSE 'children with more than one active plan ('
        END || group_concat(CASE WHEN n <= 20 THEN line END, '; ' ORDER BY n)
        || CASE WHEN max(total) > 20 THEN '; and ' || (max(total) - 20) || ' more' ELSE '' END || ')' AS text
    FROM listed GROUP BY rule
)
SELECT group_concat(text, '; ' ORDER BY rule) FROM rules HAVING count(*) > 0;
DROP TRIGGER missing_rules_check_stop;
DROP TABLE missing_rules_check;
-- +vigil end

-- At most one open episode and one active plan per child. The unique index
-- comes before the exclusion constraint: PostgreSQL checks a row's indexes
-- in the order they were made, so two open episodes of one child are
-- refused by this rule, not as an overlap.
CREATE UNIQUE INDEX missing_episodes_one_open ON missing_episodes (child_id) WHERE status = 'open';
CREATE UNIQUE INDEX missing_plans_one_active ON missing_plans (child_id) WHERE ended_at IS NULL;

-- +vigil postgres
ALTER TABLE missing_episodes ADD CONSTRAINT missing_episodes_found_after_last_seen
    CHECK (found_at IS NULL OR found_at >= last_seen_at);
-- btree_gist lets a GiST index compare child_id with "="; it is a trusted
-- extension, so the database's owner may create it without a superuser.
CREATE EXTENSION IF NOT EXISTS btree_gist;
ALTER TABLE missing_episodes ADD CONSTRAINT missing_episodes_no_overlap
    EXCLUDE USING gist (child_id WITH =, tstzrange(last_seen_at, found_at) WITH &&);
-- +vigil end
-- +vigil sqlite
-- The same rules as PostgreSQL's constraint, in the same order: found
-- after last seen, then no overlap with another episode of the child
-- (empty spans, found the moment last seen, overlap nothing; two open
-- episodes are the unique index's to refuse).
-- +goose StatementBegin
CREATE TRIGGER missing_episodes_rules_on_insert BEFORE INSERT ON missing_episodes
BEGIN
    SELECT RAISE(ABORT, 'missing_episodes_found_after_last_seen: the child cannot be found before they were last seen')
    WHERE NEW.found_at < NEW.last_seen_at;
    SELECT RAISE(ABORT, 'missing_episodes_no_overlap: a child''s missing episodes may not overlap in time')
    WHERE (NEW.found_at IS NULL OR NEW.found_at > NEW.last_seen_at) AND EXISTS (
        SELECT 1 FROM missing_episodes o WHERE o.child_id = NEW.child_id
          AND NOT (o.status = 'open' AND NEW.status = 'open')
          AND (o.found_at IS NULL OR o.found_at > o.last_seen_at)
          AND (o.found_at IS NULL OR NEW.last_seen_at < o.found_at) AND (NEW.found_at IS NULL OR o.last_seen_at < NEW.found_at));
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER missing_episodes_rules_on_update BEFORE UPDATE OF child_id, status, last_seen_at, found_at ON missing_episodes
BEGIN
    SELECT RAISE(ABORT, 'missing_episodes_found_after_last_seen: the child cannot be found before they were last seen')
    WHERE NEW.found_at < NEW.last_seen_at;
    SELECT RAISE(ABORT, 'missing_episodes_no_overlap: a child''s missing episodes may not overlap in time')
    WHERE (NEW.found_at IS NULL OR NEW.found_at > NEW.last_seen_at) AND EXISTS (
        SELECT 1 FROM missing_episodes o WHERE o.child_id = NEW.child_id AND o.id <> NEW.id
          AND NOT (o.status = 'open' AND NEW.status = 'open')
          AND (o.found_at IS NULL OR o.found_at > o.last_seen_at)
          AND (o.found_at IS NULL OR NEW.last_seen_at < o.found_at) AND (NEW.found_at IS NULL OR o.last_seen_at < NEW.found_at));
END;
-- +goose StatementEnd
-- +vigil end

-- +goose Down
-- +vigil postgres
ALTER TABLE missing_episodes DROP CONSTRAINT missing_episodes_no_overlap;
ALTER TABLE missing_episodes DROP CONSTRAINT missing_episodes_found_after_last_seen;
-- +vigil end
-- +vigil sqlite
DROP TRIGGER missing_episodes_rules_on_update;
DROP TRIGGER missing_episodes_rules_on_insert;
-- +vigil end
DROP INDEX missing_plans_one_active;
DROP INDEX missing_episodes_one_open;
