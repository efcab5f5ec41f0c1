package server

import (
	"fmt"
	"sort"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/nastavnik/nastavnik/platform/dates"
	"github.com/nastavnik/nastavnik/platform/validation"
	indicatorsv1 "github.com/nastavnik/nastavnik/proto/gen/nastavnik/indicators/v1"
	"github.com/nastavnik/nastavnik/services/indicators/internal/domain"
	"github.com/nastavnik/nastavnik/services/indicators/internal/form"
	"github.com/nastavnik/nastavnik/services/indicators/internal/rules"
)

func ts(t time.Time) *timestamppb.Timestamp {
	if t.IsZero() {
		return nil
	}
	return timestamppb.New(t)
}

func formToProto(f form.Form) *indicatorsv1.Form {
	out := &indicatorsv1.Form{Code: f.Code, Version: int32(f.Version), Title: f.Title, Status: indicatorsv1.FormStatus(f.Status),
		Share: f.Share, Revision: f.Revision, PublishTime: ts(f.PublishTime), UpdateTime: ts(f.UpdateTime)}
	for _, s := range f.Sections {
		ps := &indicatorsv1.Section{Code: s.Code, Title: s.Title}
		for _, fl := range s.Fields {
			ps.Fields = append(ps.Fields, &indicatorsv1.Field{Code: fl.Code, Label: fl.Label, Help: fl.Help,
				Type: indicatorsv1.FieldType(fl.Type), Min: fl.Min, Max: fl.Max, Required: fl.Required, CarryOver: fl.CarryOver})
		}
		out.Sections = append(out.Sections, ps)
	}
	for _, r := range f.Rules {
		out.Rules = append(out.Rules, &indicatorsv1.Rule{Code: r.Code, Expression: r.Expression,
			Severity: indicatorsv1.Severity(r.Severity), Message: r.Message, Fields: r.Fields})
	}
	return out
}

func formFromProto(p *indicatorsv1.Form) form.Form {
	f := form.Form{Code: p.GetCode(), Version: int(p.GetVersion()), Title: p.GetTitle(), Share: p.GetShare(), Revision: p.GetRevision()}
	for _, ps := range p.GetSections() {
		s := form.Section{Code: ps.GetCode(), Title: ps.GetTitle()}
		for _, fl := range ps.GetFields() {
			s.Fields = append(s.Fields, form.Field{Code: fl.GetCode(), Label: fl.GetLabel(), Help: fl.GetHelp(),
				Type: form.FieldType(fl.GetType()), Min: fl.GetMin(), Max: fl.GetMax(), Required: fl.GetRequired(), CarryOver: fl.GetCarryOver()})
		}
		f.Sections = append(f.Sections, s)
	}
	for _, r := range p.GetRules() {
		f.Rules = append(f.Rules, form.Rule{Code: r.GetCode(), Expression: r.GetExpression(),
			Severity: form.Severity(r.GetSeverity()), Message: r.GetMessage(), Fields: r.GetFields()})
	}
	return f
}

func campaignToProto(c domain.Campaign) *indicatorsv1.Campaign {
	return &indicatorsv1.Campaign{Id: c.ID, Name: c.Name, Year: int32(c.Year), FormCode: c.FormCode, FormVersion: int32(c.FormVersion),
		MunicipalityId: c.MunicipalityID, RegionCode: c.RegionCode, Deadline: dates.Format(c.Deadline),
		OpenedOn: dates.Format(c.OpenedOn), Status: indicatorsv1.CampaignStatus(c.Status), ExpectedCount: int32(c.ExpectedCount),
		Version: c.Version, CreateTime: ts(c.CreateTime), CloseTime: ts(c.CloseTime),
		ReminderDays: c.ReminderDays, ReminderTime: c.ReminderTime}
}

func expectedToProto(e domain.Expected, state domain.State, late bool, submit time.Time) *indicatorsv1.ExpectedOrganisation {
	out := &indicatorsv1.ExpectedOrganisation{OrganisationId: e.ID, ShortName: e.ShortName, FullName: e.FullName,
		MunicipalityId: e.MunicipalityID, RegionCode: e.RegionCode, TimeZone: e.TimeZone, Deadline: dates.Format(e.Deadline),
		State: indicatorsv1.ReportState(state), Late: late, SubmitTime: ts(submit), ReportId: e.ReportID,
		AddedOn: dates.Format(e.AddedOn), DroppedOn: dates.Format(e.DroppedOn)}
	if end, err := domain.DeadlineEnd(e.Deadline, e.TimeZone); err == nil {
		out.DeadlineTime = ts(end)
	}
	for _, x := range e.Extensions {
		out.Extensions = append(out.Extensions, &indicatorsv1.Extension{Deadline: dates.Format(x.Deadline), Reason: x.Reason,
			AccountId: x.Actor.AccountID, Login: x.Actor.Login, CreateTime: ts(x.CreateTime)})
	}
	return out
}

func valueToProto(v form.Value) *indicatorsv1.Value {
	switch v.Type {
	case form.Count:
		return &indicatorsv1.Value{Kind: &indicatorsv1.Value_Count{Count: v.Count}}
	case form.YesNo:
		return &indicatorsv1.Value{Kind: &indicatorsv1.Value_YesNo{YesNo: &indicatorsv1.YesNo{Yes: v.Yes,
			Reference: &indicatorsv1.Reference{Number: v.Ref.Number, Date: v.Ref.Date, Link: v.Ref.Link}}}}
	}
	return &indicatorsv1.Value{Kind: &indicatorsv1.Value_Text{Text: v.Text}}
}

// valuesFromProto reads the values of a save or check against the form: each
// names a field of the form and has its type. Violations name
// values[<code>].
func valuesFromProto(f form.Form, in map[string]*indicatorsv1.Value, allowClear bool) (domain.Change, error) {
	c := domain.Change{Set: map[string]form.Value{}}
	ve := &validation.Error{}
	codes := make([]string, 0, len(in))
	for k := range in {
		codes = append(codes, k)
	}
	sort.Strings(codes)
	for _, code := range codes {
		pv := in[code]
		path := fmt.Sprintf("values[%s]", code)
		fl, ok := f.Field(code)
		if !ok {
			ve.Add(path, validation.NotFound("field"))
			continue
		}
		var v form.Value
		switch k := pv.GetKind().(type) {
		case *indicatorsv1.Value_Count:
			v = form.Value{Type: form.Count, Count: k.Count}
		case *indicatorsv1.Value_YesNo:
			ref := k.YesNo.GetReference()
			v = form.Value{Type: form.YesNo, Yes: k.YesNo.GetYes(),
				Ref: form.Reference{Number: ref.GetNumber(), Date: ref.GetDate(), Link: ref.GetLink()}}
		case *indicatorsv1.Value_Text:
			v = form.Value{Type: form.Text, Text: k.Text}
		case *indicatorsv1.Value_Clear:
			if !allowClear || !k.Clear {
				ve.Add(path, validation.New("clear_misuse"))
				continue
			}
			c.Clear = append(c.Clear, code)
			continue
		default:
			ve.Add(path, validation.New("value_missing"))
			continue
		}
		if err := fl.Check(v); err != nil {
			ve.Add(path, err)
			continue
		}
		c.Set[code] = v
	}
	return c, ve.Err()
}

func violationsToProto(vs []rules.Violation) []*indicatorsv1.Violation {
	out := []*indicatorsv1.Violation{}
	for _, v := range vs {
		out = append(out, &indicatorsv1.Violation{Rule: v.Rule, Severity: indicatorsv1.Severity(v.Severity),
			Message: v.Message, Fields: v.Fields})
	}
	return out
}

func reportToProto(r domain.Report, vs []rules.Violation) *indicatorsv1.Report {
	out := &indicatorsv1.Report{Id: r.ID, CampaignId: r.CampaignID, OrganisationId: r.Organisation.ID,
		OrganisationName: r.Organisation.ShortName, MunicipalityId: r.Organisation.MunicipalityID, RegionCode: r.Organisation.RegionCode,
		FormCode: r.FormCode, FormVersion: int32(r.FormVersion), Status: indicatorsv1.ReportStatus(r.Status),
		Values: make(map[string]*indicatorsv1.Value, len(r.Values)), CarriedOver: r.CarriedOver, ReturnComment: r.ReturnComment,
		Remarks: r.Remarks, Late: r.Late, SubmitTime: ts(r.SubmitTime), Deadline: dates.Format(r.Deadline),
		TimeZone: r.Organisation.TimeZone, ReopenReason: r.ReopenReason, Version: r.Version,
		CreateTime: ts(r.CreateTime), UpdateTime: ts(r.UpdateTime)}
	if end, err := domain.DeadlineEnd(r.Deadline, r.Organisation.TimeZone); err == nil {
		out.DeadlineTime = ts(end)
	}
	for k, v := range r.Values {
		out.Values[k] = valueToProto(v)
	}
	if vs != nil {
		out.Violations = violationsToProto(vs)
	}
	return out
}
