package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/vigilcp/vigil/internal/vigil"
)

// episodeFacts gathers what vigil.Decide needs to know about one episode
// (see episodeScope): its child's facts, with the episode's own area,
// team and reporter added.
func (tx *Tx) episodeFacts(ctx context.Context, id int64) (vigil.RecordFacts, error) {
	f, _, err := tx.factsOf(ctx, episodeScope, id)
	return f, err
}

// episodeScopeSQL is the scope rule of vigil.Decide for episodes, written
// as SQL over an episode aliased e and its child joined as c.
// TestEpisodeListsAgreeWithDecide holds the two together.
func episodeScopeSQL(p *vigil.Principal, now time.Time, arg func(any) string) string {
	return episodeScope.scopeSQL(p, now, arg)
}

// deployedAccessSetting names the force setting of how long, in hours,
// an officer deployed to an episode keeps it after it closes.
const deployedAccessSetting = "missing.deployed_access_hours"

// endDeployedAccess writes, on each deployment to an episode closed at
// closedAt, when its officer's holding of it ends: the force's setting
// (vigil.DefaultDeployedAccess unless set) after the close.
func (tx *Tx) endDeployedAccess(ctx context.Context, episode int64, closedAt time.Time) error {
	after := vigil.DefaultDeployedAccess
	var v string
	err := tx.QueryRowContext(ctx, "SELECT value FROM settings WHERE name = $1", deployedAccessSetting).Scan(&v)
	switch {
	case err == nil:
		if after, err = vigil.ParseDeployedAccess(v); err != nil {
			return err
		}
	case !errors.Is(err, sql.ErrNoRows):
		return err
	}
	_, err = tx.ExecContext(ctx, "UPDATE deployments SET access_ends_at = $1 WHERE episode_id = $2 AND access_ends_at IS NULL",
		instant(closedAt.Add(after)), episode)
	return err
}
