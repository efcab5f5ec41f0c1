#!/usr/bin/env bash
# `make run`: a local PostgreSQL, every service and the gateway with demo data.
# Stops everything on Ctrl-C. Logs go to .data/logs/.
set -euo pipefail
cd "$(dirname "$0")/.."

command -v curl >/dev/null || { echo "run: installing curl" >&2; apt-get install -y -qq curl >/dev/null; }

PGPORT=${PGPORT:-5544}
HTTP_ADDR=${HTTP_ADDR:-127.0.0.1:8080}
MAILPIT_SMTP=${MAILPIT_SMTP:-127.0.0.1:1025}
MAILPIT_WEB=${MAILPIT_WEB:-127.0.0.1:8025}
LOGS=.data/logs
mkdir -p "$LOGS"

for addr in "$HTTP_ADDR" "$MAILPIT_SMTP" "$MAILPIT_WEB" 127.0.0.1:9101 127.0.0.1:9102 127.0.0.1:9103; do
  if (exec 3<>"/dev/tcp/${addr%:*}/${addr##*:}") 2>/dev/null; then
    echo "run: $addr is already in use (is nastavnik already running?)" >&2
    exit 1
  fi
done

echo "== PostgreSQL on 127.0.0.1:$PGPORT (data in .data/pg)"
scripts/pg.sh start .data/pg "$PGPORT"

echo "== Go modules (the first run downloads them: a few minutes)"
go mod download -x 2>&1 | awk '/\.zip: 200/ {n++; printf "\r  %d downloaded", n} END {if (n) print ""}'
echo "== building (the first build compiles every dependency: 2-3 minutes; later ones take seconds)"
if ! GOFLAGS="${GOFLAGS:-} -v" make --no-print-directory build 2>&1 | tee "$LOGS/build.log" |
  awk '{n++; printf "\r  %d packages compiled", n} END {print ""}'; then
  tail -n 20 "$LOGS/build.log" >&2; echo "run: the build failed (whole output in $LOGS/build.log)" >&2; exit 1
fi

# Mailpit, the local mail server every notification goes to (its own module,
# built once into bin/ from the module cache).
if [[ ! -x bin/mailpit ]]; then
  echo "== building Mailpit (first run only)"
  GOBIN="$PWD/bin" GOWORK=off GOFLAGS=-mod=mod go install github.com/axllent/mailpit@v1.33.1
fi

bin/dbinit -admin "postgres://postgres@127.0.0.1:$PGPORT/postgres" -db nastavnik

# The key the gateway signs identities with and the services verify them with.
if [[ ! -s .data/identity.key ]]; then
  head -c 32 /dev/urandom | base64 >.data/identity.key
  chmod 600 .data/identity.key
fi
export IDENTITY_KEY; IDENTITY_KEY=$(cat .data/identity.key)
export OPERATOR_PASSWORD=${OPERATOR_PASSWORD:-Platform-ops-2026}
DATABASE_URL="postgres://registry:registry@127.0.0.1:$PGPORT/nastavnik" \
  bin/registry-admin create-operator -login operator -if-missing >/dev/null

pids=()
cleanup() {
  trap - EXIT INT TERM
  echo
  echo "== stopping"
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT
trap 'cleanup; exit 0' INT TERM

start() { # name, then env assignments
  local name=$1; shift
  env "$@" "bin/$name" >>"$LOGS/$name.log" 2>&1 &
  pids+=($!)
}
bin/mailpit --smtp "$MAILPIT_SMTP" --listen "$MAILPIT_WEB" --db-file .data/mailpit.db --max 5000 \
  --disable-version-check --smtp-disable-rdns >>"$LOGS/mailpit.log" 2>&1 &
pids+=($!)
# The services send their notifications to Mailpit, and ask it about a message
# whose sender died while sending it.
export NASTAVNIK_SMTP_HOST=${MAILPIT_SMTP%:*} NASTAVNIK_SMTP_PORT=${MAILPIT_SMTP##*:} NASTAVNIK_SMTP_TLS=none \
  NASTAVNIK_SMTP_CHECK_URL="http://$MAILPIT_WEB" NASTAVNIK_PUBLIC_URL="http://$HTTP_ADDR" NASTAVNIK_NOTIFY_INTERVAL=10s
for svc in registry roadmap indicators; do
  start "$svc" DATABASE_URL="postgres://$svc:$svc@127.0.0.1:$PGPORT/nastavnik" LOG_LEVEL=info
done
start gateway HTTP_ADDR="$HTTP_ADDR" LOG_LEVEL=info

printf '== waiting for the gateway'
for _ in $(seq 1 150); do
  if curl -fsS "http://$HTTP_ADDR/readyz" >/dev/null 2>&1; then break; fi
  for pid in "${pids[@]}"; do
    if ! kill -0 "$pid" 2>/dev/null; then
      echo; echo "run: a process exited; see $LOGS/:" >&2; tail -n 5 "$LOGS"/*.log >&2; exit 1
    fi
  done
  printf '.'; sleep 0.2
done
echo
curl -fsS "http://$HTTP_ADDR/readyz" >/dev/null || { echo "run: gateway not ready; see $LOGS/" >&2; exit 1; }

echo "== demo data"
REGISTRY_ADDR=127.0.0.1:9101 bin/seed

cat <<TXT

nastavnik is running: http://$HTTP_ADDR/  (sign in with a demo account above)
  mail (Mailpit)   http://$MAILPIT_WEB/  (every e-mail the platform sends: reminders, returned reports, roadmap items handed down, digests…)
  API reference   http://$HTTP_ADDR/docs
  OpenAPI         http://$HTTP_ADDR/openapi.json
  sign in (API)   curl -s -X POST http://$HTTP_ADDR/v1/auth/token -d '{"login":"regional","password":"Krai-24-centre"}'
  then            curl -H 'Authorization: Bearer <token>' 'http://$HTTP_ADDR/v1/organisations?region=24&pageSize=5'
  metrics         gateway http://127.0.0.1:9200/metrics, services :9201 :9202 :9203
  logs            $LOGS/
Press Ctrl-C to stop.
TXT
wait -n "${pids[@]}" || true
echo "run: a process exited; see $LOGS/" >&2
exit 1
