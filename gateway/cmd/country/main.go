// Command country loads a reproducible country into running services (see
// package country): 89 regions, ~2,300 municipalities, 45,000 organisations,
// accounts, five years of campaigns and reports, and municipal roadmaps,
// through the services' own bulk paths over gRPC, with a progress bar on
// stderr. scripts/country.sh runs it against a fresh stack.
//
//	IDENTITY_KEY=… country -orgs 45000 -seed 1
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"slices"
	"strings"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/nastavnik/nastavnik/gateway/internal/country"
	"github.com/nastavnik/nastavnik/platform/identity"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "country:", err)
		os.Exit(1)
	}
}

// loader is the identity the load acts as: an operator that is no account,
// signed with the deployment's identity key.
var loader = identity.Principal{Login: "country-loader", Bindings: []identity.Binding{{Role: identity.Operator}}}

func run(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("country", flag.ContinueOnError)
	var cfg country.Config
	fs.Uint64Var(&cfg.Seed, "seed", 1, "seed: the same seed and scale give the same country")
	fs.IntVar(&cfg.Organisations, "orgs", 45000, "organisations in the country")
	fs.IntVar(&cfg.Regions, "regions", 89, "regions (1..89)")
	fs.IntVar(&cfg.Municipalities, "municipalities", 0, "municipalities (0: one per ~20 organisations)")
	fs.IntVar(&cfg.Years, "years", 5, "years of campaigns, ending with the current one")
	fs.IntVar(&cfg.CuratorEvery, "curator-every", 50, "a curator account for every n-th organisation (0: none)")
	fs.IntVar(&cfg.Workers, "workers", 4, "concurrent calls")
	fs.StringVar(&cfg.Password, "password", "Country-2026-pass", "password of every generated account")
	skip := fs.String("skip", "", "phases to leave out, comma-separated: accounts, close, roadmaps")
	registry := fs.String("registry", envOr("REGISTRY_ADDR", "127.0.0.1:9101"), "registry's gRPC address")
	roadmap := fs.String("roadmap", envOr("ROADMAP_ADDR", "127.0.0.1:9102"), "roadmap's gRPC address")
	indicators := fs.String("indicators", envOr("INDICATORS_ADDR", "127.0.0.1:9103"), "indicators' gRPC address")
	if err := fs.Parse(args); err != nil {
		return err
	}
	cfg.Skip = map[string]bool{}
	for _, s := range strings.Split(*skip, ",") {
		if s = strings.TrimSpace(s); s != "" {
			cfg.Skip[s] = true
		}
	}
	key, err := identity.ParseKey(os.Getenv("IDENTITY_KEY"))
	if err != nil {
		return fmt.Errorf("IDENTITY_KEY %w", err)
	}
	signer, err := identity.NewSigner(key)
	if err != nil {
		return err
	}
	var conns country.Conns
	for _, c := range []struct {
		addr string
		to   *grpc.ClientConnInterface
	}{{*registry, &conns.Registry}, {*roadmap, &conns.Roadmap}, {*indicators, &conns.Indicators}} {
		conn, err := grpc.NewClient(c.addr, grpc.WithTransportCredentials(insecure.NewCredentials()), signer.DialOption(loader),
			grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(64<<20)))
		if err != nil {
			return err
		}
		defer conn.Close()
		*c.to = conn
	}
	cfg.Progress = os.Stderr
	_, st, err := country.Load(ctx, conns, cfg)
	if err != nil {
		return err
	}
	fmt.Printf("country of seed %d loaded in %s: %d regions, %d municipalities, %d organisations, %d accounts, %d campaigns (%d closed), %d reports, %d roadmaps with %d items\n",
		cfg.Seed, st.Total.Round(time.Second), st.Regions, st.Municipalities, st.Organisations, st.Accounts, st.Campaigns, st.ClosedCampaigns,
		st.Reports, st.Roadmaps, st.RoadmapItems)
	for _, p := range st.Phases {
		rate := float64(p.Count) / max(p.Took.Seconds(), 1e-9)
		fmt.Printf("  %-28s %7d in %8s  %8.0f/s\n", p.Name, p.Count, p.Took.Round(100*time.Millisecond), rate)
	}
	var years []int
	for y := range st.ReportsByYear {
		years = append(years, y)
	}
	slices.Sort(years)
	for _, y := range years {
		s := st.ReportsByYear[y]
		fmt.Printf("  reports of %d: %d accepted, %d submitted, %d returned, %d drafts\n", y, s["accepted"], s["submitted"], s["returned"], s["draft"])
	}
	return nil
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}
