package web

// missingAPIRoutes registers the missing-children API.
func (s *Server) missingAPIRoutes() {}
