-- Break-glass openings say what they were for (one of
-- vigil.BreakGlassPurposes) as well as why; restrictions can be lifted,
-- with a reason; entries of the access log made under break-glass are
-- marked so; and a possible match that the search before create finds but
-- the searcher may not read is remembered for a while, so that they can
-- make a new record about that child (a missing report) without opening
-- the child's other records.

-- +goose Up
ALTER TABLE break_glass ADD COLUMN purpose TEXT NOT NULL DEFAULT '';
CREATE INDEX break_glass_supervisor_idx ON break_glass (supervisor_id, reviewed_at);

ALTER TABLE restrictions ADD COLUMN lift_reason TEXT NOT NULL DEFAULT '';

ALTER TABLE access_log ADD COLUMN break_glass BOOLEAN NOT NULL DEFAULT FALSE;

CREATE TABLE held_matches (
    ref TEXT NOT NULL PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id),
    child_id BIGINT NOT NULL REFERENCES children (id),
    granted_at {{TIME}} NOT NULL,
    expires_at {{TIME}} NOT NULL,
    used_at {{TIME}}
);
CREATE INDEX held_matches_user_idx ON held_matches (user_id, expires_at);

-- +goose Down
DROP TABLE held_matches;
ALTER TABLE access_log DROP COLUMN break_glass;
ALTER TABLE restrictions DROP COLUMN lift_reason;
DROP INDEX break_glass_supervisor_idx;
ALTER TABLE break_glass DROP COLUMN purpose;
