"""Recorded-style tracks: true positions plus the GPS noise of the simulator.

The noise is `device_sim.vehicle.VehicleModel`'s: a stated accuracy of 3–8 m while
driving and 5–15 m parked, and a fix off its true position by |N(0, acc/2)| (at most
0.95·acc) in a random direction. Positions are placed with exact geodesic bearings
and distances from a zone's centre.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from device_sim.roads import offset
from geofence.geodesy import WGS84

DAX = (43.7089, -1.0496)  # the Dax depot of the seed (lat, lon)


@dataclass(frozen=True)
class TrackFix:
    """The parts of a reading that zones care about (an `ingest` Reading has the same)."""

    fix_time: datetime
    lat: float
    lon: float
    acc_m: float | None
    ignition: bool = False
    battery_pct: float | None = None


def at_distance(centre: tuple[float, float], distance_m: float, bearing_deg: float = 90.0) -> tuple[float, float]:
    """The (lat, lon) `distance_m` from `centre` along `bearing_deg`, on the ellipsoid."""
    end = WGS84.Direct(centre[0], centre[1], bearing_deg, distance_m)
    return end["lat2"], end["lon2"]


class NoisyTrack:
    """Builds a track leg by leg, one noisy fix at a time."""

    def __init__(self, *, start: datetime, seed: int, centre: tuple[float, float] = DAX) -> None:
        self.rng, self.now, self.centre = random.Random(seed), start, centre
        self.fixes: list[TrackFix] = []

    def fix(self, distance_m: float, *, moving: bool, bearing_deg: float = 90.0) -> None:
        rng = self.rng
        accuracy = round(rng.uniform(3, 8) if moving else rng.uniform(5, 15))
        error = min(abs(rng.gauss(0, accuracy / 2)), 0.95 * accuracy)
        direction = rng.uniform(0, 2 * math.pi)
        lat, lon = offset(
            at_distance(self.centre, distance_m, bearing_deg),
            east_m=error * math.sin(direction),
            north_m=error * math.cos(direction),
        )
        self.fixes.append(TrackFix(self.now, lat, lon, accuracy, ignition=moving))

    def park(self, distance_m: float, *, duration: timedelta, every: timedelta = timedelta(minutes=5)) -> None:
        end = self.now + duration
        while self.now < end:
            self.fix(distance_m, moving=False)
            self.now += every

    def drive(
        self, from_m: float, to_m: float, *, speed_ms: float = 8.0, every: timedelta = timedelta(seconds=10)
    ) -> None:
        """Along a straight road through the centre's east, from one distance to another."""
        step = speed_ms * every.total_seconds() * (1 if to_m > from_m else -1)
        distance = from_m
        while (distance - to_m) * step < 0:
            self.fix(distance, moving=True)
            self.now += every
            distance += step
        self.fix(to_m, moving=True)
        self.now += every


def hovering_track(*, start: datetime, seed: int, radius_m: float = 150.0) -> list[TrackFix]:
    """Parked far out, drives into the depot, parks 1 m inside its border for 3 hours, leaves."""
    track = NoisyTrack(start=start, seed=seed)
    track.park(600, duration=timedelta(minutes=15))
    track.drive(600, radius_m - 50)
    track.drive(radius_m - 50, radius_m - 1, speed_ms=2.0)
    track.park(radius_m - 1, duration=timedelta(hours=3))
    track.drive(radius_m - 1, 900)
    track.park(900, duration=timedelta(minutes=15))
    return track.fixes
