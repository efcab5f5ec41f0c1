#!/usr/bin/env bash
# Office files that inflate to 1 GiB, sent to both importers through the
# gateway of a stack of our own; prints every process's peak resident memory
# (VmHWM from /proc/PID/status) before and after. The bar: every process under
# 200 MB.
#
#   scripts/hostile-upload.sh              # its own PostgreSQL in .data/pg, ports 9300-9307
#   PG_DIR=.data/pgtest PGPORT=5551 PORT_BASE=55510 scripts/hostile-upload.sh
#
# Files: an XLSX whose sheet inflates to 1 GiB and says so in the archive's
# directory, the same lying that it holds 1 MiB, and a DOCX of 1 GiB of empty
# table rows, honest and lying (platform/cmd/hostilezip writes them).
set -euo pipefail
cd "$(dirname "$0")/.."

PG_DIR=${PG_DIR:-.data/pg}
PGPORT=${PGPORT:-5544}
BASE=${PORT_BASE:-9300}
UNPACKED=${UNPACKED:-1073741824}
WORK=.data/hostile
mkdir -p "$WORK"
HTTP="127.0.0.1:$BASE"

scripts/pg.sh start "$PG_DIR" "$PGPORT" >/dev/null
make --no-print-directory build >/dev/null
bin/dbinit -admin "postgres://postgres@127.0.0.1:$PGPORT/postgres" -db nastavnik >/dev/null
export IDENTITY_KEY; IDENTITY_KEY=$(head -c 32 /dev/urandom | base64)
export OPERATOR_PASSWORD=Hostile-ops-2026
DATABASE_URL="postgres://registry:registry@127.0.0.1:$PGPORT/nastavnik" \
  bin/registry-admin create-operator -login operator -if-missing >/dev/null

declare -A pid
cleanup() { for p in "${pid[@]}"; do kill -TERM "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT
i=1
for svc in registry roadmap indicators; do
  env DATABASE_URL="postgres://$svc:$svc@127.0.0.1:$PGPORT/nastavnik" GRPC_ADDR="127.0.0.1:$((BASE + i))" \
    METRICS_ADDR="127.0.0.1:$((BASE + 4 + i))" REGISTRY_ADDR="127.0.0.1:$((BASE + 1))" LOG_LEVEL=warn \
    "bin/$svc" >>"$WORK/$svc.log" 2>&1 &
  pid[$svc]=$!
  i=$((i + 1))
done
env HTTP_ADDR="$HTTP" METRICS_ADDR="127.0.0.1:$((BASE + 4))" REGISTRY_ADDR="127.0.0.1:$((BASE + 1))" \
  ROADMAP_ADDR="127.0.0.1:$((BASE + 2))" INDICATORS_ADDR="127.0.0.1:$((BASE + 3))" LOG_LEVEL=warn \
  bin/gateway >>"$WORK/gateway.log" 2>&1 &
pid[gateway]=$!
for _ in $(seq 1 150); do curl -fsS "http://$HTTP/readyz" >/dev/null 2>&1 && break; sleep 0.2; done
curl -fsS "http://$HTTP/readyz" >/dev/null || { echo "hostile-upload: the stack did not start; see $WORK/*.log" >&2; exit 1; }

hwm() { awk '/VmHWM/ {printf "%d", $2 / 1024}' "/proc/$1/status"; } # MiB
rss() { awk '/VmRSS/ {printf "%d", $2 / 1024}' "/proc/$1/status"; }
before=()
for svc in gateway registry roadmap indicators; do before+=("$(hwm "${pid[$svc]}")"); done

api() { # method path body-file → prints "status seconds"
  curl -s -o "$WORK/answer.json" -w '%{http_code} %{time_total}\n' -X "$1" "http://$HTTP$2" \
    -H "Authorization: Bearer $token" -H 'Content-Type: application/json' --data-binary "@$3"
}
printf '{"login":"operator","password":"%s"}' "$OPERATOR_PASSWORD" >"$WORK/body.json"
token=$(curl -fsS -X POST "http://$HTTP/v1/auth/token" --data-binary "@$WORK/body.json" | sed 's/.*"token":"\([^"]*\)".*/\1/')
echo '{"code":"24","name":"Красноярский край","timeZone":"Asia/Krasnoyarsk"}' >"$WORK/body.json"
api POST /v1/regions "$WORK/body.json" >/dev/null
echo '{"regionCode":"24","name":"городской округ Бомбинск '"$(date +%s%N)"'","kind":"MUNICIPALITY_KIND_URBAN_DISTRICT"}' >"$WORK/body.json"
api POST /v1/municipalities "$WORK/body.json" >/dev/null
mun=$(sed 's/.*"id":"\([^"]*\)".*/\1/' "$WORK/answer.json")
[[ $mun =~ ^[0-9a-f-]{36}$ ]] || { echo "hostile-upload: no municipality: $(cat "$WORK/answer.json")" >&2; exit 1; }

printf '%-52s %-6s %-7s %s\n' "upload" "status" "seconds" "answer"
for kind in xlsx docx; do
  for lie in false true; do
    file="$WORK/bomb-$kind-$lie.$kind"
    [[ -s $file ]] || (cd platform && go run ./cmd/hostilezip -kind "$kind" -unpacked "$UNPACKED" -lie="$lie") >"$file" 2>/dev/null
    size=$(stat -c %s "$file")
    targets=("/v1/roadmaps:import" '"owner":{"regionCode":"24"},"format":"IMPORT_FORMAT_'"${kind^^}"'","dryRun":true')
    if [[ $kind == xlsx ]]; then
      targets+=("/v1/municipalities/$mun/organisations:import" '"format":"IMPORT_FORMAT_XLSX","dryRun":true')
    fi
    for ((t = 0; t < ${#targets[@]}; t += 2)); do
      { printf '{%s,"content":"' "${targets[t + 1]}"; base64 -w0 "$file"; printf '"}'; } >"$WORK/body.json"
      read -r code secs < <(api POST "${targets[t]}" "$WORK/body.json")
      printf '%-52s %-6s %-7s %s\n' "$kind ($size bytes, lying: $lie) → ${targets[t]%%/organisations*}" "$code" "$secs" \
        "$(head -c 110 "$WORK/answer.json" | tr -d '\n')"
    done
  done
done

echo
printf '%-11s %12s %12s %12s\n' process "peak before" "peak after" "resident now"
worst=0
for svc in gateway registry roadmap indicators; do
  after=$(hwm "${pid[$svc]}")
  printf '%-11s %9s MiB %9s MiB %9s MiB\n' "$svc" "${before[0]}" "$after" "$(rss "${pid[$svc]}")"
  before=("${before[@]:1}")
  ((after > worst)) && worst=$after
done
if ((worst < 200)); then echo "bar met: every process peaked under 200 MB (worst $worst MiB)"; else echo "BAR MISSED: a process peaked at $worst MiB"; exit 1; fi
