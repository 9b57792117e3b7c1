"""The project's Mosquitto broker: its configuration and password file, and the service logins.

The configuration template and ACL live in `deploy/mosquitto/`. The password file is
written from the trackers table (hashes are stored in Mosquitto's own format) plus the
service logins. A broker running that configuration as a child process (the demo, the
tests, the benchmarks) is `localbrokers.mosquitto.BrokerProcess`.
"""

from __future__ import annotations

import getpass
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from fleetbase import login_repository
from fleetbase.db import Conn
from fleetbase.passwords import demo_tracker_password, hash_mqtt_password
from fleetbase.settings import FleetSettings

if TYPE_CHECKING:
    from paho.mqtt.client import Client

MOSQUITTO_DIR = Path(__file__).resolve().parent.parent / "deploy" / "mosquitto"


@dataclass(frozen=True)
class BrokerFiles:
    directory: Path
    port: int
    bind_address: str = "127.0.0.1"
    autosave_interval: int = 5
    # An encrypted listener for trackers on the internet (both files, or neither).
    tls_port: int = 8883
    tls_bind_address: str = "0.0.0.0"
    tls_certfile: Path | None = None
    tls_keyfile: Path | None = None
    # "file" (beside the data: the demo, the tests) or "stderr" (under systemd: the journal).
    log_to: str = "file"

    @property
    def config(self) -> Path:
        return self.directory / "mosquitto.conf"

    @property
    def password_file(self) -> Path:
        return self.directory / "passwords"

    @property
    def acl_file(self) -> Path:
        return self.directory / "acl"

    @property
    def data_dir(self) -> Path:
        return self.directory / "data"

    @property
    def log_file(self) -> Path:
        return self.directory / "mosquitto.log"


def use_tls(client: Client, settings: FleetSettings) -> None:
    """An mqtts:// URL means TLS, with the broker's certificate checked (FLEET_MQTT_CA_FILE
    or the system's CAs): before, the scheme was accepted and then ignored."""
    if settings.mqtt_tls:
        client.tls_set(ca_certs=settings.mqtt_ca_file)


def tls_listener(files: BrokerFiles) -> str:
    if files.tls_certfile is None:
        return ""
    return (
        f"\n# Trackers outside the server connect here, encrypted (certificate from files).\n"
        f"listener {files.tls_port} {files.tls_bind_address}\n"
        f"certfile {files.tls_certfile}\nkeyfile {files.tls_keyfile}\n"
    )


def write_config(files: BrokerFiles) -> None:
    """Render the template and copy the ACL into `files.directory`."""
    files.data_dir.mkdir(parents=True, exist_ok=True)
    template = (MOSQUITTO_DIR / "mosquitto.conf.in").read_text()
    files.config.write_text(
        template.format(
            port=files.port,
            bind_address=files.bind_address,
            password_file=files.password_file,
            acl_file=files.acl_file,
            data_dir=files.data_dir,
            autosave_interval=files.autosave_interval,
            log_dest=f"file {files.log_file}" if files.log_to == "file" else "stderr",
            run_as=getpass.getuser(),
        )
        + tls_listener(files)
    )
    shutil.copyfile(MOSQUITTO_DIR / "acl", files.acl_file)


def write_password_file(conn: Conn, path: Path, *, service_logins: dict[str, str]) -> int:
    """Write every enabled tracker's login and the service logins; return the line count."""
    lines = [f"{username}:{hash_mqtt_password(password)}" for username, password in sorted(service_logins.items())]
    rows = login_repository.enabled_tracker_logins(conn, "mqtt_password_hash")
    # A tracker named like a service (registered before such ids were refused) never
    # replaces or doubles the service's own line.
    lines += [
        f"{row['tracker_id']}:{row['mqtt_password_hash']}" for row in rows if row["tracker_id"] not in service_logins
    ]
    temporary = path.with_suffix(".tmp")
    temporary.write_text("\n".join(lines) + "\n")
    temporary.chmod(0o600)
    temporary.replace(path)
    return len(lines)


SIMULATOR_LOGIN = "simulator"
HTTP_INGRESS_LOGIN = "http-ingress"  # publishes what phones send over HTTP (ingest/http_ingress/)
TRACCAR_LOGIN = "traccar"  # a Traccar server forwarding the positions it decodes
# Ids no tracker may take: the service logins (whatever the settings say) and the names
# an operator would read as the broker's or the platform's own.
RESERVED_LOGINS = frozenset(
    {
        "ingest",
        SIMULATOR_LOGIN,
        HTTP_INGRESS_LOGIN,
        TRACCAR_LOGIN,
        "mosquitto",
        "broker",
        "admin",
        "root",
        "api",
        "fleet",
        "scheduler",
        "service",
        "system",
        "anonymous",
    }
)


def reserved_logins(settings: FleetSettings) -> frozenset[str]:
    """RESERVED_LOGINS and this deployment's own service login."""
    return RESERVED_LOGINS | {settings.mqtt_username}


def service_logins(settings: FleetSettings) -> dict[str, str]:
    """The non-tracker logins: the ingest workers always, the simulator in demo mode, the
    HTTP ingress and Traccar when they have a password (always in demo mode)."""
    logins = {settings.mqtt_username: settings.mqtt_password.get_secret_value()}
    if settings.demo_mode:
        logins[SIMULATOR_LOGIN] = simulator_password(settings)
    for login in (HTTP_INGRESS_LOGIN, TRACCAR_LOGIN):
        password = service_password(settings, login)
        if password:
            logins[login] = password
    return logins


def service_password(settings: FleetSettings, login: str) -> str | None:
    """The HTTP ingress's or Traccar's broker password: set, or derived in demo mode."""
    configured = {
        HTTP_INGRESS_LOGIN: settings.http_ingress_mqtt_password,
        TRACCAR_LOGIN: settings.traccar_mqtt_password,
    }[login]
    if configured is not None and configured.get_secret_value():
        return configured.get_secret_value()
    if settings.demo_mode:
        return demo_tracker_password(settings.demo_password.get_secret_value(), login)
    return None


def simulator_password(settings: FleetSettings) -> str:
    return demo_tracker_password(settings.demo_password.get_secret_value(), SIMULATOR_LOGIN)
