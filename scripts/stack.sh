# The platform's processes on one PostgreSQL, for the load scripts
# (peak-load.sh, bench-gateway-save.sh): sourced, not run. The caller sets
# PGPORT, PORTS (services listen on ${PORTS}1.., their metrics on ${PORTS}6..),
# LOGS, BIN and ADMIN, and an array pids (and names) that its cleanup stops.
# STACK_LOG_LEVEL (default warn) is every process's LOG_LEVEL: info writes the
# gateway's access log and the services' calls, each with its duration.

# The ports ${PORTS}0..9 must lie below the kernel's ephemeral ports: one in
# that range may be held at that moment by any outgoing connection (the
# load's own), and a service then fails to listen on it.
stack_check_ports() {
  local lo _hi
  read -r lo _hi </proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || lo=32768
  if (( ${1}9 >= lo )); then
    echo "$(basename "$0"): ports ${1}0..${1}9 reach the ephemeral ports ($lo and up), which outgoing connections take; choose a prefix below ${lo:0:4}" >&2
    exit 1
  fi
}
stack_check_ports "$PORTS"

export IDENTITY_KEY; IDENTITY_KEY=$(head -c 32 /dev/urandom | base64)
export OPERATOR_PASSWORD=Platform-ops-2026
export REGISTRY_ADDR=127.0.0.1:${PORTS}1 ROADMAP_ADDR=127.0.0.1:${PORTS}2 INDICATORS_ADDR=127.0.0.1:${PORTS}3
declare -A stack_port=([registry]=1 [roadmap]=2 [indicators]=3)
names=()

# stack_fresh DB: a new database DB with the schemas and the operator.
stack_fresh() {
  psql -q "$ADMIN" -c "DROP DATABASE IF EXISTS $1 WITH (FORCE)" >/dev/null
  "$BIN/dbinit" -admin "$ADMIN" -db "$1" >/dev/null
  DATABASE_URL="postgres://registry:registry@127.0.0.1:$PGPORT/$1" \
    "$BIN/registry-admin" create-operator -login operator -if-missing >/dev/null
}

# stack_services DB: the three services on database DB.
stack_services() {
  for svc in registry roadmap indicators; do
    env DATABASE_URL="postgres://$svc:$svc@127.0.0.1:$PGPORT/$1" GRPC_ADDR=127.0.0.1:${PORTS}${stack_port[$svc]} \
      METRICS_ADDR=127.0.0.1:${PORTS}$((stack_port[$svc] + 5)) LOG_LEVEL=${STACK_LOG_LEVEL:-warn} "$BIN/$svc" >"$LOGS/$svc.log" 2>&1 &
    pids+=($!) names+=("$svc=$!")
  done
}

# stack_gateway NAME BINARY HTTP-DIGIT METRICS-DIGIT: a gateway on
# ${PORTS}HTTP-DIGIT, waited for until ready; sets gw_pid.
stack_gateway() {
  env HTTP_ADDR=127.0.0.1:${PORTS}$3 METRICS_ADDR=127.0.0.1:${PORTS}$4 LOG_LEVEL=${STACK_LOG_LEVEL:-warn} "$2" >"$LOGS/$1.log" 2>&1 &
  gw_pid=$!
  pids+=("$gw_pid") names+=("$1=$gw_pid")
  for _ in $(seq 1 150); do
    curl -fsS "http://127.0.0.1:${PORTS}$3/readyz" >/dev/null 2>&1 && return
    sleep 0.2
  done
  echo "$(basename "$0"): the gateway $1 is not ready; see $LOGS/" >&2
  exit 1
}

# stack_down: stops every process started, and waits for them.
stack_down() {
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  pids=() names=()
}
