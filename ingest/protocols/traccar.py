"""Positions forwarded by a Traccar server over MQTT (`forward.type=mqtt`).

Traccar decodes the binary protocols of cheap GPS boxes (GT06/Concox, H02, TK103,
Teltonika…) and publishes each position as `{"position": {...}, "device": {...}}`
(its API's Position and Device models): speed in knots, course in degrees, times in ISO
8601, and the protocol's extra values in `position.attributes`. The device's `uniqueId`
(the box's IMEI, usually) names the tracker it was registered as (`traccar_unique_id`).

Teltonika's I/O elements, as Traccar names them or, for those it leaves raw, `io<ID>`:
- total odometer (ID 16, metres): `odometer` or `io16` → odometer_km;
- external voltage (ID 66) and battery voltage (ID 67): `power`/`battery` in volts, or
  `io66`/`io67` in millivolts → the attributes `external_voltage_v`, `tracker_battery_v`;
- ignition (ID 239): `ignition` or `io239` → ignition.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any, Protocol

from ingest import fields
from ingest.readings import Decoded, Reading, RejectedReading

KNOT_KMH = 1.852
# Teltonika I/O element id → (our attribute, factor to its unit) when Traccar leaves it raw.
RAW_VOLTAGES = {"io66": ("external_voltage_v", 0.001), "io67": ("tracker_battery_v", 0.001)}
DECODED_VOLTAGES = {"power": "external_voltage_v", "battery": "tracker_battery_v"}
MAPPED = {"odometer", "io16", "ignition", "io239", "batteryLevel", *RAW_VOLTAGES, *DECODED_VOLTAGES}


class DeviceLookup(Protocol):
    def traccar_tracker(self, unique_id: str) -> str | None: ...


def decode(payload: bytes, *, keys: DeviceLookup) -> Decoded:
    """One forwarded position; the tracker is the one registered with the device's uniqueId."""
    try:
        document = json.loads(payload)
    except (ValueError, RecursionError) as error:
        return _rejected(None, "bad_json", f"payload is not JSON: {str(error)[:200]}", payload)
    if not isinstance(document, dict) or not isinstance(document.get("position"), dict):
        return _rejected(None, "not_a_reading", 'a forwarded position is {"position": {...}, "device": {...}}', payload)
    device = document.get("device")
    unique_id = device.get("uniqueId") if isinstance(device, dict) else None
    if not isinstance(unique_id, str) or not unique_id:
        return _rejected(None, "missing_field", "device.uniqueId is required", payload)
    tracker_id = keys.traccar_tracker(unique_id)
    if tracker_id is None:
        return _rejected(
            None,
            "unknown_tracker",
            f"no tracker is registered with the Traccar uniqueId {fields.show(unique_id)}",
            payload,
        )
    decoded = Decoded(tracker_id)
    position = document["position"]
    if position.get("outdated") is True:  # Traccar repeating the last known location, not a new fix
        decoded.ignored, decoded.ignored_types = 1, ["outdated"]
        return decoded
    try:
        decoded.readings.append(_reading(tracker_id, position))
    except RejectedReading as rejection:
        rejection.payload = payload
        decoded.rejections.append(rejection)
    return decoded


def _reading(tracker_id: str, position: dict[str, Any]) -> Reading:
    if position.get("valid") is False:
        raise RejectedReading("invalid_fix", "Traccar marks this position invalid (no GPS fix)")
    for key in ("fixTime", "latitude", "longitude"):
        if position.get(key) is None:
            raise RejectedReading("missing_field", f"position.{key} is required")
    raw = position.get("attributes") or {}
    if not isinstance(raw, dict):
        raise RejectedReading("malformed_field", "position.attributes must be an object")
    lat, lon = fields.coordinates(position, "latitude", "longitude")
    speed = fields.checked(_knots(position.get("speed")), "speed", "speed_kmh")
    accuracy = position.get("accuracy")
    attributes = fields.attributes(raw, MAPPED)
    for key, name in DECODED_VOLTAGES.items():
        if fields.is_number(raw.get(key)):
            attributes[name] = float(raw[key])
    for key, (name, factor) in RAW_VOLTAGES.items():
        if fields.is_number(raw.get(key)):
            attributes[name] = round(raw[key] * factor, 3)
    if isinstance(position.get("protocol"), str):
        attributes["traccar_protocol"] = position["protocol"]
    return Reading(
        tracker_id=tracker_id,
        fix_time=_time(position["fixTime"]),
        lat=lat,
        lon=lon,
        speed_kmh=speed,
        heading_deg=fields.number(position, "course", "heading_deg"),
        alt_m=fields.number(position, "altitude", "alt_m"),
        acc_m=fields.number(position, "accuracy", "acc_m") if accuracy else None,  # Traccar's 0: not known
        odometer_km=_odometer_km(raw),
        tracker_battery_pct=fields.number(raw, "batteryLevel", "tracker_battery_pct"),
        ignition=_ignition(raw),
        attributes=attributes,
    )


def _knots(value: Any) -> Any:
    return value * KNOT_KMH if fields.is_number(value) else value


def _odometer_km(raw: dict[str, Any]) -> float | None:
    for key in ("odometer", "io16"):  # metres, both
        metres = fields.checked(raw.get(key), key, "odometer_m")
        if metres is not None:
            return fields.checked(metres / 1000, key, "odometer_km")
    return None


def _ignition(raw: dict[str, Any]) -> bool | None:
    ignition = raw.get("ignition")
    if isinstance(ignition, bool):
        return ignition
    if raw.get("io239") in (0, 1):
        return bool(raw["io239"])
    return None


def _time(value: Any) -> datetime:
    if fields.is_number(value) and 1e11 <= value < 1e14:  # epoch milliseconds
        return datetime.fromtimestamp(value / 1000, UTC)
    return fields.time_value(value, "position.fixTime")


def _rejected(tracker_id: str | None, reason: str, detail: str, payload: bytes) -> Decoded:
    return Decoded(tracker_id, rejections=[RejectedReading(reason, detail, payload=payload)])
