package notices_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/nastavnik/nastavnik/platform/notify"
	"github.com/nastavnik/nastavnik/services/roadmap/internal/notices"
)

// TestTemplatesRenderEveryKind renders each kind's subject, text and HTML
// from data as the service writes it: no missing value, Russian dates and
// plurals, the bounded lists' «и ещё N», and an unsubscribe link on digests
// only.
func TestTemplatesRenderEveryKind(t *testing.T) {
	tmpl, err := notices.Templates("https://nastavnik.test")
	if err != nil {
		t.Fatal(err)
	}
	var dues []time.Time
	for m := 1; m <= 8; m++ {
		dues = append(dues, time.Date(2027, time.Month(m), 15, 0, 0, 0, 0, time.UTC))
	}
	handed := notices.HandedDown{SourceItemID: "src", Organisation: "org", OrganisationName: "МБОУ СШ № 7",
		TimeZone: "Asia/Kamchatka", From: "Дорожная карта: городской округ", RoadmapID: "rm", ItemID: "it", Number: "1.3",
		Measure: "Провести форум наставников", DeadlineText: "Ежемесячно, 15 числа", Dues: dues}.Event()
	item := map[string]any{"number": "2.1", "measure": "Разработать положение", "due": "2026-03-31", "days": 21}
	tests := []struct {
		kind   string
		data   any
		digest bool
		want   []string
	}{
		{notices.KindHandedDown, handed.Data, false, []string{"Новое мероприятие в дорожной карте: МБОУ СШ № 7",
			"Провести форум наставников", "15 января 2027 г.", "15 июня 2027 г.", "и ещё 2 срока", "Asia/Kamchatka",
			"https://nastavnik.test/roadmap/rm/items/it"}},
		{notices.KindCuratorDigest, map[string]any{"digest": true, "organisation": "МБОУ СШ № 7", "timeZone": "Asia/Kamchatka",
			"day": "2026-04-21", "week": "2026-04-20", "total": 11, "items": []any{item}, "more": 1},
			true, []string{"Просрочено в дорожной карте: 11 мероприятий, МБОУ СШ № 7", "На 21 апреля 2026 г.",
				"срок 31 марта 2026 г., просрочено на 21 день", "и ещё 1"}},
		{notices.KindMethodologistDigest, map[string]any{"digest": true, "municipality": "городской округ", "timeZone": "Asia/Krasnoyarsk",
			"day": "2026-04-20", "week": "2026-04-20", "total": 23, "ownTotal": 1, "own": []any{item}, "ownMore": 0,
			"schoolsTotal": 17, "schoolItems": 22, "schools": []any{map[string]any{"name": "МАОУ СШ № 150", "count": 3}}, "schoolsMore": 16},
			true, []string{"Просрочено в дорожных картах муниципалитета: 23 мероприятия", "просрочено 1 мероприятие:",
				"просрочено 22 мероприятия, школ с просрочкой — 17", "МАОУ СШ № 150: 3", "и ещё 16 школ", "https://nastavnik.test/overdue"}},
	}
	for _, tc := range tests {
		t.Run(tc.kind, func(t *testing.T) {
			data, err := json.Marshal(tc.data)
			if err != nil {
				t.Fatal(err)
			}
			c, err := tmpl.Render(tc.kind, data, notify.Recipient{AccountID: "acc", Name: "Мария Петровна"})
			if err != nil {
				t.Fatal(err)
			}
			all := c.Subject + "\n" + c.Text + "\n" + c.HTML
			for _, w := range tc.want {
				if !strings.Contains(c.Subject+"\n"+c.Text, w) {
					t.Errorf("lacks %q:\n%s\n%s", w, c.Subject, c.Text)
				}
			}
			if strings.Contains(all, "<no value>") || strings.Contains(all, "%!") {
				t.Errorf("a missing value:\n%s", all)
			}
			if got := c.Unsubscribe != "" && strings.Contains(c.Text, c.Unsubscribe); got != tc.digest {
				t.Errorf("unsubscribe link %q in the text: %v, want %v", c.Unsubscribe, got, tc.digest)
			}
		})
	}
}
