-- An officer deployed to a missing episode holds it (and may read it and
-- take their role's steps on it) until a while after it closes: the
-- force's setting missing.deployed_access_hours, 24 by default. The close
-- step writes that instant on each deployment; deployments of episodes
-- already closed get the default from their closing time.

-- +goose Up
ALTER TABLE deployments ADD COLUMN access_ends_at {{TIME}};
CREATE INDEX deployments_person_idx ON deployments (person_id, access_ends_at);
-- +vigil postgres
UPDATE deployments d SET access_ends_at = e.closed_at + interval '24 hours'
    FROM missing_episodes e WHERE e.id = d.episode_id AND e.closed_at IS NOT NULL;
-- +vigil end
-- +vigil sqlite
UPDATE deployments SET access_ends_at = (SELECT strftime('%Y-%m-%dT%H:%M:%fZ', e.closed_at, '+24 hours')
    FROM missing_episodes e WHERE e.id = deployments.episode_id)
    WHERE episode_id IN (SELECT id FROM missing_episodes WHERE closed_at IS NOT NULL);
-- +vigil end

-- +goose Down
DROP INDEX deployments_person_idx;
ALTER TABLE deployments DROP COLUMN access_ends_at;
