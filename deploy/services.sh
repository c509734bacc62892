#!/usr/bin/env bash
# Local PostgreSQL and Redis for development, tests and CI, from the machine's own binaries.
#   deploy/services.sh up     start both (idempotent), installing Debian packages when missing
#   deploy/services.sh down   stop both (data stays in .data/)
#   deploy/services.sh env    print export lines: eval "$(deploy/services.sh env)"
#   deploy/services.sh status
# Ports and data dir can be moved with RESERVAS_PG_PORT, RESERVAS_REDIS_PORT, RESERVAS_DATA_DIR.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
data_dir=${RESERVAS_DATA_DIR:-$root/.data}
pg_port=${RESERVAS_PG_PORT:-55432}
redis_port=${RESERVAS_REDIS_PORT:-56379}
pg_data=$data_dir/pg
redis_dir=$data_dir/redis
db_name=reservas
db_user=reservas
db_password=reservas

log() { echo "services: $*" >&2; }

pg_bin_dir() {
  local dir
  for dir in /usr/lib/postgresql/*/bin; do
    [ -x "$dir/postgres" ] && latest=$dir
  done
  [ -n "${latest:-}" ] && echo "$latest"
}

# run_pg runs a PostgreSQL binary as the postgres system user: initdb and postgres refuse root.
run_pg() {
  if [ "$(id -u)" = 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

install_missing() {
  local pkgs=()
  local bin
  bin=$(pg_bin_dir)
  if [ -z "$bin" ] || [ ! -e "$bin/../lib/btree_gist.so" ] || ! id postgres >/dev/null 2>&1; then
    pkgs+=(postgresql postgresql-contrib)
  fi
  command -v redis-server >/dev/null 2>&1 || pkgs+=(redis-server)
  [ ${#pkgs[@]} -eq 0 ] && return 0
  if [ "$(id -u)" != 0 ]; then
    log "missing ${pkgs[*]}: install them (apt-get install ${pkgs[*]}) or run as root"
    exit 1
  fi
  log "installing ${pkgs[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq --no-install-recommends "${pkgs[@]}" >/dev/null
}

pg_up() {
  local bin
  bin=$(pg_bin_dir)
  mkdir -p "$data_dir"
  if [ "$(id -u)" = 0 ]; then
    id postgres >/dev/null 2>&1 || useradd --system --home-dir /var/lib/postgresql postgres
    chmod o+x "$data_dir"
  fi
  if [ ! -s "$pg_data/PG_VERSION" ]; then
    log "initialising PostgreSQL in $pg_data"
    mkdir -p "$pg_data"
    [ "$(id -u)" = 0 ] && chown postgres: "$pg_data"
    chmod 700 "$pg_data"
    run_pg "$bin/initdb" -D "$pg_data" -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 >/dev/null
    cat >>"$pg_data/postgresql.conf" <<EOF
listen_addresses = '127.0.0.1'
port = $pg_port
unix_socket_directories = ''
max_connections = 300
shared_buffers = 256MB
fsync = on
EOF
  fi
  if ! run_pg "$bin/pg_ctl" -D "$pg_data" status >/dev/null 2>&1; then
    log "starting PostgreSQL on 127.0.0.1:$pg_port"
    run_pg "$bin/pg_ctl" -D "$pg_data" -l "$pg_data/server.log" -w -t 60 start >/dev/null
  fi
  local i
  for i in $(seq 1 60); do
    "$bin/pg_isready" -q -h 127.0.0.1 -p "$pg_port" && break
    sleep 0.5
  done
  "$bin/pg_isready" -q -h 127.0.0.1 -p "$pg_port" || { log "PostgreSQL did not come up; see $pg_data/server.log"; exit 1; }
  psql_admin -tAc "SELECT 1 FROM pg_roles WHERE rolname='$db_user'" | grep -q 1 ||
    psql_admin -qc "CREATE ROLE $db_user LOGIN SUPERUSER PASSWORD '$db_password'"
  psql_admin -tAc "SELECT 1 FROM pg_database WHERE datname='$db_name'" | grep -q 1 ||
    psql_admin -qc "CREATE DATABASE $db_name OWNER $db_user"
  # btree_gist must be available: the exclusion constraint needs it.
  psql_admin -d "$db_name" -qc "CREATE EXTENSION IF NOT EXISTS btree_gist"
}

psql_admin() {
  local bin
  bin=$(pg_bin_dir)
  if [ -x "$bin/psql" ]; then
    "$bin/psql" -h 127.0.0.1 -p "$pg_port" -U postgres -v ON_ERROR_STOP=1 "$@"
  else
    psql -h 127.0.0.1 -p "$pg_port" -U postgres -v ON_ERROR_STOP=1 "$@"
  fi
}

redis_up() {
  mkdir -p "$redis_dir"
  if redis-cli -p "$redis_port" ping >/dev/null 2>&1; then
    return 0
  fi
  log "starting Redis on 127.0.0.1:$redis_port (append-only)"
  # Many databases so that test packages running at once each get their own.
  redis-server --bind 127.0.0.1 --port "$redis_port" --dir "$redis_dir" \
    --appendonly yes --appendfsync everysec --databases 256 \
    --daemonize yes --pidfile "$redis_dir/redis.pid" --logfile "$redis_dir/redis.log" \
    --save "" >/dev/null
  local i
  for i in $(seq 1 60); do
    redis-cli -p "$redis_port" ping >/dev/null 2>&1 && return 0
    sleep 0.2
  done
  log "Redis did not come up; see $redis_dir/redis.log"
  exit 1
}

pg_down() {
  local bin
  bin=$(pg_bin_dir)
  [ -n "$bin" ] && [ -s "$pg_data/PG_VERSION" ] || return 0
  run_pg "$bin/pg_ctl" -D "$pg_data" -m fast -w stop >/dev/null 2>&1 || true
}

redis_down() {
  redis-cli -p "$redis_port" shutdown >/dev/null 2>&1 || true
}

print_env() {
  echo "export DATABASE_URL='postgres://$db_user:$db_password@127.0.0.1:$pg_port/$db_name?sslmode=disable'"
  echo "export REDIS_URL='redis://127.0.0.1:$redis_port/0'"
}

case "${1:-}" in
  up)
    install_missing
    pg_up
    redis_up
    log "PostgreSQL 127.0.0.1:$pg_port and Redis 127.0.0.1:$redis_port are up"
    ;;
  down)
    pg_down
    redis_down
    ;;
  restart-redis)
    redis_down
    sleep 0.5
    redis_up
    ;;
  restart-pg)
    pg_down
    pg_up
    ;;
  env) print_env ;;
  status)
    bin=$(pg_bin_dir)
    "$bin/pg_isready" -h 127.0.0.1 -p "$pg_port" || true
    redis-cli -p "$redis_port" ping || true
    ;;
  *)
    echo "usage: $0 up|down|env|status|restart-redis|restart-pg" >&2
    exit 2
    ;;
esac
