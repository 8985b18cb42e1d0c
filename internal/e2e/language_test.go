package e2e

import (
	"strings"
	"testing"
)

// TestLanguageChecker: a MASH officer types a flagged phrase into a
// free-text field and sees the warning and a better wording as they type;
// saving keeps the finding with the record; the language view counts it
// against their team and links to the record.
func TestLanguageChecker(t *testing.T) {
	v := startVigil(t, "", nil)
	b := newBrowser(t, v)
	b.signIn("auditor")
	b.visit("/language")
	before := b.text("caption")
	b.signOut()

	b.signIn("mash.officer")
	b.visit("/children/7/share")
	b.typeText("#purpose", "Strategy discussion. She is missing through choice")
	warning := b.waitText("#purpose-language", "Check your wording")
	if !strings.Contains(warning, "missing through choice") || !strings.Contains(warning, "Try:") {
		t.Fatalf("the live warning: %q", warning)
	}
	b.checkPage("language-live-warning")
	b.selectOption("#agency_id", "3")
	b.check("#lawful_basis-1")
	b.click("main form button[type=submit]")
	if got := b.text(".govuk-notification-banner__heading"); got != "The record has been shared." {
		t.Fatalf("flagged wording was not saved (the force does not require a reason): %q", b.text("main"))
	}
	if b.count("mark.vigil-flagged") == 0 {
		t.Error("the child's page does not highlight the flagged wording")
	}
	b.checkPage("child-flagged")
	b.signOut()

	b.signIn("auditor")
	b.visit("/language")
	after := b.text("caption")
	if after == before {
		t.Errorf("the language view's count did not move: %q", after)
	}
	rows := b.text("main")
	if !strings.Contains(rows, "Multi-Agency Safeguarding Hub") || !strings.Contains(rows, "missing through choice") {
		t.Errorf("the language view lacks the MASH team's finding: %q", rows)
	}
	b.checkPage("language-view")
	b.click("a[href='/children/7#findings']")
	if !strings.Contains(b.text("#findings"), "Wording flagged") && b.count("#findings") == 0 {
		t.Error("the record does not show its findings")
	}
}
