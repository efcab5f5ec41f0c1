package web

import (
	"context"
	"time"
)

// RegistryBackend is what the methodologist's administration pages need: the
// municipality's organisations, its curators' accounts, the audit log, and
// the campaigns it runs.
type RegistryBackend interface {
	// Organisations lists a page of organisations matching f, by short name.
	Organisations(ctx context.Context, f OrgFilter) (OrgListPage, error)
	// Organisation reads one organisation.
	Organisation(ctx context.Context, id string) (OrgRecord, error)
	// CreateOrganisation and UpdateOrganisation save an organisation; a bad
	// field is InvalidArgument naming it ("organisation.inn").
	CreateOrganisation(ctx context.Context, o OrgRecord, requestID string) (OrgRecord, error)
	UpdateOrganisation(ctx context.Context, o OrgRecord) (OrgRecord, error)
	// CloseOrganisation closes the version seen, on a day, for a reason,
	// naming the successor (may be empty).
	CloseOrganisation(ctx context.Context, c OrgClosure) error
	// ImportOrganisations reads a CSV or XLSX file of the municipality's
	// organisations; with dryRun nothing is saved.
	ImportOrganisations(ctx context.Context, municipality string, xlsx bool, content []byte, dryRun bool) (OrgImport, error)

	// Curators lists the accounts the methodologist manages.
	Curators(ctx context.Context, query, pageToken string) (AccountPage, error)
	// CreateCurator creates a curator account of an organisation.
	CreateCurator(ctx context.Context, a NewCurator) (AccountRecord, error)
	// ResetPassword sets an account's password.
	ResetPassword(ctx context.Context, id, password string) error
	// SetBlocked blocks or unblocks an account.
	SetBlocked(ctx context.Context, id string, blocked bool) error

	// Audit lists events of the municipality, newest first.
	Audit(ctx context.Context, q AuditQuery) (AuditPage, error)
	// AccountID finds the account of a login ("" when none is visible).
	AccountID(ctx context.Context, login string) (string, error)

	// Forms lists the published form versions a campaign may use.
	Forms(ctx context.Context) ([]FormChoice, error)
	// CampaignList lists the campaigns covering the municipality.
	CampaignList(ctx context.Context, municipality string) ([]CampaignRecord, error)
	Campaign(ctx context.Context, id string) (CampaignRecord, error)
	// CreateCampaign opens a campaign of the municipality; a bad field is
	// InvalidArgument naming it ("campaign.deadline").
	CreateCampaign(ctx context.Context, c CampaignRecord, requestID string) (CampaignRecord, error)
	// Expected lists the organisations of the municipality a campaign
	// expects (dropped ones too).
	Expected(ctx context.Context, campaignID, municipality string) ([]ExpectedRow, error)
	// RefreshExpected brings the expected list in line with the registry and
	// names who was added and dropped.
	RefreshExpected(ctx context.Context, campaignID string) (added, dropped []string, err error)
	// ExtendDeadline gives one organisation a new last day.
	ExtendDeadline(ctx context.Context, campaignID, orgID string, deadline time.Time, reason string) error
	// CloseCampaign closes the version seen.
	CloseCampaign(ctx context.Context, id string, version int64) error
	// SetReminders sets a campaign's reminders: days before each
	// organisation's deadline at a time of day (HH:MM) in its own zone.
	SetReminders(ctx context.Context, id string, version int64, days []int, at string) error
}

// OrgKind is what kind of organisation it is.
type OrgKind int

// Organisation kinds, as the registry has them.
const (
	KindSchool OrgKind = iota + 1
	KindCollege
	KindAdditional
)

// OrgFilter asks for a page of organisations.
type OrgFilter struct {
	Municipality string
	Kind         OrgKind // 0: any
	// Status: "open", "closed" or "" for both.
	Status, Query string
	OpenOn        time.Time
	PageSize      int
	PageToken     string
}

// OrgListPage is one page of organisations.
type OrgListPage struct {
	Items         []OrgRecord
	NextPageToken string
	Total         int
}

// OrgRecord is an organisation of the registry.
type OrgRecord struct {
	ID, Municipality                        string
	FullName, ShortName, INN, Address       string
	Kind                                    OrgKind
	TimeZone                                string
	CuratorName, CuratorEmail, CuratorPhone string
	OpenedOn                                string
	Closed                                  bool
	ClosedOn                                string
	ClosureReason                           int
	SuccessorID                             string
	Version                                 int64
}

// OrgClosure closes an organisation.
type OrgClosure struct {
	ID          string
	Version     int64
	ClosedOn    time.Time
	Reason      int // 1 liquidated, 2 reorganised, 3 merged
	SuccessorID string
}

// OrgImport is what an import did or would do, row by row.
type OrgImport struct {
	Applied                               bool
	Created, Updated, Unchanged, Rejected int
	Rows                                  []OrgImportRow
	IgnoredColumns                        []string
}

// OrgImportRow is one row of an imported file.
type OrgImportRow struct {
	Number int
	// Action: created, updated, unchanged, rejected.
	Action         string
	INN, ShortName string
	Changed        []string
	Problems       []OrgImportProblem
}

// OrgImportProblem is why a row was rejected.
type OrgImportProblem struct {
	Column, Message string
}

// AccountPage is one page of accounts.
type AccountPage struct {
	Items         []AccountRecord
	NextPageToken string
}

// AccountRecord is a person's account as the methodologist sees it.
type AccountRecord struct {
	ID, Login, Name, Email string
	// Organisations are the ids the account is a curator of.
	Organisations []string
	Blocked       bool
	Created       time.Time
}

// NewCurator is a curator account to create.
type NewCurator struct {
	Login, Name, Email, Organisation, Password string
}

// AuditQuery filters the audit log.
type AuditQuery struct {
	Municipality, ActorID, Action, PageToken string
	PageSize                                 int
}

// AuditPage is one page of the audit log.
type AuditPage struct {
	Events        []AuditEvent
	NextPageToken string
}

// AuditEvent is one recorded action.
type AuditEvent struct {
	Time                          time.Time
	Login, Action                 string
	ObjectType, ObjectID, Details string
}

// FormChoice is a published version of a form.
type FormChoice struct {
	Code, Title string
	Version     int
}

// CampaignRecord is a campaign as the methodologist runs it.
type CampaignRecord struct {
	ID, Name     string
	Year         int
	FormCode     string
	FormVersion  int
	Municipality string
	Region       string
	Deadline     time.Time
	Open         bool
	Expected     int
	Version      int64
	// Reminders: days before each organisation's deadline, at ReminderTime
	// (HH:MM) in its own zone.
	ReminderDays []int
	ReminderTime string
}

// ExpectedRow is an organisation a campaign expects.
type ExpectedRow struct {
	OrgID, Name string
	State       ReportState
	Late        bool
	Deadline    time.Time
	Extensions  []Extension
	Dropped     string
}

// Extension is a deadline given to one organisation.
type Extension struct {
	Deadline      time.Time
	Reason, Login string
	Created       time.Time
}
