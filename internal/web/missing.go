package web

// missingRoutes registers the missing-children pages.
func (s *Server) missingRoutes() {}
