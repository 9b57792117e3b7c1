"""Trips and stops from a vehicle's fixes, by ignition and motion.

A fix is *moving* when the ignition is on or the speed reaches MOVING_KMH (e-bikes and
trackers without an ignition wire have only the speed). A trip runs from its first
moving fix to the last one before the vehicle stood still for `min_stop`, or before a
gap in the data longer than `max_gap`; between two trips lies a stop. Distances are
great-circle sums over the trip's fixes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from fleetbase.geo import haversine_km

MOVING_KMH = 3.0


@dataclass(frozen=True)
class Fix:
    fix_time: datetime
    lat: float
    lon: float
    speed_kmh: float | None
    ignition: bool | None


@dataclass(frozen=True)
class Trip:
    started_at: datetime
    ended_at: datetime
    duration_s: float
    distance_km: float
    start_lat: float
    start_lon: float
    end_lat: float
    end_lon: float
    max_speed_kmh: float | None
    fixes: int


@dataclass(frozen=True)
class Stop:
    started_at: datetime
    ended_at: datetime
    duration_s: float
    lat: float
    lon: float


def distance_km(a: Fix, b: Fix) -> float:
    return haversine_km(a.lat, a.lon, b.lat, b.lon)


def is_moving(fix: Fix) -> bool:
    return fix.ignition is True or (fix.speed_kmh or 0.0) >= MOVING_KMH


def find_trips(
    fixes: Sequence[Fix], *, min_stop: timedelta = timedelta(minutes=3), max_gap: timedelta = timedelta(minutes=10)
) -> tuple[list[Trip], list[Stop]]:
    """Trips and the stops between them, from fixes in time order."""
    spans: list[tuple[int, int]] = []
    start: int | None = None  # the current trip's first fix
    last_moving = 0  # and its latest moving one (read only while a trip is open)
    for index, fix in enumerate(fixes):
        if start is not None and (
            fix.fix_time - fixes[index - 1].fix_time > max_gap
            or (not is_moving(fix) and fix.fix_time - fixes[last_moving].fix_time >= min_stop)
        ):
            spans.append((start, last_moving))
            start = None
        if is_moving(fix):
            start = index if start is None else start
            last_moving = index
    if start is not None:
        spans.append((start, last_moving))
    trips = [_trip(fixes[first : last + 1]) for first, last in spans]
    stops = [
        Stop(
            started_at=before.ended_at,
            ended_at=after.started_at,
            duration_s=(after.started_at - before.ended_at).total_seconds(),
            lat=before.end_lat,
            lon=before.end_lon,
        )
        for before, after in zip(trips, trips[1:])
    ]
    return trips, stops


def _trip(fixes: Sequence[Fix]) -> Trip:
    first, last = fixes[0], fixes[-1]
    speeds = [fix.speed_kmh for fix in fixes if fix.speed_kmh is not None]
    return Trip(
        started_at=first.fix_time,
        ended_at=last.fix_time,
        duration_s=(last.fix_time - first.fix_time).total_seconds(),
        distance_km=round(sum(distance_km(a, b) for a, b in zip(fixes, fixes[1:])), 3),
        start_lat=first.lat,
        start_lon=first.lon,
        end_lat=last.lat,
        end_lon=last.lon,
        max_speed_kmh=max(speeds) if speeds else None,
        fixes=len(fixes),
    )
