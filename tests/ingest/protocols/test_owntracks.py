"""OwnTracks messages as the Android and iOS apps send them (owntracks.org/booklet)."""

import base64
import json
from datetime import UTC, datetime, timedelta

import nacl.bindings

from ingest.decoding import Limits, decode_message
from ingest.protocols.directory import TrackerKeys

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
TST = int((NOW - timedelta(minutes=2)).timestamp())
LIMITS = Limits()
TOPIC = "owntracks/marie/scooter-02"


def decode(payload, *, keys=TrackerKeys(), topic=TOPIC):
    raw = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    return decode_message(topic, raw, received_at=NOW, limits=LIMITS, keys=keys)


def app_encrypted(secret: str, document: dict, nonce: bytes) -> bytes:
    """What the apps publish with an encryption key: libsodium's crypto_secretbox under the
    secret padded with zero bytes to 32, the nonce before the ciphertext, in base64."""
    key = secret.encode().ljust(nacl.bindings.crypto_secretbox_KEYBYTES, b"\0")
    ciphertext = nacl.bindings.crypto_secretbox(json.dumps(document).encode(), nonce, key)
    return json.dumps({"_type": "encrypted", "data": base64.b64encode(nonce + ciphertext).decode()}).encode()


def test_an_android_location_keeps_its_fields_and_unknown_keys():
    android = {
        "_type": "location",
        "acc": 13,
        "alt": 45,
        "batt": 94,
        "bs": 1,
        "conn": "w",
        "created_at": TST + 2,
        "lat": 43.5459,
        "lon": -1.1019,
        "m": 1,
        "tid": "p1",
        "tst": TST,
        "vac": 1,
        "vel": 0,
        "cog": 270,
    }

    [reading] = decode(android).readings

    assert reading.fix_time == datetime.fromtimestamp(TST, UTC)
    assert (reading.lat, reading.lon, reading.acc_m, reading.alt_m) == (43.5459, -1.1019, 13, 45)
    assert (reading.speed_kmh, reading.heading_deg, reading.tracker_battery_pct) == (0, 270, 94)
    assert reading.attributes == {"bs": 1, "conn": "w", "created_at": TST + 2, "m": 1, "tid": "p1", "vac": 1}


def test_old_ios_numbers_as_strings_and_minus_one_for_unknown_are_read():
    old_ios = {"_type": "location", "lat": "43.5459", "lon": "-1.1019", "tst": str(TST), "acc": "75", "batt": "65"}
    unknown = {
        "_type": "location",
        "lat": 43,
        "lon": -1,
        "tst": TST,
        "vel": -1,
        "cog": -1,
        "batt": -1,
        "acc": -1,
        "alt": -1,
    }

    [strings] = decode(old_ios).readings
    [integers] = decode(unknown).readings

    assert (strings.fix_time, strings.lat, strings.lon) == (datetime.fromtimestamp(TST, UTC), 43.5459, -1.1019)
    assert (strings.acc_m, strings.tracker_battery_pct) == (75, 65)
    assert (integers.lat, integers.lon) == (43, -1)
    assert (integers.speed_kmh, integers.heading_deg, integers.tracker_battery_pct, integers.acc_m) == (None,) * 4
    assert integers.alt_m == -1  # an altitude of -1 m is an altitude


def test_the_android_last_will_on_the_location_topic_marks_the_tracker_offline():
    decoded = decode({"_type": "lwt", "tst": TST - 3600})

    [status] = decoded.statuses
    assert status.online is False and status.at == NOW  # the will's tst is when the connection began
    assert not decoded.readings and not decoded.rejections


def test_other_types_and_cleared_retained_messages_are_ignored_and_counted_by_type():
    kinds = ["transition", "waypoint", "waypoints", "card", "status", "cmd"]

    for kind in kinds:
        decoded = decode({"_type": kind, "tst": TST})
        assert decoded.ignored == 1 and decoded.ignored_types == [kind]
        assert not decoded.readings and not decoded.rejections and not decoded.statuses
    empty = decode(b"")
    assert empty.ignored_types == ["empty"] and not empty.rejections
    assert decode({"_type": "somethingnew"}).ignored_types == ["other"]


def test_an_encrypted_location_opens_with_the_trackers_key():
    location = {"_type": "location", "lat": 43.7102, "lon": -1.0531, "tst": TST, "vel": 31, "batt": 40, "tid": "sc"}
    payload = app_encrypted("Sel de Mimizan", location, nonce=bytes(range(24)))

    [reading] = decode(payload, keys=TrackerKeys(owntracks_keys={"scooter-02": "Sel de Mimizan"})).readings

    assert (reading.lat, reading.lon, reading.speed_kmh, reading.tracker_battery_pct) == (43.7102, -1.0531, 31, 40)
    assert reading.attributes == {"tid": "sc"}


def test_an_encrypted_message_without_a_key_or_with_another_is_refused_in_plain_words():
    payload = app_encrypted(
        "Sel de Mimizan", {"_type": "location", "lat": 43.7, "lon": -1.05, "tst": TST}, nonce=bytes(24)
    )

    [no_key] = decode(payload).rejections
    [wrong_key] = decode(payload, keys=TrackerKeys(owntracks_keys={"scooter-02": "autre secret"})).rejections

    assert no_key.reason == "no_decryption_key" and "has no key" in no_key.detail and no_key.payload == payload
    assert wrong_key.reason == "decryption_failed"


def test_bad_locations_are_refused_with_their_reason():
    cases = {
        "missing_field": {"_type": "location", "lat": 43.7, "tst": TST},
        "malformed_field": {"_type": "location", "lat": "nord", "lon": -1.05, "tst": TST},
        "out_of_range": {"_type": "location", "lat": 143.7, "lon": -1.05, "tst": TST},
        "future_fix": {"_type": "location", "lat": 43.7, "lon": -1.05, "tst": TST + 86400},
    }
    for reason, payload in cases.items():
        assert [r.reason for r in decode(payload).rejections] == [reason], payload
    assert [r.reason for r in decode({"tst": TST}).rejections] == ["missing_field"]  # no _type
    assert [r.reason for r in decode(b"[1, 2]").rejections] == ["not_a_reading"]
