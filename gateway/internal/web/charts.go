package web

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Charts drawn on the server as inline SVG: the strict CSP allows SVG
// presentation attributes (fill, width, x), never a style attribute or a
// script. Each chart has role="img" and an aria-label saying what it shows,
// and the page has a table with the same numbers.

// chartWidth is the width of the charts' coordinate system; the SVG scales
// to its box.
const chartWidth = 300

// Bar is a value against its target on one scale.
type Bar struct {
	Label string
	// Value is the width of the value's bar; TargetX where the target's
	// line stands (both in chart units).
	HasValue, HasTarget bool
	Value, TargetX      string
}

// newBar draws value against target on a scale from zero to max.
func newBar(iy IndicatorYear, share bool, label string) Bar {
	top := 100.0
	if !share || iy.Value > 100 || iy.Target > 100 {
		top = math.Max(iy.Value, iy.Target) * 1.25
	}
	if top <= 0 {
		top = 1
	}
	b := Bar{Label: label, HasValue: iy.HasValue, HasTarget: iy.HasTarget}
	if iy.HasValue {
		b.Value = coord(math.Min(iy.Value, top) / top * chartWidth)
	}
	if iy.HasTarget {
		b.TargetX = coord(math.Min(math.Max(iy.Target/top*chartWidth-1.5, 0), chartWidth-3))
	}
	return b
}

// Trend is an indicator's values over years with its targets.
type Trend struct {
	Label string
	// Line and TargetLine are polyline points; Dots the values' points.
	Line, TargetLine string
	Dots             []Point
	Years            []Point
}

// Point is a place on a chart, with the text written there (above it, at
// LabelY, for a value).
type Point struct {
	X, Y, LabelY string
	Text         string
}

// trendHeight is the height of the trend chart's coordinate system; the
// plot leaves room for the years below.
const (
	trendHeight = 90
	plotTop     = 20
	plotBottom  = 68
)

// newTrend draws the years from the first that has a value; nil when fewer
// than two have one.
func newTrend(v IndicatorView, label string) *Trend {
	first, with := -1, 0
	for i, y := range v.Years {
		if y.HasValue {
			with++
			if first < 0 {
				first = i
			}
		}
	}
	if with < 2 {
		return nil
	}
	v.Years = v.Years[first:]
	top := 0.0
	for _, y := range v.Years {
		top = math.Max(top, y.Value)
		if y.HasTarget {
			top = math.Max(top, y.Target)
		}
	}
	if top <= 0 {
		top = 1
	}
	top *= 1.1
	n := len(v.Years)
	x := func(i int) float64 { return 20 + float64(i)*float64(chartWidth-40)/float64(max(n-1, 1)) }
	y := func(val float64) float64 { return plotBottom - val/top*(plotBottom-plotTop) }
	t := &Trend{Label: label}
	var line, target []string
	for i, yr := range v.Years {
		t.Years = append(t.Years, Point{X: coord(x(i)), Y: strconv.Itoa(trendHeight - 6), Text: strconv.Itoa(yr.Year)})
		if yr.HasValue {
			p := Point{X: coord(x(i)), Y: coord(y(yr.Value)), LabelY: coord(labelY(y(yr.Value), yr.HasTarget, y(yr.Target))),
				Text: indicatorValue(yr.Value, v.Share, "")}
			t.Dots = append(t.Dots, p)
			line = append(line, p.X+","+p.Y)
		}
		if yr.HasTarget {
			target = append(target, coord(x(i))+","+coord(y(yr.Target)))
		}
	}
	t.Line = strings.Join(line, " ")
	if len(target) > 1 {
		t.TargetLine = strings.Join(target, " ")
	} else if len(target) == 1 {
		// One year's target: a short dash at that year.
		xy := strings.Split(target[0], ",")
		xv, _ := strconv.ParseFloat(xy[0], 64)
		t.TargetLine = coord(xv-12) + "," + xy[1] + " " + coord(xv+12) + "," + xy[1]
	}
	return t
}

// labelY is the baseline of a value's label for a dot at dotY: above the
// dot, unless the year's target mark at targetY would run through the text;
// then below the dot, or, when that would meet the years' row, above the
// target mark. The label's text (font size 11) spans about 9 units above its
// baseline and 3 below.
func labelY(dotY float64, hasTarget bool, targetY float64) float64 {
	above := dotY - 7
	if !hasTarget || targetY < above-11 || targetY > above+4 {
		return above
	}
	if below := dotY + 15; below+3 < trendHeight-6-9 {
		return below
	}
	return targetY - 5
}

func coord(f float64) string { return strconv.FormatFloat(math.Round(f*10)/10, 'f', -1, 64) }

// DecimalRU writes a number with a decimal comma and at most digits
// decimals, no trailing zeros: 45,2; 50; 1 200,5.
func DecimalRU(f float64, digits int) string {
	p := math.Pow(10, float64(digits))
	f = math.Round(f*p) / p
	whole := math.Trunc(f)
	s := NumberRU(int64(whole))
	if f < 0 && whole == 0 {
		s = "−0"
	}
	frac := strings.TrimRight(strings.TrimPrefix(strconv.FormatFloat(math.Abs(f-whole), 'f', digits, 64), "0."), "0")
	if frac != "" && frac != "0" && digits > 0 {
		s += "," + frac
	}
	return s
}

// indicatorValue writes a value of an indicator with its unit.
func indicatorValue(v float64, share bool, unit string) string {
	if share {
		return DecimalRU(v, 1) + "\u00a0%"
	}
	s := DecimalRU(v, 1)
	if unit != "" {
		s += "\u00a0" + unit
	}
	return s
}

// signed writes a change with its sign: +3,1; −2; 0.
func signed(f float64, digits int) string {
	s := DecimalRU(f, digits)
	if math.Round(f*math.Pow(10, float64(digits))) > 0 {
		return "+" + s
	}
	return s
}

// coverageText says how many organisations a value is counted from, so a
// partial share never looks complete: «по 3 из 40 организаций».
func coverageText(contributors, expected int) string {
	if expected == 0 {
		return "нет ожидаемых отчётов"
	}
	if contributors == 0 {
		return fmt.Sprintf("нет принятых отчётов (ожидается %s)", Count(int64(expected), "организация", "организации", "организаций"))
	}
	return fmt.Sprintf("по %s из %s %s", NumberRU(int64(contributors)), NumberRU(int64(expected)),
		Plural(int64(expected), "организации", "организаций", "организаций"))
}
