"""The worker's copy of each vehicle's state never hides a write made elsewhere or undone.

Two services stand for two workers sharing one subscription; batches go straight to
`store_batch` on the real database, each in its own transaction as the worker does.
"""

import json
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import psycopg
import pytest

from fleetbase.db import connect
from geofence.evaluation import ZoneCache
from ingest import repository
from ingest.decoding import Limits
from ingest.service import Envelope, IngestService
from ingest.trackers import TrackerDirectory
from tests.ingest.conftest import query

BASE = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)


def service() -> IngestService:
    return IngestService(
        limits=Limits(future_tolerance=timedelta(minutes=5), max_age=timedelta(days=60), max_batch=100),
        max_accuracy_m=100.0,
        trackers=TrackerDirectory(),
        zone=ZoneInfo("Europe/Paris"),
        geofences=ZoneCache(),
    )


def envelope(tracker_id: str, seconds: int, *, lat: float) -> Envelope:
    payload = {
        "ts": (BASE + timedelta(seconds=seconds)).isoformat().replace("+00:00", "Z"),
        "lat": lat,
        "lon": -1.0531,
        "acc_m": 5,
    }
    return Envelope(f"fleet/{tracker_id}/telemetry", json.dumps(payload).encode(), BASE + timedelta(seconds=seconds))


def session(url: str):
    conn = connect(url)
    repository.prepare_session(conn)
    conn.commit()
    return conn


def store(url: str, worker: IngestService, *envelopes: Envelope) -> None:
    with session(url) as conn:
        worker.store_batch(conn, list(envelopes), now=datetime.now(UTC))
        conn.commit()


def latest(url: str, tracker_id: str) -> dict:
    return query(
        url,
        "SELECT s.fix_time, s.lat, s.online, s.online_changed_at FROM vehicle_state s"
        " JOIN trackers t USING (vehicle_id)"
        " WHERE t.tracker_id = %(t)s",
        {"t": tracker_id},
    )[0]


@pytest.fixture
def url(new_database) -> str:
    return new_database()


def test_a_state_written_by_another_worker_is_read_again(url):
    first, second = service(), service()

    store(url, first, envelope("car-02", 0, lat=43.700))
    store(url, second, envelope("car-02", 20, lat=43.702))
    store(url, first, envelope("car-02", 10, lat=43.701))  # older than what the other worker stored

    assert latest(url, "car-02")["fix_time"] == BASE + timedelta(seconds=20)
    assert latest(url, "car-02")["lat"] == 43.702
    assert len(query(url, "SELECT 1 FROM positions WHERE tracker_id = 'car-02'")) == 3


def test_a_state_changed_outside_ingest_is_read_again(url):
    worker = service()
    store(url, worker, envelope("car-03", 0, lat=43.700))
    with connect(url) as conn:  # as the housekeeping's offline marking does
        conn.execute(
            "UPDATE vehicle_state SET online = false, online_changed_at = now()"
            " WHERE vehicle_id = (SELECT vehicle_id FROM trackers WHERE tracker_id = 'car-03')"
        )

    assert latest(url, "car-03")["online"] is False
    store(url, worker, envelope("car-03", 10, lat=43.701))
    back = latest(url, "car-03")
    assert back["online"] is True and back["online_changed_at"] == BASE + timedelta(seconds=10)  # back online then


def test_a_batch_rolled_back_after_it_was_computed_leaves_no_trace_in_the_copy(url):
    worker = service()
    store(url, worker, envelope("car-04", 0, lat=43.700))
    with session(url) as conn:
        worker.store_batch(conn, [envelope("car-04", 30, lat=43.703)], now=datetime.now(UTC))
        conn.rollback()  # the commit failed: the broker will deliver it again

    store(url, worker, envelope("car-04", 10, lat=43.701))  # newer than anything stored
    assert latest(url, "car-04")["fix_time"] == BASE + timedelta(seconds=10)
    store(url, worker, envelope("car-04", 30, lat=43.703))  # the redelivery
    assert latest(url, "car-04")["fix_time"] == BASE + timedelta(seconds=30)
    assert [
        row["lat"] for row in query(url, "SELECT lat FROM positions WHERE tracker_id = 'car-04' ORDER BY fix_time")
    ] == [43.700, 43.701, 43.703]


def test_a_batch_that_fails_midway_drops_the_copy(url):
    worker = service()
    store(url, worker, envelope("car-05", 0, lat=43.700))
    with session(url) as conn:
        conn.execute("DROP TABLE positions_staging")  # so that a statement inside the batch fails
        with pytest.raises(psycopg.Error):
            worker.store_batch(conn, [envelope("car-05", 30, lat=43.703)], now=datetime.now(UTC))
        conn.rollback()

    assert len(worker.vehicles) == 0
    store(url, worker, envelope("car-05", 10, lat=43.701))
    assert latest(url, "car-05")["fix_time"] == BASE + timedelta(seconds=10)
