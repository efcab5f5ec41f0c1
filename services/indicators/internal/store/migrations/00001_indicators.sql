-- +goose Up
CREATE TABLE forms (
    code         text NOT NULL,
    version      integer NOT NULL CHECK (version > 0),
    title        text NOT NULL,
    status       smallint NOT NULL CHECK (status IN (1, 2)),
    definition   jsonb NOT NULL, -- sections, rules, share
    revision     bigint NOT NULL DEFAULT 1,
    publish_time timestamptz,
    create_time  timestamptz NOT NULL DEFAULT now(),
    update_time  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (code, version)
);
-- At most one draft per form.
CREATE UNIQUE INDEX forms_one_draft ON forms (code) WHERE status = 1;

-- A published version never changes and is never deleted.
-- +goose StatementBegin
CREATE FUNCTION forms_published_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.status = 2 THEN
        RAISE EXCEPTION 'form % version % is published and cannot change', OLD.code, OLD.version
            USING ERRCODE = 'object_not_in_prerequisite_state';
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END $$;
-- +goose StatementEnd
CREATE TRIGGER forms_published_immutable BEFORE UPDATE OR DELETE ON forms
    FOR EACH ROW EXECUTE FUNCTION forms_published_immutable();

CREATE TABLE campaigns (
    id                uuid PRIMARY KEY,
    name              text NOT NULL,
    year              integer NOT NULL,
    form_code         text NOT NULL,
    form_version      integer NOT NULL,
    municipality_id   uuid,          -- NULL: the whole region
    region_code       text NOT NULL,
    deadline          date NOT NULL,
    opened_on         date NOT NULL,
    status            smallint NOT NULL DEFAULT 1 CHECK (status IN (1, 2)),
    create_request_id uuid UNIQUE,
    created_by        text NOT NULL,
    version           bigint NOT NULL DEFAULT 1,
    create_time       timestamptz NOT NULL DEFAULT now(),
    close_time        timestamptz,
    FOREIGN KEY (form_code, form_version) REFERENCES forms (code, version)
);
CREATE INDEX campaigns_year_idx ON campaigns (year DESC, create_time DESC, id);

-- The service's own copy of the registry's organisations a campaign expects.
CREATE TABLE campaign_organisations (
    campaign_id     uuid NOT NULL REFERENCES campaigns (id),
    organisation_id uuid NOT NULL,
    short_name      text NOT NULL,
    full_name       text NOT NULL,
    sort_key        text NOT NULL,
    municipality_id uuid NOT NULL,
    region_code     text NOT NULL,
    time_zone       text NOT NULL,
    added_on        date NOT NULL,
    dropped_on      date,
    PRIMARY KEY (campaign_id, organisation_id)
);
CREATE INDEX campaign_organisations_sort_idx ON campaign_organisations (campaign_id, sort_key, organisation_id);
CREATE INDEX campaign_organisations_org_idx ON campaign_organisations (organisation_id);

CREATE TABLE extensions (
    id              bigserial PRIMARY KEY,
    campaign_id     uuid NOT NULL,
    organisation_id uuid NOT NULL,
    deadline        date NOT NULL,
    reason          text NOT NULL,
    account_id      text NOT NULL,
    login           text NOT NULL,
    create_time     timestamptz NOT NULL,
    FOREIGN KEY (campaign_id, organisation_id) REFERENCES campaign_organisations (campaign_id, organisation_id)
);
CREATE INDEX extensions_org_idx ON extensions (campaign_id, organisation_id, id);

CREATE TABLE reports (
    id              uuid PRIMARY KEY,
    campaign_id     uuid NOT NULL,
    organisation_id uuid NOT NULL,
    status          smallint NOT NULL CHECK (status BETWEEN 1 AND 4),
    "values"        jsonb NOT NULL DEFAULT '{}',
    carried_over    text[] NOT NULL DEFAULT '{}',
    return_comment  text NOT NULL DEFAULT '',
    remarks         jsonb NOT NULL DEFAULT '{}',
    late            boolean NOT NULL DEFAULT false,
    submit_time     timestamptz,
    reopen_reason   text NOT NULL DEFAULT '',
    version         bigint NOT NULL DEFAULT 1,
    create_time     timestamptz NOT NULL,
    update_time     timestamptz NOT NULL,
    CONSTRAINT reports_campaign_organisation_key UNIQUE (campaign_id, organisation_id),
    FOREIGN KEY (campaign_id, organisation_id) REFERENCES campaign_organisations (campaign_id, organisation_id)
);

-- Every change of a report's values and status: append-only.
CREATE TABLE report_events (
    id         bigserial PRIMARY KEY,
    report_id  uuid NOT NULL REFERENCES reports (id),
    time       timestamptz NOT NULL,
    account_id text NOT NULL,
    login      text NOT NULL,
    kind       text NOT NULL,
    field      text NOT NULL DEFAULT '',
    old_value  text NOT NULL DEFAULT '',
    new_value  text NOT NULL DEFAULT '',
    comment    text NOT NULL DEFAULT '',
    late       boolean NOT NULL DEFAULT false,
    version    bigint NOT NULL
);
CREATE INDEX report_events_report_idx ON report_events (report_id, id);

-- +goose StatementBegin
CREATE FUNCTION report_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'report history is append-only' USING ERRCODE = 'insufficient_privilege';
END $$;
-- +goose StatementEnd
CREATE TRIGGER report_events_append_only BEFORE UPDATE OR DELETE ON report_events
    FOR EACH ROW EXECUTE FUNCTION report_events_append_only();
CREATE TRIGGER report_events_no_truncate BEFORE TRUNCATE ON report_events
    FOR EACH STATEMENT EXECUTE FUNCTION report_events_append_only();

-- +goose Down
DROP TABLE report_events;
DROP FUNCTION report_events_append_only();
DROP TABLE reports;
DROP TABLE extensions;
DROP TABLE campaign_organisations;
DROP TABLE campaigns;
DROP TABLE forms;
DROP FUNCTION forms_published_immutable();
