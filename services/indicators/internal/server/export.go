package server

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"

	"github.com/nastavnik/nastavnik/platform/identity"
	indicatorsv1 "github.com/nastavnik/nastavnik/proto/gen/nastavnik/indicators/v1"
	"github.com/nastavnik/nastavnik/services/indicators/internal/indicator"
)

// exportHeader is the header row of exported aggregates, in Russian.
var exportHeader = []string{"Уровень", "Код", "Наименование", "Год", "Показатель", "Значение", "Единица", "Числитель", "Знаменатель",
	"Отчитались", "Ожидалось", "Охват, %", "Целевое значение", "Статус", "Значение за прошлый год", "Изменение", "Сопоставимо с прошлым годом"}

var levelNamesRU = map[indicatorsv1.Level]string{
	indicatorsv1.Level_LEVEL_ORGANISATION: "организация", indicatorsv1.Level_LEVEL_MUNICIPALITY: "муниципалитет",
	indicatorsv1.Level_LEVEL_REGION: "регион", indicatorsv1.Level_LEVEL_COUNTRY: "страна",
}

var statusNamesRU = map[indicatorsv1.TargetStatus]string{
	indicatorsv1.TargetStatus_TARGET_STATUS_MET: "достигнуто", indicatorsv1.TargetStatus_TARGET_STATUS_NOT_MET: "не достигнуто",
	indicatorsv1.TargetStatus_TARGET_STATUS_NO_DATA: "нет данных", indicatorsv1.TargetStatus_TARGET_STATUS_NO_TARGET: "цель не задана",
}

// cell is one exported value: a number (when num) or text.
type cell struct {
	text string
	num  *float64
}

func textCell(s string) cell { return cell{text: s} }

func numCell(v float64) cell { return cell{num: &v} }

func optCell(v *float64) cell {
	if v == nil {
		return cell{}
	}
	return numCell(*v)
}

// exportRows lays aggregates out as rows of cells.
func exportRows(rows []*indicatorsv1.Aggregate, defs map[string]indicator.Definition) [][]cell {
	out := make([][]cell, 0, len(rows))
	for _, r := range rows {
		d := defs[r.GetIndicatorCode()]
		comparable := "да"
		if !r.GetComparable() {
			comparable = "нет"
		}
		out = append(out, []cell{
			textCell(levelNamesRU[r.GetLevel()]), textCell(r.GetUnit()), textCell(r.GetUnitName()), numCell(float64(r.GetYear())),
			textCell(d.Name), optCell(r.Value), textCell(d.Unit), numCell(float64(r.GetNumerator())), numCell(float64(r.GetDenominator())),
			numCell(float64(r.GetContributors())), numCell(float64(r.GetExpected())), numCell(r.GetCoverage()), optCell(r.Target),
			textCell(statusNamesRU[r.GetStatus()]), optCell(r.PreviousValue), optCell(r.Change), textCell(comparable),
		})
	}
	return out
}

// russianNumber writes a number as Russian spreadsheets read it: a decimal
// comma, at most four decimals.
func russianNumber(v float64) string {
	s := strconv.FormatFloat(v, 'f', 4, 64)
	s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	return strings.Replace(s, ".", ",", 1)
}

// inertText keeps a text cell from becoming a formula when a spreadsheet
// opens the file: a cell that starts with =, +, -, @ (or a tab or carriage
// return before one) gets a leading apostrophe, which Excel and LibreOffice
// read as "text" and do not show. Numbers are written apart and keep their
// sign.
func inertText(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// writeCSV writes UTF-8 with a byte order mark and semicolons, which Excel
// in a Russian locale opens as columns.
func writeCSV(rows [][]cell) ([]byte, error) {
	var b bytes.Buffer
	b.WriteString("\uFEFF")
	w := csv.NewWriter(&b)
	w.Comma = ';'
	if err := w.Write(exportHeader); err != nil {
		return nil, err
	}
	for _, r := range rows {
		rec := make([]string, len(r))
		for i, c := range r {
			rec[i] = inertText(c.text)
			if c.num != nil {
				rec[i] = russianNumber(*c.num)
			}
		}
		if err := w.Write(rec); err != nil {
			return nil, err
		}
	}
	w.Flush()
	return b.Bytes(), w.Error()
}

func writeXLSX(rows [][]cell) ([]byte, error) {
	f := excelize.NewFile()
	defer f.Close()
	const sheet = "Показатели"
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		return nil, err
	}
	sw, err := f.NewStreamWriter(sheet)
	if err != nil {
		return nil, err
	}
	header := make([]any, len(exportHeader))
	for i, h := range exportHeader {
		header[i] = h
	}
	if err := sw.SetRow("A1", header); err != nil {
		return nil, err
	}
	for i, r := range rows {
		vals := make([]any, len(r))
		for j, c := range r {
			vals[j] = c.text
			if c.num != nil {
				vals[j] = *c.num
			}
		}
		addr, err := excelize.CoordinatesToCellName(1, i+2)
		if err != nil {
			return nil, err
		}
		if err := sw.SetRow(addr, vals); err != nil {
			return nil, err
		}
	}
	if err := sw.Flush(); err != nil {
		return nil, err
	}
	var b bytes.Buffer
	if err := f.Write(&b); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// ExportAggregates implements AggregateService.
func (a *Aggregates) ExportAggregates(ctx context.Context, req *indicatorsv1.ExportAggregatesRequest) (*indicatorsv1.ExportAggregatesResponse, error) {
	p, err := identity.Caller(ctx)
	if err != nil {
		return nil, err
	}
	q, err := a.check(ctx, p, req.GetQuery(), "query.")
	if err != nil {
		return nil, err
	}
	rows, err := a.rows(ctx, p, q)
	if err != nil {
		return nil, err
	}
	defs := map[string]indicator.Definition{}
	for _, d := range q.defs {
		defs[d.Code] = d
	}
	cells := exportRows(rows, defs)
	name := fmt.Sprintf("pokazateli-%s-%d-%d", q.Level, q.Years[0], q.Years[len(q.Years)-1])
	resp := &indicatorsv1.ExportAggregatesResponse{}
	switch req.GetFormat() {
	case indicatorsv1.ExportFormat_EXPORT_FORMAT_XLSX:
		resp.Content, err = writeXLSX(cells)
		resp.FileName, resp.ContentType = name+".xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	default:
		resp.Content, err = writeCSV(cells)
		resp.FileName, resp.ContentType = name+".csv", "text/csv; charset=utf-8"
	}
	if err != nil {
		return nil, err
	}
	return resp, nil
}
