package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/vigilcp/vigil/internal/vigil"
)

const (
	apiPurposeProfile = "API: child profile and links"
	apiPurposeLinked  = "API: people and places linked to children"
)

func (s *Server) profileAPIRoutes() {
	s.handle("GET /api/v1/children/{id}/profile", s.apiProfile)
	s.handle("PUT /api/v1/children/{id}/profile", s.apiSaveProfile)
	s.handle("POST /api/v1/children/{id}/links", s.apiLink)
	s.handle("POST /api/v1/children/{id}/links/{link}/end", s.apiEndLink)
	s.handle("GET /api/v1/link-matches", s.apiLinkMatches)
	s.handle("GET /api/v1/associates/{id}", s.apiAssociate)
	s.handle("GET /api/v1/places/{id}", s.apiPlace)
}

func (s *Server) apiProfile(w http.ResponseWriter, r *http.Request) {
	child, err := pathID(r)
	if err == nil {
		err = requireSignIn(r)
	}
	var p *vigil.ChildProfile
	if err == nil {
		p, err = s.svc.Profiles.Profile(vigil.WithPurpose(r.Context(), apiPurposeProfile), child)
	}
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	if p.Links == nil {
		p.Links = []vigil.Link{}
	}
	setETag(w, p.Profile.Version)
	writeJSON(w, http.StatusOK, p)
}

// apiProfileIn is the profile as a client sends it.
type apiProfileIn struct {
	Description string `json:"description"`
	PhotoRef    string `json:"photo_ref"`
	Medical     string `json:"medical"`
	Financial   string `json:"financial"`
	Phones      string `json:"phones"`
	SocialMedia string `json:"social_media"`
	KeptBy      string `json:"kept_by"`
	ConfirmedAt string `json:"confirmed_at"`
	// Version is the version read (0 for a child with no profile yet).
	Version *int64 `json:"version"`
}

func (s *Server) apiSaveProfile(w http.ResponseWriter, r *http.Request) {
	child, err := pathID(r)
	if err == nil {
		err = requireSignIn(r)
	}
	var in apiProfileIn
	if err == nil {
		err = decode(r, &in)
	}
	var v vigil.Validation
	var version int64
	if err == nil {
		// Version 0 is a real base here (no profile yet), so baseVersion's
		// "0 means not given" does not fit: the body's version is a pointer.
		var given bool
		version, given, err = ifMatch(r, "profile")
		switch {
		case err != nil:
		case given:
			if in.Version != nil && *in.Version != version {
				err = vigil.Errorf(vigil.EINVALID, "If-Match and version disagree")
			}
		case in.Version == nil:
			v.Add("version", "Give the version of the profile this change is based on (0 when there is none yet), or send If-Match")
		default:
			version = *in.Version
		}
	}
	p := vigil.Profile{ChildID: child, Description: in.Description, PhotoRef: in.PhotoRef, Medical: in.Medical,
		Financial: in.Financial, Phones: in.Phones, SocialMedia: in.SocialMedia, KeptBy: in.KeptBy}
	if t := apiDateOrInstant(&v, "confirmed_at", in.ConfirmedAt, false); !t.IsZero() {
		p.ConfirmedAt = &t
	}
	if err == nil {
		err = v.Err()
	}
	var out *vigil.Profile
	if err == nil {
		out, err = s.svc.Profiles.SaveProfile(vigil.WithPurpose(r.Context(), apiPurposeProfile), p, version)
	}
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	setETag(w, out.Version)
	writeJSON(w, http.StatusOK, out)
}

// apiLinkIn is a new link as a client sends it.
type apiLinkIn struct {
	vigil.NewLink
	DateOfBirth string `json:"date_of_birth,omitempty"`
}

func (s *Server) apiLink(w http.ResponseWriter, r *http.Request) {
	child, err := pathID(r)
	if err == nil {
		err = requireSignIn(r)
	}
	var in apiLinkIn
	if err == nil {
		err = decode(r, &in)
	}
	var out *vigil.Link
	if err == nil {
		n := in.NewLink
		n.ChildID = child
		var v vigil.Validation
		if t := apiDateOrInstant(&v, "date_of_birth", in.DateOfBirth, false); !t.IsZero() {
			n.DateOfBirth = &t
		}
		if err = v.Err(); err == nil {
			out, err = s.svc.Profiles.Link(vigil.WithPurpose(r.Context(), apiPurposeProfile), n)
		}
	}
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, out)
}

func (s *Server) apiEndLink(w http.ResponseWriter, r *http.Request) {
	child, err := pathID(r)
	var link int64
	if err == nil {
		link, err = strconv.ParseInt(r.PathValue("link"), 10, 64)
		if err != nil || link <= 0 {
			err = vigil.Errorf(vigil.ENOTFOUND, "Not found")
		}
	}
	if err == nil {
		err = requireSignIn(r)
	}
	if err == nil {
		err = s.svc.Profiles.EndLink(vigil.WithPurpose(r.Context(), apiPurposeProfile), child, link)
	}
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) apiLinkMatches(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	err := requireSignIn(r)
	kind, name := q.Get("kind"), strings.TrimSpace(q.Get("name"))
	if err == nil {
		var v vigil.Validation
		if kind != "person" && kind != "place" {
			v.Add("kind", "kind must be person or place")
		}
		if name == "" {
			v.Add("name", "Give the name to search for")
		}
		err = v.Err()
	}
	var out []vigil.LinkMatch
	if err == nil {
		out, err = s.svc.Profiles.MatchLinks(vigil.WithPurpose(r.Context(), apiPurposeProfile), kind == "place", name)
	}
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	if out == nil {
		out = []vigil.LinkMatch{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": out})
}

func (s *Server) apiAssociate(w http.ResponseWriter, r *http.Request) { s.apiLinked(w, r, false) }

func (s *Server) apiPlace(w http.ResponseWriter, r *http.Request) { s.apiLinked(w, r, true) }

func (s *Server) apiLinked(w http.ResponseWriter, r *http.Request, place bool) {
	id, err := pathID(r)
	if err == nil {
		err = requireSignIn(r)
	}
	var out *vigil.LinkedRecord
	if err == nil {
		ctx := vigil.WithPurpose(r.Context(), apiPurposeLinked)
		if place {
			out, err = s.svc.Profiles.Place(ctx, id)
		} else {
			out, err = s.svc.Profiles.Associate(ctx, id)
		}
	}
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, out)
}
