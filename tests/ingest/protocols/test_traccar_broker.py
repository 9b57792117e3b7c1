"""A Traccar server's forwarded positions through the real Mosquitto and the ingest worker."""

import json
from datetime import UTC, datetime, timedelta

import pytest

from fleetbase.broker import TRACCAR_LOGIN
from fleetbase.passwords import demo_tracker_password
from tests.conftest import DEMO_PASSWORD
from tests.ingest.conftest import publish, query, wait_until
from tests.ingest.protocols.test_traccar import forwarded

FIX = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=5)


def test_forwarded_positions_land_on_the_tracker_registered_with_the_device_unique_id(pipeline_db, broker, worker):
    query(
        pipeline_db,
        "UPDATE trackers SET traccar_unique_id = '356307042441013' WHERE tracker_id = 'scooter-21'"
        " RETURNING tracker_id",
    )
    position = forwarded({"io16": 4_321_000, "io66": 12_845, "io67": 4_097, "ignition": True}, fixTime=FIX.isoformat())
    stranger = forwarded({}, fixTime=FIX.isoformat())
    stranger["device"]["uniqueId"] = "864893030112233"
    login = {"username": TRACCAR_LOGIN, "password": demo_tracker_password(DEMO_PASSWORD, TRACCAR_LOGIN)}

    for payload in (position, position, stranger):  # Traccar retries: the same position twice
        publish(broker.files.port, TRACCAR_LOGIN, json.dumps(payload), topic="traccar/positions", **login)

    [row] = wait_until(lambda: query(pipeline_db, "SELECT * FROM positions WHERE tracker_id = 'scooter-21'"))
    assert row["fix_time"] == FIX and row["odometer_km"] == pytest.approx(4321.0)
    assert row["speed_kmh"] == pytest.approx(21.6 * 1.852) and row["ignition"] is True
    assert row["attributes"]["external_voltage_v"] == 12.845
    letters = wait_until(lambda: query(pipeline_db, "SELECT topic, tracker_id, reason FROM dead_letters"))
    assert letters == [{"topic": "traccar/positions", "tracker_id": None, "reason": "unknown_tracker"}]
    wait_until(lambda: worker.worker.counters.get("ingest_duplicates_total") == 1)


def test_a_disabled_trackers_box_is_refused_as_disabled(pipeline_db, broker, worker):
    query(
        pipeline_db,
        "UPDATE trackers SET traccar_unique_id = '864893030998877', enabled = false"
        " WHERE tracker_id = 'scooter-22' RETURNING tracker_id",
    )
    position = forwarded({}, fixTime=FIX.isoformat())
    position["device"]["uniqueId"] = "864893030998877"

    publish(
        broker.files.port,
        TRACCAR_LOGIN,
        json.dumps(position),
        topic="traccar/positions",
        username=TRACCAR_LOGIN,
        password=demo_tracker_password(DEMO_PASSWORD, TRACCAR_LOGIN),
    )

    letters = wait_until(lambda: query(pipeline_db, "SELECT tracker_id, reason FROM dead_letters"))
    assert letters == [{"tracker_id": "scooter-22", "reason": "disabled_tracker"}]
