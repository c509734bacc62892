#!/usr/bin/env bash
# Restore drill: proves a backup can be restored. It restores a dump (default: the newest in
# BACKUP_DIR) into a scratch database next to the live one, compares row counts and the
# migration version with the live database, and drops the scratch database. Exit status 0
# means the dump is good. Run it monthly (deploy/DEPLOYMENT.md, "Restore drill").
#   deploy/restore-drill.sh [DUMP]
# Like backup.sh it works through the compose stack, or with BACKUP_DATABASE_URL directly.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
backup_dir=${BACKUP_DIR:-$root/deploy/backups}
dump=${1:-$(ls -1t "$backup_dir"/reservas-*.dump 2>/dev/null | head -n1 || true)}
if [ -z "$dump" ] || [ ! -s "$dump" ]; then
  echo "restore-drill: no dump found in $backup_dir" >&2
  exit 1
fi
scratch=reservas_restore_drill

if [ -n "${BACKUP_DATABASE_URL:-}" ]; then
  live_url=$BACKUP_DATABASE_URL
  # Same server and options, the scratch database's name in the path.
  scratch_url=$(printf '%s' "$live_url" | sed -E "s#^([a-z]+://[^/?]+)(/[^?]*)?#\1/$scratch#")
  psql_live() { psql -X -q -v ON_ERROR_STOP=1 -At "$live_url" "$@"; }
  psql_scratch() { psql -X -q -v ON_ERROR_STOP=1 -At "$scratch_url" "$@"; }
  restore() { pg_restore --no-owner --exit-on-error -d "$scratch_url" "$dump"; }
else
  compose=(docker compose -f "$root/docker-compose.prod.yml")
  psql_live() { "${compose[@]}" exec -T postgres psql -X -q -v ON_ERROR_STOP=1 -At -U reservas -d reservas "$@"; }
  psql_scratch() { "${compose[@]}" exec -T postgres psql -X -q -v ON_ERROR_STOP=1 -At -U reservas -d "$scratch" "$@"; }
  restore() { "${compose[@]}" exec -T postgres pg_restore --no-owner --exit-on-error -U reservas -d "$scratch" "/backups/$(basename "$dump")"; }
fi

cleanup() { psql_live -c "DROP DATABASE IF EXISTS $scratch WITH (FORCE)" >/dev/null 2>&1 || true; }
trap cleanup EXIT
cleanup
psql_live -c "CREATE DATABASE $scratch"
restore

check=$(cat <<'SQL'
SELECT 'migration ' || COALESCE((SELECT max(version_id) FROM goose_db_version WHERE is_applied), 0)
UNION ALL SELECT 'accommodations ' || count(*) FROM accommodations
UNION ALL SELECT 'reservations ' || count(*) FROM reservations
UNION ALL SELECT 'active_reservations ' || count(*) FROM reservations WHERE active
UNION ALL SELECT 'inbound_messages ' || count(*) FROM inbound_messages
UNION ALL SELECT 'admin_users ' || count(*) FROM admin_users;
SQL
)
restored=$(psql_scratch -c "$check")
live=$(psql_live -c "$check")
echo "restore-drill: $(basename "$dump") restored:"
echo "$restored" | sed 's/^/  /'
# The live database only grows after the dump was taken, except for reservations that were
# deleted (never: they change status) and the migration version (it can only move up).
status=0
while read -r what n; do
  lv=$(echo "$live" | awk -v w="$what" '$1 == w { print $2 }')
  if [ "$n" -gt "$lv" ] && [ "$what" != active_reservations ]; then
    echo "restore-drill: $what: the dump has $n, more than the live database's $lv" >&2
    status=1
  fi
done <<<"$restored"
if [ "$(echo "$restored" | awk '$1 == "accommodations" { print $2 }')" = 0 ] && [ "$(echo "$live" | awk '$1 == "accommodations" { print $2 }')" != 0 ]; then
  echo "restore-drill: the dump has no cabins" >&2
  status=1
fi
[ $status = 0 ] && echo "restore-drill: OK"
exit $status
