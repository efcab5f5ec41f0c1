package web

import (
	"context"
	"time"
)

// SignOffBackend is what the pages of the municipal sign-off need: the
// sign-offs of a campaign or a year, signing a municipality's summary off to
// the region and sending it back.
type SignOffBackend interface {
	// SignOffs lists the sign-offs a query names, each with its history and
	// its campaign's name; a municipality never signed has none.
	SignOffs(ctx context.Context, q SignOffQuery) ([]SignOffView, error)
	// SignOff signs the municipality's summary of a campaign off, based on
	// the sign-off's version (0: never signed); the service's field error
	// names comment.
	SignOff(ctx context.Context, campaignID, municipality, comment string, version int64) error
	// SendBack sends a signed-off summary back with a comment.
	SendBack(ctx context.Context, campaignID, municipality, comment string, version int64) error
}

// SignOffQuery names sign-offs: of a campaign, or of every campaign of a
// year in a region or municipality.
type SignOffQuery struct {
	CampaignID, Region, Municipality string
	Year                             int
}

// SignOffState is where a municipality's sign-off stands.
type SignOffState int

// Sign-off states.
const (
	NotSigned SignOffState = iota
	SignedOff
	SignOffOutdated
	SentBack
)

// SignOffView is a municipality's sign-off of a campaign.
type SignOffView struct {
	CampaignID, CampaignName, MunicipalityID, RegionCode string
	State                                                SignOffState
	// The latest signing: completeness then, comment, who, when.
	Counts   Counts
	Comment  string
	Login    string
	SignTime time.Time
	// The latest send-back.
	BackComment, BackLogin string
	BackTime               time.Time
	OutdateTime            time.Time
	Version                int64
	// Events, oldest first.
	Events []SignOffEvent
}

// SignOffEvent is one step of a sign-off's history.
type SignOffEvent struct {
	// Kind: signed, sent_back, outdated.
	Kind    string
	Time    time.Time
	Login   string
	Comment string
	Counts  Counts
}
