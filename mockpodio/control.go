package mockpodio

import "net/http"

// serveControl serves the mock's own /_mock/ routes.
func (s *Server) serveControl(w http.ResponseWriter, r *http.Request, parts []string) {
	writeError(w, r, errorf(http.StatusNotFound, codeNotFound, descNoOperation))
}
