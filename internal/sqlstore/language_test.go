package sqlstore_test

import (
	"slices"
	"strings"
	"testing"

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
	"break_glass.reason": func(t *testing.T, db *sqlstore.DB, child int64) error {
		_, err := sqlstore.NewChildService(db).OpenWithReason(vigiltest.As(t, db, "response.officer"), outsideResponse(t, db), flagged)
		return err
	},
	"break_glass.review_note": func(t *testing.T, db *sqlstore.DB, child int64) error {
		bg, err := sqlstore.NewChildService(db).OpenWithReason(vigiltest.As(t, db, "response.officer"), outsideResponse(t, db),
			"Found at the station late at night")
		if err != nil {
			return err
		}
		return sqlstore.NewBreakGlassService(db).Review(vigiltest.As(t, db, "gold.chair"), bg.ID, flagged)
	},
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
	vigiltest.ForEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		loadSmallDemo(t, db)
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
				if f.Text == "" || f.Lexicon == "" || f.RecordKind != vigil.KindChild || f.TeamID == 0 {
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
	vigiltest.ForEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		loadSmallDemo(t, db)
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
	vigiltest.ForEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		loadSmallDemo(t, db)
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
