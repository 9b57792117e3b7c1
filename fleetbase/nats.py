"""NATS with JetStream as the fleet's broker: one node's configuration and its users.
(`localbrokers.nats.NatsProcess` runs a node as a child process, for the tests and benchmarks.)

Trackers keep speaking MQTT, to the NATS server's MQTT listener (MQTT 3.1.1 on NATS 2.9),
with their own logins and the same rights as Mosquitto's ACL gives them
(`deploy/mosquitto/acl`): a tracker publishes only its own topics. NATS maps the MQTT
topic `fleet/<id>/telemetry` to the subject `fleet.<id>.telemetry`, and stores every QoS 1
message, before its PUBACK, in its own JetStream stream `$MQTT_msgs` (subjects
`$MQTT.msgs.<subject>`, replicated on `mqtt.stream_replicas` nodes). The ingest workers
read that stream as one durable pull consumer (`ingest/nats_receiver.py`); why that stream
and not one of ours capturing `fleet.>`: README, "Ingest on NATS".

NATS keeps passwords as bcrypt hashes; the trackers table holds Mosquitto's PBKDF2 ones.
A tracker registered through the API has both (`mqtt_password_bcrypt`); the demo
fleet's derived passwords are hashed here. A tracker with no bcrypt hash (registered
before NATS support) is left out of the configuration, with its id reported, until its
password is set again.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import bcrypt

from fleetbase import login_repository
from fleetbase.broker import HTTP_INGRESS_LOGIN, SIMULATOR_LOGIN, TRACCAR_LOGIN
from fleetbase.db import Conn
from fleetbase.passwords import demo_tracker_password

BCRYPT_ROUNDS = 10  # 2^10 rounds: NATS checks it once per connection, not per message
MQTT_STREAM = "$MQTT_msgs"
MQTT_STREAM_PREFIX = "$MQTT.msgs."


def hash_nats_password(password: str, *, rounds: int = BCRYPT_ROUNDS) -> str:
    """A bcrypt hash (`$2b$…`) as nats-server accepts in its `users` list."""
    return bcrypt.hashpw(password.encode(), bcrypt.gensalt(rounds=rounds)).decode()


def check_nats_password(password: str, password_hash: str) -> bool:
    return bcrypt.checkpw(password.encode(), password_hash.encode())


def tracker_subjects(tracker_id: str) -> list[str]:
    """What a tracker may publish: the NATS form of its ACL lines (fleet/%u/…, owntracks/+/%u)."""
    return [f"fleet.{tracker_id}.telemetry", f"fleet.{tracker_id}.status", f"owntracks.*.{tracker_id}"]


# The service logins' rights, as in deploy/mosquitto/acl.
SERVICE_PUBLISH = {
    HTTP_INGRESS_LOGIN: ["fleet.*.telemetry", "owntracks.http.*"],
    TRACCAR_LOGIN: ["traccar.>"],
    SIMULATOR_LOGIN: ["fleet.>", "owntracks.>"],
}
# The ingest workers speak NATS, not MQTT: the JetStream API (the consumer, fetching) and
# acknowledgements; replies and pulled messages come to their inboxes.
INGEST_PERMISSIONS = {"publish": {"allow": ["$JS.API.>", "$JS.ACK.>"]}, "subscribe": {"allow": ["_INBOX.>"]}}


@dataclass(frozen=True)
class NatsNode:
    """One server of a NATS cluster (or the only one): its ports and its directory."""

    name: str
    directory: Path
    client_port: int = 4222
    mqtt_port: int = 1883
    cluster_port: int | None = None  # None: a single node, no cluster block
    routes: tuple[int, ...] = ()  # the other nodes' cluster ports (loopback) ...
    route_urls: tuple[str, ...] = ()  # ... or their full nats-route:// URLs
    bind_address: str = "127.0.0.1"
    cluster_name: str = "fleet"
    monitor_port: int | None = None
    log_to: str = "file"  # "file" (beside the data) or "stderr" (under systemd)

    @property
    def config(self) -> Path:
        return self.directory / "nats.conf"

    @property
    def store_dir(self) -> Path:
        return self.directory / "jetstream"

    @property
    def log_file(self) -> Path:
        return self.directory / "nats.log"

    @property
    def replicas(self) -> int:
        """3 on a cluster of three nodes or more (one may be lost: two keep the quorum), 1 alone."""
        peers = len(self.routes) + len(self.route_urls)
        return min(3, peers + 1) if self.cluster_port is not None else 1

    @property
    def client_url(self) -> str:
        return f"nats://{self.bind_address}:{self.client_port}"


def _quote(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _list(values: list[str]) -> str:
    return "[" + ", ".join(_quote(value) for value in values) + "]"


def _user(name: str, password_hash: str, permissions: dict[str, dict[str, list[str]]] | None) -> str:
    line = f"    {{ user: {_quote(name)}, password: {_quote(password_hash)}"
    if permissions is not None:
        rules = []
        for kind in ("publish", "subscribe"):
            if kind in permissions:
                parts = ", ".join(f"{verb}: {_list(subjects)}" for verb, subjects in permissions[kind].items())
                rules.append(f"{kind}: {{ {parts} }}")
        line += ", permissions: { " + ", ".join(rules) + " }"
    return line + " }"


@dataclass(frozen=True)
class NatsUsers:
    lines: list[str]
    skipped: list[str]  # trackers with no bcrypt hash: not in the configuration


def nats_users(
    conn: Conn,
    *,
    service_logins: dict[str, str],
    ingest_login: str,
    demo_password: str | None,
    rounds: int = BCRYPT_ROUNDS,
) -> NatsUsers:
    """The `users` entries: every enabled tracker (publish on its own subjects only, read
    nothing) and the service logins (their ACL rights; the ingest login its JetStream ones)."""
    lines = []
    for login, password in sorted(service_logins.items()):
        if login == ingest_login:
            permissions = INGEST_PERMISSIONS
        else:
            permissions = {"publish": {"allow": SERVICE_PUBLISH.get(login, [])}, "subscribe": {"deny": [">"]}}
        lines.append(_user(login, hash_nats_password(password, rounds=rounds), permissions))
    skipped = []
    rows = login_repository.enabled_tracker_logins(conn, "mqtt_password_bcrypt")
    for row in rows:
        tracker_id = row["tracker_id"]
        if tracker_id in service_logins:
            continue  # never replaces or doubles a service's own entry (as in the password file)
        password_hash = row["mqtt_password_bcrypt"]
        if password_hash is None and demo_password is not None:
            password_hash = hash_nats_password(demo_tracker_password(demo_password, tracker_id), rounds=rounds)
        if password_hash is None:
            skipped.append(tracker_id)
            continue
        lines.append(
            _user(
                tracker_id,
                password_hash,
                {"publish": {"allow": tracker_subjects(tracker_id)}, "subscribe": {"deny": [">"]}},
            )
        )
    return NatsUsers(lines, skipped)


def render_config(node: NatsNode, users: NatsUsers) -> str:
    routes = [f"nats-route://{node.bind_address}:{port}" for port in node.routes] + list(node.route_urls)
    cluster = ""
    if node.cluster_port is not None:
        cluster = (
            f"\n# The other nodes: JetStream replicates the MQTT streams over these routes.\n"
            f"cluster {{\n  name: {_quote(node.cluster_name)}\n"
            f"  listen: {_quote(f'{node.bind_address}:{node.cluster_port}')}\n"
            f"  routes: {_list(routes)}\n}}\n"
        )
    monitor = f"http: {_quote(f'{node.bind_address}:{node.monitor_port}')}\n" if node.monitor_port else ""
    log = f"log_file: {_quote(str(node.log_file))}\n" if node.log_to == "file" else ""
    return (
        "# The fleet's NATS server, written by `python -m fleetbase nats-config` from the trackers\n"
        "# table (do not edit: written again when trackers change; then `nats-server --signal reload`).\n"
        f"server_name: {_quote(node.name)}\n"
        f"listen: {_quote(f'{node.bind_address}:{node.client_port}')}\n"
        f"{monitor}{log}"
        "max_payload: 1MB\n"
        f"\njetstream {{\n  store_dir: {_quote(str(node.store_dir))}\n}}\n"
        f"{cluster}"
        "\n# Trackers speak MQTT 3.1.1 here. Every QoS 1 message is stored in the stream $MQTT_msgs\n"
        "# (on stream_replicas nodes) before its PUBACK: the ingest workers consume that stream.\n"
        f"mqtt {{\n  listen: {_quote(f'{node.bind_address}:{node.mqtt_port}')}\n"
        f"  stream_replicas: {node.replicas}\n}}\n"
        "\n# Every client logs in: trackers publish only their own subjects (deploy/mosquitto/acl's rules).\n"
        "authorization {\n  users = [\n" + "\n".join(users.lines) + "\n  ]\n}\n"
    )


def write_nats_config(node: NatsNode, users: NatsUsers) -> None:
    node.store_dir.mkdir(parents=True, exist_ok=True)
    temporary = node.config.with_suffix(".tmp")
    temporary.write_text(render_config(node, users))
    temporary.chmod(0o600)
    temporary.replace(node.config)
