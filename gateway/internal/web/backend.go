package web

import (
	"context"
	"time"
)

// The backend seam: small interfaces per area that return view models, never
// proto. grpcBackend implements them over the services; page tests use a fake.

// CuratorBackend is what the curator's pages need.
type CuratorBackend interface {
	// Home lists the open campaigns expecting the person's organisations with
	// their state, and the organisations' overdue roadmap items.
	Home(ctx context.Context, orgIDs []string) (CuratorHome, error)
	// Report reads a report with its form, values, remarks and violations.
	Report(ctx context.Context, id string) (ReportView, error)
	// StartReport starts an organisation's report in a campaign (from last
	// year's when asked) and returns its id.
	StartReport(ctx context.Context, campaignID, orgID string, fromPreviousYear bool) (string, error)
	// SaveReport saves some values on the version they were based on (the
	// page reads the report again after its redirect).
	SaveReport(ctx context.Context, id string, version int64, values map[string]FieldInput, confirm []string) error
	// SubmitReport submits the report on its version.
	SubmitReport(ctx context.Context, id string, version int64, confirmWarnings bool) (ReportView, error)
	// History lists a report's changes (who, when, old → new), a page at a time.
	History(ctx context.Context, id, pageToken string) (HistoryPage, error)
}

// HistoryPage is one page of a report's history.
type HistoryPage struct {
	Events        []HistoryEvent
	NextPageToken string
	Total         int
}

// HistoryEvent is one change: a value or the report's status.
type HistoryEvent struct {
	Time  time.Time
	Login string
	// Kind: value, status, carry_over (taken from last year), confirm.
	Kind               string
	Field              string
	OldValue, NewValue string
	Comment            string
}

// CuratorHome is the curator's start page.
type CuratorHome struct {
	Campaigns []CampaignCard
	Overdue   []OverdueItem
	// OverdueTotal counts every overdue occurrence, Overdue holds the first.
	OverdueTotal int
}

// CampaignCard is one campaign as a school sees it.
type CampaignCard struct {
	CampaignID, Name string
	Year             int
	OrgID, OrgName   string
	// Deadline is the instant the deadline ends; DeadlineDay its local day.
	Deadline    time.Time
	DeadlineDay time.Time
	TimeZone    string
	State       ReportState
	Late        bool
	ReportID    string
}

// ReportState is where a school's report stands in a campaign.
type ReportState int

// Report states, as the campaign's expected list says.
const (
	StateMissing ReportState = iota
	StateDraft
	StateSubmitted
	StateReturned
	StateAccepted
)

// OverdueItem is an overdue roadmap occurrence.
type OverdueItem struct {
	Number, Measure, Responsible string
	// Owner names whose roadmap it is (in municipal lists).
	Owner       string
	Due         time.Time
	DaysOverdue int
}

// FieldType is the input a form field needs.
type FieldType int

// Field types.
const (
	FieldCount FieldType = iota + 1
	FieldYesNo
	FieldText
)

// ReportView is a report with everything its pages show.
type ReportView struct {
	ID, CampaignName, OrgName string
	Version                   int64
	Status                    ReportStatus
	Deadline                  time.Time
	TimeZone                  string
	Late                      bool
	SubmitTime                time.Time
	ReturnComment             string
	ReopenReason              string
	Sections                  []SectionView
	// Violations of the current values, errors first.
	Violations []ViolationView
	// FormCode and FormVersion name the form version the report follows.
	FormCode    string
	FormVersion int32
}

// ReportStatus is a report's lifecycle state.
type ReportStatus int

// Report statuses.
const (
	ReportDraft ReportStatus = iota + 1
	ReportSubmitted
	ReportReturned
	ReportAccepted
)

// Editable reports whether the curator may change the values.
func (r ReportView) Editable() bool { return r.Status == ReportDraft || r.Status == ReportReturned }

// SectionView is one section of the form.
type SectionView struct {
	Title  string
	Fields []FieldView
}

// FieldView is one field with its value, remark and violations.
type FieldView struct {
	Code, Label, Help string
	Type              FieldType
	Required          bool
	Min, Max          int64
	// Value is the count or text as the input shows it; Set: a value exists.
	Value     string
	Set       bool
	Yes       bool
	RefNumber string
	RefDate   string
	RefLink   string
	// CarriedOver: taken from last year's report, not yet confirmed.
	CarriedOver bool
	// Remark is the methodologist's remark on this field.
	Remark   string
	Errors   []string
	Warnings []string
}

// ViolationView is a broken rule.
type ViolationView struct {
	// Rule is the rule's code; "required" is a field left empty.
	Rule    string
	Message string
	Warning bool
	Fields  []string
}

// FieldInput is what a person typed into one field.
type FieldInput struct {
	Type FieldType
	// Clear empties the field.
	Clear     bool
	Count     int64
	Text      string
	Yes       bool
	RefNumber string
	RefDate   string
	RefLink   string
}

// ConflictError is a save on an old version: nothing was written; Current is
// the report as it is now.
type ConflictError struct {
	Current ReportView
}

func (e *ConflictError) Error() string { return "the report changed since it was opened" }

// FieldErrors are input errors by field code, in Russian.
type FieldErrors map[string]string

func (e FieldErrors) Error() string { return "invalid input" }
