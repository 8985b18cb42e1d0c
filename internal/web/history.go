package web

import (
	"strconv"
	"strings"
	"time"

	"github.com/vigilcp/vigil/internal/vigil"
)

// A record's history is shown as an MoJ timeline: one entry per change,
// saying what was done, by whom and when (Europe/London, 24-hour), and each
// field's value before and after, in words rather than stored codes.

// timelineEntry is one change as the timeline shows it.
type timelineEntry struct {
	Title string
	By    string
	// Timestamp is the instant for <time datetime>; When is it as people
	// read it.
	Timestamp, When string
	Changes         []changeLine
}

// changeLine is one field of a change. Created says there was no value
// before: the record was created.
type changeLine struct {
	Label, Before, After string
	Created              bool
}

// historyField says how one stored field is shown: its label, how a
// stored value reads (nil: as stored), and what no value means ("none"
// when not said).
type historyField struct {
	Name, Label string
	Show        func(string) string
	Empty       string
}

// historyView is how the history of one kind of record reads: its fields
// in the order shown, and a title for each action.
type historyView struct {
	Fields  []historyField
	Actions map[string]string
}

// timeline turns a record's changes, newest first, into timeline entries.
func timeline(changes []vigil.Change, v historyView) []timelineEntry {
	out := make([]timelineEntry, 0, len(changes))
	for _, c := range changes {
		e := timelineEntry{Title: v.Actions[c.Action], By: c.Username,
			Timestamp: c.At.UTC().Format(time.RFC3339), When: londonTime(c.At).Format("2 January 2006 at 15:04")}
		if e.Title == "" {
			e.Title = strings.ToUpper(c.Action[:1]) + strings.ReplaceAll(c.Action[1:], "_", " ")
		}
		if e.By == "" {
			e.By = "an unknown user"
		}
		seen := map[string]bool{}
		add := func(f historyField, fc vigil.FieldChange) {
			show := func(p *string) string {
				if p == nil || *p == "" {
					if f.Empty != "" {
						return f.Empty
					}
					return "none"
				}
				if f.Show != nil {
					return f.Show(*p)
				}
				return *p
			}
			e.Changes = append(e.Changes, changeLine{Label: f.Label, Before: show(fc.Before), After: show(fc.After), Created: fc.Before == nil})
		}
		for _, f := range v.Fields {
			for _, fc := range c.Fields {
				if fc.Field == f.Name {
					add(f, fc)
					seen[fc.Field] = true
				}
			}
		}
		for _, fc := range c.Fields {
			if !seen[fc.Field] {
				add(historyField{Name: fc.Field, Label: fc.Field}, fc)
			}
		}
		out = append(out, e)
	}
	return out
}

// yesNo shows a stored "yes" or "no".
func yesNo(s string) string {
	if s == "yes" {
		return "Yes"
	}
	return "No"
}

// named shows a stored id by the name it maps to, or "what ID" when the
// name is not known.
func named(names map[int64]string, what string) func(string) string {
	return func(s string) string {
		id, err := strconv.ParseInt(s, 10, 64)
		if err == nil {
			if n, ok := names[id]; ok {
				return n
			}
		}
		return what + " " + s
	}
}

// storedInstant shows an instant as stored in the history.
func storedInstant(s string) string {
	t, err := time.Parse("2006-01-02T15:04:05.000Z", s)
	if err != nil {
		return s
	}
	return londonTime(t).Format("2 January 2006 at 15:04")
}

func roleList(s string) string {
	var out []string
	for r := range strings.SplitSeq(s, ",") {
		out = append(out, vigil.Role(r).Label())
	}
	return strings.Join(out, ", ")
}

// userHistory is how an account's history reads. users and people name
// the supervisors and people it mentions.
func userHistory(users, people map[int64]string) historyView {
	return historyView{
		Fields: []historyField{
			{"username", "Username", nil, ""},
			{"person_id", "Person", named(people, "Person"), ""},
			{"roles", "Roles", roleList, ""},
			{"scope", "Records they can see", func(s string) string { return vigil.Scope(s).Label() }, ""},
			{"supervisor_id", "Supervisor", named(users, "User"), "No supervisor"},
			{"password", "Password set", yesNo, ""},
			{"second_factor", "Second factor set up", yesNo, ""},
			{"disabled_at", "Disabled", storedInstant, "No"},
		},
		Actions: map[string]string{"create": "Account created", "access": "Access changed", "disable": "Account disabled",
			"password": "Password changed", "second_factor_reset": "Second factor reset"},
	}
}

// orgNames are the names of an organisation's LPAs, teams and agencies by
// id, for histories that mention them.
type orgNames struct{ lpas, teams, agencies map[int64]string }

func namesOf(o *vigil.Organisation) orgNames {
	n := orgNames{lpas: map[int64]string{}, teams: map[int64]string{}, agencies: map[int64]string{}}
	for _, l := range o.LPAs {
		n.lpas[l.ID] = l.Name
	}
	for _, t := range o.Teams {
		n.teams[t.ID] = t.Name
	}
	for _, a := range o.Agencies {
		n.agencies[a.ID] = a.Name
	}
	return n
}

// personHistory is how a person's history reads.
func personHistory(n orgNames) historyView {
	return historyView{
		Fields: []historyField{
			{"given_name", "Given name", nil, ""},
			{"family_name", "Family name", nil, ""},
			{"collar_number", "Collar number", nil, ""},
			{"rank", "Rank", func(s string) string { return vigil.Rank(s).Label() }, ""},
			{"role", "Role", nil, ""},
			{"team_id", "Team", named(n.teams, "Team"), ""},
			{"agency_id", "Partner agency", named(n.agencies, "Agency"), ""},
			{"email", "Email", nil, ""},
			{"active", "Active", yesNo, ""},
		},
		Actions: map[string]string{"create": "Person added", "update": "Details changed"},
	}
}

// teamHistory is how a team's history reads.
func teamHistory(n orgNames) historyView {
	return historyView{
		Fields: []historyField{
			{"name", "Name", nil, ""},
			{"code", "Code", nil, ""},
			{"kind", "Work", func(s string) string { return vigil.TeamKind(s).Label() }, ""},
			{"lpa_id", "Local policing area", named(n.lpas, "LPA"), "Force-wide"},
		},
		Actions: map[string]string{"create": "Team added", "update": "Details changed"},
	}
}

// agencyHistory is how a partner agency's history reads.
var agencyHistory = historyView{
	Fields: []historyField{
		{"name", "Name", nil, ""},
		{"code", "Code", nil, ""},
		{"kind", "Kind", func(s string) string { return vigil.AgencyKind(s).Label() }, ""},
	},
	Actions: map[string]string{"create": "Agency added", "update": "Details changed"},
}

// childHistory is how a child's record's history reads.
var childHistory = historyView{
	Fields: []historyField{
		{"shared_with", "Shared with", nil, "nobody"},
		{"restricted", "Restricted", nil, ""},
	},
	Actions: map[string]string{"share": "Shared with a partner agency", "share_revoked": "Sharing stopped",
		"restrict": "Restricted", "restriction_lifted": "Restriction lifted"},
}
