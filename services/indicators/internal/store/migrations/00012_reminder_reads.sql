-- +goose Up
-- What the outbox's schedulers (store.ScheduleReminders and ScheduleDigests,
-- every half minute on every replica) read of the open campaigns, by
-- campaign: their submitted and accepted reports, and their expected
-- organisations with the municipality and the zone, from the index alone.
-- Without them the reminders read every expected organisation of five years
-- and looked each open one's report up: 2.7–6.6 s a pass at country scale
-- (45,000 organisations, 214,444 reports).
CREATE INDEX reports_done_idx ON reports (campaign_id, organisation_id) WHERE status IN (2, 4);
CREATE INDEX campaign_organisations_live_idx ON campaign_organisations (campaign_id)
    INCLUDE (organisation_id, municipality_id, time_zone) WHERE dropped_on IS NULL;

-- +goose Down
DROP INDEX campaign_organisations_live_idx;
DROP INDEX reports_done_idx;
