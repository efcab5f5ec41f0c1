#!/usr/bin/env bash
# `make bench-pages`: the server time of the curator's report form at demo scale,
# against the JSON API's read of the same report in the same loop (a ratio).
set -euo pipefail
cd "$(dirname "$0")/.."
PGPORT=${BENCH_PGPORT:-5546}
PG_FSYNC=off scripts/pg.sh start .data/pgbench "$PGPORT"
trap 'scripts/pg.sh stop .data/pgbench >/dev/null 2>&1 || true' EXIT
NASTAVNIK_TEST_DATABASE_URL="postgres://postgres@127.0.0.1:$PGPORT/postgres" \
  go test -run '^$' -bench '^BenchmarkReportFormPage$' -benchtime "${BENCHTIME:-300x}" ./gateway/internal/server/
