// Package domain holds the registry's entities and rules: regions,
// municipalities and organisations, INN checksums, time zones and name search.
// It imports neither proto nor the database driver.
package domain

import (
	"errors"
	"net/mail"
	"regexp"
	"strings"
	"time"

	"github.com/nastavnik/nastavnik/platform/validation"
)

// Errors the store and the server share.
var (
	ErrNotFound      = errors.New("not found")
	ErrStale         = errors.New("the object was changed by someone else: reload it and apply your change again")
	ErrDuplicateINN  = errors.New("an organisation with this INN already exists")
	ErrAlreadyExists = errors.New("already exists")
	ErrAlreadyClosed = errors.New("the organisation is already closed")
	ErrRegionInUse   = errors.New("region code already taken")
	ErrNameTaken     = errors.New("a municipality with this name already exists in the region")
	ErrBadPageToken  = errors.New("page_token is invalid or belongs to other filters")
)

// Region is a subject of the Russian Federation.
type Region struct {
	Code       string
	Name       string
	TimeZone   string
	Version    int64
	CreateTime time.Time
	UpdateTime time.Time
}

var regionCode = regexp.MustCompile(`^[0-9]{2}$`)

// Validate checks a region's fields.
func (r Region) Validate() error {
	var ve validation.Error
	if !regionCode.MatchString(r.Code) || r.Code == "00" {
		ve.Add("code", validation.New("region_code"))
	}
	checkText(&ve, "name", r.Name, 300, true)
	if err := CheckTimeZone(r.TimeZone); err != nil {
		ve.Add("time_zone", err)
	}
	return ve.Err()
}

// MunicipalityKind is the legal kind of a municipality.
type MunicipalityKind int

// Municipality kinds; the numbers match the API enum.
const (
	MunicipalityKindUnspecified MunicipalityKind = iota
	UrbanDistrict
	MunicipalDistrict
	MunicipalOkrug
	IntracityTerritory
	Settlement
)

// Municipality is a municipal formation, the tenant of the platform.
type Municipality struct {
	ID                string
	RegionCode        string
	Name              string
	Kind              MunicipalityKind
	TimeZone          string // empty: the region's
	EffectiveTimeZone string
	OKTMO             string
	Version           int64
	CreateTime        time.Time
	UpdateTime        time.Time
}

var oktmo = regexp.MustCompile(`^([0-9]{8}|[0-9]{11})$`)

// Validate checks a municipality's fields.
func (m Municipality) Validate() error {
	var ve validation.Error
	if !regionCode.MatchString(m.RegionCode) {
		ve.Add("region_code", validation.New("region_code"))
	}
	checkText(&ve, "name", m.Name, 300, true)
	if m.Kind <= MunicipalityKindUnspecified || m.Kind > Settlement {
		ve.Add("kind", validation.OneOf("urban district", "municipal district", "municipal okrug", "intracity territory", "settlement"))
	}
	if m.TimeZone != "" {
		if err := CheckTimeZone(m.TimeZone); err != nil {
			ve.Add("time_zone", err)
		}
	}
	if m.OKTMO != "" && !oktmo.MatchString(m.OKTMO) {
		ve.Add("oktmo", validation.New("oktmo"))
	}
	return ve.Err()
}

// CheckTimeZone accepts IANA zone names such as "Asia/Krasnoyarsk"; its
// error is a validation.Problem.
func CheckTimeZone(tz string) error {
	if tz == "" {
		return validation.Required()
	}
	if tz == "Local" || !strings.Contains(tz, "/") && tz != "UTC" {
		return validation.New("time_zone").With("value", tz)
	}
	if _, err := time.LoadLocation(tz); err != nil {
		return validation.New("time_zone").With("value", tz)
	}
	return nil
}

// CheckEmail accepts a bare e-mail address; its error is a
// validation.Problem.
func CheckEmail(s string) error {
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s {
		return validation.New("email").With("value", s)
	}
	return nil
}

func checkText(ve *validation.Error, field, s string, maxRunes int, required bool) {
	switch {
	case required && strings.TrimSpace(s) == "":
		ve.Add(field, validation.Required())
	case len([]rune(s)) > maxRunes:
		ve.Add(field, validation.TooLong(maxRunes))
	case validation.HasBidiControl(s): // from an imported file: the API refuses them first
		ve.Add(field, validation.BidiControl())
	}
}
