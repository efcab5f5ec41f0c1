#!/usr/bin/env bash
# `make test`: lint, generated-code freshness and the whole Go suite against a
# real, project-local PostgreSQL (its own cluster, apart from `make run`'s).
set -euo pipefail
cd "$(dirname "$0")/.."

# The page tests drive Debian's Chromium with axe-core injected.
if ! command -v chromium >/dev/null; then
  echo "== installing Debian's chromium for the page tests (once)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
fi
# The alert rules are unit-tested with promtool, which Debian's prometheus ships.
if ! command -v promtool >/dev/null; then
  echo "== installing Debian's prometheus for promtool (once)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq --no-install-recommends prometheus >/dev/null
fi
if [[ ! -f tools/axe/node_modules/axe-core/axe.min.js ]]; then
  echo "== installing axe-core for the page tests (once)"
  npm install --prefix tools/axe --no-audit --no-fund --loglevel=error >/dev/null
fi

PGPORT=${TEST_PGPORT:-5545}
echo "== PostgreSQL for tests on 127.0.0.1:$PGPORT (data in .data/pgtest)"
PG_FSYNC=off scripts/pg.sh start .data/pgtest "$PGPORT"
trap 'scripts/pg.sh stop .data/pgtest >/dev/null 2>&1 || true' EXIT
export NASTAVNIK_TEST_DATABASE_URL="postgres://postgres@127.0.0.1:$PGPORT/postgres"

echo "== generated code is up to date (the first run builds buf and downloads modules: a few minutes)"
make --no-print-directory check-generated
echo "== lint"
make --no-print-directory lint

echo "== govulncheck, offline (the first run builds it and the local vulnerability database)"
scripts/vulncheck.sh

echo "== Prometheus configuration and rules (promtool check, promtool test rules)"
promtool check config deploy/prometheus.yml
promtool check rules deploy/prometheus/nastavnik.rules.yml
promtool test rules deploy/prometheus/nastavnik.test.yml

echo "== go test (the first run compiles every dependency: several minutes before the first result)"
go test -race -count=1 -timeout 45m ${GOTESTFLAGS:-} ./platform/... ./services/registry/... ./services/roadmap/... \
  ./services/indicators/... ./gateway/... ./deploy/...
