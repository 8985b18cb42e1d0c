package demo

// Missing episodes for the demo force: several years of them ending at the
// as-of day, with the shape of the national figures (domain brief §3.6) and
// of the inspection's findings (issue 4, point 8).
//
// How the history is made:
//
//   - Report times are a Poisson stream of exactly EpisodeCount episodes,
//     denser in the evening and at weekends, drawn in time order so that
//     episode ids follow the report time.
//   - Each report goes to a demo child drawn by a heavy-tailed propensity
//     (most children never go missing; a few go missing again and again),
//     weighted by the child's age at the time (mostly 12 to 17) and never
//     while that child is still missing from an earlier episode.
//   - The demo children are those under 18 on the as-of day, so the further
//     back the history reaches, the fewer of them were teenagers. Where the
//     children old enough to go missing fall below 45% of their number in
//     the last year, the report rate falls with them rather than loading
//     the few older children with every episode. At small and force scale
//     (three years) this never bites: the years are level. At national
//     scale (ten years) the last four years or so are level, at about
//     420,000 reports a year, and the years before thin out to almost
//     nothing eight years back (seed 1, as of 1 November 2026: 124 reports
//     in 2018, 6,746 in 2019, 30,423 in 2020, 105,705 in 2021, 242,971 in
//     2022, then 402,724, 426,584 and 426,704).
//   - Everything after the as-of day has not happened yet: an episode whose
//     child would be found later is still open; one whose prevention or
//     return interview or closure would come later is found and awaiting
//     follow-up. The work queues fill themselves that way.
//
// The skeleton of each episode (time, child, first risk grading, how long
// missing) comes from one stream; everything else from a stream seeded by
// the episode's id, so that Plans can replay the skeleton cheaply.
//
// The delays are drawn around vigil.DefaultTargets (force settings, none
// national), Marlcombe slower than Ashvale.

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/vigilcp/vigil/internal/vigil"
)

// EpisodeData is one demo episode with its timeline.
type EpisodeData struct {
	Episode vigil.Episode
	Notes   []Note // the timeline: enquiries and actions, oldest first
}

// Note is one entry on an episode's timeline. Kind is "enquiry", "action",
// "review" or "update"; By is a user id.
type Note struct {
	At   time.Time
	By   int64
	Kind string
	Text string
}

// Plan is a multi-agency plan for a repeat-missing child.
type Plan struct {
	ChildID           int64
	StrategyMeetingAt time.Time
	ReviewAt          time.Time
	Agencies          []int64
	Actions           []PlanAction
	CreatedBy         int64 // user id
	Summary           string
}

// PlanAction is one action of a plan, with its owner and due date; DoneAt
// is nil while it is outstanding.
type PlanAction struct {
	Action, Owner string
	DueAt         time.Time
	DoneAt        *time.Time
}

// Note kinds.
const (
	NoteEnquiry = "enquiry"
	NoteAction  = "action"
	NoteReview  = "review"
	NoteUpdate  = "update"
)

// EpisodeCount is how many episodes Episodes yields for cfg.
func EpisodeCount(cfg Config) int {
	switch cfg.Scale {
	case Force:
		return 25_000
	case National:
		return 2_000_000
	}
	return 1_200
}

// HistoryYears is how many years of episodes end at cfg.AsOf.
func HistoryYears(cfg Config) int {
	if cfg.Scale == National {
		return 10
	}
	return 3
}

// Episodes yields the demo missing episodes in report order, ids from 1,
// calling yield for each from the calling goroutine; it stops at the first
// error yield returns. It holds a few bytes per child and a few thousand
// episodes in flight, never all of them. The details of each episode are
// filled in on several cores; the result does not depend on how many.
func (o *Org) Episodes(cfg Config, yield func(EpisodeData) error) error {
	g, err := o.newMissingGen(cfg)
	if err != nil {
		return err
	}
	workers := min(runtime.GOMAXPROCS(0), 8)
	if workers < 2 {
		r, seed := g.detailRand()
		return g.skeleton(func(s skel) error { return yield(g.details(seed(r, s), s)) })
	}

	// The skeleton is made in order on one goroutine, in batches; workers
	// fill in the batches' details; this goroutine yields them in order.
	type batch struct {
		skels []skel
		out   []EpisodeData
		done  chan struct{}
	}
	const size = 256
	todo := make(chan *batch, 2*workers)
	inOrder := make(chan *batch, 2*workers)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			r, seed := g.detailRand()
			for b := range todo {
				b.out = make([]EpisodeData, len(b.skels))
				for i, s := range b.skels {
					b.out[i] = g.details(seed(r, s), s)
				}
				close(b.done)
			}
		})
	}
	var skelErr error
	errStopped := errors.New("stopped")
	go func() {
		defer close(inOrder)
		defer close(todo)
		send := func(b *batch) error {
			select {
			case <-stop:
				return errStopped
			default:
			}
			select {
			case inOrder <- b:
			case <-stop:
				return errStopped
			}
			todo <- b // waits, if at all, only for a worker to take one
			return nil
		}
		cur := &batch{done: make(chan struct{})}
		err := g.skeleton(func(s skel) error {
			cur.skels = append(cur.skels, s)
			if len(cur.skels) < size {
				return nil
			}
			b := cur
			cur = &batch{done: make(chan struct{})}
			return send(b)
		})
		if err == nil && len(cur.skels) > 0 {
			err = send(cur)
		}
		if err != nil && err != errStopped {
			skelErr = err
		}
	}()
	finish := func() {
		for range inOrder { // let the producer finish
		}
		wg.Wait()
	}
	for b := range inOrder {
		<-b.done
		for _, e := range b.out {
			if err := yield(e); err != nil {
				close(stop)
				finish()
				return err
			}
		}
		b.out = nil
	}
	wg.Wait()
	return skelErr
}

// detailRand returns a generator for episodes' details and a function that
// seeds it for one episode, from its id alone.
func (g *missingGen) detailRand() (*rand.Rand, func(*rand.Rand, skel) *rand.Rand) {
	pcg := rand.NewPCG(0, 0)
	return rand.New(pcg), func(r *rand.Rand, s skel) *rand.Rand {
		pcg.Seed(mix(g.seed^0xe915_0de5), mix(uint64(s.id)^g.seed))
		return r
	}
}

// Plans yields multi-agency plans, in child id order, for about half of
// the children who have been repeat-missing (three reports within 90
// days), once their strategy meeting has been held by cfg.AsOf. Some
// plans are past their review date.
func (o *Org) Plans(cfg Config, yield func(Plan) error) error {
	g, err := o.newMissingGen(cfg)
	if err != nil {
		return err
	}
	became, err := g.becameRepeat()
	if err != nil {
		return err
	}
	n := len(became)
	pcg := rand.NewPCG(0, 0)
	r := rand.New(pcg)
	for k := range n {
		if became[k] == 0 {
			continue
		}
		id := uint64(k + 1)
		if mix(g.seed^0x91a7^id*0x9e3779b97f4a7c15)%100 >= 50 {
			continue // no plan: "repeat children without a plan" has content
		}
		pcg.Seed(mix(g.seed^0x91a75eed), mix(id^g.seed))
		p, ok := g.plan(r, k, time.Unix(became[k], 0).UTC())
		if !ok {
			continue
		}
		if err := yield(p); err != nil {
			return err
		}
	}
	return nil
}

// becameRepeat returns, for each child by index, when they first met the
// repeat threshold (unix seconds), or 0.
func (g *missingGen) becameRepeat() ([]int64, error) {
	n := len(g.kids.dob)
	prev1, prev2 := make([]int64, n), make([]int64, n) // the last two reports, unix seconds
	became := make([]int64, n)                         // when the child first met the threshold
	const window = 89 * 24 * 60 * 60                   // 89 days: within 90 calendar days in any zone
	err := g.skeleton(func(s skel) error {
		t := s.reported.Unix()
		k := s.kid
		if prev2[k] != 0 && t-prev2[k] <= window && became[k] == 0 {
			became[k] = t
		}
		prev2[k], prev1[k] = prev1[k], t
		return nil
	})
	return became, err
}

// kidTable holds what the generator needs of each child, by index (child
// id − 1), in compact columns.
type kidTable struct {
	dob  []time.Time
	lpa  []uint8 // index into Org.LPAs and lpaPlaces
	town []uint8 // index into lpaPlaces[lpa]
	sex  []vigil.Sex
	fam  []uint8   // index into familyNames
	prop []float64 // propensity
	tr   []traits  // from the child's profile
}

type missingGen struct {
	o       *Org
	cfg     Config
	seed    uint64
	asOf    time.Time
	start   time.Time
	n       int
	kids    kidTable
	slots   []float64 // cumulative report intensity per hour from start
	lastLen time.Duration

	callHandler, manager, officer int64
	coordinator                   [2]int64
	missingTeam                   [2]int64
	responders                    [2][]int64
	lpaName                       [2]string
}

func (o *Org) newMissingGen(cfg Config) (*missingGen, error) {
	g := &missingGen{o: o, cfg: cfg, seed: cfg.Seed, n: EpisodeCount(cfg)}
	g.asOf = cfg.AsOf.UTC().Truncate(time.Second)
	g.start = time.Date(g.asOf.Year()-HistoryYears(cfg), g.asOf.Month(), g.asOf.Day(), 0, 0, 0, 0, time.UTC)
	g.callHandler = o.UserID("call.handler")
	g.manager = o.UserID("control.manager")
	g.officer = o.UserID("response.officer")
	g.coordinator = [2]int64{o.UserID("missing.ashvale"), o.UserID("missing.marlcombe")}
	if len(o.LPAs) != 2 || g.callHandler == 0 || g.manager == 0 || g.coordinator[0] == 0 || g.coordinator[1] == 0 {
		return nil, fmt.Errorf("demo: missing episodes need the demo organisation's two LPAs and users")
	}
	for i, l := range o.LPAs {
		g.lpaName[i] = l.Name
		for _, t := range o.Teams {
			if t.LPAID != l.ID {
				continue
			}
			switch t.Kind {
			case vigil.TeamMissingPersons:
				g.missingTeam[i] = t.ID
			case vigil.TeamResponse:
				for _, p := range o.People {
					if p.TeamID == t.ID && (p.Rank == vigil.RankConstable || p.Rank == vigil.RankSergeant) {
						g.responders[i] = append(g.responders[i], p.ID)
					}
				}
			}
		}
		if g.missingTeam[i] == 0 || len(g.responders[i]) == 0 {
			return nil, fmt.Errorf("demo: LPA %s has no missing-persons or response team", l.Name)
		}
	}
	if err := g.collectKids(); err != nil {
		return nil, err
	}
	return g, g.buildSlots()
}

// collectKids reads the demo children once, keeping what the episodes
// need, and gives each a propensity to go missing from a stream of its own.
func (g *missingGen) collectKids() error {
	n := g.o.ChildCount
	k := kidTable{dob: make([]time.Time, 0, n), lpa: make([]uint8, 0, n), town: make([]uint8, 0, n),
		sex: make([]vigil.Sex, 0, n), fam: make([]uint8, 0, n)}
	famIdx := map[string]uint8{}
	for i, f := range familyNames {
		famIdx[f] = uint8(i)
	}
	lpaIdx := map[int64]uint8{}
	for i, l := range g.o.LPAs {
		lpaIdx[l.ID] = uint8(i)
	}
	err := g.o.Children(g.cfg, func(c vigil.Child, _ ChildLinks) error {
		li := lpaIdx[c.LPAID]
		var ti uint8
		for j, p := range lpaPlaces[li] {
			if p.town == c.Town {
				ti = uint8(j)
				break
			}
		}
		k.dob = append(k.dob, c.DateOfBirth)
		k.lpa = append(k.lpa, li)
		k.town = append(k.town, ti)
		k.sex = append(k.sex, c.Sex)
		k.fam = append(k.fam, famIdx[c.FamilyName])
		k.tr = append(k.tr, traits{lookedAfter: c.LookedAfter,
			childrensHome: c.LookedAfter && strings.Contains(strings.ToLower(c.Placement), "home"),
			exploitation:  slices.Contains(c.WarningMarkers, "sexual_exploitation") || slices.Contains(c.WarningMarkers, "criminal_exploitation")})
		return nil
	})
	if err != nil {
		return err
	}
	// Propensity: 45% of children known to the force never go missing;
	// the rest have a log-normal propensity, capped, higher for children
	// in care. This is what puts half the episodes on a tenth of the
	// children who go missing.
	r := rand.New(rand.NewPCG(g.seed^0x3155_1a6e, g.seed+7))
	const sigma = 1.7
	k.prop = make([]float64, len(k.dob))
	for i := range k.dob {
		never := r.Float64() < 0.45
		w := math.Exp(min(sigma*r.NormFloat64(), 2*sigma))
		if never {
			w = 0
		}
		if k.tr[i].lookedAfter {
			w *= 2
		}
		k.prop[i] = w
	}
	g.kids = k
	return nil
}

// ageWeight is how likely a child of this age is to be the one reported,
// relative to a 14- to 16-year-old.
func ageWeight(age int) float64 {
	switch age {
	case 10:
		return 0.05
	case 11:
		return 0.15
	case 12:
		return 0.5
	case 13:
		return 0.8
	case 14, 15, 16:
		return 1
	case 17:
		return 0.8
	}
	return 0
}

// hourWeight is the share of missing reports by hour of the day: most come
// in the evening, when a child has not come home.
var hourWeight = [24]float64{6, 5, 4, 3, 2, 2, 2, 3, 4, 4, 4, 4, 4, 4, 5, 6, 7, 8, 9, 10, 11, 12, 12, 9}

func dayWeight(d time.Time) float64 {
	w := 1.0
	switch d.Weekday() {
	case time.Friday, time.Saturday:
		w = 1.15
	case time.Sunday:
		w = 1
	default:
		w = 0.95
	}
	if m := d.Month(); m >= time.June && m <= time.August {
		w *= 1.1
	}
	return w
}

// buildSlots works out the report intensity for each hour of the history:
// the hour of the day, the day of the week, the season, and how many
// children were old enough to go missing that day.
func (g *missingGen) buildSlots() error {
	days := int(g.asOf.Sub(g.start)/(24*time.Hour)) + 1
	diff := make([]float64, days+2)
	dayOf := func(t time.Time) int {
		if t.Before(g.start) {
			return 0
		}
		return min(int(t.Sub(g.start)/(24*time.Hour)), days)
	}
	// Propensity by day of birth first: many children share a birthday.
	first, latest := int64(math.MaxInt64), int64(math.MinInt64)
	for _, dob := range g.kids.dob {
		d := dob.Unix() / 86400
		first, latest = min(first, d), max(latest, d)
	}
	byBirthday := make([]float64, max(latest-first+1, 0))
	for i, dob := range g.kids.dob {
		byBirthday[dob.Unix()/86400-first] += g.kids.prop[i]
	}
	for b, w := range byBirthday {
		if w == 0 {
			continue
		}
		dob := time.Unix((first+int64(b))*86400, 0).UTC()
		for a := 10; a < 18; a++ {
			from, to := dayOf(dob.AddDate(a, 0, 0)), dayOf(dob.AddDate(a+1, 0, 0))
			diff[from] += w * ageWeight(a)
			diff[to] -= w * ageWeight(a)
		}
	}
	eligible := make([]float64, days)
	var e, ref float64
	for d := range days {
		e += diff[d]
		eligible[d] = max(e, 0)
	}
	last := max(days-365, 0)
	for d := last; d < days; d++ {
		ref += eligible[d]
	}
	ref /= float64(days - last)
	if ref <= 0 {
		return fmt.Errorf("demo: no child is old enough to go missing")
	}
	nSlots := int(g.asOf.Sub(g.start) / time.Hour)
	g.lastLen = time.Hour
	if rem := g.asOf.Sub(g.start) % time.Hour; rem > 0 {
		nSlots++
		g.lastLen = rem
	}
	g.slots = make([]float64, nSlots+1)
	var cum float64
	for s := range nSlots {
		d := s / 24
		day := g.start.AddDate(0, 0, d)
		w := hourWeight[s%24] * dayWeight(day) * min(1, eligible[d]/(0.45*ref))
		if s == nSlots-1 {
			w *= float64(g.lastLen) / float64(time.Hour)
		}
		cum += w
		g.slots[s+1] = cum
	}
	return nil
}

// skel is the skeleton of one episode.
type skel struct {
	id       int64
	kid      int // index into kids
	prior    int // this child's earlier episodes
	reported time.Time
	lastSeen time.Time
	found    time.Time // may lie after asOf: then still missing
	risk     vigil.RiskLevel
}

// skeleton makes the episodes' skeletons in report order.
func (g *missingGen) skeleton(yield func(skel) error) error {
	// Report times: the order statistics of n uniform draws, as the
	// normalised partial sums of n+1 exponential gaps (two passes over one
	// stream), mapped through the intensity.
	gapSrc := rand.NewPCG(g.seed^0x71ae_9a95, g.seed+3)
	gaps := rand.New(gapSrc)
	var total float64
	for range g.n + 1 {
		total += gaps.ExpFloat64()
	}
	gapSrc.Seed(g.seed^0x71ae_9a95, g.seed+3)

	r := rand.New(rand.NewPCG(g.seed^0xc41d_5e1e, g.seed+5))
	k := g.kids
	count := make([]uint16, len(k.dob))
	cs := g.candidates()
	var ageDay int64 = -1
	var bornBy [19]int64 // bornBy[a]: born on or before this (unix) makes a child at least a
	var acc float64
	intensity := g.slots[len(g.slots)-1]
	for i := range g.n {
		acc += gaps.ExpFloat64()
		target := acc / total * intensity
		slot := sort.Search(len(g.slots), func(j int) bool { return g.slots[j] > target }) - 1
		slot = max(0, min(slot, len(g.slots)-2))
		slotLen := time.Hour
		if slot == len(g.slots)-2 {
			slotLen = g.lastLen
		}
		frac := (target - g.slots[slot]) / (g.slots[slot+1] - g.slots[slot])
		rep := sec(g.start.Add(time.Duration(slot)*time.Hour + time.Duration(frac*float64(slotLen))))
		if !rep.Before(g.asOf) {
			rep = g.asOf.Add(-time.Second)
		}
		lastSeen := rep.Add(-clampDur(logn(r, 2*time.Hour, 0.8), 15*time.Minute, 10*time.Hour)).Truncate(time.Minute)

		if d := rep.Unix() / 86400; d != ageDay {
			ageDay = d
			y, m, dd := rep.Date()
			for a := 10; a <= 18; a++ {
				bornBy[a] = time.Date(y-a, m, dd, 0, 0, 0, 0, time.UTC).Unix()
			}
		}
		// The groups of children born in the months that can be 10 to 17
		// now; the age test below is exact.
		gLo := max(sort.Search(len(cs.groupBorn), func(i int) bool { return cs.groupBorn[i] > bornBy[18] })-1, 0)
		gHi := sort.Search(len(cs.groupBorn), func(i int) bool { return cs.groupBorn[i] > bornBy[10] })
		if gHi <= gLo || cs.groupCum[gHi] <= cs.groupCum[gLo] {
			return fmt.Errorf("demo: no child old enough to go missing at %s", rep)
		}
		kid, pos := -1, 0
		for tries := 0; kid < 0; tries++ {
			if tries > 1_000_000 {
				return fmt.Errorf("demo: no child free to go missing at %s", rep)
			}
			x := cs.groupCum[gLo] + r.Float64()*(cs.groupCum[gHi]-cs.groupCum[gLo])
			grp := gLo + sort.Search(gHi-gLo, func(i int) bool { return cs.groupCum[gLo+i+1] >= x })
			if grp >= gHi {
				continue
			}
			from, to := int(cs.groupStart[grp]), int(cs.groupStart[grp+1])
			p := from + r.IntN(to-from)
			if r.Float64() >= cs.c[p].prob {
				p = int(cs.c[p].alias)
			}
			c := &cs.c[p]
			if c.busy > lastSeen.Unix()-1800 || c.born <= bornBy[18] || c.born > bornBy[10] {
				continue
			}
			age := 10
			for a := 17; a > 10; a-- {
				if c.born <= bornBy[a] {
					age = a
					break
				}
			}
			if aw := ageWeight(age); r.Float64() >= aw {
				continue
			}
			kid, pos = int(c.kid), p
		}
		risk := drawRisk(r)
		found := sec(rep.Add(missingFor(r, risk)))
		if i >= g.n-2 && !found.After(g.asOf) {
			// The last two reports are still open: a control room always
			// has someone missing.
			found = g.asOf.Add(time.Duration(1+r.IntN(48)) * time.Hour)
		}
		if found.After(g.asOf) {
			cs.c[pos].busy = math.MaxInt64
		} else {
			cs.c[pos].busy = found.Unix()
		}
		s := skel{id: int64(i + 1), kid: kid, prior: int(count[kid]), reported: rep, lastSeen: lastSeen, found: found, risk: risk}
		if count[kid] < math.MaxUint16 {
			count[kid]++
		}
		if err := yield(s); err != nil {
			return err
		}
	}
	return nil
}

// candidates are the children who ever go missing, in order of birth,
// grouped by month of birth, with an alias table in each group so that a
// child is drawn by propensity in constant time.
type candidates struct {
	c          []candidate
	groupStart []int32   // group i is c[groupStart[i]:groupStart[i+1]]
	groupBorn  []int64   // the first birth in group i (unix seconds)
	groupCum   []float64 // the propensity of the groups before group i
}

type candidate struct {
	born  int64 // date of birth, unix seconds
	busy  int64 // missing until, unix seconds
	prob  float64
	alias int32 // where to go instead, with probability 1−prob
	kid   int32
}

func (g *missingGen) candidates() *candidates {
	k := g.kids
	var order []int32
	for i, w := range k.prop {
		if w > 0 {
			order = append(order, int32(i))
		}
	}
	slices.SortStableFunc(order, func(a, b int32) int { return k.dob[a].Compare(k.dob[b]) })
	cs := &candidates{c: make([]candidate, len(order))}
	month := func(t time.Time) int { return t.Year()*12 + int(t.Month()) }
	for j, i := range order {
		cs.c[j] = candidate{born: k.dob[i].Unix(), kid: i}
		if j == 0 || month(k.dob[i]) != month(k.dob[order[j-1]]) {
			cs.groupStart = append(cs.groupStart, int32(j))
			cs.groupBorn = append(cs.groupBorn, cs.c[j].born)
		}
	}
	cs.groupStart = append(cs.groupStart, int32(len(order)))
	cs.groupCum = make([]float64, len(cs.groupBorn)+1)
	var small, large []int32
	for gi := range cs.groupBorn {
		from, to := int(cs.groupStart[gi]), int(cs.groupStart[gi+1])
		var sum float64
		for j := from; j < to; j++ {
			sum += k.prop[order[j]]
		}
		cs.groupCum[gi+1] = cs.groupCum[gi] + sum
		// Vose's alias method.
		small, large = small[:0], large[:0]
		n := float64(to - from)
		for j := from; j < to; j++ {
			cs.c[j].prob = k.prop[order[j]] * n / sum
			cs.c[j].alias = int32(j)
			if cs.c[j].prob < 1 {
				small = append(small, int32(j))
			} else {
				large = append(large, int32(j))
			}
		}
		for len(small) > 0 && len(large) > 0 {
			s, l := small[len(small)-1], large[len(large)-1]
			small = small[:len(small)-1]
			cs.c[s].alias = l
			cs.c[l].prob -= 1 - cs.c[s].prob
			if cs.c[l].prob < 1 {
				large = large[:len(large)-1]
				small = append(small, l)
			}
		}
		for _, j := range append(small, large...) {
			cs.c[j].prob = 1
		}
	}
	return cs
}

// drawRisk draws the first grading: very low 11%, low 32%, medium 45%,
// high 12%; changes at ratification and regradings, mostly upwards, bring
// the risk in force to about 10%, 30%, 45% and 15%.
func drawRisk(r *rand.Rand) vigil.RiskLevel {
	switch u := r.Float64(); {
	case u < 0.11:
		return vigil.RiskVeryLow
	case u < 0.43:
		return vigil.RiskLow
	case u < 0.88:
		return vigil.RiskMedium
	}
	return vigil.RiskHigh
}

func riskIndex(l vigil.RiskLevel) int {
	switch l {
	case vigil.RiskVeryLow:
		return 0
	case vigil.RiskLow:
		return 1
	case vigil.RiskMedium:
		return 2
	}
	return 3
}

// missingFor is how long a child is missing, from report to return: about
// 75% back within a day, 85% within two, 8% beyond three; high risk found
// faster.
func missingFor(r *rand.Rand, risk vigil.RiskLevel) time.Duration {
	type shape struct {
		day, two, three float64
		median          time.Duration
	}
	s := [4]shape{
		{0.70, 0.82, 0.89, 7 * time.Hour},
		{0.72, 0.83, 0.90, 6 * time.Hour},
		{0.75, 0.85, 0.915, 4*time.Hour + 30*time.Minute},
		{0.86, 0.94, 0.975, 2*time.Hour + 30*time.Minute},
	}[riskIndex(risk)]
	const day = 24 * time.Hour
	switch u := r.Float64(); {
	case u < s.day:
		return clampDur(logn(r, s.median, 0.9), 20*time.Minute, day-time.Minute)
	case u < s.two:
		return day + time.Duration(r.Float64()*float64(day))
	case u < s.three:
		return 2*day + time.Duration(r.Float64()*float64(day))
	}
	return 3*day + clampDur(time.Duration(r.ExpFloat64()*float64(60*time.Hour)), time.Hour, 45*day)
}

// delay is a log-normal delay.
type delay struct {
	median time.Duration
	sigma  float64
}

// Ratification (grading to ratification) and deployment (report to
// deployment) delays by LPA and risk (very low, low, medium, high):
// Ashvale mostly within the targets, Marlcombe at 1.5 to 2 times them
// with a long tail, as the inspection found.
var (
	ratifyDelay = [2][4]delay{
		{{4 * time.Hour, 0.6}, {2 * time.Hour, 0.6}, {40 * time.Minute, 0.55}, {20 * time.Minute, 0.5}},
		{{10 * time.Hour, 0.9}, {6 * time.Hour, 0.9}, {105 * time.Minute, 0.9}, {50 * time.Minute, 0.85}},
	}
	deployDelay = [2][4]delay{
		{{8 * time.Hour, 0.6}, {4 * time.Hour, 0.6}, {80 * time.Minute, 0.55}, {35 * time.Minute, 0.5}},
		{{14 * time.Hour, 0.9}, {9 * time.Hour, 0.9}, {4 * time.Hour, 0.9}, {135 * time.Minute, 0.85}},
	}
	reviewAfter = [4]time.Duration{24 * time.Hour, 12 * time.Hour, 6 * time.Hour, 2 * time.Hour}
)

func logn(r *rand.Rand, median time.Duration, sigma float64) time.Duration {
	return time.Duration(float64(median) * math.Exp(sigma*r.NormFloat64()))
}

func clampDur(d, lo, hi time.Duration) time.Duration { return max(lo, min(d, hi)) }

func between(r *rand.Rand, lo, hi time.Duration) time.Duration {
	if hi <= lo {
		return lo
	}
	return lo + time.Duration(r.Int64N(int64(hi-lo)))
}

// sub puts s in place of the %s in format, from a table made once for the
// phrase banks and the places (two million episodes make a lot of
// garbage otherwise).
func sub(format, s string) string {
	if x, ok := subs[[2]string{format, s}]; ok {
		return x
	}
	return strings.Replace(format, "%s", s, 1)
}

var subs = func() map[[2]string]string {
	var values []string
	for _, places := range lpaPlaces {
		for _, p := range places {
			values = append(values, p.town)
		}
	}
	values = append(values, "Ashvale", "Marlcombe")
	for _, l := range vigil.RiskLevels {
		values = append(values, strings.ToLower(l.Label()))
	}
	var formats []string
	for _, bank := range [][]timed{lastSeenPlaces, lastSeenCare, lastSeenFoster} {
		for _, t := range bank {
			formats = append(formats, t.text)
		}
	}
	for _, bank := range [][]string{enquiryTexts, deployTexts, reviewTexts, foundPlaces, disclosures, rhiTexts} {
		formats = append(formats, bank...)
	}
	m := map[[2]string]string{}
	for _, f := range formats {
		if strings.Contains(f, "%s") {
			for _, v := range values {
				m[[2]string{f, v}] = strings.Replace(f, "%s", v, 1)
			}
		}
	}
	return m
}()

// sec drops the fraction of a second (the times are UTC already).
func sec(t time.Time) time.Time { return t.Add(-time.Duration(t.Nanosecond())) }

// shuffled returns 0..n−1 (n at most 16) in a random order, in an array
// so as not to allocate: use the first n.
func shuffled(r *rand.Rand, n int) (a [16]int) {
	for i := range n {
		a[i] = i
	}
	for i := n - 1; i > 0; i-- {
		j := r.IntN(i + 1)
		a[i], a[j] = a[j], a[i]
	}
	return a
}

func pick[T any](r *rand.Rand, xs []T) T { return xs[r.IntN(len(xs))] }

// mix is splitmix64's finaliser: a well-spread hash of x.
func mix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// traits are a child's lasting circumstances, the same in every episode.
type traits struct {
	lookedAfter   bool // in care: a children's home or foster carers
	childrensHome bool
	exploitation  bool // exploitation concerns on file
}

// trait is a child's circumstances from their profile (Children), so
// that an episode agrees with the child's record.
func (g *missingGen) trait(i int) traits { return g.kids.tr[i] }

// criticised reports whether episode id carries one of the phrases the
// 2022 review criticised: one in each block of 200 episodes, at a place
// in the block that the seed decides.
func (g *missingGen) criticised(id int64) bool {
	block := uint64(id-1) / 200
	if int(block+1)*200 > g.n {
		return false
	}
	return uint64(id-1)%200 == mix(g.seed^0xc0ffee^block)%200
}

// details fills in an episode from its skeleton.
func (g *missingGen) details(r *rand.Rand, s skel) EpisodeData {
	k := s.kid
	li := int(g.kids.lpa[k])
	tr := g.trait(k)
	asOf := g.asOf
	happened := func(t time.Time) bool { return !t.After(asOf) }
	times := new([8]time.Time) // one allocation for the episode's optional times
	used := 0
	ptr := func(t time.Time) *time.Time {
		times[used] = t
		used++
		return &times[used-1]
	}
	town := lpaPlaces[li][g.kids.town[k]].town
	otherTown := func() string {
		switch u := r.IntN(10); {
		case u < 6:
			return town
		case u < 9:
			return lpaPlaces[li][r.IntN(len(lpaPlaces[li]))].town
		}
		return lpaPlaces[1-li][r.IntN(len(lpaPlaces[1-li]))].town
	}
	pron := pronouns(g.kids.sex[k])
	ep := vigil.Episode{ID: s.id, ChildID: int64(k + 1), LPAID: g.o.LPAs[li].ID, TeamID: g.missingTeam[li],
		ReportedAt: s.reported, LastSeenAt: s.lastSeen}
	notes := make([]Note, 0, 12)
	note := func(at time.Time, by int64, kind, text string) {
		if happened(at) && !at.Before(s.reported) {
			notes = append(notes, Note{At: at, By: by, Kind: kind, Text: text})
		}
	}
	fieldBy := g.coordinator[li]
	if li == 0 && r.IntN(2) == 0 {
		fieldBy = g.officer
	}

	// The report.
	var relation string
	switch {
	case tr.childrensHome:
		relation = "Residential care worker"
	case tr.lookedAfter:
		relation = "Foster carer"
	default:
		relation = pick(r, familyRelations)
	}
	given := pick(r, girlsNames)
	switch relation {
	case "Father", "Stepfather", "Uncle":
		given = pick(r, boysNames)
	case "Residential care worker", "Foster carer":
		if r.IntN(3) == 0 {
			given = pick(r, boysNames)
		}
	}
	family := familyNames[g.kids.fam[k]]
	if tr.lookedAfter || r.IntN(4) == 0 {
		family = pick(r, familyNames)
	}
	ep.ReporterName = given + " " + family
	ep.ReporterRelation = relation
	ep.ReporterContact = "07700 900" + strconv.Itoa(1000 + r.IntN(1000))[1:] // Ofcom's numbers for drama
	places := lastSeenPlaces
	if tr.childrensHome {
		places = lastSeenCare
	} else if tr.lookedAfter {
		places = lastSeenFoster
	}
	ep.LastSeenPlace = sub(pickTimed(r, places, s.lastSeen, s.reported), otherTown())
	circs := circumstancesFamily
	switch {
	case tr.childrensHome:
		circs = circumstancesHome
	case tr.lookedAfter:
		circs = circumstancesFoster
	}
	circ := pron.fill(pickTimed(r, circs, s.lastSeen, s.reported))
	if r.IntN(10) < 4 {
		circ += " Phone switched off."
	}
	if s.prior > 0 {
		circ += " Known to have been missing " + strconv.Itoa(s.prior) + " time" + plural(s.prior) + " before."
	}
	criticised := g.criticised(s.id)
	criticisedInNote := criticised && r.IntN(2) == 0
	if criticised && !criticisedInNote {
		circ += " " + pron.fill(pick(r, criticisedCircumstances))
	}
	ep.Circumstances = circ
	ep.DescriptionClothing = pick(r, tops) + ", " + pick(r, bottoms) + ", " + pick(r, shoes)
	if r.IntN(3) == 0 {
		ep.DescriptionClothing += "; " + pick(r, carrying)
	}
	note(s.reported.Add(between(r, time.Minute, 6*time.Minute)), g.callHandler, NoteAction,
		"Report taken from the "+lowerFirst(relation)+"; description circulated to patrols and the "+g.lpaName[li]+" missing persons team.")

	// Gradings: the call handler's, ratified (or changed) by the
	// control-room manager; for long episodes, regradings by the missing
	// persons team.
	missing := s.found.Sub(s.reported)
	risk := s.risk
	graded := s.reported.Add(clampDur(logn(r, 8*time.Minute, 0.5), 2*time.Minute, 40*time.Minute))
	if graded.After(asOf) {
		graded = asOf
	}
	g0 := g.grading(r, risk, graded, g.callHandler, tr, "")
	gradings := make([]vigil.Grading, 1) // most episodes are never regraded
	gradings[0] = g0
	if riskIndex(risk) >= 2 {
		note(g0.GradedAt.Add(between(r, 5*time.Minute, 30*time.Minute)), g.callHandler, NoteAction,
			"Circulated as missing on the Police National Computer.")
	}
	regrade := func(at time.Time, text string) {
		cur := &gradings[len(gradings)-1]
		if cur.RatifiedAt != nil && cur.RatifiedAt.After(at) {
			cur.RatifiedAt, cur.RatifiedBy, cur.RatifiedLevel, cur.RatifyReason = nil, 0, "", "" // superseded before it was ratified
		}
		lvl := inForce(*cur)
		up := r.IntN(10) < 7
		if lvl == vigil.RiskHigh {
			up = false
		} else if lvl == vigil.RiskVeryLow {
			up = true
		}
		i := riskIndex(lvl)
		if up {
			i++
		} else {
			i--
		}
		rationale := "Regraded after enquiries: still not found and no contact from " + pron.them + " since going missing."
		if !up {
			rationale = pron.fill("Regraded: {they} phoned the " + lowerFirst(relation) + " to say {they} {is} safe; whereabouts not yet confirmed.")
		} else if text != "" {
			rationale = text
		}
		gradings = append(gradings, g.grading(r, vigil.RiskLevels[i], at, g.coordinator[li], tr, rationale))
	}
	g.ratify(r, &gradings[0], li)
	if missing > 18*time.Hour && r.IntN(100) < 35 {
		at := s.reported.Add(between(r, 12*time.Hour, min(missing-time.Hour, 48*time.Hour)))
		regrade(at, "")
		g.ratify(r, &gradings[len(gradings)-1], li)
	}
	if missing > 73*time.Hour && r.IntN(100) < 40 {
		at := s.reported.Add(between(r, 72*time.Hour, min(missing-time.Hour, 7*24*time.Hour)))
		if at.After(gradings[len(gradings)-1].GradedAt) {
			regrade(at, fmt.Sprintf("Regraded: possible sighting in %s with adults not known to the family; still not found.", otherTown()))
			g.ratify(r, &gradings[len(gradings)-1], li)
		}
	}
	for i := range gradings {
		gr := &gradings[i]
		// What has not happened by the as-of day is left out.
		if gr.RatifiedAt != nil && !happened(*gr.RatifiedAt) {
			gr.RatifiedAt, gr.RatifiedBy, gr.RatifiedLevel, gr.RatifyReason = nil, 0, "", ""
		}
		if gr.RatifiedAt != nil && gr.RatifiedLevel != gr.Level {
			note(*gr.RatifiedAt, g.manager, NoteReview, fmt.Sprintf("Ratified at %s, not %s: %s",
				strings.ToLower(gr.RatifiedLevel.Label()), strings.ToLower(gr.Level.Label()), gr.RatifyReason))
		}
		end := s.found
		if i+1 < len(gradings) {
			end = gradings[i+1].GradedAt
		}
		if gr.ReviewBy.Before(end) {
			at := gr.ReviewBy.Add(-between(r, 0, 40*time.Minute))
			if li == 1 && r.IntN(10) < 4 {
				at = gr.ReviewBy.Add(clampDur(logn(r, time.Hour, 0.8), 5*time.Minute, 8*time.Hour)) // late
			}
			if at.Before(end) {
				note(at, g.manager, NoteReview, sub(pick(r, reviewTexts), strings.ToLower(inForce(*gr).Label())))
			}
		}
	}
	for len(gradings) > 1 && !happened(gradings[len(gradings)-1].GradedAt) {
		gradings = gradings[:len(gradings)-1]
	}
	ep.Gradings = gradings
	ep.Risk = inForce(gradings[len(gradings)-1])

	// Deployment, decided on the first grading; none when the child is
	// back first, and often none at very low risk.
	ri := riskIndex(s.risk)
	if ri > 0 || r.IntN(10) < 3 {
		d := deployDelay[li][ri]
		at := sec(s.reported.Add(clampDur(logn(r, d.median, d.sigma), 5*time.Minute, 3*24*time.Hour)))
		if at.Before(s.found) && happened(at) {
			ep.DeployedAt = ptr(at)
			rs := g.responders[li]
			a := r.IntN(len(rs))
			ep.DeployedTo = []int64{rs[a]}
			if r.IntN(10) < 4 && len(rs) > 1 {
				ep.DeployedTo = append(ep.DeployedTo, rs[(a+1+r.IntN(len(rs)-1))%len(rs)])
			}
			note(at, fieldBy, NoteAction, sub(pick(r, deployTexts), otherTown()))
		}
	}

	// Enquiries while the child is missing.
	end := s.found
	if end.After(asOf) {
		end = asOf
	}
	if span := end.Sub(s.reported); span > 20*time.Minute {
		n := 1 + int(min(span, 72*time.Hour)/(10*time.Hour)) + r.IntN(2)
		for range n {
			at := sec(s.reported.Add(between(r, 10*time.Minute, span)))
			by := fieldBy
			if at.Sub(s.reported) < 2*time.Hour && r.IntN(2) == 0 {
				by = g.callHandler
			}
			text := pick(r, enquiryTexts)
			if strings.Contains(text, "%s") {
				text = sub(text, otherTown())
			}
			note(at, by, NoteEnquiry, text)
		}
	}

	// The national missing persons unit, for anyone missing over 72 hours.
	if due := s.reported.Add(72 * time.Hour); missing > 72*time.Hour {
		at := due.Add(clampDur(logn(r, 2*time.Hour, 0.8), 5*time.Minute, 20*time.Hour))
		late := r.IntN(100) < 12
		if late {
			at = due.Add(between(r, 24*time.Hour, 96*time.Hour))
		}
		if !at.Before(s.found) && !late {
			at = due.Add(time.Duration(float64(s.found.Sub(due)) * (0.2 + 0.7*r.Float64())))
		}
		if at.Before(s.found) && happened(at) {
			ep.NMPUSentAt = ptr(sec(at))
			note(at, g.coordinator[li], NoteAction, "Notified the UK Missing Persons Unit: missing over 72 hours.")
		}
	}

	if criticisedInNote {
		span := max(end.Sub(s.reported), time.Second)
		at := s.reported.Add(between(r, min(30*time.Minute, span/2), span))
		notes = append(notes, Note{At: sec(at), By: fieldBy, Kind: NoteUpdate,
			Text: pron.fill(pick(r, criticisedNotes))})
	}

	if !happened(s.found) {
		ep.Status = vigil.EpisodeOpen
		return g.finish(ep, notes)
	}

	// Found or returned.
	ep.Status = vigil.EpisodeFound
	ep.FoundAt = ptr(s.found)
	ep.FoundPlace = pick(r, foundPlaces)
	if strings.Contains(ep.FoundPlace, "%s") {
		ep.FoundPlace = sub(ep.FoundPlace, otherTown())
	}
	switch {
	case strings.HasSuffix(ep.FoundPlace, "having come back"):
		ep.FoundBy = "Returned without police involvement"
	case strings.Contains(ep.FoundPlace, "outside the force area"):
		ep.FoundBy = "A neighbouring force"
	case strings.Contains(ep.FoundPlace, "station") && r.IntN(2) == 0:
		ep.FoundBy = "British Transport Police"
	case tr.lookedAfter && r.IntN(4) == 0:
		ep.FoundBy = "Carers collected " + pron.them
	default:
		ep.FoundBy = pick(r, foundBy)
	}
	ep.Condition = pickWeighted(r, conditions)
	if r.IntN(1000) < 33 {
		ep.HarmSuffered = pick(r, harms)
	}
	exploit := [4]int{1, 3, 12, 30}[riskIndex(ep.Risk)]
	if tr.exploitation {
		exploit *= 2
	}
	if r.IntN(100) < exploit {
		n := 1 + r.IntN(3)
		order := shuffled(r, len(exploitationIndicators))
		for _, j := range order[:n] {
			ep.ExploitationIndicators = append(ep.ExploitationIndicators, exploitationIndicators[j])
		}
	}
	note(s.found, fieldBy, NoteUpdate, "Found: "+ep.FoundPlace+". "+ep.Condition+".")

	// Prevention interview by police: target 72 hours; some late, some
	// never done.
	var preventionDone time.Time
	switch u := r.IntN(100); {
	case u < 80:
		preventionDone = s.found.Add(clampDur(logn(r, 18*time.Hour, 0.7), time.Hour, 71*time.Hour))
	case u < 92:
		preventionDone = s.found.Add(between(r, 73*time.Hour, 10*24*time.Hour))
	}
	if since := asOf.Sub(s.found); since > 3*24*time.Hour && since < 21*24*time.Hour && r.IntN(100) < 30 {
		// A backlog: some of the last three weeks' interviews are overdue
		// on the as-of day, so the queue shows what overdue looks like.
		preventionDone = asOf.Add(between(r, time.Hour, 7*24*time.Hour))
	}
	if !preventionDone.IsZero() && happened(preventionDone) {
		ep.PreventionAt = ptr(sec(preventionDone))
		ep.PreventionDisclosures = "No disclosures; advice given about keeping in touch with the " + lowerFirst(relation) + "."
		if len(ep.ExploitationIndicators) > 0 || r.IntN(10) == 0 {
			ep.PreventionDisclosures = sub(pick(r, disclosures), otherTown())
		}
		note(preventionDone, fieldBy, NoteAction, "Prevention interview held with "+pron.them+" at "+pickHome(tr)+".")
	}

	// Return home interview by the local authority: offered on most
	// returns, completed within 72 hours on about 60% of them.
	var rhiDone time.Time
	if r.IntN(100) < 85 {
		offered := s.found.Add(clampDur(logn(r, 10*time.Hour, 0.8), 30*time.Minute, 5*24*time.Hour))
		if happened(offered) {
			ep.RHIOfferedAt = ptr(sec(offered))
			ep.RHINotes = "Offered by the " + g.lpaName[li] + " return interview service."
		}
		switch u := r.IntN(100); {
		case u < 14:
			at := offered.Add(between(r, time.Hour, 3*24*time.Hour))
			rhiDone = at
			if happened(at) {
				ep.RHIDeclinedAt = ptr(sec(at))
				ep.RHINotes = "Declined the return interview; the social worker will follow up at the next visit."
			}
		case u < 84:
			at := offered.Add(between(r, time.Hour, max(72*time.Hour-offered.Sub(s.found), 2*time.Hour)))
			if at.Sub(s.found) > 72*time.Hour {
				at = offered.Add(between(r, 30*time.Minute, 2*time.Hour))
			}
			rhiDone = at
		case u < 96:
			rhiDone = maxTime(s.found.Add(between(r, 73*time.Hour, 12*24*time.Hour)), offered.Add(time.Hour))
		}
		if ep.RHIDeclinedAt == nil && !rhiDone.IsZero() && happened(rhiDone) {
			ep.RHICompletedAt = ptr(sec(rhiDone))
			ep.RHINotes = sub(pick(r, rhiTexts), g.lpaName[li])
		}
	}

	// Closure after a supervisor's check, once the follow-up is done or
	// given up on.
	ready := s.found
	if preventionDone.IsZero() {
		preventionDone = s.found.Add(between(r, 7*24*time.Hour, 14*24*time.Hour))
	}
	if rhiDone.IsZero() {
		rhiDone = s.found.Add(between(r, 10*24*time.Hour, 16*24*time.Hour))
	}
	ready = maxTime(ready, preventionDone, rhiDone)
	closed := sec(ready.Add(clampDur(logn(r, 3*24*time.Hour, 0.7), 2*time.Hour, 14*24*time.Hour)))
	if happened(closed) {
		ep.Status = vigil.EpisodeClosed
		ep.ClosedAt = ptr(closed)
		ep.ClosedBy = g.coordinator[li]
		ep.CheckedBy = g.manager
		note(closed, g.manager, NoteReview, "Closure check: enquiries, prevention interview and return interview reviewed; episode closed.")
	}
	return g.finish(ep, notes)
}

func (g *missingGen) finish(ep vigil.Episode, notes []Note) EpisodeData {
	slices.SortStableFunc(notes, func(a, b Note) int { return a.At.Compare(b.At) })
	for i := range notes {
		notes[i].At = sec(notes[i].At)
	}
	return EpisodeData{Episode: ep, Notes: notes}
}

// grading makes a grading with factors and a rationale fitting the level.
func (g *missingGen) grading(r *rand.Rand, level vigil.RiskLevel, at time.Time, by int64, tr traits, rationale string) vigil.Grading {
	ri := riskIndex(level)
	factors := make([]string, 0, 5)
	if tr.lookedAfter {
		factors = append(factors, "looked_after")
	}
	if tr.exploitation && ri >= 2 {
		factors = append(factors, "exploitation")
	}
	want := [4]int{0, 1, 2, 3}[ri] + r.IntN(2)
	pool := factorsByLevel[ri]
	order := shuffled(r, len(pool))
	for _, j := range order[:len(pool)] {
		if len(factors) >= want+boolInt(tr.lookedAfter) {
			break
		}
		if !contains(factors, pool[j]) {
			factors = append(factors, pool[j])
		}
	}
	if rationale == "" {
		var b strings.Builder
		b.Grow(256)
		for _, f := range factors {
			b.WriteString(factorText[f])
			b.WriteByte(' ')
		}
		if len(factors) == 0 {
			b.WriteString("No known risk factors; has been in touch with family by message. ")
		}
		b.WriteString(levelText[ri])
		rationale = b.String()
	}
	at = sec(at)
	return vigil.Grading{Level: level, Factors: factors, Rationale: rationale, GradedAt: at, GradedBy: by,
		ReviewBy: at.Add(reviewAfter[ri])}
}

// ratify has the control-room manager ratify a grading, now and then at a
// different level.
func (g *missingGen) ratify(r *rand.Rand, gr *vigil.Grading, li int) {
	d := ratifyDelay[li][riskIndex(gr.Level)]
	at := sec(gr.GradedAt.Add(clampDur(logn(r, d.median, d.sigma), 2*time.Minute, 3*24*time.Hour)))
	gr.RatifiedAt, gr.RatifiedBy, gr.RatifiedLevel = &at, g.manager, gr.Level
	if r.IntN(100) < 8 {
		i := riskIndex(gr.Level)
		if (r.IntN(10) < 7 || i == 0) && i < 3 {
			gr.RatifiedLevel = vigil.RiskLevels[i+1]
			gr.RatifyReason = pick(r, raiseReasons)
		} else {
			gr.RatifiedLevel = vigil.RiskLevels[i-1]
			gr.RatifyReason = pick(r, lowerReasons)
		}
	}
}

func inForce(gr vigil.Grading) vigil.RiskLevel {
	if gr.RatifiedAt != nil && gr.RatifiedLevel != "" {
		return gr.RatifiedLevel
	}
	return gr.Level
}

// plan makes a repeat child's multi-agency plan, or reports that the
// strategy meeting is still to come.
func (g *missingGen) plan(r *rand.Rand, k int, became time.Time) (Plan, bool) {
	li := int(g.kids.lpa[k])
	wait := clampDur(logn(r, 5*24*time.Hour, 0.5), 24*time.Hour, 28*24*time.Hour)
	if li == 1 {
		wait = wait * 8 / 5
	}
	day := became.Add(wait)
	meeting := time.Date(day.Year(), day.Month(), day.Day(), 10+4*r.IntN(2), 0, 0, 0, time.UTC)
	switch meeting.Weekday() {
	case time.Saturday:
		meeting = meeting.AddDate(0, 0, 2)
	case time.Sunday:
		meeting = meeting.AddDate(0, 0, 1)
	}
	if meeting.After(g.asOf) || !meeting.After(became) {
		return Plan{}, false
	}
	p := Plan{ChildID: int64(k + 1), StrategyMeetingAt: meeting, CreatedBy: g.coordinator[li]}
	p.Agencies = []int64{[2]int64{1, 2}[li], [2]int64{4, 5}[li]}
	if r.IntN(2) == 0 {
		p.Agencies = append(p.Agencies, 3)
	}
	// Reviewed every eight weeks; about a third have missed the latest.
	const every = 56 * 24 * time.Hour
	held := int(g.asOf.Sub(meeting) / every)
	p.ReviewAt = meeting.Add(time.Duration(held+1) * every)
	if held > 0 && r.IntN(100) < 35 {
		p.ReviewAt = meeting.Add(time.Duration(held) * every)
	}
	n := 3 + r.IntN(2)
	tr := g.trait(k)
	order := shuffled(r, len(planActions))
	for _, j := range order[:len(planActions)] {
		a := planActions[j]
		if len(p.Actions) == n {
			break
		}
		if a.care && !tr.lookedAfter || a.home && !tr.childrensHome || a.owner == "Foster carers" && tr.childrensHome {
			continue
		}
		owner := strings.ReplaceAll(a.owner, "{lpa}", g.lpaName[li])
		due := meeting.AddDate(0, 0, 7+r.IntN(36))
		pa := PlanAction{Action: a.action, Owner: owner, DueAt: due}
		if done := sec(due.Add(-between(r, 0, 10*24*time.Hour))); done.After(meeting) && !done.After(g.asOf) && r.IntN(100) < 80 {
			pa.DoneAt = &done
		}
		p.Actions = append(p.Actions, pa)
	}
	p.Summary = planSummaries[r.IntN(len(planSummaries))]
	return p, true
}

// planSummaries are what strategy meetings agreed, in outline.
var planSummaries = []string{
	"Agreed that one named worker will carry out every return home interview, and that the school will tell the home about any absence the same morning.",
	"Concerns about older associates in the town centre. Police to share intelligence through the MASH; children's services to review the placement.",
	"Episodes cluster on Friday and Saturday evenings. Carers to agree a later curfew with a phone check-in; police patrols briefed on the places the child is found.",
	"The child says going missing is about arguments at home. Family support offered; health to refer to CAMHS; review after four weeks.",
	"Possible criminal exploitation: NRM referral to be considered. Disruption work on the address where the child is found most often.",
}

type pronounSet struct {
	they, them string
	fills      *strings.Replacer // {they} and {is}
}

var pronounSets = [3]pronounSet{
	{"she", "her", strings.NewReplacer("{they}", "she", "{is}", "is")},
	{"he", "him", strings.NewReplacer("{they}", "he", "{is}", "is")},
	{"they", "them", strings.NewReplacer("{they}", "they", "{is}", "are")},
}

func pronouns(s vigil.Sex) pronounSet {
	switch s {
	case vigil.SexFemale:
		return pronounSets[0]
	case vigil.SexMale:
		return pronounSets[1]
	}
	return pronounSets[2]
}

// fill puts the pronouns into a phrase with {they} and {is}.
func (p pronounSet) fill(s string) string {
	if strings.IndexByte(s, '{') < 0 {
		return s
	}
	return p.fills.Replace(s)
}

// lowerFirst lowers the first letter of a relation ("Foster carer").
func lowerFirst(s string) string {
	if s == "" || s[0] < 'A' || s[0] > 'Z' {
		return s
	}
	return string(s[0]+'a'-'A') + s[1:]
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

func pickHome(tr traits) string {
	switch {
	case tr.childrensHome:
		return "the children's home"
	case tr.lookedAfter:
		return "the foster carers' address"
	}
	return "home"
}

func maxTime(ts ...time.Time) time.Time {
	m := ts[0]
	for _, t := range ts[1:] {
		if t.After(m) {
			m = t
		}
	}
	return m
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

type weighted struct {
	text   string
	weight int
}

func pickWeighted(r *rand.Rand, xs []weighted) string {
	total := 0
	for _, x := range xs {
		total += x.weight
	}
	n := r.IntN(total)
	for _, x := range xs {
		if n < x.weight {
			return x.text
		}
		n -= x.weight
	}
	return xs[0].text
}

// Phrase banks. The wording is plain police recording; the language
// checker finds nothing in it except the criticised phrases, which appear
// only where criticised() puts them.

var familyRelations = []string{"Mother", "Mother", "Mother", "Father", "Father", "Stepfather", "Grandmother", "Aunt", "Uncle"}

// timed is a phrase that fits only some hours (UTC, the demo's clock): the
// hour last seen in [seenFrom, seenTo) and the hour reported in [repFrom,
// repTo), each wrapping past midnight when from > to. The zero windows
// are "any hour". The first phrase of each bank fits any hour.
type timed struct {
	text             string
	seenFrom, seenTo int
	repFrom, repTo   int
}

func inHours(h, from, to int) bool {
	switch {
	case from == to:
		return true
	case from < to:
		return h >= from && h < to
	}
	return h >= from || h < to
}

// pickTimed picks a phrase that fits the hours, or the bank's first.
func pickTimed(r *rand.Rand, xs []timed, seen, reported time.Time) string {
	order := shuffled(r, len(xs))
	for _, i := range order[:len(xs)] {
		x := xs[i]
		if inHours(seen.Hour(), x.seenFrom, x.seenTo) && inHours(reported.Hour(), x.repFrom, x.repTo) {
			return x.text
		}
	}
	return xs[0].text
}

var lastSeenPlaces = []timed{
	{text: "Home address, %s"}, {text: "%s bus station", seenFrom: 6, seenTo: 24}, {text: "Outside the secondary school, %s", seenFrom: 7, seenTo: 17},
	{text: "%s town centre", seenFrom: 8, seenTo: 24}, {text: "The retail park, %s", seenFrom: 9, seenTo: 21}, {text: "The skate park, %s", seenFrom: 10, seenTo: 22},
	{text: "%s railway station", seenFrom: 6, seenTo: 24}, {text: "The recreation ground, %s", seenFrom: 9, seenTo: 22},
	{text: "A friend's address, %s"}, {text: "The high street, %s", seenFrom: 8, seenTo: 24},
}

var lastSeenCare = []timed{
	{text: "The children's home, %s"}, {text: "The children's home, %s"}, {text: "%s bus station", seenFrom: 6, seenTo: 24},
	{text: "%s town centre", seenFrom: 8, seenTo: 24}, {text: "Outside the secondary school, %s", seenFrom: 7, seenTo: 17},
}

var lastSeenFoster = []timed{
	{text: "Foster carers' address, %s"}, {text: "Foster carers' address, %s"}, {text: "%s town centre", seenFrom: 8, seenTo: 24},
	{text: "The skate park, %s", seenFrom: 10, seenTo: 22}, {text: "Outside the secondary school, %s", seenFrom: 7, seenTo: 17},
}

var circumstancesFamily = []timed{
	{text: "Left home after an argument with mother about phone use."},
	{text: "Did not return from school.", seenFrom: 7, seenTo: 17},
	{text: "Went out to meet friends after school and has not come home.", seenFrom: 14, seenTo: 22},
	{text: "Not in bedroom this morning; bed not slept in.", seenFrom: 19, seenTo: 3, repFrom: 5, repTo: 13},
	{text: "Did not return after a visit to father's address."},
	{text: "Left a family party in the evening and has not been seen since.", seenFrom: 17, seenTo: 24},
	{text: "Went to the shop at teatime and did not come back.", seenFrom: 16, seenTo: 20},
	{text: "Did not come home by the agreed time of 21:00; friends say {they} left them in the town centre.", seenFrom: 12, seenTo: 21, repFrom: 21, repTo: 6},
}

var circumstancesHome = []timed{
	{text: "Left the children's home after an argument with staff."},
	{text: "Did not return to the children's home by the agreed time of 22:00.", seenFrom: 10, seenTo: 22, repFrom: 22, repTo: 8},
	{text: "Left the children's home during the evening without saying where {they} would be.", seenFrom: 17, seenTo: 24},
	{text: "Did not return to the children's home after school.", seenFrom: 7, seenTo: 17},
	{text: "Got into a car outside the children's home; staff did not recognise the driver."},
}

var circumstancesFoster = []timed{
	{text: "Left the foster placement after an argument about contact with family."},
	{text: "Did not return to the foster placement after school.", seenFrom: 7, seenTo: 17},
	{text: "Did not return to the foster carers by the agreed time of 21:30.", seenFrom: 10, seenTo: 21, repFrom: 21, repTo: 8},
	{text: "Did not come back from a contact visit with mother.", seenFrom: 9, seenTo: 20},
}

// criticisedCircumstances and criticisedNotes use the wording the 2022
// review criticised; the demo has a few so that the language view shows
// them.
var criticisedCircumstances = []string{
	"The reporter says {they} {is} missing through choice.",
	"Appears deliberately missing again.",
}

var criticisedNotes = []string{
	"Spoke to the reporter again: believes {they} {is} missing through choice and will be back later.",
	"Reporter's view: appears deliberately missing and avoiding contact.",
}

var tops = []string{
	"Black hooded top", "Grey hooded top", "Navy school blazer and white shirt", "Pink puffer jacket",
	"Black puffer jacket", "Green parka with a fur-trimmed hood", "Red football shirt", "White T-shirt and denim jacket",
	"Black North Face style jacket", "Beige trench coat",
}

var bottoms = []string{"grey joggers", "black joggers", "blue jeans", "black leggings", "grey school trousers", "black skirt and tights", "camouflage cargo trousers"}

var shoes = []string{"white trainers", "black trainers", "black school shoes", "black boots", "grey trainers", "sliders with white socks"}

var carrying = []string{"carrying a black rucksack", "carrying a small cross-body bag", "wearing a black baseball cap", "carrying a sports bag", "glasses with black frames"}

var enquiryTexts = []string{
	"Called the child's mobile: no answer, phone switched off.",
	"Checked with school: not at registration.",
	"Hospital checks at Kingsmoor General: no one matching the description.",
	"Spoke to a friend's parent in %s: not seen since the afternoon.",
	"Checked the child's social media with the carer: no posts since going missing.",
	"CCTV requested from the bus station in %s.",
	"Bus operator checked: travel pass last used in %s.",
	"Taxi firms in %s asked to look out and call in any sighting.",
	"Address in %s linked to earlier episodes visited: no answer.",
	"Sighting reported near the retail park in %s; officers searched the area, not found.",
	"Spoke to the child's father: no contact today.",
	"Checked with youth club staff in %s: not seen today.",
	"Requested location data for the child's phone.",
	"Friends contacted through the school: one says the child mentioned going to %s.",
}

var deployTexts = []string{
	"Officers deployed: attended the home address and searched the house, garden and outbuildings; also patrolling %s.",
	"Officers deployed: attended and searched the child's room and the grounds; patrols in %s.",
	"Officers deployed: patrolling %s town centre and the bus station.",
	"Officers deployed: visiting friends' addresses in %s.",
}

var reviewTexts = []string{
	"Review: %s risk confirmed; enquiries continue.",
	"Review: grading stays %s; further enquiries set with the missing persons team.",
	"Review: %s risk; actions checked and the family updated.",
}

var foundPlaces = []string{
	"a friend's address in %s", "the bus station in %s", "the railway station in %s", "a park in %s",
	"a relative's address in %s", "the town centre in %s", "a fast-food restaurant in %s", "a shopping centre in %s",
	"an address in %s known from earlier episodes", "the home address, having come back", "the placement, having come back",
	"the seafront at Saltmouth", "the beach at Coldharbour Bay", "a city centre outside the force area (left from %s)",
}

var foundBy = []string{
	"Response officers", "Response officers", "Missing persons team", "Neighbourhood officers",
	"Parent collected the child",
}

var conditions = []weighted{
	{"Safe and well", 80},
	{"Tired and hungry; otherwise well", 8},
	{"Cold and wet; checked over at home", 4},
	{"Smelt of alcohol; checked by paramedics, no treatment needed", 4},
	{"Minor injury to the hand; treated at the emergency department", 2},
	{"Distressed; seen by the mental health triage team", 2},
}

var harms = []string{
	"Assaulted while missing: bruising to the face; crime recorded and passed to CAIT.",
	"Disclosed a sexual assault while missing; referred to CAIT and the sexual assault referral centre.",
	"Threatened and robbed of a phone; crime recorded.",
	"Given drugs while missing and became unwell; treated at hospital; crime recorded.",
}

var exploitationIndicators = []string{
	"found with older males",
	"unexplained money or gifts",
	"new phone",
	"travelled out of area",
	"found at an address linked to drug supply",
	"carrying more than one phone",
	"taxi fares paid by unknown adults",
}

var disclosures = []string{
	"Disclosed staying at an address in %s with people met at the bus station; intelligence submitted and referral to the MASH.",
	"Said a man in a car in %s gave a lift and bought food; details passed to the missing persons team and the MASH.",
	"Disclosed being given cannabis at a flat in %s; intelligence submitted and the social worker told.",
	"Said there had been arguments at home and did not want to go back; the social worker told the same day.",
}

var rhiTexts = []string{
	"Completed by an independent worker from the %s return interview service; spoke about problems at school and arguments at home. Shared with the social worker.",
	"Completed by the %s return interview service; spoke about friends and where the time was spent. No new concerns.",
	"Completed by the %s return interview service; worries about a group met in town shared with the missing persons team.",
}

var raiseReasons = []string{
	"Raised: earlier episodes ended with the child found at addresses linked to exploitation concerns.",
	"Raised: the child has no phone or money and the night is cold.",
	"Raised: recent self-harm reported by school was not known to the call handler.",
}

var lowerReasons = []string{
	"Lowered: the child has been in touch with the carer and says where they are.",
	"Lowered: a relative confirms the child is with them; officers to confirm.",
}

var factorsByLevel = [4][]string{
	{"weather"},
	{"domestic_abuse", "substance", "online", "weather"},
	{"out_of_character", "substance", "mental_health", "associates", "online", "domestic_abuse", "previous_harm"},
	{"out_of_character", "crime_suspected", "self_harm", "medical", "mental_health", "associates", "young_age", "previous_harm"},
}

var factorText = map[string]string{
	"out_of_character": "Going missing is out of character.",
	"crime_suspected":  "Concern that the child may be with someone intending harm.",
	"exploitation":     "Exploitation concerns are recorded on the child's file.",
	"self_harm":        "Recent self-harm reported by school.",
	"medical":          "Needs daily medication, which was left behind.",
	"mental_health":    "Seen by CAMHS; low mood reported this week.",
	"substance":        "Recent alcohol and cannabis use reported by carers.",
	"domestic_abuse":   "History of domestic abuse at the home address.",
	"online":           "Messages from unknown contacts found on social media.",
	"associates":       "Earlier episodes ended with the child found with adults not known to the family.",
	"weather":          "Cold and wet; not dressed for the weather.",
	"young_age":        "Young for going missing overnight.",
	"previous_harm":    "Harmed during an earlier missing episode.",
	"looked_after":     "Looked after by the local authority.",
}

var levelText = [4]string{
	"Very low risk: no deployment for now; review as set.",
	"Low risk: enquiries by phone and a patrol check; review as set.",
	"Medium risk: deployment and active enquiries.",
	"High risk: immediate deployment; inspector informed.",
}

// planActions are a plan's possible actions; care ones only for a child
// in care, home ones only for a child in a children's home.
var planActions = []struct {
	action, owner string
	care, home    bool
}{
	{"Return interviews by the same independent worker after each episode", "{lpa} return interview service", false, false},
	{"Refer to the child exploitation panel", "{lpa} missing persons team", false, false},
	{"Safety plan agreed with parents or carers: check-in calls and a curfew", "Social worker", false, false},
	{"School to tell the missing persons team of any unexplained absence the same day", "Designated safeguarding lead", false, false},
	{"Disruption: visit the addresses where the child has been found", "{lpa} response sergeant", false, false},
	{"Health assessment and sexual health advice offered", "School nurse", false, false},
	{"Family support referral: early help assessment", "{lpa} early help team", false, false},
	{"Update the Philomena Protocol profile with the carers", "Foster carers", true, false},
	{"Update the Philomena Protocol profile with the staff", "Residential home manager", true, true},
	{"Review the placement's suitability", "Social worker", true, false},
	{"Intelligence on adults linked to the child's episodes passed to the exploitation team", "{lpa} missing persons team", false, false},
}
