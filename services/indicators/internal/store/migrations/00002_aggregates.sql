-- +goose Up
-- Indicator definitions as data (package indicator); the shipped ones are
-- written at start when missing. A definition never changes once written.
CREATE TABLE indicators (
    code          text PRIMARY KEY,
    position      integer NOT NULL,
    name          text NOT NULL,
    counts        text NOT NULL,
    source        text NOT NULL,
    kind          smallint NOT NULL CHECK (kind IN (1, 2)),
    numerator     text NOT NULL,
    denominator   text NOT NULL DEFAULT '',
    factor        double precision NOT NULL,
    unit          text NOT NULL,
    form_code     text NOT NULL,
    form_versions integer[] NOT NULL,
    create_time   timestamptz NOT NULL DEFAULT now()
);

-- Targets: for every unit (level 0, unit ''), a level, or one named unit.
CREATE TABLE targets (
    indicator_code text NOT NULL REFERENCES indicators,
    year           integer NOT NULL,
    level          smallint NOT NULL DEFAULT 0,
    unit           text NOT NULL DEFAULT '',
    min_value      double precision NOT NULL,
    source         text NOT NULL DEFAULT '',
    PRIMARY KEY (indicator_code, year, level, unit)
);

-- What each submitted or accepted report contributes to each indicator,
-- written in the transaction that changes the report.
CREATE TABLE contributions (
    report_id       uuid NOT NULL REFERENCES reports (id),
    indicator_code  text NOT NULL REFERENCES indicators,
    year            integer NOT NULL,
    organisation_id uuid NOT NULL,
    municipality_id uuid NOT NULL,
    region_code     text NOT NULL,
    accepted        boolean NOT NULL,
    numerator       bigint NOT NULL,
    denominator     bigint NOT NULL,
    signature       text NOT NULL,
    PRIMARY KEY (report_id, indicator_code)
);
CREATE INDEX contributions_municipality_idx ON contributions (municipality_id, year, indicator_code);

-- Sums per municipality, year, indicator and basis (1: accepted reports;
-- 2: submitted or accepted), kept by the same transaction. Regions and the
-- country are sums of these few thousand rows.
CREATE TABLE municipal_sums (
    year            integer NOT NULL,
    indicator_code  text NOT NULL,
    basis           smallint NOT NULL CHECK (basis IN (1, 2)),
    municipality_id uuid NOT NULL,
    region_code     text NOT NULL,
    numerator       bigint NOT NULL DEFAULT 0,
    denominator     bigint NOT NULL DEFAULT 0,
    contributors    integer NOT NULL DEFAULT 0,
    PRIMARY KEY (year, basis, indicator_code, municipality_id)
);
CREATE INDEX municipal_sums_region_idx ON municipal_sums (year, basis, region_code);

-- Which definitions of an indicator (form fields and expressions) a year's
-- values were computed with: years are comparable when they agree.
CREATE TABLE year_signatures (
    year           integer NOT NULL,
    indicator_code text NOT NULL,
    signature      text NOT NULL,
    PRIMARY KEY (year, indicator_code, signature)
);

-- Organisations expected to report per municipality and year, kept by a
-- trigger on the campaigns' expected lists.
CREATE TABLE municipal_expected (
    year            integer NOT NULL,
    municipality_id uuid NOT NULL,
    region_code     text NOT NULL,
    expected        integer NOT NULL DEFAULT 0,
    PRIMARY KEY (year, municipality_id)
);
CREATE INDEX municipal_expected_region_idx ON municipal_expected (year, region_code);

-- +goose StatementBegin
CREATE FUNCTION municipal_expected_count() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    d integer := 0;
    y integer;
BEGIN
    IF TG_OP = 'INSERT' THEN
        IF NEW.dropped_on IS NULL THEN d := 1; END IF;
    ELSIF OLD.dropped_on IS NULL AND NEW.dropped_on IS NOT NULL THEN
        d := -1;
    ELSIF OLD.dropped_on IS NOT NULL AND NEW.dropped_on IS NULL THEN
        d := 1;
    END IF;
    IF d <> 0 THEN
        SELECT year INTO y FROM campaigns WHERE id = NEW.campaign_id;
        INSERT INTO municipal_expected (year, municipality_id, region_code, expected)
            VALUES (y, NEW.municipality_id, NEW.region_code, d)
            ON CONFLICT (year, municipality_id) DO UPDATE SET expected = municipal_expected.expected + d;
    END IF;
    RETURN NEW;
END $$;
-- +goose StatementEnd
CREATE TRIGGER municipal_expected_count AFTER INSERT OR UPDATE OF dropped_on ON campaign_organisations
    FOR EACH ROW EXECUTE FUNCTION municipal_expected_count();

INSERT INTO municipal_expected (year, municipality_id, region_code, expected)
SELECT c.year, co.municipality_id, co.region_code, count(*)
FROM campaign_organisations co JOIN campaigns c ON c.id = co.campaign_id
WHERE co.dropped_on IS NULL GROUP BY 1, 2, 3;

-- +goose Down
DROP TRIGGER municipal_expected_count ON campaign_organisations;
DROP FUNCTION municipal_expected_count();
DROP TABLE municipal_expected;
DROP TABLE year_signatures;
DROP TABLE municipal_sums;
DROP TABLE contributions;
DROP TABLE targets;
DROP TABLE indicators;
