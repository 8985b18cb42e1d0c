package sqlstore

import (
	"slices"
	"testing"
	"time"

	"github.com/vigilcp/vigil/internal/vigil"
)

// BenchmarkStatKeyOrder: what ordering a step's statistics keys costs
// (applyStats sorts them so that every writer locks the rows in one
// order), for an episode found and followed up: the keys its before and
// after contributions hold, sorted as applyStats sorts them. Each key is
// then one upsert, a round trip to the database of tens of microseconds.
func BenchmarkStatKeyOrder(b *testing.B) {
	reported := time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)
	found := reported.Add(5 * time.Hour)
	ms := func(d time.Duration) *int64 { n := d.Milliseconds(); return &n }
	before := vigil.StatEpisode{ReportedAt: reported, LPAID: 1, TeamID: 4, FirstRisk: vigil.RiskMedium, DeployMS: ms(time.Hour),
		Ratifications: []vigil.StatRatification{{GradedAt: reported, Level: vigil.RiskMedium, RatifyMS: (40 * time.Minute).Milliseconds()}}}
	after := before
	after.FoundAt, after.MissingMS, after.PreventionMS, after.RHIOfferMS = &found, ms(7*time.Hour), ms(20*time.Hour), ms(30*time.Hour)
	delta := map[vigil.StatKey]int{}
	for k, n := range after.Contributions() {
		delta[k] += n
	}
	for k, n := range before.Contributions() {
		delta[k] -= n
	}
	b.ReportAllocs()
	for b.Loop() {
		keys := make([]vigil.StatKey, 0, len(delta))
		for k, n := range delta {
			if n != 0 {
				keys = append(keys, k)
			}
		}
		slices.SortFunc(keys, statKeyOrder)
	}
	b.ReportMetric(float64(len(delta)), "keys")
}
