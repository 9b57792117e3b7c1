"""The decoder turns any payload into readings or typed rejections, never an exception."""

import json
from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from ingest.decoding import Limits, decode_message
from ingest.readings import RejectedReading

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
LIMITS = Limits(future_tolerance=timedelta(minutes=5), max_age=timedelta(days=60), max_batch=100)


def decode(payload, topic="fleet/car-01/telemetry"):
    raw = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    return decode_message(topic, raw, received_at=NOW, limits=LIMITS)


def reasons(decoded) -> list[str]:
    return [rejection.reason for rejection in decoded.rejections]


def test_a_native_reading_keeps_every_field_and_its_unknown_keys():
    decoded = decode(
        {
            "ts": "2026-11-25T09:15:02+01:00",
            "lat": 43.7102,
            "lon": -1.0531,
            "speed_kmh": 37.5,
            "heading_deg": 212,
            "alt_m": 12,
            "acc_m": 5,
            "odometer_km": 10234.7,
            "battery_pct": 81,
            "fuel_pct": None,
            "ignition": True,
            "seq": 18231,
            "gsm_dbm": -71,
        }
    )

    [reading] = decoded.readings
    assert reading.fix_time == datetime(2026, 11, 25, 8, 15, 2, tzinfo=UTC)
    assert (reading.speed_kmh, reading.odometer_km, reading.battery_pct, reading.fuel_pct) == (37.5, 10234.7, 81, None)
    assert reading.attributes == {"gsm_dbm": -71}


def test_epoch_seconds_are_accepted_as_fix_time():
    [reading] = decode({"ts": NOW.timestamp() - 60, "lat": 43.7, "lon": -1.05}).readings
    assert reading.fix_time == NOW - timedelta(seconds=60)


def test_one_bad_reading_in_a_batch_rejects_only_itself():
    batch = [
        {"ts": "2026-11-25T08:00:00Z", "lat": 43.7, "lon": -1.05},
        {"ts": "2026-11-25T08:00:10Z", "lat": 43.7, "lon": 181},
        {"ts": "2026-11-25T08:00:20Z", "lat": 43.7, "lon": -1.05},
    ]

    decoded = decode(batch)

    assert len(decoded.readings) == 2
    assert reasons(decoded) == ["out_of_range"]
    assert decoded.rejections[0].detail.startswith("reading 2 of 3")
    assert json.loads(decoded.rejections[0].payload)["lon"] == 181


def test_each_kind_of_bad_input_has_its_reason():
    cases = {
        "bad_json": b"{nope",
        "not_a_reading": [1],
        "empty_batch": [],
        "batch_too_large": [{"ts": 1, "lat": 1, "lon": 1}] * 101,
        "missing_field": {"lat": 43.7, "lon": -1.05},
        "malformed_field": {"ts": "yesterday", "lat": 43.7, "lon": -1.05},
        "out_of_range": {"ts": "2026-11-25T08:00:00Z", "lat": 43.7, "lon": -1.05, "battery_pct": 140},
        "null_island": {"ts": "2026-11-25T08:00:00Z", "lat": 0, "lon": 0},
        "future_fix": {"ts": "2026-11-25T10:00:00Z", "lat": 43.7, "lon": -1.05},
        "too_old": {"ts": "2026-01-01T00:00:00Z", "lat": 43.7, "lon": -1.05},
    }
    for reason, payload in cases.items():
        assert reasons(decode(payload)) == [reason], reason
    assert reasons(decode({"ts": 1, "lat": 1, "lon": 1}, topic="fleet/Car 01/telemetry")) == ["bad_topic"]
    assert reasons(decode({"ts": "2026-11-25T08:00:00", "lat": 1, "lon": 1})) == ["malformed_field"]  # no offset
    assert reasons(decode({"ts": "2026-11-25T08:00:00Z", "lat": True, "lon": 1})) == ["malformed_field"]
    assert reasons(decode(b'{"ts": "2026-11-25T08:00:00Z", "lat": NaN, "lon": 1}')) == ["malformed_field"]
    huge = "1" + "0" * 400  # JSON integers have no size limit; no float holds this one
    assert reasons(decode(f'{{"ts": "2026-11-25T08:00:00Z", "lat": {huge}, "lon": 1}}'.encode())) == ["out_of_range"]
    assert reasons(decode(f'{{"ts": {huge}, "lat": 43.7, "lon": -1.05}}'.encode())) == ["malformed_field"]


def test_extra_attributes_are_kept_unless_jsonb_cannot_hold_them():
    fix = {"ts": "2026-11-25T08:00:00Z", "lat": 43.7, "lon": -1.05}
    [reading] = decode({**fix, "sent_at": 1.5, "fw": "2.1", "can": {"rpm": [900, 950]}}).readings
    assert reading.attributes == {"sent_at": 1.5, "fw": "2.1", "can": {"rpm": [900, 950]}}
    for extra in ({"fw": "2.1\x00"}, {"f\x00w": 1}, {"can": {"rpm": "\x00"}}):
        assert reasons(decode({**fix, **extra})) == ["malformed_field"], extra
    for payload in (
        b'{"ts": "2026-11-25T08:00:00Z", "lat": 43.7, "lon": -1.05, "t": Infinity}',
        b'{"ts": "2026-11-25T08:00:00Z", "lat": 43.7, "lon": -1.05, "can": [NaN]}',
    ):
        assert reasons(decode(payload)) == ["malformed_field"], payload


def test_owntracks_locations_map_to_readings_and_other_types_are_ignored():
    location = {
        "_type": "location",
        "tst": int(NOW.timestamp()) - 30,
        "lat": 43.66,
        "lon": -1.30,
        "vel": 40,
        "cog": 180,
        "alt": 20,
        "acc": 6,
        "batt": 55,
        "odometer": 5012.5,
        "t": "I",
        "tid": "ab",
    }

    [reading] = decode(location, topic="owntracks/phone/scooter-02").readings
    ignored = decode({"_type": "waypoint", "desc": "maison"}, topic="owntracks/phone/scooter-02")

    assert reading.tracker_id == "scooter-02"
    assert (reading.speed_kmh, reading.heading_deg, reading.acc_m) == (40, 180, 6)
    assert (reading.tracker_battery_pct, reading.battery_pct, reading.odometer_km) == (55, None, 5012.5)
    assert reading.ignition is False and reading.attributes == {"tid": "ab"}
    assert ignored.ignored == 1 and not ignored.readings and not ignored.rejections


def test_a_status_message_is_decoded_and_a_bad_one_rejected():
    [status] = decode({"online": False, "ts": "2026-11-25T08:59:00Z"}, topic="fleet/car-01/status").statuses
    assert status.online is False and status.at == datetime(2026, 11, 25, 8, 59, tzinfo=UTC)
    assert reasons(decode({"online": "yes"}, topic="fleet/car-01/status")) == ["malformed_field"]


JSON = st.recursive(
    st.none() | st.booleans() | st.floats(allow_nan=True) | st.integers() | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=20,
)
READING_LIKE = st.fixed_dictionaries(
    {
        "ts": st.one_of(st.text(max_size=30), st.floats(), st.integers(), st.none()),
        "lat": st.one_of(
            st.floats(),
            st.integers(),
            st.integers(min_value=10**300, max_value=10**400),
            st.text(max_size=5),
            st.none(),
        ),
        "lon": st.one_of(st.floats(), st.integers(), st.booleans(), st.none()),
    },
    optional={
        key: JSON
        for key in (
            "speed_kmh",
            "heading_deg",
            "acc_m",
            "odometer_km",
            "battery_pct",
            "fuel_pct",
            "ignition",
            "seq",
            "extra",
        )
    },
)
TOPICS = st.sampled_from(["fleet/car-01/telemetry", "fleet/car-01/status", "owntracks/u/car-01", "fleet/x/y/z"])


@settings(max_examples=400, deadline=None)
@given(
    topic=TOPICS,
    payload=st.one_of(
        st.binary(max_size=200),
        JSON.map(lambda v: json.dumps(v).encode()),
        READING_LIKE.map(lambda v: json.dumps(v).encode()),
        st.lists(READING_LIKE, max_size=5).map(lambda v: json.dumps(v).encode()),
    ),
)
def test_random_payloads_give_only_readings_or_typed_rejections(topic, payload):
    decoded = decode_message(topic, payload, received_at=NOW, limits=LIMITS)

    assert all(isinstance(rejection, RejectedReading) and rejection.reason for rejection in decoded.rejections)
    for reading in decoded.readings:
        assert -90 <= reading.lat <= 90 and -180 <= reading.lon <= 180
        assert reading.fix_time.tzinfo is not None
        json.dumps(reading.attributes, allow_nan=False)
