"""Trackers the worker's cache does not know are looked up once per batch, all together."""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import psycopg
from psycopg import pq

from fleetbase.db import connect
from ingest import repository
from ingest.decoding import Limits
from ingest.service import Envelope, IngestService
from ingest.trackers import TrackerDirectory

BASE = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
NEW_TRACKERS = ["ebike-31", "ebike-32", "ebike-33"]


def envelope(tracker_id: str, seconds: int) -> Envelope:
    payload = {"ts": (BASE + timedelta(seconds=seconds)).isoformat(), "lat": 43.7102, "lon": -1.0531}
    return Envelope(f"fleet/{tracker_id}/telemetry", json.dumps(payload).encode(), BASE + timedelta(seconds=seconds))


@contextmanager
def statements_sent(conn: psycopg.Connection) -> Iterator[list[str]]:
    """The SQL text of every statement `conn` sends meanwhile (libpq's own protocol trace)."""
    sent: list[str] = []
    conn.prepare_threshold = None  # every statement carries its text
    with tempfile.TemporaryFile("w+") as trace:
        conn.pgconn.trace(trace.fileno())
        conn.pgconn.set_trace_flags(pq.Trace.SUPPRESS_TIMESTAMPS | pq.Trace.REGRESS_MODE)
        try:
            yield sent
        finally:
            conn.pgconn.untrace()
            trace.seek(0)
            sent += [
                line
                for line in trace.read().splitlines()
                if line.startswith("F\t") and ("\tParse\t" in line or "\tQuery\t" in line)
            ]


def test_a_batch_from_several_trackers_registered_after_the_cache_was_loaded_costs_one_lookup(new_database):
    url = new_database()
    service = IngestService(
        limits=Limits(future_tolerance=timedelta(minutes=5), max_age=timedelta(days=60), max_batch=100),
        max_accuracy_m=100.0,
        trackers=TrackerDirectory(),
        zone=ZoneInfo("Europe/Paris"),
    )
    with connect(url) as conn:
        repository.prepare_session(conn)
        conn.commit()
        assert service.store_batch(conn, [envelope("car-01", 0)], now=datetime.now(UTC)).stored == 1
        conn.commit()  # the cache is loaded: it knows car-01, not the trackers below
        with connect(url) as admin:
            for label in NEW_TRACKERS:
                admin.execute(
                    "WITH v AS (INSERT INTO vehicles (label, kind, energy, home_site_id)"
                    " VALUES (%(l)s, 'ebike', 'electric', 1) RETURNING id)"
                    " INSERT INTO trackers (tracker_id, vehicle_id, mqtt_password_hash)"
                    " SELECT %(l)s, id, 'x' FROM v",
                    {"l": label},
                )
            admin.commit()
        batch = [envelope(tracker, seconds) for seconds in (1, 2) for tracker in NEW_TRACKERS + ["ghost-03"]]

        with statements_sent(conn) as sent:
            outcome = service.store_batch(conn, batch, now=datetime.now(UTC))
        conn.commit()

    assert outcome.stored == 6 and dict(outcome.rejected) == {"unknown_tracker": 2}
    lookups = [statement for statement in sent if "FROM trackers" in statement]
    assert len(lookups) == 1, lookups
