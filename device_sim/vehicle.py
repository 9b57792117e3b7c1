"""One vehicle's life as its tracker sees it: a stream of readings in time order.

The life is a generator driven by the vehicle's own random number generator, so the
readings depend only on the seed and the start time, never on how often
`VehicleModel.advance` is called. The odometer adds the geodesic distance between
successive true positions; the GPS fix reported around each position is off by at
most its stated accuracy (`acc_m`).
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from device_sim.agenda import Agenda
from device_sim.kinds import BRAKING_MS2, REFUEL_BELOW_PCT, profile_for
from device_sim.reading import Reading
from device_sim.roads import RoadNetwork, Route, Spot, default_network, distance_m
from fleetbase.landes import DEPOT_PLACE, LatLon, offset
from fleetbase.seed_data import SITES, VehicleSeed

MIN_STOP = timedelta(minutes=2)  # between arriving somewhere and leaving again


@dataclass(frozen=True)
class ModelConfig:
    moving_interval_s: float = 10.0  # a fix this often while the ignition is on
    parked_interval_s: float = 300.0  # and this often while parked


def altitude_m(lat: float, lon: float) -> float:
    """A smooth relief: dunes near sea level on the coast, Chalosse hills east of Dax."""
    inland = min(max((lon + 1.46) / 0.46, 0.0), 1.0)
    return 6 + 55 * inland + 9 * math.sin(lat * 140) * math.cos(lon * 110)


def bearing_deg(a: LatLon, b: LatLon) -> float:
    """Initial course from `a` to `b`, degrees clockwise from north."""
    lat_a, lat_b = math.radians(a[0]), math.radians(b[0])
    delta = math.radians(b[1] - a[1])
    y = math.sin(delta) * math.cos(lat_b)
    x = math.cos(lat_a) * math.sin(lat_b) - math.sin(lat_a) * math.cos(lat_b) * math.cos(delta)
    return math.degrees(math.atan2(y, x)) % 360


class VehicleModel:
    """The simulated vehicle behind one tracker; pure, time comes in as arguments."""

    def __init__(
        self,
        vehicle: VehicleSeed,
        *,
        start: datetime,
        seed: int | str,
        zone: ZoneInfo,
        config: ModelConfig = ModelConfig(),
        network: RoadNetwork | None = None,
        fuel_pct: float | None = None,
        battery_pct: float | None = None,
    ) -> None:
        self.tracker_id, self.kind = vehicle.tracker_id, vehicle.kind
        self.profile = profile_for(vehicle.kind)
        self.config, self.network = config, network or default_network()
        self.rng = random.Random(f"{seed}:{vehicle.tracker_id}")
        site = next(site for site in SITES if site.code == vehicle.site_code)
        depot = Spot(f"depot-{site.code}", site.lat, site.lon, DEPOT_PLACE[site.code], charger=True)
        self.agenda = Agenda(
            name=vehicle.tracker_id,
            profile=self.profile,
            depot=depot,
            network=self.network,
            rng=self.rng,
            zone=zone,
            start=start,
        )
        electric = vehicle.energy == "electric"
        self.now = start
        self.spot = self.agenda.start_spot
        self.position: LatLon = self.spot.point
        self.odometer_km = round(self.rng.uniform(*self.profile.odometer_km_range), 1)
        self.fuel_pct = self.battery_pct = None  # an e-bike has no tank, a petrol car no battery
        if electric:
            self.battery_pct = battery_pct if battery_pct is not None else self.rng.uniform(50, 100)
        else:
            self.fuel_pct = fuel_pct if fuel_pct is not None else self.rng.uniform(35, 100)
        self.heading_deg = self.rng.uniform(0, 360)
        self.speed_kmh = 0.0
        self.ignition = False
        self.seq = 0
        self.last: Reading | None = None
        # Told (vehicle, "lend" | "return", when) as a participant drives off with the
        # vehicle and once it is back at its depot: the demo's loan desk listens.
        self.on_loan_change: Callable[[VehicleModel, str, datetime], None] | None = None
        self._life = self._live()
        self._next = next(self._life)

    @property
    def lent(self) -> bool:
        """With a participant now (picked up, not yet brought back)."""
        agenda = self.agenda
        return agenda.participant is not None and not any(leg.purpose == "pick_up" for leg in agenda.legs)

    def advance(self, until: datetime) -> list[Reading]:
        """Every reading with a fix time up to `until`, in order."""
        readings = []
        while self._next.ts <= until:
            readings.append(self._next)
            self._next = next(self._life)
        if readings:
            self.last = readings[-1]
        return readings

    def _live(self) -> Iterator[Reading]:
        yield self._reading()
        while True:
            leg = self.agenda.next_leg()
            route = self.network.route(self.spot, leg.destination)
            if route.length_m >= 1.0:  # a leg to where it already is: nothing to drive
                yield from self._park(until=max(leg.depart_at, self.now + MIN_STOP))
                if leg.purpose == "pick_up" and self.on_loan_change:
                    self.on_loan_change(self, "lend", self.now)
                yield from self._drive(route)
            self.spot = leg.destination
            if leg.purpose == "return" and self.on_loan_change:
                self.on_loan_change(self, "return", self.now)

    def _park(self, *, until: datetime) -> Iterator[Reading]:
        step = timedelta(seconds=self.config.parked_interval_s)
        while self.now + step < until:
            self._rest(self.now + step)
            yield self._reading()
        self._rest(until)

    def _rest(self, moment: datetime) -> None:
        if self.battery_pct is not None and self.spot.charger:
            hours = (moment - self.now).total_seconds() / 3600
            self.battery_pct = min(100.0, self.battery_pct + self.profile.charge_pct_per_h * hours)
        self.now = moment

    def _drive(self, route: Route) -> Iterator[Reading]:
        profile, rng, interval = self.profile, self.rng, self.config.moving_interval_s
        pace = rng.uniform(0.88, 1.0)  # how this participant drives today
        consumption = rng.uniform(0.85, 1.15)  # wind, load, traffic
        max_speed = profile.max_speed_kmh / 3.6
        self.ignition, self.speed_kmh = True, 0.0
        yield self._reading()
        travelled, speed = 0.0, 0.0
        refuelled = False
        while travelled < route.length_m:
            remaining = route.length_m - travelled
            urban = route.is_urban(travelled)
            cruise = (profile.urban_speed_kmh if urban else profile.rural_speed_kmh) * pace
            stopping_speed = math.sqrt(2 * BRAKING_MS2 * remaining)  # to stop at the destination
            target = min((cruise + rng.gauss(0, 1.5)) / 3.6, max_speed, stopping_speed)
            new_speed = min(
                max(target, speed - BRAKING_MS2 * interval, 0.5), speed + profile.acceleration_ms2 * interval, max_speed
            )
            mean_speed = (speed + new_speed) / 2
            seconds, step = interval, mean_speed * interval
            if step >= remaining:  # arrives within this interval
                seconds, step, new_speed = max(1, math.ceil(remaining / mean_speed)), remaining, 0.0
            travelled += step
            self._move(route.position_at(travelled), seconds=seconds, consumption=consumption)
            speed, self.speed_kmh = new_speed, new_speed * 3.6
            self.ignition = travelled < route.length_m
            yield self._reading()
            if (
                self.fuel_pct is not None
                and self.fuel_pct < REFUEL_BELOW_PCT
                and not refuelled
                and urban
                and self.ignition
            ):
                yield from self._refuel()
                speed, refuelled = 0.0, True

    def _refuel(self) -> Iterator[Reading]:
        """A stop at a filling station in the town the vehicle is driving through."""
        self.speed_kmh, self.ignition = 0.0, False
        self.now += timedelta(seconds=60)
        yield self._reading()
        self.now += timedelta(seconds=self.rng.randint(180, 420))
        self.fuel_pct = self.rng.uniform(96, 100)
        self.ignition = True
        yield self._reading()

    def _move(self, point: LatLon, *, seconds: float, consumption: float) -> None:
        moved_km = distance_m(self.position, point) / 1000
        if moved_km > 0.002:  # the course of a near-standstill is noise
            self.heading_deg = bearing_deg(self.position, point)
        self.odometer_km += moved_km
        self.position = point
        self.now += timedelta(seconds=seconds)
        used = moved_km * consumption
        if self.fuel_pct is not None:
            self.fuel_pct = max(0.0, self.fuel_pct - used * self.profile.fuel_pct_per_km)
        if self.battery_pct is not None:
            self.battery_pct = max(0.0, self.battery_pct - used * self.profile.battery_pct_per_km)

    def _reading(self) -> Reading:
        rng = self.rng
        # Fixes are better on the road than parked by a building or under a roof.
        accuracy = round(rng.uniform(3, 8) if self.ignition else rng.uniform(5, 15))
        error = min(abs(rng.gauss(0, accuracy / 2)), 0.95 * accuracy)  # within the stated accuracy
        direction = rng.uniform(0, 2 * math.pi)
        lat, lon = offset(self.position, east_m=error * math.sin(direction), north_m=error * math.cos(direction))
        self.seq += 1
        return Reading(
            ts=self.now,
            lat=lat,
            lon=lon,
            speed_kmh=self.speed_kmh,
            heading_deg=self.heading_deg,
            alt_m=altitude_m(lat, lon) + rng.uniform(-2, 2),
            acc_m=accuracy,
            odometer_km=self.odometer_km,
            battery_pct=self.battery_pct,
            fuel_pct=self.fuel_pct,
            ignition=self.ignition,
            seq=self.seq,
        )
