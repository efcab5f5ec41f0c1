package domain

import "github.com/nastavnik/nastavnik/platform/identity"

// Who may do what with roadmaps, in one place. The model is platform/identity's:
// Sees (inside a scope held), Related (plus the municipality and region above
// it), and the Reach that list filters are built from in the store.

// CanRead reports whether p may read a roadmap of o: its own scope and what
// lies inside it, plus the roadmaps of the municipality and region above it.
func CanRead(p identity.Principal, o Owner) bool { return p.Related(o.Scope()) }

// CanWrite reports whether p may change a roadmap of o: curators and
// methodologists their organisations', methodologists their municipality's,
// regional centres their region's.
func CanWrite(p identity.Principal, o Owner) bool {
	switch o.Kind {
	case OwnerOrganisation:
		return p.Holds(o.Scope(), identity.Operator, identity.Methodologist, identity.Curator)
	case OwnerMunicipality:
		return p.Holds(o.Scope(), identity.Operator, identity.Methodologist)
	case OwnerRegion:
		return p.Holds(o.Scope(), identity.Operator, identity.Regional)
	}
	return false
}

// CanSeeProgress reports whether p may see the per-organisation progress
// under o (the overdue list of its scope, the schools' progress on an item
// handed down): only those who see o itself, so a curator sees its school's
// but not the schools' beside it.
func CanSeeProgress(p identity.Principal, o Owner) bool { return p.Sees(o.Scope()) }
