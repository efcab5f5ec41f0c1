package web

import (
	"strconv"
	"testing"
)

// TestTrendLabelsClearTheTarget: a value's label is never crossed by the
// target's dashed mark of its year, and stays inside the chart above the
// years' row.
func TestTrendLabelsClearTheTarget(t *testing.T) {
	num := func(s string) float64 {
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			t.Fatalf("coordinate %q: %v", s, err)
		}
		return f
	}
	cases := []struct {
		name          string
		values        []float64
		target        float64 // the last year's target
		wantLabelMove bool    // the last label leaves its usual place
	}{
		{"target far above", []float64{10, 20}, 90, false},
		{"target just above the value", []float64{30, 45}, 50, true},
		{"target at the value (through the dot, not the label)", []float64{30, 45}, 45, false},
		{"target well below", []float64{30, 45}, 10, false},
		{"small value near the bottom, target just above", []float64{50, 1}, 6, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			v := IndicatorView{Share: true}
			for i, val := range c.values {
				v.Years = append(v.Years, IndicatorYear{Year: 2024 + i, Value: val, HasValue: true})
			}
			last := len(v.Years) - 1
			v.Years[last].Target, v.Years[last].HasTarget = c.target, true
			tr := newTrend(v, "x")
			if tr == nil || len(tr.Dots) != len(c.values) {
				t.Fatalf("trend: %+v", tr)
			}
			d := tr.Dots[last]
			dotY, labelY := num(d.Y), num(d.LabelY)
			top := 0.0
			for _, val := range c.values {
				top = max(top, val)
			}
			top = max(top, c.target) * 1.1
			targetY := plotBottom - c.target/top*(plotBottom-plotTop)
			if targetY >= labelY-11 && targetY <= labelY+4 {
				t.Errorf("the target's mark at y=%.1f runs through the label at baseline %.1f", targetY, labelY)
			}
			if labelY-9 < 0 || labelY+3 >= trendHeight-6-9 {
				t.Errorf("label baseline %.1f leaves the plot or meets the years' row", labelY)
			}
			if moved := labelY != dotY-7; moved != c.wantLabelMove {
				t.Errorf("label moved = %v, want %v (dot %.1f, label %.1f, target %.1f)", moved, c.wantLabelMove, dotY, labelY, targetY)
			}
		})
	}
}
