#!/usr/bin/env bash
# Project-local PostgreSQL: a cluster in a git-ignored data directory, listening
# on loopback only, its unix socket inside the data directory.
#
#   scripts/pg.sh start DIR PORT   initialise when missing, start when stopped
#   scripts/pg.sh stop DIR         stop when running (PG_STOP_MODE=immediate
#                                  stops it as a crash would; default fast)
#
# Installs the server with apt-get when no PostgreSQL binaries are found. Run as
# root, the cluster runs as the `postgres` user (PostgreSQL refuses root). When
# that user cannot enter DIR (a clone under a private home such as /root, mode
# 0700), the cluster lives under the postgres user's home instead, in
# ~postgres/nastavnik/<name>-<hash of DIR>; the script says where.
set -euo pipefail

cmd=${1:?usage: pg.sh start DIR PORT | stop DIR}
dir=${2:?data directory}
port=${3:-5544}

find_bin() {
  local d
  for d in ${PG_BIN:-} /usr/lib/postgresql/*/bin; do
    if [[ -n "$d" && -x "$d/initdb" ]]; then echo "$d"; return 0; fi
  done
  return 1
}

bin=$(find_bin || true)
if [[ -z "$bin" ]]; then
  if [[ $cmd == stop ]]; then exit 0; fi
  echo "pg.sh: PostgreSQL server not found; installing it with apt-get" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq --no-install-recommends postgresql >&2
  bin=$(find_bin) || { echo "pg.sh: PostgreSQL installation failed" >&2; exit 1; }
fi

mkdir -p "$dir"
dir=$(cd "$dir" && pwd)

# Run as root, the cluster belongs to `postgres`; move it where that user can reach.
if [[ $(id -u) == 0 ]] && ! su postgres -s /bin/sh -c "cd / && test -x '$(dirname "$dir")'" 2>/dev/null; then
  home=$(getent passwd postgres | cut -d: -f6)
  alt="$home/nastavnik/$(basename "$dir")-$(printf '%s' "$dir" | sha1sum | cut -c1-12)"
  if [[ $cmd == start && ! -f "$alt/PG_VERSION" ]]; then
    echo "pg.sh: the postgres user cannot enter $dir; the cluster lives in $alt" >&2
  fi
  mkdir -p "$alt"
  dir=$alt
fi

as_owner() {
  if [[ $(id -u) == 0 ]]; then
    chown -R postgres:postgres "$dir"
    (cd / && su postgres -s /bin/sh -c "$*")
  else
    sh -c "$*"
  fi
}

case $cmd in
start)
  if [[ ! -f "$dir/PG_VERSION" ]]; then
    as_owner "'$bin/initdb' -D '$dir' -U postgres -A trust -E UTF8 --locale=C.UTF-8" >"$dir.initdb.log" 2>&1 ||
      { cat "$dir.initdb.log" >&2; exit 1; }
  fi
  if as_owner "'$bin/pg_ctl' -D '$dir' status" >/dev/null 2>&1; then
    exit 0
  fi
  as_owner "'$bin/pg_ctl' -D '$dir' -w -l '$dir/server.log' -o \"-c listen_addresses=127.0.0.1 -p $port -k '$dir' -c max_connections=300 -c fsync=${PG_FSYNC:-on}\" start" >/dev/null ||
    { tail -20 "$dir/server.log" >&2; exit 1; }
  ;;
stop)
  if [[ -f "$dir/PG_VERSION" ]] && as_owner "'$bin/pg_ctl' -D '$dir' status" >/dev/null 2>&1; then
    as_owner "'$bin/pg_ctl' -D '$dir' -w -m ${PG_STOP_MODE:-fast} stop" >/dev/null
  fi
  ;;
*)
  echo "usage: pg.sh start DIR PORT | stop DIR" >&2
  exit 2
  ;;
esac
