package web

import (
	"context"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"slices"
	"strings"
	"unicode/utf8"

	"google.golang.org/grpc/metadata"

	"github.com/nastavnik/nastavnik/gateway/internal/auth"
	"github.com/nastavnik/nastavnik/platform/grpcserver"
	"github.com/nastavnik/nastavnik/platform/identity"
)

// contentSecurityPolicy allows nothing but the site's own files: no inline
// script or style, no frames, forms only to the site itself.
const contentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

// secure sets the security headers of every page and static file.
func (p *Pages) secure(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", contentSecurityPolicy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "same-origin")
		if p.auth.Secure(r) {
			h.Set("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
		}
		next.ServeHTTP(w, r)
	})
}

type sessionKey struct{}

// withSession resolves the session cookie once per request and keeps the
// person in the context; nobody when there is no valid session.
func (p *Pages) withSession(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, err := r.Cookie(auth.SessionCookie); err == nil {
			r.Header.Del("Authorization") // pages use the cookie only
			if c, err := p.auth.Resolve(r); err == nil && !c.Anonymous {
				s := session{Caller: c, all: c.Principal.Bindings}
				// A person with several roles works in one at a time: the
				// chosen binding narrows what the pages ask the services.
				if k, err := r.Cookie(scopeCookie); err == nil {
					for _, b := range s.all {
						if bindingKey(b) == k.Value {
							s.Caller.Principal.Bindings = []identity.Binding{b}
							s.current = k.Value
						}
					}
				}
				r = r.WithContext(context.WithValue(r.Context(), sessionKey{}, s))
			}
		}
		next.ServeHTTP(w, r)
	})
}

// session is the signed-in person: the caller as the pages act (narrowed to
// the chosen role binding, if any), and every binding the person holds.
type session struct {
	auth.Caller
	all     []identity.Binding
	current string // the chosen binding's key; empty: all of them
}

// scopeCookie remembers the role binding a person with several has chosen.
const scopeCookie = "nastavnik_scope"

// bindingKey names a binding in the scope cookie and the switcher.
func bindingKey(b identity.Binding) string {
	return strings.Join([]string{string(b.Role), b.Region, b.Municipality, b.Organisation}, ":")
}

// signedIn returns the person of the request.
func signedIn(r *http.Request) (auth.Caller, bool) {
	s, ok := r.Context().Value(sessionKey{}).(session)
	return s.Caller, ok
}

// sessionOf returns the whole session of the request.
func sessionOf(r *http.Request) (session, bool) {
	s, ok := r.Context().Value(sessionKey{}).(session)
	return s, ok
}

// handler is a page handler: errors go to serveError, once.
type handler func(w http.ResponseWriter, r *http.Request) error

// only guards a page: a signed-in person holding one of roles (any role when
// none is named); a state-changing request must carry the session's CSRF
// token. Others are sent to the sign-in page or shown «нет доступа».
func (p *Pages) only(roles []identity.Role, h handler) http.Handler {
	return p.guard(roles, p.maxForm, h)
}

// onlyUpload is only for a form that sends a file: its body may be up to
// limit bytes.
func (p *Pages) onlyUpload(roles []identity.Role, limit int64, h handler) http.Handler {
	return p.guard(roles, limit, h)
}

// uploadMemory is what a multipart form keeps in memory; more goes to a
// temporary file the server removes after the request.
const uploadMemory = 4 << 20

// guard guards a page; a state-changing request's body is bounded by limit,
// and a multipart one is parsed (so its CSRF field can be read) before the
// check.
func (p *Pages) guard(roles []identity.Role, limit int64, h handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, ok := signedIn(r)
		if !ok {
			http.Redirect(w, r, "/login?next="+urlPath(r), http.StatusSeeOther)
			return
		}
		if len(roles) > 0 && !slices.ContainsFunc(c.Principal.Bindings, func(b identity.Binding) bool {
			return slices.Contains(roles, b.Role)
		}) {
			p.render(w, r, http.StatusForbidden, "error.html", ErrorPage{Base: p.base(r, "Нет доступа", ""),
				Heading: "Нет доступа", Message: "Эта страница для другой роли. Вернитесь на главную."})
			return
		}
		if auth.Unsafe(r.Method) {
			r.Body = http.MaxBytesReader(w, r.Body, limit)
			if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt == "multipart/form-data" {
				if err := r.ParseMultipartForm(min(limit, uploadMemory)); err != nil {
					if mbe := (*http.MaxBytesError)(nil); errors.As(err, &mbe) {
						p.tooLarge(w, r, limit)
						return
					}
					p.forbidden(w, r)
					return
				}
			}
			if !auth.CheckCSRF(c.CSRF, r.PostFormValue(auth.CSRFField)) {
				p.forbidden(w, r)
				return
			}
			if !textForm(r) {
				p.notText(w, r)
				return
			}
			r = r.WithContext(withFormKey(r.Context(), r.PostFormValue(formKeyField)))
		}
		if err := h(w, r); err != nil {
			p.serveError(w, r, err)
		}
	})
}

// textOnly refuses a path or query that is not UTF-8 text, before any page
// reads it: the services could not be asked about it (gRPC refuses such
// strings with an internal error). A browser never sends one.
func (p *Pages) textOnly(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !utf8.ValidString(r.URL.Path) || !textValues(r.URL.Query()) {
			p.notText(w, r)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// textForm reports a parsed form whose fields, values and file names are
// UTF-8 text.
func textForm(r *http.Request) bool {
	if !textValues(r.PostForm) {
		return false
	}
	if m := r.MultipartForm; m != nil {
		if !textValues(m.Value) {
			return false
		}
		for k, fs := range m.File {
			for _, f := range fs {
				if !utf8.ValidString(k) || !utf8.ValidString(f.Filename) {
					return false
				}
			}
		}
	}
	return true
}

func textValues(vs map[string][]string) bool {
	for k, v := range vs {
		if !utf8.ValidString(k) {
			return false
		}
		for _, s := range v {
			if !utf8.ValidString(s) {
				return false
			}
		}
	}
	return true
}

// notText explains a request that is not text.
func (p *Pages) notText(w http.ResponseWriter, r *http.Request) {
	p.render(w, r, http.StatusBadRequest, "error.html", ErrorPage{Base: p.base(r, "Недопустимые символы", ""),
		Heading: "Недопустимые символы",
		Message: "В адресе или в форме есть символы, которые не являются текстом. Проверьте введённое и повторите."})
}

// urlPath is the local path to come back to after signing in.
func urlPath(r *http.Request) string {
	u := r.URL.EscapedPath()
	if !strings.HasPrefix(u, "/") || strings.HasPrefix(u, "//") {
		return "/"
	}
	return u
}

// callerContext returns a context that calls the services as the person,
// with the request's id (set by the gateway for every request), so that the
// services' log lines of a page's calls join its access log line, as an API
// call's do.
func (p *Pages) callerContext(r *http.Request) (context.Context, error) {
	c, _ := signedIn(r)
	pr := c.Principal
	pr.RemoteAddr = p.auth.RemoteAddr(r)
	pr.RequestID = r.Header.Get(grpcserver.RequestIDKey)
	ctx, err := p.auth.Signer.Outgoing(r.Context(), pr)
	if err != nil || pr.RequestID == "" {
		return ctx, err
	}
	return metadata.AppendToOutgoingContext(ctx, grpcserver.RequestIDKey, pr.RequestID), nil
}

// tooLarge explains a form whose body is over its limit.
func (p *Pages) tooLarge(w http.ResponseWriter, r *http.Request, limit int64) {
	p.render(w, r, http.StatusRequestEntityTooLarge, "error.html", ErrorPage{Base: p.base(r, "Файл слишком большой", ""),
		Heading: "Файл слишком большой",
		Message: fmt.Sprintf("Отправленные данные больше %d МБ. Уменьшите файл (например, удалите из него картинки) и повторите.", limit>>20)})
}
