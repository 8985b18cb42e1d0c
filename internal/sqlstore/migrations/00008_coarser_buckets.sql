-- Coarser delay buckets for the missing-children statistics (see
-- vigil.Bucket): to the minute up to an hour, five minutes up to six hours,
-- fifteen minutes up to a day, the hour up to a week, the day beyond. Every
-- boundary of the new scheme is one of the old (minutes up to two hours,
-- five minutes up to a day, hours beyond), so each kept count moves to the
-- new bucket its old bucket falls in, and no episode need be read again.
-- The "not yet" bucket (2^40) stays as it is.

-- +goose Up
CREATE TABLE missing_stats_rebucketed (
    month {{DATE}} NOT NULL,
    lpa_id BIGINT NOT NULL,
    team_id BIGINT NOT NULL,
    measure TEXT NOT NULL,
    risk TEXT NOT NULL,
    bucket BIGINT NOT NULL,
    n BIGINT NOT NULL
);
INSERT INTO missing_stats_rebucketed (month, lpa_id, team_id, measure, risk, bucket, n)
SELECT month, lpa_id, team_id, measure, risk, b, SUM(n) FROM (
    SELECT month, lpa_id, team_id, measure, risk, n, CASE
        WHEN bucket <= 60 OR bucket >= 1099511627776 THEN bucket
        WHEN bucket <= 360 THEN (bucket + 4) / 5 * 5
        WHEN bucket <= 1440 THEN (bucket + 14) / 15 * 15
        WHEN bucket <= 10080 THEN (bucket + 59) / 60 * 60
        ELSE (bucket + 1439) / 1440 * 1440 END AS b
    FROM missing_stats) s
GROUP BY month, lpa_id, team_id, measure, risk, b;
DELETE FROM missing_stats;
INSERT INTO missing_stats (month, lpa_id, team_id, measure, risk, bucket, n)
SELECT month, lpa_id, team_id, measure, risk, bucket, n FROM missing_stats_rebucketed;
DROP TABLE missing_stats_rebucketed;

-- +goose Down
-- Finer buckets cannot be recovered from coarser ones: recount with
-- `vigil demo` into a new database, or keep the coarser counts (the
-- earlier code reads them, with percentiles rounded up further).
SELECT 1;
