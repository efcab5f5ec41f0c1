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

// Who may do what in the registry. Reads follow the one model of
// platform/identity: an object is read by whoever Sees it (it lies inside a
// scope held) and reference data by whoever is Related to it (a curator reads
// its municipality and region); lists are filtered in SQL by the caller's
// Reach. Changes are stated here:

// mayEditRegions: only an operator creates and changes regions.
func mayEditRegions(p identity.Principal) bool { return p.IsOperator() }

// mayEditMunicipalities: an operator, or the regional centre of the region
// (s locates the region or the municipality).
func mayEditMunicipalities(p identity.Principal, s identity.Scope) bool {
	return p.Holds(s, identity.Operator, identity.Regional)
}

// mayEditOrganisations: an operator, or the methodologist of the municipality
// (s locates the municipality or the organisation); the regional centre reads.
func mayEditOrganisations(p identity.Principal, s identity.Scope) bool {
	return p.Holds(s, identity.Operator, identity.Methodologist)
}

// readsAudit: the operator, regional centres (their regions) and
// methodologists (their municipalities) read the audit log; curators do not.
func readsAudit(r identity.Reach) bool {
	return r.All || len(r.Regions) > 0 || len(r.Municipalities) > 0
}

// Accounts: domain.Manages says who manages an account with a given binding.

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
