#!/usr/bin/env bash
# Run a command against a throwaway PostgreSQL on loopback, started here and stopped afterwards.
# The command sees TEST_DATABASE_URL (and DATABASE_URL) pointing at it.
set -euo pipefail

find_bindir() {
  if [ -n "${PG_BINDIR:-}" ]; then echo "$PG_BINDIR"; return; fi
  local dir
  for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    if [ -x "$dir/initdb" ]; then echo "$dir"; return; fi
  done
}

BINDIR="$(find_bindir)"
if [ -z "$BINDIR" ] && [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
  echo "Installing Debian's postgresql package (needed for the PostgreSQL test run)..."
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq || true
  apt-get install -y -qq postgresql >/dev/null
  BINDIR="$(find_bindir)"
fi
if [ -z "$BINDIR" ]; then
  echo "ERROR: PostgreSQL server binaries (initdb, pg_ctl) not found. Install Debian's 'postgresql' package." >&2
  exit 1
fi

# initdb and pg_ctl refuse to run as root: run them as the postgres user then.
as_pg() {
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

PGTMP="$(mktemp -d /tmp/lms-pg.XXXXXX)"
chmod 755 "$PGTMP"
[ "$(id -u)" -eq 0 ] && chown postgres:postgres "$PGTMP"
PORT="${PGPORT_TEST:-$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')}"

cleanup() {
  as_pg "$BINDIR/pg_ctl" -D "$PGTMP/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$PGTMP"
}
trap cleanup EXIT INT TERM

as_pg "$BINDIR/initdb" -D "$PGTMP/data" -U lms --auth=trust -E UTF8 --locale=C.UTF-8 >"$PGTMP/initdb.log" 2>&1 || {
  echo "ERROR: initdb failed:" >&2; cat "$PGTMP/initdb.log" >&2; exit 1; }
as_pg "$BINDIR/pg_ctl" -D "$PGTMP/data" -l "$PGTMP/server.log" -w -t 60 \
  -o "-c listen_addresses=127.0.0.1 -p $PORT -c unix_socket_directories=$PGTMP -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300" \
  start >/dev/null || { echo "ERROR: PostgreSQL did not start:" >&2; cat "$PGTMP/server.log" >&2; exit 1; }
as_pg "$BINDIR/createdb" -h 127.0.0.1 -p "$PORT" -U lms lms_test

export TEST_DATABASE_URL="postgresql+psycopg://lms@127.0.0.1:$PORT/lms_test"
export DATABASE_URL="$TEST_DATABASE_URL"
echo "PostgreSQL $("$BINDIR/postgres" --version | awk '{print $3}') on 127.0.0.1:$PORT"
"$@"
