-- Missing children: the child's profile, episodes from report to closure,
-- and multi-agency plans for children who go missing again and again.
-- Type tokens are spelled per engine (see migrate.go).

-- +goose Up
ALTER TABLE children ADD COLUMN school TEXT NOT NULL DEFAULT '';
ALTER TABLE children ADD COLUMN warning_markers TEXT NOT NULL DEFAULT '';
ALTER TABLE children ADD COLUMN social_worker TEXT NOT NULL DEFAULT '';
ALTER TABLE children ADD COLUMN looked_after BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE children ADD COLUMN placing_authority TEXT NOT NULL DEFAULT '';
ALTER TABLE children ADD COLUMN placement TEXT NOT NULL DEFAULT '';
ALTER TABLE children ADD COLUMN carers TEXT NOT NULL DEFAULT '';
-- Search keys for each of a child's names (the name as letters, its
-- usual full form for a nickname, and a sound-alike code), so that the
-- search before a new report finds one child spelt several ways (see
-- vigil.NameKeys).
CREATE TABLE child_name_keys (
    child_id BIGINT NOT NULL REFERENCES children (id),
    name_key TEXT NOT NULL,
    PRIMARY KEY (child_id, name_key)
);
CREATE INDEX child_name_keys_key_idx ON child_name_keys (name_key);

CREATE TABLE missing_episodes (
    id {{ID}},
    child_id BIGINT NOT NULL REFERENCES children (id),
    status TEXT NOT NULL CHECK (status IN ('open', 'found', 'closed')),
    lpa_id BIGINT NOT NULL REFERENCES lpas (id),
    team_id BIGINT REFERENCES teams (id),
    reported_at {{TIME}} NOT NULL,
    reporter_name TEXT NOT NULL,
    reporter_contact TEXT NOT NULL DEFAULT '',
    reporter_relation TEXT NOT NULL DEFAULT '',
    last_seen_at {{TIME}} NOT NULL,
    last_seen_place TEXT NOT NULL DEFAULT '',
    circumstances TEXT NOT NULL,
    description_clothing TEXT NOT NULL DEFAULT '',
    risk TEXT NOT NULL CHECK (risk IN ('very_low', 'low', 'medium', 'high', 'no_apparent_risk')),
    first_risk TEXT NOT NULL,
    graded_at {{TIME}} NOT NULL,
    ratified_at {{TIME}},
    ratify_due_at {{TIME}},
    review_by {{TIME}},
    deploy_due_at {{TIME}},
    deployed_at {{TIME}},
    found_at {{TIME}},
    found_place TEXT NOT NULL DEFAULT '',
    found_by TEXT NOT NULL DEFAULT '',
    condition TEXT NOT NULL DEFAULT '',
    harm_suffered TEXT NOT NULL DEFAULT '',
    exploitation_indicators TEXT NOT NULL DEFAULT '',
    nmpu_sent_at {{TIME}},
    prevention_at {{TIME}},
    prevention_disclosures TEXT NOT NULL DEFAULT '',
    rhi_offered_at {{TIME}},
    rhi_declined_at {{TIME}},
    rhi_completed_at {{TIME}},
    rhi_notes TEXT NOT NULL DEFAULT '',
    closed_at {{TIME}},
    closed_by BIGINT,
    checked_by BIGINT,
    imported BOOLEAN NOT NULL DEFAULT FALSE,
    -- Each step's delay in milliseconds, kept when the step is recorded,
    -- so the dashboard compares numbers on both engines: report to
    -- deployment, last seen to found, found to the prevention interview,
    -- and found to the return home interview's offer and completion.
    deploy_ms BIGINT,
    missing_ms BIGINT,
    prevention_ms BIGINT,
    rhi_offer_ms BIGINT,
    rhi_complete_ms BIGINT,
    {{STAMP}},
    CHECK (risk <> 'no_apparent_risk' OR imported)
);
CREATE INDEX missing_episodes_child_idx ON missing_episodes (child_id, reported_at);
CREATE INDEX missing_episodes_status_idx ON missing_episodes (status, lpa_id);
CREATE INDEX missing_episodes_reported_idx ON missing_episodes (reported_at, lpa_id);
CREATE INDEX missing_episodes_ratify_idx ON missing_episodes (status, ratify_due_at);
CREATE INDEX missing_episodes_deploy_idx ON missing_episodes (status, deploy_due_at);
CREATE INDEX missing_episodes_found_idx ON missing_episodes (found_at, lpa_id);
CREATE INDEX missing_episodes_review_idx ON missing_episodes (status, review_by);

-- Every grading of an episode, with its ratification.
CREATE TABLE risk_gradings (
    id {{ID}},
    episode_id BIGINT NOT NULL REFERENCES missing_episodes (id),
    level TEXT NOT NULL,
    factors TEXT NOT NULL DEFAULT '',
    rationale TEXT NOT NULL,
    graded_at {{TIME}} NOT NULL,
    graded_by BIGINT NOT NULL,
    ratified_at {{TIME}},
    ratified_by BIGINT,
    ratified_level TEXT,
    ratify_reason TEXT NOT NULL DEFAULT '',
    review_by {{TIME}} NOT NULL,
    -- Grading to ratification, in milliseconds.
    ratify_ms BIGINT,
    CHECK (ratified_by IS NULL OR ratified_by <> graded_by)
);
CREATE INDEX risk_gradings_episode_idx ON risk_gradings (episode_id, graded_at);
CREATE INDEX risk_gradings_graded_idx ON risk_gradings (graded_at);

CREATE TABLE deployments (
    id {{ID}},
    episode_id BIGINT NOT NULL REFERENCES missing_episodes (id),
    person_id BIGINT NOT NULL REFERENCES people (id),
    deployed_at {{TIME}} NOT NULL,
    deployed_by BIGINT
);
CREATE INDEX deployments_episode_idx ON deployments (episode_id);

-- The timeline of enquiries and actions.
CREATE TABLE episode_notes (
    id {{ID}},
    episode_id BIGINT NOT NULL REFERENCES missing_episodes (id),
    at {{TIME}} NOT NULL,
    by_user BIGINT,
    kind TEXT NOT NULL,
    body TEXT NOT NULL
);
CREATE INDEX episode_notes_episode_idx ON episode_notes (episode_id, at);

-- Multi-agency plans for children who go missing again and again.
CREATE TABLE missing_plans (
    id {{ID}},
    child_id BIGINT NOT NULL REFERENCES children (id),
    strategy_meeting_at {{TIME}} NOT NULL,
    agencies TEXT NOT NULL DEFAULT '',
    review_at {{TIME}} NOT NULL,
    summary TEXT NOT NULL DEFAULT '',
    ended_at {{TIME}},
    {{STAMP}}
);
CREATE INDEX missing_plans_child_idx ON missing_plans (child_id, ended_at);
CREATE TABLE plan_actions (
    id {{ID}},
    plan_id BIGINT NOT NULL REFERENCES missing_plans (id),
    action TEXT NOT NULL,
    owner TEXT NOT NULL,
    due_at {{TIME}},
    done_at {{TIME}}
);
CREATE INDEX plan_actions_plan_idx ON plan_actions (plan_id);

-- +goose Down
DROP TABLE plan_actions;
DROP TABLE missing_plans;
DROP TABLE episode_notes;
DROP TABLE deployments;
DROP TABLE risk_gradings;
DROP TABLE missing_episodes;
DROP TABLE child_name_keys;
ALTER TABLE children DROP COLUMN carers;
ALTER TABLE children DROP COLUMN placement;
ALTER TABLE children DROP COLUMN placing_authority;
ALTER TABLE children DROP COLUMN looked_after;
ALTER TABLE children DROP COLUMN social_worker;
ALTER TABLE children DROP COLUMN warning_markers;
ALTER TABLE children DROP COLUMN school;
