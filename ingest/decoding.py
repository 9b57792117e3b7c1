"""Turns one MQTT message into readings and status changes, or typed rejections.

Never raises on bad input: every problem becomes a `RejectedReading` with its reason,
so the worker can dead-letter it. In a batch, one bad reading rejects only itself.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from ingest.readings import Decoded, Reading, RejectedReading, StatusUpdate

TRACKER_ID = re.compile(r"[a-z0-9][a-z0-9_-]{1,63}")

# field: (low, high), inclusive, in the units of the MQTT contract (docs/ARCHITECTURE.md).
NATIVE_NUMBERS = {
    "speed_kmh": (0.0, 400.0), "heading_deg": (0.0, 360.0), "alt_m": (-500.0, 9000.0),
    "acc_m": (0.0, 100_000.0), "odometer_km": (0.0, 5_000_000.0),
    "battery_pct": (0.0, 100.0), "fuel_pct": (0.0, 100.0),
}
OWNTRACKS_NUMBERS = {"vel": "speed_kmh", "cog": "heading_deg", "alt": "alt_m", "acc": "acc_m",
                     "batt": "tracker_battery_pct", "odometer": "odometer_km"}
RANGES = NATIVE_NUMBERS | {"tracker_battery_pct": (0.0, 100.0)}
NATIVE_KEYS = {"ts", "lat", "lon", "ignition", "seq", *NATIVE_NUMBERS}
OWNTRACKS_KEYS = {"_type", "tst", "lat", "lon", "t", *OWNTRACKS_NUMBERS}


@dataclass(frozen=True)
class Limits:
    future_tolerance: timedelta = timedelta(minutes=5)
    max_age: timedelta = timedelta(days=60)
    max_batch: int = 5000


def decode_message(topic: str, payload: bytes, *, received_at: datetime, limits: Limits) -> Decoded:
    """Decode a message on one of the three topic families of the MQTT contract (docs/ARCHITECTURE.md)."""
    parts = topic.split("/")
    if len(parts) == 3 and parts[0] == "fleet" and parts[2] in ("telemetry", "status"):
        tracker_id, family = parts[1], parts[2]
    elif len(parts) == 3 and parts[0] == "owntracks":
        tracker_id, family = parts[2], "owntracks"
    else:
        return _rejected(None, "bad_topic", f"not a fleet topic: {topic!r}", payload)
    if not TRACKER_ID.fullmatch(tracker_id):
        return _rejected(None, "bad_topic", f"not a tracker id: {tracker_id!r}", payload)
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
    if family == "owntracks":
        if not isinstance(document, dict):
            return _rejected(tracker_id, "not_a_reading", "an OwnTracks message is a JSON object", payload)
        if document.get("_type") != "location":
            decoded.ignored += 1
            return decoded
        items, parse = [document], _owntracks
    elif isinstance(document, list):
        if not document:
            return _rejected(tracker_id, "empty_batch", "the batch holds no reading", payload)
        if len(document) > limits.max_batch:
            return _rejected(tracker_id, "batch_too_large",
                             f"{len(document)} readings in one message (at most {limits.max_batch})", payload)
        items, parse = document, _native
    else:
        items, parse = [document], _native

    for index, item in enumerate(items):
        try:
            reading = parse(tracker_id, item)
            _check_time(reading.fix_time, received_at, limits)
            decoded.readings.append(reading)
        except RejectedReading as rejection:
            if len(items) > 1:
                rejection.detail = f"reading {index + 1} of {len(items)}: {rejection.detail}"
                decoded.rejections.append(_with_payload(rejection, _dump(item)))
            else:
                decoded.rejections.append(_with_payload(rejection, payload))
    return decoded


def _native(tracker_id: str, item: Any) -> Reading:
    if not isinstance(item, dict):
        raise RejectedReading("not_a_reading", f"a reading is a JSON object, not {type(item).__name__}")
    for key in ("ts", "lat", "lon"):
        if item.get(key) is None:
            raise RejectedReading("missing_field", f"{key} is required")
    lat, lon = _coordinates(item)
    reading = Reading(tracker_id, _time(item["ts"], "ts"), lat, lon, ignition=_boolean(item, "ignition"),
                      seq=_integer(item, "seq"), attributes=_attributes(item, NATIVE_KEYS))
    # Only the keys present are checked: most trackers send a few of the optional fields.
    for name in item.keys() & NATIVE_NUMBERS.keys():
        setattr(reading, name, _number(item, name, name))  # still being built: not yet a value
    return reading


def _owntracks(tracker_id: str, item: dict) -> Reading:
    for key in ("tst", "lat", "lon"):
        if item.get(key) is None:
            raise RejectedReading("missing_field", f"{key} is required")
    if isinstance(item["tst"], str) or not _is_number(item["tst"]):
        raise RejectedReading("malformed_field", "tst must be epoch seconds")
    values = {field: _number(item, key, field) for key, field in OWNTRACKS_NUMBERS.items()}
    trigger = item.get("t")
    ignition = {"i": True, "I": False}.get(trigger) if isinstance(trigger, str) else None
    attributes = _attributes(item, OWNTRACKS_KEYS)
    if trigger is not None and ignition is None:
        attributes["t"] = trigger
    lat, lon = _coordinates(item)
    return Reading(tracker_id=tracker_id, fix_time=_time(item["tst"], "tst"), lat=lat, lon=lon,
                   ignition=ignition, attributes=attributes, **values)


def _status(tracker_id: str, document: Any, received_at: datetime) -> StatusUpdate:
    if not isinstance(document, dict) or not isinstance(document.get("online"), bool):
        raise RejectedReading("malformed_field", 'a status is {"online": true|false, "ts": …}')
    at = _time(document["ts"], "ts") if document.get("ts") is not None else received_at
    return StatusUpdate(tracker_id=tracker_id, online=document["online"], at=min(at, received_at))


def _coordinates(item: dict) -> tuple[float, float]:
    lat, lon = _number(item, "lat", "lat"), _number(item, "lon", "lon")
    if not -90.0 <= lat <= 90.0 or not -180.0 <= lon <= 180.0:
        raise RejectedReading("out_of_range", f"coordinates out of range: lat={lat}, lon={lon}")
    if abs(lat) < 1e-6 and abs(lon) < 1e-6:
        raise RejectedReading("null_island", "a 0,0 fix is a tracker without a GPS fix")
    return lat, lon


_ANY = (-math.inf, math.inf)


def _is_number(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    return isinstance(value, int) or (isinstance(value, float) and math.isfinite(value))  # JSON ints are finite


def _number(item: dict, key: str, field: str) -> float | None:
    value = item.get(key)
    if value is None:
        return None
    kind = type(value)  # what json.loads gives: exactly int or float for a number (bool is not one)
    if not (kind is int or (kind is float and math.isfinite(value))):
        raise RejectedReading("malformed_field", f"{key} must be a number, not {_show(value)}")
    low, high = RANGES.get(field, _ANY)
    if not low <= value <= high:
        raise RejectedReading("out_of_range", f"{key}={_show(value)} is outside {low:g}…{high:g}")
    try:
        return float(value)
    except OverflowError:  # an integer of hundreds of digits
        raise RejectedReading("out_of_range", f"{key}={_show(value)} is too large") from None


def _integer(item: dict, key: str) -> int | None:
    value = item.get(key)
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value < 2**63:
        raise RejectedReading("malformed_field", f"{key} must be a non-negative integer, not {_show(value)}")
    return value


def _boolean(item: dict, key: str) -> bool | None:
    value = item.get(key)
    if value is not None and not isinstance(value, bool):
        raise RejectedReading("malformed_field", f"{key} must be true or false, not {_show(value)}")
    return value


def _time(value: Any, key: str) -> datetime:
    """RFC 3339 with an offset, or epoch seconds; always returned in UTC."""
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            raise RejectedReading("malformed_field", f"{key} is not an RFC 3339 time: {_show(value)}") from None
        if parsed.tzinfo is None:
            raise RejectedReading("malformed_field", f"{key} has no UTC offset: {_show(value)}")
        try:
            return parsed.astimezone(UTC)
        except OverflowError:
            raise RejectedReading("out_of_range", f"{key} is out of range: {_show(value)}") from None
    if _is_number(value):
        if not 0 <= value < 1e11:
            raise RejectedReading("malformed_field", f"{key}={value} is not epoch seconds")
        return datetime.fromtimestamp(value, UTC)
    raise RejectedReading("malformed_field", f"{key} must be a time, not {_show(value)}")


def _check_time(fix_time: datetime, received_at: datetime, limits: Limits) -> None:
    if fix_time > received_at + limits.future_tolerance:
        raise RejectedReading("future_fix", f"fix time {fix_time.isoformat()} is ahead of the receive time"
                                            f" {received_at.isoformat()}")
    if fix_time < received_at - limits.max_age:
        raise RejectedReading("too_old", f"fix time {fix_time.isoformat()} is older than the retention period")


def _attributes(item: dict, known: set[str]) -> dict[str, Any]:
    """Unknown keys are kept, provided PostgreSQL's jsonb can hold them."""
    extra = {key: value for key, value in item.items() if key not in known}
    for key, value in extra.items():
        # Plain values are checked as they are; only nested ones need a trial encoding.
        if isinstance(value, float) and not math.isfinite(value):
            raise RejectedReading("malformed_field", "extra attributes hold NaN or Infinity")
        if "\x00" in key or (isinstance(value, str) and "\x00" in value):
            raise RejectedReading("malformed_field", "extra attributes hold a NUL character")
        if isinstance(value, (dict, list)):
            try:
                text = json.dumps(value, allow_nan=False)
            except ValueError:
                raise RejectedReading("malformed_field", "extra attributes hold NaN or Infinity") from None
            if "\\u0000" in text:
                raise RejectedReading("malformed_field", "extra attributes hold a NUL character")
    return extra


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _dump(item: Any) -> bytes:
    return json.dumps(item, ensure_ascii=False).encode("utf-8", errors="replace")


def _with_payload(rejection: RejectedReading, payload: bytes) -> RejectedReading:
    rejection.payload = payload
    return rejection


def _rejected(tracker_id: str | None, reason: str, detail: str, payload: bytes) -> Decoded:
    return Decoded(tracker_id, rejections=[RejectedReading(reason, detail, payload=payload)])
