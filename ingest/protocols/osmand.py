"""The OsmAnd protocol over HTTP, as Traccar's OsmAndProtocolDecoder reads it.

Traccar Client (Android, iOS), OsmAnd, GPSLogger and many DIY modules send one position
per request, in one of three forms:
- query parameters (`GET` or `POST /…?id=car-01&lat=43.71&lon=-1.05&timestamp=…`);
- the same parameters as a form body (`application/x-www-form-urlencoded`), read only
  when the URL has none;
- a JSON body (Traccar Client 9 and later): `{"device_id": …, "location": {"timestamp",
  "coords": {"latitude", "longitude", "accuracy", "speed", "heading", "altitude"},
  "battery": {"level", "is_charging"}, "is_moving", "odometer", "event", "activity",
  "extras"}}`, `location` being one object or a list.

Units: in the parameter forms `speed` is in **knots** and `batt` in percent (0–100); in
the JSON form `speed` is in m/s and `battery.level` a fraction (0–1). `-1` means unknown
(speed, heading, battery, accuracy). `timestamp` is epoch seconds, epoch milliseconds or
ISO 8601 (a time without an offset, ISO or `yyyy-MM-dd HH:mm:ss`, is taken as UTC);
without one the position is dated when it was received. `bearing` or `heading`,
`altitude`, `accuracy`, `charge`, `hdop`, and any other key are kept (other keys as
attributes: numbers as numbers, `true`/`false` as booleans, the rest as text). A request
with an id but no position (a token-only post) is accepted and stores nothing.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl

from ingest import fields
from ingest.readings import Reading, RejectedReading

KNOT_KMH = 1.852
MPS_KMH = 3.6
MAX_SECONDS = 2**31 - 1  # Traccar: below this a timestamp is in seconds, above in milliseconds


@dataclass
class OsmAndRequest:
    """What one request carried: the device id it names and its positions (none for a token-only post)."""

    device_id: str
    readings: list[Reading] = field(default_factory=list)


def decode_request(
    tracker_id: str, *, query: list[tuple[str, str]], body: bytes, content_type: str, received_at: datetime
) -> OsmAndRequest:
    """Decode one request for `tracker_id`; RejectedReading on bad input (the ingress answers 400)."""
    if query:
        return decode_parameters(tracker_id, query, received_at=received_at)
    if "json" in content_type.lower() or body.lstrip()[:1] == b"{":
        try:
            document = json.loads(body)
        except (ValueError, RecursionError) as error:
            raise RejectedReading("bad_json", f"body is not JSON: {str(error)[:200]}") from None
        return decode_json(tracker_id, document, received_at=received_at)
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise RejectedReading("malformed_field", "the form body is not UTF-8") from None
    try:  # the form body, read as the URL's query would be
        form = parse_qsl(text, keep_blank_values=True, strict_parsing=False, max_num_fields=200)
    except ValueError as error:
        raise RejectedReading("malformed_field", f"too many fields: {error}") from None
    return decode_parameters(tracker_id, form, received_at=received_at)


def decode_parameters(tracker_id: str, params: list[tuple[str, str]], *, received_at: datetime) -> OsmAndRequest:
    values: dict[str, Any] = {}
    for key, value in params:
        if "\x00" in key or "\x00" in value:
            raise RejectedReading("malformed_field", "a parameter holds a NUL character")
        if key in ("cell", "wifi"):  # repeated: every one is kept
            values.setdefault(key, []).append(value)
        else:
            values[key] = value
    device_id = values.pop("id", None) or values.pop("deviceid", None)
    values.pop("deviceid", None)
    if not device_id:
        raise RejectedReading("missing_field", "id (or deviceid) is required")
    request = OsmAndRequest(device_id)
    fix_time = _timestamp(values.pop("timestamp", None), received_at)
    location = values.pop("location", None)
    lat, lon = values.pop("lat", None), values.pop("lon", None)
    if location is not None:
        parts = location.split(",")
        if len(parts) < 2:
            raise RejectedReading("malformed_field", f"location is lat,lon, not {fields.show(location)}")
        lat, lon = parts[0], parts[1]
    numbers = {
        key: _decimal(values.pop(key), key)
        for key in ("speed", "bearing", "heading", "altitude", "accuracy", "batt")
        if key in values
    }
    valid = values.pop("valid", None)
    attributes = {key: _attribute(value) for key, value in values.items()}
    if "hdop" in attributes and not isinstance(attributes["hdop"], float):
        raise RejectedReading("malformed_field", f"hdop must be a number, not {fields.show(values['hdop'])}")
    if lat is None and lon is None:
        return request  # a token-only post: the app checks in, no position
    if lat is None or lon is None:
        raise RejectedReading("missing_field", "lat and lon come together (or location=lat,lon)")
    if valid is not None and valid.lower() not in ("true", "1"):
        raise RejectedReading("invalid_fix", "the app marks this position invalid (valid=false)")
    position = {"lat": _decimal(lat, "lat"), "lon": _decimal(lon, "lon")}
    lat_deg, lon_deg = fields.coordinates(position)
    speed = _known(numbers.get("speed"))
    ignition = attributes.pop("ignition", None)
    if ignition is not None and not isinstance(ignition, bool):
        raise RejectedReading("malformed_field", "ignition must be true or false")
    request.readings.append(
        Reading(
            tracker_id=tracker_id,
            fix_time=fix_time,
            lat=lat_deg,
            lon=lon_deg,
            speed_kmh=fields.checked(speed * KNOT_KMH if speed is not None else None, "speed", "speed_kmh"),
            heading_deg=fields.checked(
                _known(numbers.get("bearing", numbers.get("heading"))), "bearing", "heading_deg"
            ),
            alt_m=fields.checked(numbers.get("altitude"), "altitude", "alt_m"),
            acc_m=fields.checked(_known(numbers.get("accuracy")), "accuracy", "acc_m"),
            tracker_battery_pct=fields.checked(_known(numbers.get("batt")), "batt", "tracker_battery_pct"),
            ignition=ignition,
            attributes=fields.attributes(attributes, set()),
        )
    )
    return request


def decode_json(tracker_id: str, document: Any, *, received_at: datetime) -> OsmAndRequest:
    if not isinstance(document, dict):
        raise RejectedReading("not_a_reading", 'the JSON form is {"device_id": …, "location": {…}}')
    device_id = document.get("device_id")
    if not isinstance(device_id, str) or not device_id:
        raise RejectedReading("missing_field", "device_id (a string) is required")
    locations = document.get("location")
    if isinstance(locations, dict):
        locations = [locations]
    if not isinstance(locations, list) or not locations or not all(isinstance(item, dict) for item in locations):
        raise RejectedReading("missing_field", "location (an object, or a list of them) is required")
    request = OsmAndRequest(device_id)
    for location in locations:
        reading = _json_location(tracker_id, location, received_at)
        if reading is not None:
            request.readings.append(reading)
    return request


def _json_location(tracker_id: str, location: dict[str, Any], received_at: datetime) -> Reading | None:
    if "timestamp" not in location:
        raise RejectedReading("missing_field", "location.timestamp is required")
    fix_time = _timestamp(location["timestamp"], received_at)
    raw_battery = location.get("battery")
    battery: dict[str, Any] = raw_battery if isinstance(raw_battery, dict) else {}
    attributes: dict[str, Any] = {}
    extras = location.get("extras")
    if isinstance(extras, dict):
        attributes.update(extras)
    for key, name in (
        ("event", "event"),
        ("is_moving", "motion"),
        ("odometer", "app_odometer_m"),
        ("mock", "mock"),
        ("alarm", "alarm"),
    ):
        if location.get(key) is not None:
            attributes[name] = location[key]
    if isinstance(location.get("activity"), dict) and location["activity"].get("type") is not None:
        attributes["activity"] = location["activity"]["type"]
    if isinstance(battery.get("is_charging"), bool):
        attributes["charge"] = battery["is_charging"]
    coords = location.get("coords")
    if coords is None:
        return None  # a heartbeat: no position
    if not isinstance(coords, dict):
        raise RejectedReading("malformed_field", "location.coords must be an object")
    lat_deg, lon_deg = fields.coordinates(coords, "latitude", "longitude")
    speed = _known(fields.number(coords, "speed", "speed"))
    level = _known(fields.number(battery, "level", "level"))
    return Reading(
        tracker_id=tracker_id,
        fix_time=fix_time,
        lat=lat_deg,
        lon=lon_deg,
        speed_kmh=fields.checked(speed * MPS_KMH if speed is not None else None, "coords.speed", "speed_kmh"),
        heading_deg=fields.checked(
            _known(fields.number(coords, "heading", "heading")), "coords.heading", "heading_deg"
        ),
        alt_m=fields.number(coords, "altitude", "alt_m"),
        acc_m=fields.checked(_known(fields.number(coords, "accuracy", "accuracy")), "coords.accuracy", "acc_m"),
        tracker_battery_pct=fields.checked(
            round(level * 100, 1) if level is not None else None, "battery.level", "tracker_battery_pct"
        ),
        attributes=fields.attributes(attributes, set()),
    )


def _known(value: float | None) -> float | None:
    """-1 is how the apps say 'unknown'."""
    return None if value is None or value == -1 else value


def _decimal(value: str, key: str) -> float:
    try:
        number = float(value)
    except ValueError:
        raise RejectedReading("malformed_field", f"{key} must be a number, not {fields.show(value)}") from None
    if not math.isfinite(number):
        raise RejectedReading("malformed_field", f"{key} must be a finite number, not {fields.show(value)}")
    return number


def _attribute(value: Any) -> Any:
    if isinstance(value, list):
        return value if len(value) > 1 else value[0]
    try:
        number = float(value)
        if math.isfinite(number):
            return number
    except ValueError:
        pass
    return {"true": True, "false": False}.get(value, value)


def _timestamp(value: Any, received_at: datetime) -> datetime:
    if value is None or value == "":
        return received_at
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        number = float(value)
    else:
        if not isinstance(value, str):
            raise RejectedReading("malformed_field", f"timestamp must be a time, not {fields.show(value)}")
        try:
            number = float(value)
        except ValueError:
            return _text_time(value)
    if not math.isfinite(number) or not 0 <= number < 1e14:
        raise RejectedReading("malformed_field", f"timestamp={fields.show(value)} is not an epoch time")
    return datetime.fromtimestamp(number if number < MAX_SECONDS else number / 1000, UTC)


def _text_time(value: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(value.replace(" ", "T", 1) if "T" not in value else value)
    except ValueError:
        raise RejectedReading("malformed_field", f"timestamp is not a time: {fields.show(value)}") from None
    try:
        return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
    except OverflowError:
        raise RejectedReading("out_of_range", f"timestamp is out of range: {fields.show(value)}") from None
