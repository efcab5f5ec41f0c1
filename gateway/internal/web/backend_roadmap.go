package web

import (
	"context"
	"errors"
	"time"
)

// RoadmapBackend is what the roadmap pages need: a school's roadmap with its
// stages, items and occurrences, marking an occurrence done, editing items and
// importing a roadmap from a document.
type RoadmapBackend interface {
	// Schools returns the organisations with their roadmaps, newest period
	// first, in the order of orgIDs.
	Schools(ctx context.Context, orgIDs []string) ([]SchoolRoadmaps, error)
	// MunicipalityRoadmaps lists the roadmaps of municipalities: their own and
	// their organisations'.
	MunicipalityRoadmaps(ctx context.Context, munIDs []string) ([]RoadmapSummary, error)
	// MunicipalOwners returns the municipalities with their own roadmaps
	// (not their schools'), as owners a methodologist keeps a roadmap for.
	MunicipalOwners(ctx context.Context, munIDs []string) ([]SchoolRoadmaps, error)
	// Roadmap reads a roadmap with everything in it.
	Roadmap(ctx context.Context, id string) (RoadmapView, error)
	// MarkOccurrence records an occurrence done or not done, on the version of
	// its mark; ErrChanged when that is stale.
	MarkOccurrence(ctx context.Context, m MarkInput) error
	// CreateItem adds an item at the end of a stage on the roadmap's version
	// and returns its id; ErrChanged when the version is stale.
	CreateItem(ctx context.Context, stageID string, version int64, in ItemInput) (string, error)
	// UpdateItem replaces an item's texts; ErrChanged when the version is stale.
	UpdateItem(ctx context.Context, itemID string, version int64, in ItemInput) error
	// MoveItem moves an item to a 1-based position of a stage at a depth;
	// ErrChanged when the version is stale.
	MoveItem(ctx context.Context, itemID string, version int64, stageID string, position, depth int) error
	// ImportRoadmap reads a document into a roadmap: a preview when DryRun,
	// else the saved roadmap.
	ImportRoadmap(ctx context.Context, in ImportInput) (ImportView, error)
}

// ErrChanged is a write based on a stale version: nothing was written.
var ErrChanged = errors.New("changed since it was read")

// SchoolRoadmaps is an organisation with its roadmaps, or, when Municipal,
// a municipality (OrgID is then the municipality's id) with its own.
type SchoolRoadmaps struct {
	OrgID, OrgName, TimeZone string
	Municipal                bool
	Roadmaps                 []RoadmapSummary
}

// RoadmapSummary is a roadmap in a list.
type RoadmapSummary struct {
	ID, Title   string
	OwnerName   string
	OwnerKind   OwnerKind
	PeriodStart time.Time
	PeriodEnd   time.Time
}

// OwnerKind is the level a roadmap belongs to.
type OwnerKind int

// Owner kinds.
const (
	OwnerOrganisation OwnerKind = iota + 1
	OwnerMunicipality
	OwnerRegion
)

// RoadmapView is a roadmap with its stages, items and occurrences.
type RoadmapView struct {
	ID, Title, Goal string
	OwnerName       string
	OwnerKind       OwnerKind
	OrganisationID  string
	MunicipalityID  string
	// TimeZone is the owner's IANA zone: days are counted in it.
	TimeZone    string
	PeriodStart time.Time
	PeriodEnd   time.Time
	Targets     []TargetView
	Version     int64
	Progress    ProgressView
	Stages      []StageView
}

// TargetView is a share the goal names for the end of a year.
type TargetView struct{ Year, Percent int }

// ProgressView counts occurrences: all, due by now, done and overdue.
type ProgressView struct {
	Total, Due, Done, Overdue int
}

// StageView is a stage with its items.
type StageView struct {
	ID                  string
	Number              int
	Title, Task, Result string
	Progress            ProgressView
	Items               []ItemView
}

// ItemView is one measure of a stage.
type ItemView struct {
	ID, StageID, Number string
	Depth               int
	Measure             string
	ResultForm          string
	// DeadlineText is the deadline as written in the roadmap.
	DeadlineText string
	// Schedule is the deadline as understood, in words («ежегодно до 15
	// декабря»); empty when nothing was understood.
	Schedule string
	// Understood: all of the deadline was understood; else NotUnderstood
	// says what was not («не понято: …»).
	Understood    bool
	NotUnderstood string
	Responsible   string
	// HandedDown: the item came from the municipality's roadmap.
	HandedDown  bool
	Occurrences []OccurrenceView
}

// OccurrenceState is where an occurrence stands.
type OccurrenceState int

// Occurrence states.
const (
	OccurrencePending OccurrenceState = iota + 1
	OccurrenceDone
	OccurrenceOverdue
)

// OccurrenceView is one time an item is due.
type OccurrenceView struct {
	Year int
	// Start is zero for «до …».
	Start, Due time.Time
	State      OccurrenceState
	DoneOn     time.Time
	DoneBy     string
	Note       string
	Link       string
	// Version of the mark, for MarkOccurrence.
	Version int64
}

// MarkInput marks an occurrence of an item, named by its due day.
type MarkInput struct {
	ItemID  string
	Due     time.Time
	Version int64
	Done    bool
	// DoneOn is zero for today in the owner's zone.
	DoneOn time.Time
	Note   string
	Link   string
}

// ItemInput are the texts of an item.
type ItemInput struct {
	Measure, ResultForm, DeadlineText, Responsible string
}

// ImportFormat is the kind of document imported.
type ImportFormat int

// Import formats.
const (
	ImportTSV ImportFormat = iota + 1
	ImportDOCX
	ImportXLSX
)

// ImportInput is a document to read into an organisation's roadmap.
type ImportInput struct {
	// OrgID is the school whose roadmap it is, or MunicipalityID the
	// municipality.
	OrgID, MunicipalityID string
	Format                ImportFormat
	Content               []byte
	// PeriodStart and PeriodEnd, when the document does not say (both or none).
	PeriodStart, PeriodEnd time.Time
	Title                  string
	DryRun                 bool
	// RequestID makes saving idempotent: a confirmation sent twice saves once.
	RequestID string
	// Columns place columns by hand, over the importer's guess.
	Columns []ColumnChoice
}

// ImportField is what a column of a roadmap table holds.
type ImportField int

// Import fields, as the service names them.
const (
	FieldNone ImportField = iota
	FieldNumber
	FieldStage
	FieldMeasure
	FieldResult
	FieldDeadline
	FieldResponsible
	FieldTask
	FieldIgnore
)

// ColumnChoice says what a 1-based column holds.
type ColumnChoice struct {
	Column int
	Field  ImportField
}

// ImportColumnView is one column of the file as the importer placed it.
type ImportColumnView struct {
	Column int
	Header string
	Field  ImportField
	// ByHand: placed by the person's choice; ByContent: by what its cells
	// hold (no header).
	ByHand, ByContent bool
}

// ImportView is the preview or the saved roadmap, with what became of every
// input row.
type ImportView struct {
	Roadmap RoadmapView
	Rows    []ImportRow
	Saved   bool
	// NotUnderstood are the numbers of items whose deadline was not understood.
	NotUnderstood []string
	// Columns are the file's columns as placed.
	Columns []ImportColumnView
	// ProposedStart and ProposedEnd are the period the document suggests
	// (none given); PeriodReason says why, in Russian.
	ProposedStart, ProposedEnd time.Time
	PeriodReason               string
	// DocumentOwner is the organisation the document names.
	DocumentOwner string
}

// ImportRow says what became of one input row.
type ImportRow struct {
	Row     int
	Outcome ImportOutcome
	// Ref is the stage or item number it became or was merged into.
	Ref  string
	Note string
}

// ImportOutcome is what became of an input row.
type ImportOutcome int

// Import row outcomes, as the service names them.
const (
	RowTitle ImportOutcome = iota + 1
	RowGoal
	RowHeader
	RowBlank
	RowStage
	RowStageText
	RowItem
	RowMerged
	RowUnreadable
	RowApproval
	RowSignature
)

// CascadeBackend hands an item of a municipal roadmap down to every school of
// the municipality and says where each school stands with it.
type CascadeBackend interface {
	// CascadeItem gives every school in scope a linked copy of the item
	// (and a roadmap when it has none covering the period); repeating it
	// adds only the schools that lack it.
	CascadeItem(ctx context.Context, itemID string) (CascadeResult, error)
	// Cascade lists the schools that have the item, by name, with the
	// counts per state.
	Cascade(ctx context.Context, itemID string) (CascadeView, error)
}

// CascadeResult counts what a hand-down did.
type CascadeResult struct {
	Added, Existing, RoadmapsCreated int
}

// CascadeState is where a handed-down item stands in one school.
type CascadeState int

// Cascade states, as the roadmap service says.
const (
	CascadeDone CascadeState = iota + 1
	CascadeNotDone
	CascadeOverdue
)

// CascadeView is the per-school table of a handed-down item.
type CascadeView struct {
	Done, NotDone, Overdue int
	Rows                   []CascadeRow
}

// CascadeRow is one school's copy of the item.
type CascadeRow struct {
	OrgName, RoadmapID, ItemID string
	State                      CascadeState
	// Occurrences done, in all, and overdue.
	Done, Total, Overdue int
}
