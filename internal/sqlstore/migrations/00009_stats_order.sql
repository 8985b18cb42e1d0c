-- The dashboard adds up the statistics by month, measure, risk and
-- bucket over every area (or one LPA or team): keyed in that order, the
-- rows come out of the key already grouped, so neither engine sorts or
-- hashes tens of thousands of groups (SQLite keeps the rows in the key
-- itself: WITHOUT ROWID). And the repeat-missing count reads everything it
-- needs of child_missing from one index.

-- +goose Up
-- +vigil sqlite
CREATE TABLE missing_stats_keyed (
    month {{DATE}} NOT NULL,
    measure TEXT NOT NULL,
    risk TEXT NOT NULL,
    bucket BIGINT NOT NULL,
    lpa_id BIGINT NOT NULL,
    team_id BIGINT NOT NULL,
    n BIGINT NOT NULL,
    PRIMARY KEY (month, measure, risk, bucket, lpa_id, team_id)
) WITHOUT ROWID;
-- +vigil end
-- +vigil postgres
CREATE TABLE missing_stats_keyed (
    month {{DATE}} NOT NULL,
    measure TEXT NOT NULL,
    risk TEXT NOT NULL,
    bucket BIGINT NOT NULL,
    lpa_id BIGINT NOT NULL,
    team_id BIGINT NOT NULL,
    n BIGINT NOT NULL,
    CONSTRAINT missing_stats_key PRIMARY KEY (month, measure, risk, bucket, lpa_id, team_id) INCLUDE (n)
);
-- +vigil end
INSERT INTO missing_stats_keyed (month, measure, risk, bucket, lpa_id, team_id, n)
SELECT month, measure, risk, bucket, lpa_id, team_id, n FROM missing_stats;
DROP TABLE missing_stats;
ALTER TABLE missing_stats_keyed RENAME TO missing_stats;
DROP INDEX child_missing_latest_idx;
CREATE INDEX child_missing_window_idx ON child_missing (latest_report_at, in_window, child_id, lpa_id, team_id);

-- +goose Down
DROP INDEX child_missing_window_idx;
CREATE INDEX child_missing_latest_idx ON child_missing (latest_report_at);
-- +vigil sqlite
CREATE TABLE missing_stats_old (
    month {{DATE}} NOT NULL,
    lpa_id BIGINT NOT NULL,
    team_id BIGINT NOT NULL,
    measure TEXT NOT NULL,
    risk TEXT NOT NULL,
    bucket BIGINT NOT NULL,
    n BIGINT NOT NULL,
    PRIMARY KEY (month, lpa_id, team_id, measure, risk, bucket)
);
-- +vigil end
-- +vigil postgres
CREATE TABLE missing_stats_old (
    month {{DATE}} NOT NULL,
    lpa_id BIGINT NOT NULL,
    team_id BIGINT NOT NULL,
    measure TEXT NOT NULL,
    risk TEXT NOT NULL,
    bucket BIGINT NOT NULL,
    n BIGINT NOT NULL,
    PRIMARY KEY (month, lpa_id, team_id, measure, risk, bucket)
);
-- +vigil end
INSERT INTO missing_stats_old SELECT month, lpa_id, team_id, measure, risk, bucket, n FROM missing_stats;
DROP TABLE missing_stats;
ALTER TABLE missing_stats_old RENAME TO missing_stats;
