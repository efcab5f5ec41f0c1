package web

import (
	"context"
	"strings"
	"sync"
	"time"

	"github.com/nastavnik/nastavnik/platform/identity"
	"github.com/nastavnik/nastavnik/platform/registryclient"
)

// ScopeNamer names where a person works: the organisation, municipality or
// region of a role binding, as the header shows it.
type ScopeNamer interface {
	ScopeName(ctx context.Context, b identity.Binding) (string, error)
}

// registryNames names scopes through the registry, asked as the person, and
// remembers the names for a while (they rarely change).
type registryNames struct {
	rc    *registryclient.Client
	mu    sync.Mutex
	cache map[identity.Binding]cachedName
}

type cachedName struct {
	name    string
	expires time.Time
}

// NewScopeNamer returns the header's scope names over the registry.
func NewScopeNamer(rc *registryclient.Client) ScopeNamer {
	return &registryNames{rc: rc, cache: map[identity.Binding]cachedName{}}
}

const scopeNameTTL = 10 * time.Minute

func (n *registryNames) ScopeName(ctx context.Context, b identity.Binding) (string, error) {
	n.mu.Lock()
	c, ok := n.cache[b]
	n.mu.Unlock()
	if ok && time.Now().Before(c.expires) {
		return c.name, nil
	}
	var name string
	switch {
	case b.Organisation != "":
		o, err := n.rc.Organisation(ctx, b.Organisation)
		if err != nil {
			return "", err
		}
		name = o.ShortName
	case b.Municipality != "":
		m, err := n.rc.Municipality(ctx, b.Municipality)
		if err != nil {
			return "", err
		}
		name = m.Name
	case b.Region != "":
		r, err := n.rc.Region(ctx, b.Region)
		if err != nil {
			return "", err
		}
		name = r.Name
	default:
		name = "вся платформа"
	}
	n.mu.Lock()
	n.cache[b] = cachedName{name: name, expires: time.Now().Add(scopeNameTTL)}
	n.mu.Unlock()
	return name, nil
}

// scopeText says where the person works: «куратор, МАОУ СШ № 150».
func (p *Pages) scopeText(ctx context.Context, pr identity.Principal) string {
	var parts []string
	for _, b := range pr.Bindings {
		title, ok := roleTitles[b.Role]
		if !ok {
			continue
		}
		if p.scopes != nil {
			if name, err := p.scopes.ScopeName(identity.WithPrincipal(ctx, pr), b); err == nil && name != "" {
				title += ", " + name
			}
		}
		if !containsString(parts, title) {
			parts = append(parts, title)
		}
	}
	return strings.Join(parts, "; ")
}
