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
#   BENCH_PGPORT=5548 BENCH_PORTS=2548   # PostgreSQL's port; services on ${BENCH_PORTS}0..9 (below the ephemeral ports)
set -euo pipefail
cd "$(dirname "$0")/.."

BEFORE=${BEFORE:-main}
PGPORT=${BENCH_PGPORT:-5548}
PORTS=${BENCH_PORTS:-2548}
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

BIN=bin
# shellcheck source=scripts/stack.sh
source scripts/stack.sh
stack_fresh nastavnik
stack_services nastavnik
stack_gateway gateway-before "$tmp/gateway-before" 0 5
before_pid=$gw_pid
stack_gateway gateway-after bin/gateway 4 9
after_pid=$gw_pid
echo "== demo data" >&2
bin/seed >"$LOGS/seed.log" 2>&1 || { tail "$LOGS/seed.log" >&2; exit 1; }
echo "== saving through the gateway of $BEFORE (before) and this tree's (after), alternately" >&2
bin/savebench -gateways "before=http://127.0.0.1:${PORTS}0=$before_pid=127.0.0.1:${PORTS}5,after=http://127.0.0.1:${PORTS}4=$after_pid=127.0.0.1:${PORTS}9" \
  -profile "${SAVEBENCH_PROFILE:-}" \
  -rounds "${SAVEBENCH_ROUNDS:-6}" -phase "${SAVEBENCH_PHASE:-5s}" -curators "${SAVEBENCH_CURATORS:-8}"
