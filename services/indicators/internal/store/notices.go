package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/nastavnik/nastavnik/platform/notify"
	"github.com/nastavnik/nastavnik/services/indicators/internal/domain"
	"github.com/nastavnik/nastavnik/services/indicators/internal/form"
	"github.com/nastavnik/nastavnik/services/indicators/internal/notices"
)

// enqueueReportNotices writes the notifications of a report's change (after
// it, with its events) into the outbox, in the change's transaction.
func enqueueReportNotices(ctx context.Context, tx pgx.Tx, after domain.Report, events []domain.Event, f form.Form, now time.Time) error {
	status := false
	for _, e := range events {
		status = status || e.Kind == "status"
	}
	if !status {
		return nil
	}
	var campaign string
	var resubmitted bool
	// A submission is a resubmission when the report was returned before.
	if err := tx.QueryRow(ctx, `SELECT c.name, EXISTS (SELECT 1 FROM report_events e WHERE e.report_id = $2
			AND e.kind = 'status' AND e.new_value = 'returned')
		FROM campaigns c WHERE c.id = $1`, after.CampaignID, after.ID).Scan(&campaign, &resubmitted); err != nil {
		return fmt.Errorf("notices: %w", err)
	}
	_, err := notify.Enqueue(ctx, tx, now, notices.ForReport(after, events, campaign, f, resubmitted, now)...)
	return err
}

// enqueueSignedOff writes the regional centre's notice of a signing at now,
// in the sign-off's transaction. The municipality's time is its
// organisations' zone in the campaign (Moscow's for one without any).
func enqueueSignedOff(ctx context.Context, tx pgx.Tx, key SignOffKey, so domain.SignOff, now time.Time) error {
	var campaign, zone string
	if err := tx.QueryRow(ctx, `SELECT c.name, COALESCE((SELECT co.time_zone FROM campaign_organisations co
			WHERE co.campaign_id = c.id AND co.municipality_id = $2 ORDER BY co.organisation_id LIMIT 1), 'Europe/Moscow')
		FROM campaigns c WHERE c.id = $1`, key.CampaignID, key.MunicipalityID).Scan(&campaign, &zone); err != nil {
		return fmt.Errorf("notices: %w", err)
	}
	_, err := notify.Enqueue(ctx, tx, now, notices.SignedOff(key.CampaignID, campaign, key.MunicipalityID, key.MunicipalityName,
		key.RegionCode, zone, so.Version, now))
	return err
}

// ScheduleReminders writes the reminders due at now into the outbox: for
// every organisation of an open campaign whose report is neither submitted
// nor accepted, the latest of the campaign's reminder points (days before the
// organisation's own deadline, extensions included, at the campaign's time of
// day in the organisation's zone) that has come and whose deadline day has
// not ended there. The key names the campaign, the organisation, the
// deadline and the point, so each reminder is written once, by whichever
// replica comes first; points missed while nothing ran collapse into the
// latest. It returns how many it wrote.
//
// It runs every half minute on every replica, so it reads only what can be
// due (at country scale 45,000 organisations, five years of campaigns): the
// open campaigns with a deadline, theirs or an extension's, near now — a
// point comes at most its days and a zone's offset before the deadline, the
// deadline day ends at most a day and an offset after it, so two days of
// margin on either side lose nothing — their submitted and accepted reports
// and their organisations by campaign (migration 12's indexes), and the
// outbox only for the reminders not written yet; names are read for those
// alone.
func (s *Store) ScheduleReminders(ctx context.Context, now time.Time) (int, error) {
	tag, err := s.pool.Exec(ctx, `WITH open AS MATERIALIZED (
			SELECT c.id, c.deadline, c.reminder_days, c.reminder_time
			FROM campaigns c, LATERAL (SELECT ($1::timestamptz AT TIME ZONE 'UTC')::date AS today,
				(SELECT max(d) FROM unnest(c.reminder_days) AS d) AS far) w
			WHERE c.status = 1 AND cardinality(c.reminder_days) > 0
				AND (c.deadline BETWEEN w.today - 2 AND w.today + 2 + w.far
					OR EXISTS (SELECT 1 FROM extensions x WHERE x.campaign_id = c.id
						AND x.deadline BETWEEN w.today - 2 AND w.today + 2 + w.far))
		), done AS MATERIALIZED (
			SELECT r.campaign_id, r.organisation_id
			FROM open c JOIN reports r ON r.campaign_id = c.id WHERE r.status IN (2, 4)
		), extended AS MATERIALIZED (
			SELECT DISTINCT ON (x.campaign_id, x.organisation_id) x.campaign_id, x.organisation_id, x.deadline
			FROM open c JOIN extensions x ON x.campaign_id = c.id
			ORDER BY x.campaign_id, x.organisation_id, x.id DESC
		), eff AS (
			SELECT c.id AS campaign_id, co.organisation_id, co.time_zone, c.reminder_days, c.reminder_time,
				COALESCE(x.deadline, c.deadline) AS deadline
			FROM open c JOIN campaign_organisations co ON co.campaign_id = c.id AND co.dropped_on IS NULL
			LEFT JOIN extended x ON x.campaign_id = co.campaign_id AND x.organisation_id = co.organisation_id
			WHERE NOT EXISTS (SELECT 1 FROM done WHERE done.campaign_id = co.campaign_id
				AND done.organisation_id = co.organisation_id)
		), due AS (
			SELECT DISTINCT ON (e.campaign_id, e.organisation_id) e.*, d AS days,
				((e.deadline - d) + e.reminder_time) AT TIME ZONE e.time_zone AS at
			FROM eff e CROSS JOIN LATERAL unnest(e.reminder_days) AS d
			WHERE ((e.deadline - d) + e.reminder_time) AT TIME ZONE e.time_zone <= $1
				AND $1 < ((e.deadline + 1)::timestamp AT TIME ZONE e.time_zone)
			ORDER BY e.campaign_id, e.organisation_id, d
		), new AS MATERIALIZED (
			SELECT k.* FROM (SELECT due.*, 'reminder:' || campaign_id || ':' || organisation_id || ':' || deadline || ':' || days AS key
				FROM due) k
			-- One probe of the key's index a row: as NOT EXISTS the planner
			-- may hash the whole outbox, which only grows.
			WHERE (SELECT 1 FROM notify_events n WHERE n.key = k.key) IS NULL
		)
		INSERT INTO notify_events (key, kind, audience, ref, data, digest, due_time, create_time)
		SELECT k.key, $2, jsonb_build_array(jsonb_build_object('role', $3::text, 'scope', k.organisation_id::text)),
			k.campaign_id || '/' || k.organisation_id,
			jsonb_build_object('campaign', c.name, 'organisation', co.short_name, 'timeZone', k.time_zone,
				'deadline', k.deadline::text, 'days', k.days, 'at', to_char(k.at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')),
			false, k.at, $1
		FROM new k JOIN campaigns c ON c.id = k.campaign_id
			JOIN campaign_organisations co ON co.campaign_id = k.campaign_id AND co.organisation_id = k.organisation_id
		ON CONFLICT (key) DO NOTHING`, now, notices.KindReminder, notify.Curator)
	if err != nil {
		return 0, fmt.Errorf("store.ScheduleReminders: %w", err)
	}
	return int(tag.RowsAffected()), nil
}

// Guard is the outbox's check, in the transaction that hands a message
// over, that it is still wanted: a reminder only while the campaign is open,
// the organisation expected and its report neither submitted nor accepted.
// The report's row is locked for share, so a submission waits for the
// hand-over rather than slipping past it.
func (s *Store) Guard(ctx context.Context, tx pgx.Tx, kind, ref string) (bool, error) {
	if kind != notices.KindReminder {
		return true, nil
	}
	campaignID, orgID, ok := strings.Cut(ref, "/")
	if !ok {
		return false, nil
	}
	var open bool
	err := tx.QueryRow(ctx, `SELECT c.status = 1 AND co.dropped_on IS NULL
		FROM campaigns c JOIN campaign_organisations co ON co.campaign_id = c.id
		WHERE c.id = $1::uuid AND co.organisation_id = $2::uuid`, campaignID, orgID).Scan(&open)
	if errors.Is(err, pgx.ErrNoRows) || (err == nil && !open) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("store.Guard: %w", err)
	}
	var status int16
	err = tx.QueryRow(ctx, `SELECT status FROM reports WHERE campaign_id = $1::uuid AND organisation_id = $2::uuid FOR SHARE`,
		campaignID, orgID).Scan(&status)
	if errors.Is(err, pgx.ErrNoRows) {
		return true, nil
	}
	if err != nil {
		return false, fmt.Errorf("store.Guard: %w", err)
	}
	return status != int16(domain.Submitted) && status != int16(domain.Accepted), nil
}

// Inbox is the outbox's messages as their recipients' notifications.
func (s *Store) Inbox() notify.Inbox { return notify.Inbox{Pool: s.pool} }

// ScheduleDigests writes the methodologists' morning digests due at now: in
// December, from 08:00 in the municipality's zone (its schools'), once a
// day per municipality with an open campaign: reports submitted yesterday,
// waiting for review, returned and not yet resubmitted, missing, and
// submitted late. It returns how many it wrote.
//
// Like the reminders it runs every half minute on every replica: outside
// the days when some zone is in December (December two days either side in
// UTC covers every zone) it reads nothing, and in December the open
// campaigns' organisations by campaign (migration 12's index), once.
func (s *Store) ScheduleDigests(ctx context.Context, now time.Time) (int, error) {
	tag, err := s.pool.Exec(ctx, `WITH live AS MATERIALIZED (
			SELECT co.campaign_id, co.organisation_id, co.municipality_id, co.time_zone
			FROM campaigns c JOIN campaign_organisations co ON co.campaign_id = c.id AND co.dropped_on IS NULL
			WHERE c.status = 1 AND (extract(month FROM ($1::timestamptz - interval '2 days') AT TIME ZONE 'UTC') = 12
				OR extract(month FROM ($1::timestamptz + interval '2 days') AT TIME ZONE 'UTC') = 12)
		), mun AS (
			SELECT l.municipality_id, min(l.time_zone) AS tz FROM live l GROUP BY l.municipality_id
		), due AS (
			SELECT m.municipality_id, m.tz, ($1::timestamptz AT TIME ZONE m.tz)::date AS day
			FROM mun m
			WHERE extract(month FROM $1::timestamptz AT TIME ZONE m.tz) = 12
				AND ($1::timestamptz AT TIME ZONE m.tz)::time >= '08:00'
				AND NOT EXISTS (SELECT 1 FROM notify_events n WHERE n.key = 'digest:' || m.municipality_id || ':' ||
					($1::timestamptz AT TIME ZONE m.tz)::date)
		), counts AS (
			SELECT d.municipality_id, d.tz, d.day,
				count(*) FILTER (WHERE r.status IN (2, 4) AND (r.submit_time AT TIME ZONE d.tz)::date = d.day - 1) AS yesterday,
				count(*) FILTER (WHERE r.status = 2) AS waiting,
				count(*) FILTER (WHERE r.status = 3 OR (r.status = 1 AND r.return_comment <> '')) AS returned,
				count(*) FILTER (WHERE r.id IS NULL OR (r.status = 1 AND r.return_comment = '')) AS missing,
				count(*) FILTER (WHERE r.status IN (2, 4) AND r.late) AS late
			FROM due d JOIN live l ON l.municipality_id = d.municipality_id
			LEFT JOIN reports r ON r.campaign_id = l.campaign_id AND r.organisation_id = l.organisation_id
			GROUP BY d.municipality_id, d.tz, d.day
		)
		INSERT INTO notify_events (key, kind, audience, ref, data, digest, due_time, create_time)
		SELECT 'digest:' || k.municipality_id || ':' || k.day, $2,
			jsonb_build_array(jsonb_build_object('role', $3::text, 'scope', k.municipality_id::text)), '',
			jsonb_build_object('digest', true, 'day', k.day::text, 'timeZone', k.tz, 'yesterday', k.yesterday,
				'waiting', k.waiting, 'returned', k.returned, 'missing', k.missing, 'late', k.late),
			true, $1, $1
		FROM counts k
		ON CONFLICT (key) DO NOTHING`, now, notices.KindDigest, notify.Methodologist)
	if err != nil {
		return 0, fmt.Errorf("store.ScheduleDigests: %w", err)
	}
	return int(tag.RowsAffected()), nil
}
