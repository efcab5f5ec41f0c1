#!/usr/bin/env bash
# Country-scale benchmark of the indicator aggregates (issue #7): loads the
# country of `make country` (package country, through the services' bulk
# paths): NASTAVNIK_BENCH_ORGS organisations (45,000 by default) in 2,300
# municipalities of 89 regions with NASTAVNIK_BENCH_YEARS years of reports
# (five by default; about ten minutes on 2 cores), then times "every indicator of the
# country by region" through the gateway against the plain SQL GROUP BY over the
# raw reports, alternately in one loop on the same PostgreSQL, and prints the
# p50/p95 of both and the p95 ratio. Run it on a quiet machine.
set -euo pipefail
cd "$(dirname "$0")/.."

PGPORT=${BENCH_PGPORT:-5546}
scripts/pg.sh start .data/pgbench "$PGPORT" >/dev/null
trap 'scripts/pg.sh stop .data/pgbench >/dev/null' EXIT

NASTAVNIK_TEST_DATABASE_URL="postgres://postgres@127.0.0.1:$PGPORT/postgres" \
NASTAVNIK_BENCH_ORGS=${NASTAVNIK_BENCH_ORGS:-45000} \
  go test -run '^$' -bench BenchmarkCountryByRegion -benchtime "${BENCHTIME:-300x}" -timeout 30m ./gateway/internal/server/
