package e2e

import (
	"strings"
	"testing"
)

// TestFoundationJourney: a new visitor reaches the start page, signs in as
// the administrator (setting up a second factor), looks around the
// organisation, and changes someone's details, with a mistake on the way.
func TestFoundationJourney(t *testing.T) {
	v := startVigil(t, "", nil)
	b := newBrowser(t, v)

	b.visit("/")
	if got := b.text("h1"); got != "Vigil" {
		t.Fatalf("start page heading %q", got)
	}
	if b.count("link[rel=stylesheet][href^='/assets/css/vigil.']") != 1 {
		t.Error("the start page does not load the content-hashed stylesheet")
	}
	b.checkPage("start")
	b.click("a.govuk-button--start")
	if b.path() != "/sign-in" {
		t.Fatalf("start button went to %s", b.path())
	}
	b.checkPage("sign-in")

	b.signIn("admin")
	if b.path() != "/" || b.text("h1") != "My work" {
		t.Fatalf("after sign-in: %s, heading %q", b.path(), b.text("h1"))
	}
	if got := b.text(".vigil-header__user"); got == "" {
		t.Error("the header does not name the signed-in person")
	}
	b.checkPage("home")

	b.click("a[href='/organisation']")
	if got := b.text("h1"); got != "Kingsmoor Police" {
		t.Fatalf("organisation heading %q", got)
	}
	if cur := b.text("a.moj-primary-navigation__link[aria-current=page]"); cur != "Organisation" {
		t.Errorf("current navigation item %q", cur)
	}
	b.checkPage("organisation")

	b.click("a[href='/organisation/teams/4']")
	if !strings.Contains(b.text("h1"), "Missing Persons Team") {
		t.Fatalf("team page heading %q", b.text("h1"))
	}
	b.checkPage("team")
	b.click("tbody .govuk-table__row a")
	name := b.text("h1")
	b.checkPage("person")

	b.click("a[href$='/edit']")
	b.checkPage("person-edit")
	b.fill("#family_name", "")
	b.fill("#role", "Missing person coordinator (acting)")
	b.click("main form button[type=submit]")
	if got := b.text(".govuk-error-summary__list a"); got != "Enter a family name" {
		t.Fatalf("error summary says %q", got)
	}
	if got := b.text("#family_name-error"); !strings.Contains(got, "Enter a family name") {
		t.Errorf("inline error says %q", got)
	}
	if role, _ := b.value("#role"); role != "Missing person coordinator (acting)" {
		t.Errorf("what was typed was lost: role is %q", role)
	}
	b.checkPage("person-edit-error")
	b.fill("#family_name", "Okafor")
	b.click("main form button[type=submit]")
	if got := b.text(".govuk-notification-banner__heading"); got != "The changes have been saved." {
		t.Fatalf("after saving: banner %q", got)
	}
	if got := b.text("h1"); got == name || !strings.HasSuffix(got, "Okafor") {
		t.Errorf("after saving, the heading is %q (was %q)", got, name)
	}

	b.visit("/account")
	b.checkPage("account")
	b.visit("/no/such/page")
	if got := b.text("h1"); got != "Page not found" {
		t.Errorf("unknown page heading %q", got)
	}
	b.checkPage("not-found")
	b.signOut()
	b.checkPage("signed-out")
	b.visit("/organisation")
	if !strings.HasPrefix(b.path(), "/sign-in?next=") {
		t.Errorf("a signed-out visit to /organisation went to %s", b.path())
	}
	// Signing in again asks for a code, not a new set-up.
	b.signIn("admin")
	if b.path() != "/organisation" {
		t.Errorf("after signing in again: %s; want back to /organisation", b.path())
	}
}

// TestLockoutLooksTheSame: wrong passwords for a real and an unknown
// username get the same words at every attempt, locked or not.
func TestLockoutLooksTheSame(t *testing.T) {
	v := startVigil(t, "", nil)
	b := newBrowser(t, v)
	var msgs [2][]string
	for i, user := range []string{"auditor", "nobody.here"} {
		for range 6 {
			b.visit("/sign-in")
			b.fill("#username", user)
			b.fill("#password", "the wrong password")
			b.click("form[action='/sign-in'] button")
			msgs[i] = append(msgs[i], b.text(".govuk-error-summary__list"))
		}
	}
	for i := range msgs[0] {
		if msgs[0][i] != msgs[1][i] || msgs[0][i] == "" {
			t.Errorf("attempt %d: %q vs %q", i+1, msgs[0][i], msgs[1][i])
		}
	}
	if !strings.Contains(msgs[0][5], "too many failed attempts") {
		t.Errorf("the sixth attempt does not say the username is locked: %q", msgs[0][5])
	}
	b.checkPage("sign-in-locked")
}

// TestJourneyOnPostgres signs in and looks at the organisation on
// PostgreSQL.
func TestJourneyOnPostgres(t *testing.T) {
	v := startVigil(t, pgURL(t), nil)
	b := newBrowser(t, v)
	b.signIn("control.manager")
	b.visit("/organisation")
	if got := b.text("h1"); got != "Kingsmoor Police" {
		t.Fatalf("organisation heading on PostgreSQL: %q", got)
	}
	b.visit("/children")
	if b.count("tbody .govuk-table__row") == 0 {
		t.Error("the control-room manager (force scope) sees no children on PostgreSQL")
	}
}
