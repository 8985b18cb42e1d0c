package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/vigilcp/vigil/internal/vigil"
)

// Page purposes for the access log.
const (
	purposeProfileView = "Reading a child's profile and links"
	purposeProfileEdit = "Keeping a child's profile and links"
	purposeLinkedView  = "Reading who and what is linked to children"
)

func (s *Server) profileRoutes() {
	s.handle("GET /children/{id}/profile", s.profilePage)
	s.handle("GET /children/{id}/profile/edit", s.profileEditPage)
	s.handle("POST /children/{id}/profile/edit", s.profileEdit)
	s.handle("GET /children/{id}/links/new", s.linkPage)
	s.handle("POST /children/{id}/links/new", s.link)
	s.handle("POST /children/{id}/links/{link}/end", s.endLink)
	s.handle("GET /associates/{id}", s.associatePage)
	s.handle("GET /places/{id}", s.placePage)
}

// profileData is what the profile page shows.
type profileData struct {
	Child   *vigil.ChildRecord
	Profile *vigil.ChildProfile
	Stale   bool
	Current []vigil.Link
	Ended   []vigil.Link
	CanEdit bool // keep the profile
	CanLink bool // link people and places
}

func (s *Server) profilePage(w http.ResponseWriter, r *http.Request) {
	cd, ok := s.loadChild(w, r, purposeProfileView)
	if !ok {
		return
	}
	ctx := vigil.WithPurpose(r.Context(), purposeProfileView)
	p, err := s.svc.Profiles.Profile(ctx, cd.Child.ID)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	d := &profileData{Child: cd.Child, Profile: p, Stale: !p.Profile.Empty() && p.Profile.Stale(s.now()),
		CanEdit: vigil.PrincipalFrom(r.Context()).Has(vigil.ActionProfile, vigil.KindChild) && !cd.Child.ByBreakGlass,
		CanLink: vigil.PrincipalFrom(r.Context()).Has(vigil.ActionLink, vigil.KindChild) && !cd.Child.ByBreakGlass}
	for _, l := range p.Links {
		if l.EndedAt == nil {
			d.Current = append(d.Current, l)
		} else {
			d.Ended = append(d.Ended, l)
		}
	}
	s.render(w, r, http.StatusOK, "child-profile", &Page{Title: "Profile: " + cd.Child.FullName(), Data: d})
}

func (s *Server) profileEditPage(w http.ResponseWriter, r *http.Request) {
	if err := vigil.Require(r.Context(), vigil.ActionProfile, vigil.KindChild); err != nil {
		s.pageError(w, r, err)
		return
	}
	cd, ok := s.loadChild(w, r, purposeProfileEdit)
	if !ok {
		return
	}
	p, err := s.svc.Profiles.Profile(vigil.WithPurpose(r.Context(), purposeProfileEdit), cd.Child.ID)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	pr := p.Profile
	form := url.Values{"version": {strconv.FormatInt(pr.Version, 10)}, "description": {pr.Description}, "photo_ref": {pr.PhotoRef},
		"medical": {pr.Medical}, "financial": {pr.Financial}, "phones": {pr.Phones}, "social_media": {pr.SocialMedia},
		"kept_by": {pr.KeptBy}}
	if pr.ConfirmedAt != nil {
		dateFields(form, "confirmed_at", *pr.ConfirmedAt)
	} else {
		dateFields(form, "confirmed_at", s.now())
	}
	if pr.KeptBy == "" && cd.Child.Carers != "" {
		form.Set("kept_by", cd.Child.Carers)
	}
	s.render(w, r, http.StatusOK, "child-profile-edit", &Page{Title: "Philomena profile", Data: cd.Child, Form: form})
}

func (s *Server) profileEdit(w http.ResponseWriter, r *http.Request) {
	cd, ok := s.loadChild(w, r, purposeProfileEdit)
	if !ok {
		return
	}
	if err := r.ParseForm(); err != nil {
		s.pageError(w, r, vigil.Errorf(vigil.EINVALID, "The form could not be read"))
		return
	}
	var v vigil.Validation
	p := vigil.Profile{ChildID: cd.Child.ID, Description: r.PostFormValue("description"), PhotoRef: r.PostFormValue("photo_ref"),
		Medical: r.PostFormValue("medical"), Financial: r.PostFormValue("financial"), Phones: r.PostFormValue("phones"),
		SocialMedia: r.PostFormValue("social_media"), KeptBy: r.PostFormValue("kept_by")}
	if at := formDate(r, "confirmed_at", &v); !at.IsZero() {
		p.ConfirmedAt = &at
	}
	err := v.Err()
	if err == nil {
		_, err = s.svc.Profiles.SaveProfile(vigil.WithPurpose(r.Context(), purposeProfileEdit), p, episodeVersion(r))
	}
	if err != nil {
		if fields := vigil.ErrorFields(err); len(fields) > 0 || vigil.ErrorCode(err) == vigil.ECONFLICT {
			if len(fields) == 0 {
				fields = []vigil.FieldError{{Field: "description", Message: vigil.ErrorMessage(err)}}
			}
			s.render(w, r, http.StatusUnprocessableEntity, "child-profile-edit", &Page{Title: "Philomena profile", Data: cd.Child,
				Errors: fields, Form: r.PostForm})
			return
		}
		s.pageError(w, r, err)
		return
	}
	http.Redirect(w, r, fmt.Sprintf("/children/%d/profile?saved=1", cd.Child.ID), http.StatusSeeOther)
}

// linkData is the form linking a person or place to a child.
type linkData struct {
	Child     *vigil.ChildRecord
	Place     bool
	Relations []vigil.LinkRelation
	Episodes  []vigil.Episode
	Matches   []vigil.LinkMatch
}

func (s *Server) linkForm(w http.ResponseWriter, r *http.Request) (*linkData, bool) {
	if err := vigil.Require(r.Context(), vigil.ActionLink, vigil.KindChild); err != nil {
		s.pageError(w, r, err)
		return nil, false
	}
	cd, ok := s.loadChild(w, r, purposeProfileEdit)
	if !ok {
		return nil, false
	}
	d := &linkData{Child: cd.Child, Place: r.FormValue("kind") == "place", Relations: vigil.PersonRelations}
	if d.Place {
		d.Relations = vigil.PlaceRelations
	}
	page, err := s.svc.Missing.Episodes(vigil.WithPurpose(r.Context(), purposeProfileEdit),
		vigil.EpisodeFilter{ChildID: cd.Child.ID, PageRequest: vigil.PageRequest{Limit: 20}})
	if err != nil {
		s.pageError(w, r, err)
		return nil, false
	}
	for _, e := range page.Items {
		if e.FoundAt != nil {
			d.Episodes = append(d.Episodes, e)
		}
	}
	return d, true
}

func (s *Server) linkPage(w http.ResponseWriter, r *http.Request) {
	d, ok := s.linkForm(w, r)
	if !ok {
		return
	}
	q := r.URL.Query()
	form := url.Values{"kind": {q.Get("kind")}, "relation": {q.Get("relation")}, "episode_id": {q.Get("episode")}}
	s.render(w, r, http.StatusOK, "child-link", &Page{Title: linkTitle(d.Place), Data: d, Form: form})
}

func linkTitle(place bool) string {
	if place {
		return "Link a place"
	}
	return "Link a person"
}

func (s *Server) link(w http.ResponseWriter, r *http.Request) {
	d, ok := s.linkForm(w, r)
	if !ok {
		return
	}
	var v vigil.Validation
	n := vigil.NewLink{ChildID: d.Child.ID, Relation: vigil.LinkRelation(r.PostFormValue("relation")), Name: r.PostFormValue("name"),
		Postcode: r.PostFormValue("postcode"), Description: r.PostFormValue("description"), Notes: r.PostFormValue("notes")}
	if e := strings.TrimSpace(r.PostFormValue("episode_id")); e != "" {
		n.EpisodeID, _ = strconv.ParseInt(e, 10, 64)
	}
	if !d.Place {
		if dob := formDate(r, "date_of_birth", &v); !dob.IsZero() {
			n.DateOfBirth = &dob
		}
	}
	switch choice := r.PostFormValue("match"); {
	case choice == "new":
		n.ConfirmedNew = true
	case choice != "":
		id, _ := strconv.ParseInt(choice, 10, 64)
		if d.Place {
			n.PlaceID = id
		} else {
			n.AssociateID = id
		}
	}
	if n.Relation != "" && n.Relation.ForPlace() != d.Place {
		v.Add("relation", "Select how the %s is linked to the child", map[bool]string{true: "place", false: "person"}[d.Place])
	}
	err := v.Err()
	ctx := vigil.WithPurpose(r.Context(), purposeProfileEdit)
	if err == nil {
		_, err = s.svc.Profiles.Link(ctx, n)
	}
	if err != nil {
		if vigil.ErrorCode(err) == vigil.ECONFLICT {
			// Possible matches: choose one, or confirm a new record.
			matches, merr := s.svc.Profiles.MatchLinks(ctx, d.Place, n.Name)
			if merr != nil {
				s.pageError(w, r, merr)
				return
			}
			d.Matches = matches
			s.render(w, r, http.StatusConflict, "child-link", &Page{Title: linkTitle(d.Place), Data: d, Form: r.PostForm,
				Errors: []vigil.FieldError{{Field: "match", Message: vigil.ErrorMessage(err)}}})
			return
		}
		if fields := vigil.ErrorFields(err); len(fields) > 0 {
			s.render(w, r, http.StatusUnprocessableEntity, "child-link", &Page{Title: linkTitle(d.Place), Data: d, Form: r.PostForm,
				Errors: fields})
			return
		}
		s.pageError(w, r, err)
		return
	}
	http.Redirect(w, r, fmt.Sprintf("/children/%d/profile?linked=1", d.Child.ID), http.StatusSeeOther)
}

func (s *Server) endLink(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	link, err := strconv.ParseInt(r.PathValue("link"), 10, 64)
	if err != nil {
		s.pageError(w, r, vigil.Errorf(vigil.ENOTFOUND, "Link not found"))
		return
	}
	if err := s.svc.Profiles.EndLink(vigil.WithPurpose(r.Context(), purposeProfileEdit), id, link); err != nil {
		s.pageError(w, r, err)
		return
	}
	http.Redirect(w, r, fmt.Sprintf("/children/%d/profile", id), http.StatusSeeOther)
}

func (s *Server) associatePage(w http.ResponseWriter, r *http.Request) {
	s.linkedPage(w, r, false)
}

func (s *Server) placePage(w http.ResponseWriter, r *http.Request) {
	s.linkedPage(w, r, true)
}

func (s *Server) linkedPage(w http.ResponseWriter, r *http.Request, place bool) {
	id, err := pathID(r)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	ctx := vigil.WithPurpose(r.Context(), purposeLinkedView)
	var rec *vigil.LinkedRecord
	if place {
		rec, err = s.svc.Profiles.Place(ctx, id)
	} else {
		rec, err = s.svc.Profiles.Associate(ctx, id)
	}
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	title := ""
	if place {
		title = rec.Place.Name
	} else {
		title = rec.Associate.Name
	}
	s.render(w, r, http.StatusOK, "linked", &Page{Title: title, Data: rec})
}
