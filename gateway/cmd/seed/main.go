// Command seed loads the demo data of `make run` through the services' real
// APIs: the regions and municipalities of the demo, and their organisations
// through the CSV importer. Loading twice changes nothing: regions and
// municipalities are created idempotently and the import reports every row
// unchanged.
package main

import (
	"context"
	"embed"
	"fmt"
	"os"
	"os/signal"
	"time"

	"github.com/google/uuid"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	registryv1 "github.com/nastavnik/nastavnik/proto/gen/nastavnik/registry/v1"
)

//go:embed data/*.csv
var data embed.FS

type municipality struct {
	region string
	name   string
	kind   registryv1.MunicipalityKind
	file   string
}

var regions = []*registryv1.Region{
	{Code: "24", Name: "Красноярский край", TimeZone: "Asia/Krasnoyarsk"},
	{Code: "26", Name: "Ставропольский край", TimeZone: "Europe/Moscow"},
	{Code: "38", Name: "Иркутская область", TimeZone: "Asia/Irkutsk"},
	{Code: "39", Name: "Калининградская область", TimeZone: "Europe/Kaliningrad"},
	{Code: "41", Name: "Камчатский край", TimeZone: "Asia/Kamchatka"},
	{Code: "43", Name: "Кировская область", TimeZone: "Europe/Kirov"},
}

var municipalities = []municipality{
	{"24", "городской округ город Красноярск", registryv1.MunicipalityKind_MUNICIPALITY_KIND_URBAN_DISTRICT, "krasnoyarsk.csv"},
	{"43", "Тужинский муниципальный район", registryv1.MunicipalityKind_MUNICIPALITY_KIND_MUNICIPAL_DISTRICT, "tuzha.csv"},
	{"38", "городской округ город Иркутск", registryv1.MunicipalityKind_MUNICIPALITY_KIND_URBAN_DISTRICT, "irkutsk.csv"},
	{"26", "Советский муниципальный округ", registryv1.MunicipalityKind_MUNICIPALITY_KIND_MUNICIPAL_OKRUG, "zelenokumsk.csv"},
}

// namespace makes municipality request ids stable across runs.
var namespace = uuid.MustParse("5f0c6a1e-3b7d-4c59-9d0e-6a2f8b1c4d3e")

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "seed:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context) error {
	addr := os.Getenv("REGISTRY_ADDR")
	if addr == "" {
		addr = "127.0.0.1:9101"
	}
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return err
	}
	defer conn.Close()
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	s, err := load(ctx, conn)
	if err != nil {
		return err
	}
	fmt.Printf("demo data: %d regions, %d municipalities; organisations: %d created, %d updated, %d unchanged\n",
		len(regions), len(municipalities), s.created, s.updated, s.unchanged)
	return nil
}

// stats counts what a load did to organisations.
type stats struct{ created, updated, unchanged int32 }

// load creates the demo data that is missing and leaves the rest as it is.
func load(ctx context.Context, conn grpc.ClientConnInterface) (stats, error) {
	var s stats
	regionsClient := registryv1.NewRegionServiceClient(conn)
	for _, r := range regions {
		if _, err := regionsClient.CreateRegion(ctx, &registryv1.CreateRegionRequest{Region: r}); err != nil {
			return s, fmt.Errorf("region %s: %w", r.GetCode(), err)
		}
	}
	munClient := registryv1.NewMunicipalityServiceClient(conn)
	orgClient := registryv1.NewOrganisationServiceClient(conn)
	for _, m := range municipalities {
		resp, err := munClient.CreateMunicipality(ctx, &registryv1.CreateMunicipalityRequest{
			Municipality: &registryv1.Municipality{RegionCode: m.region, Name: m.name, Kind: m.kind},
			RequestId:    uuid.NewSHA1(namespace, []byte(m.region+"/"+m.name)).String(),
		})
		if err != nil {
			return s, fmt.Errorf("municipality %s: %w", m.name, err)
		}
		csv, err := data.ReadFile("data/" + m.file)
		if err != nil {
			return s, err
		}
		report, err := orgClient.ImportOrganisations(ctx, &registryv1.ImportOrganisationsRequest{
			MunicipalityId: resp.GetMunicipality().GetId(), Format: registryv1.ImportFormat_IMPORT_FORMAT_CSV, Content: csv,
		})
		if err != nil {
			return s, fmt.Errorf("organisations of %s: %w", m.name, err)
		}
		if !report.GetApplied() {
			return s, fmt.Errorf("organisations of %s: %d rows rejected: %v", m.name, report.GetRejected(), report.GetRows())
		}
		s.created += report.GetCreated()
		s.updated += report.GetUpdated()
		s.unchanged += report.GetUnchanged()
	}
	return s, nil
}
