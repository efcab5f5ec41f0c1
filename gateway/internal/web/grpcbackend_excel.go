package web

import (
	"context"
	"slices"

	indicatorsv1 "github.com/nastavnik/nastavnik/proto/gen/nastavnik/indicators/v1"
)

var _ ExcelBackend = (*grpcBackend)(nil)

// CheckReport asks the indicators service for the violations of the report's
// values with values put over them, saving nothing. The service takes no
// "clear" here, so an emptied field is left out of the call and the
// violations that concern it are dropped: a rule is checked only once all its
// fields are filled, so none of them would hold with the field empty.
func (b *grpcBackend) CheckReport(ctx context.Context, id string, values map[string]FieldInput) ([]ViolationView, error) {
	req := &indicatorsv1.CheckReportRequest{Id: id, Values: map[string]*indicatorsv1.Value{}}
	var cleared []string
	for code, in := range values {
		if in.Clear {
			cleared = append(cleared, code)
			continue
		}
		req.Values[code] = protoValue(in)
	}
	resp, err := b.reports.CheckReport(ctx, req)
	if err != nil {
		return nil, err
	}
	var out []ViolationView
	for _, x := range resp.GetViolations() {
		if slices.ContainsFunc(x.GetFields(), func(f string) bool { return slices.Contains(cleared, f) }) {
			continue
		}
		out = append(out, ViolationView{Rule: x.GetRule(), Message: x.GetMessage(),
			Warning: x.GetSeverity() == indicatorsv1.Severity_SEVERITY_WARNING, Fields: x.GetFields()})
	}
	return out, nil
}
