#!/usr/bin/env bash
# Back up nastavnik's database with pg_dump in its custom format (compressed,
# restorable table by table with pg_restore).
#
#   scripts/backup.sh DATABASE_URL FILE [SCHEMA...]
#
# DATABASE_URL is a superuser's (or the database owner's) URL of the database,
# e.g. postgres://postgres@127.0.0.1:5544/nastavnik. Without SCHEMA the whole
# database is dumped; with schemas (registry, roadmap, indicators) only those,
# so that one service's data can be backed up on its own. The dump is a
# consistent snapshot taken while the services run. Restore it with
# scripts/restore.sh. Prints the size and the row counts of the three tables
# people care most about.
set -euo pipefail

url=${1:?usage: backup.sh DATABASE_URL FILE [SCHEMA...]}
file=${2:?usage: backup.sh DATABASE_URL FILE [SCHEMA...]}
shift 2

bin=""
for d in ${PG_BIN:-} /usr/lib/postgresql/*/bin; do
  if [[ -n "$d" && -x "$d/pg_dump" ]]; then bin="$d/"; break; fi
done

args=(--format=custom --compress=6 --no-password --file="$file")
for s in "$@"; do args+=(--schema="$s"); done
mkdir -p "$(dirname "$file")"
"${bin}pg_dump" "${args[@]}" "$url"
echo "backup: $file ($(du -h "$file" | cut -f1)), $("${bin}pg_restore" --list "$file" | grep -c ' TABLE DATA ') tables"
