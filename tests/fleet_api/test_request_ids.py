"""Structured logs with a request id: a real `python -m fleet_api` process, its stderr read."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import httpx

from localbrokers.ports import free_port
from tests.conftest import DEMO_PASSWORD
from tests.processes import running, wait_until


def test_every_answer_carries_a_request_id_and_every_line_is_structured(api_db, tmp_path):
    port = free_port()
    log_path = tmp_path / "api.log"
    environment = {
        **os.environ,
        "FLEET_DATABASE_URL": api_db,
        "FLEET_DEMO_MODE": "true",
        "FLEET_DEMO_PASSWORD": DEMO_PASSWORD,
        "FLEET_API_PORT": str(port),
        "FLEET_LOG_FORMAT": "json",
    }
    url = f"http://127.0.0.1:{port}"
    with (
        log_path.open("w") as log,
        running([sys.executable, "-m", "fleet_api"], env=environment, stdout=log, stderr=subprocess.STDOUT),
    ):

        def answered():
            try:
                return httpx.get(f"{url}/healthz", timeout=5)
            except httpx.TransportError:
                return None

        wait_until(answered, timeout=90, message=lambda: log_path.read_text()[-2000:])
        given = httpx.get(f"{url}/api/v1/vehicles", headers={"X-Request-ID": "depot-dax-42"}, timeout=30)
        fresh = httpx.get(f"{url}/healthz", timeout=30)
        insane = httpx.get(f"{url}/healthz", headers={"X-Request-ID": "<script>alert(1)</script>"}, timeout=30)
        wait_until(lambda: "depot-dax-42" in log_path.read_text(), timeout=30)

    assert given.status_code == 401 and given.headers["x-request-id"] == "depot-dax-42"
    assert len(fresh.headers["x-request-id"]) == 32
    assert insane.headers["x-request-id"] != "<script>alert(1)</script>" and len(insane.headers["x-request-id"]) == 32
    lines = [json.loads(line) for line in log_path.read_text().splitlines() if line.strip()]  # all JSON
    assert any(line["logger"].startswith("uvicorn") for line in lines)  # the server's own lines too
    [request] = [line for line in lines if line.get("request_id") == "depot-dax-42"]
    assert request["process"] == "fleet_api" and request["level"] == "INFO"
    assert request["method"] == "GET" and request["path"] == "/api/v1/vehicles" and request["status"] == 401
    assert request["duration_ms"] >= 0 and request["time"].endswith("+00:00")
