#!/usr/bin/env bash
# A reproducible country (issue #15): a fresh stack on its own PostgreSQL,
# then `bin/country`, which loads 89 regions, ~2,300 municipalities, 45,000
# organisations, accounts, five years of campaigns and reports and municipal
# roadmaps through the services' bulk paths over gRPC, with a progress bar on
# stderr. Prints the time of each phase and the rows each service holds.
#
#   scripts/country.sh                       # the whole country, seed 1
#   scripts/country.sh -orgs 2000 -regions 5 # any flag of bin/country (-h)
#   COUNTRY_PGPORT=5548 COUNTRY_PORTS=2549   # PostgreSQL port; services on ${COUNTRY_PORTS}0..9 (below the ephemeral ports)
#   COUNTRY_HOLD=1                           # keep the stack up afterwards (Ctrl-C stops it)
set -euo pipefail
cd "$(dirname "$0")/.."

PGPORT=${COUNTRY_PGPORT:-5548}
PORTS=${COUNTRY_PORTS:-2549}
DATA=.data/pgcountry
LOGS=.data/country-logs
mkdir -p "$LOGS"

PG_FSYNC=${PG_FSYNC:-off} scripts/pg.sh start "$DATA" "$PGPORT" >/dev/null
ADMIN="postgres://postgres@127.0.0.1:$PGPORT/postgres"
pids=()
cleanup() {
  trap - EXIT INT TERM
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  [[ -n ${COUNTRY_KEEP_DB:-} ]] || scripts/pg.sh stop "$DATA" >/dev/null 2>&1 || true
}
trap cleanup EXIT
trap 'cleanup; exit 130' INT TERM

echo "== building" >&2
make --no-print-directory build >/dev/null
go build -o bin/country ./gateway/cmd/country

psql -q "$ADMIN" -c 'DROP DATABASE IF EXISTS nastavnik WITH (FORCE)' >/dev/null
bin/dbinit -admin "$ADMIN" -db nastavnik >/dev/null
export IDENTITY_KEY; IDENTITY_KEY=$(head -c 32 /dev/urandom | base64)
export OPERATOR_PASSWORD=Platform-ops-2026
DATABASE_URL="postgres://registry:registry@127.0.0.1:$PGPORT/nastavnik" \
  bin/registry-admin create-operator -login operator -if-missing >/dev/null

export REGISTRY_ADDR=127.0.0.1:${PORTS}1 ROADMAP_ADDR=127.0.0.1:${PORTS}2 INDICATORS_ADDR=127.0.0.1:${PORTS}3
HTTP=127.0.0.1:${PORTS}0
declare -A port=([registry]=1 [roadmap]=2 [indicators]=3)
for svc in registry roadmap indicators; do
  env DATABASE_URL="postgres://$svc:$svc@127.0.0.1:$PGPORT/nastavnik" GRPC_ADDR=127.0.0.1:${PORTS}${port[$svc]} \
    METRICS_ADDR=127.0.0.1:${PORTS}$((port[$svc] + 5)) LOG_LEVEL=warn "bin/$svc" >"$LOGS/$svc.log" 2>&1 &
  pids+=($!)
done
env HTTP_ADDR="$HTTP" METRICS_ADDR=127.0.0.1:${PORTS}5 LOG_LEVEL=warn bin/gateway >"$LOGS/gateway.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 150); do
  curl -fsS "http://$HTTP/readyz" >/dev/null 2>&1 && break
  sleep 0.2
done
curl -fsS "http://$HTTP/readyz" >/dev/null || { echo "country: the gateway is not ready; see $LOGS/" >&2; exit 1; }

echo "== loading the country" >&2
bin/country "$@"

psql -q "postgres://postgres@127.0.0.1:$PGPORT/nastavnik" -c ANALYZE
echo "== rows"
psql -q "postgres://postgres@127.0.0.1:$PGPORT/nastavnik" -At -F ' ' -c "
  SELECT schemaname || '.' || relname, n_live_tup FROM pg_stat_user_tables
  WHERE n_live_tup > 0 ORDER BY n_live_tup DESC" | awk '{printf "  %-40s %10d\n", $1, $2}'
psql -q "postgres://postgres@127.0.0.1:$PGPORT/nastavnik" -At -c "SELECT '  database size: ' || pg_size_pretty(pg_database_size('nastavnik'))"

if [[ -n ${COUNTRY_HOLD:-} ]]; then
  echo "== the country is up: http://$HTTP (operator / $OPERATOR_PASSWORD; generated accounts: bin/country -h). Ctrl-C stops it." >&2
  wait
fi
