// Package identity carries the caller of a request from the gateway to the
// services: a principal (account, roles with their scopes, read-only or not,
// address), signed with a key both sides share and valid for a short time, sent
// in gRPC metadata. A service trusts nothing else about its caller.
package identity

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"hash"
	"slices"
	"strings"
	"sync"
	"time"
)

// MetadataKey is the gRPC metadata key of the signed identity.
const MetadataKey = "x-nastavnik-identity"

// MinKeyBytes is the shortest signing key accepted.
const MinKeyBytes = 32

// Role is what a person may do, within a scope.
type Role string

// The four roles of the platform: operator, regional centre, methodologist, curator.
const (
	// Operator runs the platform: everything, everywhere.
	Operator Role = "operator"
	// Regional is a regional centre: reads everything inside its region.
	Regional Role = "regional"
	// Methodologist reads and changes everything of its municipality.
	Methodologist Role = "methodologist"
	// Curator sees and keeps only its own organisation.
	Curator Role = "curator"
	// System is the gateway itself, allowed only to authenticate people.
	System Role = "system"
)

// Valid reports a known role.
func (r Role) Valid() bool {
	switch r {
	case Operator, Regional, Methodologist, Curator:
		return true
	}
	return false
}

// Binding is a role within a scope, given by its whole path: nothing for
// operators; the region for regional centres; region and municipality for
// methodologists; region, municipality and organisation for curators.
type Binding struct {
	Role         Role   `json:"r"`
	Region       string `json:"rg,omitempty"`
	Municipality string `json:"mu,omitempty"`
	Organisation string `json:"or,omitempty"`
}

// Scope is the scope of the binding as an object location.
func (b Binding) Scope() Scope {
	return Scope{Region: b.Region, Municipality: b.Municipality, Organisation: b.Organisation}
}

// Principal is the authenticated caller.
type Principal struct {
	AccountID  string    `json:"a"`
	Login      string    `json:"l"`
	Bindings   []Binding `json:"b"`
	ReadOnly   bool      `json:"ro,omitempty"`
	RemoteAddr string    `json:"ip,omitempty"`
	RequestID  string    `json:"rid,omitempty"`
	Expires    int64     `json:"exp"`
}

// Scope locates an object in the hierarchy region → municipality →
// organisation. Empty fields are above the object (a region has no
// municipality).
type Scope struct {
	Region       string
	Municipality string
	Organisation string
}

// Sees reports whether any binding covers the object: the object lies inside
// the binding's scope (an operator sees everything, a curator its organisation
// and what lies inside it).
func (p Principal) Sees(s Scope) bool {
	return slices.ContainsFunc(p.Bindings, func(b Binding) bool { return b.covers(s) })
}

// Related reports whether the object covers or is covered by a binding: the
// reference data a person needs around its own scope (a curator reads its
// municipality and region, a methodologist its region).
func (p Principal) Related(s Scope) bool {
	return slices.ContainsFunc(p.Bindings, func(b Binding) bool {
		return b.covers(s) || (Binding{Region: s.Region, Municipality: s.Municipality, Organisation: s.Organisation}).covers(b.Scope())
	})
}

// Holds reports whether a binding of one of roles covers the object.
func (p Principal) Holds(s Scope, roles ...Role) bool {
	return slices.ContainsFunc(p.Bindings, func(b Binding) bool {
		return slices.Contains(roles, b.Role) && b.covers(s)
	})
}

// Is reports whether the principal has a binding of role anywhere.
func (p Principal) Is(role Role) bool {
	return slices.ContainsFunc(p.Bindings, func(b Binding) bool { return b.Role == role })
}

// covers: every level the binding names matches the object's.
func (b Binding) covers(s Scope) bool {
	if b.Role == System {
		return false
	}
	return (b.Region == "" || b.Region == s.Region) &&
		(b.Municipality == "" || b.Municipality == s.Municipality) &&
		(b.Organisation == "" || b.Organisation == s.Organisation)
}

// IsOperator reports an operator binding: everything, everywhere.
func (p Principal) IsOperator() bool { return p.Holds(Scope{}, Operator) }

// Reach is the one model of what a principal may see, for the list filters the
// stores build: everything (All), or the objects inside the scopes of its
// bindings (what it Sees: Regions of regional centres, Municipalities of
// methodologists, Organisations of curators), plus the regions and
// municipalities on the paths above those scopes (RegionsAbove,
// MunicipalitiesAbove: the reference data a person is Related to). A scope's
// level names its role, so Regions are the regions a principal is a regional
// centre of and Municipalities those it is a methodologist of.
type Reach struct {
	All                 bool
	Regions             []string
	Municipalities      []string
	Organisations       []string
	RegionsAbove        []string
	MunicipalitiesAbove []string
}

// Reach summarises the bindings as Sees and Related judge single objects.
func (p Principal) Reach() Reach {
	r := Reach{Regions: []string{}, Municipalities: []string{}, Organisations: []string{},
		RegionsAbove: []string{}, MunicipalitiesAbove: []string{}}
	for _, b := range p.Bindings {
		switch {
		case b.Role == System:
		case b.Organisation != "":
			r.Organisations = append(r.Organisations, b.Organisation)
			r.MunicipalitiesAbove = append(r.MunicipalitiesAbove, b.Municipality)
			r.RegionsAbove = append(r.RegionsAbove, b.Region)
		case b.Municipality != "":
			r.Municipalities = append(r.Municipalities, b.Municipality)
			r.RegionsAbove = append(r.RegionsAbove, b.Region)
		case b.Region != "":
			r.Regions = append(r.Regions, b.Region)
		default:
			r.All = true
		}
	}
	return r
}

// RelatedRegions are the regions the principal holds or lies in.
func (r Reach) RelatedRegions() []string { return union(r.Regions, r.RegionsAbove) }

// RelatedMunicipalities are the municipalities the principal holds or lies in.
func (r Reach) RelatedMunicipalities() []string {
	return union(r.Municipalities, r.MunicipalitiesAbove)
}

func union(a, b []string) []string {
	out := make([]string, 0, len(a)+len(b))
	for _, s := range slices.Concat(a, b) {
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

type ctxKey struct{}

// WithPrincipal returns a context carrying p.
func WithPrincipal(ctx context.Context, p Principal) context.Context {
	return context.WithValue(ctx, ctxKey{}, p)
}

// FromContext returns the caller of the request.
func FromContext(ctx context.Context) (Principal, bool) {
	p, ok := ctx.Value(ctxKey{}).(Principal)
	return p, ok
}

// Errors of Verify.
var (
	ErrMalformed = errors.New("identity is malformed")
	ErrSignature = errors.New("identity signature does not verify")
	ErrExpired   = errors.New("identity has expired")
)

// Signer signs and verifies identities with a shared key.
type Signer struct {
	key []byte
	// macs are keyed HMAC-SHA-256 states to reuse (hash.Hash): Reset
	// returns one to its keyed state without hashing the key again.
	macs sync.Pool
}

// NewSigner returns a signer for key (at least MinKeyBytes).
func NewSigner(key []byte) (*Signer, error) {
	if len(key) < MinKeyBytes {
		return nil, fmt.Errorf("identity key must be at least %d bytes, got %d", MinKeyBytes, len(key))
	}
	return &Signer{key: slices.Clone(key)}, nil
}

// ParseKey decodes a base64 (standard or URL) key from configuration.
func ParseKey(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(s); err == nil {
			if len(b) < MinKeyBytes {
				return nil, fmt.Errorf("must decode to at least %d bytes, got %d", MinKeyBytes, len(b))
			}
			return b, nil
		}
	}
	return nil, errors.New("must be base64")
}

// Sign returns the token of p, valid for ttl from now.
func (s *Signer) Sign(p Principal, now time.Time, ttl time.Duration) (string, error) {
	p.Expires = now.Add(ttl).Unix()
	body, err := marshalPrincipal(p)
	if err != nil {
		return "", fmt.Errorf("identity.Sign: %w", err)
	}
	return s.token(body), nil
}

// Prepared is a principal made ready to be signed for request after
// request (the gateway keeps one for each caller it has authenticated): the
// JSON of all but its address, request id and expiry is written once.
type Prepared struct {
	p    Principal // without address, request id and expiry
	head []byte    // p's JSON but for those (appendHead); nil when encoding/json writes it
}

// Prepare makes p ready for SignPrepared; its address, request id and
// expiry are left out (SignPrepared is given them).
func Prepare(p Principal) *Prepared {
	p.RemoteAddr, p.RequestID, p.Expires = "", "", 0
	pp := &Prepared{p: p}
	if plainHead(p) {
		pp.head = appendHead(make([]byte, 0, headSize(p)), p)
	}
	return pp
}

// SignPrepared is Sign of the prepared principal with remoteAddr and
// requestID: the same token, without writing the rest of it again.
func (s *Signer) SignPrepared(pp *Prepared, remoteAddr, requestID string, now time.Time, ttl time.Duration) (string, error) {
	if pp.head == nil || !plainJSON(remoteAddr) || !plainJSON(requestID) {
		p := pp.p
		p.RemoteAddr, p.RequestID = remoteAddr, requestID
		return s.Sign(p, now, ttl)
	}
	body := append(make([]byte, 0, len(pp.head)+tailSize(remoteAddr, requestID)), pp.head...)
	return s.token(appendTail(body, remoteAddr, requestID, now.Add(ttl).Unix())), nil
}

// token is the signed token of a principal's JSON: its base64, a dot and
// the base64 of the payload's MAC, written into one buffer.
func (s *Signer) token(body []byte) string {
	enc := base64.RawURLEncoding
	n := enc.EncodedLen(len(body))
	b := make([]byte, n+1+enc.EncodedLen(sha256.Size))
	enc.Encode(b, body)
	b[n] = '.'
	enc.Encode(b[n+1:], s.mac(b[:n]))
	return string(b)
}

// Verify checks the signature and expiry of token and returns its principal.
func (s *Signer) Verify(token string, now time.Time) (Principal, error) {
	payload, sig, ok := strings.Cut(token, ".")
	if !ok {
		return Principal{}, ErrMalformed
	}
	got, err := base64.RawURLEncoding.DecodeString(sig)
	if err != nil {
		return Principal{}, ErrMalformed
	}
	if !hmac.Equal(got, s.mac([]byte(payload))) {
		return Principal{}, ErrSignature
	}
	body, err := base64.RawURLEncoding.DecodeString(payload)
	if err != nil {
		return Principal{}, ErrMalformed
	}
	var p Principal
	if err := unmarshalPrincipal(body, &p); err != nil {
		return Principal{}, ErrMalformed
	}
	if now.Unix() >= p.Expires {
		return Principal{}, ErrExpired
	}
	return p, nil
}

func (s *Signer) mac(payload []byte) []byte {
	m, ok := s.macs.Get().(hash.Hash)
	if ok {
		m.Reset()
	} else {
		m = hmac.New(sha256.New, s.key)
	}
	m.Write([]byte("nastavnik-identity-v1\x00"))
	m.Write(payload)
	sum := m.Sum(nil)
	s.macs.Put(m)
	return sum
}
