package api

import (
	indicatorsv1 "github.com/nastavnik/nastavnik/proto/gen/nastavnik/indicators/v1"
)

// Marshal writes v as the API's JSON. Two answers are written by hand,
// because protojson, which reflects on every field and sorts each message's
// fields, costs more than the services that compute them:
//   - a report without values — the answer of a save in the BASIC view, the
//     curators' hot path at the peak — by appendReport
//     (TestReportJSONIsProtojsons compares them on many generated reports);
//   - the aggregates — a region's municipalities over two years are 2,088
//     rows, ~12 ms of the gateway's CPU in protojson at country scale — by
//     appendAggregates (TestAggregatesJSONIsProtojson).
//
// Both write what protojson writes with the API's options, field for field
// and value for value; everything else, any other options, and any message
// they cannot write exactly (a text that is not UTF-8) go through protojson.
func (j jsonBody) Marshal(v any) ([]byte, error) {
	if j.MarshalOptions == apiMarshalOptions {
		switch m := v.(type) {
		case *indicatorsv1.Report:
			if m != nil && len(m.Values) == 0 {
				if b, ok := appendReport(make([]byte, 0, reportSize(m)), m); ok {
					return b, nil
				}
			}
		case *indicatorsv1.GetAggregatesResponse:
			if b, ok := appendAggregates(make([]byte, 0, 512*len(m.GetAggregates())+32), m); ok {
				return b, nil
			}
		}
	}
	return j.JSONPb.Marshal(v)
}
