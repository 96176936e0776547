#!/usr/bin/env bash
# Runs a command with a throw-away PostgreSQL server: installs Debian's `postgresql` package when
# the server programs are missing, creates a cluster in a temporary folder on a free loopback port
# (password authentication, a user and a database for the journal), exports its URL as
# MPPOINT_TEST_PG_URL, runs "$@", then stops the server and removes the cluster, whatever happened.
# When PostgreSQL cannot be installed or started it says so and fails: it is part of the tests.
#   bash tests/with_postgres.sh cargo test -p mppoint --test journal_postgres
set -euo pipefail

find_bin() {
  local b
  for b in /usr/lib/postgresql/*/bin; do
    [ -x "$b/initdb" ] && { echo "$b"; return 0; }
  done
  return 1
}

bin=$(find_bin || true)
if [ -z "$bin" ]; then
  echo "with_postgres.sh: installing PostgreSQL (Debian package postgresql)"
  if [ "$(id -u)" = 0 ]; then sudo=""; else sudo="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq >/dev/null
  $sudo apt-get install -y -qq postgresql >/dev/null
  bin=$(find_bin || true)
fi
[ -n "$bin" ] || { echo "with_postgres.sh: PostgreSQL could not be installed: the PostgreSQL journal tests cannot run" >&2; exit 1; }

dir=$(mktemp -d /tmp/mppoint-pg.XXXXXX)
# initdb refuses to run as root: the cluster belongs to the postgres user then.
run=()
if [ "$(id -u)" = 0 ]; then
  id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres
  chown postgres "$dir"
  run=(runuser -u postgres --)
fi
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
password="pw-$(python3 -c 'import secrets; print(secrets.token_hex(8))')"
printf '%s\n' "$password" > "$dir/pw"
chmod 600 "$dir/pw"
[ "$(id -u)" = 0 ] && chown postgres "$dir/pw"

cleanup() {
  "${run[@]}" "$bin/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$dir"
}
trap cleanup EXIT

"${run[@]}" "$bin/initdb" -D "$dir/data" -U mppoint --pwfile="$dir/pw" --auth=scram-sha-256 >"$dir/initdb.log" 2>&1 \
  || { cat "$dir/initdb.log" >&2; echo "with_postgres.sh: initdb failed" >&2; exit 1; }
"${run[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
  -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c max_connections=200 -c fsync=on" start >/dev/null \
  || { cat "$dir/server.log" >&2; echo "with_postgres.sh: the server did not start" >&2; exit 1; }
PGPASSWORD="$password" "$bin/createdb" -h 127.0.0.1 -p "$port" -U mppoint journal

export MPPOINT_TEST_PG_URL="postgres://mppoint:$password@127.0.0.1:$port/journal"
echo "with_postgres.sh: PostgreSQL $("$bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$port"
"$@"
