package web

import (
	"net/http"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// Busy answers a form the gateway could not take in time (too many writes
// at once, see the gateway's admission): the error page of an unavailable
// service, 503 — nothing was applied and sending the form again works.
func (p *Pages) Busy() http.Handler {
	return p.secure(p.withSession(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.serveError(w, r, status.Error(codes.Unavailable, "too many writes at once"))
	})))
}
