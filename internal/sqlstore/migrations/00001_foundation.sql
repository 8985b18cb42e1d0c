-- Foundation: the organisation, accounts and sessions, and children.
--
-- One logical schema for both engines. Type tokens (ID, TIME, DATE and
-- STAMP, in double braces) are replaced per engine before goose reads the
-- file: see migrate.go.
-- Unique rules are written as named unique indexes so that the schema test
-- can compare them across engines.

-- +goose Up
CREATE TABLE forces (
    id {{ID}},
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    {{STAMP}}
);
CREATE UNIQUE INDEX forces_code_uq ON forces (code);

CREATE TABLE lpas (
    id {{ID}},
    force_id BIGINT NOT NULL REFERENCES forces (id),
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    {{STAMP}}
);
CREATE UNIQUE INDEX lpas_code_uq ON lpas (force_id, code);

CREATE TABLE teams (
    id {{ID}},
    force_id BIGINT NOT NULL REFERENCES forces (id),
    lpa_id BIGINT REFERENCES lpas (id),
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('missing_persons', 'mosovo', 'mash', 'control_room',
        'response', 'investigation', 'assurance', 'administration', 'command')),
    {{STAMP}}
);
CREATE UNIQUE INDEX teams_code_uq ON teams (force_id, code);
CREATE INDEX teams_lpa_idx ON teams (lpa_id);

CREATE TABLE agencies (
    id {{ID}},
    force_id BIGINT NOT NULL REFERENCES forces (id),
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('childrens_social_care', 'health', 'education', 'other')),
    {{STAMP}}
);
CREATE UNIQUE INDEX agencies_code_uq ON agencies (force_id, code);

CREATE TABLE people (
    id {{ID}},
    force_id BIGINT NOT NULL REFERENCES forces (id),
    given_name TEXT NOT NULL,
    family_name TEXT NOT NULL,
    collar_number TEXT,
    rank TEXT NOT NULL,
    role TEXT NOT NULL DEFAULT '',
    team_id BIGINT REFERENCES teams (id),
    agency_id BIGINT REFERENCES agencies (id),
    email TEXT,
    active BOOLEAN NOT NULL DEFAULT TRUE,
    {{STAMP}},
    CHECK (team_id IS NULL OR agency_id IS NULL)
);
CREATE UNIQUE INDEX people_collar_uq ON people (force_id, collar_number);
CREATE INDEX people_name_idx ON people (family_name, given_name, id);
CREATE INDEX people_team_idx ON people (team_id, family_name, given_name, id);
CREATE INDEX people_agency_idx ON people (agency_id, family_name, given_name, id);

CREATE TABLE users (
    id {{ID}},
    username TEXT NOT NULL,
    person_id BIGINT REFERENCES people (id),
    password_hash TEXT,
    disabled_at {{TIME}},
    {{STAMP}}
);
CREATE UNIQUE INDEX users_username_uq ON users (username);
CREATE UNIQUE INDEX users_person_uq ON users (person_id);

CREATE TABLE sessions (
    token_hash TEXT NOT NULL PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id),
    created_at {{TIME}} NOT NULL,
    last_seen_at {{TIME}} NOT NULL,
    expires_at {{TIME}} NOT NULL
);
CREATE INDEX sessions_user_idx ON sessions (user_id);
CREATE INDEX sessions_expires_idx ON sessions (expires_at);

CREATE TABLE children (
    id {{ID}},
    force_id BIGINT NOT NULL REFERENCES forces (id),
    given_name TEXT NOT NULL,
    family_name TEXT NOT NULL,
    other_names TEXT NOT NULL DEFAULT '',
    date_of_birth {{DATE}} NOT NULL,
    sex TEXT NOT NULL CHECK (sex IN ('female', 'male', 'other', 'unknown')),
    ethnicity TEXT NOT NULL DEFAULT '',
    address_line TEXT NOT NULL DEFAULT '',
    town TEXT NOT NULL DEFAULT '',
    postcode TEXT NOT NULL DEFAULT '',
    lpa_id BIGINT REFERENCES lpas (id),
    {{STAMP}}
);
CREATE INDEX children_name_idx ON children (family_name, given_name, id);
CREATE INDEX children_dob_idx ON children (date_of_birth);
CREATE INDEX children_lpa_idx ON children (lpa_id);

-- The built-in system account: it acts for background work and for
-- command-line work when no person is named. It can never sign in.
INSERT INTO users (username, created_at, updated_at)
VALUES ('system', '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z');

-- +goose Down
DROP TABLE children;
DROP TABLE sessions;
DROP TABLE users;
DROP TABLE people;
DROP TABLE agencies;
DROP TABLE teams;
DROP TABLE lpas;
DROP TABLE forces;
