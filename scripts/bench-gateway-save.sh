#!/usr/bin/env bash
# The gateway's CPU a save, this tree against another revision's gateway in
# the same run: the demo stack (this tree's services) on its own PostgreSQL
# with two gateways in front of it — BEFORE's (default main) and this tree's —
# and bin/savebench saving through one and then the other, round after round
# (curators saving one changed count with the version they hold, BASIC view,
# as `make peak`'s savers do). Prints each gateway's CPU ms a save per round,
# the medians and their ratio: a machine shared with other work disturbs
# both alike.
#
#   scripts/bench-gateway-save.sh
#   BEFORE=HEAD~3 SAVEBENCH_ROUNDS=8 SAVEBENCH_PHASE=5s scripts/bench-gateway-save.sh
#   BEFORE_GATEWAY=/path/gateway         # a gateway binary built already, instead of building BEFORE's
#   SAVEBENCH_PROFILE=dir                # CPU profiles of both gateways in the last round (before.pprof, after.pprof)
#   BENCH_PGPORT=5548 BENCH_PORTS=5548   # PostgreSQL's port; services on ${BENCH_PORTS}0..9
set -euo pipefail
cd "$(dirname "$0")/.."

BEFORE=${BEFORE:-main}
PGPORT=${BENCH_PGPORT:-5548}
PORTS=${BENCH_PORTS:-$PGPORT}
DATA=${BENCH_DATA:-.data/pgsavebench}
LOGS=.data/savebench-logs
mkdir -p "$LOGS"

echo "== building this tree and the gateway of $BEFORE" >&2
make --no-print-directory build >/dev/null
go build -o bin/savebench ./gateway/cmd/savebench
tmp=$(mktemp -d)
if [[ -n ${BEFORE_GATEWAY:-} ]]; then
  cp "$BEFORE_GATEWAY" "$tmp/gateway-before"
else
  git worktree add -q --detach "$tmp/src" "$BEFORE"
  (cd "$tmp/src" && go build -o "$tmp/gateway-before" ./gateway/cmd/gateway)
  git worktree remove --force "$tmp/src"
fi

PG_FSYNC=${PG_FSYNC:-off} scripts/pg.sh start "$DATA" "$PGPORT" >/dev/null
ADMIN="postgres://postgres@127.0.0.1:$PGPORT/postgres"
pids=()
cleanup() {
  trap - EXIT INT TERM
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  scripts/pg.sh stop "$DATA" >/dev/null 2>&1 || true
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'cleanup; exit 130' INT TERM

export IDENTITY_KEY; IDENTITY_KEY=$(head -c 32 /dev/urandom | base64)
export OPERATOR_PASSWORD=Platform-ops-2026
export REGISTRY_ADDR=127.0.0.1:${PORTS}1 ROADMAP_ADDR=127.0.0.1:${PORTS}2 INDICATORS_ADDR=127.0.0.1:${PORTS}3
declare -A port=([registry]=1 [roadmap]=2 [indicators]=3)

psql -q "$ADMIN" -c 'DROP DATABASE IF EXISTS nastavnik WITH (FORCE)' >/dev/null
bin/dbinit -admin "$ADMIN" -db nastavnik >/dev/null
DATABASE_URL="postgres://registry:registry@127.0.0.1:$PGPORT/nastavnik" bin/registry-admin create-operator -login operator -if-missing >/dev/null
for svc in registry roadmap indicators; do
  env DATABASE_URL="postgres://$svc:$svc@127.0.0.1:$PGPORT/nastavnik" GRPC_ADDR=127.0.0.1:${PORTS}${port[$svc]} \
    METRICS_ADDR=127.0.0.1:${PORTS}$((port[$svc] + 5)) LOG_LEVEL=warn "bin/$svc" >"$LOGS/$svc.log" 2>&1 &
  pids+=($!)
done
# gateway NAME BINARY HTTP-PORT-DIGIT METRICS-PORT-DIGIT: starts one, sets gw_pid.
gateway() {
  env HTTP_ADDR=127.0.0.1:${PORTS}$3 METRICS_ADDR=127.0.0.1:${PORTS}$4 LOG_LEVEL=warn "$2" >"$LOGS/gateway-$1.log" 2>&1 &
  gw_pid=$!
  pids+=("$gw_pid")
  for _ in $(seq 1 150); do
    curl -fsS "http://127.0.0.1:${PORTS}$3/readyz" >/dev/null 2>&1 && return
    sleep 0.2
  done
  echo "bench-gateway-save: the $1 gateway is not ready; see $LOGS/" >&2
  exit 1
}
gateway before "$tmp/gateway-before" 0 5
before_pid=$gw_pid
gateway after bin/gateway 4 9
after_pid=$gw_pid
echo "== demo data" >&2
bin/seed >"$LOGS/seed.log" 2>&1 || { tail "$LOGS/seed.log" >&2; exit 1; }
echo "== saving through the gateway of $BEFORE (before) and this tree's (after), alternately" >&2
bin/savebench -gateways "before=http://127.0.0.1:${PORTS}0=$before_pid=127.0.0.1:${PORTS}5,after=http://127.0.0.1:${PORTS}4=$after_pid=127.0.0.1:${PORTS}9" \
  -profile "${SAVEBENCH_PROFILE:-}" \
  -rounds "${SAVEBENCH_ROUNDS:-6}" -phase "${SAVEBENCH_PHASE:-5s}" -curators "${SAVEBENCH_CURATORS:-8}"
