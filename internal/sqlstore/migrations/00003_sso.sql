-- Single sign-on with an OpenID Connect provider.
-- Type tokens in double braces are spelled per engine (see migrate.go).

-- +goose Up
-- An identity at a provider (its issuer and the subject it gives the
-- person, which never changes) linked to the Vigil account it signs in
-- as. An identity signs in as one account; an account has at most one
-- identity at each provider, so that an email address given to someone
-- else later cannot take it over. Email is the verified address the link
-- was made by, for administrators.
CREATE TABLE sso_identities (
    id {{ID}},
    issuer TEXT NOT NULL,
    subject TEXT NOT NULL,
    user_id BIGINT NOT NULL REFERENCES users (id),
    email TEXT NOT NULL DEFAULT '',
    linked_at {{TIME}} NOT NULL,
    last_used_at {{TIME}}
);
CREATE UNIQUE INDEX sso_identities_subject_uq ON sso_identities (issuer, subject);
CREATE UNIQUE INDEX sso_identities_user_uq ON sso_identities (user_id, issuer);

-- A sign-in with the provider in progress, kept here rather than in any
-- one instance's memory so that the provider may send the person back to
-- any instance. Only hashes of the state and of the browser's cookie are
-- kept; a row is removed when the person comes back, or expires.
CREATE TABLE sso_attempts (
    state_hash TEXT NOT NULL PRIMARY KEY,
    browser_hash TEXT NOT NULL,
    nonce TEXT NOT NULL,
    verifier TEXT NOT NULL,
    next_path TEXT NOT NULL,
    created_at {{TIME}} NOT NULL,
    expires_at {{TIME}} NOT NULL
);
CREATE INDEX sso_attempts_expires_idx ON sso_attempts (expires_at);

-- +goose Down
DROP TABLE sso_attempts;
DROP TABLE sso_identities;
