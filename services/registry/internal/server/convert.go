package server

import (
	"time"

	"github.com/google/uuid"

	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/nastavnik/nastavnik/platform/dates"
	"github.com/nastavnik/nastavnik/platform/validation"
	registryv1 "github.com/nastavnik/nastavnik/proto/gen/nastavnik/registry/v1"
	"github.com/nastavnik/nastavnik/services/registry/internal/domain"
)

func ts(t time.Time) *timestamppb.Timestamp {
	if t.IsZero() {
		return nil
	}
	return timestamppb.New(t)
}

func regionToProto(r domain.Region) *registryv1.Region {
	return &registryv1.Region{
		Code: r.Code, Name: r.Name, TimeZone: r.TimeZone, Version: r.Version,
		CreateTime: ts(r.CreateTime), UpdateTime: ts(r.UpdateTime),
	}
}

func regionFromProto(p *registryv1.Region) domain.Region {
	return domain.Region{Code: p.GetCode(), Name: p.GetName(), TimeZone: p.GetTimeZone(), Version: p.GetVersion()}
}

func municipalityToProto(m domain.Municipality) *registryv1.Municipality {
	return &registryv1.Municipality{
		Id: m.ID, RegionCode: m.RegionCode, Name: m.Name, Kind: registryv1.MunicipalityKind(m.Kind),
		TimeZone: m.TimeZone, EffectiveTimeZone: m.EffectiveTimeZone, Oktmo: m.OKTMO, Version: m.Version,
		CreateTime: ts(m.CreateTime), UpdateTime: ts(m.UpdateTime),
	}
}

func municipalityFromProto(p *registryv1.Municipality) domain.Municipality {
	return domain.Municipality{
		ID: p.GetId(), RegionCode: p.GetRegionCode(), Name: p.GetName(), Kind: domain.MunicipalityKind(p.GetKind()),
		TimeZone: p.GetTimeZone(), OKTMO: p.GetOktmo(), Version: p.GetVersion(),
	}
}

func organisationToProto(o domain.Organisation) *registryv1.Organisation {
	return &registryv1.Organisation{
		Id: o.ID, MunicipalityId: o.MunicipalityID, RegionCode: o.RegionCode,
		FullName: o.FullName, ShortName: o.ShortName, Inn: o.INN, Kind: registryv1.OrganisationKind(o.Kind),
		TimeZone: o.TimeZone, EffectiveTimeZone: o.EffectiveTimeZone, Address: o.Address,
		Curator:  &registryv1.Curator{Name: o.Curator.Name, Email: o.Curator.Email, Phone: o.Curator.Phone},
		OpenedOn: dates.Format(o.OpenedOn), Status: registryv1.OrganisationStatus(o.Status()),
		ClosedOn: dates.Format(o.ClosedOn), ClosureReason: registryv1.ClosureReason(o.ClosureReason),
		SuccessorId: o.SuccessorID, Version: o.Version,
		CreateTime: ts(o.CreateTime), UpdateTime: ts(o.UpdateTime),
	}
}

// organisationFromProto reads the editable fields; a bad date is a field error.
func organisationFromProto(p *registryv1.Organisation) (domain.Organisation, error) {
	o := domain.Organisation{
		ID: p.GetId(), MunicipalityID: p.GetMunicipalityId(),
		FullName: p.GetFullName(), ShortName: p.GetShortName(), INN: p.GetInn(),
		Kind: domain.OrganisationKind(p.GetKind()), TimeZone: p.GetTimeZone(), Address: p.GetAddress(),
		Curator: domain.Curator{
			Name: p.GetCurator().GetName(), Email: p.GetCurator().GetEmail(), Phone: p.GetCurator().GetPhone(),
		},
		Version: p.GetVersion(),
	}
	d, err := dates.Parse(p.GetOpenedOn())
	if err != nil {
		return o, validation.Field("opened_on", validation.BadDate(p.GetOpenedOn()))
	}
	o.OpenedOn = d
	return o, nil
}

func isUUID(s string) bool {
	_, err := uuid.Parse(s)
	return err == nil
}
