package domain

import (
	"strings"
	"time"
	"unicode/utf8"

	"github.com/nastavnik/nastavnik/platform/validation"
)

// The sign-off of a municipality's summary: when its reports are in, the
// methodologist signs the summary of a campaign off to the regional centre,
// with the completeness at that moment and a comment naming what is still
// missing. The regional centre may send it back with a comment; the
// methodologist signs it again. A report of the municipality changed after the
// signing (saved, submitted, returned, accepted, reopened) makes the sign-off
// outdated: the summary the region holds is no longer the one signed. Every
// step is kept with who and when.

// SignOffState is where a municipality's sign-off of a campaign stands.
type SignOffState int

// Sign-off states; the numbers are stored.
const (
	// NotSigned: never signed.
	NotSigned SignOffState = iota
	// Signed: signed, and no report changed since.
	Signed
	// Outdated: signed, but a report changed since.
	Outdated
	// SentBack: the regional centre sent it back.
	SentBack
)

// Sign-off event kinds, as stored and as the API names them.
const (
	SignOffSigned   = "signed"
	SignOffSentBack = "sent_back"
	SignOffOutdated = "outdated"
)

// MaxSignOffComment bounds a sign-off's or a send-back's comment, in
// characters.
const MaxSignOffComment = 2000

// SignOffEvent is one step of a sign-off's history.
type SignOffEvent struct {
	Kind  string
	Time  time.Time
	Actor Actor
	// Comment is the methodologist's at signing, the regional centre's at a
	// send-back.
	Comment string
	// Counts is the completeness signed (signed events only).
	Counts Counts
	// OrganisationID is the organisation whose report changed (outdated
	// events only).
	OrganisationID string
}

// SignOff is a municipality's sign-off of a campaign, with its history
// (oldest first).
type SignOff struct {
	CampaignID     string
	MunicipalityID string
	RegionCode     string
	State          SignOffState
	// Counts, Comment, Signer and SignTime are the latest signing's.
	Counts   Counts
	Comment  string
	Signer   Actor
	SignTime time.Time
	// BackComment, BackBy and BackTime are the latest send-back's.
	BackComment string
	BackBy      Actor
	BackTime    time.Time
	// OutdateTime is when a report first changed after the latest signing.
	OutdateTime time.Time
	// Version counts the steps; 0 is a sign-off never signed.
	Version int64
	Events  []SignOffEvent
}

// Incomplete reports counts with reports not yet accepted: missing, awaiting
// review or returned.
func (c Counts) Incomplete() bool { return c.Missing+c.Submitted+c.Returned > 0 }

// signOffComment checks a comment: trimmed, at most MaxSignOffComment
// characters, required when required.
func signOffComment(s string, required bool) (string, *validation.Error) {
	s = strings.TrimSpace(s)
	ve := &validation.Error{}
	switch {
	case !utf8.ValidString(s):
		ve.Add("comment", validation.New("not_utf8"))
	case utf8.RuneCountInString(s) > MaxSignOffComment:
		ve.Add("comment", validation.TooLong(MaxSignOffComment))
	case s == "" && required:
		ve.Add("comment", validation.Required())
	}
	if ve.Err() != nil {
		return "", ve
	}
	return s, nil
}

// Sign signs the summary off with counts, the completeness now, based on
// version based of the sign-off. An incomplete summary needs a comment
// naming what is missing. A sign-off already signed, with no report changed
// since, is not signed twice.
func (s *SignOff) Sign(by Actor, at time.Time, counts Counts, comment string, based int64) (SignOffEvent, error) {
	if s.Version != based {
		return SignOffEvent{}, ErrStale
	}
	if s.State == Signed {
		return SignOffEvent{}, StateError{"the summary is signed off already and no report changed since"}
	}
	comment, ve := signOffComment(comment, false)
	if ve != nil {
		return SignOffEvent{}, ve
	}
	if comment == "" && counts.Incomplete() {
		return SignOffEvent{}, validation.Field("comment", validation.New("sign_off_comment"))
	}
	e := SignOffEvent{Kind: SignOffSigned, Time: at, Actor: by, Comment: comment, Counts: counts}
	s.State, s.Counts, s.Comment, s.Signer, s.SignTime, s.OutdateTime = Signed, counts, comment, by, at, time.Time{}
	s.Version++
	s.Events = append(s.Events, e)
	return e, nil
}

// SendBack returns a signed (or outdated) sign-off to the municipality with
// a comment saying why.
func (s *SignOff) SendBack(by Actor, at time.Time, comment string, based int64) (SignOffEvent, error) {
	if s.State != Signed && s.State != Outdated {
		return SignOffEvent{}, StateError{"only a signed-off summary can be sent back"}
	}
	if s.Version != based {
		return SignOffEvent{}, ErrStale
	}
	comment, ve := signOffComment(comment, true)
	if ve != nil {
		return SignOffEvent{}, ve
	}
	e := SignOffEvent{Kind: SignOffSentBack, Time: at, Actor: by, Comment: comment}
	s.State, s.BackComment, s.BackBy, s.BackTime = SentBack, comment, by, at
	s.Version++
	s.Events = append(s.Events, e)
	return e, nil
}

// Outdate marks a signed sign-off outdated by a change of organisation's
// report; any other state stays as it is (and no event is made).
func (s *SignOff) Outdate(by Actor, at time.Time, organisation string) (SignOffEvent, bool) {
	if s.State != OutdatedFrom {
		return SignOffEvent{}, false
	}
	e := SignOffEvent{Kind: SignOffOutdated, Time: at, Actor: by, OrganisationID: organisation}
	s.State, s.OutdateTime = Outdated, at
	s.Version++
	s.Events = append(s.Events, e)
	return e, true
}

// OutdatedFrom is the one state a report's change outdates: the store's
// update in the report's transaction applies Outdate by this rule in SQL.
const OutdatedFrom = Signed
