package e2e

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/vigilcp/vigil/internal/app"
	"github.com/vigilcp/vigil/internal/vigiltest"
)

// TestSessionExpiry: half an hour without use, and the next page asks the
// person to sign in again.
func TestSessionExpiry(t *testing.T) {
	clock := vigiltest.NewClock(time.Now())
	v := startVigil(t, "", nil, func(c *app.ServeConfig) { c.Clock = clock })
	b := newBrowser(t, v)
	b.now = clock.Now
	b.signIn("auditor")
	b.visit("/organisation")
	if b.path() != "/organisation" {
		t.Fatalf("signed in, /organisation went to %s", b.path())
	}
	clock.Advance(29 * time.Minute)
	b.visit("/organisation")
	if b.path() != "/organisation" {
		t.Fatalf("after 29 idle minutes the session ended (%s)", b.path())
	}
	clock.Advance(30 * time.Minute)
	b.visit("/organisation")
	if !strings.HasPrefix(b.path(), "/sign-in") {
		t.Fatalf("after 30 idle minutes the session still works (%s)", b.path())
	}
	b.checkPage("session-expired")
}

// TestCrossSiteFormPostRefused: a page on another site that posts a form
// to Vigil (here, "sign out everywhere") is refused with a clear page, and
// nothing happens.
func TestCrossSiteFormPostRefused(t *testing.T) {
	v := startVigil(t, "", nil)
	evil := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprintf(w, `<!doctype html><html lang="en"><title>Win a prize</title><main><form method="post" action="%s/sign-out/everywhere">
			<button id="go">Claim</button></form></main></html>`, v.base)
	}))
	defer evil.Close()
	b := newBrowser(t, v)
	b.allow(evil.URL) // the attacker's page is the one other origin this test visits
	b.signIn("auditor")
	if err := b.navigate(evil.URL); err != nil {
		t.Fatal(err)
	}
	b.click("#go")
	if got := b.text("h1"); got != "Request refused" {
		t.Fatalf("the cross-site post landed on %q", got)
	}
	if !strings.Contains(b.text("main"), "came from another website") {
		t.Errorf("the refusal does not explain itself: %q", b.text("main"))
	}
	b.checkPage("cross-site-refused")
	b.visit("/account")
	if b.path() != "/account" {
		t.Error("the refused post signed the user out")
	}
}

// TestSharingJourney: a MASH officer shares a child with Ashvale's
// children's services; the agency's social worker (second factor) then
// finds that child and no other; a response officer opens a record outside
// their team with a reason; the auditor sees who looked, and the Gold
// Group chair reviews the opening.
func TestSharingJourney(t *testing.T) {
	v := startVigil(t, "", nil)
	b := newBrowser(t, v)

	b.signIn("social.worker")
	b.visit("/children")
	before := b.count("tbody .govuk-table__row")
	b.checkPage("children-partner")
	b.signOut()

	b.signIn("mash.officer")
	b.visit("/children?q=a")
	b.checkPage("children")
	// A child not yet shared with the social worker's agency.
	var hrefs []string
	for i := 1; i <= b.count("tbody .govuk-table__row"); i++ {
		hrefs = append(hrefs, b.attr(fmt.Sprintf("tbody .govuk-table__row:nth-child(%d) a", i), "href"))
	}
	var target string
	for _, href := range hrefs {
		b.visit(href)
		if !strings.Contains(b.text("main"), "Ashvale Council Children's Services") {
			target = href
			break
		}
	}
	if target == "" {
		t.Fatal("every child listed is already shared with Ashvale's children's services")
	}
	b.checkPage("child")
	name := b.text("h1")
	b.click("a[href$='/share']")
	b.checkPage("child-share")
	b.click("main form button[type=submit]") // nothing chosen: errors
	if n := b.count(".govuk-error-summary__list li"); n < 3 {
		t.Errorf("an empty share form shows %d errors", n)
	}
	b.checkPage("child-share-errors")
	b.selectOption("#agency_id", "1")
	b.check("#parts-address")
	b.fill("#purpose", "Strategy discussion after a third missing episode")
	b.check("#lawful_basis-2")
	b.click("main form button[type=submit]")
	if got := b.text(".govuk-notification-banner__heading"); got != "The record has been shared." {
		t.Fatalf("after sharing: %q", got)
	}
	b.signOut()

	b.signIn("social.worker")
	b.visit("/children")
	if after := b.count("tbody .govuk-table__row"); after != before+1 && after != 50 {
		t.Errorf("the social worker saw %d children, then %d after one more was shared", before, after)
	}
	b.visit(target)
	if got := b.text("h1"); got != name {
		t.Fatalf("the social worker opening the shared child sees %q", got)
	}
	b.visit("/children/399")
	if got := b.text("h1"); got != "Page not found" && !strings.Contains(b.text("main"), "Share") {
		t.Errorf("guessing a child's id: %q", got)
	}
	b.signOut()

	// A response officer sees only their team's caseload: another child
	// needs a reason.
	b.signIn("response.officer")
	b.visit("/children/1")
	for id := 2; b.text("h1") != "This record is outside your area of work" && id < 50; id++ {
		b.visit(fmt.Sprintf("/children/%d", id))
	}
	if b.text("h1") != "This record is outside your area of work" {
		t.Fatal("every child is in the response officer's scope")
	}
	b.checkPage("child-outside")
	outside := b.path()
	// A reason that says nothing is refused, with the purpose asked for.
	b.fill("#reason", "asdf asdf asdf asdf asdf")
	b.click("main form button[type=submit]")
	if !strings.Contains(b.text(".govuk-error-summary"), "Select why you need to open this record") ||
		!strings.Contains(b.text(".govuk-error-summary"), "four different words") {
		t.Fatalf("a weak reason with no purpose: %q", b.text(".govuk-error-summary"))
	}
	b.checkPage("child-outside-error")
	b.check("#purpose")
	b.fill("#reason", "Found the child at the bus station at 2am; need their care history")
	b.click("main form button[type=submit]")
	if b.path() != outside+"?opened=1" || !strings.Contains(b.text(".govuk-notification-banner"), "supervisor has been told") {
		t.Fatalf("after giving a reason: %s %q", b.path(), b.text("main"))
	}
	// Opened to read: nothing on the page offers a change.
	if b.count("a[href$='/share']")+b.count("a[href$='/restrict']") != 0 {
		t.Error("a record opened with a reason offers sharing or restricting")
	}
	b.signOut()

	b.signIn("auditor")
	b.visit("/access?record_kind=child&record_id=" + strings.TrimPrefix(outside, "/children/"))
	if b.count("tbody") == 0 {
		t.Fatalf("the access log page: %q", b.text("main"))
	}
	if !strings.Contains(b.text("tbody"), "response.officer") || !strings.Contains(b.text("tbody"), "break_glass") {
		t.Errorf("the access log for the record lacks the break-glass opening: %q", b.text("main"))
	}
	b.checkPage("access-log")
	b.visit("/access?user=mash.officer&action=share")
	if !strings.Contains(b.text("tbody"), "Strategy discussion after a third missing episode") {
		t.Errorf("what the MASH officer shared is not in the log: %q", b.text("main"))
	}
	b.visit("/access?from=yesterday")
	if !strings.Contains(b.text(".govuk-error-summary"), "Enter a date") {
		t.Error("a bad date filter gave no error")
	}
	b.checkPage("access-log-error")
	b.signOut()

	// The response officer's supervisor finds the opening in My work and
	// reviews it there, without the review permission.
	b.signIn("designated.officer")
	b.visit("/")
	if !strings.Contains(b.text("main"), "Review: response.officer opened") ||
		!strings.Contains(b.text("main"), "Found the child at the bus station at 2am") {
		t.Fatalf("the supervisor's My work: %q", b.text("main"))
	}
	b.checkPage("my-work-tasks")
	tasks := b.count("main a[href^='/access/break-glass#opening-']")
	b.click("main a[href^='/access/break-glass#opening-']")
	b.checkPage("break-glass-review")
	id := strings.TrimPrefix(b.attr("main .govuk-summary-card", "id"), "opening-")
	b.fill("#note-"+id, "Justified: child found at night, care history needed")
	b.click("#opening-" + id + " form button[type=submit]")
	if !strings.Contains(b.text(".govuk-notification-banner"), "review has been recorded") {
		t.Errorf("after reviewing: %q", b.text("main"))
	}
	b.visit("/")
	if n := b.count("main a[href^='/access/break-glass#opening-']"); n != tasks-1 {
		t.Errorf("the supervisor's My work has %d openings to review after one review, want %d", n, tasks-1)
	}
	b.signOut()

	b.signIn("gold.chair")
	b.visit("/access/break-glass?all=1")
	if !strings.Contains(b.text("main"), "Justified: child found at night") {
		t.Errorf("the Gold Group chair's review page lacks the supervisor's review: %q", b.text("main"))
	}
	b.checkPage("break-glass-all")
}

// TestChooseSecondFactor: an auditor, who need not, sets up a second
// factor from their account page, giving their password again first, and
// is asked for a code from then on.
func TestChooseSecondFactor(t *testing.T) {
	v := startVigil(t, "", nil)
	b := newBrowser(t, v)
	b.signIn("auditor")
	b.visit("/account")
	b.click("a[href='/account/second-factor']")
	b.checkPage("account-confirm")
	b.fill("#password", vigiltest.DemoPassword)
	b.click("main form button")
	b.checkPage("account-second-factor")
	secret := strings.ReplaceAll(b.text("#setup-key"), " ", "")
	b.secrets["auditor"] = secret
	b.fill("#code", "123456")
	b.click("main form button")
	if !strings.Contains(b.text(".govuk-error-summary"), "code is not right") {
		t.Errorf("a wrong code: %q", b.text("main"))
	}
	b.fill("#code", b.code(secret, 0))
	b.click("main form button")
	if !strings.Contains(b.text(".govuk-notification-banner"), "second factor is set up") {
		t.Fatalf("after setting up: %q", b.text("main"))
	}
	b.signOut()
	b.visit("/sign-in")
	b.fill("#username", "auditor")
	b.fill("#password", vigiltest.DemoPassword)
	b.click("form[action='/sign-in'] button")
	if b.path() != "/sign-in/code" {
		t.Fatalf("signing in again went to %s, not the code page", b.path())
	}
}
