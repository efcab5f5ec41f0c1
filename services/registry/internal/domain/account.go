package domain

import (
	"errors"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/nastavnik/nastavnik/platform/identity"
	"github.com/nastavnik/nastavnik/platform/validation"
)

// Errors of accounts and sign-in.
var (
	ErrLoginTaken      = errors.New("an account with this login already exists")
	ErrBadCredentials  = errors.New("wrong login or password")
	ErrTooManyAttempts = errors.New("too many failed sign-ins: try again later")
	// ErrTooManyPasswordAttempts: too many wrong current passwords given to
	// change a password.
	ErrTooManyPasswordAttempts = errors.New("too many wrong current passwords: try again later")
	ErrPermissionDenied        = errors.New("you may not do this")
	ErrUnauthenticated         = errors.New("sign in again")
)

// RoleBinding is a role of an account within a scope id (empty for operators;
// a region code, municipality id or organisation id otherwise), with the path
// of the scope once resolved.
type RoleBinding struct {
	Role  identity.Role
	Scope string
	Path  identity.Binding // Role plus the resolved region, municipality, organisation
}

// Account is a person's access.
type Account struct {
	ID         string
	Login      string
	Name       string
	Email      string
	Roles      []RoleBinding
	Blocked    bool
	Version    int64
	CreateTime time.Time
	UpdateTime time.Time
	// DigestsOff: the person turned digests off.
	DigestsOff bool
}

var loginPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{2,63}$`)

// NormalizeLogin folds a login as it is stored and compared.
func NormalizeLogin(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// Validate checks the editable fields of an account.
func (a Account) Validate() error {
	var ve validation.Error
	if !loginPattern.MatchString(a.Login) {
		ve.Add("login", validation.New("login_format"))
	}
	checkText(&ve, "name", a.Name, 300, true)
	if a.Email != "" {
		if err := CheckEmail(a.Email); err != nil {
			ve.Add("email", err)
		}
	}
	if len(a.Roles) == 0 {
		ve.Add("roles", validation.New("roles_required"))
	}
	seen := map[RoleBinding]bool{}
	for i, r := range a.Roles {
		field := "roles[" + strconv.Itoa(i) + "]"
		key := RoleBinding{Role: r.Role, Scope: r.Scope}
		if seen[key] {
			ve.Add(field, validation.New("role_twice"))
		}
		seen[key] = true
		switch r.Role {
		case identity.Operator:
			if r.Scope != "" {
				ve.Add(field+".scope", validation.New("scope_forbidden"))
			}
		case identity.Regional:
			if !regionCode.MatchString(r.Scope) {
				ve.Add(field+".scope", validation.New("region_code"))
			}
		case identity.Methodologist, identity.Curator:
			if _, err := uuid.Parse(r.Scope); err != nil {
				ve.Add(field+".scope", validation.New("scope_id"))
			}
		default:
			ve.Add(field+".role", validation.OneOf("operator", "regional", "methodologist", "curator"))
		}
	}
	return ve.Err()
}

// Manages reports whether p may create, change, block or reset an account
// with binding b (resolved): the operator any; a regional centre the
// methodologists of its region's municipalities; a methodologist the curators
// of its organisations.
func Manages(p identity.Principal, b identity.Binding) bool {
	if p.IsOperator() {
		return true
	}
	switch b.Role {
	case identity.Methodologist:
		return p.Holds(b.Scope(), identity.Regional)
	case identity.Curator:
		return p.Holds(b.Scope(), identity.Methodologist)
	}
	return false
}

// ManagesAll reports whether p manages every role of the account.
func ManagesAll(p identity.Principal, roles []RoleBinding) bool {
	for _, r := range roles {
		if !Manages(p, r.Path) {
			return false
		}
	}
	return len(roles) > 0
}

// ManagesAny reports whether p manages some role of the account, which lets
// it see the account.
func ManagesAny(p identity.Principal, roles []RoleBinding) bool {
	for _, r := range roles {
		if Manages(p, r.Path) {
			return true
		}
	}
	return false
}

// APIToken is a credential for scripts.
type APIToken struct {
	ID          string
	AccountID   string
	Name        string
	ReadOnly    bool
	ExpireTime  time.Time
	CreateTime  time.Time
	LastUseTime time.Time
	Revoked     bool
}

// Session is a browser session.
type Session struct {
	AccountID  string
	CSRFToken  string
	ExpireTime time.Time
}

// Session lifetimes: a session ends after IdleTimeout without requests, and
// after AbsoluteTimeout in any case.
const (
	IdleTimeout     = 30 * time.Minute
	AbsoluteTimeout = 12 * time.Hour
	// SignInTokenTTL is the lifetime of tokens from POST /v1/auth/token.
	SignInTokenTTL = time.Hour
	// MaxTokenTTL bounds API tokens.
	MaxTokenTTL = 366 * 24 * time.Hour
)

// Throttle says how failed sign-ins slow down and lock a login.
type Throttle struct {
	// Free failures before any delay.
	Free int
	// LockAfter failures lock the login for LockFor.
	LockAfter int
	LockFor   time.Duration
}

// DefaultThrottle: three free failures, then a wait that doubles from 1 s,
// and after ten a 15-minute lock.
var DefaultThrottle = Throttle{Free: 3, LockAfter: 10, LockFor: 15 * time.Minute}

// SourceThrottle bounds the wrong current passwords one client address may
// give across accounts (an office behind one address has several people):
// ten free, then the doubling wait, and after thirty a 15-minute lock.
var SourceThrottle = Throttle{Free: 10, LockAfter: 30, LockFor: 15 * time.Minute}

// Wait returns until when a login with failures failed sign-ins, the last at
// last, must wait before another attempt.
func (t Throttle) Wait(failures int, last time.Time) time.Time {
	switch {
	case failures >= t.LockAfter:
		return last.Add(t.LockFor)
	case failures < t.Free:
		return time.Time{}
	}
	return last.Add(time.Second << (failures - t.Free))
}

// AuditEvent is one entry of the append-only audit log.
type AuditEvent struct {
	ID             int64
	Time           time.Time
	ActorID        string
	ActorLogin     string
	Action         string
	ObjectType     string
	ObjectID       string
	Region         string
	MunicipalityID string
	Details        string
	RemoteAddr     string
	RequestID      string
}

// Actor is who does a change, for the audit log.
type Actor struct {
	AccountID  string
	Login      string
	RemoteAddr string
	RequestID  string
}
