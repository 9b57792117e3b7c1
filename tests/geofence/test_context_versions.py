"""Writers on different vehicles never wait on one another for the rules' vehicle contexts,
and the ingest worker's copy of those contexts still follows every change.

Real PostgreSQL, transactions held open on purpose: the waiting side runs with a short
`lock_timeout`, so a wait shows as `LockNotAvailable` instead of a slow test.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import psycopg
import pytest

from fleetbase.db import connect
from geofence.evaluation import ContextCache, ZoneCache
from ingest import repository as ingest_repository
from ingest.decoding import Limits
from ingest.service import Envelope, IngestService
from ingest.trackers import TrackerDirectory
from loans import inspections
from loans import service as loans_service
from tests.factories import SIGNED, user_id, vehicle_id
from tests.loans.factories import NOW, PARIS, make_participant, request, validated

FIX_TIME = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=10)


@pytest.fixture
def url(new_database) -> str:
    return new_database()


@contextmanager
def session(url: str, *, lock_timeout: str | None = None) -> Iterator[psycopg.Connection]:
    with connect(url) as conn:
        if lock_timeout:
            conn.execute("SELECT set_config('lock_timeout', %(t)s, false)", {"t": lock_timeout})
            conn.commit()
        yield conn


def worker() -> IngestService:
    return IngestService(
        limits=Limits(future_tolerance=timedelta(minutes=5), max_age=timedelta(days=60), max_batch=100),
        max_accuracy_m=100.0,
        trackers=TrackerDirectory(),
        zone=ZoneInfo("Europe/Paris"),
        geofences=ZoneCache(),
    )


def low_battery_batch(tracker_id: str) -> list[Envelope]:
    """A reading that opens a low-battery alert: what the ingest batch writes to alerts."""
    payload = {"ts": FIX_TIME.isoformat(), "lat": 43.7102, "lon": -1.0531, "acc_m": 5, "battery_pct": 4}
    return [Envelope(f"fleet/{tracker_id}/telemetry", json.dumps(payload).encode(), FIX_TIME)]


def checkout(conn: psycopg.Connection, loan_id: int) -> dict:
    return inspections.check_out(
        conn,
        loan_id,
        inspection={"odometer_km": 5000, "damages": [], **SIGNED},
        user_id=user_id(conn),
        now=NOW,
        zone=PARIS,
    )


def open_low_battery_alerts(url: str, label: str) -> int:
    with session(url) as conn:
        return conn.execute(
            "SELECT count(*) AS n FROM alerts a JOIN vehicles v ON v.id = a.vehicle_id"
            " WHERE a.kind = 'low_battery' AND a.status = 'open' AND v.label = %(l)s",
            {"l": label},
        ).fetchone()["n"]


def test_an_ingest_batch_opening_an_alert_does_not_wait_for_a_checkout_in_progress(url):
    with session(url) as api:
        loan = validated(api, participant=make_participant(api), vehicle="car-01", starts_at=NOW)
        api.commit()
        checkout(api, loan["id"])  # the coordinator's transaction, not committed yet

        with session(url, lock_timeout="500ms") as ingest:
            ingest_repository.prepare_session(ingest)
            ingest.commit()
            outcome = worker().store_batch(ingest, low_battery_batch("ebike-01"), now=datetime.now(UTC))
            ingest.commit()

        assert outcome.stored == 1 and outcome.alerts_opened == 1
        api.commit()
    assert open_low_battery_alerts(url, "ebike-01") == 1


def test_a_checkout_does_not_wait_for_an_ingest_batch_in_progress(url):
    with session(url) as api:
        loan = validated(api, participant=make_participant(api), vehicle="car-01", starts_at=NOW)
        api.commit()

    with session(url) as ingest:
        ingest_repository.prepare_session(ingest)
        ingest.commit()
        outcome = worker().store_batch(ingest, low_battery_batch("ebike-01"), now=datetime.now(UTC))
        assert outcome.alerts_opened == 1  # written, the batch not committed yet

        with session(url, lock_timeout="500ms") as api:
            assert checkout(api, loan["id"])["status"] == "active"
            api.commit()
        ingest.commit()


def test_validating_one_loan_does_not_hold_up_the_checkout_of_another_vehicle(url):
    with session(url) as setup:
        participant = make_participant(setup)
        leaving = validated(setup, participant=participant, vehicle="car-01", starts_at=NOW)
        waiting = request(setup, participant=participant, vehicle="car-02", starts_at=NOW + timedelta(days=1))
        setup.commit()

    with session(url) as first:
        loans_service.validate_loan(first, waiting["id"], vehicle_id=None, user_id=user_id(first), now=NOW, zone=PARIS)
        with session(url, lock_timeout="500ms") as second:
            assert checkout(second, leaving["id"])["status"] == "active"
            second.commit()
        first.commit()


def test_the_worker_reads_again_only_the_contexts_that_changed(url):
    contexts = ContextCache()
    with session(url) as ingest:
        car, bike = vehicle_id(ingest, "car-01"), vehicle_id(ingest, "ebike-01")
        before = contexts.get(ingest, [car, bike])
        ingest.commit()
        assert before[car].loan_id is None and not before[bike].low_battery_alerted

        with session(url) as api:
            loan = validated(api, participant=make_participant(api), vehicle="car-01", starts_at=NOW)
            api.commit()
        assert contexts.get(ingest, [car, bike]) == before  # a validated loan is not a context yet
        ingest.commit()

        with session(url) as api:
            checkout(api, loan["id"])
            api.commit()
        lent = contexts.get(ingest, [car, bike])
        ingest.commit()
        assert lent[car].loan_id == loan["id"] and lent[car].status == "on_loan"
        assert lent[bike] is before[bike]  # not read again

        with session(url) as other_worker:  # an alert opened elsewhere, then resolved, in one transaction each
            ingest_repository.prepare_session(other_worker)
            other_worker.commit()
            worker().store_batch(other_worker, low_battery_batch("ebike-01"), now=datetime.now(UTC))
            other_worker.commit()
        alerted = contexts.get(ingest, [car, bike])
        ingest.commit()
        assert alerted[bike].low_battery_alerted and alerted[car] is lent[car]

        with session(url) as api:
            api.execute("UPDATE alerts SET status = 'resolved', resolved_at = now() WHERE kind = 'low_battery'")
            api.execute("UPDATE alerts SET notified_at = now()")  # touches no context
            api.commit()
        assert not contexts.get(ingest, [car, bike])[bike].low_battery_alerted
        ingest.commit()

        with session(url) as api:  # a change rolled back changes nothing
            api.execute("UPDATE vehicles SET label = 'renamed' WHERE id = %(id)s", {"id": car})
            api.rollback()
            api.execute(
                "UPDATE geofences SET name = 'Dépôt renommé' WHERE kind = 'depot'"
                " AND site_id = (SELECT home_site_id FROM vehicles WHERE id = %(id)s)",
                {"id": car},
            )
            api.commit()
        renamed = contexts.get(ingest, [car, bike])
        assert renamed[car].label == "car-01" and renamed[car].depot_name == "Dépôt renommé"


def test_two_changes_in_one_transaction_are_both_seen(conn):
    """Tests (and the worker's own batches) change and read contexts in one transaction."""
    contexts = ContextCache()
    car = vehicle_id(conn, "car-01")
    assert contexts.get(conn, [car])[car].status == "available"
    conn.execute("UPDATE vehicles SET status = 'maintenance' WHERE id = %(id)s", {"id": car})
    assert contexts.get(conn, [car])[car].status == "maintenance"
    conn.execute("UPDATE vehicles SET status = 'available' WHERE id = %(id)s", {"id": car})
    assert contexts.get(conn, [car])[car].status == "available"
