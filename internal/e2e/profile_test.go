package e2e

import (
	"regexp"
	"strings"
	"testing"
)

// TestProfileJourney: a missing-persons coordinator records a child's
// Philomena profile (a missing field is refused with an error summary),
// links a suspected exploiter to that child, then links the same person to
// a second child by choosing the record the search finds; the person's
// page lists both children, and each child's profile shows the other.
func TestProfileJourney(t *testing.T) {
	v := startVigil(t, "", nil)
	b := newBrowser(t, v)
	b.signIn("missing.ashvale")
	b.visit("/children?lpa_id=1")
	var kids []string
	for _, h := range regexp.MustCompile(`/children/(\d+)"`).FindAllStringSubmatch(b.html("main"), -1) {
		if len(kids) < 2 && (len(kids) == 0 || kids[0] != h[1]) {
			kids = append(kids, h[1])
		}
	}
	if len(kids) < 2 {
		t.Fatalf("the coordinator sees %d children", len(kids))
	}

	b.visit("/children/" + kids[0])
	b.click("a[href='/children/" + kids[0] + "/profile']")
	if !strings.Contains(b.text("main"), "No profile is recorded") {
		t.Fatalf("a child with no profile: %q", b.text("main"))
	}
	b.checkPage("profile-empty")
	b.click("a[href='/children/" + kids[0] + "/profile/edit']")
	b.checkPage("profile-edit")
	b.fill("#description", "Slim, 5ft 4in, dyed red hair, scar above the left eyebrow")
	b.fill("#kept_by", "")
	b.click("main form button[type=submit]")
	if got := b.text(".govuk-error-summary"); !strings.Contains(got, "Enter the carer who keeps this profile up to date") {
		t.Fatalf("saving with no carer: %q", got)
	}
	b.checkPage("profile-edit-error")
	b.fill("#kept_by", "Oakfield children's home, 01632 960123")
	b.fill("#phones", "07700 900456")
	b.click("main form button[type=submit]")
	if main := b.text("main"); !strings.Contains(main, "dyed red hair") || !strings.Contains(main, "Oakfield children's home") {
		t.Fatalf("the saved profile: %q", main)
	}
	b.checkPage("profile")

	// A suspected exploiter, new to Vigil.
	b.click("a[href='/children/" + kids[0] + "/links/new?kind=person']")
	b.checkPage("link-person")
	b.check("#relation-suspected_exploiter")
	b.fill("#name", "Dean Farrowby")
	b.fill("#notes", "Seen collecting her from school twice")
	b.click("main form button[type=submit]")
	if !strings.Contains(b.text("main table"), "Dean Farrowby") {
		t.Fatalf("the link is not listed: %q", b.text("main"))
	}

	// The same person for a second child: the search offers the record.
	b.visit("/children/" + kids[1] + "/links/new?kind=person")
	b.check("#relation")
	b.fill("#name", "dean farrowby")
	b.click("main form button[type=submit]")
	if !strings.Contains(b.text(".govuk-error-summary"), "could be the one you mean") || b.count("#match") != 1 {
		t.Fatalf("linking a second Dean Farrowby: %q", b.text("main"))
	}
	b.checkPage("link-matches")
	b.check("#match")
	b.click("main form button[type=submit]")
	row := b.text("main table tbody tr")
	if !strings.Contains(row, "Dean Farrowby") || !strings.Contains(row, "1") {
		t.Fatalf("the second child's link: %q", row)
	}
	b.click("main table a[href^='/associates/']")
	b.checkPage("associate")
	person := b.path()
	if got := b.count("main table tbody tr"); got != 2 {
		t.Fatalf("the person's page lists %d children: %q", got, b.text("main"))
	}
	// The child's missing-episodes page shows the same links beside the
	// pattern (the demo child has been missing before).
	b.visit("/children/" + kids[0] + "/missing")
	if b.count("main a[href='"+person+"']") == 0 {
		t.Fatalf("the missing-episodes page does not link the person: %q", b.text("main"))
	}
	b.checkPage("child-missing-links")
	b.signOut()

	// Marlcombe's coordinator sees neither child, so not the person either.
	b.signIn("missing.marlcombe")
	b.visit(person)
	if !strings.Contains(b.text("main"), "outside your area of work") {
		t.Fatalf("Marlcombe reading an Ashvale-only person: %q", b.text("main"))
	}
}
