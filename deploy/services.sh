#!/usr/bin/env bash
# Makes sure this Debian machine has what the fleet service needs, and that it works:
# PostgreSQL (with contrib, for btree_gist) running, Mosquitto and its clients installed,
# python3-venv, make, npm (the web pages' packages) and Chromium (their browser tests). Installs what is missing (needs root), starts PostgreSQL when it
# is stopped, leaves it alone when it runs. No system broker is started: the project runs
# its own Mosquitto with its own configuration (`make demo` on 1884, each test on a free
# port). What it reports, it has checked by using it: PostgreSQL answers a query as the
# `postgres` user on 127.0.0.1, and Mosquitto holds an MQTT session (a throwaway broker
# on a free port, stopped at once). Safe to run again and again; `make demo`, `make test`
# and `make test-busy` call it first. FLEET_PG_PORT: PostgreSQL's port (default 5432).
set -euo pipefail

PG_HOST=127.0.0.1
PG_PORT=${FLEET_PG_PORT:-5432}

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
# The server deployment's tests: pg_dump/pg_restore (with PostgreSQL's client), certificates
# made with openssl, units checked with systemd-analyze (the package, not a running systemd).
command -v pg_dump >/dev/null || missing+=(postgresql-client)
command -v openssl >/dev/null || missing+=(openssl)
command -v systemd-analyze >/dev/null || missing+=(systemd)
# The web application's front-end packages come from npm; its browser tests drive Debian's
# Chromium (never a browser downloaded by Playwright).
command -v npm >/dev/null || missing+=(nodejs npm)
[ -x /usr/bin/chromium ] || missing+=(chromium)
# The receipts' tests read the PDF's text with pdftotext; the PDF embeds DejaVu for French text.
# The clustered-broker tests start their own NATS servers (JetStream, MQTT listener).
command -v nats-server >/dev/null || missing+=(nats-server)
command -v pdftotext >/dev/null || missing+=(poppler-utils)
[ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || missing+=(fonts-dejavu-core)

fresh_postgres=no
if [ ${#missing[@]} -gt 0 ]; then
  say "installing ${missing[*]} (from Debian's package registry)"
  [[ " ${missing[*]} " == *" postgresql "* ]] && fresh_postgres=yes
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# PostgreSQL: the first cluster found, started if it is not accepting connections.
if ! pg_isready -q -h "$PG_HOST" -p "$PG_PORT"; then
  version=$(ls /etc/postgresql | sort -V | tail -n 1)
  say "starting PostgreSQL $version"
  # (A cluster already running on another port says so; the query below then tells.)
  if have_systemd; then as_root systemctl start "postgresql@${version}-main" || true
  else as_root pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
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

# Checked by a real query, as the demo and the tests will connect.
if ! pg_version=$(psql "host=$PG_HOST port=$PG_PORT user=postgres dbname=postgres connect_timeout=10" \
                  -XAtc "SELECT current_setting('server_version')" 2>&1); then
  say "PostgreSQL does not answer a query as postgres on $PG_HOST:$PG_PORT: $pg_version"
  exit 1
fi

# Mosquitto: checked by an MQTT session (publish with QoS 1, acknowledged) with a
# throwaway broker on a free loopback port, stopped straight after.
mosquitto_bin=$(command -v mosquitto || echo /usr/sbin/mosquitto)
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
broker_log=$(mktemp)
"$mosquitto_bin" -p "$port" >"$broker_log" 2>&1 &
broker_pid=$!
trap 'kill "$broker_pid" 2>/dev/null || true; rm -f "$broker_log"' EXIT
for _ in $(seq 1 50); do listening 127.0.0.1 "$port" && break; sleep 0.1; done
if ! mosquitto_pub -h 127.0.0.1 -p "$port" -q 1 -i fleet-setup-check -t fleet/setup-check -m ok 2>/dev/null; then
  say "Mosquitto did not hold an MQTT session on a test port:"; cat "$broker_log"; exit 1
fi
mosquitto_version=$({ "$mosquitto_bin" -h 2>&1 || true; } | head -n 1 | sed 's/^mosquitto version //')
say "PostgreSQL $pg_version answers on $PG_HOST:$PG_PORT; Mosquitto $mosquitto_version works (MQTT session checked)"
