package auth

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/nastavnik/nastavnik/platform/grpcserver"
	"github.com/nastavnik/nastavnik/platform/identity"
)

func testAuthenticator(t *testing.T) *Authenticator {
	t.Helper()
	signer, err := identity.NewSigner(bytes.Repeat([]byte("k"), identity.MinKeyBytes))
	if err != nil {
		t.Fatal(err)
	}
	return &Authenticator{Signer: signer, Cache: NewCache(time.Minute, 16)}
}

var curator = identity.Principal{AccountID: "acc-1", Login: "curator-01",
	Bindings: []identity.Binding{{Role: identity.Curator, Region: "24", Municipality: "krsk", Organisation: "org-1"}}}

// Metadata signs into a call the request's caller with its address and
// request id — a caller resolved (its principal prepared once) and one made
// otherwise alike — the gateway itself for the public sign-in, and nothing
// for an anonymous request.
func TestMetadataSignsTheCallerWithAddressAndRequestID(t *testing.T) {
	t.Parallel()
	a := testAuthenticator(t)
	withAddr := func(p identity.Principal) identity.Principal {
		p.RemoteAddr, p.RequestID = "192.0.2.7", "rid-1"
		return p
	}
	tests := []struct {
		name   string
		method string
		path   string
		caller *Caller
		want   *identity.Principal
	}{
		{"resolved caller", "PATCH", "/v1/reports/r1", &Caller{Principal: curator, signing: identity.Prepare(curator)}, new(withAddr(curator))},
		{"caller made without its prepared identity", "PATCH", "/v1/reports/r1", &Caller{Principal: curator}, new(withAddr(curator))},
		{"read-only caller", "GET", "/v1/reports/r1", &Caller{Principal: identity.Principal{Login: "ro", ReadOnly: true},
			signing: identity.Prepare(identity.Principal{Login: "ro", ReadOnly: true})}, new(withAddr(identity.Principal{Login: "ro", ReadOnly: true}))},
		{"public sign-in", "POST", "/v1/auth/token", &Caller{Anonymous: true}, new(withAddr(gateway))},
		{"anonymous", "GET", "/v1/regions", &Caller{Anonymous: true}, nil},
		{"no caller", "GET", "/v1/regions", nil, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := httptest.NewRequest(tc.method, tc.path, nil)
			r.RemoteAddr = "192.0.2.7:5555"
			r.Header.Set(grpcserver.RequestIDKey, "rid-1")
			if tc.caller != nil {
				r = r.WithContext(context.WithValue(r.Context(), ctxKey{}, *tc.caller))
			}
			md := a.Metadata(r.Context(), r)
			if tc.want == nil {
				if md != nil {
					t.Fatalf("got metadata %v, want none", md)
				}
				return
			}
			toks := md.Get(identity.MetadataKey)
			if len(toks) != 1 || len(md) != 1 {
				t.Fatalf("got metadata %v, want one identity", md)
			}
			now := time.Now()
			got, err := a.Signer.Verify(toks[0], now)
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if got.Expires < now.Add(identity.TTL-time.Minute).Unix() {
				t.Errorf("expires %d, want about %s from now", got.Expires, identity.TTL)
			}
			want := *tc.want
			want.Expires = got.Expires
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("signed principal (-want +got):\n%s", diff)
			}
		})
	}
}

// The bearer token of an authenticated API request goes no further than the
// middleware; the caller it names does.
func TestAPIMiddlewareKeepsTheBearerTokenAtTheGateway(t *testing.T) {
	t.Parallel()
	a := testAuthenticator(t)
	key := cacheKey('b', "tok-1")
	_, gen, _ := a.Cache.get(key)
	a.Cache.put(key, gen, Caller{Principal: curator, signing: identity.Prepare(curator)})
	var (
		gotAuth  string
		gotLogin string
	)
	h := a.APIMiddleware(func(w http.ResponseWriter, r *http.Request, err error) {
		http.Error(w, err.Error(), http.StatusUnauthorized)
	})(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotAuth = r.Header.Get("Authorization")
		c, _ := FromContext(r.Context())
		gotLogin = c.Principal.Login
	}))
	srv := httptest.NewServer(h)
	defer srv.Close()
	req, err := http.NewRequest("PATCH", srv.URL+"/v1/reports/r1", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer tok-1")
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d, want 200", resp.StatusCode)
	}
	if gotAuth != "" || gotLogin != curator.Login {
		t.Errorf("the handler saw Authorization %q and caller %q, want none and %q", gotAuth, gotLogin, curator.Login)
	}
}
