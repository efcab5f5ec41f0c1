package store

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/nastavnik/nastavnik/platform/database"
	"github.com/nastavnik/nastavnik/services/indicators/internal/domain"
	"github.com/nastavnik/nastavnik/services/indicators/internal/form"
	"github.com/nastavnik/nastavnik/services/indicators/internal/indicator"
)

// Bases: which reports an aggregate counts.
const (
	BasisAccepted  = 1
	BasisSubmitted = 2 // submitted or accepted
)

// compiledCache keeps compiled indicators per form version and set of
// definitions, so a report write does not compile CEL each time.
type compiledCache struct {
	mu sync.Mutex
	m  map[string][]indicator.Compiled
}

const indicatorColumns = `code, name, counts, source, kind, numerator, denominator, factor, unit, form_code, form_versions`

func scanIndicator(row pgx.Row) (indicator.Definition, error) {
	var (
		d        indicator.Definition
		kind     int16
		versions []int32
	)
	err := row.Scan(&d.Code, &d.Name, &d.Counts, &d.Source, &kind, &d.Numerator, &d.Denominator, &d.Factor, &d.Unit, &d.Form, &versions)
	d.Kind = indicator.Kind(kind)
	for _, v := range versions {
		d.Versions = append(d.Versions, int(v))
	}
	return d, err
}

// EnsureIndicators writes the definitions that are missing and returns how
// many it wrote. Written definitions never change.
func (s *Store) EnsureIndicators(ctx context.Context, defs []indicator.Definition) (int, error) {
	added := 0
	err := s.tx(ctx, func(tx pgx.Tx) error {
		added = 0
		if _, err := tx.Exec(ctx, `LOCK TABLE indicators IN SHARE ROW EXCLUSIVE MODE`); err != nil {
			return err
		}
		for i, d := range defs {
			if d.Versions == nil {
				d.Versions = []int{}
			}
			tag, err := tx.Exec(ctx, `INSERT INTO indicators (code, position, name, counts, source, kind, numerator, denominator,
				factor, unit, form_code, form_versions) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
				ON CONFLICT (code) DO NOTHING`, d.Code, i+1, d.Name, d.Counts, d.Source, int16(d.Kind), d.Numerator, d.Denominator,
				d.Factor, d.Unit, d.Form, d.Versions)
			if err != nil {
				return err
			}
			added += int(tag.RowsAffected())
		}
		return nil
	})
	return added, translate("store.EnsureIndicators", err)
}

// EnsureTargets writes targets that are missing.
func (s *Store) EnsureTargets(ctx context.Context, targets []indicator.Target) error {
	return s.tx(ctx, func(tx pgx.Tx) error {
		for _, t := range targets {
			if _, err := tx.Exec(ctx, `INSERT INTO targets (indicator_code, year, level, unit, min_value, source)
				VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING`, t.Indicator, t.Year, int16(t.Level), t.Unit, t.Min, t.Source); err != nil {
				return err
			}
		}
		return nil
	})
}

// PutTarget sets a target, replacing one for the same indicator, year, level
// and unit.
func (s *Store) PutTarget(ctx context.Context, t indicator.Target) error {
	_, err := s.db(ctx).Exec(ctx, `INSERT INTO targets (indicator_code, year, level, unit, min_value, source)
		VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (indicator_code, year, level, unit) DO UPDATE SET min_value = $5, source = $6`,
		t.Indicator, t.Year, int16(t.Level), t.Unit, t.Min, t.Source)
	return translate("store.PutTarget", err)
}

// Indicators lists the definitions in order.
func (s *Store) Indicators(ctx context.Context) ([]indicator.Definition, error) {
	return listIndicators(ctx, s.db(ctx))
}

func listIndicators(ctx context.Context, q database.Querier) ([]indicator.Definition, error) {
	rows, err := q.Query(ctx, `SELECT `+indicatorColumns+` FROM indicators ORDER BY position, code`)
	if err != nil {
		return nil, translate("store.Indicators", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (indicator.Definition, error) { return scanIndicator(r) })
	return out, translate("store.Indicators", err)
}

// Targets lists the targets of indicators in years.
func (s *Store) Targets(ctx context.Context, codes []string, years []int) ([]indicator.Target, error) {
	rows, err := s.db(ctx).Query(ctx, `SELECT indicator_code, year, level, unit, min_value, source FROM targets
		WHERE indicator_code = ANY($1) AND year = ANY($2) ORDER BY indicator_code, year, level, unit`, codes, years)
	if err != nil {
		return nil, translate("store.Targets", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (indicator.Target, error) {
		var (
			t     indicator.Target
			level int16
		)
		err := r.Scan(&t.Indicator, &t.Year, &level, &t.Unit, &t.Min, &t.Source)
		t.Level = indicator.Level(level)
		return t, err
	})
	return out, translate("store.Targets", err)
}

// compiled returns the definitions that apply to a form version, compiled.
func (s *Store) compiled(ctx context.Context, q database.Querier, f form.Form) ([]indicator.Compiled, error) {
	defs, err := listIndicators(ctx, q)
	if err != nil {
		return nil, err
	}
	h := sha256.New()
	fmt.Fprintf(h, "%s/%d/%s\n", f.Code, f.Version, f.UpdateTime)
	for _, d := range defs {
		fmt.Fprintf(h, "%+v\n", d)
	}
	key := hex.EncodeToString(h.Sum(nil))
	s.cache.mu.Lock()
	defer s.cache.mu.Unlock()
	if c, ok := s.cache.m[key]; ok {
		return c, nil
	}
	var out []indicator.Compiled
	for _, d := range defs {
		c, err := indicator.Compile(d, f)
		if err != nil {
			// Not for this version, or a version without the indicator's
			// fields: it has no value from these reports ("no data").
			continue
		}
		out = append(out, c)
	}
	if s.cache.m == nil || len(s.cache.m) > 64 {
		s.cache.m = map[string][]indicator.Compiled{}
	}
	s.cache.m[key] = out
	return out, nil
}

// contribution is what one report gives one indicator.
type contribution struct {
	indicator      string
	accepted       bool
	num, den       int64
	signature      string
	municipalityID string
	regionCode     string
}

// contributionsOf evaluates the compiled indicators on a report's values:
// what the report gives each, accepted or only submitted, to the sums of
// its municipality and region.
func contributionsOf(compiled []indicator.Compiled, values map[string]form.Value, accepted bool, municipalityID, regionCode string) ([]contribution, error) {
	out := make([]contribution, 0, len(compiled))
	for _, c := range compiled {
		num, den, err := c.Evaluate(values)
		if err != nil {
			return nil, err
		}
		out = append(out, contribution{indicator: c.Code, accepted: accepted, num: num, den: den, signature: c.Signature,
			municipalityID: municipalityID, regionCode: regionCode})
	}
	return out, nil
}

// contributionColumns are the columns of a contribution's row (row).
var contributionColumns = []string{"report_id", "indicator_code", "year", "organisation_id", "municipality_id", "region_code",
	"accepted", "numerator", "denominator", "signature"}

// row is the contribution's row (contributionColumns) for a report of an
// organisation in a year.
func (c contribution) row(reportID string, year int, orgID string) []any {
	return []any{reportID, c.indicator, year, orgID, c.municipalityID, c.regionCode, c.accepted, c.num, c.den, c.signature}
}

// sumKey names one row of the aggregates: a municipal sum (level 2: unit
// the municipality, region its region) or a rollup (level 3: unit the
// region; 4: the country, unit "").
type sumKey struct {
	level     int16
	unit      string
	indicator string
	basis     int16
	year      int
	region    string
}

// sumDelta is the change of one row's sums.
type sumDelta struct{ num, den, n int64 }

// sumDeltas are the changes a write makes to the aggregates.
type sumDeltas map[sumKey]sumDelta

// add counts c in (sign +1) or out (-1) of the year's sums it belongs to:
// its municipality's, its region's and the country's, on each basis it
// counts for.
func (d sumDeltas) add(year int, c contribution, sign int64) {
	for _, basis := range []int16{BasisAccepted, BasisSubmitted} {
		if basis == BasisAccepted && !c.accepted {
			continue
		}
		for _, k := range []sumKey{
			{level: 2, unit: c.municipalityID, region: c.regionCode},
			{level: 3, unit: c.regionCode},
			{level: 4},
		} {
			k.indicator, k.basis, k.year = c.indicator, basis, year
			v := d[k]
			d[k] = sumDelta{v.num + sign*c.num, v.den + sign*c.den, v.n + sign}
		}
	}
}

// queue queues the changes of the rows that change, in one fixed order
// (level, unit, indicator, basis, year), the same for every writer (a
// report's write, a bulk import), so concurrent writers take the rows' locks
// in one order and never deadlock on them.
func (d sumDeltas) queue(batch *pgx.Batch) {
	keys := make([]sumKey, 0, len(d))
	for k, v := range d {
		if v != (sumDelta{}) {
			keys = append(keys, k)
		}
	}
	slices.SortFunc(keys, func(a, b sumKey) int {
		if a.level != b.level {
			return int(a.level) - int(b.level)
		}
		if c := strings.Compare(a.unit, b.unit); c != 0 {
			return c
		}
		if c := strings.Compare(a.indicator, b.indicator); c != 0 {
			return c
		}
		if a.basis != b.basis {
			return int(a.basis) - int(b.basis)
		}
		return a.year - b.year
	})
	for _, k := range keys {
		v := d[k]
		if k.level == 2 {
			batch.Queue(`INSERT INTO municipal_sums (year, indicator_code, basis, municipality_id, region_code, numerator, denominator, contributors)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
				ON CONFLICT (year, basis, indicator_code, municipality_id) DO UPDATE SET numerator = municipal_sums.numerator + $6,
					denominator = municipal_sums.denominator + $7, contributors = municipal_sums.contributors + $8`,
				k.year, k.indicator, k.basis, k.unit, k.region, v.num, v.den, v.n)
			continue
		}
		batch.Queue(`INSERT INTO rollups (year, basis, level, indicator_code, unit, numerator, denominator, contributors)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
			ON CONFLICT (year, basis, level, indicator_code, unit) DO UPDATE SET numerator = rollups.numerator + $6,
				denominator = rollups.denominator + $7, contributors = rollups.contributors + $8`,
			k.year, k.basis, k.level, k.indicator, k.unit, v.num, v.den, v.n)
	}
}

// queueSignature queues the writing down of an indicator's signature in a
// year (which definitions its values were computed under).
func queueSignature(batch *pgx.Batch, year int, indicator, signature string) {
	batch.Queue(`INSERT INTO year_signatures (year, indicator_code, signature) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`,
		year, indicator, signature)
}

// contribute brings the report's contributions and the sums in line with
// the report as it has just been written, inside the transaction that changed it:
// an aggregate is never stale after the write that changed it. Only
// submitted and accepted reports count. f is the report's form as the caller
// read it: a published version never changes, so it is read here only when
// f is not that.
func (s *Store) contribute(ctx context.Context, tx pgx.Tx, r domain.Report, f form.Form) error {
	reportID := r.ID
	var want []contribution
	if counts(r.Status) {
		if f.Code != r.FormCode || f.Version != r.FormVersion || f.Status != form.Published {
			var err error
			if f, err = scanForm(tx.QueryRow(ctx, `SELECT `+formColumns+` FROM forms WHERE code = $1 AND version = $2`, r.FormCode, r.FormVersion)); err != nil {
				return err
			}
		}
		compiled, err := s.compiled(ctx, tx, f)
		if err != nil {
			return err
		}
		if want, err = contributionsOf(compiled, r.Values, r.Status == domain.Accepted, r.Organisation.MunicipalityID,
			r.Organisation.RegionCode); err != nil {
			return err
		}
	}
	rows, err := tx.Query(ctx, `SELECT indicator_code, accepted, numerator, denominator, signature, municipality_id::text, region_code
		FROM contributions WHERE report_id = $1 FOR UPDATE`, reportID)
	if err != nil {
		return err
	}
	have, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (contribution, error) {
		var c contribution
		return c, row.Scan(&c.indicator, &c.accepted, &c.num, &c.den, &c.signature, &c.municipalityID, &c.regionCode)
	})
	if err != nil {
		return err
	}
	// The change of each sum: old contributions out, new in.
	deltas := sumDeltas{}
	for _, c := range have {
		deltas.add(r.Year, c, -1)
	}
	for _, c := range want {
		deltas.add(r.Year, c, +1)
	}
	batch := &pgx.Batch{}
	deltas.queue(batch)
	if len(have) > 0 {
		batch.Queue(`DELETE FROM contributions WHERE report_id = $1`, reportID)
	}
	for _, c := range want {
		batch.Queue(`INSERT INTO contributions (`+strings.Join(contributionColumns, ", ")+`)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`, c.row(reportID, r.Year, r.Organisation.ID)...)
		queueSignature(batch, r.Year, c.indicator, c.signature)
	}
	return tx.SendBatch(ctx, batch).Close()
}

// Sums are the summed contributions of one unit, year and indicator.
type Sums struct {
	Unit      string
	Region    string
	Year      int
	Indicator string
	indicator.Value
}

// AggregateQuery selects aggregates: units at Level inside Parent (a region
// code for municipalities and regions, a municipality id for organisations;
// empty for all), in Years, of Indicators.
type AggregateQuery struct {
	Level      indicator.Level
	Parent     string
	Years      []int
	Indicators []string
	Basis      int
	// Within, when set, keeps the municipalities and regions levels to the
	// units inside its Regions or its Municipalities (a caller's reach), so
	// a methodologist's read is one municipality's rows and a regional
	// centre's read of the country by region its own region, not all 89.
	Within *Within
}

// Within is a set of regions and municipalities (ids).
type Within struct {
	Regions, Municipalities []string
}

// Aggregates reads the sums of the units a query selects, with their
// expected counts. Units expected to report but with no contribution come
// with zero contributors.
func (s *Store) Aggregates(ctx context.Context, q AggregateQuery) ([]Sums, error) {
	const op = "store.Aggregates"
	var sumsSQL, expectedSQL string
	args := []any{q.Years, q.Indicators, q.Basis, q.Parent}
	expArgs := []any{q.Years, q.Parent}
	// in is the parent's condition on column col (parameter n): the column
	// equals it, or, without a parent, none. Never ($n = '' OR col = $n):
	// its generic plan, which PostgreSQL may cache for the prepared
	// statement, cannot use the index on col and reads every unit of the
	// country (41,364 rows of municipal_sums for a region's 2,088 at
	// 45,000 organisations).
	in := func(col string, n int) string {
		if q.Parent == "" {
			return fmt.Sprintf("$%d = ''", n)
		}
		return fmt.Sprintf("%s = $%d", col, n)
	}
	// within is Within's condition on the sums' and the expected counts'
	// region columns (and their municipality column, "" for none), with its
	// parameters appended to both argument lists; nothing when it is not
	// set (for the same reason as in).
	within := func(sumsRegion, expRegion, municipality string) (sums, exp string) {
		if q.Within == nil {
			return "", ""
		}
		regions := append([]string{}, q.Within.Regions...)
		args, expArgs = append(args, regions), append(expArgs, regions)
		sums = fmt.Sprintf(" AND (%s = ANY($%d::text[])", sumsRegion, len(args))
		exp = fmt.Sprintf(" AND (%s = ANY($%d::text[])", expRegion, len(expArgs))
		if municipality != "" {
			ms := uuids(q.Within.Municipalities)
			args, expArgs = append(args, ms), append(expArgs, ms)
			sums += fmt.Sprintf(" OR %s = ANY($%d::uuid[])", municipality, len(args))
			exp += fmt.Sprintf(" OR %s = ANY($%d::uuid[])", municipality, len(expArgs))
		}
		return sums + ")", exp + ")"
	}
	switch q.Level {
	case indicator.LevelCountry:
		sumsSQL = `SELECT '', '', year, indicator_code, numerator, denominator, contributors FROM rollups
			WHERE year = ANY($1) AND indicator_code = ANY($2) AND basis = $3 AND level = 4 AND $4 = ''`
		expectedSQL = `SELECT '', '', year, sum(expected) FROM municipal_expected WHERE year = ANY($1) AND $2 = '' GROUP BY year`
	case indicator.LevelRegion:
		sumsSQL = `SELECT unit, unit, year, indicator_code, numerator, denominator, contributors FROM rollups
			WHERE year = ANY($1) AND indicator_code = ANY($2) AND basis = $3 AND level = 3 AND ` + in("unit", 4)
		expectedSQL = `SELECT region_code, region_code, year, sum(expected) FROM municipal_expected WHERE year = ANY($1) AND ` + in("region_code", 2)
		ws, we := within("unit", "region_code", "")
		sumsSQL, expectedSQL = sumsSQL+ws, expectedSQL+we+` GROUP BY region_code, year`
	case indicator.LevelMunicipality:
		sumsSQL = `SELECT municipality_id::text, region_code, year, indicator_code, numerator, denominator, contributors FROM municipal_sums
			WHERE year = ANY($1) AND indicator_code = ANY($2) AND basis = $3 AND ` + in("region_code", 4)
		expectedSQL = `SELECT municipality_id::text, region_code, year, expected FROM municipal_expected WHERE year = ANY($1) AND ` + in("region_code", 2)
		ws, we := within("region_code", "region_code", "municipality_id")
		sumsSQL, expectedSQL = sumsSQL+ws, expectedSQL+we
	case indicator.LevelOrganisation:
		sumsSQL = `SELECT organisation_id::text, region_code, year, indicator_code, sum(numerator), sum(denominator), count(*) FROM contributions
			WHERE year = ANY($1) AND indicator_code = ANY($2) AND ($3 = 1 AND accepted OR $3 = 2) AND municipality_id = $4::uuid
			GROUP BY organisation_id, region_code, year, indicator_code`
		expectedSQL = `SELECT DISTINCT co.organisation_id::text, co.region_code, c.year, 1 FROM campaign_organisations co JOIN campaigns c ON c.id = co.campaign_id
			WHERE c.year = ANY($1) AND co.municipality_id = $2::uuid AND co.dropped_on IS NULL`
	default:
		return nil, fmt.Errorf("%s: level %v", op, q.Level)
	}
	// The units, regions and indicators are named by the rows thousands of
	// times over (a region's 116 municipalities in its 4,000-odd rows):
	// each is read as the driver's bytes and kept once, and the rows are
	// keyed by its number.
	var (
		units   []string // by number
		regions []string // each unit's region, by number
		unitNo  = map[string]int{}
		named   = map[string]string{} // regions and indicators
		years   = slices.Compact(slices.Sorted(slices.Values(q.Years)))
	)
	unit := func(b []byte) int {
		if n, ok := unitNo[string(b)]; ok {
			return n
		}
		unitNo[string(b)] = len(units)
		units, regions = append(units, string(b)), append(regions, "")
		return len(units) - 1
	}
	name := func(b []byte) string {
		if s, ok := named[string(b)]; ok {
			return s
		}
		s := string(b)
		named[s] = s
		return s
	}
	yearNo := func(y int) int {
		if i := slices.Index(years, y); i >= 0 {
			return i
		}
		years = append(years, y) // never: the queries ask for these years
		return len(years) - 1
	}
	type unitYear struct{ unit, year int } // numbers
	expected := map[unitYear]int{}
	rows, err := s.read.Query(ctx, expectedSQL, expArgs...)
	if err != nil {
		return nil, translate(op, err)
	}
	// Scanned into once for all rows (a variable scanned into escapes).
	var (
		u, region, ic pgtype.DriverBytes
		year          int
		num, den, n   int64
	)
	for rows.Next() {
		if err := rows.Scan(&u, &region, &year, &n); err != nil {
			rows.Close()
			return nil, translate(op, err)
		}
		no := unit(u)
		expected[unitYear{no, yearNo(year)}] = int(n)
		regions[no] = name(region)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, translate(op, err)
	}
	rows, err = s.read.Query(ctx, sumsSQL, args...)
	if err != nil {
		return nil, translate(op, err)
	}
	pos := make(map[string]int, len(q.Indicators))
	for i, code := range q.Indicators {
		if _, ok := pos[code]; !ok {
			pos[code] = i
			named[code] = code
		}
	}
	// Each row with its unit's and year's numbers and its indicator's place
	// in the query, for the order.
	type placed struct{ unit, year, pos int }
	var (
		out   []Sums
		place []placed
	)
	for rows.Next() {
		if err := rows.Scan(&u, &region, &year, &ic, &num, &den, &n); err != nil {
			rows.Close()
			return nil, translate(op, err)
		}
		no := unit(u)
		x := Sums{Unit: units[no], Region: name(region), Year: year, Indicator: name(ic)}
		x.Numerator, x.Denominator, x.Contributors = num, den, int(n)
		uy := unitYear{no, yearNo(x.Year)}
		x.Expected = expected[uy]
		out = append(out, x)
		place = append(place, placed{no, uy.year, indicatorPos(pos, x.Indicator)})
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, translate(op, err)
	}
	// In the order of unit, year and the indicator's place: the units are
	// ranked once, each row's place then a number (its slot).
	byName := make([]int, len(units)) // unit numbers in the order of their ids
	for i := range byName {
		byName[i] = i
	}
	slices.SortFunc(byName, func(a, b int) int { return strings.Compare(units[a], units[b]) })
	rank := make([]int, len(units))
	for r, no := range byName {
		rank[no] = r
	}
	ys := slices.Sorted(slices.Values(years))
	yearRank := make([]int, len(years))
	for i, y := range years {
		yearRank[i] = slices.Index(ys, y)
	}
	width := len(q.Indicators) + 1 // pos ≥ -1
	slot := func(p placed) int { return (rank[p.unit]*len(years)+yearRank[p.year])*width + p.pos + 1 }
	seen := make([]bool, len(units)*len(years)*width)
	type ordered struct{ slot, i int }
	order := make([]ordered, len(out), len(out)+len(expected)*len(q.Indicators))
	for i, p := range place {
		order[i] = ordered{slot(p), i}
		seen[order[i].slot] = true
	}
	// Expected units without any contribution: no data, but there.
	for uy, n := range expected {
		for _, code := range q.Indicators {
			p := placed{uy.unit, uy.year, indicatorPos(pos, code)}
			if !seen[slot(p)] {
				order = append(order, ordered{slot(p), len(out)})
				out = append(out, Sums{Unit: units[uy.unit], Region: regions[uy.unit], Year: years[uy.year], Indicator: code,
					Value: indicator.Value{Expected: n}})
			}
		}
	}
	slices.SortFunc(order, func(a, b ordered) int {
		if c := cmp.Compare(a.slot, b.slot); c != 0 {
			return c
		}
		return cmp.Compare(a.i, b.i)
	})
	sums := make([]Sums, len(out))
	for k, o := range order {
		sums[k] = out[o.i]
	}
	return sums, nil
}

// indicatorPos is an indicator's place in a query's list (-1: not in it, as
// slices.Index says).
func indicatorPos(pos map[string]int, code string) int {
	if i, ok := pos[code]; ok {
		return i
	}
	return -1
}

// Signatures returns, per year and indicator, the definitions its values
// were computed with.
func (s *Store) Signatures(ctx context.Context, years []int, codes []string) (map[int]map[string][]string, error) {
	rows, err := s.db(ctx).Query(ctx, `SELECT year, indicator_code, signature FROM year_signatures
		WHERE year = ANY($1) AND indicator_code = ANY($2) ORDER BY 1, 2, 3`, years, codes)
	if err != nil {
		return nil, translate("store.Signatures", err)
	}
	defer rows.Close()
	out := map[int]map[string][]string{}
	for rows.Next() {
		var (
			y      int
			c, sig string
		)
		if err := rows.Scan(&y, &c, &sig); err != nil {
			return nil, translate("store.Signatures", err)
		}
		if out[y] == nil {
			out[y] = map[string][]string{}
		}
		out[y][c] = append(out[y][c], sig)
	}
	return out, translate("store.Signatures", rows.Err())
}

// OrganisationNames returns the short names of organisations from the
// campaigns' copy of the registry, by id.
func (s *Store) OrganisationNames(ctx context.Context, ids []string) (map[string]string, error) {
	rows, err := s.db(ctx).Query(ctx, `SELECT DISTINCT ON (organisation_id) organisation_id::text, short_name FROM campaign_organisations
		WHERE organisation_id = ANY($1::uuid[]) ORDER BY organisation_id, added_on DESC`, uuids(ids))
	if err != nil {
		return nil, translate("store.OrganisationNames", err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var id, name string
		if err := rows.Scan(&id, &name); err != nil {
			return nil, translate("store.OrganisationNames", err)
		}
		out[id] = name
	}
	return out, translate("store.OrganisationNames", rows.Err())
}

// RebuildAggregates recomputes every contribution, municipal sum and
// expected count from the reports and expected lists, in one transaction
// that holds report writes back while it runs: after indicators are added,
// or to recover. It returns how many reports count.
func (s *Store) RebuildAggregates(ctx context.Context) (int, error) {
	const op = "store.RebuildAggregates"
	n := 0
	err := s.tx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `LOCK TABLE reports, campaign_organisations IN SHARE MODE`); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `TRUNCATE contributions, municipal_sums, rollups, year_signatures, municipal_expected`); err != nil {
			return err
		}
		forms := map[string][]indicator.Compiled{}
		rows, err := tx.Query(ctx, `SELECT `+formColumns+` FROM forms WHERE status = 2`)
		if err != nil {
			return err
		}
		all, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (form.Form, error) { return scanForm(r) })
		if err != nil {
			return err
		}
		for _, f := range all {
			c, err := s.compiled(ctx, tx, f)
			if err != nil {
				return err
			}
			forms[fmt.Sprintf("%s/%d", f.Code, f.Version)] = c
		}
		rows, err = tx.Query(ctx, `SELECT r.id::text, r.status, r."values", c.year, c.form_code, c.form_version,
			co.organisation_id::text, co.municipality_id::text, co.region_code
			FROM reports r JOIN campaigns c ON c.id = r.campaign_id
			JOIN campaign_organisations co ON co.campaign_id = r.campaign_id AND co.organisation_id = r.organisation_id
			WHERE r.status IN ($1, $2)`, int16(domain.Submitted), int16(domain.Accepted))
		if err != nil {
			return err
		}
		var copyRows [][]any
		for rows.Next() {
			var (
				id, formCode, org, mun, region string
				status                         int16
				raw                            []byte
				year, version                  int
			)
			if err := rows.Scan(&id, &status, &raw, &year, &formCode, &version, &org, &mun, &region); err != nil {
				rows.Close()
				return err
			}
			values := map[string]form.Value{}
			if err := json.Unmarshal(raw, &values); err != nil {
				rows.Close()
				return fmt.Errorf("report %s: %w", id, err)
			}
			n++
			cons, err := contributionsOf(forms[fmt.Sprintf("%s/%d", formCode, version)], values, status == int16(domain.Accepted), mun, region)
			if err != nil {
				rows.Close()
				return err
			}
			for _, c := range cons {
				copyRows = append(copyRows, c.row(id, year, org))
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{"contributions"}, contributionColumns, pgx.CopyFromRows(copyRows)); err != nil {
			return err
		}
		for _, q := range []string{
			`INSERT INTO municipal_sums (year, indicator_code, basis, municipality_id, region_code, numerator, denominator, contributors)
				SELECT year, indicator_code, 1, municipality_id, region_code, sum(numerator), sum(denominator), count(*)
				FROM contributions WHERE accepted GROUP BY year, indicator_code, municipality_id, region_code`,
			`INSERT INTO municipal_sums (year, indicator_code, basis, municipality_id, region_code, numerator, denominator, contributors)
				SELECT year, indicator_code, 2, municipality_id, region_code, sum(numerator), sum(denominator), count(*)
				FROM contributions GROUP BY year, indicator_code, municipality_id, region_code`,
			`INSERT INTO rollups (year, basis, level, indicator_code, unit, numerator, denominator, contributors)
				SELECT year, basis, 3, indicator_code, region_code, sum(numerator), sum(denominator), sum(contributors)
				FROM municipal_sums GROUP BY year, basis, indicator_code, region_code`,
			`INSERT INTO rollups (year, basis, level, indicator_code, unit, numerator, denominator, contributors)
				SELECT year, basis, 4, indicator_code, '', sum(numerator), sum(denominator), sum(contributors)
				FROM municipal_sums GROUP BY year, basis, indicator_code`,
			`INSERT INTO year_signatures (year, indicator_code, signature) SELECT DISTINCT year, indicator_code, signature FROM contributions`,
			`INSERT INTO municipal_expected (year, municipality_id, region_code, expected)
				SELECT c.year, co.municipality_id, co.region_code, count(*) FROM campaign_organisations co JOIN campaigns c ON c.id = co.campaign_id
				WHERE co.dropped_on IS NULL GROUP BY 1, 2, 3`,
		} {
			if _, err := tx.Exec(ctx, q); err != nil {
				return err
			}
		}
		return nil
	})
	return n, translate(op, err)
}
