// Command seed loads the demo data of `make run` through the services' real
// APIs: the regions and municipalities of the demo, their organisations
// through the CSV importer, demo roadmaps through the roadmap importer, and
// the monitoring campaigns of 2023–2026 with their reports. Loading twice
// changes nothing: regions and municipalities are created idempotently, the
// import reports every row unchanged, and campaigns and reports are checked
// before anything is written.
package main

import (
	"context"
	"embed"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"time"

	"github.com/google/uuid"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"

	"github.com/nastavnik/nastavnik/platform/identity"
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

// demoAccount is an account of the demo, one per role but the operator, whom
// registry-admin creates.
type demoAccount struct {
	role     registryv1.Role
	login    string
	name     string
	password string
	// scope: a region code, or how to find the municipality or organisation
	region, municipality, organisation string
}

var demoAccounts = []demoAccount{
	{role: registryv1.Role_ROLE_REGIONAL, login: "regional", name: "Региональный центр наставничества (демо)",
		password: "Krai-24-centre", region: "24"},
	{role: registryv1.Role_ROLE_METHODOLOGIST, login: "methodologist", name: "Методист МКУ КИМЦ (демо)",
		password: "Kimc-Krsk-2026", municipality: "городской округ город Красноярск"},
	{role: registryv1.Role_ROLE_CURATOR, login: "curator", name: "Куратор МАОУ СШ № 150 (демо)",
		password: "School-150-mentor", municipality: "городской округ город Красноярск", organisation: "МАОУ СШ № 150"},
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
	key, err := identity.ParseKey(os.Getenv("IDENTITY_KEY"))
	if err != nil {
		return fmt.Errorf("IDENTITY_KEY %w", err)
	}
	signer, err := identity.NewSigner(key)
	if err != nil {
		return err
	}
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()),
		signer.DialOption(Loader))
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
	if err := loadAccounts(ctx, conn); err != nil {
		return err
	}
	rmAddr := os.Getenv("ROADMAP_ADDR")
	if rmAddr == "" {
		rmAddr = "127.0.0.1:9102"
	}
	rm, err := grpc.NewClient(rmAddr, grpc.WithTransportCredentials(insecure.NewCredentials()), signer.DialOption(Loader))
	if err != nil {
		return err
	}
	defer rm.Close()
	rs, err := loadRoadmaps(ctx, conn, rm, time.Now())
	if err != nil {
		return err
	}
	fmt.Printf("demo roadmaps: %d roadmaps, %d occurrences marked now, handed down to %d organisations\n", rs.roadmaps, rs.marked, rs.cascaded)
	indAddr := os.Getenv("INDICATORS_ADDR")
	if indAddr == "" {
		indAddr = "127.0.0.1:9103"
	}
	ind, err := grpc.NewClient(indAddr, grpc.WithTransportCredentials(insecure.NewCredentials()), signer.DialOption(Loader))
	if err != nil {
		return err
	}
	defer ind.Close()
	cs, err := loadCampaigns(ctx, conn, ind, time.Now())
	if err != nil {
		return err
	}
	fmt.Printf("demo campaigns: %d (%d created, %d closed now), %d archive reports imported, %d changes in the open campaign\n",
		cs.campaigns, cs.created, cs.closed, cs.imported, cs.changes)
	fmt.Println("demo accounts:")
	if pw := os.Getenv("OPERATOR_PASSWORD"); pw != "" {
		fmt.Printf("  operator       login: %-14s password: %s\n", "operator", pw)
	}
	for _, a := range demoAccounts {
		fmt.Printf("  %-14s login: %-14s password: %s\n", strings.ToLower(strings.TrimPrefix(a.role.String(), "ROLE_")), a.login, a.password)
	}
	return nil
}

// Loader is the identity the demo loader acts as: an operator that is no
// account, signed with the deployment's identity key.
var Loader = identity.Principal{Login: "demo-loader", Bindings: []identity.Binding{{Role: identity.Operator}}}

// loadAccounts creates the demo accounts that are missing.
func loadAccounts(ctx context.Context, conn grpc.ClientConnInterface) error {
	muns := registryv1.NewMunicipalityServiceClient(conn)
	orgs := registryv1.NewOrganisationServiceClient(conn)
	accounts := registryv1.NewAccountServiceClient(conn)
	for _, a := range demoAccounts {
		scope := a.region
		if a.municipality != "" {
			ml, err := muns.ListMunicipalities(ctx, &registryv1.ListMunicipalitiesRequest{Query: a.municipality})
			if err != nil || len(ml.GetMunicipalities()) != 1 {
				return fmt.Errorf("demo account %s: municipality %q: %v", a.login, a.municipality, err)
			}
			scope = ml.GetMunicipalities()[0].GetId()
			if a.organisation != "" {
				ol, err := orgs.ListOrganisations(ctx, &registryv1.ListOrganisationsRequest{Municipality: scope, Query: a.organisation})
				if err != nil || len(ol.GetOrganisations()) == 0 {
					return fmt.Errorf("demo account %s: organisation %q: %v", a.login, a.organisation, err)
				}
				scope = ol.GetOrganisations()[0].GetId()
			}
		}
		_, err := accounts.CreateAccount(ctx, &registryv1.CreateAccountRequest{
			Account: &registryv1.Account{Login: a.login, Name: a.name,
				Roles: []*registryv1.RoleBinding{{Role: a.role, Scope: scope}}},
			Password: a.password,
		})
		if err != nil && status.Code(err) != codes.AlreadyExists {
			return fmt.Errorf("demo account %s: %w", a.login, err)
		}
	}
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
