package vigil

import "time"

// Clock tells the time. Rules take a Clock so that tests can fix it.
type Clock interface {
	Now() time.Time
}

// SystemClock is the real clock, in UTC to the millisecond, the precision
// both database engines store.
type SystemClock struct{}

// Now returns the current time in UTC, truncated to the millisecond.
func (SystemClock) Now() time.Time { return Millis(time.Now()) }

// FixedClock is a clock that always returns the same instant; for tests.
type FixedClock time.Time

// Now returns the fixed instant.
func (c FixedClock) Now() time.Time { return time.Time(c) }

// Millis returns t in UTC truncated to the millisecond: every timestamp
// Vigil stores goes through it so that both engines hold the same value.
func Millis(t time.Time) time.Time { return t.UTC().Truncate(time.Millisecond) }
