-- +goose Up
-- Who has reported, counted per campaign and municipality and kept by
-- triggers in the transaction that changes a report's status or the expected
-- list (store.CountStandings reads it for "now"): the region's page counted
-- its 2,260 organisations' reports one index probe each on every read. Only
-- the organisations expected now (not dropped) count; a report counts by its
-- status (1 draft: missing; 2 submitted; 3 returned; 4 accepted) and, when
-- submitted or accepted, by its lateness. Missing = expected − submitted −
-- returned − accepted; on time = submitted + accepted − late.
CREATE TABLE completeness_counts (
    campaign_id     uuid NOT NULL REFERENCES campaigns (id),
    municipality_id uuid NOT NULL,
    region_code     text NOT NULL,
    year            integer NOT NULL, -- the campaign's
    expected        integer NOT NULL DEFAULT 0,
    submitted       integer NOT NULL DEFAULT 0,
    returned        integer NOT NULL DEFAULT 0,
    accepted        integer NOT NULL DEFAULT 0,
    late            integer NOT NULL DEFAULT 0,
    PRIMARY KEY (campaign_id, municipality_id)
) WITH (fillfactor = 80); -- room for the counts' updates on their page (HOT: no index written)
-- A region's or a municipality's counts of a year (the region's page: 116
-- rows of 11,500 at 45,000 organisations).
CREATE INDEX completeness_counts_region_idx ON completeness_counts (year, region_code);
CREATE INDEX completeness_counts_municipality_idx ON completeness_counts (municipality_id, year);

-- +goose StatementBegin
-- completeness_count adds d times one organisation of a status and lateness
-- (status NULL: no report; expected 1 when the organisation itself
-- joins or leaves the list) to its campaign's and municipality's counts.
CREATE FUNCTION completeness_count(c_id uuid, m_id uuid, r_code text, d integer, n_expected integer,
        st smallint, lt boolean) RETURNS void LANGUAGE sql AS $$
    INSERT INTO completeness_counts AS k (campaign_id, municipality_id, region_code, year, expected, submitted, returned, accepted, late)
    VALUES (c_id, m_id, r_code, (SELECT c.year FROM campaigns c WHERE c.id = c_id), d * n_expected, d * (COALESCE(st, 0) = 2)::int, d * (COALESCE(st, 0) = 3)::int,
        d * (COALESCE(st, 0) = 4)::int, d * (COALESCE(st, 0) IN (2, 4) AND COALESCE(lt, false))::int)
    ON CONFLICT (campaign_id, municipality_id) DO UPDATE SET expected = k.expected + EXCLUDED.expected,
        submitted = k.submitted + EXCLUDED.submitted, returned = k.returned + EXCLUDED.returned,
        accepted = k.accepted + EXCLUDED.accepted, late = k.late + EXCLUDED.late
$$;

-- A report's status or lateness changed (or the report was removed): its
-- old standing out, its new one in, if its organisation is expected. The
-- expected list's row is read afresh by this statement (read committed): a
-- refresh dropping the organisation at the same time holds the report's
-- row (completeness_expected_count), so one of the two sees the other.
CREATE FUNCTION completeness_report_count() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    r reports%ROWTYPE;
    m uuid;
    rc text;
BEGIN
    IF TG_OP = 'DELETE' THEN r := OLD; ELSE r := NEW; END IF;
    SELECT co.municipality_id, co.region_code INTO m, rc FROM campaign_organisations co
        WHERE co.campaign_id = r.campaign_id AND co.organisation_id = r.organisation_id AND co.dropped_on IS NULL;
    IF NOT FOUND THEN
        RETURN NULL;
    END IF;
    PERFORM completeness_count(r.campaign_id, m, rc, -1, 0, OLD.status, OLD.late);
    IF TG_OP = 'UPDATE' THEN
        PERFORM completeness_count(r.campaign_id, m, rc, 1, 0, NEW.status, NEW.late);
    END IF;
    RETURN NULL;
END $$;

-- New reports (a curator's first save: a draft, which changes nothing; an
-- import: any status), counted in one statement per statement.
CREATE FUNCTION completeness_reports_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO completeness_counts AS k (campaign_id, municipality_id, region_code, year, submitted, returned, accepted, late)
    SELECT n.campaign_id, co.municipality_id, co.region_code, c.year, count(*) FILTER (WHERE n.status = 2),
        count(*) FILTER (WHERE n.status = 3), count(*) FILTER (WHERE n.status = 4),
        count(*) FILTER (WHERE n.status IN (2, 4) AND n.late)
    FROM fresh n JOIN campaign_organisations co ON co.campaign_id = n.campaign_id AND co.organisation_id = n.organisation_id
    JOIN campaigns c ON c.id = n.campaign_id
    WHERE n.status <> 1 AND co.dropped_on IS NULL
    GROUP BY 1, 2, 3, 4
    ON CONFLICT (campaign_id, municipality_id) DO UPDATE SET submitted = k.submitted + EXCLUDED.submitted,
        returned = k.returned + EXCLUDED.returned, accepted = k.accepted + EXCLUDED.accepted, late = k.late + EXCLUDED.late;
    RETURN NULL;
END $$;

-- An organisation joined the expected list, dropped out of it or came back:
-- it counts, with its report's standing, or no longer does. The report's
-- row is held (FOR SHARE) so that a status change at the same time waits
-- and then sees the list as this transaction leaves it.
CREATE FUNCTION completeness_expected_count() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    d integer := 0;
    st smallint;
    lt boolean;
BEGIN
    IF TG_OP = 'INSERT' THEN
        IF NEW.dropped_on IS NULL THEN d := 1; END IF;
    ELSIF OLD.dropped_on IS NULL AND NEW.dropped_on IS NOT NULL THEN
        d := -1;
    ELSIF OLD.dropped_on IS NOT NULL AND NEW.dropped_on IS NULL THEN
        d := 1;
    END IF;
    IF d = 0 THEN
        RETURN NULL;
    END IF;
    IF TG_OP = 'UPDATE' THEN -- a new row has no report yet (the reports' foreign key)
        SELECT r.status, r.late INTO st, lt FROM reports r
            WHERE r.campaign_id = NEW.campaign_id AND r.organisation_id = NEW.organisation_id FOR SHARE;
    END IF;
    PERFORM completeness_count(NEW.campaign_id, NEW.municipality_id, NEW.region_code, d, 1, st, lt);
    RETURN NULL;
END $$;
-- +goose StatementEnd

CREATE TRIGGER completeness_report_count AFTER UPDATE OF status, late ON reports
    FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status OR OLD.late IS DISTINCT FROM NEW.late)
    EXECUTE FUNCTION completeness_report_count();
CREATE TRIGGER completeness_report_removed AFTER DELETE ON reports
    FOR EACH ROW EXECUTE FUNCTION completeness_report_count();
CREATE TRIGGER completeness_reports_insert AFTER INSERT ON reports REFERENCING NEW TABLE AS fresh
    FOR EACH STATEMENT EXECUTE FUNCTION completeness_reports_insert();
CREATE TRIGGER completeness_expected_count AFTER INSERT OR UPDATE OF dropped_on ON campaign_organisations
    FOR EACH ROW EXECUTE FUNCTION completeness_expected_count();

INSERT INTO completeness_counts (campaign_id, municipality_id, region_code, year, expected, submitted, returned, accepted, late)
SELECT co.campaign_id, co.municipality_id, co.region_code, c.year, count(*), count(*) FILTER (WHERE r.status = 2),
    count(*) FILTER (WHERE r.status = 3), count(*) FILTER (WHERE r.status = 4),
    count(*) FILTER (WHERE r.status IN (2, 4) AND r.late)
FROM campaign_organisations co JOIN campaigns c ON c.id = co.campaign_id
LEFT JOIN reports r ON r.campaign_id = co.campaign_id AND r.organisation_id = co.organisation_id
WHERE co.dropped_on IS NULL
GROUP BY 1, 2, 3, 4;
ANALYZE completeness_counts;

-- +goose Down
DROP TRIGGER completeness_expected_count ON campaign_organisations;
DROP TRIGGER completeness_reports_insert ON reports;
DROP TRIGGER completeness_report_removed ON reports;
DROP TRIGGER completeness_report_count ON reports;
DROP FUNCTION completeness_expected_count();
DROP FUNCTION completeness_reports_insert();
DROP FUNCTION completeness_report_count();
DROP FUNCTION completeness_count(uuid, uuid, text, integer, integer, smallint, boolean);
DROP TABLE completeness_counts;
