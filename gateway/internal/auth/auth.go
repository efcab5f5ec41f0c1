// Package auth authenticates the people and scripts that reach the gateway —
// by session cookie (pages) or bearer token (scripts) — and signs the caller's
// identity into every call to the services. Browser requests that change state
// must carry the session's CSRF token.
package auth

import (
	"context"
	"crypto/subtle"
	"net"
	"net/http"
	"strings"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/nastavnik/nastavnik/platform/grpcserver"
	"github.com/nastavnik/nastavnik/platform/identity"
	registryv1 "github.com/nastavnik/nastavnik/proto/gen/nastavnik/registry/v1"
)

// Cookie and header names.
const (
	SessionCookie = "nastavnik_session"
	CSRFHeader    = "X-CSRF-Token"
	CSRFField     = "csrf_token"
)

// Caller is who sent a request.
type Caller struct {
	Principal identity.Principal
	// Session is the cookie's secret, for pages (sign-out).
	Session string
	// CSRF is the token the session's state-changing requests must carry.
	CSRF string
	// Anonymous: no credential was sent.
	Anonymous bool
	// signing is Principal made ready to be signed into every call of the
	// caller's requests (nil: signed from Principal each time).
	signing *identity.Prepared
}

type ctxKey struct{}

// FromContext returns the caller of the request.
func FromContext(ctx context.Context) (Caller, bool) {
	c, ok := ctx.Value(ctxKey{}).(Caller)
	return c, ok
}

// Authenticator resolves credentials through the registry's AuthService.
type Authenticator struct {
	Signer         *identity.Signer
	Auth           registryv1.AuthServiceClient
	TrustForwarded bool
	// Cache, when set, remembers resolved credentials for a few seconds.
	Cache *Cache
}

// gateway is the gateway's own identity, allowed only to authenticate people.
var gateway = identity.Principal{Login: "gateway", Bindings: []identity.Binding{{Role: identity.System}}}

// gatewaySigning is gateway made ready to be signed.
var gatewaySigning = identity.Prepare(gateway)

// SystemContext returns ctx carrying the gateway's own identity, on behalf of
// the request's client (its address and request id go along for the audit log).
func (a *Authenticator) SystemContext(ctx context.Context, r *http.Request) (context.Context, error) {
	p := gateway
	p.RemoteAddr, p.RequestID = a.RemoteAddr(r), r.Header.Get(grpcserver.RequestIDKey)
	return a.Signer.Outgoing(ctx, p)
}

// RemoteAddr is the client's address: the connection's, or the first of
// X-Forwarded-For behind a trusted proxy.
func (a *Authenticator) RemoteAddr(r *http.Request) string {
	if a.TrustForwarded {
		if f := r.Header.Get("X-Forwarded-For"); f != "" {
			return strings.TrimSpace(strings.Split(f, ",")[0])
		}
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// Secure reports a request that came over TLS (directly or, behind a trusted
// proxy, as X-Forwarded-Proto https): its cookies are marked Secure.
func (a *Authenticator) Secure(r *http.Request) bool {
	return r.TLS != nil || a.TrustForwarded && r.Header.Get("X-Forwarded-Proto") == "https"
}

// Resolve finds the caller from the bearer token or the session cookie.
// Errors are gRPC statuses (Unauthenticated for a bad credential).
func (a *Authenticator) Resolve(r *http.Request) (Caller, error) {
	req := &registryv1.AuthenticateRequest{}
	var (
		session string
		key     [32]byte
	)
	if h := r.Header.Get("Authorization"); h != "" {
		scheme, tok, ok := strings.Cut(h, " ")
		if !ok || !strings.EqualFold(scheme, "Bearer") || tok == "" {
			return Caller{}, status.Error(codes.Unauthenticated, "Authorization must be \"Bearer <token>\"")
		}
		tok = strings.TrimSpace(tok)
		req.Credential = &registryv1.AuthenticateRequest_Bearer{Bearer: tok}
		key = cacheKey('b', tok)
	} else if c, err := r.Cookie(SessionCookie); err == nil && c.Value != "" {
		session = c.Value
		req.Credential = &registryv1.AuthenticateRequest_Session{Session: c.Value}
		key = cacheKey('s', c.Value)
	} else {
		return Caller{Anonymous: true}, nil
	}
	cached, gen, ok := a.Cache.get(key)
	if ok {
		cached.Session = session
		return cached, nil
	}
	ctx, err := a.SystemContext(r.Context(), r)
	if err != nil {
		return Caller{}, err
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	resp, err := a.Auth.Authenticate(ctx, req)
	if err != nil {
		return Caller{}, err
	}
	p := principalFromProto(resp.GetPrincipal())
	caller := Caller{Principal: p, Session: session, CSRF: resp.GetCsrfToken(), signing: identity.Prepare(p)}
	a.Cache.put(key, gen, caller)
	return caller, nil
}

var roleNames = map[registryv1.Role]identity.Role{
	registryv1.Role_ROLE_OPERATOR: identity.Operator, registryv1.Role_ROLE_REGIONAL: identity.Regional,
	registryv1.Role_ROLE_METHODOLOGIST: identity.Methodologist, registryv1.Role_ROLE_CURATOR: identity.Curator,
}

func principalFromProto(p *registryv1.Principal) identity.Principal {
	out := identity.Principal{AccountID: p.GetAccountId(), Login: p.GetLogin(), ReadOnly: p.GetReadOnly()}
	for _, r := range p.GetRoles() {
		out.Bindings = append(out.Bindings, identity.Binding{Role: roleNames[r.GetRole()], Region: r.GetRegion(),
			Municipality: r.GetMunicipality(), Organisation: r.GetOrganisation()})
	}
	return out
}

// Unsafe reports methods that change state.
func Unsafe(method string) bool {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return false
	}
	return true
}

// CheckCSRF compares a submitted token with the session's in constant time.
func CheckCSRF(want, got string) bool {
	return want != "" && subtle.ConstantTimeCompare([]byte(want), []byte(got)) == 1
}

// publicAPI are API calls that need no credential: the gateway makes them with
// its own identity.
var publicAPI = map[string]bool{"POST /v1/auth/token": true}

// APIMiddleware authenticates API requests and puts the caller in the context
// (the Authorization header goes no further). A bad credential is 401; a
// cookie-authenticated request that changes state without the session's
// X-CSRF-Token is 403. Anonymous requests go on without an identity, and the
// services answer them UNAUTHENTICATED.
func (a *Authenticator) APIMiddleware(fail func(w http.ResponseWriter, r *http.Request, err error)) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if publicAPI[r.Method+" "+r.URL.Path] {
				// Credentials are in the body; the gateway calls as itself.
				next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), ctxKey{}, Caller{Anonymous: true})))
				return
			}
			c, err := a.Resolve(r)
			if err != nil {
				fail(w, r, err)
				return
			}
			if c.Session != "" && Unsafe(r.Method) && !CheckCSRF(c.CSRF, r.Header.Get(CSRFHeader)) {
				fail(w, r, status.Error(codes.PermissionDenied, "missing or wrong "+CSRFHeader))
				return
			}
			// The bearer token stays at the gateway: the services trust
			// only the signed identity (Metadata), and grpc-gateway would
			// forward the header to them as authorization metadata.
			r.Header.Del("Authorization")
			next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), ctxKey{}, c)))
		})
	}
}

// Metadata signs the request's caller into the outgoing gRPC metadata
// (grpc-gateway's metadata annotator).
func (a *Authenticator) Metadata(ctx context.Context, r *http.Request) metadata.MD {
	c, ok := FromContext(r.Context())
	var signing *identity.Prepared
	switch {
	case publicAPI[r.Method+" "+r.URL.Path]:
		signing = gatewaySigning
	case ok && !c.Anonymous:
		if signing = c.signing; signing == nil {
			signing = identity.Prepare(c.Principal)
		}
	default:
		return nil
	}
	tok, err := a.Signer.SignPrepared(signing, a.RemoteAddr(r), r.Header.Get(grpcserver.RequestIDKey), time.Now(), identity.TTL)
	if err != nil {
		return nil
	}
	return metadata.MD{identity.MetadataKey: {tok}}
}
