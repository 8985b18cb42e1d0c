package e2e

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestHeldMatchAndRestrictionJourney: a response officer reports missing
// a child held by another team, found by the search before create, without
// opening the child's record; a coordinator locked out of a child by a
// restriction sees why and lifts it.
func TestHeldMatchAndRestrictionJourney(t *testing.T) {
	v := startVigil(t, "", nil)
	b := newBrowser(t, v)

	// A child outside the response officer's team.
	b.signIn("response.officer")
	child := 0
	for id := 1; id < 60 && child == 0; id++ {
		b.visit(fmt.Sprintf("/children/%d", id))
		if b.text("h1") == "This record is outside your area of work" {
			child = id
		}
	}
	if child == 0 {
		t.Fatal("every child is in the response officer's scope")
	}
	b.signOut()
	// Whom the caller describes: the auditor reads the name and birth date.
	b.signIn("auditor")
	b.visit(fmt.Sprintf("/children/%d", child))
	name := strings.Fields(b.text("h1"))
	dob := regexp.MustCompile(`Date of birth\s+(\d+) (\w+) (\d{4})`).FindStringSubmatch(b.text("main"))
	if len(name) < 2 || dob == nil {
		t.Fatalf("the child's page: %q", b.text("main"))
	}
	month, err := time.Parse("January", dob[2])
	if err != nil {
		t.Fatal(err)
	}
	b.signOut()

	b.signIn("response.officer")
	b.visit("/missing/report")
	b.fill("#given_name", name[0])
	b.fill("#family_name", name[len(name)-1])
	b.fill("#date_of_birth", dob[1])
	b.fill("#date_of_birth-month", fmt.Sprint(int(month.Month())))
	b.fill("#date_of_birth-year", dob[3])
	b.click("main form button[type=submit]")
	if !strings.Contains(b.text("main"), "You cannot see their record") || b.count("a[href^='/missing/report/match/hm_']") != 1 {
		t.Fatalf("the search offers no held match: %q", b.text("main"))
	}
	b.checkPage("missing-report-held-match")
	b.click("a[href^='/missing/report/match/hm_']")
	b.checkPage("missing-report-held-form")
	at := time.Now().Add(-30 * time.Minute)
	b.setDateTime("last_seen_at", at.Add(-20*time.Minute))
	b.setDateTime("reported_at", at)
	b.fill("#reporter_name", "Dawn Carter")
	b.fill("#last_seen_place", "Ashvale bus station")
	b.typeText("#circumstances", "Seen getting into a car with an older man at the bus station")
	b.check("#risk") // the first level, high
	b.typeText("#rationale", "Seen with an unknown adult; late at night")
	b.click("main form button[type=submit]")
	if !regexp.MustCompile(`^/missing/episodes/\d+`).MatchString(b.path()) || !strings.Contains(b.text("h1"), "High risk") {
		t.Fatalf("after reporting the held match: %s %q", b.path(), b.text("main"))
	}
	b.checkPage("missing-episode-held-reported")
	b.visit(fmt.Sprintf("/children/%d", child))
	if b.text("h1") != "This record is outside your area of work" {
		t.Errorf("reporting opened the child's record: %q", b.text("h1"))
	}
	b.signOut()

	// The MASH officer restricts an Ashvale child to auditors; the Ashvale
	// coordinator, shut out, finds why and lifts it.
	b.signIn("missing.ashvale")
	b.visit("/children")
	first := regexp.MustCompile(`/children/(\d+)`).FindStringSubmatch(b.html("main"))
	if first == nil {
		t.Fatal("the coordinator sees no children")
	}
	b.signOut()
	b.signIn("mash.officer")
	b.visit("/children/" + first[1] + "/restrict")
	b.check("#part-whole")
	b.check("#allowed_roles-auditor")
	b.typeText("#reason", "Subject of a covert operation this week")
	b.click("main form button[type=submit]")
	b.signOut()

	b.signIn("missing.ashvale")
	b.visit("/children/" + first[1])
	if b.text("h1") != "This record is restricted" {
		t.Fatalf("the restricted record: %q", b.text("main"))
	}
	b.checkPage("child-restricted")
	b.click("main a[href$='/restrictions']")
	if !strings.Contains(b.text("main table"), "Subject of a covert operation this week") || !strings.Contains(b.text("main table"), "Not you") {
		t.Fatalf("the restrictions page: %q", b.text("main"))
	}
	b.checkPage("child-restrictions")
	b.click("main table a[href$='/lift']")
	b.checkPage("child-restriction-lift")
	b.typeText("#reason", "The operation ended yesterday")
	b.click("main form button[type=submit]")
	if !strings.Contains(b.text(".govuk-notification-banner"), "lifted") {
		t.Fatalf("after lifting: %q", b.text("main"))
	}
	b.visit("/children/" + first[1])
	if b.text("h1") == "This record is restricted" {
		t.Error("the record is still restricted after lifting")
	}
}
