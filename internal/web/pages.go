package web

import (
	"net/http"
	"slices"

	"github.com/vigilcp/vigil/internal/vigil"
)

// homeData is the signed-in home page.
type homeData struct {
	Name, Username, Rank, Role, TeamName, ForceName string
	TeamID                                          int64
	// Tasks waiting for this person, oldest first, from every source.
	Tasks []vigil.Task
}

func (s *Server) home(w http.ResponseWriter, r *http.Request) {
	p := vigil.PrincipalFrom(r.Context())
	if p == nil {
		s.render(w, r, http.StatusOK, "start", &Page{Title: "Child protection"})
		return
	}
	org, err := s.svc.Org.Organisation(r.Context())
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	d := homeData{Name: p.User.DisplayName(), Username: p.User.Username, ForceName: org.Force.Name}
	if per := p.User.Person; per != nil {
		d.Rank, d.Role, d.TeamID = per.Rank.Label(), per.Role, per.TeamID
		for _, t := range org.Teams {
			if t.ID == per.TeamID {
				d.TeamName = t.Name
			}
		}
		for _, a := range org.Agencies {
			if a.ID == per.AgencyID {
				d.TeamName = a.Name
			}
		}
	}
	for _, src := range s.taskSources() {
		tasks, err := src.Tasks(vigil.WithPurpose(r.Context(), purposeMyWork))
		if err != nil {
			s.pageError(w, r, err)
			return
		}
		d.Tasks = append(d.Tasks, tasks...)
	}
	slices.SortStableFunc(d.Tasks, func(a, b vigil.Task) int { return a.Since.Compare(b.Since) })
	s.render(w, r, http.StatusOK, "home", &Page{Title: "My work", Data: d})
}

const purposeMyWork = "seeing the work waiting for me"

// taskSources are the services that hand work to a named person: My work
// gathers their tasks (break-glass openings to review, for now).
func (s *Server) taskSources() []vigil.TaskSource {
	var out []vigil.TaskSource
	if s.svc.BreakGlass != nil {
		out = append(out, s.svc.BreakGlass)
	}
	return out
}
