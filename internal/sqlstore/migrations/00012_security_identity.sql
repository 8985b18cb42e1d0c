-- Identity hardening: second-factor failures counted apart from password
-- failures; the password given again before a second factor is set up;
-- read-only API tokens, and no token without an expiry; the partner-agency
-- role held alone.
-- Type tokens in double braces are spelled per engine (see migrate.go);
-- blocks between "+vigil postgres" (or "+vigil sqlite") and "+vigil end"
-- are kept for that engine only.

-- +goose Up
-- A partner-agency practitioner's account holds the partner role and no
-- police role. Accounts that hold both must be put right, by hand, before
-- this migration: it stops, changing nothing, and names them.
-- +vigil postgres
-- +goose StatementBegin
DO $$
DECLARE
    mixed TEXT;
BEGIN
    SELECT string_agg(u.username, ', ' ORDER BY u.username) INTO mixed FROM users u
    WHERE EXISTS (SELECT 1 FROM user_roles r WHERE r.user_id = u.id AND r.role = 'partner')
      AND EXISTS (SELECT 1 FROM user_roles r WHERE r.user_id = u.id AND r.role <> 'partner');
    IF mixed IS NOT NULL THEN
        RAISE EXCEPTION 'these accounts hold the partner-agency role together with police roles, which is no longer allowed: %. With the Vigil you are upgrading from, give each the partner role alone or police roles only (vigil user grant USERNAME --role ROLES --scope SCOPE), then migrate again', mixed;
    END IF;
END
$$;
-- +goose StatementEnd
-- +vigil end
-- +vigil sqlite
CREATE TEMP TABLE partner_role_check (mixed TEXT NOT NULL);
-- +goose StatementBegin
CREATE TEMP TRIGGER partner_role_check_stop BEFORE INSERT ON partner_role_check
BEGIN SELECT RAISE(ABORT, 'these accounts hold the partner-agency role together with police roles, which is no longer allowed: ' ||
    NEW.mixed || '. With the Vigil you are upgrading from, give each the partner role alone or police roles only ' ||
    '(vigil user grant USERNAME --role ROLES --scope SCOPE), then migrate again'); END;
-- +goose StatementEnd
INSERT INTO partner_role_check (mixed)
SELECT group_concat(u.username, ', ' ORDER BY u.username) FROM users u
WHERE EXISTS (SELECT 1 FROM user_roles r WHERE r.user_id = u.id AND r.role = 'partner')
  AND EXISTS (SELECT 1 FROM user_roles r WHERE r.user_id = u.id AND r.role <> 'partner')
HAVING count(*) > 0;
DROP TRIGGER partner_role_check_stop;
DROP TABLE partner_role_check;
-- +vigil end

-- Wrong second-factor codes in a row for a username, across every sign-in
-- and partial session. A right password clears failures, never these:
-- only a right code, or the lock running out, does.
ALTER TABLE sign_in_failures ADD COLUMN code_failures BIGINT NOT NULL DEFAULT 0;

-- When a signed-in session's user last gave their password again (or, for
-- an account without one, signed in with single sign-on): setting up a
-- second factor needs it within the last ten minutes.
ALTER TABLE sessions ADD COLUMN confirmed_at {{TIME}};

-- A read-only token reads, lists and searches what its user may, and
-- nothing else.
ALTER TABLE api_tokens ADD COLUMN read_only BOOLEAN NOT NULL DEFAULT FALSE;
-- Every token expires, at most 365 days after it is issued: tokens that
-- never expired, or would have lasted longer, now expire 365 days after
-- this migration.
-- +vigil postgres
UPDATE api_tokens SET expires_at = now() + interval '365 days'
WHERE revoked_at IS NULL AND (expires_at IS NULL OR expires_at > now() + interval '365 days');
-- +vigil end
-- +vigil sqlite
UPDATE api_tokens SET expires_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '+365 days')
WHERE revoked_at IS NULL AND (expires_at IS NULL OR expires_at > strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '+365 days'));
-- +vigil end

-- +goose Down
ALTER TABLE sessions DROP COLUMN confirmed_at;
ALTER TABLE api_tokens DROP COLUMN read_only;
ALTER TABLE sign_in_failures DROP COLUMN code_failures;
