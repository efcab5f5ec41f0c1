package server

import (
	"context"
	"strings"
	"time"

	"github.com/nastavnik/nastavnik/platform/dates"
	"github.com/nastavnik/nastavnik/platform/identity"
	"github.com/nastavnik/nastavnik/platform/pagination"
	"github.com/nastavnik/nastavnik/platform/validation"
	roadmapv1 "github.com/nastavnik/nastavnik/proto/gen/nastavnik/roadmap/v1"
	"github.com/nastavnik/nastavnik/services/roadmap/internal/domain"
	"github.com/nastavnik/nastavnik/services/roadmap/internal/importer"
	"github.com/nastavnik/nastavnik/services/roadmap/internal/schedule"
	"github.com/nastavnik/nastavnik/services/roadmap/internal/store"
)

// Directory is what the roadmap needs to know about owners from the
// registry, asked on behalf of the caller.
type Directory interface {
	Organisation(ctx context.Context, id string) (domain.Owner, error)
	Municipality(ctx context.Context, id string) (domain.Owner, error)
	Region(ctx context.Context, code string) (domain.Owner, error)
	OpenOrganisations(ctx context.Context, region, municipality, date string) ([]domain.Owner, error)
}

// resolveOwner finds the owner a request names, through the registry.
func (s *Server) resolveOwner(ctx context.Context, ref *roadmapv1.OwnerRef) (domain.Owner, error) {
	n := 0
	for _, v := range []string{ref.GetOrganisationId(), ref.GetMunicipalityId(), ref.GetRegionCode()} {
		if v != "" {
			n++
		}
	}
	if n != 1 {
		return domain.Owner{}, validation.Field("owner", validation.New("owner_one"))
	}
	switch {
	case ref.GetOrganisationId() != "":
		return s.dir.Organisation(ctx, ref.GetOrganisationId())
	case ref.GetMunicipalityId() != "":
		return s.dir.Municipality(ctx, ref.GetMunicipalityId())
	}
	return s.dir.Region(ctx, ref.GetRegionCode())
}

// writableOwner resolves an owner the caller may write for.
func (s *Server) writableOwner(ctx context.Context, p identity.Principal, ref *roadmapv1.OwnerRef) (domain.Owner, error) {
	o, err := s.resolveOwner(ctx, ref)
	if err != nil {
		return o, err
	}
	if !domain.CanRead(p, o) {
		return o, domain.ErrNotFound
	}
	if !domain.CanWrite(p, o) {
		return o, domain.ErrPermissionDenied
	}
	return o, nil
}

// readable reads a roadmap the caller may read; others do not exist.
func (s *Server) readable(ctx context.Context, p identity.Principal, id string) (domain.Roadmap, error) {
	r, err := s.store.Get(ctx, id)
	if err != nil {
		return r, err
	}
	if !domain.CanRead(p, r.Owner) {
		return domain.Roadmap{}, domain.ErrNotFound
	}
	return r, nil
}

// owner returns the owner of a roadmap the caller may read, and whether it
// may write it; a roadmap it may not read does not exist. Only the roadmap's
// row is read.
func (s *Server) owner(ctx context.Context, p identity.Principal, id string) (domain.Owner, bool, error) {
	o, err := s.store.Owner(ctx, id)
	if err != nil {
		return o, false, err
	}
	if !domain.CanRead(p, o) {
		return domain.Owner{}, false, domain.ErrNotFound
	}
	return o, domain.CanWrite(p, o), nil
}

// mutate changes a roadmap the caller may write.
func (s *Server) mutate(ctx context.Context, id string, version int64, fn func(*domain.Roadmap) error) (*roadmapv1.Roadmap, error) {
	p, err := identity.Caller(ctx)
	if err != nil {
		return nil, err
	}
	if _, writable, err := s.owner(ctx, p, id); err != nil || !writable {
		if err == nil {
			err = domain.ErrPermissionDenied
		}
		return nil, err
	}
	r, err := s.store.Mutate(ctx, id, version, fn)
	if err != nil {
		return nil, err
	}
	return roadmapToProto(r, s.now(), true), nil
}

// mutateStage changes a stage of a roadmap the caller may write: fn gets
// the stage's place. A stage the caller may not read, or no longer there, is
// NOT_FOUND.
func (s *Server) mutateStage(ctx context.Context, stageID string, version int64, fn func(r *domain.Roadmap, si int) error) (*roadmapv1.Roadmap, error) {
	id, err := s.roadmapOfCaller(ctx, "", stageID)
	if err != nil {
		return nil, err
	}
	return s.mutate(ctx, id, version, func(r *domain.Roadmap) error {
		si, ok := r.FindStage(stageID)
		if !ok {
			return domain.ErrNotFound
		}
		return fn(r, si)
	})
}

// mutateItem changes an item of a roadmap the caller may write: fn gets
// the item's stage and place in it. An item the caller may not read, or no
// longer there, is NOT_FOUND.
func (s *Server) mutateItem(ctx context.Context, itemID string, version int64, fn func(r *domain.Roadmap, si, ii int) error) (*roadmapv1.Roadmap, error) {
	id, err := s.roadmapOfCaller(ctx, itemID, "")
	if err != nil {
		return nil, err
	}
	return s.mutate(ctx, id, version, func(r *domain.Roadmap) error {
		si, ii, ok := r.FindItem(itemID)
		if !ok {
			return domain.ErrNotFound
		}
		return fn(r, si, ii)
	})
}

// roadmapOfCaller is the roadmap of an item or stage the caller may read
// (roadmapOf).
func (s *Server) roadmapOfCaller(ctx context.Context, itemID, stageID string) (string, error) {
	p, err := identity.Caller(ctx)
	if err != nil {
		return "", err
	}
	id, _, _, err := s.roadmapOf(ctx, p, itemID, stageID)
	return id, err
}

// roadmapOf finds the roadmap of an item or stage and its owner, answering
// NOT_FOUND for one the caller may not read.
func (s *Server) roadmapOf(ctx context.Context, p identity.Principal, itemID, stageID string) (string, domain.Owner, bool, error) {
	id, err := s.store.RoadmapOf(ctx, itemID, stageID)
	if err != nil {
		return "", domain.Owner{}, false, err
	}
	o, writable, err := s.owner(ctx, p, id)
	if err != nil {
		return "", o, false, err
	}
	return id, o, writable, nil
}

// parseDate reads an optional date field; empty gives the zero time.
func parseDate(field, v string, ve *validation.Error) time.Time {
	t, err := dates.Parse(v)
	if err != nil {
		ve.Add(field, validation.BadDate(v))
	}
	return t
}

func notesToProto(notes []validation.Problem) []*roadmapv1.ImportNote {
	out := make([]*roadmapv1.ImportNote, len(notes))
	for i, n := range notes {
		out[i] = &roadmapv1.ImportNote{Code: n.Code, Description: n.English(), LocalizedMessage: n.Russian()}
	}
	return out
}

func targetsFromProto(ts []*roadmapv1.Target) []domain.Target {
	out := []domain.Target{}
	for _, t := range ts {
		out = append(out, domain.Target{Year: int(t.GetYear()), Percent: int(t.GetPercent())})
	}
	return out
}

// CreateRoadmap implements RoadmapService.
func (s *Server) CreateRoadmap(ctx context.Context, req *roadmapv1.CreateRoadmapRequest) (*roadmapv1.CreateRoadmapResponse, error) {
	p, err := identity.Caller(ctx)
	if err != nil {
		return nil, err
	}
	var ve validation.Error
	r := domain.Roadmap{
		Title: req.GetTitle(), Goal: req.GetGoal(), Targets: targetsFromProto(req.GetTargets()),
		Period: schedule.Period{Start: parseDate("period_start", req.GetPeriodStart(), &ve), End: parseDate("period_end", req.GetPeriodEnd(), &ve)},
	}
	if err := ve.Err(); err != nil {
		return nil, err
	}
	if err := r.Validate(); err != nil {
		return nil, err
	}
	if r.Owner, err = s.writableOwner(ctx, p, req.GetOwner()); err != nil {
		return nil, validation.Prefixed("owner", err)
	}
	r, err = s.store.Create(ctx, p.AccountID, req.GetRequestId(), r)
	if err != nil {
		return nil, err
	}
	return &roadmapv1.CreateRoadmapResponse{Roadmap: roadmapToProto(r, s.now(), true)}, nil
}

// GetRoadmap implements RoadmapService.
func (s *Server) GetRoadmap(ctx context.Context, req *roadmapv1.GetRoadmapRequest) (*roadmapv1.GetRoadmapResponse, error) {
	p, err := identity.Caller(ctx)
	if err != nil {
		return nil, err
	}
	r, err := s.readable(ctx, p, req.GetId())
	if err != nil {
		return nil, err
	}
	return &roadmapv1.GetRoadmapResponse{Roadmap: roadmapToProto(r, s.now(), true)}, nil
}

// ListRoadmaps implements RoadmapService.
func (s *Server) ListRoadmaps(ctx context.Context, req *roadmapv1.ListRoadmapsRequest) (*roadmapv1.ListRoadmapsResponse, error) {
	p, err := identity.Caller(ctx)
	if err != nil {
		return nil, err
	}
	f := store.Filter{Reach: p.Reach(), Region: req.GetRegionCode(), Municipality: req.GetMunicipalityId(),
		Organisation: req.GetOrganisationId()}
	after, err := pagination.After[store.Cursor](req.GetPageToken(), f)
	if err != nil {
		return nil, err
	}
	size := pagination.Size(req.GetPageSize())
	list, err := s.store.List(ctx, f, after, size+1)
	if err != nil {
		return nil, err
	}
	resp := &roadmapv1.ListRoadmapsResponse{}
	list, resp.NextPageToken, err = pagination.Trim(list, size, f, func(r domain.Roadmap) any {
		return store.Cursor{PeriodStart: r.Period.Start, ID: r.ID}
	})
	if err != nil {
		return nil, err
	}
	for _, r := range list {
		resp.Roadmaps = append(resp.Roadmaps, roadmapToProto(r, s.now(), false))
	}
	return resp, nil
}

// UpdateRoadmap implements RoadmapService.
func (s *Server) UpdateRoadmap(ctx context.Context, req *roadmapv1.UpdateRoadmapRequest) (*roadmapv1.UpdateRoadmapResponse, error) {
	var ve validation.Error
	period := schedule.Period{Start: parseDate("period_start", req.GetPeriodStart(), &ve), End: parseDate("period_end", req.GetPeriodEnd(), &ve)}
	if err := ve.Err(); err != nil {
		return nil, err
	}
	r, err := s.mutate(ctx, req.GetId(), req.GetVersion(), func(r *domain.Roadmap) error {
		r.Title, r.Goal, r.Targets = req.GetTitle(), req.GetGoal(), targetsFromProto(req.GetTargets())
		if r.Period != period {
			r.Period = period
			reparse(r)
		}
		return r.Validate()
	})
	if err != nil {
		return nil, err
	}
	return &roadmapv1.UpdateRoadmapResponse{Roadmap: r}, nil
}

// reparse parses every deadline again for a changed period («Май» is yearly
// only in a multi-year roadmap).
func reparse(r *domain.Roadmap) {
	for si := range r.Stages {
		for ii := range r.Stages[si].Items {
			it := &r.Stages[si].Items[ii]
			it.Schedule = schedule.Parse(it.DeadlineText, r.Period)
		}
	}
}

var importFormats = map[roadmapv1.ImportFormat]func([]byte) ([][]string, error){
	roadmapv1.ImportFormat_IMPORT_FORMAT_DOCX: importer.ReadDOCXLines,
	roadmapv1.ImportFormat_IMPORT_FORMAT_XLSX: importer.ReadXLSX,
}

var rowOutcomes = map[importer.Outcome]roadmapv1.ImportRowOutcome{
	importer.OutcomeTitle: roadmapv1.ImportRowOutcome_IMPORT_ROW_OUTCOME_TITLE, importer.OutcomeGoal: roadmapv1.ImportRowOutcome_IMPORT_ROW_OUTCOME_GOAL,
	importer.OutcomeHeader: roadmapv1.ImportRowOutcome_IMPORT_ROW_OUTCOME_HEADER, importer.OutcomeBlank: roadmapv1.ImportRowOutcome_IMPORT_ROW_OUTCOME_BLANK,
	importer.OutcomeStage: roadmapv1.ImportRowOutcome_IMPORT_ROW_OUTCOME_STAGE, importer.OutcomeStageText: roadmapv1.ImportRowOutcome_IMPORT_ROW_OUTCOME_STAGE_TEXT,
	importer.OutcomeItem: roadmapv1.ImportRowOutcome_IMPORT_ROW_OUTCOME_ITEM, importer.OutcomeMerged: roadmapv1.ImportRowOutcome_IMPORT_ROW_OUTCOME_MERGED,
	importer.OutcomeUnread:    roadmapv1.ImportRowOutcome_IMPORT_ROW_OUTCOME_UNREADABLE,
	importer.OutcomeApproval:  roadmapv1.ImportRowOutcome_IMPORT_ROW_OUTCOME_APPROVAL,
	importer.OutcomeSignature: roadmapv1.ImportRowOutcome_IMPORT_ROW_OUTCOME_SIGNATURE,
}

var importFields = map[importer.Column]roadmapv1.ImportField{
	importer.ColNumber: roadmapv1.ImportField_IMPORT_FIELD_NUMBER, importer.ColStage: roadmapv1.ImportField_IMPORT_FIELD_STAGE,
	importer.ColMeasure: roadmapv1.ImportField_IMPORT_FIELD_MEASURE, importer.ColResult: roadmapv1.ImportField_IMPORT_FIELD_RESULT,
	importer.ColDeadline: roadmapv1.ImportField_IMPORT_FIELD_DEADLINE, importer.ColResponsible: roadmapv1.ImportField_IMPORT_FIELD_RESPONSIBLE,
	importer.ColTask: roadmapv1.ImportField_IMPORT_FIELD_TASK, importer.ColIgnore: roadmapv1.ImportField_IMPORT_FIELD_IGNORE,
}

var columnSources = map[importer.Source]roadmapv1.ImportColumnSource{
	importer.SourceHeader: roadmapv1.ImportColumnSource_IMPORT_COLUMN_SOURCE_HEADER, importer.SourceContent: roadmapv1.ImportColumnSource_IMPORT_COLUMN_SOURCE_CONTENT,
	importer.SourceMapping: roadmapv1.ImportColumnSource_IMPORT_COLUMN_SOURCE_MAPPING,
}

var importPlaces = map[importer.Place]roadmapv1.ImportPlace{
	importer.PlaceTitle: roadmapv1.ImportPlace_IMPORT_PLACE_TITLE, importer.PlaceGoal: roadmapv1.ImportPlace_IMPORT_PLACE_GOAL,
	importer.PlaceApproval: roadmapv1.ImportPlace_IMPORT_PLACE_APPROVAL, importer.PlaceHeader: roadmapv1.ImportPlace_IMPORT_PLACE_HEADER,
	importer.PlaceStage: roadmapv1.ImportPlace_IMPORT_PLACE_STAGE, importer.PlaceStageText: roadmapv1.ImportPlace_IMPORT_PLACE_STAGE_TEXT,
	importer.PlaceItem: roadmapv1.ImportPlace_IMPORT_PLACE_ITEM, importer.PlaceSubPoint: roadmapv1.ImportPlace_IMPORT_PLACE_SUB_POINT,
	importer.PlaceResult: roadmapv1.ImportPlace_IMPORT_PLACE_RESULT, importer.PlaceDeadline: roadmapv1.ImportPlace_IMPORT_PLACE_DEADLINE,
	importer.PlaceResponsibl: roadmapv1.ImportPlace_IMPORT_PLACE_RESPONSIBLE, importer.PlaceSignature: roadmapv1.ImportPlace_IMPORT_PLACE_SIGNATURE,
	importer.PlaceNoise: roadmapv1.ImportPlace_IMPORT_PLACE_NOISE, importer.PlaceUnplaced: roadmapv1.ImportPlace_IMPORT_PLACE_UNPLACED,
	importer.PlaceNotRead: roadmapv1.ImportPlace_IMPORT_PLACE_NOT_READ,
}

// columnMapping reads the request's mapping: 1-based columns to fields.
func columnMapping(in []*roadmapv1.ImportColumnMapping) map[int]importer.Column {
	if len(in) == 0 {
		return nil
	}
	out := map[int]importer.Column{}
	for _, m := range in {
		for c, f := range importFields {
			if f == m.GetField() {
				out[int(m.GetColumn())-1] = c
			}
		}
	}
	return out
}

// columnReport lists every column: what it was taken for and how, or that
// no field took it.
func columnReport(res importer.Result) []*roadmapv1.ImportColumn {
	byIndex := map[int]*roadmapv1.ImportColumn{}
	for c, i := range res.Columns {
		byIndex[i] = &roadmapv1.ImportColumn{Column: int32(i + 1), Field: importFields[c], Source: columnSources[res.Sources[c]]}
	}
	for _, i := range res.Unplaced {
		byIndex[i] = &roadmapv1.ImportColumn{Column: int32(i + 1)}
	}
	for i, h := range res.Headers {
		if c, ok := byIndex[i]; ok {
			c.Header = h
		}
	}
	var out []*roadmapv1.ImportColumn
	for i := 0; i < 64; i++ {
		if c, ok := byIndex[i]; ok {
			out = append(out, c)
		}
	}
	return out
}

// ImportRoadmap implements RoadmapService.
func (s *Server) ImportRoadmap(ctx context.Context, req *roadmapv1.ImportRoadmapRequest) (*roadmapv1.ImportRoadmapResponse, error) {
	p, err := identity.Caller(ctx)
	if err != nil {
		return nil, err
	}
	var ve validation.Error
	period := schedule.Period{Start: parseDate("period_start", req.GetPeriodStart(), &ve), End: parseDate("period_end", req.GetPeriodEnd(), &ve)}
	if period.Start.IsZero() != period.End.IsZero() {
		ve.Add("period_end", validation.New("period_both"))
	}
	if err := ve.Err(); err != nil {
		return nil, err
	}
	owner, err := s.writableOwner(ctx, p, req.GetOwner())
	if err != nil {
		return nil, validation.Prefixed("owner", err)
	}
	var res importer.Result
	opts := importer.Options{Period: period, Mapping: columnMapping(req.GetColumnMapping())}
	if read, ok := importFormats[req.GetFormat()]; ok {
		rows, err := read(req.GetContent())
		if err != nil {
			return nil, validation.Field("content", err)
		}
		res = importer.Rebuild(rows, opts)
	} else {
		if !validUTF8(req.GetContent()) {
			return nil, validation.Field("content", validation.New("tsv_utf8"))
		}
		res = importer.ParseTSV(string(req.GetContent()), opts)
	}
	r := fromImport(res.Roadmap, owner, req.GetTitle())
	resp := &roadmapv1.ImportRoadmapResponse{Columns: map[string]int32{}, ColumnReport: columnReport(res), DocumentOwner: res.Owner}
	for c, i := range res.Columns {
		resp.Columns[c.String()] = int32(i + 1)
	}
	if res.PeriodReason.Code != "" {
		resp.ProposedPeriodStart, resp.ProposedPeriodEnd = dates.Format(res.Proposed.Start), dates.Format(res.Proposed.End)
		resp.PeriodReason = notesToProto([]validation.Problem{res.PeriodReason})[0]
	}
	for _, row := range res.Rows {
		pr := &roadmapv1.ImportRowReport{Row: int32(row.Row), Outcome: rowOutcomes[row.Outcome], Ref: row.Ref,
			Note: row.Note(), Notes: notesToProto(row.Notes)}
		for _, p := range row.Placements {
			pr.Placements = append(pr.Placements, &roadmapv1.ImportPlacement{Place: importPlaces[p.Place], Ref: p.Ref, Column: int32(p.Column)})
		}
		resp.Rows = append(resp.Rows, pr)
	}
	for _, st := range r.Stages {
		for _, it := range st.Items {
			if !it.Schedule.Understood {
				resp.DeadlinesNotUnderstood = append(resp.DeadlinesNotUnderstood, it.Number)
			}
		}
	}
	if len(r.Stages) == 0 {
		return nil, validation.Field("content", validation.New("no_roadmap"))
	}
	if err := r.Validate(); err != nil {
		return nil, err
	}
	if req.GetDryRun() {
		resp.Roadmap = roadmapToProto(r, s.now(), true)
		return resp, nil
	}
	r, err = s.store.Create(ctx, p.AccountID, req.GetRequestId(), r)
	if err != nil {
		return nil, err
	}
	resp.Roadmap, resp.Saved = roadmapToProto(r, s.now(), true), true
	return resp, nil
}

func validUTF8(b []byte) bool { return strings.ToValidUTF8(string(b), "\uFFFD") == string(b) }

// fromImport turns an imported roadmap into the domain's; imported numbers
// give the depth of each item.
func fromImport(in importer.Roadmap, owner domain.Owner, title string) domain.Roadmap {
	// Cleaned as the same texts typed into a form are (grpcserver's nameFields and textFields).
	name, text := validation.CleanName, validation.CleanText
	r := domain.Roadmap{Owner: owner, Title: name(in.Title), Goal: text(in.Goal), Period: in.Period, Targets: []domain.Target{}}
	if r.Title == "" {
		r.Title = title
	}
	if r.Title == "" {
		r.Title = "Дорожная карта: " + owner.Name
	}
	for _, t := range in.Targets {
		r.Targets = append(r.Targets, domain.Target{Year: t.Year, Percent: t.Percent})
	}
	for _, st := range in.Stages {
		ds := domain.Stage{Number: st.Number, Title: name(st.Title), Task: text(st.Task), Result: text(st.Result)}
		for _, it := range st.Items {
			ds.Items = append(ds.Items, domain.Item{
				Number: it.Number, Depth: max(strings.Count(it.Number, "."), 1), Measure: text(it.Measure), ResultForm: text(it.ResultForm),
				DeadlineText: text(it.DeadlineText), Responsible: text(it.Responsible), Schedule: it.Schedule,
				Occurrences: domain.Occurrences(it.Schedule, in.Period, nil),
			})
		}
		r.Stages = append(r.Stages, ds)
	}
	return r
}
