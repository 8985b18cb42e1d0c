package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/vigilcp/vigil/internal/app"
	"github.com/vigilcp/vigil/internal/demo"
	"github.com/vigilcp/vigil/internal/sqlstore"
	"github.com/vigilcp/vigil/internal/vigil"
)

// TestFoundationJourney: a new visitor reaches the start page, signs in to
// the demo, looks around the organisation, and changes someone's details,
// with a mistake on the way.
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

	// The demo sign-in, as the administrator.
	b.check("input[value='admin']")
	b.click("form[action='/sign-in/demo'] button")
	if b.path() != "/" || b.text("h1") != "My work" {
		t.Fatalf("after demo sign-in: %s, heading %q", b.path(), b.text("h1"))
	}
	if got := b.text(".vigil-header__user"); got == "" {
		t.Error("the header does not name the signed-in person")
	}
	b.checkPage("home")

	b.click("a[href='/organisation']")
	if got := b.text("h1"); got != "Kingsmoor Police" {
		t.Fatalf("organisation heading %q", got)
	}
	if n := b.count("a[href^='/organisation/teams/']"); n < 10 {
		t.Errorf("organisation page links %d teams; the demo force has 11", n)
	}
	if cur := b.text("a.moj-primary-navigation__link[aria-current=page]"); cur != "Organisation" {
		t.Errorf("current navigation item %q", cur)
	}
	b.checkPage("organisation")

	b.click("a[href='/organisation/teams/4']")
	if !strings.Contains(b.text("h1"), "Missing Persons Team") {
		t.Fatalf("team page heading %q", b.text("h1"))
	}
	rows := b.count("tbody .govuk-table__row")
	if rows == 0 {
		t.Fatal("the team lists nobody")
	}
	b.checkPage("team")

	b.click("tbody .govuk-table__row a")
	name := b.text("h1")
	b.checkPage("person")

	// A mistake: the family name left empty.
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
	role, _ := b.value("#role")
	if role != "Missing person coordinator (acting)" {
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

	b.visit("/no/such/page")
	if got := b.text("h1"); got != "Page not found" {
		t.Errorf("unknown page heading %q", got)
	}
	b.checkPage("not-found")

	b.click("form[action='/sign-out'] button")
	if b.text("h1") != "Vigil" || b.count(".vigil-header__user") != 0 {
		t.Error("after signing out the start page still shows a user")
	}
	b.visit("/organisation")
	if b.path() != "/sign-in?next=%2Forganisation" && b.path() != "/sign-in?next=/organisation" {
		t.Errorf("a signed-out visit to /organisation went to %s", b.path())
	}
}

// TestPasswordSignIn signs in with a password and sees a wrong one refused
// with the same words whether or not the username exists.
func TestPasswordSignIn(t *testing.T) {
	v := startVigil(t, "", func(ctx context.Context, db *sqlstore.DB) {
		if _, err := loadDemo(ctx, db); err != nil {
			t.Fatal(err)
		}
		p, _ := db.SystemPrincipal(ctx)
		if err := sqlstore.NewUserService(db).SetPassword(vigil.WithPrincipal(ctx, p), "auditor", "a long demo password"); err != nil {
			t.Fatal(err)
		}
	})
	b := newBrowser(t, v)
	var messages []string
	for _, user := range []string{"auditor", "nobody.here"} {
		b.visit("/sign-in")
		b.fill("#username", user)
		b.fill("#password", "the wrong password")
		b.click("form[action='/sign-in'] button")
		messages = append(messages, b.text(".govuk-error-summary__list"))
	}
	if messages[0] != messages[1] || messages[0] == "" {
		t.Errorf("wrong password for a real and an unknown user differ: %q vs %q", messages[0], messages[1])
	}
	b.checkPage("sign-in-error")
	b.fill("#username", "auditor")
	b.fill("#password", "a long demo password")
	b.click("form[action='/sign-in'] button")
	if b.text("h1") != "My work" {
		t.Fatalf("password sign-in landed on %q", b.text("h1"))
	}
}

// TestJourneyOnPostgres runs the start of the journey on PostgreSQL.
func TestJourneyOnPostgres(t *testing.T) {
	v := startVigil(t, pgURL(t), nil)
	b := newBrowser(t, v)
	b.visit("/sign-in")
	b.check("input[value='control.manager']")
	b.click("form[action='/sign-in/demo'] button")
	b.visit("/organisation")
	if got := b.text("h1"); got != "Kingsmoor Police" {
		t.Fatalf("organisation heading on PostgreSQL: %q", got)
	}
}

// loadDemo fills db with the small demo force, as the system.
func loadDemo(ctx context.Context, db *sqlstore.DB) (*demo.Org, error) {
	p, err := db.SystemPrincipal(ctx)
	if err != nil {
		return nil, err
	}
	return app.LoadDemo(vigil.WithPrincipal(ctx, p), db, demo.Config{Seed: 1, Scale: demo.Small, AsOf: time.Now()}, nil)
}
