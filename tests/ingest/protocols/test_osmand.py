"""The OsmAnd protocol's three forms, with requests from Traccar's own decoder tests."""

import json
from datetime import UTC, datetime
from urllib.parse import parse_qsl

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ingest.protocols.osmand import decode_request
from ingest.readings import RejectedReading

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


def from_query(raw: str, tracker_id: str = "car-01"):
    return decode_request(
        tracker_id, query=parse_qsl(raw, keep_blank_values=True), body=b"", content_type="", received_at=NOW
    )


def from_body(body: bytes, content_type: str, tracker_id: str = "car-01"):
    return decode_request(tracker_id, query=[], body=body, content_type=content_type, received_at=NOW)


def test_traccars_query_vectors_decode():
    for raw in [
        "id=902064&lat=42.06288&lon=-88.23412&timestamp=2016-01-27T18%3A55%3A47Z&hdop=6.0&altitude=224.0&speed=0.0",
        "id=902064&lat=42.06288&lon=-88.23412&timestamp=1442068686579&hdop=6.0&altitude=224.0&speed=0.0",
        "lat=49.60688&lon=6.15788&timestamp=2014-06-04+09%3A10%3A11&altitude=384.7&speed=0.0&id=353861053849681",
        "id=123456&timestamp=1377177267&lat=60.0&lon=30.0&speed=0.0&bearing=0.0&altitude=0&hdop=0.0",
        "lat=60.0&lon=30.0&speed=0.0&heading=0.0&vacc=0&hacc=0&altitude=0&deviceid=123456",
        "id=861001000719969&lat=41.666667&lon=-0.883333&altitude=350.059479&speed=0.000000&batt=87",
        "id=123456&timestamp=1377177267&location=60.0,30.0",
    ]:
        [reading] = from_query(raw).readings
        assert reading.tracker_id == "car-01", raw


def test_the_query_form_gives_speed_in_knots_battery_in_percent_and_keeps_other_keys():
    request = from_query(
        "id=car-01&timestamp=1504763810&lat=40.7232948571&lon=-74.0061408571"
        "&bearing=7.19889788244&speed=40&altitude=12.5&accuracy=8&hdop=1.5&batt=87&charge=true"
        "&driverUniqueId=D42&ignition=true&rpm=933&note=hello"
    )

    [reading] = request.readings
    assert request.device_id == "car-01"
    assert reading.fix_time == datetime(2017, 9, 7, 5, 56, 50, tzinfo=UTC)
    assert reading.speed_kmh == pytest.approx(40 * 1.852)
    assert (reading.heading_deg, reading.alt_m, reading.acc_m) == (7.19889788244, 12.5, 8)
    assert reading.tracker_battery_pct == 87 and reading.battery_pct is None  # the phone's, not the vehicle's
    assert reading.ignition is True
    assert reading.attributes == {"hdop": 1.5, "charge": True, "driverUniqueId": "D42", "rpm": 933.0, "note": "hello"}


def test_timestamps_in_seconds_milliseconds_and_iso_8601_and_none():
    def fix_time(value: str) -> datetime:
        return from_query(f"id=car-01&lat=43.7&lon=-1.05&timestamp={value}").readings[0].fix_time

    assert fix_time("1377177267") == datetime(2013, 8, 22, 13, 14, 27, tzinfo=UTC)
    assert fix_time("1442068686579") == datetime(2015, 9, 12, 14, 38, 6, 579000, tzinfo=UTC)
    assert fix_time("2016-01-27T20%3A55%3A47%2B02%3A00") == datetime(2016, 1, 27, 18, 55, 47, tzinfo=UTC)
    assert fix_time("2014-06-04+09%3A10%3A11") == datetime(2014, 6, 4, 9, 10, 11, tzinfo=UTC)
    assert from_query("id=car-01&lat=43.7&lon=-1.05").readings[0].fix_time == NOW


def test_minus_one_is_unknown_and_a_token_only_post_has_no_position():
    [reading] = from_query("id=car-01&lat=43.7&lon=-1.05&speed=-1&bearing=-1&batt=-1&accuracy=-1").readings
    assert (reading.speed_kmh, reading.heading_deg, reading.tracker_battery_pct, reading.acc_m) == (None,) * 4
    token_only = from_query("id=car-01&notificationToken=abc")
    assert token_only.device_id == "car-01" and token_only.readings == []


def test_the_form_body_is_read_when_the_url_has_no_parameters():
    request = from_body(
        b"id=car-01&lat=43.7102&lon=-1.0531&timestamp=1764000000&speed=10", "application/x-www-form-urlencoded"
    )
    [reading] = request.readings
    assert (reading.lat, reading.lon) == (43.7102, -1.0531) and reading.speed_kmh == pytest.approx(18.52)


def test_the_json_form_gives_speed_in_metres_per_second_and_battery_as_a_fraction():
    body = {
        "location": {
            "event": "motionchange",
            "is_moving": True,
            "uuid": "0e9a2473",
            "timestamp": "2026-11-25T08:06:34.444Z",
            "odometer": 1234,
            "coords": {
                "latitude": 43.7102,
                "longitude": -1.0531,
                "accuracy": 3.8,
                "speed": 18.67,
                "heading": 63,
                "altitude": 35.7,
            },
            "activity": {"type": "in_vehicle", "confidence": 100},
            "battery": {"is_charging": True, "level": 0.79},
            "extras": {"trip": "a"},
        },
        "device_id": "car-01",
    }

    request = from_body(json.dumps(body).encode(), "application/json")

    [reading] = request.readings
    assert request.device_id == "car-01"
    assert reading.fix_time == datetime(2026, 11, 25, 8, 6, 34, 444000, tzinfo=UTC)
    assert reading.speed_kmh == pytest.approx(18.67 * 3.6) and reading.heading_deg == 63
    assert (reading.acc_m, reading.alt_m, reading.tracker_battery_pct) == (3.8, 35.7, 79)
    assert reading.attributes == {
        "trip": "a",
        "event": "motionchange",
        "motion": True,
        "app_odometer_m": 1234,
        "activity": "in_vehicle",
        "charge": True,
    }


def test_the_json_form_with_unknown_values_a_heartbeat_and_a_batch():
    unknown = {
        "location": {
            "timestamp": "2026-11-25T08:11:30.579Z",
            "coords": {"speed": -1, "longitude": -1.05, "latitude": 43.7, "accuracy": 5, "altitude": 0, "heading": -1},
            "battery": {"level": -1, "is_charging": False},
        },
        "device_id": "car-01",
    }
    heartbeat = {
        "location": {"timestamp": "2026-11-25T08:11:30Z", "event": "heartbeat", "battery": {"level": 0.5}},
        "device_id": "car-01",
    }
    batch = {
        "location": [unknown["location"], {**unknown["location"], "timestamp": "2026-11-25T08:12:30Z"}],
        "device_id": "car-01",
    }

    [reading] = from_body(json.dumps(unknown).encode(), "application/json").readings
    assert (reading.speed_kmh, reading.heading_deg, reading.tracker_battery_pct) == (None, None, None)
    assert from_body(json.dumps(heartbeat).encode(), "application/json").readings == []
    assert len(from_body(json.dumps(batch).encode(), "application/json; charset=utf-8").readings) == 2


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("timestamp=1377177267&lat=60.0&lon=30.0", "missing_field"),
        ("id=car-01&lat=abc&lon=1", "malformed_field"),
        ("id=car-01&location=60.0", "malformed_field"),
        ("id=car-01&timestamp=yesterday&lat=60&lon=30", "malformed_field"),
        ("id=car-01&speed=fast&lat=60&lon=30", "malformed_field"),
        ("id=car-01&lat=60.0", "missing_field"),
        ("id=car-01&lat=91&lon=30", "out_of_range"),
        ("id=car-01&lat=60&lon=30&speed=900", "out_of_range"),
        ("id=car-01&lat=60&lon=30&valid=false", "invalid_fix"),
    ],
)
def test_bad_requests_are_refused_with_their_reason(raw, reason):
    with pytest.raises(RejectedReading) as refused:
        from_query(raw)
    assert refused.value.reason == reason


@pytest.mark.parametrize(
    "body",
    [
        b"not json {",
        b"[]",
        b'{"location": {"timestamp": "2026-11-25T08:11:30Z"}}',
        b'{"device_id": "car-01"}',
        b'{"device_id": "car-01", "location": {}}',
        b'{"device_id": 1, "location": {"timestamp": "2026-11-25T08:11:30Z"}}',
    ],
)
def test_bad_json_bodies_are_refused(body):
    with pytest.raises(RejectedReading):
        from_body(body, "application/json")


KEYS = st.sampled_from(
    [
        "id",
        "deviceid",
        "lat",
        "lon",
        "location",
        "timestamp",
        "speed",
        "bearing",
        "heading",
        "altitude",
        "accuracy",
        "batt",
        "charge",
        "hdop",
        "valid",
        "ignition",
        "cell",
        "extra",
    ]
)
VALUES = st.one_of(
    st.text(max_size=12),
    st.sampled_from(
        ["car-01", "43.7", "-1.05", "-1", "1e400", "nan", "true", "2026-11-25T08:00:00Z", "60.0,30.0", "1442068686579"]
    ),
)
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.floats() | st.integers() | st.text(max_size=8),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None)
@given(params=st.lists(st.tuples(KEYS, VALUES), max_size=8))
def test_any_parameters_give_a_request_or_a_typed_refusal(params):
    try:
        request = decode_request("car-01", query=params, body=b"", content_type="", received_at=NOW)
    except RejectedReading as refused:
        assert refused.reason
        return
    for reading in request.readings:
        assert -90 <= reading.lat <= 90 and -180 <= reading.lon <= 180
        json.dumps(reading.attributes, allow_nan=False)


@settings(max_examples=300, deadline=None)
@given(
    document=st.fixed_dictionaries(
        {"device_id": JSON_VALUES},
        optional={
            "location": st.one_of(
                JSON_VALUES,
                st.fixed_dictionaries(
                    {"timestamp": JSON_VALUES},
                    optional={
                        "coords": st.dictionaries(
                            st.sampled_from(["latitude", "longitude", "speed", "heading", "accuracy", "altitude"]),
                            JSON_VALUES,
                        ),
                        "battery": JSON_VALUES,
                        "extras": JSON_VALUES,
                        "activity": JSON_VALUES,
                        "odometer": JSON_VALUES,
                    },
                ),
            )
        },
    )
)
def test_any_json_body_gives_a_request_or_a_typed_refusal(document):
    try:
        request = decode_request(
            "car-01", query=[], body=json.dumps(document).encode(), content_type="application/json", received_at=NOW
        )
    except RejectedReading as refused:
        assert refused.reason
        return
    for reading in request.readings:
        json.dumps(reading.attributes, allow_nan=False)
