-- +goose Up
CREATE TABLE regions (
    code        text PRIMARY KEY CHECK (code ~ '^[0-9]{2}$'),
    name        text NOT NULL,
    time_zone   text NOT NULL,
    version     bigint NOT NULL DEFAULT 1,
    create_time timestamptz NOT NULL DEFAULT now(),
    update_time timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE municipalities (
    id                uuid PRIMARY KEY,
    region_code       text NOT NULL REFERENCES regions (code),
    name              text NOT NULL,
    search_key        text NOT NULL,
    sort_key          text NOT NULL,
    kind              smallint NOT NULL CHECK (kind BETWEEN 1 AND 5),
    time_zone         text NOT NULL DEFAULT '',
    oktmo             text NOT NULL DEFAULT '',
    create_request_id uuid UNIQUE,
    version           bigint NOT NULL DEFAULT 1,
    create_time       timestamptz NOT NULL DEFAULT now(),
    update_time       timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT municipalities_region_name_key UNIQUE (region_code, name)
);
CREATE UNIQUE INDEX municipalities_oktmo_key ON municipalities (oktmo) WHERE oktmo <> '';
CREATE INDEX municipalities_sort_idx ON municipalities (sort_key, id);

CREATE TABLE organisations (
    id                uuid PRIMARY KEY,
    municipality_id   uuid NOT NULL REFERENCES municipalities (id),
    full_name         text NOT NULL,
    short_name        text NOT NULL,
    search_key        text NOT NULL,
    sort_key          text NOT NULL,
    inn               text NOT NULL CHECK (inn ~ '^[0-9]{10}$'),
    kind              smallint NOT NULL CHECK (kind BETWEEN 1 AND 3),
    time_zone         text NOT NULL DEFAULT '',
    address           text NOT NULL DEFAULT '',
    curator_name      text NOT NULL DEFAULT '',
    curator_email     text NOT NULL DEFAULT '',
    curator_phone     text NOT NULL DEFAULT '',
    opened_on         date,
    closed_on         date,
    closure_reason    smallint NOT NULL DEFAULT 0,
    successor_id      uuid REFERENCES organisations (id),
    create_request_id uuid UNIQUE,
    version           bigint NOT NULL DEFAULT 1,
    create_time       timestamptz NOT NULL DEFAULT now(),
    update_time       timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT organisations_inn_key UNIQUE (inn),
    CONSTRAINT organisations_closure_check CHECK ((closed_on IS NULL) = (closure_reason = 0)),
    CONSTRAINT organisations_dates_check CHECK (closed_on IS NULL OR opened_on IS NULL OR closed_on > opened_on),
    CONSTRAINT organisations_successor_check CHECK (successor_id <> id)
);
CREATE INDEX organisations_municipality_idx ON organisations (municipality_id, sort_key, id);
CREATE INDEX organisations_sort_idx ON organisations (sort_key, id);
CREATE INDEX organisations_inn_prefix_idx ON organisations (inn text_pattern_ops);

-- +goose Down
DROP TABLE organisations;
DROP TABLE municipalities;
DROP TABLE regions;
