package web

import (
	"cmp"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/vigilcp/vigil/internal/vigil"
)

// childMissingData is a child's missing history: episodes, their pattern
// and the multi-agency plans.
type childMissingData struct {
	Child    *vigil.ChildRecord
	Episodes []episodeRow
	Pattern  missingPattern
	Plans    []vigil.Plan
	Active   *vigil.Plan
	Agencies map[int64]string
	Since    *planChange
	Repeat   bool
	Targets  vigil.Targets
	// Links are the people and places linked to the child now, when the
	// profile part is open to the reader.
	Links []vigil.Link
}

// missingPattern summarises when and where a child goes missing.
type missingPattern struct {
	Times     []countOf // by time of day
	Days      []countOf // by day of the week
	LastSeen  []countOf
	Found     []countOf
	FoundBy   []countOf
	Longest   string
	Typical   string
	WithHarm  int
	Indicator []countOf
}

type countOf struct {
	Label string
	N     int
}

// planChange compares the episodes since a plan's strategy meeting with
// the same length of time before it.
type planChange struct {
	Days          int
	Before, After int
}

func counted(m map[string]int, top int) []countOf {
	var out []countOf
	for k, n := range m {
		if k != "" {
			out = append(out, countOf{k, n})
		}
	}
	slices.SortFunc(out, func(a, b countOf) int {
		if c := cmp.Compare(b.N, a.N); c != 0 {
			return c
		}
		return strings.Compare(a.Label, b.Label)
	})
	if len(out) > top {
		out = out[:top]
	}
	return out
}

func patternOf(eps []vigil.Episode) missingPattern {
	var p missingPattern
	bands := []struct {
		label    string
		from, to int
	}{{"Night (22:00 to 06:00)", 22, 6}, {"Morning (06:00 to 12:00)", 6, 12}, {"Afternoon (12:00 to 18:00)", 12, 18}, {"Evening (18:00 to 22:00)", 18, 22}}
	times := map[string]int{}
	days := map[string]int{}
	seen, found, by, signs := map[string]int{}, map[string]int{}, map[string]int{}, map[string]int{}
	var durations []time.Duration
	for _, e := range eps {
		h := londonTime(e.LastSeenAt).Hour()
		for _, b := range bands {
			if b.from < b.to && h >= b.from && h < b.to || b.from > b.to && (h >= b.from || h < b.to) {
				times[b.label]++
			}
		}
		days[londonTime(e.LastSeenAt).Weekday().String()]++
		seen[e.LastSeenPlace]++
		found[e.FoundPlace]++
		by[e.FoundBy]++
		for _, s := range e.ExploitationIndicators {
			signs[s]++
		}
		if e.FoundAt != nil {
			durations = append(durations, e.FoundAt.Sub(e.LastSeenAt))
		}
		if strings.TrimSpace(e.HarmSuffered) != "" {
			p.WithHarm++
		}
	}
	for _, b := range bands {
		p.Times = append(p.Times, countOf{b.label, times[b.label]})
	}
	for d := time.Monday; ; d = (d + 1) % 7 {
		p.Days = append(p.Days, countOf{d.String(), days[d.String()]})
		if d == time.Sunday {
			break
		}
	}
	p.LastSeen, p.Found, p.FoundBy, p.Indicator = counted(seen, 5), counted(found, 5), counted(by, 5), counted(signs, 5)
	if len(durations) > 0 {
		st := vigil.Summarise(durations, 0)
		p.Typical = durationWords(st.Median.Round(time.Minute))
		p.Longest = durationWords(slices.Max(durations).Round(time.Minute))
	}
	return p
}

func (s *Server) childMissingPage(w http.ResponseWriter, r *http.Request) {
	cd, ok := s.loadChild(w, r, purposeEpisodeView)
	if !ok {
		return
	}
	ctx := vigil.WithPurpose(r.Context(), purposeEpisodeView)
	page, err := s.svc.Missing.Episodes(ctx, vigil.EpisodeFilter{ChildID: cd.Child.ID, PageRequest: vigil.PageRequest{Limit: vigil.MaxPageSize}})
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	plans, err := s.svc.Missing.Plans(ctx, cd.Child.ID)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	d := &childMissingData{Child: cd.Child, Plans: plans, Agencies: map[int64]string{}, Targets: s.targetsFor(r)}
	for _, a := range cd.Agencies {
		d.Agencies[a.ID] = a.Name
	}
	now := s.now()
	var reports []time.Time
	for _, e := range page.Items {
		d.Episodes = append(d.Episodes, rowFor("", e, d.Targets, now))
		reports = append(reports, e.ReportedAt)
	}
	d.Pattern = patternOf(page.Items)
	if !cd.Child.IsWithheld(vigil.PartProfile) {
		if p, err := s.svc.Profiles.Profile(ctx, cd.Child.ID); err == nil {
			for _, l := range p.Links {
				if l.EndedAt == nil {
					d.Links = append(d.Links, l)
				}
			}
		} else if code := vigil.ErrorCode(err); code != vigil.EFORBIDDEN && code != vigil.ENOTFOUND {
			s.pageError(w, r, err)
			return
		}
	}
	if len(reports) > 0 {
		latest := slices.MaxFunc(reports, time.Time.Compare)
		d.Repeat = vigil.RepeatMissing(reports, d.Targets) && !latest.Before(vigil.RepeatWindowStart(now, d.Targets.RepeatWindow))
	}
	for i := range plans {
		if plans[i].EndedAt == nil {
			d.Active = &plans[i]
			break
		}
	}
	if d.Active != nil {
		days := int(now.Sub(d.Active.StrategyMeetingAt).Hours()/24) + 1
		c := &planChange{Days: days}
		before := d.Active.StrategyMeetingAt.AddDate(0, 0, -days)
		for _, at := range reports {
			switch {
			case !at.Before(d.Active.StrategyMeetingAt):
				c.After++
			case !at.Before(before):
				c.Before++
			}
		}
		d.Since = c
	}
	s.render(w, r, http.StatusOK, "child-missing", &Page{Title: "Missing episodes: " + cd.Child.FullName(), Data: d})
}

// planData is the plan form.
type planData struct {
	Child    *vigil.ChildRecord
	Plan     *vigil.Plan
	Agencies []vigil.Agency
	Rows     []int
}

func (s *Server) planForm(w http.ResponseWriter, r *http.Request) (*planData, bool) {
	if p := vigil.PrincipalFrom(r.Context()); p != nil && !p.Has(vigil.ActionPlan, vigil.KindEpisode) {
		s.pageError(w, r, vigil.Errorf(vigil.EFORBIDDEN, "You cannot record plans"))
		return nil, false
	}
	cd, ok := s.loadChild(w, r, purposeEpisodeView)
	if !ok {
		return nil, false
	}
	d := &planData{Child: cd.Child, Agencies: cd.Agencies}
	plans, err := s.svc.Missing.Plans(vigil.WithPurpose(r.Context(), purposeEpisodeView), cd.Child.ID)
	if err != nil {
		s.pageError(w, r, err)
		return nil, false
	}
	for i := range plans {
		if plans[i].EndedAt == nil {
			d.Plan = &plans[i]
			break
		}
	}
	return d, true
}

func dateFields(f url.Values, name string, t time.Time) {
	l := londonTime(t)
	f.Set(name+"-day", strconv.Itoa(l.Day()))
	f.Set(name+"-month", strconv.Itoa(int(l.Month())))
	f.Set(name+"-year", strconv.Itoa(l.Year()))
}

func (s *Server) planPage(w http.ResponseWriter, r *http.Request) {
	d, ok := s.planForm(w, r)
	if !ok {
		return
	}
	form := url.Values{}
	n := 3
	if p := d.Plan; p != nil {
		form.Set("version", strconv.FormatInt(p.Version, 10))
		dateFields(form, "strategy_meeting_at", p.StrategyMeetingAt)
		dateFields(form, "review_at", p.ReviewAt)
		form.Set("summary", p.Summary)
		for _, a := range p.Agencies {
			form.Add("agencies", strconv.FormatInt(a, 10))
		}
		for i, a := range p.Actions {
			form.Set(fmt.Sprintf("action-%d", i), a.Action)
			form.Set(fmt.Sprintf("owner-%d", i), a.Owner)
			if a.DoneAt != nil {
				form.Set(fmt.Sprintf("done-%d", i), "yes")
			}
		}
		n = len(p.Actions) + 2
	} else {
		dateFields(form, "strategy_meeting_at", s.now())
		dateFields(form, "review_at", s.now().AddDate(0, 0, 28))
	}
	for i := range n {
		d.Rows = append(d.Rows, i)
	}
	title := "Record a multi-agency plan"
	if d.Plan != nil {
		title = "Review the multi-agency plan"
	}
	s.render(w, r, http.StatusOK, "missing-plan", &Page{Title: title, Data: d, Form: form})
}

// formDate reads a date entered as name-day, name-month and name-year, as
// the start of that day in London.
func formDate(r *http.Request, name string, v *vigil.Validation) time.Time {
	day, month, year := strings.TrimSpace(r.PostFormValue(name+"-day")), strings.TrimSpace(r.PostFormValue(name+"-month")),
		strings.TrimSpace(r.PostFormValue(name+"-year"))
	if day == "" && month == "" && year == "" {
		return time.Time{}
	}
	d, errD := strconv.Atoi(day)
	m, errM := strconv.Atoi(month)
	y, errY := strconv.Atoi(year)
	at := time.Date(y, time.Month(m), d, 0, 0, 0, 0, london)
	if errD != nil || errM != nil || errY != nil || m < 1 || m > 12 || y < 1900 || y > 2200 || at.Day() != d {
		v.Add(name, "Enter a real date, like 27 3 2026")
		return time.Time{}
	}
	return at
}

func (s *Server) savePlan(w http.ResponseWriter, r *http.Request) {
	d, ok := s.planForm(w, r)
	if !ok {
		return
	}
	if err := r.ParseForm(); err != nil {
		s.pageError(w, r, vigil.Errorf(vigil.EINVALID, "The form could not be read"))
		return
	}
	var v vigil.Validation
	p := vigil.Plan{ChildID: d.Child.ID, StrategyMeetingAt: formDate(r, "strategy_meeting_at", &v), ReviewAt: formDate(r, "review_at", &v),
		Summary: r.PostFormValue("summary")}
	if d.Plan != nil {
		p.ID, p.Version = d.Plan.ID, episodeVersion(r)
	}
	for _, a := range r.PostForm["agencies"] {
		id, err := strconv.ParseInt(a, 10, 64)
		if err == nil {
			p.Agencies = append(p.Agencies, id)
		}
	}
	rows := 0
	for i := 0; i < 50; i++ {
		action, owner := strings.TrimSpace(r.PostFormValue(fmt.Sprintf("action-%d", i))), strings.TrimSpace(r.PostFormValue(fmt.Sprintf("owner-%d", i)))
		if _, present := r.PostForm[fmt.Sprintf("action-%d", i)]; present {
			rows = i + 1
		}
		if action == "" && owner == "" {
			continue
		}
		a := vigil.PlanAction{Action: action, Owner: owner}
		if r.PostFormValue(fmt.Sprintf("done-%d", i)) == "yes" {
			now := s.now()
			a.DoneAt = &now
			if d.Plan != nil && i < len(d.Plan.Actions) && d.Plan.Actions[i].DoneAt != nil {
				a.DoneAt = d.Plan.Actions[i].DoneAt
			}
		}
		p.Actions = append(p.Actions, a)
	}
	if r.PostFormValue("end") == "yes" && d.Plan != nil {
		now := s.now()
		p.EndedAt = &now
	}
	err := v.Err()
	if err == nil {
		_, err = s.svc.Missing.SavePlan(r.Context(), p)
	}
	if err != nil {
		if fields := vigil.ErrorFields(err); len(fields) > 0 || vigil.ErrorCode(err) == vigil.ECONFLICT {
			if len(fields) == 0 {
				fields = []vigil.FieldError{{Field: "summary", Message: vigil.ErrorMessage(err)}}
			}
			for i := range max(rows, 3) {
				d.Rows = append(d.Rows, i)
			}
			s.render(w, r, http.StatusUnprocessableEntity, "missing-plan", &Page{Title: "Record a multi-agency plan", Data: d,
				Errors: fields, Form: r.PostForm})
			return
		}
		s.pageError(w, r, err)
		return
	}
	http.Redirect(w, r, fmt.Sprintf("/children/%d/missing?planned=1", d.Child.ID), http.StatusSeeOther)
}

func (s *Server) repeatPage(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if q.Get("queue") == "" {
		q.Set("queue", "repeat")
	}
	r.URL.RawQuery = q.Encode()
	s.missingWorkPage(w, r)
}

// dashboardData is the missing-children dashboard.
type dashboardData struct {
	D        *vigil.Dashboard
	LPAs     []vigil.LPA
	Teams    []vigil.Team
	From, To string // the period as entered (To inclusive)
	Area     string
	// Whole and AnyTeam say the reader may see the whole force's figures,
	// and every team's of the area asked for.
	Whole, AnyTeam bool
	Query          string // the area and period, for the links behind figures
	OpenTotal      int
	Levels         []vigil.RiskLevel
	Trend          []trendBar
	Max            int
	// The chart: its width and the within-target lines' points.
	Width                  int
	RatifyLine, DeployLine string
}

// trendBar is one month of the trend chart.
type trendBar struct {
	vigil.TrendPoint
	Label              string
	X, Height, Y       int
	RatifyPct, DeplPct int
}

func (s *Server) dashboardPage(w http.ResponseWriter, r *http.Request) {
	var v vigil.Validation
	q := r.URL.Query()
	f := vigil.DashboardFilter{LPAID: queryID(r, "lpa_id", &v), TeamID: queryID(r, "team_id", &v)}
	f.From, f.To = monthPeriod(&v, q.Get("from"), q.Get("to"), s.now())
	if err := v.Err(); err != nil {
		s.pageError(w, r, err)
		return
	}
	p := vigil.PrincipalFrom(r.Context())
	figuresDefault(p, &f.LPAID, &f.TeamID)
	dash, err := s.svc.Missing.Dashboard(r.Context(), f)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	d := &dashboardData{D: dash, From: f.From.Format("2006-01"), To: f.To.AddDate(0, -1, 0).Format("2006-01"),
		Levels: slices.Clone(vigil.RiskLevels), Area: "Kingsmoor force"}
	slices.Reverse(d.Levels)
	if org, err := s.svc.Org.Organisation(r.Context()); err == nil {
		// Offer only the areas the reader's figures may cover.
		d.Area = org.Force.Name
		d.Whole = vigil.FiguresArea(p, 0, 0, 0) == nil
		d.AnyTeam = vigil.FiguresArea(p, f.LPAID, 0, 0) == nil
		for _, l := range org.LPAs {
			if vigil.FiguresArea(p, l.ID, 0, 0) == nil {
				d.LPAs = append(d.LPAs, l)
			}
		}
		for _, t := range org.Teams {
			if t.Kind == vigil.TeamMissingPersons && vigil.FiguresArea(p, 0, t.ID, t.LPAID) == nil {
				d.Teams = append(d.Teams, t)
			}
		}
		for _, l := range org.LPAs {
			if l.ID == f.LPAID {
				d.Area = l.Name + " LPA"
			}
		}
		for _, t := range org.Teams {
			if t.ID == f.TeamID {
				d.Area = t.Name
			}
		}
	}
	link := url.Values{"from": {f.From.Format("2006-01-02")}, "to": {f.To.AddDate(0, 0, -1).Format("2006-01-02")}}
	if f.LPAID != 0 {
		link.Set("lpa_id", strconv.FormatInt(f.LPAID, 10))
	}
	if f.TeamID != 0 {
		link.Set("team_id", strconv.FormatInt(f.TeamID, 10))
	}
	d.Query = link.Encode()
	for _, n := range dash.Open {
		d.OpenTotal += n
	}
	for _, p := range dash.Trend {
		d.Max = max(d.Max, p.Episodes)
	}
	for i, p := range dash.Trend {
		b := trendBar{TrendPoint: p, Label: londonTime(p.Month).Format("Jan 06"), X: 40 + i*56}
		if d.Max > 0 {
			b.Height = p.Episodes * 160 / d.Max
		}
		b.Y = 180 - b.Height
		b.RatifyPct = int(p.RatifyWithin.Share()*100 + 0.5)
		b.DeplPct = int(p.DeployWithin.Share()*100 + 0.5)
		d.Trend = append(d.Trend, b)
		pt := func(pct int) string { return fmt.Sprintf("%d,%d ", b.X+20, 180-pct*160/100) }
		if p.RatifyWithin.Of > 0 {
			d.RatifyLine += pt(b.RatifyPct)
		}
		if p.DeployWithin.Of > 0 {
			d.DeployLine += pt(b.DeplPct)
		}
	}
	d.Width = 40 + len(d.Trend)*56 + 20
	s.render(w, r, http.StatusOK, "missing-dashboard", &Page{Title: "Missing children dashboard", Data: d,
		Form: url.Values{"from": {d.From}, "to": {d.To}, "lpa_id": {idValue(f.LPAID)}, "team_id": {idValue(f.TeamID)}}})
}

// targetsData is the targets settings form.
type targetsData struct {
	Levels []vigil.RiskLevel
	T      vigil.Targets
	Saved  bool
}

func targetForm(t vigil.Targets) url.Values {
	f := url.Values{}
	mins := func(d time.Duration) string { return strconv.FormatInt(int64(d/time.Minute), 10) }
	for _, l := range vigil.RiskLevels {
		f.Set("ratify_"+string(l), mins(t.Ratify[l]))
		f.Set("deploy_"+string(l), mins(t.Deploy[l]))
		f.Set("review_"+string(l), mins(t.Review[l]))
	}
	f.Set("prevention", strconv.FormatInt(int64(t.Prevention/time.Hour), 10))
	f.Set("repeat_episodes", strconv.Itoa(t.RepeatEpisodes))
	f.Set("repeat_window_days", strconv.Itoa(t.RepeatWindow))
	return f
}

// mayTarget refuses the targets pages to anyone who may not change them.
func (s *Server) mayTarget(w http.ResponseWriter, r *http.Request) bool {
	p := vigil.PrincipalFrom(r.Context())
	switch {
	case p == nil:
		s.pageError(w, r, vigil.Errorf(vigil.EUNAUTHENTICATED, "sign in"))
		return false
	case !p.Has(vigil.ActionUpdate, vigil.KindMissingTargets):
		s.pageError(w, r, vigil.Errorf(vigil.EFORBIDDEN, "You cannot change the force's targets"))
		return false
	}
	return true
}

func (s *Server) targetsPage(w http.ResponseWriter, r *http.Request) {
	if !s.mayTarget(w, r) {
		return
	}
	t, err := s.svc.Missing.Targets(r.Context())
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	lv := slices.Clone(vigil.RiskLevels)
	slices.Reverse(lv)
	s.render(w, r, http.StatusOK, "missing-targets", &Page{Title: "Missing-children targets",
		Data: targetsData{Levels: lv, T: t, Saved: r.URL.Query().Get("saved") == "1"}, Form: targetForm(t)})
}

func (s *Server) saveTargets(w http.ResponseWriter, r *http.Request) {
	if !s.mayTarget(w, r) {
		return
	}
	if err := r.ParseForm(); err != nil {
		s.pageError(w, r, vigil.Errorf(vigil.EINVALID, "The form could not be read"))
		return
	}
	var v vigil.Validation
	num := func(name string) int {
		n, err := strconv.Atoi(strings.TrimSpace(r.PostFormValue(name)))
		if err != nil || n < 0 {
			v.Add(name, "Enter a whole number")
			return -1
		}
		return n
	}
	t := vigil.Targets{Ratify: map[vigil.RiskLevel]time.Duration{}, Deploy: map[vigil.RiskLevel]time.Duration{},
		Review: map[vigil.RiskLevel]time.Duration{}}
	for _, l := range vigil.RiskLevels {
		t.Ratify[l] = time.Duration(num("ratify_"+string(l))) * time.Minute
		t.Deploy[l] = time.Duration(num("deploy_"+string(l))) * time.Minute
		t.Review[l] = time.Duration(num("review_"+string(l))) * time.Minute
	}
	t.Prevention = time.Duration(num("prevention")) * time.Hour
	t.RepeatEpisodes = num("repeat_episodes")
	t.RepeatWindow = num("repeat_window_days")
	err := v.Err()
	if err == nil {
		err = s.svc.Missing.SetTargets(r.Context(), t)
	}
	if err != nil {
		if fields := vigil.ErrorFields(err); len(fields) > 0 {
			lv := slices.Clone(vigil.RiskLevels)
			slices.Reverse(lv)
			s.render(w, r, http.StatusUnprocessableEntity, "missing-targets", &Page{Title: "Missing-children targets",
				Data: targetsData{Levels: lv, T: t}, Errors: fields, Form: r.PostForm})
			return
		}
		s.pageError(w, r, err)
		return
	}
	http.Redirect(w, r, "/missing/targets?saved=1", http.StatusSeeOther)
}

// delayRow is one risk level's delays, with the links to the episodes
// behind its figures.
type delayRow struct {
	vigil.RiskDelay
	Late                int
	MetHref, MissedHref template.URL
}

func delayRows(ds []vigil.RiskDelay, figure, query string) []delayRow {
	out := make([]delayRow, len(ds))
	for i, d := range ds {
		base := "/missing/episodes?risk=" + string(d.Risk) + "&" + query + "&figure=" + figure
		out[i] = delayRow{RiskDelay: d, Late: d.Count - d.WithinTarget, MetHref: template.URL(base + "_met"),
			MissedHref: template.URL(base + "_missed")}
	}
	return out
}

// monthPeriod reads a dashboard period as whole months, "YYYY-MM" each,
// both included: by default the twelve months ending with this one. It
// returns the instants the first month starts and the month after the
// last starts, in London.
func monthPeriod(v *vigil.Validation, from, to string, now time.Time) (time.Time, time.Time) {
	month := func(name, s string) time.Time {
		t, err := time.ParseInLocation("2006-01", strings.TrimSpace(s), london)
		if err != nil {
			v.Add(name, "%s must be a month, like 2026-03", name)
			return time.Time{}
		}
		return t
	}
	var f, t time.Time
	if to == "" {
		l := londonTime(now)
		t = time.Date(l.Year(), l.Month()+1, 1, 0, 0, 0, 0, london)
	} else if m := month("to", to); !m.IsZero() {
		t = m.AddDate(0, 1, 0)
	}
	if from == "" {
		if !t.IsZero() {
			f = t.AddDate(-1, 0, 0)
		}
	} else {
		f = month("from", from)
	}
	if !f.IsZero() && !t.IsZero() && !f.Before(t) {
		v.Add("from", "The first month must not be after the last")
	}
	if !f.IsZero() && !t.IsZero() && t.Sub(f) > 20*366*24*time.Hour {
		v.Add("from", "Choose at most twenty years")
	}
	return f, t
}

// figuresDefault puts the reader's own area into a request for figures
// that names none: the whole force, their LPA or their team (see
// vigil.DefaultFiguresArea).
func figuresDefault(p *vigil.Principal, lpa, team *int64) {
	if p != nil && *lpa == 0 && *team == 0 {
		*lpa, *team = vigil.DefaultFiguresArea(p)
	}
}

// idValue is an id as a form value: empty for none.
func idValue(id int64) string {
	if id == 0 {
		return ""
	}
	return strconv.FormatInt(id, 10)
}
