package idempotency

import (
	"slices"

	indicatorsv1 "github.com/nastavnik/nastavnik/proto/gen/nastavnik/indicators/v1"
	registryv1 "github.com/nastavnik/nastavnik/proto/gen/nastavnik/registry/v1"
	roadmapv1 "github.com/nastavnik/nastavnik/proto/gen/nastavnik/roadmap/v1"
)

// The methods that take an idempotency key, per service, in one place: each
// service records the keys of its own (service.Spec.Idempotent), the
// gateway's pages send a form's key only to them (Keyed), and the OpenAPI
// document names the Idempotency-Key header on their operations.
var (
	// RegistryMethods are the creates of regions, municipalities,
	// organisations and accounts.
	RegistryMethods = []string{
		registryv1.RegionService_CreateRegion_FullMethodName,
		registryv1.MunicipalityService_CreateMunicipality_FullMethodName,
		registryv1.OrganisationService_CreateOrganisation_FullMethodName,
		registryv1.AccountService_CreateAccount_FullMethodName,
	}
	// IndicatorsMethods are the create of a campaign and a report's create,
	// save, submit, accept, return and reopen.
	IndicatorsMethods = []string{
		indicatorsv1.CampaignService_CreateCampaign_FullMethodName,
		indicatorsv1.ReportService_CreateReport_FullMethodName,
		indicatorsv1.ReportService_SaveReport_FullMethodName,
		indicatorsv1.ReportService_SubmitReport_FullMethodName,
		indicatorsv1.ReportService_AcceptReport_FullMethodName,
		indicatorsv1.ReportService_ReturnReport_FullMethodName,
		indicatorsv1.ReportService_ReopenReport_FullMethodName,
	}
	// RoadmapMethods are every write of a roadmap but the cascade (which
	// writes each school's roadmap in a transaction of its own): its create
	// and import, its stages and items, and the marks of occurrences.
	RoadmapMethods = []string{
		roadmapv1.RoadmapService_CreateRoadmap_FullMethodName,
		roadmapv1.RoadmapService_ImportRoadmap_FullMethodName,
		roadmapv1.RoadmapService_UpdateRoadmap_FullMethodName,
		roadmapv1.RoadmapService_RenumberRoadmap_FullMethodName,
		roadmapv1.RoadmapService_CreateStage_FullMethodName,
		roadmapv1.RoadmapService_UpdateStage_FullMethodName,
		roadmapv1.RoadmapService_CreateItem_FullMethodName,
		roadmapv1.RoadmapService_UpdateItem_FullMethodName,
		roadmapv1.RoadmapService_MoveItem_FullMethodName,
		roadmapv1.RoadmapService_DeleteItem_FullMethodName,
		roadmapv1.RoadmapService_MarkOccurrence_FullMethodName,
	}
)

// keyed is every method of the lists above.
var keyed = func() map[string]bool {
	m := map[string]bool{}
	for _, l := range [][]string{RegistryMethods, IndicatorsMethods, RoadmapMethods} {
		for _, name := range l {
			m[name] = true
		}
	}
	return m
}()

// Keyed reports whether a method (its full name, /package.Service/Method)
// takes an idempotency key.
func Keyed(fullMethod string) bool { return keyed[fullMethod] }

// Methods are the full names of every method that takes a key, sorted.
func Methods() []string {
	out := make([]string, 0, len(keyed))
	for m := range keyed {
		out = append(out, m)
	}
	slices.Sort(out)
	return out
}
