"""The one-server deployment (deploy/server/): units that systemd accepts, settings that
exist, TLS on the broker and the API with certificates from files, secrets from files,
and a backup that really restores."""

from __future__ import annotations

import os
import re
import ssl
import subprocess
import sys
import threading
from pathlib import Path

import httpx
import paho.mqtt.client as mqtt
import pytest

from fleet_api.settings import ApiSettings
from fleetbase.broker import BrokerFiles, use_tls, write_config, write_password_file
from fleetbase.db import connect
from fleetbase.settings import FleetSettings
from ingest.settings import IngestSettings
from localbrokers.mosquitto import BrokerProcess
from localbrokers.ports import free_port
from scheduler.settings import SchedulerSettings
from tests.conftest import database_url
from tests.processes import running, wait_until

ROOT = Path(__file__).resolve().parents[2]
SERVER = ROOT / "deploy" / "server"
UNITS = sorted((SERVER / "systemd").iterdir())
SERVICE_PASSWORD = "ingest-password-for-tests"


def test_every_unit_is_accepted_by_systemd(tmp_path):
    """`systemd-analyze verify` with /opt/fleet pointing at this checkout and its venv."""
    (tmp_path / "units").mkdir()
    for unit in UNITS:
        text = unit.read_text().replace("/opt/fleet/.venv/bin/python", sys.executable)
        text = text.replace("/opt/fleet", str(ROOT))
        (tmp_path / "units" / unit.name).write_text(text)
    verified = subprocess.run(
        ["systemd-analyze", "verify", *sorted((tmp_path / "units").iterdir())],
        capture_output=True,
        text=True,
        timeout=60,
    )
    problems = [
        line for line in verified.stderr.splitlines() if "fleet" in line and "Failed to " not in line
    ]  # not running systemd here
    assert verified.returncode == 0 and not problems, verified.stderr


def test_each_process_has_its_unit_and_runs_a_module_that_exists():
    started = {
        re.search(r"-m (\w+)", line).group(1)
        for unit in UNITS
        for line in unit.read_text().splitlines()
        if line.startswith("ExecStart=") and " -m " in line
    }
    assert started == {"fleet_api", "ingest", "scheduler", "fleetbase"}  # fleetbase: migrate
    for module in started:
        assert (ROOT / module / "__main__.py").exists()
    assert "ExecStart=/usr/sbin/mosquitto" in (SERVER / "systemd" / "fleet-broker.service").read_text()


def test_the_environment_file_names_only_real_settings():
    known = set()
    for settings in (ApiSettings, IngestSettings, SchedulerSettings):
        known |= {f"FLEET_{name.upper()}" for name in settings.model_fields}
    known.add("FLEET_BACKUP_KEEP")  # read by deploy/server/backup.sh
    names = {
        line.split("=", 1)[0]
        for line in (SERVER / "fleet.env.example").read_text().splitlines()
        if line and not line.startswith("#")
    }
    assert names and names <= known, names - known
    assert "FLEET_MQTT_PASSWORD" not in names  # secrets are files, not here


def test_secrets_come_from_files_in_the_credentials_directory(tmp_path, monkeypatch):
    (tmp_path / "FLEET_MQTT_PASSWORD").write_text("mqtt-from-a-file")
    monkeypatch.setenv("CREDENTIALS_DIRECTORY", str(tmp_path))
    monkeypatch.delenv("FLEET_MQTT_PASSWORD", raising=False)
    monkeypatch.setenv("FLEET_DEMO_MODE", "false")
    settings = FleetSettings.load()  # outside demo mode: would refuse default secrets
    assert settings.mqtt_password.get_secret_value() == "mqtt-from-a-file"


@pytest.fixture(scope="module")
def certificate(tmp_path_factory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 and localhost (openssl, as an operator would)."""
    directory = tmp_path_factory.mktemp("tls")
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=localhost",
            "-addext",
            "subjectAltName=IP:127.0.0.1,DNS:localhost",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
    return cert, key


def test_the_broker_takes_trackers_over_tls_and_checks_their_logins(tmp_path, seeded_url, certificate):
    cert, key = certificate
    files = BrokerFiles(
        tmp_path / "broker",
        port=free_port(),
        tls_port=free_port(),
        tls_bind_address="127.0.0.1",
        tls_certfile=cert,
        tls_keyfile=key,
    )
    write_config(files)
    with connect(seeded_url) as conn:
        write_password_file(conn, files.password_file, service_logins={"ingest": SERVICE_PASSWORD})
    broker = BrokerProcess(files)
    broker.start()
    try:
        settings = FleetSettings(
            database_url=seeded_url,
            mqtt_url=f"mqtts://127.0.0.1:{files.tls_port}",
            mqtt_ca_file=str(cert),
            mqtt_password=SERVICE_PASSWORD,
        )

        def connect_with(password: str, *, tls: bool = True) -> str:
            answered, outcome = threading.Event(), {}
            client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5)
            client.username_pw_set("ingest", password)
            if tls:
                use_tls(client, settings)

            def on_connect(client, userdata, flags, reason_code, properties):
                outcome["reason"] = str(reason_code)
                answered.set()

            client.on_connect = on_connect
            try:
                client.connect("127.0.0.1", files.tls_port, keepalive=10)
                client.loop_start()
                if not answered.wait(10):
                    return "no answer"
                return outcome["reason"]
            except (OSError, ssl.SSLError) as error:
                return f"refused: {error}"
            finally:
                client.loop_stop()
                client.disconnect()

        assert connect_with(SERVICE_PASSWORD) == "Success"
        assert connect_with("wrong") != "Success"  # TLS does not replace the login
        assert connect_with(SERVICE_PASSWORD, tls=False) != "Success"  # no clear text on the TLS port
    finally:
        broker.stop()


def test_broker_config_from_the_command_line_writes_the_tls_listener(tmp_path, seeded_url, certificate):
    cert, key = certificate
    environment = {
        **os.environ,
        "FLEET_DATABASE_URL": seeded_url,
        "FLEET_DEMO_MODE": "true",
        "FLEET_BROKER_TLS_CERTFILE": str(cert),
        "FLEET_BROKER_TLS_KEYFILE": str(key),
        "FLEET_BROKER_TLS_PORT": "18883",
    }
    subprocess.run(
        [sys.executable, "-m", "fleetbase", "broker-config", "--log-to", "stderr", str(tmp_path)],
        env=environment,
        check=True,
        capture_output=True,
        timeout=60,
    )
    config = (tmp_path / "mosquitto.conf").read_text()
    assert "listener 18883 0.0.0.0" in config
    assert f"certfile {cert}" in config and f"keyfile {key}" in config
    assert "log_dest stderr" in config
    half = {**environment}
    del half["FLEET_BROKER_TLS_KEYFILE"]
    refused = subprocess.run(
        [sys.executable, "-m", "fleetbase", "broker-config", str(tmp_path)],
        env=half,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert refused.returncode == 2 and "FLEET_BROKER_TLS_KEYFILE" in refused.stderr


def test_the_api_serves_https_with_a_certificate_from_files(seeded_url, certificate):
    cert, key = certificate
    port = free_port()
    environment = {
        **os.environ,
        "FLEET_DATABASE_URL": seeded_url,
        "FLEET_DEMO_MODE": "true",
        "FLEET_API_PORT": str(port),
        "FLEET_API_TLS_CERTFILE": str(cert),
        "FLEET_API_TLS_KEYFILE": str(key),
    }
    command = [sys.executable, "-m", "fleet_api"]
    with running(command, env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL):
        trusting = ssl.create_default_context(cafile=str(cert))

        def answers():
            try:
                return httpx.get(f"https://127.0.0.1:{port}/healthz", verify=trusting, timeout=5)
            except httpx.TransportError:
                return None

        response = wait_until(answers, timeout=60, message="the API did not answer over HTTPS")
        assert response.status_code in (200, 503)
        with pytest.raises(httpx.TransportError):
            httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=5)


def test_a_nightly_backup_restores_into_a_new_database(tmp_path, new_database, databases):
    url = new_database()
    with connect(url) as conn:
        conn.execute("UPDATE vehicles SET label = label || ' (sauvegardé)' WHERE id = (SELECT min(id) FROM vehicles)")
        conn.commit()
        counts = {
            table: conn.execute(f"SELECT count(*) AS n FROM {table}").fetchone()["n"]
            for table in ("vehicles", "trackers", "users", "geofences")
        }
    environment = {**os.environ, "FLEET_DATABASE_URL": url, "FLEET_BACKUP_DIR": str(tmp_path), "FLEET_BACKUP_KEEP": "2"}
    dumps = []
    for _ in range(3):
        made = subprocess.run(
            [str(SERVER / "backup.sh")], env=environment, capture_output=True, text=True, timeout=300, check=True
        )
        dumps.append(Path(made.stdout.strip()))
    assert len(set(dumps)) == 3  # names carry the millisecond
    kept = sorted(tmp_path.glob("fleet-*.dump"))
    assert len(kept) == 2 and dumps[-1] in kept and dumps[0] not in kept
    assert not list(tmp_path.glob("*.partial"))

    target_name = f"fleet_restored_{os.getpid()}"
    databases.created.append(target_name)  # dropped with the others at the end
    target = database_url(target_name)
    subprocess.run(
        [str(SERVER / "restore.sh"), str(dumps[-1]), target], capture_output=True, text=True, timeout=300, check=True
    )
    with connect(target) as conn:
        restored = {table: conn.execute(f"SELECT count(*) AS n FROM {table}").fetchone()["n"] for table in counts}
        marked = conn.execute("SELECT count(*) AS n FROM vehicles WHERE label LIKE '%(sauvegardé)'").fetchone()["n"]
    assert restored == counts and marked == 1
    again = subprocess.run(
        [str(SERVER / "restore.sh"), str(dumps[-1]), target], capture_output=True, text=True, timeout=300
    )
    assert again.returncode == 2 and "exists" in again.stderr  # never over a database
