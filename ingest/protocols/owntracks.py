"""OwnTracks JSON as the Android and iOS apps really send it (booklet: owntracks.org/booklet).

- The message's `_type` decides what it is, not the topic: Android's last will
  (`{"_type": "lwt"}`) arrives on the location topic and marks the tracker offline.
- Older iOS versions send numbers as strings (`"tst": "1700000000"`); `-1` means
  unknown for the speed, course, accuracy and battery; coordinates may be integers;
  unknown keys are kept as attributes.
- `transition`, `waypoint(s)`, `card`, `status`, `cmd` and the other types are accepted
  and ignored (counted by type).
- `{"_type": "encrypted", "data": <base64>}`: libsodium's secretbox (XSalsa20-Poly1305)
  with the nonce before the ciphertext, under the tracker's key, a passphrase of up to
  32 bytes that the apps pad with zero bytes.
"""

from __future__ import annotations

import base64
import binascii
import json
from datetime import datetime
from typing import Any, Protocol

import nacl.exceptions
import nacl.secret

from ingest import fields
from ingest.readings import Decoded, Reading, RejectedReading, StatusUpdate

NUMBERS = {
    "vel": "speed_kmh",
    "cog": "heading_deg",
    "alt": "alt_m",
    "acc": "acc_m",
    "batt": "tracker_battery_pct",
    "odometer": "odometer_km",
}
MINUS_ONE_IS_UNKNOWN = {"vel", "cog", "acc", "batt"}
KNOWN_KEYS = {"_type", "tst", "lat", "lon", "t", *NUMBERS}
IGNORED_TYPES = {
    "transition",
    "waypoint",
    "waypoints",
    "card",
    "status",
    "cmd",
    "steps",
    "beacon",
    "request",
    "configuration",
    "dump",
    "encrypted",
}
KEY_BYTES = nacl.secret.SecretBox.KEY_SIZE  # 32


class KeyLookup(Protocol):
    def owntracks_key(self, tracker_id: str) -> str | None: ...


def decode(tracker_id: str, payload: bytes, *, received_at: datetime, keys: KeyLookup | None) -> Decoded:
    """One OwnTracks message (the JSON object) from `tracker_id`."""
    decoded = Decoded(tracker_id)
    try:
        document = _json_object(payload)
        if document.get("_type") == "encrypted":
            document = _json_object(_decrypt(tracker_id, document, keys))
            if document.get("_type") == "encrypted":
                raise RejectedReading("malformed_field", "an encrypted payload holds another encrypted payload")
        kind = document.get("_type")
        if kind is None:
            raise RejectedReading("missing_field", "_type is required")
        if kind == "location":
            decoded.readings.append(location(tracker_id, document))
        elif kind == "lwt":
            # The broker publishes the will when the phone's connection drops; its `tst`
            # is when that connection began, so the time of the drop is the receive time.
            decoded.statuses.append(StatusUpdate(tracker_id=tracker_id, online=False, at=received_at))
        else:
            decoded.ignored += 1
            decoded.ignored_types.append(kind if kind in IGNORED_TYPES else "other")
    except RejectedReading as rejection:
        rejection.payload = payload
        decoded.rejections.append(rejection)
    return decoded


def location(tracker_id: str, item: dict[str, Any]) -> Reading:
    for key in ("tst", "lat", "lon"):
        if item.get(key) is None:
            raise RejectedReading("missing_field", f"{key} is required")
    values = {
        "tst": fields.numeric_text(item["tst"], "tst"),
        "lat": fields.numeric_text(item["lat"], "lat"),
        "lon": fields.numeric_text(item["lon"], "lon"),
    }
    if not isinstance(values["tst"], int) or isinstance(values["tst"], bool):
        raise RejectedReading("malformed_field", f"tst must be epoch seconds, not {fields.show(item['tst'])}")
    for key in NUMBERS.keys() & item.keys():
        value = fields.numeric_text(item[key], key)
        values[key] = None if key in MINUS_ONE_IS_UNKNOWN and value == -1 else value
    lat, lon = fields.coordinates(values)
    trigger = item.get("t")
    ignition = {"i": True, "I": False}.get(trigger) if isinstance(trigger, str) else None
    attributes = fields.attributes(item, KNOWN_KEYS)
    if trigger is not None and ignition is None:
        attributes["t"] = trigger
    # Reading's float fields by name; Any, as mypy checks a ** mapping against every other field too.
    numbers: dict[str, Any] = {field: fields.number(values, key, field) for key, field in NUMBERS.items()}
    return Reading(
        tracker_id=tracker_id,
        fix_time=fields.time_value(values["tst"], "tst"),
        lat=lat,
        lon=lon,
        ignition=ignition,
        attributes=attributes,
        **numbers,
    )


def encrypt(key: str, document: dict[str, Any], *, nonce: bytes | None = None) -> bytes:
    """The message an app with this key publishes for `document` (for tests and tools)."""
    box = nacl.secret.SecretBox(padded_key(key))
    sealed = box.encrypt(json.dumps(document).encode(), nonce)  # nonce + ciphertext, as the apps send it
    return json.dumps({"_type": "encrypted", "data": base64.b64encode(bytes(sealed)).decode()}).encode()


def padded_key(key: str) -> bytes:
    raw = key.encode("utf-8")
    if not 1 <= len(raw) <= KEY_BYTES:
        raise ValueError(f"an OwnTracks key is 1 to {KEY_BYTES} bytes")
    return raw.ljust(KEY_BYTES, b"\0")


def _decrypt(tracker_id: str, document: dict[str, Any], keys: KeyLookup | None) -> bytes:
    key = keys.owntracks_key(tracker_id) if keys is not None else None
    if key is None:
        raise RejectedReading(
            "no_decryption_key",
            f"tracker {tracker_id!r} sends encrypted OwnTracks messages but has no key: set its"
            " owntracks_key (the secret typed in the app) when registering it",
        )
    data = document.get("data")
    if not isinstance(data, str):
        raise RejectedReading("missing_field", "an encrypted message carries its ciphertext in data (base64)")
    try:
        sealed = base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError):
        raise RejectedReading("malformed_field", "data is not base64") from None
    try:
        return nacl.secret.SecretBox(padded_key(key)).decrypt(sealed)
    except (nacl.exceptions.CryptoError, ValueError, TypeError):
        raise RejectedReading(
            "decryption_failed",
            f"the message does not open with tracker {tracker_id!r}'s key (a different secret in the app?)",
        ) from None


def _json_object(payload: bytes) -> dict[str, Any]:
    try:
        document = json.loads(payload)
    except (ValueError, RecursionError) as error:
        raise RejectedReading("bad_json", f"payload is not JSON: {str(error)[:200]}") from None
    if not isinstance(document, dict):
        raise RejectedReading("not_a_reading", "an OwnTracks message is a JSON object")
    return document
