package store

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/nastavnik/nastavnik/platform/notify"
	"github.com/nastavnik/nastavnik/services/roadmap/internal/notices"
)

// The weekly digests of overdue roadmap occurrences. A digest is due from
// Monday DigestHour:00 of the local week (the school's zone for its
// curators; the municipality's for its methodologists: its municipal
// roadmap's zone, or its schools' when it has none) and is written once per
// week and audience: its key names the audience and the local Monday, so
// every replica and every tick of that week writes nothing more. A digest
// missed while the service was down is written at the first tick after, in
// the same week; an audience with nothing overdue gets none (and gets one
// later that week if something becomes overdue by then).
//
// A digest's content is fixed when it is written; its ref names its scope
// and that instant ("<organisation or municipality>@<unix µs>"), so the
// outbox's Guard can ask at send time whether anything overdue then is
// still not done (see Guard).

// scheduleCuratorDigests writes the curators' digests due at now.
const scheduleCuratorDigests = `WITH org AS (
		SELECT r.organisation, min(r.owner_name) AS name, min(r.time_zone) AS tz
		FROM roadmap r WHERE r.owner_kind = 'organisation' GROUP BY r.organisation
	), due AS (
		SELECT o.*, ($1::timestamptz AT TIME ZONE o.tz)::date AS today,
			date_trunc('week', $1::timestamptz AT TIME ZONE o.tz)::date AS week
		FROM org o
		WHERE ($1::timestamptz AT TIME ZONE o.tz) >= date_trunc('week', $1::timestamptz AT TIME ZONE o.tz) + make_interval(hours => $4)
			AND NOT EXISTS (SELECT 1 FROM notify_events n WHERE n.key = $2 || ':' || o.organisation || ':' ||
				date_trunc('week', $1::timestamptz AT TIME ZONE o.tz)::date)
	), od AS (
		SELECT d.organisation, d.name, d.tz, d.today, d.week, i.number, i.measure, oc.due,
			row_number() OVER (PARTITION BY d.organisation ORDER BY oc.due, i.number, i.id) AS rn
		FROM due d JOIN roadmap r ON r.organisation = d.organisation AND r.owner_kind = 'organisation'
		JOIN occurrence oc ON oc.roadmap_id = r.id AND NOT oc.done AND oc.scheduled AND oc.due_end <= $1
		JOIN item i ON i.id = oc.item_id
	), digest AS (
		SELECT organisation, name, tz, today, week, count(*) AS total,
			jsonb_agg(jsonb_build_object('number', number, 'measure', measure, 'due', due::text, 'days', today - due)
				ORDER BY rn) FILTER (WHERE rn <= $5) AS items
		FROM od GROUP BY organisation, name, tz, today, week
	)
	INSERT INTO notify_events (key, kind, audience, ref, data, digest, due_time, create_time)
	SELECT $2 || ':' || organisation || ':' || week, $2,
		jsonb_build_array(jsonb_build_object('role', $3::text, 'scope', organisation::text)), organisation || '@' || $6::text,
		jsonb_build_object('digest', true, 'organisation', name, 'timeZone', tz, 'day', today::text, 'week', week::text,
			'total', total, 'items', items, 'more', greatest(total - $5, 0)),
		true, $1, $1
	FROM digest
	ON CONFLICT (key) DO NOTHING`

// scheduleMethodologistDigests writes the methodologists' digests due at
// now: the municipal roadmap's overdue occurrences and its schools' counts.
const scheduleMethodologistDigests = `WITH mun AS (
		SELECT r.municipality,
			min(r.owner_name) FILTER (WHERE r.owner_kind = 'municipality') AS name,
			coalesce(min(r.time_zone) FILTER (WHERE r.owner_kind = 'municipality'), min(r.time_zone)) AS tz
		FROM roadmap r WHERE r.municipality IS NOT NULL AND r.owner_kind IN ('municipality', 'organisation')
		GROUP BY r.municipality
	), due AS (
		SELECT m.*, ($1::timestamptz AT TIME ZONE m.tz)::date AS today,
			date_trunc('week', $1::timestamptz AT TIME ZONE m.tz)::date AS week
		FROM mun m
		WHERE ($1::timestamptz AT TIME ZONE m.tz) >= date_trunc('week', $1::timestamptz AT TIME ZONE m.tz) + make_interval(hours => $4)
			AND NOT EXISTS (SELECT 1 FROM notify_events n WHERE n.key = $2 || ':' || m.municipality || ':' ||
				date_trunc('week', $1::timestamptz AT TIME ZONE m.tz)::date)
	), od AS (
		SELECT d.municipality, r.owner_kind, r.organisation, r.owner_name, i.number, i.measure, oc.due, d.today
		FROM due d JOIN roadmap r ON r.municipality = d.municipality AND r.owner_kind IN ('municipality', 'organisation')
		JOIN occurrence oc ON oc.roadmap_id = r.id AND NOT oc.done AND oc.scheduled AND oc.due_end <= $1
		JOIN item i ON i.id = oc.item_id
	), own AS (
		SELECT municipality, count(*) AS total,
			jsonb_agg(jsonb_build_object('number', number, 'measure', measure, 'due', due::text, 'days', today - due)
				ORDER BY rn) FILTER (WHERE rn <= $5) AS items
		FROM (SELECT od.*, row_number() OVER (PARTITION BY municipality ORDER BY due, number) AS rn
			FROM od WHERE owner_kind = 'municipality') x
		GROUP BY municipality
	), school AS (
		SELECT municipality, organisation, min(owner_name) AS name, count(*) AS n
		FROM od WHERE owner_kind = 'organisation' GROUP BY municipality, organisation
	), schools AS (
		SELECT municipality, count(*) AS total, sum(n) AS items,
			jsonb_agg(jsonb_build_object('name', name, 'count', n) ORDER BY rn) FILTER (WHERE rn <= $6) AS list
		FROM (SELECT s.*, row_number() OVER (PARTITION BY municipality ORDER BY n DESC, name, organisation) AS rn FROM school s) x
		GROUP BY municipality
	)
	INSERT INTO notify_events (key, kind, audience, ref, data, digest, due_time, create_time)
	SELECT $2 || ':' || d.municipality || ':' || d.week, $2,
		jsonb_build_array(jsonb_build_object('role', $3::text, 'scope', d.municipality::text)), d.municipality || '@' || $7::text,
		jsonb_build_object('digest', true, 'municipality', coalesce(d.name, ''), 'timeZone', d.tz, 'day', d.today::text,
			'week', d.week::text, 'total', coalesce(o.total, 0) + coalesce(s.items, 0),
			'ownTotal', coalesce(o.total, 0), 'own', coalesce(o.items, '[]'), 'ownMore', greatest(coalesce(o.total, 0) - $5, 0),
			'schoolsTotal', coalesce(s.total, 0), 'schoolItems', coalesce(s.items, 0), 'schools', coalesce(s.list, '[]'),
			'schoolsMore', greatest(coalesce(s.total, 0) - $6, 0)),
		true, $1, $1
	FROM due d LEFT JOIN own o ON o.municipality = d.municipality LEFT JOIN schools s ON s.municipality = d.municipality
	WHERE o.total > 0 OR s.total > 0
	ON CONFLICT (key) DO NOTHING`

// Inbox is the service's notifications as their recipients list them.
func (s *Store) Inbox() notify.Inbox { return notify.Inbox{Pool: s.pool} }

// ScheduleDigests writes the weekly overdue digests due at now, for
// curators and methodologists. It returns how many it wrote.
func (s *Store) ScheduleDigests(ctx context.Context, now time.Time) (int, error) {
	at := strconv.FormatInt(now.UnixMicro(), 10)
	tag, err := s.pool.Exec(ctx, scheduleCuratorDigests, now, notices.KindCuratorDigest, notify.Curator, notices.DigestHour,
		notices.DigestItems, at)
	if err != nil {
		return 0, fmt.Errorf("store.ScheduleDigests: curators: %w", err)
	}
	n := int(tag.RowsAffected())
	tag, err = s.pool.Exec(ctx, scheduleMethodologistDigests, now, notices.KindMethodologistDigest, notify.Methodologist,
		notices.DigestHour, notices.DigestItems, notices.DigestSchools, at)
	if err != nil {
		return n, fmt.Errorf("store.ScheduleDigests: methodologists: %w", err)
	}
	return n + int(tag.RowsAffected()), nil
}

// guardCuratorDigest: does the school still have an occurrence, overdue at
// the digest's instant, that is not done?
const guardCuratorDigest = `SELECT EXISTS (SELECT 1 FROM roadmap r
	JOIN occurrence oc ON oc.roadmap_id = r.id AND NOT oc.done AND oc.scheduled AND oc.due_end <= $2
	WHERE r.organisation = $1::uuid AND r.owner_kind = 'organisation')`

// guardMethodologistDigest: does the municipality (its own roadmap or its
// schools') still have such an occurrence?
const guardMethodologistDigest = `SELECT EXISTS (SELECT 1 FROM roadmap r
	JOIN occurrence oc ON oc.roadmap_id = r.id AND NOT oc.done AND oc.scheduled AND oc.due_end <= $2
	WHERE r.municipality = $1::uuid AND r.owner_kind IN ('municipality', 'organisation'))`

// Guard is the outbox's check, when a digest is expanded and again in the
// transaction that hands each message to SMTP, that it is still wanted: a
// weekly overdue digest only while at least one occurrence that was
// overdue when it was written is still not done. A digest whose every item
// was marked done meanwhile is cancelled; one with only some of them done
// is sent as written (its list and counts are those of its instant).
// Other kinds are always wanted.
func (s *Store) Guard(ctx context.Context, tx pgx.Tx, kind, ref string) (bool, error) {
	var query string
	switch kind {
	case notices.KindCuratorDigest:
		query = guardCuratorDigest
	case notices.KindMethodologistDigest:
		query = guardMethodologistDigest
	default:
		return true, nil
	}
	scope, at, ok := strings.Cut(ref, "@")
	micros, err := strconv.ParseInt(at, 10, 64)
	if !ok || err != nil {
		// Not a ref this store writes: sent as written rather than
		// holding up the outbox's batch with an error.
		return true, nil
	}
	var wanted bool
	if err := tx.QueryRow(ctx, query, scope, time.UnixMicro(micros)).Scan(&wanted); err != nil {
		return false, fmt.Errorf("store.Guard: %w", err)
	}
	return wanted, nil
}
