package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/vigilcp/vigil/internal/vigil"
)

// accessActions are the actions auditors filter the access log by.
var accessActions = []vigil.Action{vigil.ActionRead, vigil.ActionList, vigil.ActionSearch, vigil.ActionCreate,
	vigil.ActionUpdate, vigil.ActionExport, vigil.ActionShare, vigil.ActionRestrict, vigil.ActionGrant,
	vigil.ActionBreakGlass, vigil.ActionReview, vigil.ActionSignIn, vigil.ActionSecondFactor, vigil.ActionSignOut,
	vigil.ActionSignOutAll, vigil.ActionDemoLoad}

// accessData is the auditors' access-log page.
type accessData struct {
	Entries  []vigil.AccessEntry
	NextHref string
	Actions  []vigil.Action
	Teams    []vigil.Team
	Heading  string
}

// parseAccessFilter reads the access log's filters from a query string:
// user (a username), record_kind and record_id, action, team_id, from and
// to (dates, Europe/London, both included).
func (s *Server) parseAccessFilter(r *http.Request) (vigil.AccessLogFilter, error) {
	q := r.URL.Query()
	var f vigil.AccessLogFilter
	var v vigil.Validation
	f.RecordKind = vigil.RecordKind(q.Get("record_kind"))
	if id := q.Get("record_id"); id != "" {
		n, err := strconv.ParseInt(id, 10, 64)
		if err != nil || n <= 0 {
			v.Add("record_id", "The record number must be a whole number")
		}
		f.RecordID = n
		if f.RecordKind == "" {
			f.RecordKind = vigil.KindChild
		}
	}
	f.Action = vigil.Action(q.Get("action"))
	f.TeamID = queryID(r, "team_id", &v)
	f.UserID = queryID(r, "user_id", &v)
	// Only someone who may search the access log has a username looked up:
	// for anyone else the search itself is refused, and logged, below,
	// without their learning whether the account exists.
	if name := strings.TrimSpace(q.Get("user")); name != "" && f.UserID == 0 &&
		vigil.Require(r.Context(), vigil.ActionSearch, vigil.KindAccessLog) == nil {
		u, err := s.svc.Users.UserByUsername(r.Context(), name)
		switch {
		case err == nil:
			f.UserID = u.ID
		case vigil.ErrorCode(err) == vigil.ENOTFOUND:
			v.Add("user", "There is no user called %q", name)
		case vigil.ErrorCode(err) == vigil.EFORBIDDEN:
			v.Add("user", "Filter by user id instead: you may not look up accounts")
		default:
			return f, err
		}
	}
	day := func(field string, add int) time.Time {
		s := q.Get(field)
		if s == "" {
			return time.Time{}
		}
		t, err := time.ParseInLocation("2006-01-02", s, london)
		if err != nil {
			v.Add(field, "Enter a date like 2026-11-26")
			return time.Time{}
		}
		return t.AddDate(0, 0, add).UTC()
	}
	f.From, f.To = day("from", 0), day("to", 1)
	pr, err := pageRequest(r)
	if err != nil {
		return f, err
	}
	f.PageRequest = pr
	return f, v.Err()
}

func (s *Server) accessPage(w http.ResponseWriter, r *http.Request) {
	ctx := vigil.WithPurpose(r.Context(), "auditing access to records")
	r = r.WithContext(ctx)
	f, err := s.parseAccessFilter(r)
	page := vigil.Page[vigil.AccessEntry]{}
	if err == nil {
		page, err = s.svc.AccessLog.AccessLog(ctx, f)
	}
	fields := vigil.ErrorFields(err)
	if err != nil && len(fields) == 0 {
		s.pageError(w, r, err)
		return
	}
	d := accessData{Entries: page.Items, Actions: accessActions, Heading: "Access log"}
	if f.RecordID != 0 {
		d.Heading = "Who has looked at " + string(f.RecordKind) + " " + strconv.FormatInt(f.RecordID, 10)
	} else if f.UserID != 0 {
		d.Heading = "What this user has looked at"
	}
	if org, err := s.svc.Org.Organisation(ctx); err == nil {
		d.Teams = org.Teams
	}
	if page.Next != "" {
		q := r.URL.Query()
		q.Set("cursor", page.Next)
		d.NextHref = "/access?" + q.Encode()
	}
	status := http.StatusOK
	if len(fields) > 0 {
		status = http.StatusUnprocessableEntity
	}
	s.render(w, r, status, "access", &Page{Title: d.Heading, Data: d, Form: r.URL.Query(), Errors: fields})
}

func (s *Server) breakGlassPage(w http.ResponseWriter, r *http.Request) {
	all := r.URL.Query().Get("all") == "1"
	page, err := s.svc.BreakGlass.Openings(r.Context(), !all, vigil.PageRequest{Cursor: r.URL.Query().Get("cursor")})
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	next := ""
	if page.Next != "" {
		next = "/access/break-glass?cursor=" + url.QueryEscape(page.Next)
		if all {
			next += "&all=1"
		}
	}
	s.render(w, r, http.StatusOK, "break-glass", &Page{Title: "Records opened with a reason", Data: struct {
		Openings []vigil.BreakGlass
		All      bool
		NextHref string
		Reviewed bool
	}{page.Items, all, next, r.URL.Query().Get("reviewed") == "1"}})
}

func (s *Server) reviewBreakGlass(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	if err := s.svc.BreakGlass.Review(r.Context(), id, r.PostFormValue("note")); err != nil {
		if vigil.ErrorCode(err) == vigil.EINVALID {
			s.pageError(w, r, vigil.Errorf(vigil.EINVALID, "Record what you found when reviewing the opening: a note of at least 2 characters."))
			return
		}
		s.pageError(w, r, err)
		return
	}
	http.Redirect(w, r, "/access/break-glass?reviewed=1", http.StatusSeeOther)
}
