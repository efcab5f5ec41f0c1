-- +goose Up
-- Sums per region (level 3, unit = region code) and for the country (level 4,
-- unit ''), kept in the same transaction as the municipal sums, so that the
-- regional centre's and the country's reads touch a few hundred rows.
CREATE TABLE rollups (
    year           integer NOT NULL,
    basis          smallint NOT NULL CHECK (basis IN (1, 2)),
    level          smallint NOT NULL CHECK (level IN (3, 4)),
    indicator_code text NOT NULL,
    unit           text NOT NULL,
    numerator      bigint NOT NULL DEFAULT 0,
    denominator    bigint NOT NULL DEFAULT 0,
    contributors   integer NOT NULL DEFAULT 0,
    PRIMARY KEY (year, basis, level, indicator_code, unit)
);

INSERT INTO rollups (year, basis, level, indicator_code, unit, numerator, denominator, contributors)
SELECT year, basis, 3, indicator_code, region_code, sum(numerator), sum(denominator), sum(contributors)
FROM municipal_sums GROUP BY year, basis, indicator_code, region_code;
INSERT INTO rollups (year, basis, level, indicator_code, unit, numerator, denominator, contributors)
SELECT year, basis, 4, indicator_code, '', sum(numerator), sum(denominator), sum(contributors)
FROM municipal_sums GROUP BY year, basis, indicator_code;

-- +goose Down
DROP TABLE rollups;
