#!/usr/bin/env bash
# Reminders for NASTAVNIK_BENCH_ORGS organisations (45,000 by default) in six
# zones (issue #17): one campaign's 7-day reminders scheduled, expanded,
# rendered and sent through the whole outbox into a local SMTP sink, against
# the baseline of handing as many pre-rendered mails to the same sink with
# go-mail alone; prints both times, their ratio, the peak Go heap and the peak
# RSS. Run it on a quiet machine.
set -euo pipefail
cd "$(dirname "$0")/.."

PGPORT=${BENCH_PGPORT:-5547}
scripts/pg.sh start .data/pgbench-notify "$PGPORT" >/dev/null
trap 'scripts/pg.sh stop .data/pgbench-notify >/dev/null' EXIT

NASTAVNIK_TEST_DATABASE_URL="postgres://postgres@127.0.0.1:$PGPORT/postgres" \
NASTAVNIK_BENCH_ORGS=${NASTAVNIK_BENCH_ORGS:-45000} \
  go test -run '^$' -bench BenchmarkReminders -benchtime 1x -timeout 30m ./services/indicators/internal/server/
