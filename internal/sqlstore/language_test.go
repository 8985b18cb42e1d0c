package sqlstore_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vigilcp/vigil/internal/demo"
	"github.com/vigilcp/vigil/internal/sqlstore"
	"github.com/vigilcp/vigil/internal/vigil"
	"github.com/vigilcp/vigil/internal/vigiltest"
)

const flagged = "She is putting herself at risk and appears deliberately missing"

// writers write flagged wording into each free-text column through the
// service that owns it. A registered column without a writer here fails.
var writers = map[string]func(t *testing.T, db *sqlstore.DB, child int64) error{
	"shares.purpose": func(t *testing.T, db *sqlstore.DB, child int64) error {
		_, err := sqlstore.NewChildService(db).Share(vigiltest.As(t, db, "mash.officer"), vigil.Share{AgencyID: 1, RecordID: child,
			Purpose: flagged, LawfulBasis: vigil.LawfulBases[0]})
		return err
	},
	"restrictions.reason": func(t *testing.T, db *sqlstore.DB, child int64) error {
		_, err := sqlstore.NewChildService(db).Restrict(vigiltest.As(t, db, "mash.officer"), vigil.Restriction{RecordID: child,
			Part: vigil.PartAddress, AllowedRoles: []vigil.Role{vigil.RoleMASHPractitioner}, Reason: flagged})
		return err
	},
	"restrictions.lift_reason": func(t *testing.T, db *sqlstore.DB, child int64) error {
		svc := sqlstore.NewChildService(db)
		r, err := svc.Restrict(vigiltest.As(t, db, "mash.officer"), vigil.Restriction{RecordID: child,
			Part: vigil.PartProfile, AllowedRoles: []vigil.Role{vigil.RoleMASHPractitioner}, Reason: "Covert operation"})
		if err != nil {
			return err
		}
		_, err = svc.LiftRestriction(vigiltest.As(t, db, "mash.officer"), child, r.ID, flagged)
		return err
	},
	"break_glass.reason": func(t *testing.T, db *sqlstore.DB, child int64) error {
		_, err := sqlstore.NewChildService(db).OpenWithReason(vigiltest.As(t, db, "response.officer"), outsideResponse(t, db), "incident", flagged)
		return err
	},
	"break_glass.review_note": func(t *testing.T, db *sqlstore.DB, child int64) error {
		bg, err := sqlstore.NewChildService(db).OpenWithReason(vigiltest.As(t, db, "response.officer"), outsideResponse(t, db), "incident",
			"Found at the station late at night")
		if err != nil {
			return err
		}
		return sqlstore.NewBreakGlassService(db).Review(vigiltest.As(t, db, "gold.chair"), bg.ID, flagged)
	},
	"missing_episodes.circumstances": func(t *testing.T, db *sqlstore.DB, _ int64) error {
		_, err := newEpisode(t, db, func(r *vigil.NewReport) { r.Circumstances = flagged })
		return err
	},
	"missing_episodes.description_clothing": func(t *testing.T, db *sqlstore.DB, _ int64) error {
		_, err := newEpisode(t, db, func(r *vigil.NewReport) { r.DescriptionClothing = flagged })
		return err
	},
	"risk_gradings.rationale": func(t *testing.T, db *sqlstore.DB, _ int64) error {
		_, err := newEpisode(t, db, func(r *vigil.NewReport) { r.Grading.Rationale = flagged })
		return err
	},
	"risk_gradings.ratify_reason": func(t *testing.T, db *sqlstore.DB, _ int64) error {
		e := mustEpisode(t, db)
		_, err := sqlstore.NewMissingService(db).Ratify(vigiltest.As(t, db, "control.manager"), e.ID, false, vigil.RiskHigh, flagged, e.Version)
		return err
	},
	"episode_notes.body": func(t *testing.T, db *sqlstore.DB, _ int64) error {
		return sqlstore.NewMissingService(db).Note(vigiltest.As(t, db, "call.handler"), mustEpisode(t, db).ID, "enquiry", flagged)
	},
	"missing_episodes.condition": func(t *testing.T, db *sqlstore.DB, _ int64) error {
		_, err := foundEpisode(t, db, func(f *vigil.FoundDetails) { f.Condition = flagged })
		return err
	},
	"missing_episodes.harm_suffered": func(t *testing.T, db *sqlstore.DB, _ int64) error {
		_, err := foundEpisode(t, db, func(f *vigil.FoundDetails) { f.HarmSuffered = flagged })
		return err
	},
	"missing_episodes.prevention_disclosures": func(t *testing.T, db *sqlstore.DB, _ int64) error {
		e, err := foundEpisode(t, db, nil)
		if err != nil {
			return err
		}
		_, err = sqlstore.NewMissingService(db).Prevention(vigiltest.As(t, db, "missing.ashvale"), e.ID, time.Time{}, flagged, e.Version)
		return err
	},
	"missing_episodes.rhi_notes": func(t *testing.T, db *sqlstore.DB, _ int64) error {
		e, err := foundEpisode(t, db, nil)
		if err != nil {
			return err
		}
		at := vigiltest.Epoch
		_, err = sqlstore.NewMissingService(db).ReturnInterview(vigiltest.As(t, db, "missing.ashvale"), e.ID,
			vigil.RHIDetails{OfferedAt: &at, Notes: flagged}, e.Version)
		return err
	},
	"missing_plans.summary": func(t *testing.T, db *sqlstore.DB, _ int64) error {
		_, err := sqlstore.NewMissingService(db).SavePlan(vigiltest.As(t, db, "missing.ashvale"), plan(mustEpisode(t, db).ChildID, flagged, "Review weekly"))
		return err
	},
	"plan_actions.action": func(t *testing.T, db *sqlstore.DB, _ int64) error {
		_, err := sqlstore.NewMissingService(db).SavePlan(vigiltest.As(t, db, "missing.ashvale"), plan(mustEpisode(t, db).ChildID, "Weekly review", flagged))
		return err
	},
	"child_profiles.description": func(t *testing.T, db *sqlstore.DB, _ int64) error {
		return saveProfile(t, db, 0, func(p *vigil.Profile) { p.Description = flagged })
	},
	"child_profiles.medical": func(t *testing.T, db *sqlstore.DB, _ int64) error {
		return saveProfile(t, db, 1, func(p *vigil.Profile) { p.Medical = flagged })
	},
	"child_profiles.financial": func(t *testing.T, db *sqlstore.DB, _ int64) error {
		return saveProfile(t, db, 2, func(p *vigil.Profile) { p.Financial = flagged })
	},
	"child_links.notes": func(t *testing.T, db *sqlstore.DB, _ int64) error {
		return newLink(t, db, vigil.NewLink{Relation: vigil.RelationAssociate, Name: "Notes Person", Notes: flagged})
	},
	"associates.description": func(t *testing.T, db *sqlstore.DB, _ int64) error {
		return newLink(t, db, vigil.NewLink{Relation: vigil.RelationAssociate, Name: "Described Person", Description: flagged})
	},
	"places.description": func(t *testing.T, db *sqlstore.DB, _ int64) error {
		return newLink(t, db, vigil.NewLink{Relation: vigil.RelationFrequents, Name: "Described Place", Description: flagged})
	},
}

// saveProfile saves the profile of the nth Ashvale child, changed (a
// child of its own for each field, so that one field's findings are not
// replaced by the next).
func saveProfile(t *testing.T, db *sqlstore.DB, nth int, change func(*vigil.Profile)) error {
	t.Helper()
	ash := vigiltest.As(t, db, "missing.ashvale")
	svc := sqlstore.NewProfileService(db)
	child := childrenIn(t, db, "missing.ashvale", 1, nth+1)[nth]
	cur, err := svc.Profile(ash, child)
	if err != nil {
		return err
	}
	p := philomena(child, vigiltest.Epoch)
	change(&p)
	_, err = svc.SaveProfile(ash, p, cur.Profile.Version)
	return err
}

// newLink links a new person or place to the first Ashvale child.
func newLink(t *testing.T, db *sqlstore.DB, n vigil.NewLink) error {
	t.Helper()
	n.ChildID, n.ConfirmedNew = childrenIn(t, db, "missing.ashvale", 1, 1)[0], true
	_, err := sqlstore.NewProfileService(db).Link(vigiltest.As(t, db, "missing.ashvale"), n)
	return err
}

// newEpisode reports a child with no episodes yet missing from Ashvale.
func newEpisode(t *testing.T, db *sqlstore.DB, change func(*vigil.NewReport)) (*vigil.Episode, error) {
	t.Helper()
	svc := sqlstore.NewMissingService(db)
	chair := vigiltest.As(t, db, "gold.chair")
	for id := int64(1); id < 400; id++ {
		page, err := svc.Episodes(chair, vigil.EpisodeFilter{ChildID: id})
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Items) > 0 {
			continue
		}
		r := report(id, vigiltest.Epoch.Add(-time.Hour), vigil.RiskMedium)
		if change != nil {
			change(&r)
		}
		return svc.Report(vigiltest.As(t, db, "call.handler"), r)
	}
	t.Fatal("every child has an episode")
	return nil, nil
}

func mustEpisode(t *testing.T, db *sqlstore.DB) *vigil.Episode {
	t.Helper()
	e, err := newEpisode(t, db, nil)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// foundEpisode reports a child missing and found.
func foundEpisode(t *testing.T, db *sqlstore.DB, change func(*vigil.FoundDetails)) (*vigil.Episode, error) {
	t.Helper()
	e := mustEpisode(t, db)
	f := vigil.FoundDetails{At: vigiltest.Epoch.Add(-30 * time.Minute), Place: "Ashvale park", By: "PC 2231", Condition: "Well"}
	if change != nil {
		change(&f)
	}
	return sqlstore.NewMissingService(db).Found(vigiltest.As(t, db, "missing.ashvale"), e.ID, f, e.Version)
}

func plan(child int64, summary, action string) vigil.Plan {
	return vigil.Plan{ChildID: child, StrategyMeetingAt: vigiltest.Epoch.Add(-time.Hour), ReviewAt: vigiltest.Epoch.Add(28 * 24 * time.Hour),
		Agencies: []int64{1}, Summary: summary, Actions: []vigil.PlanAction{{Action: action, Owner: "Social worker"}}}
}

// outsideResponse is a child the response officer may not see yet.
func outsideResponse(t *testing.T, db *sqlstore.DB) int64 {
	t.Helper()
	svc := sqlstore.NewChildService(db)
	ctx := vigiltest.As(t, db, "response.officer")
	for id := int64(1); id < 400; id++ {
		if _, err := svc.Child(ctx, id); vigil.ErrorCode(err) == vigil.EFORBIDDEN {
			return id
		}
	}
	t.Fatal("the response officer sees every child")
	return 0
}

// TestEveryFreeTextColumnIsChecked writes flagged wording into every
// registered free-text column and finds it kept with the record.
func TestEveryFreeTextColumnIsChecked(t *testing.T) {
	forEachDemo(t, func(t *testing.T, db *sqlstore.DB, _ *demo.Org) {
		auditor := vigiltest.As(t, db, "auditor")
		lang := sqlstore.NewLanguageService(db)
		for _, key := range sqlstore.FreeTextKeys() {
			write, ok := writers[key]
			if !ok {
				t.Errorf("free-text column %s has no writer in this test", key)
				continue
			}
			before, _ := lang.Findings(auditor, vigil.FindingFilter{PageRequest: vigil.PageRequest{Limit: vigil.MaxPageSize}})
			if err := write(t, db, 3); err != nil {
				t.Fatalf("%s: %v", key, err)
			}
			after, err := lang.Findings(auditor, vigil.FindingFilter{PageRequest: vigil.PageRequest{Limit: vigil.MaxPageSize}})
			if err != nil {
				t.Fatal(err)
			}
			if len(after.Items) < len(before.Items)+2 {
				t.Errorf("%s: writing %q stored %d findings", key, flagged, len(after.Items)-len(before.Items))
				continue
			}
			var entries []string
			for _, f := range after.Items[:len(after.Items)-len(before.Items)] {
				entries = append(entries, f.EntryID)
				if f.Text == "" || f.Lexicon == "" || f.RecordKind == "" || f.RecordID == 0 || f.TeamID == 0 {
					t.Errorf("%s: finding %+v lacks its text, lexicon, record or team", key, f)
				}
			}
			if len(entries) < 2 {
				t.Errorf("%s: findings %v", key, entries)
			}
		}
	})
}

// TestRequireReason: with the force's setting on, flagged wording is only
// saved with a reason, which is kept with the finding; rewording clears
// the findings.
func TestRequireReason(t *testing.T) {
	forEachDemo(t, func(t *testing.T, db *sqlstore.DB, _ *demo.Org) {
		lang := sqlstore.NewLanguageService(db)
		admin := vigiltest.As(t, db, "admin")
		if err := lang.SetRequireReason(vigiltest.As(t, db, "auditor"), true); vigil.ErrorCode(err) != vigil.EFORBIDDEN {
			t.Errorf("an auditor changed the setting: %v", err)
		}
		if err := lang.SetRequireReason(admin, true); err != nil {
			t.Fatal(err)
		}
		mash := vigiltest.As(t, db, "mash.officer")
		svc := sqlstore.NewChildService(db)
		share := vigil.Share{AgencyID: 1, RecordID: 5, Purpose: "Strategy meeting: he is putting himself at risk", LawfulBasis: vigil.LawfulBases[0]}
		_, err := svc.Share(mash, share)
		if f := vigil.ErrorFields(err); len(f) != 1 || f[0].Field != "purpose" || !strings.Contains(f[0].Message, "putting himself at risk") {
			t.Fatalf("flagged wording without a reason: %v", err)
		}
		if shares, _ := svc.Shares(mash, 5); slices.ContainsFunc(shares, func(s vigil.Share) bool { return s.Purpose == share.Purpose }) {
			t.Fatal("the refused share was saved")
		}
		withReason := vigil.WithKeepReasons(mash, map[string]string{"purpose": "quoting the mother's words at the strategy meeting"})
		if _, err := svc.Share(withReason, share); err != nil {
			t.Fatal(err)
		}
		page, _ := lang.Findings(vigiltest.As(t, db, "auditor"), vigil.FindingFilter{RecordKind: vigil.KindChild, RecordID: 5})
		if len(page.Items) != 1 || page.Items[0].KeepReason == "" || page.Items[0].Field != "Sharing purpose" {
			t.Fatalf("the kept finding: %+v", page.Items)
		}
		// Clean wording needs no reason.
		if _, err := svc.Share(mash, vigil.Share{AgencyID: 2, RecordID: 5, Purpose: "Strategy meeting: he is at risk of exploitation",
			LawfulBasis: vigil.LawfulBases[0]}); err != nil {
			t.Fatal(err)
		}
		st, _ := lang.Settings(admin)
		if !st.RequireReason || st.LexiconVersion == "" {
			t.Errorf("settings %+v", st)
		}
	})
}

// TestLexiconOverridesAndScan: switching an entry off and adding a local
// one changes what is flagged everywhere; a scan rechecks stored text.
func TestLexiconOverridesAndScan(t *testing.T) {
	forEachDemo(t, func(t *testing.T, db *sqlstore.DB, _ *demo.Org) {
		lang := sqlstore.NewLanguageService(db)
		admin := vigiltest.As(t, db, "admin")
		mash := vigiltest.As(t, db, "mash.officer")
		if f, _ := lang.Check(mash, "He is a frequent flyer at the station"); len(f) != 0 {
			t.Fatalf("before the override: %+v", f)
		}
		svc := sqlstore.NewChildService(db)
		if _, err := svc.Share(mash, vigil.Share{AgencyID: 1, RecordID: 9, Purpose: "A frequent flyer known to the team",
			LawfulBasis: vigil.LawfulBases[0]}); err != nil {
			t.Fatal(err)
		}
		if _, err := lang.SaveOverrides(admin, `{"add": [{"id": "force-frequent-flyer"`); vigil.ErrorCode(err) != vigil.EINVALID {
			t.Errorf("a broken document: %v", err)
		}
		doc := `{"version": "kmp-1", "sources": [{"id": "kmp-guide", "title": "Kingsmoor language guide", "publisher": "Kingsmoor Police", "url": "https://kingsmoor.police.example/language"}],
			"add": [{"id": "force-frequent-flyer", "category": "trivialises", "patterns": ["frequent (flyer|flier)"],
			"why": "It makes a child who keeps going missing sound like a nuisance.", "alternatives": ["child who has been missing several times"],
			"sources": ["kmp-guide"]}]}`
		if _, err := lang.SaveOverrides(mash, doc); vigil.ErrorCode(err) != vigil.EFORBIDDEN {
			t.Errorf("a MASH officer changed the lexicon: %v", err)
		}
		ch, err := lang.SaveOverrides(admin, doc)
		if err != nil {
			t.Fatal(err)
		}
		if ch.Version != "kmp-1" {
			t.Errorf("version %q", ch.Version)
		}
		f, _ := lang.Check(mash, "He is a frequent flyer at the station")
		if len(f) != 1 || f[0].EntryID != "force-frequent-flyer" {
			t.Fatalf("after the override: %+v", f)
		}
		n, err := db.Scan(vigiltest.AsSystem(t, db), nil)
		if err != nil || n == 0 {
			t.Fatalf("scan: %d %v", n, err)
		}
		page, _ := lang.Findings(vigiltest.As(t, db, "auditor"), vigil.FindingFilter{RecordKind: vigil.KindChild, RecordID: 9})
		if len(page.Items) != 1 || page.Items[0].EntryID != "force-frequent-flyer" {
			t.Fatalf("after the scan: %+v", page.Items)
		}
		if _, log, _ := lang.Overrides(admin); len(log) != 1 || log[0].Username != "admin" {
			t.Errorf("change log: %+v", log)
		}
	})
}
