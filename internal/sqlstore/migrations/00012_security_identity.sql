-- Identity hardening: second-factor failures counted apart from password
-- failures.
-- Type tokens in double braces are spelled per engine (see migrate.go);
-- blocks between "+vigil postgres" (or "+vigil sqlite") and "+vigil end"
-- are kept for that engine only.

-- +goose Up
-- Wrong second-factor codes in a row for a username, across every sign-in
-- and partial session. A right password clears failures, never these:
-- only a right code, or the lock running out, does.
ALTER TABLE sign_in_failures ADD COLUMN code_failures BIGINT NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE sign_in_failures DROP COLUMN code_failures;
