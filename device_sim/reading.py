"""A native reading of the MQTT contract (docs/ARCHITECTURE.md) and its JSON form."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime


def rfc3339(moment: datetime) -> str:
    """`2026-11-25T08:15:02Z`, with microseconds only when there are some."""
    moment = moment.astimezone(UTC)
    if moment.microsecond:
        return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class Reading:
    """One fix as a tracker reports it; `battery_pct`/`fuel_pct` are None when absent."""

    ts: datetime
    lat: float
    lon: float
    speed_kmh: float
    heading_deg: float
    alt_m: float
    acc_m: float
    odometer_km: float
    battery_pct: float | None
    fuel_pct: float | None
    ignition: bool
    seq: int

    def to_json(self) -> dict:
        """The payload object; absent energy levels are left out, as the contract allows."""
        payload = {
            "ts": rfc3339(self.ts),
            "lat": round(self.lat, 6),
            "lon": round(self.lon, 6),
            "speed_kmh": round(self.speed_kmh, 1),
            "heading_deg": round(self.heading_deg) % 360,
            "alt_m": round(self.alt_m),
            "acc_m": round(self.acc_m),
            "odometer_km": round(self.odometer_km, 3),
        }
        if self.battery_pct is not None:
            payload["battery_pct"] = round(self.battery_pct, 1)
        if self.fuel_pct is not None:
            payload["fuel_pct"] = round(self.fuel_pct, 1)
        payload["ignition"] = self.ignition
        payload["seq"] = self.seq
        return payload
