"""Where a vehicle goes and when: loans to participants, then back to its depot.

A vehicle on loan sleeps at the participant's home in a village, goes to work or
training on the participant's days, sometimes to the shops in the evening or on
Saturday, and to see someone on Sunday. When the loan ends it goes back to its depot,
waits a few days there (état des lieux, cleaning), and leaves with the next
participant. Days are planned one at a time, in the plateforme's local time.
"""

from __future__ import annotations

import math
import random
from collections import deque
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from device_sim.kinds import KindProfile
from device_sim.roads import RoadNetwork, Spot
from fleetbase.landes import offset
from fleetbase.local_time import local_today

ON_LOAN_AT_START = 0.75


def _minutes(count: float) -> timedelta:
    """Whole seconds, so that every fix time stays on a whole second."""
    return timedelta(seconds=round(count * 60))


@dataclass(frozen=True)
class Leg:
    depart_at: datetime
    destination: Spot
    purpose: str  # pick_up, work, home, errand, visit, return


@dataclass(frozen=True)
class Participant:
    home: Spot
    activity: Spot  # employer or training centre
    shop: Spot
    workdays: frozenset[int]  # Monday = 0
    leave_minute: int  # local time, minutes after midnight
    activity_minutes: int


class Agenda:
    """Plans the legs of one vehicle, day after day, from a random number generator."""

    def __init__(
        self,
        *,
        name: str,
        profile: KindProfile,
        depot: Spot,
        network: RoadNetwork,
        rng: random.Random,
        zone: ZoneInfo,
        start: datetime,
    ) -> None:
        self.name, self.profile, self.depot = name, profile, depot
        self.network, self.rng, self.zone = network, rng, zone
        self.legs: deque[Leg] = deque()
        self.participant: Participant | None = None
        self.loans = 0
        self.loan_ends_on = self.next_loan_on = local_today(start, zone)
        first_day = self.loan_ends_on
        self.start_spot = depot  # where the vehicle is when the run starts
        if rng.random() < ON_LOAN_AT_START:
            self.start_spot = self._start_loan(first_day).home
        else:
            self.next_loan_on = first_day + timedelta(days=rng.randint(0, 3))
        self._planned_until = first_day
        self._plan_day(first_day)
        # Legs already over when the run starts only decide where the vehicle is.
        while self.legs and self.legs[0].depart_at < start:
            self.start_spot = self.legs.popleft().destination

    def next_leg(self) -> Leg:
        """The next trip to make, planning the following days when needed."""
        while not self.legs:
            self._planned_until += timedelta(days=1)
            self._plan_day(self._planned_until)
        return self.legs.popleft()

    def _at(self, day: date, minute: float) -> datetime:
        local = datetime.combine(day, time(0), tzinfo=self.zone) + timedelta(minutes=round(minute))
        return local.astimezone(UTC)

    def _plan_day(self, day: date) -> None:
        rng, person = self.rng, self.participant
        if person is None:
            if day >= self.next_loan_on:
                home = self._start_loan(day).home
                self.legs.append(Leg(self._at(day, rng.uniform(570, 690)), home, "pick_up"))
            return
        if day >= self.loan_ends_on:
            self.legs.append(Leg(self._at(day, rng.uniform(540, 690)), self.depot, "return"))
            self.participant = None
            self.next_loan_on = day + timedelta(days=rng.randint(1, 4))
            return
        weekday = day.weekday()
        if weekday in person.workdays:
            leave = self._at(day, person.leave_minute + rng.uniform(-10, 10))
            back = leave + _minutes(person.activity_minutes + rng.uniform(-20, 30))
            self.legs.extend((Leg(leave, person.activity, "work"), Leg(back, person.home, "home")))
            if rng.random() < 0.25:
                shop_at = back + _minutes(rng.uniform(60, 120))
                self._round_trip(shop_at, person.shop, "errand", rng.uniform(25, 70), home=person.home)
        elif weekday == 5 and rng.random() < 0.7:
            saturday_shopping = self._at(day, rng.uniform(560, 690))
            self._round_trip(saturday_shopping, person.shop, "errand", rng.uniform(40, 120), home=person.home)
        elif weekday == 6 and rng.random() < 0.35:
            place = rng.choice(self._reachable(person.home.place, towns_only=False)[:12])
            visit = self._spot_in(place, f"{self.name}/visit-{day.isoformat()}", charger=False)
            self._round_trip(
                self._at(day, rng.uniform(810, 930)), visit, "visit", rng.uniform(120, 240), home=person.home
            )

    def _round_trip(
        self, depart_at: datetime, destination: Spot, purpose: str, stay_minutes: float, *, home: Spot
    ) -> None:
        self.legs.append(Leg(depart_at, destination, purpose))
        self.legs.append(Leg(depart_at + _minutes(stay_minutes), home, "home"))

    def _start_loan(self, day: date) -> Participant:
        rng = self.rng
        self.loans += 1
        label = f"{self.name}/participant-{self.loans}"
        # Participants live around their depot: in one of the ten nearest towns or villages.
        home_place = rng.choice(self._reachable(self.depot.place, towns_only=False)[:10])
        home = self._spot_in(home_place, f"{label}/home", charger=True)
        towns = self._reachable(home_place, towns_only=True)
        activity = self._spot_in(rng.choice(towns[:3]), f"{label}/activity", charger=False)
        shop_place = towns[0]
        workdays = rng.choice((frozenset(range(5)), frozenset(range(4)), frozenset({0, 1, 3})))
        self.participant = Participant(
            home=home,
            activity=activity,
            shop=self._spot_in(shop_place, f"{label}/shop", charger=False),
            workdays=workdays,
            leave_minute=rng.randint(390, 525),
            activity_minutes=rng.randint(240, 570),
        )
        self.loan_ends_on = day + timedelta(days=rng.randint(7, 60))
        return self.participant

    def _reachable(self, origin: str, *, towns_only: bool) -> list[str]:
        """Places within this kind's trip range of `origin`, nearest first; never empty."""
        limit_m = self.profile.max_trip_km * 1000 * 0.85
        distances = self.network.road_distances_m(origin)
        names = [
            name
            for name, metres in sorted(distances.items(), key=lambda item: item[1])
            if metres <= limit_m and (not towns_only or self.network.places[name].town)
        ]
        return names or [origin]

    def _spot_in(self, place_name: str, name: str, *, charger: bool) -> Spot:
        """A street address in a town or village, inside its built-up area."""
        place = self.network.places[place_name]
        distance = self.rng.uniform(0.15, 0.7) * place.radius_m
        bearing = self.rng.uniform(0, 2 * math.pi)
        lat, lon = offset(
            (place.lat, place.lon), east_m=distance * math.sin(bearing), north_m=distance * math.cos(bearing)
        )
        return Spot(name, lat, lon, place_name, charger=charger)
