#!/usr/bin/env bash
# The outbox schedulers at country scale (issue #15): times
# BenchmarkScheduleCountry (services/indicators/internal/server) on copies of
# the country that `PEAK_COUNTRY=45000 make peak` keeps in .data/pgpeak
# (database country_<orgs>_seed<seed>, never modified), for this tree and,
# given a git revision BEFORE, for that revision too (the benchmark's file is
# copied into it), alternately, ROUNDS times each, every run on a fresh copy.
# Each run prints, per pass, the median wall time and the mean CPU of the
# PostgreSQL backend in ms, and both as ratios to `SELECT count(*) FROM
# reports` in the same loop (see the benchmark's comment for the passes).
#
#   scripts/bench-schedule.sh [BEFORE]      e.g. scripts/bench-schedule.sh main
set -euo pipefail
cd "$(dirname "$0")/.."

BEFORE=${1:-}
PGPORT=${PEAK_PGPORT:-5547}
TEMPLATE=country_${PEAK_COUNTRY:-45000}_seed${PEAK_COUNTRY_SEED:-1}
ROUNDS=${ROUNDS:-2}
ADMIN="postgres://postgres@127.0.0.1:$PGPORT/postgres"
work=$(mktemp -d)

started=
if ! pg_isready -q -h 127.0.0.1 -p "$PGPORT"; then
  scripts/pg.sh start .data/pgpeak "$PGPORT" >/dev/null
  started=1
fi
cleanup() {
  psql -q "$ADMIN" -c 'DROP DATABASE IF EXISTS bench_schedule WITH (FORCE)' >/dev/null 2>&1 || true
  if [[ -n $BEFORE ]]; then git worktree remove --force "$work/before" >/dev/null 2>&1 || true; fi
  rm -rf "$work"
  if [[ -n $started ]]; then scripts/pg.sh stop .data/pgpeak >/dev/null; fi
}
trap cleanup EXIT

if [[ $(psql -At "$ADMIN" -c "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = '$TEMPLATE'") != complete ]]; then
  echo "bench-schedule: no complete $TEMPLATE on port $PGPORT; PEAK_COUNTRY=45000 make peak loads it" >&2
  exit 1
fi

bench=services/indicators/internal/server/bench_schedule_test.go
sides=(after)
go test -c -o "$work/after.test" ./services/indicators/internal/server/
if [[ -n $BEFORE ]]; then
  git worktree add --detach "$work/before" "$BEFORE" >/dev/null 2>&1
  cp "$bench" "$work/before/$bench"
  (cd "$work/before" && go test -c -o "$work/before.test" ./services/indicators/internal/server/)
  sides=(before after)
fi

for round in $(seq 1 "$ROUNDS"); do
  for side in "${sides[@]}"; do
    psql -q "$ADMIN" -c 'DROP DATABASE IF EXISTS bench_schedule WITH (FORCE)' \
      -c "CREATE DATABASE bench_schedule TEMPLATE $TEMPLATE STRATEGY FILE_COPY" >/dev/null
    echo "== round $round, $side (load average $(cut -d' ' -f1-3 /proc/loadavg))"
    NASTAVNIK_BENCH_COUNTRY_URL="postgres://indicators:indicators@127.0.0.1:$PGPORT/bench_schedule" \
      "$work/$side.test" -test.run '^$' -test.bench BenchmarkScheduleCountry -test.benchtime 1x -test.timeout 30m |
      grep -E '^Benchmark' | tr '\t' '\n' | sed 's/^ *//' | grep -E '^[0-9.]+ [a-z]' | grep -v ' ns/op$' | sort -k2
  done
done
