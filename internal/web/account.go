package web

import (
	"net/http"

	"github.com/vigilcp/vigil/internal/vigil"
)

// accountPage shows the signed-in person what they may do, and lets them
// sign out of every device.
func (s *Server) accountPage(w http.ResponseWriter, r *http.Request) {
	p := vigil.PrincipalFrom(r.Context())
	if p == nil {
		s.pageError(w, r, vigil.Errorf(vigil.EUNAUTHENTICATED, "Sign in to continue"))
		return
	}
	s.render(w, r, http.StatusOK, "account", &Page{Title: "Your account", Data: p, Form: r.URL.Query()})
}
