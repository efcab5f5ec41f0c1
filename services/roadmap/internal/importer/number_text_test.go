package importer

import (
	"testing"
)

// TestTextInTheNumberColumnOnce: text in the number column is moved into
// the measure, not copied: a note about text before the first stage, and a
// stage title wrapped onto the next row, say it once.
func TestTextInTheNumberColumnOnce(t *testing.T) {
	tests := []struct {
		name, doc string
		want      string // the before-stage note's text, or the stage's title
		title     bool
	}{
		{name: "note, all in the number column",
			doc:  "№\tМероприятие\tСрок\tОтветственный\nСогласовано с управлением\t\t\t\n1\tОрганизационный этап\t\t\n1.1\tСоздать рабочую группу\tдо 01.03.2022\tдиректор\n",
			want: "Согласовано с управлением"},
		{name: "note, split over number and measure",
			doc:  "№\tМероприятие\tСрок\tОтветственный\nСогласовано\tс управлением\t\t\n1\tОрганизационный этап\t\t\n1.1\tСоздать рабочую группу\tдо 01.03.2022\tдиректор\n",
			want: "Согласовано с управлением"},
		{name: "stage title wrapped into the number column",
			doc:   "№\tМероприятие\tСрок\tОтветственный\n1\tОрганизационный\t\t\nэтап\t\t\t\n1.1\tСоздать рабочую группу\tдо 01.03.2022\tдиректор\n",
			want:  "Организационный этап",
			title: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := ParseTSV(tc.doc, Options{})
			if tc.title {
				if len(res.Roadmap.Stages) != 1 || res.Roadmap.Stages[0].Title != tc.want {
					t.Fatalf("stages %+v, want one titled %q", res.Roadmap.Stages, tc.want)
				}
				return
			}
			var got []any
			for _, r := range res.Rows {
				for _, n := range r.Notes {
					if n.Code == "import_before_stage" {
						got = append(got, n.Params["text"])
					}
				}
			}
			if len(got) != 1 || got[0] != tc.want {
				t.Errorf("before-stage notes %q, want one %q", got, tc.want)
			}
		})
	}
}
