-- +goose Up
-- Campaigns by their place (store.ListCampaigns, CampaignYears: every
-- dashboard, the region's page and the sign-offs' campaign names read them
-- by region or municipality, a caller's reach among the conditions). Without
-- them each such read scanned every campaign of the country: 11,500 at
-- 45,000 organisations (five years of 2,300 municipalities' campaigns).
CREATE INDEX campaigns_region_idx ON campaigns (region_code, year);
CREATE INDEX campaigns_municipality_idx ON campaigns (municipality_id, year);

-- +goose Down
DROP INDEX campaigns_municipality_idx;
DROP INDEX campaigns_region_idx;
