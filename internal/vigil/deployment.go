package vigil

import (
	"strconv"
	"strings"
	"time"
)

// DefaultDeployedAccess is how long an officer deployed to a missing
// episode keeps it, to read it and take their role's steps on it, after
// the episode closes, unless the force sets otherwise: long enough to
// finish the paperwork of a shift.
const DefaultDeployedAccess = 24 * time.Hour

// MaxDeployedAccess is the longest a force may set: a week.
const MaxDeployedAccess = 7 * 24 * time.Hour

// ParseDeployedAccess reads the force's setting of how long a deployed
// officer keeps an episode after it closes: whole hours, from 0 (the
// holding ends with the episode) to a week.
func ParseDeployedAccess(s string) (time.Duration, error) {
	h, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil || h < 0 || time.Duration(h)*time.Hour > MaxDeployedAccess {
		return 0, Errorf(EINVALID, "The hours a deployed officer keeps an episode after it closes must be a whole number from 0 to %d, not %q",
			int(MaxDeployedAccess/time.Hour), s)
	}
	return time.Duration(h) * time.Hour, nil
}
