-- The missing-children dashboard's statistics, kept as each step is
-- recorded (see vigil.StatEpisode): counts of episodes per London month,
-- area, measure, risk and delay bucket. And each child's latest report,
-- for the repeat-missing figures.

-- +goose Up
CREATE TABLE missing_stats (
    month {{DATE}} NOT NULL,
    lpa_id BIGINT NOT NULL,
    team_id BIGINT NOT NULL,
    measure TEXT NOT NULL,
    risk TEXT NOT NULL,
    bucket BIGINT NOT NULL,
    n BIGINT NOT NULL,
    PRIMARY KEY (month, lpa_id, team_id, measure, risk, bucket)
);

CREATE TABLE child_missing (
    child_id BIGINT NOT NULL PRIMARY KEY REFERENCES children (id),
    lpa_id BIGINT NOT NULL,
    team_id BIGINT NOT NULL,
    latest_report_at {{TIME}} NOT NULL,
    -- Episodes reported in the repeat window ending at the latest report.
    in_window INTEGER NOT NULL,
    window_days INTEGER NOT NULL
);
CREATE INDEX child_missing_latest_idx ON child_missing (latest_report_at);

-- +goose Down
DROP TABLE child_missing;
DROP TABLE missing_stats;
