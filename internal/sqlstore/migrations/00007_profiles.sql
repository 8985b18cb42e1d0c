-- Philomena Protocol Part 1 profiles, and the people and places linked to
-- children: one record per associate or place, however many children it
-- is linked to, so that patterns across children show.

-- +goose Up
CREATE TABLE child_profiles (
    id {{ID}},
    child_id BIGINT NOT NULL REFERENCES children (id),
    description TEXT NOT NULL DEFAULT '',
    photo_ref TEXT NOT NULL DEFAULT '',
    medical TEXT NOT NULL DEFAULT '',
    financial TEXT NOT NULL DEFAULT '',
    phones TEXT NOT NULL DEFAULT '',
    social_media TEXT NOT NULL DEFAULT '',
    kept_by TEXT NOT NULL,
    confirmed_at {{TIME}},
    {{STAMP}}
);
CREATE UNIQUE INDEX child_profiles_child_uq ON child_profiles (child_id);

CREATE TABLE associates (
    id {{ID}},
    force_id BIGINT NOT NULL REFERENCES forces (id),
    name TEXT NOT NULL,
    date_of_birth {{DATE}},
    description TEXT NOT NULL DEFAULT '',
    {{STAMP}}
);

CREATE TABLE places (
    id {{ID}},
    force_id BIGINT NOT NULL REFERENCES forces (id),
    name TEXT NOT NULL,
    postcode TEXT NOT NULL DEFAULT '',
    description TEXT NOT NULL DEFAULT '',
    {{STAMP}}
);

-- Search keys for associates' and places' names (see vigil.NameKeys), for
-- the search before a new one.
CREATE TABLE link_name_keys (
    associate_id BIGINT REFERENCES associates (id),
    place_id BIGINT REFERENCES places (id),
    name_key TEXT NOT NULL,
    CHECK ((associate_id IS NULL) <> (place_id IS NULL))
);
CREATE INDEX link_name_keys_key_idx ON link_name_keys (name_key);
CREATE UNIQUE INDEX link_name_keys_associate_uq ON link_name_keys (associate_id, name_key);
CREATE UNIQUE INDEX link_name_keys_place_uq ON link_name_keys (place_id, name_key);

CREATE TABLE child_links (
    id {{ID}},
    child_id BIGINT NOT NULL REFERENCES children (id),
    relation TEXT NOT NULL CHECK (relation IN ('associate', 'suspected_exploiter', 'found_with', 'frequents', 'found_at')),
    associate_id BIGINT REFERENCES associates (id),
    place_id BIGINT REFERENCES places (id),
    episode_id BIGINT REFERENCES missing_episodes (id),
    notes TEXT NOT NULL DEFAULT '',
    linked_at {{TIME}} NOT NULL,
    linked_by BIGINT,
    ended_at {{TIME}},
    ended_by BIGINT,
    CHECK ((associate_id IS NULL) <> (place_id IS NULL)),
    CHECK ((place_id IS NULL) = (relation IN ('associate', 'suspected_exploiter', 'found_with')))
);
CREATE INDEX child_links_child_idx ON child_links (child_id, ended_at);
CREATE INDEX child_links_associate_idx ON child_links (associate_id);
CREATE INDEX child_links_place_idx ON child_links (place_id);

-- +goose Down
DROP TABLE child_links;
DROP TABLE link_name_keys;
DROP TABLE places;
DROP TABLE associates;
DROP TABLE child_profiles;
