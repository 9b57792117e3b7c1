"""Helpers for the pipeline tests: a worker on a fresh database, and real MQTT publishers."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from fleetbase.db import connect
from fleetbase.passwords import demo_tracker_password
from ingest.settings import IngestSettings
from ingest.worker import IngestWorker
from tests.conftest import DEMO_PASSWORD
from tests.processes import stop_process, wait_until

ROOT = Path(__file__).resolve().parents[2]
INGEST_PASSWORD = "ingest-password-for-tests"


def worker_environment(database_url: str, port: int, client_id: str) -> dict[str, str]:
    return {
        "FLEET_DATABASE_URL": database_url,
        "FLEET_MQTT_URL": f"mqtt://127.0.0.1:{port}",
        "FLEET_MQTT_PASSWORD": INGEST_PASSWORD,
        "FLEET_DEMO_MODE": "true",
        "FLEET_DEMO_PASSWORD": DEMO_PASSWORD,
        "FLEET_INGEST_CLIENT_ID": client_id,
        "FLEET_INGEST_BATCH_WAIT_MS": "20",
        "FLEET_INGEST_HOUSEKEEPING_S": "0.5",
    }


def publish(
    port: int,
    tracker_id: str,
    payload: str | bytes,
    *,
    topic: str | None = None,
    username: str | None = None,
    password: str | None = None,
    retain: bool = False,
    protocol: str = "mqttv5",
) -> None:
    """Publish with the real `mosquitto_pub`, logged in as the tracker (QoS 1; `protocol`
    mqttv311 for NATS's MQTT listener)."""
    username = username or tracker_id
    password = password or demo_tracker_password(DEMO_PASSWORD, username)
    command = [
        "mosquitto_pub",
        "-h",
        "127.0.0.1",
        "-p",
        str(port),
        "-V",
        protocol,
        "-q",
        "1",
        "-u",
        username,
        "-P",
        password,
        "-t",
        topic or f"fleet/{tracker_id}/telemetry",
        "-s",
    ]
    if retain:
        command.append("-r")
    subprocess.run(command, input=payload if isinstance(payload, bytes) else payload.encode(), check=True, timeout=10)


class Worker:
    """An ingest worker run in a thread of the test process."""

    def __init__(self, settings: IngestSettings) -> None:
        self.settings = settings
        self.stop = threading.Event()
        self.worker = IngestWorker(settings)
        self.thread = threading.Thread(target=self.worker.run, args=(self.stop,), daemon=True)

    def __enter__(self) -> Worker:
        self.thread.start()
        wait_until(lambda: self.worker.generation > 0, timeout=10)
        return self

    def __exit__(self, *exc) -> None:
        self.stop.set()
        self.thread.join(timeout=15)
        assert not self.thread.is_alive(), "the worker did not stop"


@pytest.fixture
def pipeline_db(new_database) -> str:
    return new_database()


@pytest.fixture
def worker_settings(pipeline_db, broker) -> IngestSettings:
    env = worker_environment(pipeline_db, broker.files.port, f"ingest-test-{uuid.uuid4().hex[:8]}")
    return IngestSettings(**{key.removeprefix("FLEET_").lower(): value for key, value in env.items()})


@pytest.fixture
def worker(worker_settings) -> Iterator[Worker]:
    with Worker(worker_settings) as running:
        yield running


@contextmanager
def worker_process(database_url: str, port: int, client_id: str, **settings: str) -> Iterator[subprocess.Popen]:
    """`python -m ingest` as a separate process, for tests that kill it (`settings`: more FLEET_ variables)."""
    env = os.environ | worker_environment(database_url, port, client_id) | settings
    process = subprocess.Popen(
        [sys.executable, "-m", "ingest"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        yield process
    finally:
        stop_process(process)


def query(database_url: str, sql: str, params: dict | None = None) -> list[dict]:
    with connect(database_url) as conn:
        return conn.execute(sql, params or {}).fetchall()


def scalar(database_url: str, sql: str, params: dict | None = None):
    rows = query(database_url, sql, params)
    return next(iter(rows[0].values())) if rows else None
