package app

import (
	"context"
	"time"

	"github.com/nastavnik/nastavnik/platform/notify"
	"github.com/nastavnik/nastavnik/platform/service"
	"github.com/nastavnik/nastavnik/services/indicators/internal/notices"
	"github.com/nastavnik/nastavnik/services/indicators/internal/store"
)

// startNotices runs the service's outbox in the background: reminders and
// the December digests scheduled, events expanded through the registry,
// messages sent by SMTP (NASTAVNIK_SMTP_*; with no host the messages wait,
// recorded).
func startNotices(env service.Env, st *store.Store) error {
	tmpl, err := notices.Templates(env.Notify.PublicURL)
	if err != nil {
		return err
	}
	env.StartOutbox(notify.Service{Name: "indicators", Templates: tmpl, Guard: st.Guard},
		func(ctx context.Context, now time.Time) error {
			_, err := st.ScheduleReminders(ctx, now)
			return err
		}, func(ctx context.Context, now time.Time) error {
			_, err := st.ScheduleDigests(ctx, now)
			return err
		})
	return nil
}
