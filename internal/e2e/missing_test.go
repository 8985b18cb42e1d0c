package e2e

import (
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestMissingJourney: a call handler reports a child missing and grades
// the risk; the control-room manager finds it in the ratification queue
// and ratifies it, deploys an officer and records the child found; the
// missing-persons coordinator records the prevention interview and the
// social worker the return home interview; the dashboard's figures move
// and link to the episode. Reported twice more within 90 days, the child
// is listed as repeat-missing without a plan, until a plan is recorded.
func TestMissingJourney(t *testing.T) {
	v := startVigil(t, "", nil)
	b := newBrowser(t, v)

	// A child the social worker's agency has been given.
	b.signIn("social.worker")
	b.visit("/children")
	var candidates []string
	for _, h := range regexp.MustCompile(`/children/(\d+)`).FindAllStringSubmatch(b.html("main"), -1) {
		candidates = append(candidates, h[1])
	}
	if len(candidates) == 0 {
		t.Fatal("the social worker sees no children")
	}
	b.signOut()

	b.signIn("gold.chair")
	b.visit("/missing/dashboard")
	reportedBefore := figure(t, b.text("a[href^='/missing/episodes?figure=reported']"))
	b.signOut()

	b.signIn("call.handler")
	child := ""
	for _, c := range candidates {
		b.visit("/children/" + c + "/missing")
		if strings.Contains(b.text("main"), "No missing episodes are recorded") {
			child = c
			break
		}
	}
	if child == "" {
		t.Fatal("every shared child has been missing before")
	}
	// Search before create: the names the wrong way round still find the
	// child.
	b.visit("/children/" + child)
	name := strings.Fields(b.text("h1"))
	b.visit("/missing/report")
	b.checkPage("missing-report-search")
	b.fill("#given_name", name[len(name)-1])
	b.fill("#family_name", name[0])
	b.click("main form button[type=submit]")
	if b.count("a[href='/children/"+child+"/report-missing']") != 1 {
		t.Fatalf("searching for %v (names swapped) does not offer child %s: %q", name, child, b.text("main"))
	}
	b.checkPage("missing-report-matches")
	// A child with no record is added, then reported.
	b.visit("/missing/report")
	b.fill("#given_name", "Zebedee")
	b.fill("#family_name", "Quartermaine-Oduya")
	b.click("main form button[type=submit]")
	b.click("a[href^='/children/new']")
	b.checkPage("child-new")
	b.fill("#date_of_birth", "14")
	b.fill("#date_of_birth-month", "7")
	b.fill("#date_of_birth-year", "2011")
	b.check("#sex-male")
	b.selectOption("#lpa_id", "1")
	b.click("main form button[type=submit]")
	if !strings.HasSuffix(b.path(), "/report-missing") || !strings.Contains(b.text("main"), "Zebedee Quartermaine-Oduya") {
		t.Fatalf("after adding a child: %s %q", b.path(), b.text("main"))
	}

	// Three episodes, an hour apart, the first three hours ago.
	start := time.Now().Add(-3 * time.Hour)
	episode := b.report(child, "Did not come back from school. Her carer says she has been meeting older boys in the park.", start)
	if !strings.Contains(b.text("h1"), "missing") || !strings.Contains(b.text("h1"), "Medium risk") {
		t.Fatalf("the new episode's page: %q", b.text("h1"))
	}
	b.checkPage("missing-episode-reported")
	b.signOut()

	// The control-room manager's queue, soonest due first.
	b.signIn("control.manager")
	b.visit("/missing")
	if !strings.Contains(b.text("h1"), "Awaiting ratification") {
		t.Fatalf("the manager's missing page starts on %q", b.text("h1"))
	}
	b.checkPage("missing-ratification-queue")
	b.click("a[href='/missing/episodes/" + episode + "']")
	b.click("a[href='/missing/episodes/" + episode + "/ratify']")
	b.checkPage("missing-ratify")
	b.check("#agree")
	b.click("main form button[type=submit]")
	if !strings.Contains(b.text("main table"), "within target") {
		t.Errorf("the ratification is not shown within target: %q", b.text("main table"))
	}
	b.click("a[href='/missing/episodes/" + episode + "/deploy']")
	b.check("input[name=people]")
	b.click("main form button[type=submit]")
	b.click("a[href='/missing/episodes/" + episode + "/found']")
	b.checkPage("missing-found")
	b.setDateTime("found_at", start.Add(40*time.Minute))
	b.fill("#found_place", "Ashvale park")
	b.fill("#found_by", "PC 2231")
	b.typeText("#condition", "Cold and tired, not hurt")
	b.click("main form button[type=submit]")
	if !strings.Contains(b.text("h1"), "found") {
		t.Fatalf("after recording the child found: %q", b.text("main"))
	}
	b.signOut()

	// The coordinator's prevention interview.
	b.signIn("missing.ashvale")
	b.visit("/missing?queue=no_prevention")
	b.click("a[href='/missing/episodes/" + episode + "']")
	b.click("a[href='/missing/episodes/" + episode + "/prevention']")
	b.typeText("#disclosures", "Says she was with friends from school")
	b.click("main form button[type=submit]")
	b.signOut()

	// The social worker's return home interview.
	b.signIn("social.worker")
	b.visit("/missing")
	if !strings.Contains(b.text("h1"), "Return interviews due") {
		t.Fatalf("the social worker's missing page starts on %q", b.text("h1"))
	}
	b.click("a[href='/missing/episodes/" + episode + "']")
	b.click("a[href='/missing/episodes/" + episode + "/return-interview']")
	b.checkPage("missing-return-interview")
	b.copyDateTime("rhi_offered_at", "rhi_completed_at")
	b.typeText("#rhi_notes", "Talked about the park and who she meets there")
	b.click("main form button[type=submit]")
	times := b.text("main table")
	if strings.Count(times, "within target") < 3 {
		t.Errorf("the key times after the return interview: %q", times)
	}
	b.checkPage("missing-episode-partner")
	if main := b.text("main"); !strings.Contains(main, "Not shared with partner agencies") {
		t.Errorf("the social worker's view of the episode does not say the reporter's contact is withheld: %q", main)
	}
	b.signOut()

	// The dashboard counts it, and the figure links to it.
	b.signIn("gold.chair")
	b.visit("/missing/dashboard")
	b.checkPage("missing-dashboard")
	if after := figure(t, b.text("a[href^='/missing/episodes?figure=reported']")); after != reportedBefore+1 {
		t.Errorf("reported in the period: %d before, %d after", reportedBefore, after)
	}
	b.click("a[href^='/missing/episodes?figure=rhi_completed']")
	if b.count("a[href='/missing/episodes/"+episode+"']") != 1 {
		t.Errorf("the completed return interviews do not list episode %s: %q", episode, b.text("main"))
	}
	b.checkPage("missing-figure-list")
	b.signOut()

	// Twice more: repeat missing, without a plan.
	b.signIn("control.manager")
	b.visit("/missing/episodes/" + episode)
	b.click("a[href='/missing/episodes/" + episode + "/close']")
	b.check("#checked")
	b.click("main form button[type=submit]")
	if !strings.Contains(b.text("h1"), "closed") {
		t.Fatalf("after closing: %q", b.text("main"))
	}
	for i := range 2 {
		at := start.Add(time.Duration(i+1) * time.Hour)
		e := b.report(child, "Missing again from the children's home", at)
		b.click("a[href='/missing/episodes/" + e + "/found']")
		b.setDateTime("found_at", at.Add(30*time.Minute))
		b.fill("#found_place", "Ashvale bus station")
		b.click("main form button[type=submit]")
	}
	b.signOut()

	b.signIn("missing.ashvale")
	b.visit("/missing?queue=repeat")
	b.checkPage("missing-repeat")
	if b.count("a[href='/children/"+child+"/missing']") != 1 {
		t.Fatalf("the child is not among repeat children without a plan: %q", b.text("main"))
	}
	b.click("a[href='/children/" + child + "/missing']")
	b.checkPage("missing-child-pattern")
	b.click("a[href='/children/" + child + "/missing/plan']")
	b.check("#agencies")
	b.typeText("#summary", "One worker for return interviews; school to call the home about any absence by 10am")
	b.fill("#actions", "Share the Philomena profile with the control room")
	b.fill("#owner-0", "Home manager")
	b.click("main form button[type=submit]")
	if !strings.Contains(b.text("main"), "Share the Philomena profile") {
		t.Fatalf("the plan is not shown: %q", b.text("main"))
	}
	b.visit("/missing?queue=repeat")
	if b.count("a[href='/children/"+child+"/missing']") != 0 {
		t.Error("the child with a plan is still listed without one")
	}
}

// report reports a child missing now, graded medium risk, and returns the
// episode's id.
func (b *browser) report(child, circumstances string, at time.Time) string {
	b.t.Helper()
	b.visit("/children/" + child + "/report-missing")
	b.setDateTime("last_seen_at", at.Add(-20*time.Minute))
	b.setDateTime("reported_at", at)
	b.fill("#reporter_name", "Dawn Carter")
	b.fill("#reporter_relation", "Residential carer")
	b.fill("#last_seen_place", "Ashvale Academy")
	b.typeText("#circumstances", circumstances)
	b.check("#factors-looked_after")
	b.check("#risk-medium")
	b.typeText("#rationale", "Looked after; links to older boys; no medical needs")
	b.click("main form button[type=submit]")
	m := regexp.MustCompile(`^/missing/episodes/(\d+)`).FindStringSubmatch(b.path())
	if m == nil {
		b.t.Fatalf("reporting stayed on %s: %q", b.path(), b.text("main"))
	}
	return m[1]
}

// copyDateTime copies one date-time field's parts into another.
func (b *browser) copyDateTime(from, to string) {
	b.t.Helper()
	for _, part := range []string{"", "-month", "-year", "-time"} {
		src := "#" + from + part
		v, err := b.value(src)
		if err != nil {
			b.t.Fatalf("reading %s: %v", src, err)
		}
		b.fill("#"+to+part, v)
	}
}

// setDateTime fills a date-time field with a time, in London.
func (b *browser) setDateTime(name string, at time.Time) {
	b.t.Helper()
	l := at.In(london)
	b.fill("#"+name, strconv.Itoa(l.Day()))
	b.fill("#"+name+"-month", strconv.Itoa(int(l.Month())))
	b.fill("#"+name+"-year", strconv.Itoa(l.Year()))
	b.fill("#"+name+"-time", l.Format("15:04"))
}

var london = func() *time.Location {
	l, err := time.LoadLocation("Europe/London")
	if err != nil {
		panic(err)
	}
	return l
}()

// html returns the inner HTML of the first element matching sel.
func (b *browser) html(sel string) string {
	b.t.Helper()
	return b.eval(`document.querySelector("` + sel + `").innerHTML`)
}

// figure reads the number at the start of a figure's text.
func figure(t *testing.T, s string) int {
	t.Helper()
	m := regexp.MustCompile(`\d+`).FindString(s)
	n, err := strconv.Atoi(m)
	if err != nil {
		t.Fatalf("no figure in %q", s)
	}
	return n
}

// eval evaluates a JavaScript expression that returns a string.
func (b *browser) eval(js string) string {
	b.t.Helper()
	s, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](js))
	if err != nil {
		b.t.Fatalf("evaluating %s: %v", js, err)
	}
	return s
}
