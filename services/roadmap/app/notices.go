package app

import (
	"context"
	"time"

	"github.com/nastavnik/nastavnik/platform/notify"
	"github.com/nastavnik/nastavnik/platform/service"
	"github.com/nastavnik/nastavnik/services/roadmap/internal/notices"
	"github.com/nastavnik/nastavnik/services/roadmap/internal/store"
)

// startNotices runs the service's outbox in the background: the weekly
// overdue digests scheduled, events (hand-down notices, digests) expanded
// through the registry, messages sent by SMTP (NASTAVNIK_SMTP_*; with no
// host the messages wait, recorded and listed).
func startNotices(env service.Env, st *store.Store) error {
	tmpl, err := notices.Templates(env.Notify.PublicURL)
	if err != nil {
		return err
	}
	env.StartOutbox(notify.Service{Name: "roadmap", Templates: tmpl, Guard: st.Guard},
		func(ctx context.Context, now time.Time) error {
			_, err := st.ScheduleDigests(ctx, now)
			return err
		})
	return nil
}
