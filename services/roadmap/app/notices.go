package app

import (
	"context"
	"time"

	"github.com/nastavnik/nastavnik/platform/notify"
	"github.com/nastavnik/nastavnik/platform/notify/mailpit"
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
	tmpl.Unsubscribe = notify.UnsubscribeLink(env.Notify.PublicURL)
	ob := &notify.Outbox{Pool: env.Pool, Directory: notify.NewRegistry(env.Signer, env.Registry, "roadmap"),
		Renderer: tmpl, Guard: st.Guard, Domain: env.Notify.Domain(), Workers: env.Notify.Workers,
		Metrics: notify.NewMetrics(env.Metrics, notices.Kinds...), Logger: env.Logger}
	if env.Notify.SMTPHost != "" {
		ob.Mailer = notify.NewSMTP(env.Notify)
	}
	if env.Notify.CheckURL != "" {
		ob.Checker = &mailpit.Client{BaseURL: env.Notify.CheckURL}
	}
	interval := env.Notify.Interval
	if interval <= 0 {
		interval = 30 * time.Second
	}
	env.Go(func(ctx context.Context) error {
		return ob.Run(ctx, interval, func(ctx context.Context, now time.Time) error {
			_, err := st.ScheduleDigests(ctx, now)
			return err
		})
	})
	return nil
}
