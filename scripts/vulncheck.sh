#!/usr/bin/env bash
# govulncheck over every module of the platform, offline: against a local
# copy of the Go vulnerability database, built once from the OSV files of the
# module golang.org/x/vulndb at the version pinned in tools/go.mod (with its
# indexdb, into build/vulndb/<version>). Fails when a module the platform
# requires has a known vulnerability; prints, without failing, the standard
# library's that the code calls, which only a newer Go toolchain fixes.
# To take newer advisories, move golang.org/x/vulndb in tools/go.mod.
set -euo pipefail
cd "$(dirname "$0")/.."

version=$(awk '$1 == "golang.org/x/vulndb" {print $2}' tools/go.mod)
db="build/vulndb/$version"
GOWORK=off go -C tools build -o ../build/bin/ golang.org/x/vuln/cmd/govulncheck ./vulnsummary
if [[ ! -f "$db/index/db.json" ]]; then
  src=$(GOWORK=off go -C tools mod download -json golang.org/x/vulndb | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
  test -d "$src/data/osv" || { echo "vulncheck: no OSV files in golang.org/x/vulndb@$version" >&2; exit 1; }
  GOWORK=off go -C tools build -o ../build/bin/ golang.org/x/vulndb/cmd/indexdb
  rm -rf "$db.tmp"
  build/bin/indexdb -vulns "$src/data/osv" -out "$db.tmp"
  mv "$db.tmp" "$db"
fi
echo "vulncheck: database golang.org/x/vulndb@$version ($(find "$db/ID" -name '*.json' | wc -l) advisories)"

# One analysis of the whole workspace: the gateway's module sees every other
# through go.work.
mods=(platform proto services/registry services/roadmap services/indicators)
pkgs=(./...)
for m in "${mods[@]}"; do pkgs+=("github.com/nastavnik/nastavnik/$m/..."); done
(cd gateway && ../build/bin/govulncheck -db "file://$PWD/../$db" -format json "${pkgs[@]}") | build/bin/vulnsummary
