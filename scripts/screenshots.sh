#!/usr/bin/env bash
# `make screenshots`: every page at 1280 and 360 px wide, from a running
# `make run` (BASE, default http://127.0.0.1:8080), into screenshots/ (OUT).
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v chromium >/dev/null; then
  echo "== installing Debian's chromium (once)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
fi
go run ./gateway/cmd/screenshots -base "${BASE:-http://127.0.0.1:8080}" -out "${OUT:-screenshots}"
