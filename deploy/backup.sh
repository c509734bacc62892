#!/usr/bin/env bash
# Dumps the reservas database (pg_dump custom format, compressed) into BACKUP_DIR and deletes
# dumps older than KEEP_DAYS. Schedule it (deploy/DEPLOYMENT.md, "Backups"):
#   15 3 * * *  /srv/reservas/deploy/backup.sh >>/var/log/reservas-backup.log 2>&1
# By default it runs pg_dump inside the compose stack's postgres container. With
# BACKUP_DATABASE_URL set it runs the local pg_dump against that URL instead (a managed
# Postgres, or the test in deploy/ops_test.go).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
backup_dir=${BACKUP_DIR:-$root/deploy/backups}
keep_days=${KEEP_DAYS:-14}
stamp=$(date -u +%Y%m%dT%H%M%SZ)
name=reservas-$stamp.dump
mkdir -p "$backup_dir"

if [ -n "${BACKUP_DATABASE_URL:-}" ]; then
  pg_dump --format=custom --no-owner --file="$backup_dir/$name.partial" "$BACKUP_DATABASE_URL"
else
  # The container sees deploy/backups as /backups.
  if [ "$backup_dir" != "$root/deploy/backups" ]; then
    echo "backup: BACKUP_DIR must be deploy/backups when dumping through the compose stack" >&2
    exit 2
  fi
  docker compose -f "$root/docker-compose.prod.yml" exec -T postgres \
    pg_dump -U reservas -d reservas --format=custom --no-owner --file="/backups/$name.partial"
fi
# Only a complete dump gets its final name, so a crash never leaves a truncated "backup".
mv "$backup_dir/$name.partial" "$backup_dir/$name"
find "$backup_dir" -maxdepth 1 -name 'reservas-*.dump' -mtime +"$keep_days" -delete
echo "backup: $backup_dir/$name ($(du -h "$backup_dir/$name" | cut -f1))"
