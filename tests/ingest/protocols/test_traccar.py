"""Positions forwarded by Traccar (forward.type=mqtt), from a Teltonika box among others."""

import json
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ingest.decoding import Limits, decode_message
from ingest.protocols.directory import TrackerKeys

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
KEYS = TrackerKeys(traccar_trackers={"356307042441013": "scooter-21"})


def forwarded(attributes: dict, **position) -> dict:
    """A position as Traccar's forwarder writes it: its API's Position and Device models."""
    return {
        "position": {
            "id": 4812,
            "attributes": attributes,
            "deviceId": 3,
            "protocol": "teltonika",
            "serverTime": "2026-11-25T08:58:02.120+00:00",
            "deviceTime": "2026-11-25T08:58:00.000+00:00",
            "fixTime": "2026-11-25T08:58:00.000+00:00",
            "outdated": False,
            "valid": True,
            "latitude": 43.7102,
            "longitude": -1.0531,
            "altitude": 12.0,
            "speed": 21.6,
            "course": 90.0,
            "address": None,
            "accuracy": 0.0,
            "network": None,
            "geofenceIds": None,
            **position,
        },
        "device": {
            "id": 3,
            "attributes": {},
            "groupId": 0,
            "calendarId": 0,
            "name": "Scooter 21",
            "uniqueId": "356307042441013",
            "status": "online",
            "lastUpdate": "2026-11-25T08:58:02.120+00:00",
            "positionId": 4811,
            "phone": None,
            "model": "FMB920",
            "contact": None,
            "category": "scooter",
            "disabled": False,
            "expirationTime": None,
        },
    }


def decode(document, keys=KEYS):
    return decode_message(
        "traccar/positions", json.dumps(document).encode(), received_at=NOW, limits=Limits(), keys=keys
    )


def test_a_teltonika_position_as_traccar_names_its_io_elements():
    attributes = {
        "priority": 0,
        "sat": 12,
        "event": 0,
        "ignition": True,
        "motion": True,
        "hdop": 0.6,
        "power": 12.845,
        "battery": 4.097,
        "odometer": 12_345_678,
        "totalDistance": 5000.2,
    }

    decoded = decode(forwarded(attributes))

    [reading] = decoded.readings
    assert decoded.tracker_id == "scooter-21" and reading.tracker_id == "scooter-21"
    assert reading.fix_time == datetime(2026, 11, 25, 8, 58, tzinfo=UTC)
    assert reading.speed_kmh == pytest.approx(21.6 * 1.852)  # Traccar's knots
    assert (reading.heading_deg, reading.alt_m, reading.acc_m) == (90, 12, None)  # accuracy 0: unknown
    assert reading.odometer_km == pytest.approx(12_345.678) and reading.ignition is True
    assert reading.attributes == {
        "priority": 0,
        "sat": 12,
        "event": 0,
        "motion": True,
        "hdop": 0.6,
        "totalDistance": 5000.2,
        "external_voltage_v": 12.845,
        "tracker_battery_v": 4.097,
        "traccar_protocol": "teltonika",
    }


def test_raw_teltonika_io_elements_odometer_in_metres_and_voltages_in_millivolts():
    [reading] = decode(forwarded({"io16": 98_765_432, "io66": 12_845, "io67": 4_097, "io239": 0})).readings

    assert reading.odometer_km == pytest.approx(98_765.432) and reading.ignition is False
    assert reading.attributes["external_voltage_v"] == 12.845 and reading.attributes["tracker_battery_v"] == 4.097
    assert not {"io16", "io66", "io67", "io239"} & reading.attributes.keys()


def test_unknown_devices_invalid_and_outdated_positions():
    assert [r.reason for r in decode(forwarded({}), keys=TrackerKeys()).rejections] == ["unknown_tracker"]
    assert [r.reason for r in decode(forwarded({}, valid=False)).rejections] == ["invalid_fix"]
    assert decode(forwarded({}, outdated=True)).ignored_types == ["outdated"]
    future = (NOW + timedelta(days=2)).isoformat()
    assert [r.reason for r in decode(forwarded({}, fixTime=future)).rejections] == ["future_fix"]
    assert [r.reason for r in decode({"event": {}}).rejections] == ["not_a_reading"]
    assert [r.reason for r in decode(forwarded({"odometer": -5})).rejections] == ["out_of_range"]


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.floats() | st.integers() | st.text(max_size=8),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3),
    max_leaves=12,
)
POSITION_KEYS = st.sampled_from(
    [
        "fixTime",
        "latitude",
        "longitude",
        "speed",
        "course",
        "altitude",
        "accuracy",
        "valid",
        "outdated",
        "protocol",
        "attributes",
    ]
)
ATTRIBUTES = st.dictionaries(
    st.sampled_from(
        ["odometer", "io16", "io66", "io67", "io239", "ignition", "power", "battery", "batteryLevel", "sat"]
    ),
    JSON_VALUES,
)


@settings(max_examples=300, deadline=None)
@given(changes=st.dictionaries(POSITION_KEYS, JSON_VALUES), attributes=ATTRIBUTES)
def test_any_forwarded_position_gives_readings_or_typed_rejections(changes, attributes):
    document = forwarded(attributes)
    document["position"].update(changes)  # any key replaced by anything, attributes included

    decoded = decode(document)

    assert all(rejection.reason for rejection in decoded.rejections)
    for reading in decoded.readings:
        assert -90 <= reading.lat <= 90 and -180 <= reading.lon <= 180
        json.dumps(reading.attributes, allow_nan=False)
