package grpcserver

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/nastavnik/nastavnik/platform/validation"
	indicatorsv1 "github.com/nastavnik/nastavnik/proto/gen/nastavnik/indicators/v1"
)

// A bad string inside a map's value or a list is named by its path: the map
// key quoted, the list index.
func TestTextProblemsNameMapAndListElements(t *testing.T) {
	t.Parallel()
	req := &indicatorsv1.SaveReportRequest{
		Values: map[string]*indicatorsv1.Value{
			"comment":        {Kind: &indicatorsv1.Value_Text{Text: "a\x00b"}},
			"teachers_total": {Kind: &indicatorsv1.Value_Count{Count: 12}},
		},
		Confirm: []string{"act_order", "act\u202eregulation"},
	}
	var out validation.Error
	textProblems(req.ProtoReflect(), "", &out)
	got := map[string]string{}
	for _, v := range out.Violations {
		got[v.Field] = v.Code
	}
	want := map[string]string{`values["comment"].text`: "nul_character", "confirm[1]": "bidi_control"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("violations (-want +got):\n%s", diff)
	}
}
