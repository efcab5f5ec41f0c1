package web

import (
	"context"
	"time"
)

// MethodologistBackend is what the methodologist's pages need: the
// municipality's campaigns, who has reported, the indicators against their
// targets, the overdue roadmap items, and the review of one report.
type MethodologistBackend interface {
	// Campaigns lists the campaigns covering the municipality, newest year
	// first.
	Campaigns(ctx context.Context, municipality string) ([]CampaignSummary, error)
	// Completeness is where every organisation of the municipality stands in
	// a campaign as of the end of day asOf in its own zone (zero: now).
	Completeness(ctx context.Context, campaignID, municipality string, asOf time.Time) (CompletenessView, error)
	// Indicators are the municipality's indicators in years (oldest first),
	// from accepted reports, against their targets.
	Indicators(ctx context.Context, municipality string, years []int) ([]IndicatorView, error)
	// MunicipalOverdue lists overdue roadmap occurrences across the
	// municipality, oldest due first, n at a time, and counts them all.
	MunicipalOverdue(ctx context.Context, municipality, pageToken string, n int) (OverduePage, error)
	// Activity lists the latest submissions, returns, acceptances and
	// reopenings of a campaign's reports in the municipality, newest first.
	Activity(ctx context.Context, campaignID, municipality string, n int) ([]ActivityItem, error)
	// Review reads a report with the organisation's report of the year
	// before, if there is one.
	Review(ctx context.Context, id string) (ReviewView, error)
	// Acceptable lists the submitted reports of a campaign in the
	// municipality that break no rule, warnings included.
	Acceptable(ctx context.Context, campaignID, municipality string) ([]ReportSummary, error)
	// AcceptReport, ReturnReport and ReopenReport act on the version the
	// methodologist saw: a stale one is a *ConflictError, nothing written.
	AcceptReport(ctx context.Context, id string, version int64) error
	ReturnReport(ctx context.Context, id string, version int64, comment string, remarks map[string]string) error
	ReopenReport(ctx context.Context, id string, version int64, reason string) error
	// History lists a report's changes, a page at a time.
	History(ctx context.Context, id, pageToken string) (HistoryPage, error)
}

// OverduePage is one page of overdue roadmap occurrences.
type OverduePage struct {
	Items         []OverdueItem
	NextPageToken string
	Total         int
}

// CampaignSummary is a campaign as the methodologist chooses it.
type CampaignSummary struct {
	ID, Name string
	Year     int
	Open     bool
	// Deadline is the campaign's last day.
	Deadline time.Time
}

// Counts count a campaign's expected organisations: Missing, Submitted,
// Returned and Accepted partition Expected; OnTime and Late split those
// submitted or accepted.
type Counts struct {
	Expected, OnTime, Late, Missing, Submitted, Returned, Accepted int
}

// CompletenessView is a campaign's standing in a municipality at a moment.
type CompletenessView struct {
	Counts        Counts
	Organisations []OrgStanding
}

// OrgStanding is one expected organisation.
type OrgStanding struct {
	ID, Name   string
	State      ReportState
	Late       bool
	SubmitTime time.Time
	TimeZone   string
	// ReportID is empty when the organisation has not started.
	ReportID string
}

// TargetStatus is a value against its target.
type TargetStatus int

// Target statuses, as the aggregates say.
const (
	TargetMet TargetStatus = iota + 1
	TargetNotMet
	TargetNoData
	TargetNone
)

// IndicatorView is one indicator of the municipality over years.
type IndicatorView struct {
	Code, Name string
	// Counts says what the numerator and denominator count.
	Counts string
	// Unit: "%" for shares, the counted noun otherwise.
	Unit  string
	Share bool
	// Years, oldest first.
	Years []IndicatorYear
}

// IndicatorYear is an indicator's value in one year.
type IndicatorYear struct {
	Year                   int
	Value                  float64
	HasValue               bool
	Numerator, Denominator int64
	// Contributors of Expected organisations are counted.
	Contributors, Expected int
	Target                 float64
	HasTarget              bool
	Status                 TargetStatus
	Change                 float64
	HasChange              bool
	// Comparable is false when the form changed what the indicator counts
	// since the year before.
	Comparable bool
}

// ActivityItem is one recent change of a report's status.
type ActivityItem struct {
	Time     time.Time
	OrgName  string
	ReportID string
	// Kind: submitted, resubmitted, returned, accepted, reopened.
	Kind     string
	Late     bool
	TimeZone string
}

// ReviewView is a report under review with last year's beside it.
type ReviewView struct {
	Report ReportView
	// Year is the campaign's; Previous is the organisation's report of the
	// year before (zero ID when none), PreviousYear its year.
	Year         int
	Previous     ReportView
	PreviousYear int
	CampaignID   string
}

// ReportSummary is a report named in a list.
type ReportSummary struct {
	ID, OrgName string
	Version     int64
	SubmitTime  time.Time
	Late        bool
	TimeZone    string
}
