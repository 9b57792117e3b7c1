"""Two API processes behind one address (FLEET_API_PROCESSES=2, uvicorn's workers sharing
one listening socket): sign-in, login throttling and the live stream hold whichever
process a request reaches, since all three live in the database, not in a process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from fleetbase.db import connect
from localbrokers.ports import free_port
from tests.conftest import DEMO_PASSWORD
from tests.fleet_api.test_live import sse_events
from tests.processes import running, wait_until

FREE_FAILURES = 5


@pytest.fixture
def two_processes(api_db, tmp_path):
    port = free_port()
    log = (tmp_path / "api.log").open("w")
    environment = {
        **os.environ,
        "FLEET_DATABASE_URL": api_db,
        "FLEET_DEMO_MODE": "true",
        "FLEET_DEMO_PASSWORD": DEMO_PASSWORD,
        "FLEET_API_PORT": str(port),
        "FLEET_API_PROCESSES": "2",
        "FLEET_LOGIN_FREE_FAILURES": str(FREE_FAILURES),
        "FLEET_DB_POOL_MAX": "10",
    }
    with (
        log,
        running(
            [sys.executable, "-m", "fleet_api"], env=environment, stdout=log, stderr=subprocess.STDOUT
        ) as supervisor,
    ):
        url = f"http://127.0.0.1:{port}"

        def listening_hubs() -> int | None:
            with connect(api_db) as conn:
                count = conn.execute(
                    "SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database()"
                    " AND application_name = 'fleet_api_live'"
                ).fetchone()["n"]
            return count if count == 2 else None

        def healthy():
            try:
                return httpx.get(f"{url}/healthz", timeout=5).status_code in (200, 503)  # 503: no broker here
            except httpx.TransportError:
                return False

        wait_until(
            healthy,
            timeout=90,
            message=lambda: "the API processes did not answer: " + (tmp_path / "api.log").read_text()[-3000:],
        )
        # each process's app holds its own LISTEN connection from its start: two apps
        wait_until(listening_hubs, timeout=60, message="two API processes did not both start")
        yield url, port, supervisor


def token(url: str, username: str = "manager") -> dict[str, str]:
    response = httpx.post(
        f"{url}/api/v1/auth/token", data={"username": username, "password": DEMO_PASSWORD}, timeout=60
    )
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def test_a_token_made_by_one_process_is_good_on_every_one(two_processes):
    url, _, _ = two_processes
    headers = token(url)
    # a token made by whichever process answered is good on every one
    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(
            pool.map(
                lambda _: httpx.get(f"{url}/api/v1/fleet/live", headers=headers, timeout=60).status_code, range(40)
            )
        )
    assert statuses == [200] * 40


def test_login_throttling_counts_across_processes(two_processes):
    url, _, _ = two_processes

    def guess(_: int) -> int:
        return httpx.post(
            f"{url}/api/v1/auth/token", timeout=120, data={"username": "coordinator", "password": "wrong-guess"}
        ).status_code

    with ThreadPoolExecutor(max_workers=30) as pool:
        statuses = list(pool.map(guess, range(30)))
    assert statuses.count(401) == FREE_FAILURES + 1, statuses
    assert statuses.count(429) == 30 - FREE_FAILURES - 1, statuses


def test_every_stream_client_gets_a_change_whichever_process_serves_it(two_processes, api_db):
    url, port, supervisor = two_processes
    headers = token(url)
    streams, responses = [], []
    try:
        # Streams, each on its own connection, until both processes serve at least one.
        while True:
            client = httpx.Client(timeout=60)
            response = client.send(
                client.build_request("GET", f"{url}/api/v1/fleet/stream", headers=headers), stream=True
            )
            responses.append((client, response))
            events = sse_events(response)
            assert next(events)[0] == "snapshot"
            streams.append(events)
            served = connections_by_process(descendants(supervisor.pid), port)
            if len([pid for pid, count in served.items() if count]) >= 2:
                break
            assert len(streams) < 40, f"40 streams and still one process serving them all: {served}"
        with connect(api_db) as conn:
            vehicle = conn.execute("SELECT min(id) AS id FROM vehicles").fetchone()["id"]
            conn.execute("UPDATE vehicles SET label = 'Renommée entre deux processus' WHERE id = %s", [vehicle])
            conn.execute("SELECT pg_notify('vehicle_state', %s)", [json.dumps({"vehicle_ids": [vehicle]})])
            conn.commit()
        for events in streams:
            kind, data = next(events)
            assert kind == "vehicle" and data["vehicle_id"] == vehicle
            assert data["label"] == "Renommée entre deux processus"
    finally:
        for client, response in responses:
            response.close()
            client.close()


def descendants(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as stat:
                    parent = int(stat.read().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            children.setdefault(parent, []).append(int(entry))
    found, queue = [], list(children.get(pid, []))
    while queue:
        child = queue.pop()
        found.append(child)
        queue.extend(children.get(child, []))
    return found


def connections_by_process(pids: list[int], port: int) -> dict[int, int]:
    """Established connections to `port` held by each process (its sockets' inodes in /proc/net/tcp)."""
    accepted = set()
    with open("/proc/net/tcp") as table:
        for line in table.readlines()[1:]:
            fields = line.split()
            if int(fields[1].split(":")[1], 16) == port and fields[3] == "01":  # local port, ESTABLISHED
                accepted.add(fields[9])
    counts = {}
    for pid in pids:
        inodes = set()
        try:
            for fd in os.listdir(f"/proc/{pid}/fd"):
                target = os.readlink(f"/proc/{pid}/fd/{fd}")
                if target.startswith("socket:["):
                    inodes.add(target[8:-1])
        except OSError:
            continue
        counts[pid] = len(inodes & accepted)
    return counts
