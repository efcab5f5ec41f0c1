#!/usr/bin/env bash
# `make bench-pages`: server times of pages, each against a JSON API read timed
# alternately in the same loop (a ratio):
#   - the curator's report form at demo scale, against the read of the same report;
#   - the methodologist's dashboard and the regional centre's page, at demo scale
#     and for a generated region of NASTAVNIK_BENCH_REGION_ORGS organisations
#     (2,000 by default), against the completeness read of the same scope.
# The services' outbox runs at its deployed interval, 30 s
# (NASTAVNIK_BENCH_NOTIFY_INTERVAL=200ms gives the tests' one);
# NASTAVNIK_BENCH_CPUPROFILE=DIR writes a CPU profile of each measured loop.
set -euo pipefail
cd "$(dirname "$0")/.."
PGPORT=${BENCH_PGPORT:-5546}
PG_FSYNC=off scripts/pg.sh start .data/pgbench "$PGPORT"
trap 'scripts/pg.sh stop .data/pgbench >/dev/null 2>&1 || true' EXIT
NASTAVNIK_TEST_DATABASE_URL="postgres://postgres@127.0.0.1:$PGPORT/postgres" \
  go test -run '^$' -bench '^(BenchmarkReportFormPage|BenchmarkDashboardPages)$' -benchtime "${BENCHTIME:-300x}" ./gateway/internal/server/
