-- +goose Up
-- The expected organisations of a municipality or a region, campaign by
-- campaign: the methodologist's and the regional centre's reads filter by
-- place, which until now read the whole table.
CREATE INDEX campaign_organisations_municipality_idx ON campaign_organisations (municipality_id, campaign_id);
CREATE INDEX campaign_organisations_region_idx ON campaign_organisations (region_code, campaign_id);

-- +goose Down
DROP INDEX campaign_organisations_region_idx;
DROP INDEX campaign_organisations_municipality_idx;
