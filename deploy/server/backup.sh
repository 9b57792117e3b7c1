#!/usr/bin/env bash
# A compressed, consistent dump of the fleet's database (pg_dump's custom format), then
# the oldest dumps beyond FLEET_BACKUP_KEEP removed. Run nightly by fleet-backup.timer;
# restore.sh puts one back. Prints the path of the dump it wrote.
set -euo pipefail
: "${FLEET_DATABASE_URL:?FLEET_DATABASE_URL is not set}"
directory="${FLEET_BACKUP_DIR:-/var/lib/fleet/backups}"
keep="${FLEET_BACKUP_KEEP:-14}"
mkdir -p "$directory"
umask 077  # participants' personal data: readable by the service's account only
stamp="$(date -u +%Y%m%dT%H%M%S.%3NZ)"
target="$directory/fleet-$stamp.dump"
# Written beside, then renamed: a dump cut short never looks like a backup.
pg_dump --format=custom --compress=6 --no-owner --file="$target.partial" "$FLEET_DATABASE_URL"
mv "$target.partial" "$target"
# Newest first; everything after the first $keep goes.
find "$directory" -maxdepth 1 -name 'fleet-*.dump' -printf '%f\n' | sort -r | tail -n +"$((keep + 1))" \
    | while read -r old; do rm -f -- "$directory/$old"; done
echo "$target"
