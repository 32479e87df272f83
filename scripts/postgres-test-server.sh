#!/usr/bin/env bash
# A private PostgreSQL server on 127.0.0.1 for the test suite (Debian's package).
# Usage: postgres-test-server.sh start|stop|url
# start: installs the package when missing, creates the cluster once, starts it unless it
# already answers, and prints the admin URL the tests use to create one database per test.
# Autovacuum is off: its workers belong to the superuser, so the test role could not end them
# when it drops a test's database WITH (FORCE); the databases live for one test anyway.
set -euo pipefail
PORT="${TMUX_BUILDER_TEST_PG_PORT:-54329}"
DIR="${TMUX_BUILDER_TEST_PG_DIR:-/tmp/tmux-builder-test-pg}"
USER_NAME=tmux_builder_test
PASSWORD=tmux_builder_test
URL="postgresql+psycopg://${USER_NAME}:${PASSWORD}@127.0.0.1:${PORT}/postgres"

bin_dir() {
  ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1
}

as_postgres() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

start() {
  if [ -z "$(bin_dir)" ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
  fi
  local bin; bin="$(bin_dir)"
  if as_postgres "$bin/pg_isready" -q -h 127.0.0.1 -p "$PORT"; then
    echo "$URL"; return
  fi
  if [ ! -f "$DIR/PG_VERSION" ]; then
    mkdir -p "$DIR"; chown postgres:postgres "$DIR" 2>/dev/null || true
    as_postgres "$bin/initdb" -D "$DIR" -U postgres --auth-local=trust --auth-host=scram-sha-256 >/dev/null
  fi
  as_postgres "$bin/pg_ctl" -D "$DIR" -l "$DIR/server.log" -w \
    -o "-c listen_addresses=127.0.0.1 -c port=$PORT -c unix_socket_directories=$DIR -c max_connections=200 -c fsync=off -c autovacuum=off" start >/dev/null
  as_postgres "$bin/psql" -q -h "$DIR" -p "$PORT" -U postgres -d postgres -v ON_ERROR_STOP=1 <<SQL >/dev/null
DO \$\$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '${USER_NAME}') THEN
    CREATE ROLE ${USER_NAME} LOGIN CREATEDB PASSWORD '${PASSWORD}';
  END IF;
END \$\$;
SQL
  echo "$URL"
}

stop() {
  local bin; bin="$(bin_dir)"
  [ -n "$bin" ] && [ -f "$DIR/PG_VERSION" ] || return 0
  as_postgres "$bin/pg_ctl" -D "$DIR" -m fast -w stop >/dev/null 2>&1 || true
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  url) echo "$URL" ;;
  *) echo "usage: $0 start|stop|url" >&2; exit 2 ;;
esac
