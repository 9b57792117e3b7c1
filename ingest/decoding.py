"""Turns one MQTT message into readings and status changes, or typed rejections.

Never raises on bad input: every problem becomes a `RejectedReading` with its reason,
so the worker can dead-letter it. In a batch, one bad reading rejects only itself.
The topic says which decoder reads the message: the native readings and statuses
here, OwnTracks and Traccar's forwarded positions in ingest/protocols/. A zero-length
message (a retained message being cleared) is ignored, whatever its topic.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from ingest import fields
from ingest.protocols import owntracks, traccar
from ingest.protocols.directory import NO_KEYS, KeyLookup
from ingest.readings import Decoded, Reading, RejectedReading, StatusUpdate

TRACKER_ID = re.compile(r"[a-z0-9][a-z0-9_-]{1,63}")

# The optional numbers of a native reading, in the units of the MQTT contract (docs/ARCHITECTURE.md).
NATIVE_NUMBERS = (
    "speed_kmh",
    "heading_deg",
    "alt_m",
    "acc_m",
    "odometer_km",
    "battery_pct",
    "fuel_pct",
    "tracker_battery_pct",
)
NATIVE_KEYS = {"ts", "lat", "lon", "ignition", "seq", *NATIVE_NUMBERS}
_NUMBER_KEYS = frozenset(NATIVE_NUMBERS)
TRACCAR_PREFIX = "traccar/"


@dataclass(frozen=True)
class Limits:
    future_tolerance: timedelta = timedelta(minutes=5)
    max_age: timedelta = timedelta(days=60)
    max_batch: int = 5000


def decode_message(
    topic: str, payload: bytes, *, received_at: datetime, limits: Limits, keys: KeyLookup = NO_KEYS
) -> Decoded:
    """Decode a message on one of the topic families of the MQTT contract (docs/ARCHITECTURE.md).

    `keys` tells the OwnTracks key of a tracker and which tracker a Traccar device is
    (ingest/protocols/directory.py)."""
    if not payload:
        return Decoded(None, ignored=1, ignored_types=["empty"])
    parts = topic.split("/")
    if topic.startswith(TRACCAR_PREFIX):
        decoded = traccar.decode(payload, keys=keys)
        return _checked(decoded, received_at, limits)
    if len(parts) == 3 and parts[0] == "fleet" and parts[2] in ("telemetry", "status"):
        tracker_id, family = parts[1], parts[2]
    elif len(parts) == 3 and parts[0] == "owntracks":
        tracker_id, family = parts[2], "owntracks"
    else:
        return _rejected(None, "bad_topic", f"not a fleet topic: {topic!r}", payload)
    if not TRACKER_ID.fullmatch(tracker_id):
        return _rejected(None, "bad_topic", f"not a tracker id: {tracker_id!r}", payload)
    if family == "owntracks":
        return _checked(owntracks.decode(tracker_id, payload, received_at=received_at, keys=keys), received_at, limits)
    try:
        document = json.loads(payload)
    except (ValueError, RecursionError) as error:
        return _rejected(tracker_id, "bad_json", f"payload is not JSON: {str(error)[:200]}", payload)

    decoded = Decoded(tracker_id)
    if family == "status":
        try:
            decoded.statuses.append(_status(tracker_id, document, received_at))
        except RejectedReading as rejection:
            decoded.rejections.append(_with_payload(rejection, payload))
        return decoded
    if isinstance(document, list):
        if not document:
            return _rejected(tracker_id, "empty_batch", "the batch holds no reading", payload)
        if len(document) > limits.max_batch:
            return _rejected(
                tracker_id,
                "batch_too_large",
                f"{len(document)} readings in one message (at most {limits.max_batch})",
                payload,
            )
        items = document
    else:
        items = [document]

    for index, item in enumerate(items):
        try:
            reading = native(tracker_id, item)
            check_time(reading.fix_time, received_at, limits)
            decoded.readings.append(reading)
        except RejectedReading as rejection:
            if len(items) > 1:
                rejection.detail = f"reading {index + 1} of {len(items)}: {rejection.detail}"
                decoded.rejections.append(_with_payload(rejection, _dump(item)))
            else:
                decoded.rejections.append(_with_payload(rejection, payload))
    return decoded


def native(tracker_id: str, item: Any) -> Reading:
    """One reading of the native contract."""
    if not isinstance(item, dict):
        raise RejectedReading("not_a_reading", f"a reading is a JSON object, not {type(item).__name__}")
    for key in ("ts", "lat", "lon"):
        if item.get(key) is None:
            raise RejectedReading("missing_field", f"{key} is required")
    lat, lon = fields.coordinates(item)
    reading = Reading(
        tracker_id,
        fields.time_value(item["ts"], "ts"),
        lat,
        lon,
        ignition=fields.boolean(item, "ignition"),
        seq=fields.integer(item, "seq"),
        attributes=fields.attributes(item, NATIVE_KEYS),
    )
    # Only the keys present are checked: most trackers send a few of the optional fields.
    for name in item.keys() & _NUMBER_KEYS:
        setattr(reading, name, fields.number(item, name, name))  # still being built: not yet a value
    return reading


def to_native(reading: Reading) -> dict[str, Any]:
    """A reading as the native JSON a tracker would publish (what the HTTP ingress publishes).

    Attributes named like a field of the contract are renamed `extra_<name>`, so they
    stay attributes."""
    document: dict[str, Any] = {"ts": reading.fix_time.isoformat(), "lat": reading.lat, "lon": reading.lon}
    for name in (*NATIVE_NUMBERS, "ignition", "seq"):
        value = getattr(reading, name)
        if value is not None:
            document[name] = value
    for key, value in reading.attributes.items():
        document[f"extra_{key}" if key in NATIVE_KEYS else key] = value
    return document


def check_time(fix_time: datetime, received_at: datetime, limits: Limits) -> None:
    if fix_time > received_at + limits.future_tolerance:
        raise RejectedReading(
            "future_fix", f"fix time {fix_time.isoformat()} is ahead of the receive time {received_at.isoformat()}"
        )
    if fix_time < received_at - limits.max_age:
        raise RejectedReading("too_old", f"fix time {fix_time.isoformat()} is older than the retention period")


def _checked(decoded: Decoded, received_at: datetime, limits: Limits) -> Decoded:
    """The fix-time checks on what a protocol decoder made of one message."""
    kept = []
    for reading in decoded.readings:
        try:
            check_time(reading.fix_time, received_at, limits)
            kept.append(reading)
        except RejectedReading as rejection:
            decoded.rejections.append(rejection)
    decoded.readings = kept
    return decoded


def _status(tracker_id: str, document: Any, received_at: datetime) -> StatusUpdate:
    if not isinstance(document, dict) or not isinstance(document.get("online"), bool):
        raise RejectedReading("malformed_field", 'a status is {"online": true|false, "ts": …}')
    at = fields.time_value(document["ts"], "ts") if document.get("ts") is not None else received_at
    return StatusUpdate(tracker_id=tracker_id, online=document["online"], at=min(at, received_at))


def _dump(item: Any) -> bytes:
    return json.dumps(item, ensure_ascii=False).encode("utf-8", errors="replace")


def _with_payload(rejection: RejectedReading, payload: bytes) -> RejectedReading:
    rejection.payload = payload
    return rejection


def _rejected(tracker_id: str | None, reason: str, detail: str, payload: bytes) -> Decoded:
    return Decoded(tracker_id, rejections=[RejectedReading(reason, detail, payload=payload)])
