-- +goose Up
-- A roadmap belongs to an organisation, a municipality or a region. The owner's
-- place in the hierarchy, name and time zone are a copy of the registry's,
-- refreshed whenever the roadmap is written; they scope every query.
CREATE TABLE roadmap (
    id            uuid PRIMARY KEY,
    owner_kind    text NOT NULL CHECK (owner_kind IN ('organisation', 'municipality', 'region')),
    region        text NOT NULL,
    municipality  uuid,
    organisation  uuid,
    owner_name    text NOT NULL,
    time_zone     text NOT NULL,
    title         text NOT NULL,
    goal          text NOT NULL DEFAULT '',
    targets       jsonb NOT NULL DEFAULT '[]',
    period_start  date NOT NULL,
    period_end    date NOT NULL,
    version       bigint NOT NULL DEFAULT 1,
    request_id    uuid,
    created_by    text NOT NULL,
    create_time   timestamptz NOT NULL DEFAULT now(),
    update_time   timestamptz NOT NULL DEFAULT now(),
    CHECK (period_end >= period_start),
    CHECK ((owner_kind = 'organisation') = (organisation IS NOT NULL)),
    CHECK ((owner_kind = 'region') = (municipality IS NULL))
);
CREATE UNIQUE INDEX roadmap_request_id ON roadmap (created_by, request_id) WHERE request_id IS NOT NULL;
CREATE INDEX roadmap_region ON roadmap (region, period_start DESC, id);
CREATE INDEX roadmap_municipality ON roadmap (municipality, period_start DESC, id);
CREATE INDEX roadmap_organisation ON roadmap (organisation, period_start DESC, id);

CREATE TABLE stage (
    id          uuid PRIMARY KEY,
    roadmap_id  uuid NOT NULL REFERENCES roadmap ON DELETE CASCADE,
    position    int NOT NULL,
    number      int NOT NULL,
    title       text NOT NULL DEFAULT '',
    task        text NOT NULL DEFAULT '',
    result      text NOT NULL DEFAULT ''
);
CREATE INDEX stage_roadmap ON stage (roadmap_id, position);

CREATE TABLE item (
    id              uuid PRIMARY KEY,
    roadmap_id      uuid NOT NULL REFERENCES roadmap ON DELETE CASCADE,
    stage_id        uuid NOT NULL REFERENCES stage ON DELETE CASCADE,
    position        int NOT NULL,
    depth           int NOT NULL DEFAULT 1,
    number          text NOT NULL,
    measure         text NOT NULL,
    result_form     text NOT NULL DEFAULT '',
    deadline_text   text NOT NULL DEFAULT '',
    responsible     text NOT NULL DEFAULT '',
    schedule        jsonb NOT NULL,
    understood      boolean NOT NULL,
    -- The municipal or regional item this one was handed down from.
    source_item_id  uuid REFERENCES item ON DELETE RESTRICT,
    UNIQUE (roadmap_id, source_item_id)
);
CREATE INDEX item_roadmap ON item (roadmap_id, stage_id, position);
CREATE INDEX item_source ON item (source_item_id) WHERE source_item_id IS NOT NULL;

-- One row per occurrence of an item's schedule, rewritten when the schedule
-- changes; the mark (done or not) lives here. due_end is the end of the due day
-- in the owner's time zone, so "overdue" is one indexed comparison.
CREATE TABLE occurrence (
    item_id       uuid NOT NULL REFERENCES item ON DELETE CASCADE,
    due           date NOT NULL,
    roadmap_id    uuid NOT NULL REFERENCES roadmap ON DELETE CASCADE,
    year          int NOT NULL,
    start_on      date,
    due_end       timestamptz NOT NULL,
    scheduled     boolean NOT NULL DEFAULT true,
    done          boolean NOT NULL DEFAULT false,
    done_on       date,
    done_by       text NOT NULL DEFAULT '',
    note          text NOT NULL DEFAULT '',
    evidence_url  text NOT NULL DEFAULT '',
    version       bigint NOT NULL DEFAULT 0,
    mark_time     timestamptz,
    PRIMARY KEY (item_id, due)
);
CREATE INDEX occurrence_open ON occurrence (due_end, roadmap_id) WHERE NOT done AND scheduled;
CREATE INDEX occurrence_roadmap ON occurrence (roadmap_id);

-- +goose Down
DROP TABLE occurrence;
DROP TABLE item;
DROP TABLE stage;
DROP TABLE roadmap;
