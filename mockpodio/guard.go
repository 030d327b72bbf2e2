package mockpodio

import (
	"mime"
	"net/http"
	"strings"

	"github.com/devhookhq/devhook/internal/httpguard"
)

// podioContentTypes are the request bodies Podio's own routes take: JSON,
// forms (POST /oauth/token; podio-php labels its empty DELETEs as one) and
// multipart (file uploads). A text/plain body, which any web page can send
// without asking, is none of them.
var podioContentTypes = []string{"application/json", "application/x-www-form-urlencoded", "multipart/form-data"}

// guard refuses, before anything is served through the Listener, what a
// web page in a browser could send the mock: a Host that is not this
// machine's (DNS rebinding), a state-changing request a browser marks as
// cross-site (Origin, Sec-Fetch-Site), and a body of a type the route
// does not take (a control route takes JSON only). Official clients send
// none of these and pass. Refusals are answered in Podio's error shape
// and change nothing.
func (s *Server) guard(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := httpguard.CheckHost(r, s.AllowedHosts); err != nil {
			writeError(w, r, errorf(http.StatusForbidden, codeForbidden, "%v", err))
			return
		}
		if err := httpguard.CheckCrossSite(r); err != nil {
			writeError(w, r, errorf(http.StatusForbidden, codeForbidden, "%v", err))
			return
		}
		if err := checkContentType(r); err != nil {
			writeError(w, r, err)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// checkContentType checks the body type of a state-changing request: a
// control route's must be JSON (labelled as JSON, or as curl -d labels
// it), and a Podio route's one Podio takes. A
// request with no Content-Type passes, since Go clients send JSON
// unlabelled (the body is then parsed as JSON all the same); the types a
// page can send without a CORS preflight (text/plain, forms, multipart)
// always carry one, and a browser marks an unlabelled body from a page
// with Origin and Sec-Fetch-Site.
func checkContentType(r *http.Request) *APIError {
	switch r.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return nil
	}
	control := r.URL.Path == "/_mock" || strings.HasPrefix(r.URL.Path, "/_mock/")
	ct := r.Header.Get("Content-Type")
	if ct == "" {
		return nil
	}
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return errorf(http.StatusUnsupportedMediaType, codeBadRequest, "Invalid Content-Type: %v", err)
	}
	if control {
		// curl -d labels its JSON as a form; the body is parsed as strict
		// JSON whatever its label, and a page's form is refused above by
		// the browser's Origin and Sec-Fetch-Site.
		if mt != "application/json" && mt != "application/x-www-form-urlencoded" {
			return errorf(http.StatusUnsupportedMediaType, codeBadRequest,
				"The mock's control API takes JSON, not %s: send Content-Type: application/json", mt)
		}
		return nil
	}
	for _, ok := range podioContentTypes {
		if mt == ok {
			return nil
		}
	}
	return errorf(http.StatusUnsupportedMediaType, codeBadRequest,
		"Unsupported Content-Type %s: send application/json (or a form to /oauth/token)", mt)
}
