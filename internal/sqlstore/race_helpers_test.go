package sqlstore_test

import (
	"os"
	"strconv"
	"sync"
	"testing"

	"github.com/vigilcp/vigil/internal/vigil"
)

// The race tests (missing_race_test.go, missing_stats_race_test.go) call
// the store as several clients at once would. SQLite's single writer
// serialises them; PostgreSQL runs them side by side under READ
// COMMITTED, where a rule guarded only by a SELECT breaks and rows locked
// in different orders deadlock. Each runs a short version in every test
// run; bench/race.sh runs the long one (VIGIL_RACE_TRIES,
// VIGIL_RACE_EPISODES) on PostgreSQL many times in a row.

// raceCount is how many times a race test tries (or how many episodes it
// races), from the environment variable named, or short when it is unset.
func raceCount(t *testing.T, env string, short int) int {
	t.Helper()
	if s := os.Getenv(env); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			t.Fatalf("%s=%q: want a positive whole number", env, s)
		}
		return n
	}
	return short
}

// together runs fns at the same moment, each in its own goroutine, and
// returns their errors in order.
func together(fns ...func() error) []error {
	errs := make([]error, len(fns))
	var ready, done sync.WaitGroup
	start := make(chan struct{})
	for i, fn := range fns {
		ready.Add(1)
		done.Add(1)
		go func() {
			defer done.Done()
			ready.Done()
			<-start
			errs[i] = fn()
		}()
	}
	ready.Wait()
	close(start)
	done.Wait()
	return errs
}

// refusal is what a client is told about a refused change: the code, the
// message and each field's message, which must be the same on both
// engines.
func refusal(err error) string {
	s := vigil.ErrorCode(err) + ": " + vigil.ErrorMessage(err)
	for _, f := range vigil.ErrorFields(err) {
		s += "; " + f.Field + ": " + f.Message
	}
	return s
}
