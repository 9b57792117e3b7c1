#!/usr/bin/env bash
# Makes sure this Debian machine has what the fleet service needs, and that it runs:
# PostgreSQL (with contrib, for btree_gist), Mosquitto and its clients, python3-venv.
# Installs what is missing (needs root), starts what is stopped, leaves alone what runs.
# Safe to run again and again; `make demo` and `make test` call it first.
set -euo pipefail

PG_HOST=127.0.0.1
PG_PORT=${FLEET_PG_PORT:-5432}
MQTT_PORT=1883

say() { printf 'services: %s\n' "$*"; }
as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"
  elif command -v sudo >/dev/null; then sudo "$@"
  else say "need root to run: $*"; exit 1
  fi
}
have_systemd() { [ -d /run/systemd/system ]; }
listening() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }

missing=()
command -v pg_ctlcluster >/dev/null || missing+=(postgresql postgresql-contrib)
command -v mosquitto >/dev/null || [ -x /usr/sbin/mosquitto ] || missing+=(mosquitto)
command -v mosquitto_pub >/dev/null || missing+=(mosquitto-clients)
probe=$(mktemp -d)
python3 -m venv "$probe/venv" >/dev/null 2>&1 || missing+=(python3-venv)
rm -rf "$probe"
command -v make >/dev/null || missing+=(make)

fresh_postgres=no
if [ ${#missing[@]} -gt 0 ]; then
  say "installing ${missing[*]}"
  [[ " ${missing[*]} " == *" postgresql "* ]] && fresh_postgres=yes
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# PostgreSQL: the first cluster found, started if it is not accepting connections.
if ! pg_isready -q -h "$PG_HOST" -p "$PG_PORT"; then
  version=$(ls /etc/postgresql | sort -V | tail -n 1)
  say "starting PostgreSQL $version"
  if have_systemd; then as_root systemctl start "postgresql@${version}-main"
  else as_root pg_ctlcluster --skip-systemctl-redirect "$version" main start
  fi
  for _ in $(seq 1 30); do pg_isready -q -h "$PG_HOST" -p "$PG_PORT" && break; sleep 1; done
fi

# A PostgreSQL this script installed asks for passwords on TCP; the demo and the tests
# connect as postgres over 127.0.0.1, so trust that one local user there (and only there).
if [ "$fresh_postgres" = yes ]; then
  version=$(ls /etc/postgresql | sort -V | tail -n 1)
  hba=/etc/postgresql/$version/main/pg_hba.conf
  if ! grep -q 'fleet-telematics' "$hba"; then
    say "trusting postgres@127.0.0.1 in $hba"
    as_root sed -i '1i host all postgres 127.0.0.1/32 trust # fleet-telematics dev/CI\nhost all postgres ::1/128 trust # fleet-telematics dev/CI' "$hba"
    as_root pg_ctlcluster --skip-systemctl-redirect "$version" main reload
  fi
fi
pg_isready -h "$PG_HOST" -p "$PG_PORT" >/dev/null || { say "PostgreSQL is not reachable on $PG_HOST:$PG_PORT"; exit 1; }

# Mosquitto: the system broker on 1883 (the project also runs brokers of its own,
# with its configuration from deploy/mosquitto/, on other ports).
if ! listening "$PG_HOST" "$MQTT_PORT"; then
  say "starting Mosquitto"
  if have_systemd; then as_root systemctl start mosquitto
  else as_root mosquitto -d -c /etc/mosquitto/mosquitto.conf
  fi
fi
say "PostgreSQL and Mosquitto are installed and running"
