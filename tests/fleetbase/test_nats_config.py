"""`python -m fleetbase nats-config` writes a NATS node's configuration from the trackers
table: a tracker with a bcrypt hash (registered through the API) logs in to the NATS MQTT
listener with its password; outside demo mode, one registered before NATS support (no
bcrypt hash) is left out and named."""

import os
import subprocess
import sys
from pathlib import Path

from fleetbase.db import connect
from fleetbase.nats import NatsNode, hash_nats_password
from localbrokers.nats import NatsProcess
from localbrokers.ports import free_port

ROOT = Path(__file__).resolve().parents[2]


def mqtt_login_accepted(port: int, username: str, password: str) -> bool:
    result = subprocess.run(
        [
            "mosquitto_pub",
            "-h",
            "127.0.0.1",
            "-p",
            str(port),
            "-V",
            "mqttv311",
            "-q",
            "1",
            "-u",
            username,
            "-P",
            password,
            "-t",
            f"fleet/{username}/telemetry",
            "-m",
            "{}",
        ],
        capture_output=True,
        timeout=10,
    )
    return result.returncode == 0


def test_nats_config_gives_registered_trackers_their_login(new_database, tmp_path):
    seeded_url = new_database()  # its own copy: the NATS tests read the demo trackers' logins from the shared one
    with connect(seeded_url) as conn:
        conn.execute(
            "UPDATE trackers SET mqtt_password_bcrypt = %(h)s WHERE tracker_id = 'car-02'",
            {"h": hash_nats_password("car-02-password-from-the-api")},
        )
    node = NatsNode("fleet-nats-1", tmp_path / "nats", client_port=free_port(), mqtt_port=free_port())
    env = os.environ | {
        "FLEET_DATABASE_URL": seeded_url,
        "FLEET_MQTT_PASSWORD": "ingest-password-for-tests",
        "FLEET_DEMO_MODE": "false",
    }

    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "fleetbase",
            "nats-config",
            str(node.directory),
            "--client-port",
            str(node.client_port),
            "--mqtt-port",
            str(node.mqtt_port),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 0, result.stderr
    assert "stream replicas 1" in result.stdout
    assert "car-05" in result.stderr and "car-02" not in result.stderr  # left out, and named
    process = NatsProcess(node)
    process.start()
    try:
        assert mqtt_login_accepted(node.mqtt_port, "car-02", "car-02-password-from-the-api")
        assert not mqtt_login_accepted(node.mqtt_port, "car-02", "not-the-password")
        assert not mqtt_login_accepted(node.mqtt_port, "car-05", "anything")
    finally:
        process.stop()
