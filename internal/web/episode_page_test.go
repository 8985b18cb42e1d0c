package web_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vigilcp/vigil/internal/sqlstore"
	"github.com/vigilcp/vigil/internal/vigil"
	"github.com/vigilcp/vigil/internal/vigiltest"
)

// TestEpisodePageIsOneRead: an episode's page, with two officers deployed
// and flagged wording found in it, shown to an auditor (who sees the
// findings) and a control-room manager, names the officers and writes one
// access-log entry, the read of the episode.
func TestEpisodePageIsOneRead(t *testing.T) {
	f := newFixture(t)
	svc := sqlstore.NewMissingService(f.db)
	sys := vigiltest.AsSystem(t, f.db)
	page, err := sqlstore.NewChildService(f.db).Children(vigiltest.As(t, f.db, "missing.ashvale"),
		vigil.ChildFilter{LPAID: 1, PageRequest: vigil.PageRequest{Limit: 1}})
	if err != nil || len(page.Items) == 0 {
		t.Fatal(err)
	}
	at := vigiltest.Epoch.Add(-time.Hour)
	e, err := svc.Report(sys, vigil.NewReport{ChildID: page.Items[0].ID, ReportedAt: at, ReporterName: "Dawn Carter",
		LastSeenAt: at.Add(-time.Hour), Circumstances: "She appears deliberately missing, her carer says", LPAID: 1,
		Grading: vigil.Grading{Level: vigil.RiskHigh, Rationale: "Seen with older males"}})
	if err != nil {
		t.Fatal(err)
	}
	var officers []int64
	var names []string
	for _, p := range f.org.People {
		if p.TeamID != 0 && len(officers) < 2 {
			officers = append(officers, p.ID)
			names = append(names, p.FullName())
		}
	}
	if e, err = svc.Deploy(sys, e.ID, officers, at.Add(10*time.Minute), e.Version); err != nil {
		t.Fatal(err)
	}
	for _, user := range []string{"auditor", "control.manager"} {
		c := f.client(user)
		before := logHead(t, f)
		r, body := f.do(c, "GET", "/missing/episodes/"+itoa(e.ID), nil)
		if r.StatusCode != 200 {
			t.Fatalf("%s: %s", user, r.Status)
		}
		for _, n := range names {
			if !strings.Contains(string(body), n) {
				t.Errorf("%s: the page does not name the deployed officer %s", user, n)
			}
		}
		if user == "auditor" && !strings.Contains(string(body), "deliberately missing") {
			t.Error("the auditor's page does not show the finding")
		}
		entries := logSince(t, f, before)
		if len(entries) != 1 || entries[0].Action != vigil.ActionRead || entries[0].RecordKind != vigil.KindEpisode ||
			!slices.Equal(entries[0].RecordIDs, []int64{e.ID}) {
			t.Errorf("%s's page view wrote %d entries, want one read of episode %d: %+v", user, len(entries), e.ID, entries)
		}
	}
}

// logHead is the access log's last sequence number.
func logHead(t *testing.T, f *fixture) int64 {
	t.Helper()
	seq, _, err := f.db.AccessLogHead(vigiltest.AsSystem(t, f.db))
	if err != nil {
		t.Fatal(err)
	}
	return seq
}

// logSince is the access log's entries after seq, but for the sessions'
// own bookkeeping (sign-in and token entries).
func logSince(t *testing.T, f *fixture, seq int64) []vigil.AccessEntry {
	t.Helper()
	page, err := sqlstore.NewAccessLogService(f.db).AccessLog(vigiltest.AsSystem(t, f.db),
		vigil.AccessLogFilter{PageRequest: vigil.PageRequest{Limit: 50}})
	if err != nil {
		t.Fatal(err)
	}
	var out []vigil.AccessEntry
	for _, e := range page.Items {
		if e.Seq > seq && e.Username != "system" {
			out = append(out, e)
		}
	}
	return out
}

// TestChildPageIsOneRead: a child's page (the record, its shares, the
// agencies to share with, its LPA's name and its language findings) is
// read in one call and written to the access log as one read of the
// child, for a coordinator, an auditor and the partner it is shared with.
func TestChildPageIsOneRead(t *testing.T) {
	f := newFixture(t)
	page, err := sqlstore.NewChildService(f.db).Children(vigiltest.As(t, f.db, "social.worker"),
		vigil.ChildFilter{PageRequest: vigil.PageRequest{Limit: 1}})
	if err != nil || len(page.Items) == 0 {
		t.Fatal("no child is shared with the social worker", err)
	}
	child := page.Items[0]
	for _, user := range []string{"missing.ashvale", "auditor", "social.worker"} {
		c := f.client(user)
		before := logHead(t, f)
		r, body := f.do(c, "GET", "/children/"+itoa(child.ID), nil)
		if r.StatusCode != 200 {
			t.Fatalf("%s: %s", user, r.Status)
		}
		if !strings.Contains(string(body), child.FamilyName) {
			t.Errorf("%s: the page does not name the child", user)
		}
		entries := logSince(t, f, before)
		if len(entries) != 1 || entries[0].Action != vigil.ActionRead || entries[0].RecordKind != vigil.KindChild ||
			!slices.Equal(entries[0].RecordIDs, []int64{child.ID}) {
			t.Errorf("%s's page view wrote %d entries, want one read of child %d: %+v", user, len(entries), child.ID, entries)
		}
	}
}
