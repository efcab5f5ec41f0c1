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
-- completeness_add adds deltas to a campaign's and municipality's counts:
-- an update of the row (the common case: no index written, HOT), or its
-- first insert. PL/pgSQL keeps its statements' plans for the session.
CREATE FUNCTION completeness_add(c_id uuid, m_id uuid, r_code text, d_expected integer, d_submitted integer,
        d_returned integer, d_accepted integer, d_late integer) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF d_expected = 0 AND d_submitted = 0 AND d_returned = 0 AND d_accepted = 0 AND d_late = 0 THEN
        RETURN;
    END IF;
    UPDATE completeness_counts k SET expected = k.expected + d_expected, submitted = k.submitted + d_submitted,
            returned = k.returned + d_returned, accepted = k.accepted + d_accepted, late = k.late + d_late
        WHERE k.campaign_id = c_id AND k.municipality_id = m_id;
    IF NOT FOUND THEN
        INSERT INTO completeness_counts AS k (campaign_id, municipality_id, region_code, year, expected, submitted, returned,
                accepted, late)
            SELECT c_id, m_id, r_code, c.year, d_expected, d_submitted, d_returned, d_accepted, d_late FROM campaigns c WHERE c.id = c_id
            ON CONFLICT (campaign_id, municipality_id) DO UPDATE SET expected = k.expected + EXCLUDED.expected,
                submitted = k.submitted + EXCLUDED.submitted, returned = k.returned + EXCLUDED.returned,
                accepted = k.accepted + EXCLUDED.accepted, late = k.late + EXCLUDED.late;
    END IF;
END $$;

-- A report's status or lateness changed (or the report was removed): its
-- old standing out, its new one in, if its organisation is expected. The
-- expected list's row is read afresh by this statement (read committed): a
-- refresh dropping the organisation at the same time holds the report's
-- row (completeness_expected_count), so one of the two sees the other.
-- (Status 1 draft: missing; 2 submitted; 3 returned; 4 accepted; late
-- counts only when submitted or accepted.)
CREATE FUNCTION completeness_report_count() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    r reports%ROWTYPE;
    m uuid;
    rc text;
    os smallint := OLD.status;
    ol boolean := OLD.status IN (2, 4) AND OLD.late;
    ns smallint := 0;
    nl boolean := false;
BEGIN
    IF TG_OP = 'DELETE' THEN
        r := OLD;
    ELSE
        r := NEW;
        ns := NEW.status;
        nl := NEW.status IN (2, 4) AND NEW.late;
    END IF;
    SELECT co.municipality_id, co.region_code INTO m, rc FROM campaign_organisations co
        WHERE co.campaign_id = r.campaign_id AND co.organisation_id = r.organisation_id AND co.dropped_on IS NULL;
    IF FOUND THEN
        PERFORM completeness_add(r.campaign_id, m, rc, 0, (ns = 2)::int - (os = 2)::int, (ns = 3)::int - (os = 3)::int,
            (ns = 4)::int - (os = 4)::int, nl::int - ol::int);
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
    st smallint := 0;
    lt boolean := false;
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
        SELECT r.status, r.status IN (2, 4) AND r.late INTO st, lt FROM reports r
            WHERE r.campaign_id = NEW.campaign_id AND r.organisation_id = NEW.organisation_id FOR SHARE;
        st := COALESCE(st, 0);
        lt := COALESCE(lt, false);
    END IF;
    PERFORM completeness_add(NEW.campaign_id, NEW.municipality_id, NEW.region_code, d, d * (st = 2)::int, d * (st = 3)::int,
        d * (st = 4)::int, d * lt::int);
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
DROP FUNCTION completeness_add(uuid, uuid, text, integer, integer, integer, integer, integer);
DROP TABLE completeness_counts;
