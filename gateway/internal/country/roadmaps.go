package country

import (
	"context"
	"fmt"
	"strings"

	roadmapv1 "github.com/nastavnik/nastavnik/proto/gen/nastavnik/roadmap/v1"
)

// roadmapTable is a municipal roadmap in the style of the real ones, as the
// TSV a municipality exports from its document: %[1]s the municipality,
// %[2]d and %[3]d the period's years. Half of its items recur.
const roadmapTable = `Комплекс мер («Дорожная карта») по развитию системы наставничества в образовательных организациях: %[1]s, %[2]d – %[3]d гг.

№ п/п	мероприятие	форма представления результата	сроки	Ответственные
1	Нормативно-правовое регулирование системы наставничества			
1.1	Назначение ответственных за взаимодействие с региональным центром наставничества	Приказ управления образования	Февраль %[2]d	Управление образования
1.2	Актуализация положений о наставничестве в образовательных организациях	Локальные акты	Март – апрель %[2]d	Руководители ОО
2	Информационное сопровождение			
2.1	Обновление раздела «Наставничество» на сайтах ОО	Раздел сайта	Ежемесячно, до 25 числа	Руководители ОО
2.2	Публикация лучших практик наставничества	Публикации	Ежеквартально	Методический центр
3	Базы наставников и наставляемых			
3.1	Обновление муниципальной базы наставников	База наставников	Ежеквартально, до 5 числа	Методический центр, руководители ОО
3.2	Формирование базы наставляемых из числа молодых педагогов	База наставляемых	Ежегодно в сентябре	Методический центр
4	Обучение наставников			
4.1	Муниципальная школа наставника	План работы школы	Ежемесячно (сентябрь – май)	Методический центр
4.2	Курсы повышения квалификации наставников	Удостоверения	Ноябрь %[2]d, ноябрь %[3]d	Методический центр
5	Мониторинг			
5.1	Отчёт о реализации программ наставничества	Отчёт	Ежемесячно	Руководители ОО
5.2	Мониторинг целевой модели наставничества	Аналитическая справка	Ежегодно, не позднее 15 декабря	Методический центр
6	Подведение итогов			
6.1	Муниципальный конкурс «Наставник года»	Приказ об итогах	Ежегодно, март – апрель	Управление образования
6.2	Итоговая конференция	Материалы конференции	Декабрь %[3]d	Управление образования
`

// loadRoadmaps imports every municipality's roadmap for the years around
// the current one through the roadmap importer (idempotently, by request
// id).
func (c *Country) loadRoadmaps(ctx context.Context, conns Conns, st *Stats) (int, error) {
	muns := c.municipalities()
	client := roadmapv1.NewRoadmapServiceClient(conns.Roadmap)
	items := make([]int, len(muns))
	n, err := c.parallel(ctx, "roadmaps", len(muns), func(ctx context.Context, i int) (int, error) {
		m := muns[i]
		content := fmt.Sprintf(roadmapTable, m.Name, c.CurrentYear-1, c.CurrentYear+1)
		resp, err := client.ImportRoadmap(ctx, &roadmapv1.ImportRoadmapRequest{Owner: &roadmapv1.OwnerRef{MunicipalityId: m.ID},
			Format: roadmapv1.ImportFormat_IMPORT_FORMAT_TSV, Content: []byte(content), RequestId: c.id("roadmap", m.ID)})
		if err != nil {
			return 0, fmt.Errorf("roadmap of %s: %w", m.Name, err)
		}
		if bad := resp.GetDeadlinesNotUnderstood(); len(bad) > 0 {
			return 0, fmt.Errorf("roadmap of %s: deadlines of %s not understood", m.Name, strings.Join(bad, ", "))
		}
		for _, s := range resp.GetRoadmap().GetStages() {
			items[i] += len(s.GetItems())
		}
		return 1, nil
	})
	st.Roadmaps = n
	for _, k := range items {
		st.RoadmapItems += k
	}
	return n, err
}
