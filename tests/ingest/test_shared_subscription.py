"""Several ingest workers on one MQTT 5 shared subscription ($share/<group>/…), through the
project's Mosquitto: each reading is stored once by one worker, a worker killed mid-stream
and restarted (as systemd does) loses nothing, and after a broker restart the workers
subscribe again (Mosquitto 2.0 does not restore shared subscriptions)."""

from __future__ import annotations

import json
import threading
from contextlib import ExitStack
from datetime import UTC, datetime

import pytest

from tests.ingest.conftest import publish, query, scalar, worker_process
from tests.ingest.publisher import StreamPublisher
from tests.processes import wait_until

TRACKERS = ["car-02", "car-05", "scooter-03", "scooter-11", "ebike-02", "ebike-06"]
GROUP = "fleet-ingest"


def shared_worker(url: str, port: int, client_id: str):
    """A `python -m ingest` process in the share group (tests/ingest/conftest.py's worker_process)."""
    return worker_process(url, port, client_id, FLEET_INGEST_SHARE_GROUP=GROUP)


def stored(url: str) -> list[tuple[str, int]]:
    rows = query(url, "SELECT tracker_id, seq FROM positions WHERE tracker_id = ANY(%(t)s)", {"t": TRACKERS})
    return [(row["tracker_id"], row["seq"]) for row in rows]


def shares(url: str, client_ids: list[str]) -> dict[str, float]:
    rows = query(
        url,
        "SELECT worker_id, value FROM ingest_counters WHERE name = 'ingest_stored_total' AND worker_id = ANY(%(ids)s)",
        {"ids": client_ids},
    )
    return {row["worker_id"]: row["value"] for row in rows}


def probe_stored(url: str, port: int, tracker: str) -> bool:
    """Publish one reading as `tracker`; true once some worker has stored one of them."""
    publish(port, tracker, json.dumps({"ts": datetime.now(UTC).isoformat(), "lat": 43.7, "lon": -1.05}))
    return bool(scalar(url, "SELECT count(*) FROM positions WHERE tracker_id = %(t)s", {"t": tracker}))


@pytest.mark.parametrize("workers", [2, 3])
def test_workers_share_the_stream_and_one_killed_mid_stream_loses_nothing(pipeline_db, broker, workers):
    client_ids = [f"ingest-share-{index}" for index in range(workers)]
    publisher = StreamPublisher(broker.files.port, TRACKERS)
    publisher.wait_connected()
    with ExitStack() as stack:
        processes = [
            stack.enter_context(shared_worker(pipeline_db, broker.files.port, client_id)) for client_id in client_ids
        ]
        wait_until(
            lambda: probe_stored(pipeline_db, broker.files.port, "car-08"), timeout=60, message="no worker subscribed"
        )
        stream = threading.Thread(target=publisher.publish, args=(150,), kwargs={"rate": 450})
        stream.start()
        try:
            # mid-stream: the first worker is killed outright, then started again under its id
            wait_until(lambda: len(stored(pipeline_db)) >= 150, timeout=60)
            processes[0].kill()
            processes[0].wait(timeout=30)
            stack.enter_context(shared_worker(pipeline_db, broker.files.port, client_ids[0]))
            stream.join(timeout=120)
            wait_until(lambda: not publisher.pending, timeout=60, message="PUBACKs missing")
            wait_until(
                lambda: set(stored(pipeline_db)) >= publisher.acked,
                timeout=120,
                message=lambda: f"{len(publisher.acked - set(stored(pipeline_db)))} acknowledged, not stored",
            )
            # every worker took a share (counters are saved at each housekeeping round)
            wait_until(
                lambda: len([v for v in shares(pipeline_db, client_ids).values() if v > 0]) == workers,
                timeout=60,
                message=lambda: f"shares: {shares(pipeline_db, client_ids)}",
            )
        finally:
            stream.join(timeout=120)
            publisher.close()

    keys = stored(pipeline_db)
    assert len(publisher.acked) == len(TRACKERS) * 150
    assert len(keys) == len(set(keys)) == len(TRACKERS) * 150  # 0 lost, 0 stored twice
    latest = query(
        pipeline_db,
        "SELECT t.tracker_id, s.fix_time AS state_time, (SELECT max(p.fix_time) FROM positions p"
        "  WHERE p.vehicle_id = t.vehicle_id) AS newest"
        " FROM trackers t JOIN vehicle_state s ON s.vehicle_id = t.vehicle_id"
        " WHERE t.tracker_id = ANY(%(t)s)",
        {"t": TRACKERS},
    )
    assert len(latest) == len(TRACKERS)
    assert all(row["state_time"] == row["newest"] for row in latest), latest  # latest state right


def test_after_a_broker_restart_the_workers_subscribe_again(pipeline_db, broker):
    """Mosquitto 2.0 restores the workers' sessions but not their shared subscriptions: a
    worker that relied on its session would never receive another reading."""
    client_ids = ["ingest-share-a", "ingest-share-b"]
    with ExitStack() as stack:
        for client_id in client_ids:
            stack.enter_context(shared_worker(pipeline_db, broker.files.port, client_id))
        wait_until(lambda: probe_stored(pipeline_db, broker.files.port, "car-08"), timeout=60)
        broker.restart()
        wait_until(
            lambda: probe_stored(pipeline_db, broker.files.port, "scooter-28"),
            timeout=60,
            message="no reading stored after the broker restart: the workers did not subscribe again",
        )
