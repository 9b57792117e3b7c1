"""Checking the values of one reading, whatever protocol carried it.

Each helper reads one key of a decoded JSON object (or a protocol's equivalent) and
either returns a value in the MQTT contract's units or raises `RejectedReading` with the
reason a dead letter will carry. Ranges are those of `Reading`'s fields
(docs/ARCHITECTURE.md).
"""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime
from typing import Any

from ingest.readings import RejectedReading

# field: (low, high), inclusive, in the units of the MQTT contract.
RANGES = {
    "speed_kmh": (0.0, 400.0),
    "heading_deg": (0.0, 360.0),
    "alt_m": (-500.0, 9000.0),
    "acc_m": (0.0, 100_000.0),
    "odometer_km": (0.0, 5_000_000.0),
    "battery_pct": (0.0, 100.0),
    "fuel_pct": (0.0, 100.0),
    "tracker_battery_pct": (0.0, 100.0),
}
_ANY = (-math.inf, math.inf)


def is_number(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    return isinstance(value, int) or (isinstance(value, float) and math.isfinite(value))  # JSON ints are finite


def number(item: dict[str, Any], key: str, field: str) -> float | None:
    """`item[key]` as a float within `field`'s range; None when absent or null."""
    return checked(item.get(key), key, field)


def checked(value: Any, key: str, field: str) -> float | None:
    """`value` (read from `key`) as a float within `field`'s range; None stays None."""
    if value is None:
        return None
    kind = type(value)  # what json.loads gives: exactly int or float for a number (bool is not one)
    if not (kind is int or (kind is float and math.isfinite(value))):
        raise RejectedReading("malformed_field", f"{key} must be a number, not {show(value)}")
    low, high = RANGES.get(field, _ANY)
    if not low <= value <= high:
        raise RejectedReading("out_of_range", f"{key}={show(value)} is outside {low:g}…{high:g}")
    try:
        return float(value)
    except OverflowError:  # an integer of hundreds of digits
        raise RejectedReading("out_of_range", f"{key}={show(value)} is too large") from None


def numeric_text(value: Any, key: str) -> Any:
    """A number sent as a string ("43.71", "1700000000") as the number; anything else unchanged."""
    if not isinstance(value, str):
        return value
    try:
        parsed = float(value.strip())
    except ValueError:
        raise RejectedReading("malformed_field", f"{key} must be a number, not {show(value)}") from None
    if not math.isfinite(parsed):
        raise RejectedReading("malformed_field", f"{key} must be a finite number, not {show(value)}")
    return int(parsed) if parsed.is_integer() and abs(parsed) < 2**53 else parsed


def coordinates(item: dict[str, Any], lat_key: str = "lat", lon_key: str = "lon") -> tuple[float, float]:
    lat, lon = number(item, lat_key, "lat"), number(item, lon_key, "lon")
    if lat is None or lon is None:
        raise RejectedReading("missing_field", f"{lat_key} and {lon_key} are required")
    if not -90.0 <= lat <= 90.0 or not -180.0 <= lon <= 180.0:
        raise RejectedReading("out_of_range", f"coordinates out of range: lat={lat}, lon={lon}")
    if abs(lat) < 1e-6 and abs(lon) < 1e-6:
        raise RejectedReading("null_island", "a 0,0 fix is a tracker without a GPS fix")
    return lat, lon


def integer(item: dict[str, Any], key: str) -> int | None:
    value = item.get(key)
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value < 2**63:
        raise RejectedReading("malformed_field", f"{key} must be a non-negative integer, not {show(value)}")
    return value


def boolean(item: dict[str, Any], key: str) -> bool | None:
    value = item.get(key)
    if value is not None and not isinstance(value, bool):
        raise RejectedReading("malformed_field", f"{key} must be true or false, not {show(value)}")
    return value


def time_value(value: Any, key: str) -> datetime:
    """RFC 3339 with an offset, or epoch seconds; always returned in UTC."""
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            raise RejectedReading("malformed_field", f"{key} is not an RFC 3339 time: {show(value)}") from None
        if parsed.tzinfo is None:
            raise RejectedReading("malformed_field", f"{key} has no UTC offset: {show(value)}")
        try:
            return parsed.astimezone(UTC)
        except OverflowError:
            raise RejectedReading("out_of_range", f"{key} is out of range: {show(value)}") from None
    if is_number(value):
        if not 0 <= value < 1e11:
            raise RejectedReading("malformed_field", f"{key}={value} is not epoch seconds")
        return datetime.fromtimestamp(value, UTC)
    raise RejectedReading("malformed_field", f"{key} must be a time, not {show(value)}")


def attributes(item: dict[str, Any], known: set[str]) -> dict[str, Any]:
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


def show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
