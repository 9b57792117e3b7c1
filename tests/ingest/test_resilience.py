"""Nothing acknowledged is lost when the worker is killed, or the broker or the database restarts."""

import json
import os
import signal
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

import psycopg
from psycopg import sql

from tests.conftest import ADMIN_URL
from tests.ingest.conftest import Worker, publish, query, scalar, wait_until, worker_process
from tests.ingest.publisher import StreamPublisher

TRACKERS = ["car-07", "scooter-20", "ebike-05"]


def stored_keys(url: str) -> list[tuple[str, int]]:
    rows = query(url, "SELECT tracker_id, seq FROM positions WHERE tracker_id = ANY(%(t)s)", {"t": TRACKERS})
    return [(row["tracker_id"], row["seq"]) for row in rows]


def wait_subscribed(url: str, port: int) -> None:
    """A reading published before the worker's first subscription has no one to go to:
    probe until one lands."""

    def landed() -> bool:
        return bool(scalar(url, "SELECT count(*) FROM positions WHERE tracker_id = 'car-08'"))

    def probe() -> bool:
        publish(port, "car-08", json.dumps({"ts": datetime.now(UTC).isoformat(), "lat": 43.7, "lon": -1.05}))
        try:  # stored within a second once subscribed; otherwise it went to nobody: send another
            return wait_until(landed, timeout=1)
        except AssertionError:
            return False

    wait_until(probe, timeout=60, message="no probe reading was stored: the worker never subscribed")


def finish(stream: threading.Thread, publisher: StreamPublisher, url: str, *, every_puback: bool = True) -> None:
    """Wait for the stream's end, every PUBACK, and every acknowledged reading stored.

    Across a broker restart a PUBACK can be lost with the connection: the tracker then
    holds that reading as not handed over (`every_puback=False` tolerates it)."""
    stream.join(timeout=60)
    try:
        wait_until(lambda: not publisher.pending, timeout=60)
    except AssertionError:
        if every_puback:
            raise
    wait_until(lambda: set(stored_keys(url)) >= publisher.acked, timeout=60)


@contextmanager
def streaming(pipeline_db: str, broker, worker_settings) -> Iterator[tuple[Worker, threading.Thread, StreamPublisher]]:
    """A worker in this process storing a stream of 300 readings per tracker, 100 of them already stored."""
    publisher = StreamPublisher(broker.files.port, TRACKERS)
    publisher.wait_connected()
    try:
        with Worker(worker_settings) as running:
            wait_subscribed(pipeline_db, broker.files.port)
            stream = threading.Thread(target=publisher.publish, args=(300,), kwargs={"rate": 300}, daemon=True)
            stream.start()
            wait_until(lambda: len(stored_keys(pipeline_db)) > 100)
            yield running, stream, publisher
    finally:
        publisher.close()


def test_a_worker_killed_mid_stream_and_restarted_stores_every_acknowledged_reading_once(pipeline_db, broker):
    client_id = f"ingest-kill-{uuid.uuid4().hex[:6]}"
    publisher = StreamPublisher(broker.files.port, TRACKERS)
    publisher.wait_connected()
    try:
        with worker_process(pipeline_db, broker.files.port, client_id) as first:
            wait_subscribed(pipeline_db, broker.files.port)
            stream = threading.Thread(target=publisher.publish, args=(400,), kwargs={"rate": 400}, daemon=True)
            stream.start()
            wait_until(lambda: len(stored_keys(pipeline_db)) > 100)
            first.send_signal(signal.SIGKILL)
            first.wait(timeout=10)
        killed_with = len(stored_keys(pipeline_db))
        acked_when_killed = len(publisher.acked)
        # The stream goes on while no worker runs: the broker keeps acknowledging for the session.
        wait_until(
            lambda: len(publisher.acked) >= min(acked_when_killed + 30, 1200),
            timeout=30,
            message="the broker acknowledged nothing while no worker ran",
        )
        with worker_process(pipeline_db, broker.files.port, client_id):
            finish(stream, publisher, pipeline_db)
    finally:
        publisher.close()

    keys = stored_keys(pipeline_db)
    assert killed_with < len(publisher.acked) == 1200
    assert len(keys) == len(set(keys)) == 1200
    assert scalar(pipeline_db, "SELECT count(*) FROM dead_letters") == 0


def test_a_broker_restarted_mid_stream_loses_nothing_the_trackers_handed_to_it(pipeline_db, broker, worker_settings):
    with streaming(pipeline_db, broker, worker_settings) as (_, stream, publisher):
        broker.restart()
        finish(stream, publisher, pipeline_db, every_puback=False)

    keys = stored_keys(pipeline_db)
    assert set(keys) >= publisher.acked and len(keys) == len(set(keys))
    assert len(publisher.acked) >= 880  # all but the odd reading in flight at the restart


def test_a_receiver_process_killed_mid_stream_is_restarted_and_nothing_is_lost(pipeline_db, broker, worker_settings):
    with streaming(pipeline_db, broker, worker_settings) as (running, stream, publisher):
        first_receiver = running.worker.receiver_pid
        os.kill(first_receiver, signal.SIGKILL)
        finish(stream, publisher, pipeline_db)
        wait_until(lambda: len(stored_keys(pipeline_db)) == 900, timeout=60)
        assert running.worker.receiver_pid not in (None, first_receiver)

    keys = stored_keys(pipeline_db)
    assert len(keys) == len(set(keys)) == 900


def test_the_database_going_away_mid_stream_loses_nothing(pipeline_db, broker, worker_settings):
    database = pipeline_db.rsplit("/", 1)[1]
    with streaming(pipeline_db, broker, worker_settings) as (running, stream, publisher):
        with psycopg.connect(ADMIN_URL, autocommit=True) as admin:  # an outage the worker runs into twice
            admin.execute(sql.SQL("ALTER DATABASE {} ALLOW_CONNECTIONS false").format(sql.Identifier(database)))
            admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", [database])
            wait_until(
                lambda: running.worker.counters.get("ingest_db_retries_total") >= 2,
                timeout=30,
                message="the worker never found the database gone",
            )
            admin.execute(sql.SQL("ALTER DATABASE {} ALLOW_CONNECTIONS true").format(sql.Identifier(database)))
        finish(stream, publisher, pipeline_db)
        assert running.thread.is_alive()

    keys = stored_keys(pipeline_db)
    assert len(keys) == len(set(keys)) == len(publisher.acked) == 900


def test_housekeeping_failing_does_not_stop_the_worker_storing_and_recovers(pipeline_db, broker, worker):
    def rounds(outcome: str) -> float:
        return worker.worker.counters.get("ingest_housekeeping_total", outcome=outcome)

    with psycopg.connect(pipeline_db, autocommit=True) as conn:  # any error that is not an outage
        conn.execute("ALTER FUNCTION maintain_positions_partitions(integer) RENAME TO maintain_gone")
    failed_before = rounds("failed")
    now = datetime.now(UTC)
    publish(broker.files.port, "car-05", json.dumps({"ts": now.isoformat(), "lat": 43.71, "lon": -1.05}))
    wait_until(lambda: query(pipeline_db, "SELECT 1 FROM positions WHERE tracker_id = 'car-05'"))
    wait_until(
        lambda: rounds("failed") >= failed_before + 3,
        timeout=30,
        message="housekeeping did not fail without its function",
    )

    publish(broker.files.port, "car-05", json.dumps({"ts": datetime.now(UTC).isoformat(), "lat": 43.72, "lon": -1.05}))
    wait_until(lambda: len(query(pipeline_db, "SELECT 1 FROM positions WHERE tracker_id = 'car-05'")) == 2)
    assert worker.thread.is_alive()

    with psycopg.connect(pipeline_db, autocommit=True) as conn:
        conn.execute("ALTER FUNCTION maintain_gone(integer) RENAME TO maintain_positions_partitions")
    ok_before = rounds("ok")
    wait_until(lambda: rounds("ok") > ok_before, timeout=30, message="housekeeping never recovered")
    # Saved with the other counters, so the metrics show the failures too.
    wait_until(
        lambda: (
            (
                scalar(
                    pipeline_db,
                    "SELECT value FROM ingest_counters WHERE name = %(n)s",
                    {"n": 'ingest_housekeeping_total{outcome="failed"}'},
                )
                or 0
            )
            >= 3
        ),
        timeout=30,
    )
