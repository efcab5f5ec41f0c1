#!/usr/bin/env bash
# The December peak (issue #15): a `make run`-like stack with the demo data on
# its own PostgreSQL, then `bin/peakload`: pgbench -N on the same server (the
# baseline), curators saving and submitting, methodologists reading dashboards
# and accepting/returning, the regional centre exporting — first at a fixed
# rate, then at the maximum — through the real gateway over loopback. Prints
# one table (operation, rate, p50/p95/p99, errors), saves/s as a share of
# pgbench's TPS and each process's largest RSS.
#
#   scripts/peak-load.sh                 # 20 s per phase
#   PEAK_DURATION=30s PEAK_RATE=80 scripts/peak-load.sh
#   PEAK_CURATORS=16                     # curators saving in a loop at the maximum, each their own report (default 16 at country scale, 8 on the demo)
#   PEAK_PGPORT=5547 PEAK_PORTS=2547     # PostgreSQL port; services on ${PEAK_PORTS}0..9 (below the ephemeral ports)
#   PEAK_DATA=.data/pgpeak               # PostgreSQL's data directory
#   PEAK_PGBENCH_ARGS='-N -c 8 -j 2 -T 20'  # the baseline's pgbench arguments
#   PEAK_BIN=/elsewhere/bin              # measure other builds (a baseline) with this load
#   PEAK_LOADER=/elsewhere/peakload      # another build of the load itself (its own CPU a save, A/B)
#   PEAK_PROFILE=dir                     # CPU profiles of the saves-alone (saves-NAME.pprof) and maximum phases from the side ports
#   PEAK_HOLD=1                          # keep the stack up after the run (Ctrl-C stops it)
#   STACK_LOG_LEVEL=info                 # every request's and call's duration in .data/peak-logs/ (default warn)
#   PEAK_READS_ONLY=1                    # only each read alone (no pgbench, no phases): a read's CPU, quickly
#   PEAK_READS=30 PEAK_READS_OF='page: the region'  # how many times each read alone; only the reads so named
#   PEAK_COUNTRY=45000                   # at country scale: bin/country's organisations instead of the demo
#   PEAK_COUNTRY_SEED=1                  # the country's seed
#
# At country scale the first run loads the country (without its thousands of
# accounts; ~11 min at 45,000) into a database country_<orgs>_seed<seed> kept
# in .data/pgpeak, and each run copies it (CREATE DATABASE … TEMPLATE, a file
# copy) into a fresh nastavnik: a second run does not pay the load.
# `scripts/pg.sh stop .data/pgpeak; rm -r .data/pgpeak` forgets it.
set -euo pipefail
cd "$(dirname "$0")/.."

PGPORT=${PEAK_PGPORT:-5547}
PORTS=${PEAK_PORTS:-2547} # services listen on ${PORTS}0..9 (2547 → 25470..25478)
DATA=${PEAK_DATA:-.data/pgpeak}
LOGS=.data/peak-logs
mkdir -p "$LOGS"
command -v pgbench >/dev/null || { echo "peak-load: pgbench not found (Debian's postgresql-client)" >&2; exit 1; }

# fsync off by default: both pgbench and the saves are then bound by CPU,
# not by a disk other work on the machine shares (PG_FSYNC=on for make run's).
PG_FSYNC=${PG_FSYNC:-off} scripts/pg.sh start "$DATA" "$PGPORT" >/dev/null
ADMIN="postgres://postgres@127.0.0.1:$PGPORT/postgres"
pids=()
cleanup() {
  trap - EXIT INT TERM
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  [[ -n ${PEAK_KEEP_DB:-} ]] || scripts/pg.sh stop "$DATA" >/dev/null 2>&1 || true
}
trap cleanup EXIT
trap 'cleanup; exit 130' INT TERM

echo "== building" >&2
BIN=${PEAK_BIN:-bin}
[[ -n ${PEAK_BIN:-} ]] || make --no-print-directory build >/dev/null
COUNTRY=${PEAK_COUNTRY:-}
[[ -z $COUNTRY ]] || go build -o bin/country ./gateway/cmd/country

HTTP=127.0.0.1:${PORTS}0
# shellcheck source=scripts/stack.sh
source scripts/stack.sh
# up DB: the services and the gateway on database DB.
up() {
  stack_services "$1"
  stack_gateway gateway "$BIN/gateway" 0 5
}

psql -q "$ADMIN" -c 'DROP DATABASE IF EXISTS nastavnik WITH (FORCE)' -c 'DROP DATABASE IF EXISTS pgbench' -c 'CREATE DATABASE pgbench' >/dev/null
pgbench -q -i "postgres://postgres@127.0.0.1:$PGPORT/pgbench" >/dev/null 2>&1
if [[ -n $COUNTRY ]]; then
  # The country is loaded once into its own database (marked complete by a
  # comment, so an interrupted load starts over) and copied for each run,
  # file by file (FILE_COPY), with the planner's statistics of its ANALYZE.
  TEMPLATE=country_${COUNTRY}_seed${PEAK_COUNTRY_SEED:-1}
  if [[ $(psql -At "$ADMIN" -c "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = '$TEMPLATE'") != complete ]]; then
    echo "== loading a country of $COUNTRY organisations into $TEMPLATE (once; later runs copy it)" >&2
    SECONDS=0
    stack_fresh "$TEMPLATE"
    up "$TEMPLATE"
    bin/country -orgs "$COUNTRY" -seed "${PEAK_COUNTRY_SEED:-1}" -skip accounts >"$LOGS/country.log" || { tail "$LOGS/country.log" >&2; exit 1; }
    stack_down
    psql -q "postgres://postgres@127.0.0.1:$PGPORT/$TEMPLATE" -c ANALYZE -c "COMMENT ON DATABASE $TEMPLATE IS 'complete'" >/dev/null
    echo "== the country loaded in ${SECONDS}s" >&2
  fi
  SECONDS=0
  psql -q "$ADMIN" -c "CREATE DATABASE nastavnik TEMPLATE $TEMPLATE STRATEGY FILE_COPY" >/dev/null
  echo "== the country of $COUNTRY organisations copied in ${SECONDS}s ($(psql -At "$ADMIN" -c "SELECT pg_size_pretty(pg_database_size('nastavnik'))"))" >&2
  up nastavnik
else
  # A fresh database every run, so each run starts from the same demo data.
  stack_fresh nastavnik
  up nastavnik
  echo "== demo data" >&2
  "$BIN/seed" >"$LOGS/seed.log" 2>&1 || { tail "$LOGS/seed.log" >&2; exit 1; }
fi
LOADER=${PEAK_LOADER:-bin/peakload}
[[ -n ${PEAK_LOADER:-} ]] || go build -o bin/peakload ./gateway/cmd/peakload

# The postmaster (its backends' CPU is counted with it).
names+=("postgres=$(ss -Hltnp "sport = :$PGPORT" | grep -o 'pid=[0-9]*' | head -1 | cut -d= -f2)")
status=0
"$LOADER" -base "http://$HTTP" ${COUNTRY:+-country "$COUNTRY"} -duration "${PEAK_DURATION:-20s}" -rate "${PEAK_RATE:-60}" -curators "${PEAK_CURATORS:-0}" \
  -pgbench "postgres://postgres@127.0.0.1:$PGPORT/pgbench" -pgbench-args "${PEAK_PGBENCH_ARGS:--N -c 8 -j 2 -T 20}" -pids "$(IFS=,; echo "${names[*]}")" \
  -reads "${PEAK_READS:-30}" ${PEAK_READS_ONLY:+-reads-only} -reads-of "${PEAK_READS_OF:-}" \
  -profile "${PEAK_PROFILE:-}" -metrics "gateway=127.0.0.1:${PORTS}5,registry=127.0.0.1:${PORTS}6,indicators=127.0.0.1:${PORTS}8" || status=$?
if [[ -n ${PEAK_HOLD:-} ]]; then
  echo "== holding the stack: http://$HTTP/ (operator / $OPERATOR_PASSWORD); Ctrl-C stops it" >&2
  wait
fi
exit $status
