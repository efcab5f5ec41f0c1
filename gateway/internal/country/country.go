// Package country generates a reproducible country — regions with their
// real time zones, municipalities, organisations of every kind, accounts,
// years of monitoring campaigns with their reports, and municipal roadmaps
// with recurring items — and loads it through the services' own bulk paths
// over gRPC: the registry's organisation import, the indicators service's
// ImportReports, the roadmap importer. The same seed and scale give the same
// country. cmd/country runs it; the country-scale benchmarks and a test of
// the gateway use it too.
package country

import (
	"context"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/google/uuid"
	"golang.org/x/sync/errgroup"
	"google.golang.org/grpc"
)

// Config is the country to make.
type Config struct {
	// Seed fixes every name, figure and time: the same seed and scale give
	// the same country.
	Seed uint64
	// Organisations in the country (45,000 by default).
	Organisations int
	// Regions: the first ones of the 89, spread over the list (89 by default).
	Regions int
	// Municipalities: 0 makes one per ~20 organisations (2,300 at 45,000),
	// at least one per region.
	Municipalities int
	// Years of campaigns ending with the current one (5 by default): the
	// current year is the last whose campaign opened (1 October) by Now.
	Years int
	// CuratorEvery: a curator account for every n-th organisation; 0 or
	// less, none (cmd/country's default is 50).
	CuratorEvery int
	// Password of every generated account.
	Password string
	// Workers: concurrent calls (4 by default).
	Workers int
	// Now is the load's "now" (time.Now by default).
	Now time.Time
	// Progress receives the progress bar (nil: none).
	Progress io.Writer
	// Skip leaves out phases by name: "accounts", "roadmaps", "close".
	Skip map[string]bool
}

func (c *Config) defaults() {
	if c.Organisations <= 0 {
		c.Organisations = 45000
	}
	if c.Regions <= 0 || c.Regions > len(regions) {
		c.Regions = len(regions)
	}
	if c.Municipalities <= 0 {
		c.Municipalities = int(math.Ceil(float64(c.Organisations) * 2300 / 45000))
	}
	c.Municipalities = max(c.Municipalities, c.Regions)
	if c.Years <= 0 {
		c.Years = 5
	}
	if c.Password == "" {
		c.Password = "Country-2026-pass"
	}
	if c.Workers <= 0 {
		c.Workers = 4
	}
	if c.Now.IsZero() {
		c.Now = time.Now()
	}
}

// Conns are the services' connections, each calling as an operator.
type Conns struct {
	Registry, Indicators, Roadmap grpc.ClientConnInterface
}

// Stats is what a load made, and how long each phase took.
type Stats struct {
	Regions, Municipalities, Organisations int
	Accounts                               int
	Campaigns, ClosedCampaigns             int
	Reports                                int
	// ReportsByYear counts the reports by year and final status
	// ("accepted", "submitted", "returned", "draft").
	ReportsByYear map[int]map[string]int
	Roadmaps      int
	RoadmapItems  int
	Phases        []Phase
	Total         time.Duration
}

// Phase is a phase of the load with its time and count.
type Phase struct {
	Name  string
	Count int
	Took  time.Duration
}

// Country is a generated country: what the load made, with the ids the
// services gave.
type Country struct {
	cfg     Config
	rng     *rand.Rand
	Regions []Region
	// CurrentYear is the year of the open campaigns.
	CurrentYear int
}

// Region is a generated region.
type Region struct {
	Code, Name, TimeZone string
	Municipalities       []*Municipality
}

// Municipality is a generated municipality.
type Municipality struct {
	ID, Name, RegionCode string
	Organisations        []*Organisation
	// Campaigns by year.
	Campaigns map[int]string
}

// Organisation is a generated organisation; ID is the registry's.
type Organisation struct {
	ID, INN, ShortName, FullName, Kind, TimeZone string
}

// plan makes the country's regions, municipalities and organisations from
// the seed, before anything is loaded.
func plan(cfg Config) *Country {
	c := &Country{cfg: cfg, rng: rand.New(rand.NewPCG(cfg.Seed, 0x6e617374))}
	c.CurrentYear = cfg.Now.Year()
	if cfg.Now.Before(time.Date(cfg.Now.Year(), 10, 1, 0, 0, 0, 0, time.UTC)) {
		c.CurrentYear--
	}
	// Regions spread over the list, so a small country still spans zones.
	picked := make([]region, cfg.Regions)
	for i := range picked {
		picked[i] = regions[i*len(regions)/cfg.Regions]
	}
	var weights float64
	for _, r := range picked {
		weights += r.weight
	}
	orgsLeft, munsLeft := cfg.Organisations, cfg.Municipalities
	for i, r := range picked {
		orgs := int(math.Round(float64(cfg.Organisations) * r.weight / weights))
		muns := max(1, int(math.Round(float64(cfg.Municipalities)*r.weight/weights)))
		if i == len(picked)-1 {
			orgs, muns = max(orgsLeft, 1), max(munsLeft, 1)
		}
		orgs, muns = min(max(orgs, muns), max(orgsLeft, 1)), min(muns, max(munsLeft-(len(picked)-1-i), 1))
		orgsLeft, munsLeft = orgsLeft-orgs, munsLeft-muns
		c.Regions = append(c.Regions, c.planRegion(r, orgs, muns))
	}
	return c
}

func (c *Country) planRegion(r region, orgs, muns int) Region {
	out := Region{Code: r.code, Name: r.name, TimeZone: r.zone}
	seen := map[string]bool{}
	inn := 0
	for m := range muns {
		var name string
		switch {
		case m == 0:
			name = "городской округ — административный центр"
		default:
			adj := munNames[c.rng.IntN(len(munNames))]
			name = adj + " муниципальный район"
			if c.rng.IntN(3) == 0 {
				name = adj + " муниципальный округ"
			}
			if seen[name] {
				name = fmt.Sprintf("%s (%d)", name, m)
			}
		}
		seen[name] = true
		out.Municipalities = append(out.Municipalities, &Municipality{Name: name, RegionCode: r.code, Campaigns: map[int]string{}})
	}
	// The organisations: the capital takes a larger share, the rest vary.
	shares := make([]float64, muns)
	var total float64
	for i := range shares {
		shares[i] = 0.5 + c.rng.Float64()
		if i == 0 {
			shares[i] = 3
		}
		total += shares[i]
	}
	left := orgs
	for i, m := range out.Municipalities {
		n := max(1, int(math.Round(float64(orgs)*shares[i]/total)))
		if i == muns-1 {
			n = max(left, 1)
		}
		n = min(n, max(left-(muns-1-i), 1))
		left -= n
		counts := map[string]int{}
		for range n {
			inn++
			m.Organisations = append(m.Organisations, c.organisation(r, m, inn, counts))
		}
	}
	return out
}

// Kinds of organisations, as the registry's import reads them, with their
// shares: schools, colleges, additional education.
const (
	kindSchool     = "ОУ"
	kindCollege    = "СПО"
	kindAdditional = "ДО"
)

func (c *Country) organisation(r region, _ *Municipality, seq int, counts map[string]int) *Organisation {
	o := &Organisation{INN: inn(r.code, seq), TimeZone: r.zone}
	k := c.rng.Float64()
	switch {
	case k < 0.80:
		o.Kind = kindSchool
	case k < 0.88:
		o.Kind = kindCollege
	default:
		o.Kind = kindAdditional
	}
	counts[o.Kind]++
	n := counts[o.Kind]
	switch o.Kind {
	case kindSchool:
		switch c.rng.IntN(10) {
		case 0:
			o.ShortName, o.FullName = fmt.Sprintf("МАОУ Гимназия № %d", n), fmt.Sprintf("Муниципальное автономное общеобразовательное учреждение «Гимназия № %d»", n)
		case 1:
			o.ShortName, o.FullName = fmt.Sprintf("МАОУ Лицей № %d", n), fmt.Sprintf("Муниципальное автономное общеобразовательное учреждение «Лицей № %d»", n)
		case 2, 3:
			o.ShortName, o.FullName = fmt.Sprintf("МКОУ ООШ № %d", n), fmt.Sprintf("Муниципальное казённое общеобразовательное учреждение «Основная общеобразовательная школа № %d»", n)
		default:
			o.ShortName, o.FullName = fmt.Sprintf("МБОУ СОШ № %d", n), fmt.Sprintf("Муниципальное бюджетное общеобразовательное учреждение «Средняя общеобразовательная школа № %d»", n)
		}
	case kindCollege:
		what := []string{"педагогический", "технический", "медицинский", "аграрный", "политехнический", "индустриальный"}[c.rng.IntN(6)]
		o.ShortName = fmt.Sprintf("ГБПОУ «%s колледж № %d»", what, n)
		o.FullName = fmt.Sprintf("Государственное бюджетное профессиональное образовательное учреждение «%s колледж № %d»", what, n)
	default:
		what := []string{"Дом детского творчества", "Центр дополнительного образования", "Детско-юношеская спортивная школа", "Станция юных техников"}[c.rng.IntN(4)]
		o.ShortName = fmt.Sprintf("МБУ ДО «%s № %d»", what, n)
		o.FullName = fmt.Sprintf("Муниципальное бюджетное учреждение дополнительного образования «%s № %d»", what, n)
	}
	return o
}

// inn is a valid ten-digit INN of a legal entity of the region: its tax
// office and serial from seq, and the check digit.
func inn(region string, seq int) string {
	s := fmt.Sprintf("%s%02d%05d", region, 1+seq/100000, seq%100000)
	weights := []int{2, 4, 10, 3, 5, 9, 4, 6, 8}
	sum := 0
	for i, w := range weights {
		sum += int(s[i]-'0') * w
	}
	return s + fmt.Sprint(sum%11%10)
}

// Load generates the country of cfg and loads it through conns.
func Load(ctx context.Context, conns Conns, cfg Config) (*Country, Stats, error) {
	cfg.defaults()
	start := time.Now()
	c := plan(cfg)
	st := Stats{ReportsByYear: map[int]map[string]int{}}
	phases := []struct {
		name string
		run  func(context.Context, Conns, *Stats) (int, error)
	}{
		{"regions and municipalities", c.loadMunicipalities},
		{"organisations", c.loadOrganisations},
		{"accounts", c.loadAccounts},
		{"campaigns", c.loadCampaigns},
		{"reports", c.loadReports},
		{"close", c.closeCampaigns},
		{"roadmaps", c.loadRoadmaps},
	}
	for _, p := range phases {
		if cfg.Skip[p.name] {
			continue
		}
		t0 := time.Now()
		n, err := p.run(ctx, conns, &st)
		if err != nil {
			return c, st, fmt.Errorf("%s: %w", p.name, err)
		}
		st.Phases = append(st.Phases, Phase{Name: p.name, Count: n, Took: time.Since(t0)})
	}
	st.Total = time.Since(start)
	return c, st, nil
}

// parallel runs fn for 0..n-1 on the configured workers with a progress bar
// (none when what is empty).
func (c *Country) parallel(ctx context.Context, what string, n int, fn func(ctx context.Context, i int) (int, error)) (int, error) {
	w := c.cfg.Progress
	if what == "" {
		w = nil
	}
	bar := newBar(w, what, n)
	defer bar.finish()
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(c.cfg.Workers)
	var (
		mu    sync.Mutex
		count int
	)
	for i := range n {
		g.Go(func() error {
			k, err := fn(ctx, i)
			if err != nil {
				return err
			}
			mu.Lock()
			count += k
			mu.Unlock()
			bar.add(1)
			return nil
		})
	}
	err := g.Wait()
	return count, err
}

// id is a request id fixed by the seed and key, so that a second load of
// the same country finds what the first made.
func (c *Country) id(key ...any) string {
	return uuid.NewSHA1(namespace, fmt.Appendf(nil, "%d/%v", c.cfg.Seed, key)).String()
}

var namespace = uuid.MustParse("0c1f6a52-52d4-4c8e-9d6b-5a0f3d7e2b41")

// municipalities lists every municipality of the country in order.
func (c *Country) municipalities() []*Municipality {
	var out []*Municipality
	for _, r := range c.Regions {
		out = append(out, r.Municipalities...)
	}
	return out
}

// Years lists the years of campaigns, oldest first.
func (c *Country) Years() []int {
	out := make([]int, c.cfg.Years)
	for i := range out {
		out[i] = c.CurrentYear - c.cfg.Years + 1 + i
	}
	return out
}
