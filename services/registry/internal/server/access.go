package server

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"

	"github.com/nastavnik/nastavnik/platform/identity"
	"github.com/nastavnik/nastavnik/services/registry/internal/domain"
)

// actor is the principal as the audit log records it.
func actor(p identity.Principal) domain.Actor {
	return domain.Actor{AccountID: p.AccountID, Login: p.Login, RemoteAddr: p.RemoteAddr, RequestID: p.RequestID}
}

// isOperator reports an operator.
func isOperator(p identity.Principal) bool { return p.Holds(identity.Scope{}, identity.Operator) }

// bindingRegions are the regions on the paths of the principal's bindings.
func bindingRegions(p identity.Principal) []string {
	out := []string{}
	for _, b := range p.Bindings {
		if b.Region != "" {
			out = append(out, b.Region)
		}
	}
	return out
}

// bindingMunicipalities are the municipalities on the paths of the bindings.
func bindingMunicipalities(p identity.Principal) []string {
	out := []string{}
	for _, b := range p.Bindings {
		if b.Municipality != "" {
			out = append(out, b.Municipality)
		}
	}
	return out
}

// rolesOf returns the region codes (for regional) or municipality ids (for
// methodologist) the principal holds the role in.
func rolesOf(p identity.Principal, role identity.Role) []string {
	out := []string{}
	for _, b := range p.Bindings {
		switch {
		case b.Role != role:
		case role == identity.Regional:
			out = append(out, b.Region)
		case role == identity.Methodologist:
			out = append(out, b.Municipality)
		}
	}
	return out
}

// newSecret returns a random secret and the hash it is stored under.
func newSecret(prefix string) (string, []byte, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", nil, err
	}
	secret := prefix + base64.RawURLEncoding.EncodeToString(b)
	return secret, hashSecret(secret), nil
}

func hashSecret(secret string) []byte {
	h := sha256.Sum256([]byte(secret))
	return h[:]
}
