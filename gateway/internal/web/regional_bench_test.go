package web

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/nastavnik/nastavnik/gateway/internal/auth"
	"github.com/nastavnik/nastavnik/platform/identity"
)

// bigRegional is a region of the country scale's largest size for the
// page's benchmark: 116 municipalities, 13 indicators, both years.
type bigRegional struct{ fakeRegional }

func (bigRegional) Region(_ context.Context, region string, year int) (RegionView, error) {
	var defs []IndicatorDef
	for i := range 13 {
		defs = append(defs, IndicatorDef{Code: fmt.Sprintf("i%02d", i), Name: fmt.Sprintf("Показатель наставничества № %d", i),
			Unit: "чел.", Share: i%3 == 0})
	}
	values := func(seed int) map[string]UnitValue {
		out := map[string]UnitValue{}
		for i, d := range defs {
			v := float64(seed*7+i) / 3
			out[d.Code] = UnitValue{IndicatorYear: IndicatorYear{Year: year, HasValue: true, Value: v, Contributors: 15 + seed%5, Expected: 20,
				HasTarget: i%2 == 0, Target: 10, Status: TargetStatus(1 + (seed+i)%2), HasChange: true, Change: 1.5, Comparable: i != 5},
				HasPrevious: true, Previous: v - 1.5}
		}
		return out
	}
	view := RegionView{Region: region, Name: "Московская область", Year: year, Indicators: defs,
		Total: UnitRow{ID: region, Counts: Counts{Expected: 2260, Accepted: 1500, Submitted: 300, Missing: 460}, Values: values(0)}}
	for m := range 116 {
		view.Municipalities = append(view.Municipalities, UnitRow{ID: fmt.Sprintf("00000000-0000-0000-0000-%012d", m),
			Name: fmt.Sprintf("Городской округ № %d", m), Counts: Counts{Expected: 20, Accepted: 12, Submitted: 3, Missing: 5}, Values: values(m)})
	}
	for m := range 40 {
		view.SignOffs = append(view.SignOffs, SignOffView{CampaignID: "c", MunicipalityID: fmt.Sprintf("00000000-0000-0000-0000-%012d", m),
			RegionCode: region, State: SignedOff, Login: "meth", SignTime: time.Date(2026, 12, 10, 9, 0, 0, 0, time.UTC)})
	}
	return view, nil
}

// BenchmarkRegionPage renders the largest region's page for its regional
// centre, as GET / does: the view to the HTML written.
func BenchmarkRegionPage(b *testing.B) {
	signer, err := identity.NewSigner([]byte(strings.Repeat("k", 32)))
	if err != nil {
		b.Fatal(err)
	}
	p, err := New(Deps{Logger: slog.New(slog.DiscardHandler), Auth: &auth.Authenticator{Signer: signer, Auth: regionalAuth{}},
		Curator: &fakeCurator{report: kaliningradReport()}, Methodologist: newFakeMethodologist(), Regional: &bigRegional{}})
	if err != nil {
		b.Fatal(err)
	}
	p.now = func() time.Time { return time.Date(2026, 12, 13, 9, 0, 0, 0, time.UTC) }
	h := p.Handler()
	var size int
	b.ReportAllocs()
	for b.Loop() {
		req := httptest.NewRequest("GET", "/", nil)
		req.AddCookie(&http.Cookie{Name: auth.SessionCookie, Value: regionalCookie})
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatalf("got %d, want 200", rec.Code)
		}
		size = rec.Body.Len()
	}
	b.ReportMetric(float64(size), "bytes/page")
}
