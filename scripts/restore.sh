#!/usr/bin/env bash
# Restore a backup of scripts/backup.sh into a new (empty) database, usually
# on a new cluster: the service roles are created first (pg_dump does not
# carry roles), with the passwords in DBINIT_PASSWORD_<SCHEMA> as dbinit
# gives them (default: the role's name), then pg_restore recreates the
# schemas, owned by their roles, with every row, and each role gets its
# search_path back.
#
#   scripts/restore.sh FILE ADMIN_URL [DATABASE]
#
# ADMIN_URL is a superuser's URL of the new cluster's maintenance database,
# e.g. postgres://postgres@127.0.0.1:5546/postgres; DATABASE (default
# nastavnik) must not exist yet. Stops at the first error.
set -euo pipefail

file=${1:?usage: restore.sh FILE ADMIN_URL [DATABASE]}
admin=${2:?usage: restore.sh FILE ADMIN_URL [DATABASE]}
db=${3:-nastavnik}
[[ $db =~ ^[a-z_][a-z0-9_]*$ ]] || { echo "restore: $db is not a plain database name" >&2; exit 2; }

bin=""
for d in ${PG_BIN:-} /usr/lib/postgresql/*/bin; do
  if [[ -n "$d" && -x "$d/pg_restore" ]]; then bin="$d/"; break; fi
done
psql() { "${bin}psql" --no-psqlrc --quiet --set ON_ERROR_STOP=1 "$@"; }

# The schemas in the dump are the services' roles.
mapfile -t schemas < <("${bin}pg_restore" --list "$file" | awk '$4 == "SCHEMA" && $5 == "-" {print $6}' | sort -u)
for s in "${schemas[@]}"; do
  [[ $s =~ ^[a-z_][a-z0-9_]*$ ]] || { echo "restore: schema $s is not a plain name" >&2; exit 1; }
  var="DBINIT_PASSWORD_${s^^}"
  pw=${!var:-$s}
  psql "$admin" --set role="$s" --set pw="$pw" <<'SQL'
SELECT format('CREATE ROLE %I LOGIN', :'role') WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'role') \gexec
SELECT format('ALTER ROLE %I LOGIN PASSWORD %L NOSUPERUSER NOCREATEDB NOCREATEROLE', :'role', :'pw') \gexec
SELECT format('ALTER ROLE %I SET search_path = %I', :'role', :'role') \gexec
SQL
done
psql "$admin" --set db="$db" <<'SQL'
SELECT format('CREATE DATABASE %I', :'db') \gexec
SQL
target=$(printf '%s' "$admin" | sed -E "s#^(postgres(ql)?://[^/]*)/[^?]*#\1/$db#")
"${bin}pg_restore" --exit-on-error --no-password --dbname="$target" "$file"
psql "$target" -c 'REVOKE CREATE ON SCHEMA public FROM PUBLIC'
echo "restore: $file into $db (schemas: ${schemas[*]})"
