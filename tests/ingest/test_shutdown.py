"""Told to stop, a worker under a stream ends within FLEET_INGEST_STOP_GRACE_S, even with a
batch stuck in the database; what it did not commit it did not acknowledge, so the broker
delivers it again to the next worker and nothing is lost.

A real `python -m ingest`, the real broker, real tracker logins publishing all along.
"""

from __future__ import annotations

import signal
import subprocess
import threading
import time
import uuid

from fleetbase.db import connect
from ingest.repository import VEHICLE_LOCK_NAMESPACE
from tests.ingest.conftest import query, scalar, wait_until, worker_process
from tests.ingest.publisher import StreamPublisher
from tests.ingest.test_resilience import wait_subscribed

TRACKERS = ["car-05", "scooter-12", "ebike-03"]
GRACE_S = 2


def stored_keys(url: str) -> set[tuple[str, int]]:
    rows = query(url, "SELECT tracker_id, seq FROM positions WHERE tracker_id = ANY(%(t)s)", {"t": TRACKERS})
    return {(row["tracker_id"], row["seq"]) for row in rows}


def worker_waiting_on_lock(url: str) -> bool:
    return bool(
        scalar(
            url,
            "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a USING (pid)"
            " WHERE l.locktype = 'advisory' AND NOT l.granted"
            " AND a.application_name LIKE 'ingest:%%' AND a.datname = current_database()",
        )
    )


def exits_within(process: subprocess.Popen, seconds: float) -> float | None:
    """Seconds the process took to exit after SIGTERM, or None if it was still running after `seconds`."""
    started = time.monotonic()
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=seconds)
    except subprocess.TimeoutExpired:
        return None
    return time.monotonic() - started


def test_a_worker_stopped_with_a_batch_stuck_mid_transaction_exits_in_time_and_loses_nothing(pipeline_db, broker):
    port = broker.files.port
    client_id = f"ingest-stop-{uuid.uuid4().hex[:8]}"
    car = scalar(pipeline_db, "SELECT vehicle_id FROM trackers WHERE tracker_id = 'car-05'")
    publisher = StreamPublisher(port, TRACKERS)
    publisher.wait_connected()
    blocker = connect(pipeline_db, autocommit=True)
    try:
        with worker_process(pipeline_db, port, client_id, FLEET_INGEST_STOP_GRACE_S=str(GRACE_S)) as first:
            wait_subscribed(pipeline_db, port)
            stream = threading.Thread(target=publisher.publish, args=(400,), kwargs={"rate": 300}, daemon=True)
            stream.start()
            wait_until(lambda: len(stored_keys(pipeline_db)) > 100)

            # Another transaction holds car-05's lock: the worker's next batch waits on it, mid-transaction.
            blocker.execute("SELECT pg_advisory_lock(%(ns)s, %(v)s)", {"ns": VEHICLE_LOCK_NAMESPACE, "v": car})
            wait_until(lambda: worker_waiting_on_lock(pipeline_db), timeout=30)
            committed = stored_keys(pipeline_db)

            took = exits_within(first, GRACE_S + 20)  # past GRACE_S + 10 s it would exit with code 3

            assert took is not None, "the worker did not stop within its grace period"
            assert first.returncode == 0
            assert stored_keys(pipeline_db) == committed  # the stuck batch was rolled back, not half-stored
        blocker.execute("SELECT pg_advisory_unlock(%(ns)s, %(v)s)", {"ns": VEHICLE_LOCK_NAMESPACE, "v": car})

        # The next worker (same session) gets what the first did not acknowledge, the stuck batch included.
        with worker_process(pipeline_db, port, client_id):
            stream.join(timeout=60)
            wait_until(lambda: not publisher.pending, timeout=60, message="PUBACKs missing")
            wait_until(
                lambda: stored_keys(pipeline_db) >= publisher.acked,
                timeout=60,
                message=lambda: f"{len(publisher.acked - stored_keys(pipeline_db))} acknowledged readings lost",
            )
        assert len(publisher.acked) == 400 * len(TRACKERS)
    finally:
        publisher.close()
        blocker.close()
