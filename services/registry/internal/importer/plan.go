package importer

import (
	"regexp"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/nastavnik/nastavnik/platform/dates"
	"github.com/nastavnik/nastavnik/platform/russian"
	"github.com/nastavnik/nastavnik/platform/validation"
	"github.com/nastavnik/nastavnik/services/registry/internal/domain"
)

// Field is a column the importer understands.
type Field int

// The columns, in the order a report lists changed fields.
const (
	FieldINN Field = iota
	FieldFullName
	FieldShortName
	FieldKind
	FieldAddress
	FieldTimeZone
	FieldCuratorName
	FieldCuratorEmail
	FieldCuratorPhone
	FieldOpenedOn
	fieldCount
)

// apiNames are the API field names of the columns, as reports name them.
var apiNames = [fieldCount]string{"inn", "full_name", "short_name", "kind", "address", "time_zone",
	"curator.name", "curator.email", "curator.phone", "opened_on"}

// headerAliases maps folded header texts to columns.
var headerAliases = map[string]Field{
	"инн": FieldINN, "инн организации": FieldINN, "инн оо": FieldINN,
	"полное наименование": FieldFullName, "полное наименование оо": FieldFullName,
	"полное наименование организации": FieldFullName, "наименование": FieldFullName,
	"наименование оо": FieldFullName, "наименование организации": FieldFullName,
	"краткое наименование": FieldShortName, "сокращенное наименование": FieldShortName,
	"краткое наименование оо": FieldShortName, "сокращенное наименование оо": FieldShortName,
	"тип": FieldKind, "вид": FieldKind, "тип оо": FieldKind, "вид оо": FieldKind,
	"тип организации": FieldKind, "вид организации": FieldKind,
	"адрес": FieldAddress, "юридический адрес": FieldAddress, "фактический адрес": FieldAddress,
	"часовой пояс": FieldTimeZone,
	"куратор":      FieldCuratorName, "фио куратора": FieldCuratorName, "куратор программы наставничества": FieldCuratorName,
	"email куратора": FieldCuratorEmail, "e-mail куратора": FieldCuratorEmail, "почта куратора": FieldCuratorEmail,
	"электронная почта куратора": FieldCuratorEmail, "email": FieldCuratorEmail, "e-mail": FieldCuratorEmail,
	"телефон куратора": FieldCuratorPhone, "телефон": FieldCuratorPhone,
	"дата открытия": FieldOpenedOn, "дата создания": FieldOpenedOn,
}

var nonWord = regexp.MustCompile(`[^\p{L}\p{N}@\-]+`)

func foldHeader(s string) string {
	s = russian.SearchKey(s)
	return strings.TrimSpace(nonWord.ReplaceAllString(s, " "))
}

// Sheet is a file whose columns were recognised.
type Sheet struct {
	Headers []string      // as written in the file
	Columns map[Field]int // column index of each recognised field
	Ignored []string      // headers not recognised
	Rows    []Row         // data rows
}

// Row is one data row.
type Row struct {
	Number int // in the file, the header being row 1
	Cells  []string
}

// Problem says why a row cannot be imported.
type Problem struct {
	Column string // header as found, empty for the whole row
	// Code is the import's reason: the catalogue code of the problem, except
	// for a field's other checks, "invalid_<field>".
	Code        string
	Description string // in English
	Russian     string
}

// problem is the row problem of column for p.
func problem(column string, p validation.Problem) Problem {
	return Problem{Column: column, Code: p.Code, Description: p.English(), Russian: p.Russian()}
}

// Parse finds the header row (the first non-blank row) and the data rows,
// skipping blank ones. A file without an ИНН column or any name column is
// invalid as a whole.
func Parse(table [][]string) (*Sheet, error) {
	sh := &Sheet{Columns: map[Field]int{}}
	header := -1
	for i, r := range table {
		if !blank(r) {
			header = i
			break
		}
	}
	if header < 0 {
		return nil, validation.Field("content", validation.New("file_no_header"))
	}
	sh.Headers = table[header]
	for i, h := range sh.Headers {
		f, ok := headerAliases[foldHeader(h)]
		if _, dup := sh.Columns[f]; !ok || dup {
			if strings.TrimSpace(h) != "" {
				sh.Ignored = append(sh.Ignored, strings.TrimSpace(h))
			}
			continue
		}
		sh.Columns[f] = i
	}
	var ve validation.Error
	if _, ok := sh.Columns[FieldINN]; !ok {
		ve.Add("content", validation.New("column_missing").With("columns", []string{"«ИНН»"}))
	}
	_, full := sh.Columns[FieldFullName]
	_, short := sh.Columns[FieldShortName]
	if !full && !short {
		ve.Add("content", validation.New("column_missing").With("columns", []string{"«Полное наименование»", "«Краткое наименование»"}))
	}
	if err := ve.Err(); err != nil {
		return nil, err
	}
	for i := header + 1; i < len(table); i++ {
		if blank(table[i]) {
			continue
		}
		sh.Rows = append(sh.Rows, Row{Number: i + 1, Cells: table[i]})
	}
	return sh, nil
}

func blank(r []string) bool {
	for _, c := range r {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}

// Record is one row read into an organisation.
type Record struct {
	Row      int
	Org      domain.Organisation // fields of the columns present
	Problems []Problem
}

// Records reads every data row into an organisation of municipality mun.
func (sh *Sheet) Records(mun string) []Record {
	out := make([]Record, 0, len(sh.Rows))
	for _, r := range sh.Rows {
		out = append(out, sh.record(r, mun))
	}
	return out
}

func (sh *Sheet) cell(r Row, f Field) (string, bool) {
	i, ok := sh.Columns[f]
	if !ok {
		return "", false
	}
	if i >= len(r.Cells) {
		return "", true
	}
	return validation.CleanName(r.Cells[i]), true
}

func (sh *Sheet) header(f Field) string {
	if i, ok := sh.Columns[f]; ok {
		return strings.TrimSpace(sh.Headers[i])
	}
	return ""
}

func (sh *Sheet) record(r Row, mun string) Record {
	rec := Record{Row: r.Number, Org: domain.Organisation{MunicipalityID: mun}}
	o := &rec.Org
	add := func(f Field, p validation.Problem) {
		rec.Problems = append(rec.Problems, problem(sh.header(f), p))
	}
	inn, _ := sh.cell(r, FieldINN)
	o.INN = repairINN(inn)
	o.FullName, _ = sh.cell(r, FieldFullName)
	o.ShortName, _ = sh.cell(r, FieldShortName)
	if o.FullName == "" {
		o.FullName = o.ShortName
	}
	if o.ShortName == "" {
		o.ShortName = o.FullName
	}
	if v, ok := sh.cell(r, FieldKind); ok {
		if k, known := ParseKind(v); known {
			o.Kind = k
		} else {
			add(FieldKind, validation.New("unknown_kind").With("value", v))
		}
	}
	o.Address, _ = sh.cell(r, FieldAddress)
	o.TimeZone, _ = sh.cell(r, FieldTimeZone)
	o.Curator.Name, _ = sh.cell(r, FieldCuratorName)
	o.Curator.Email, _ = sh.cell(r, FieldCuratorEmail)
	o.Curator.Phone, _ = sh.cell(r, FieldCuratorPhone)
	if v, _ := sh.cell(r, FieldOpenedOn); v != "" {
		d, ok := parseRussianDate(v)
		if !ok {
			add(FieldOpenedOn, validation.New("bad_date").With("value", v))
		}
		o.OpenedOn = d
	}
	return rec
}

// repairINN restores the leading zero a spreadsheet drops from INNs of regions
// 01–09 when it stores them as numbers.
func repairINN(s string) string {
	s = strings.ReplaceAll(s, " ", "")
	if len(s) == 9 && domain.CheckINN("0"+s) == nil {
		return "0" + s
	}
	return s
}

// parseRussianDate reads the dates the catalogue's bad_date names: 01.09.1985
// (also 1.9.1985) and 1985-09-01 (also 09-01-85, as spreadsheets export it).
func parseRussianDate(s string) (time.Time, bool) {
	for _, layout := range []string{"02.01.2006", dates.Layout, "2.1.2006", "01-02-06"} {
		if d, err := time.Parse(layout, s); err == nil {
			return d, true
		}
	}
	return time.Time{}, false
}

// ParseKind recognises how municipalities write the kind of an organisation.
func ParseKind(s string) (domain.OrganisationKind, bool) {
	k := foldHeader(s)
	switch k {
	case "оу", "оо", "ооо", "общеобразовательная", "общеобразовательная организация", "школа",
		"сош", "оош", "нош", "гимназия", "лицей", "school":
		return domain.KindSchool, true
	case "спо", "поо", "колледж", "техникум", "училище", "профессиональная образовательная организация", "college":
		return domain.KindCollege, true
	case "до", "удо", "одо", "дод", "дополнительное образование",
		"организация дополнительного образования", "additional":
		return domain.KindAdditional, true
	}
	switch {
	case strings.Contains(k, "дополнительн"):
		return domain.KindAdditional, true
	case strings.Contains(k, "профессиональн"), strings.Contains(k, "колледж"), strings.Contains(k, "техникум"):
		return domain.KindCollege, true
	case strings.Contains(k, "общеобразовательн"), strings.Contains(k, "школ"):
		return domain.KindSchool, true
	}
	return domain.KindUnspecified, false
}

// Action is what an import does with a row.
type Action int

// Actions; the numbers match the API enum.
const (
	ActionUnspecified Action = iota
	ActionCreated
	ActionUpdated
	ActionUnchanged
	ActionRejected
)

// Outcome is the planned fate of one row.
type Outcome struct {
	Row            int
	Action         Action
	INN            string
	ShortName      string
	OrganisationID string
	ChangedFields  []string
	Problems       []Problem
}

// Plan decides every row against the organisations already stored with the
// file's INNs (in any municipality). It returns the outcome of every row and the
// organisations of the accepted rows to create and to update; when any row is
// rejected the caller writes nothing.
func (sh *Sheet) Plan(records []Record, existing map[string]domain.Organisation) (outcomes []Outcome, creates, updates []domain.Organisation) {
	seen := map[string]int{}
	for _, rec := range records {
		out := Outcome{Row: rec.Row, INN: rec.Org.INN, ShortName: rec.Org.ShortName, Problems: rec.Problems}
		o := rec.Org
		if first, dup := seen[o.INN]; dup && o.INN != "" {
			out.Problems = append(out.Problems, problem(sh.header(FieldINN), validation.New("duplicate_in_file").With("row", first)))
		} else {
			seen[o.INN] = rec.Row
		}
		cur, found := existing[o.INN]
		switch {
		case found && cur.MunicipalityID != o.MunicipalityID:
			out.Problems = append(out.Problems, problem(sh.header(FieldINN), validation.New("other_municipality")))
		case found:
			merged := sh.merge(cur, o)
			out.OrganisationID = cur.ID
			out.ChangedFields = sh.changed(cur, merged)
			out.Problems = append(out.Problems, sh.problems(merged)...)
			if len(out.ChangedFields) > 0 && cur.Status() == domain.StatusClosed {
				out.Problems = append(out.Problems, problem("", validation.New("closed")))
			}
			out.Action = ActionUnchanged
			if len(out.ChangedFields) > 0 {
				out.Action = ActionUpdated
				o = merged
			}
		default:
			if o.Kind == domain.KindUnspecified && !hasCode(rec.Problems, "unknown_kind") {
				p := problem(sh.header(FieldKind), validation.New("kind_required"))
				p.Code = "required" // the import's reason since its first version
				out.Problems = append(out.Problems, p)
			}
			out.Problems = append(out.Problems, sh.problems(o)...)
			o.ID = uuid.NewString()
			out.OrganisationID = o.ID
			out.Action = ActionCreated
		}
		switch {
		case len(out.Problems) > 0:
			out.Action = ActionRejected
			out.OrganisationID = ""
			out.ChangedFields = nil
		case out.Action == ActionCreated:
			creates = append(creates, o)
		case out.Action == ActionUpdated:
			updates = append(updates, o)
		}
		outcomes = append(outcomes, out)
	}
	return outcomes, creates, updates
}

// merge overlays the columns present in the file on the stored organisation.
func (sh *Sheet) merge(cur, in domain.Organisation) domain.Organisation {
	m := cur
	has := func(f Field) bool { _, ok := sh.Columns[f]; return ok }
	if has(FieldFullName) {
		m.FullName = in.FullName
	}
	if has(FieldShortName) {
		m.ShortName = in.ShortName
	}
	if has(FieldKind) && in.Kind != domain.KindUnspecified {
		m.Kind = in.Kind
	}
	if has(FieldAddress) {
		m.Address = in.Address
	}
	if has(FieldTimeZone) {
		m.TimeZone = in.TimeZone
	}
	if has(FieldCuratorName) {
		m.Curator.Name = in.Curator.Name
	}
	if has(FieldCuratorEmail) {
		m.Curator.Email = in.Curator.Email
	}
	if has(FieldCuratorPhone) {
		m.Curator.Phone = in.Curator.Phone
	}
	if has(FieldOpenedOn) {
		m.OpenedOn = in.OpenedOn
	}
	return m
}

func (sh *Sheet) changed(a, b domain.Organisation) []string {
	var out []string
	diff := func(f Field, x, y string) {
		if x != y {
			out = append(out, apiNames[f])
		}
	}
	diff(FieldFullName, a.FullName, b.FullName)
	diff(FieldShortName, a.ShortName, b.ShortName)
	if a.Kind != b.Kind {
		out = append(out, apiNames[FieldKind])
	}
	diff(FieldAddress, a.Address, b.Address)
	diff(FieldTimeZone, a.TimeZone, b.TimeZone)
	diff(FieldCuratorName, a.Curator.Name, b.Curator.Name)
	diff(FieldCuratorEmail, a.Curator.Email, b.Curator.Email)
	diff(FieldCuratorPhone, a.Curator.Phone, b.Curator.Phone)
	diff(FieldOpenedOn, dates.Format(a.OpenedOn), dates.Format(b.OpenedOn))
	return out
}

// problems turns the organisation's validation errors into row problems that
// name the file's columns.
func (sh *Sheet) problems(o domain.Organisation) []Problem {
	err := o.Validate()
	ve, ok := err.(*validation.Error)
	if !ok {
		return nil
	}
	var out []Problem
	for _, v := range ve.Violations {
		col := ""
		for f, name := range apiNames {
			if name == v.Field {
				col = sh.header(Field(f))
			}
		}
		if v.Field == "kind" {
			continue // reported by Plan as a missing or unknown kind
		}
		out = append(out, Problem{Column: col, Code: importCode(v), Description: v.Field + " " + v.Description, Russian: v.Russian})
	}
	return out
}

// importCode is the import's reason for a violation of an organisation's
// field: required and inn_checksum as they are, the field's other checks as
// invalid_<field>.
func importCode(v validation.Violation) string {
	switch v.Code {
	case "required", "inn_checksum":
		return v.Code
	}
	return "invalid_" + strings.ReplaceAll(v.Field, ".", "_")
}

func hasCode(ps []Problem, code string) bool {
	for _, p := range ps {
		if p.Code == code {
			return true
		}
	}
	return false
}
