package sqlstore

import (
	"context"
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
