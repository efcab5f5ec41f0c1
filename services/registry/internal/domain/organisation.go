package domain

import (
	"time"

	"github.com/nastavnik/nastavnik/platform/identity"
	"github.com/nastavnik/nastavnik/platform/validation"
)

// OrganisationKind is the kind of an educational organisation.
type OrganisationKind int

// Organisation kinds; the numbers match the API enum.
const (
	KindUnspecified OrganisationKind = iota
	KindSchool                       // общеобразовательная (ОУ)
	KindCollege                      // профессиональная (СПО)
	KindAdditional                   // дополнительного образования (ДО)
)

// Status says whether an organisation operates.
type Status int

// Statuses; the numbers match the API enum.
const (
	StatusUnspecified Status = iota
	StatusOpen
	StatusClosed
)

// ClosureReason says why an organisation closed.
type ClosureReason int

// Closure reasons; the numbers match the API enum.
const (
	ClosureUnspecified ClosureReason = iota
	ClosureLiquidated
	ClosureReorganised
	ClosureMerged
)

// Curator is the contact of the mentoring-programme curator.
type Curator struct {
	Name  string
	Email string
	Phone string
}

// Organisation is an educational organisation of a municipality.
type Organisation struct {
	ID                string
	MunicipalityID    string
	RegionCode        string
	FullName          string
	ShortName         string
	INN               string
	Kind              OrganisationKind
	TimeZone          string // empty: the municipality's
	EffectiveTimeZone string
	Address           string
	Curator           Curator
	OpenedOn          time.Time // zero: unknown, open since ever
	ClosedOn          time.Time // zero: open
	ClosureReason     ClosureReason
	SuccessorID       string
	Version           int64
	CreateTime        time.Time
	UpdateTime        time.Time
}

// Status is derived from the closure record.
func (o Organisation) Status() Status {
	if o.ClosedOn.IsZero() {
		return StatusOpen
	}
	return StatusClosed
}

// OpenOn reports whether the organisation operates on day d: opened on or before
// d and not closed on or before it.
func (o Organisation) OpenOn(d time.Time) bool {
	if !o.OpenedOn.IsZero() && o.OpenedOn.After(d) {
		return false
	}
	return o.ClosedOn.IsZero() || d.Before(o.ClosedOn)
}

// Validate checks the editable fields; field names are the API's.
func (o Organisation) Validate() error {
	var ve validation.Error
	checkText(&ve, "full_name", o.FullName, 1000, true)
	checkText(&ve, "short_name", o.ShortName, 300, true)
	if err := CheckINN(o.INN); err != nil {
		ve.Add("inn", err)
	}
	if o.Kind <= KindUnspecified || o.Kind > KindAdditional {
		ve.Add("kind", validation.OneOf("school", "college", "additional education"))
	}
	if o.TimeZone != "" {
		if err := CheckTimeZone(o.TimeZone); err != nil {
			ve.Add("time_zone", err)
		}
	}
	checkText(&ve, "address", o.Address, 1000, false)
	checkText(&ve, "curator.name", o.Curator.Name, 300, false)
	if o.Curator.Email != "" {
		if err := CheckEmail(o.Curator.Email); err != nil {
			ve.Add("curator.email", err)
		}
	}
	checkText(&ve, "curator.phone", o.Curator.Phone, 50, false)
	return ve.Err()
}

// Closure is the record of closing an organisation.
type Closure struct {
	ID          string
	Version     int64
	ClosedOn    time.Time
	Reason      ClosureReason
	SuccessorID string
}

// Validate checks a closure against the organisation it closes.
func (c Closure) Validate(o Organisation) error {
	var ve validation.Error
	if c.ClosedOn.IsZero() {
		ve.Add("closed_on", validation.Required())
	} else if !o.OpenedOn.IsZero() && !c.ClosedOn.After(o.OpenedOn) {
		ve.Add("closed_on", validation.New("closed_before_opened").With("opened", o.OpenedOn))
	}
	switch c.Reason {
	case ClosureLiquidated:
		if c.SuccessorID != "" {
			ve.Add("successor_id", validation.New("successor_forbidden"))
		}
	case ClosureReorganised, ClosureMerged:
		if c.SuccessorID == "" {
			ve.Add("successor_id", validation.New("successor_required"))
		} else if c.SuccessorID == c.ID {
			ve.Add("successor_id", validation.New("successor_self"))
		}
	default:
		ve.Add("reason", validation.OneOf("liquidated", "reorganised", "merged"))
	}
	return ve.Err()
}

// OrganisationFilter selects organisations for a list; zero fields do not filter.
type OrganisationFilter struct {
	RegionCode     string           `json:"r,omitempty"`
	MunicipalityID string           `json:"m,omitempty"`
	Kind           OrganisationKind `json:"k,omitempty"`
	Status         Status           `json:"s,omitempty"`
	Query          string           `json:"q,omitempty"` // already folded by russian.SearchKey
	OpenOn         time.Time        `json:"o,omitzero"`
	// Visible limits the list to what the reader may see.
	Visible identity.Reach `json:"-"`
}

// Scope locates the organisation for access checks.
func (o Organisation) Scope() identity.Scope {
	return identity.Scope{Region: o.RegionCode, Municipality: o.MunicipalityID, Organisation: o.ID}
}

// Scope locates the municipality for access checks.
func (m Municipality) Scope() identity.Scope {
	return identity.Scope{Region: m.RegionCode, Municipality: m.ID}
}
