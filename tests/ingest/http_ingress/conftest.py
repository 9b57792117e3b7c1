"""The real HTTP ingress process (`python -m ingest.http_ingress`) beside the real broker and worker."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest

from fleetbase.passwords import http_token_digest
from localbrokers.ports import free_port
from tests.conftest import DEMO_PASSWORD
from tests.ingest.conftest import ROOT, query
from tests.processes import running, wait_until


@dataclass
class IngressProcess:
    url: str
    secrets: dict[str, str]  # tracker id → its HTTP secret

    def osmand_url(self, tracker_id: str) -> str:
        return f"{self.url}/osmand/{self.secrets[tracker_id]}"

    def owntracks_url(self, tracker_id: str) -> str:
        return f"{self.url}/owntracks/{self.secrets[tracker_id]}"


def give_http_secrets(database_url: str, tracker_ids: list[str]) -> dict[str, str]:
    """What registration does for a new tracker, for some of the seeded ones."""
    secrets = {tracker_id: f"secret-of-{tracker_id}-for-the-tests" for tracker_id in tracker_ids}
    for tracker_id, secret in secrets.items():
        query(
            database_url,
            "UPDATE trackers SET http_token_sha256 = %(d)s WHERE tracker_id = %(t)s RETURNING tracker_id",
            {"d": http_token_digest(secret), "t": tracker_id},
        )
    return secrets


def ingress_up(url: str) -> bool:
    try:
        return httpx.get(f"{url}/healthz", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


@pytest.fixture
def ingress(pipeline_db, broker) -> Iterator[IngressProcess]:
    port = free_port()
    env = os.environ | {
        "FLEET_DATABASE_URL": pipeline_db,
        "FLEET_MQTT_URL": f"mqtt://127.0.0.1:{broker.files.port}",
        "FLEET_DEMO_MODE": "true",
        "FLEET_DEMO_PASSWORD": DEMO_PASSWORD,
        "FLEET_HTTP_INGRESS_PORT": str(port),
        "FLEET_HTTP_INGRESS_PUBLISH_TIMEOUT_S": "2",
        "FLEET_DB_POOL_MAX": "4",
    }
    secrets = give_http_secrets(pipeline_db, ["car-03", "car-04", "scooter-05", "ebike-02"])
    url = f"http://127.0.0.1:{port}"
    with running([sys.executable, "-m", "ingest.http_ingress"], cwd=ROOT, env=env) as process:
        wait_until(lambda: process.poll() is not None or ingress_up(url), timeout=30)
        assert process.poll() is None, "the HTTP ingress exited at start"
        yield IngressProcess(url, secrets)
