package web

import (
	"context"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"
)

// fakeNotices is a person's notifications.
type fakeNotices struct {
	items  []NoticeRow
	marked [][]string
}

func (f *fakeNotices) Notices(context.Context, string) (NoticePage, error) {
	out := NoticePage{Items: f.items}
	for _, n := range f.items {
		if !n.Read {
			out.Unread++
		}
	}
	return out, nil
}

func (f *fakeNotices) MarkNoticesRead(_ context.Context, ids []string) error {
	f.marked = append(f.marked, ids)
	for i := range f.items {
		if len(ids) == 0 || slices.Contains(ids, f.items[i].ID) {
			f.items[i].Read = true
		}
	}
	return nil
}

func TestNoticesPageOverAFake(t *testing.T) {
	t.Parallel()
	p, _, h := newTestPages(t, time.Date(2026, 12, 13, 9, 0, 0, 0, time.UTC))
	f := &fakeNotices{items: []NoticeRow{
		{ID: "indicators-7", Kind: "report_returned", Subject: "Отчёт возвращён на доработку", Text: "Комментарий: Проверьте численность",
			Time: time.Date(2026, 12, 12, 7, 30, 0, 0, time.UTC)},
		{ID: "roadmap-3", Kind: "roadmap_item_handed_down", Subject: "До конца сдачи отчёта 3 дня", Text: "Отчёт ещё не сдан", Read: true,
			Time: time.Date(2026, 12, 12, 7, 0, 0, 0, time.UTC)},
	}}
	p.notices = f
	_, page := do(t, h, "GET", "/", nil)
	mustContain(t, page, `href="/notifications">Уведомления <span class="tag tag--yellow">1<span class="skip"> непрочитанное`)
	resp, page := do(t, h, "GET", "/notifications", nil)
	if resp.StatusCode != 200 {
		t.Fatalf("page: %d", resp.StatusCode)
	}
	mustContain(t, page, "Непрочитанных: 1.", "notices__item--unread", "Отчёт возвращён на доработку", "Проверьте численность",
		`name="id" value="indicators-7"`, "Отметить все прочитанными", "12 декабря 2026 г.")
	if strings.Count(page, `name="id"`) != 1 {
		t.Errorf("a read notification offers «Прочитано»")
	}
	resp, _ = do(t, h, "POST", "/notifications/read", url.Values{"csrf_token": {csrfToken}, "id": {"indicators-7", "x", "7"}})
	if resp.StatusCode != 303 || len(f.marked) != 1 || !slices.Equal(f.marked[0], []string{"indicators-7"}) {
		t.Fatalf("mark one: %d %v", resp.StatusCode, f.marked)
	}
	_, page = do(t, h, "GET", "/notifications?done=read", nil)
	mustContain(t, page, "Отмечено как прочитанное.", "Все прочитаны.")
	f.items = nil
	_, page = do(t, h, "GET", "/notifications", nil)
	mustContain(t, page, "Уведомлений пока нет.")
}
