#!/usr/bin/env bash
# restore.sh DUMP DATABASE_URL: put a dump made by backup.sh into DATABASE_URL's database,
# which must not exist yet (it is created) — a restore never overwrites the live database.
# Then point FLEET_DATABASE_URL at it, or rename it once checked. Stops at the first error.
set -euo pipefail
dump="${1:?usage: restore.sh DUMP DATABASE_URL}"
url="${2:?usage: restore.sh DUMP DATABASE_URL}"
test -r "$dump" || { echo "error: cannot read $dump" >&2; exit 2; }
pg_restore --list "$dump" >/dev/null  # a damaged or foreign file fails here, before anything is made
name="$(python3 -c 'import sys, urllib.parse as u; print(u.urlsplit(sys.argv[1]).path.lstrip("/"))' "$url")"
admin="$(python3 -c 'import sys, urllib.parse as u; p = u.urlsplit(sys.argv[1]); print(u.urlunsplit(p._replace(path="/postgres")))' "$url")"
if [ "$(psql "$admin" -XAtc "SELECT 1 FROM pg_database WHERE datname = '${name//\'/\'\'}'")" = "1" ]; then
    echo "error: database $name exists; restore into a new one" >&2
    exit 2
fi
psql "$admin" -Xqc "CREATE DATABASE \"${name//\"/\"\"}\""
pg_restore --exit-on-error --no-owner --single-transaction --dbname="$url" "$dump"
echo "restored $dump into $name"
