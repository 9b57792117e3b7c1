"""Zone transitions that do not flap: pure logic, state in and out, time from the fixes.

For each vehicle and zone the confirmed state (inside or not) changes only when fixes
that clearly disagree with it keep coming: `Confirmation.min_fixes` of them in a row,
or at least two spanning `Confirmation.min_duration`. A fix whose accuracy circle
straddles the border is no evidence either way: it neither counts nor breaks the run.
A fix no newer than the last one considered is late and decides nothing. The first
fix of a vehicle never seen before sets its zones silently: nothing was crossed.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Protocol

from geofence.index import INSIDE, UNCERTAIN, Placement

ENTER, EXIT = "geofence_enter", "geofence_exit"


class Fix(Protocol):
    """What a transition needs of a reading (`ingest.readings.Reading` has it all)."""

    fix_time: datetime
    lat: float
    lon: float
    acc_m: float | None


@dataclass(frozen=True)
class Confirmation:
    """How much agreement flips a zone state (per vehicle kind, see `geofence_rule_thresholds`)."""

    min_fixes: int = 3
    min_duration: timedelta = timedelta(seconds=120)


@dataclass(frozen=True)
class ZoneState:
    """One vehicle in one zone: confirmed `inside` since `since`, and the run that may flip it."""

    inside: bool
    since: datetime | None = None
    pending_first_time: datetime | None = None
    pending_count: int = 0


@dataclass
class VehicleZones:
    """A vehicle's zone states; zones absent from `zones` are confirmed outside."""

    vehicle_id: int
    last_fix_time: datetime | None = None
    zones: dict[int, ZoneState] = field(default_factory=dict)

    def inside(self, zone_id: int) -> bool:
        state = self.zones.get(zone_id)
        return state is not None and state.inside


@dataclass(frozen=True)
class Transition:
    """An enter or exit, with the fix that decided it and when the agreeing run began."""

    vehicle_id: int
    zone_id: int
    type: str
    fix: Fix
    crossed_at: datetime
    fixes: int


@dataclass
class Advance:
    state: VehicleZones
    transitions: list[Transition]
    late: int


def advance(
    state: VehicleZones,
    fixes: Sequence[Fix],
    placements: Sequence[Placement],
    *,
    known_zones: Collection[int],
    confirmation: Confirmation = Confirmation(),
) -> Advance:
    """Move `state` through new fixes (any order) and their placements; return the new state.

    `known_zones` are the zones that exist now: states of deleted zones are dropped
    without an exit. `state` is not modified.
    """
    current = VehicleZones(
        state.vehicle_id,
        state.last_fix_time,
        {zone: zone_state for zone, zone_state in state.zones.items() if zone in known_zones},
    )
    transitions: list[Transition] = []
    late = 0
    pairs = list(zip(fixes, placements))
    if len(pairs) > 1:
        pairs.sort(key=lambda pair: pair[0].fix_time)
    for fix, placement in pairs:
        if current.last_fix_time is not None and fix.fix_time <= current.last_fix_time:
            late += 1
            continue
        first = current.last_fix_time is None
        current.last_fix_time = fix.fix_time
        if not first and not placement.straddled and _settled_in(current.zones, placement.inside):
            continue  # the usual fix: inside exactly the zones it is confirmed in, nothing pending
        for zone_id in set(current.zones) | placement.inside | placement.straddled:
            if zone_id not in known_zones:
                continue
            status = placement.status(zone_id)
            if first:
                if status == INSIDE:
                    current.zones[zone_id] = ZoneState(inside=True, since=fix.fix_time)
                continue
            if status == UNCERTAIN:
                continue
            zone_state, transition = _observe(
                current.zones.get(zone_id, ZoneState(inside=False)),
                fix,
                observed_inside=status == INSIDE,
                confirmation=confirmation,
            )
            if transition:
                transitions.append(
                    Transition(
                        state.vehicle_id,
                        zone_id,
                        ENTER if zone_state.inside else EXIT,
                        fix,
                        crossed_at=transition[0],
                        fixes=transition[1],
                    )
                )
            if zone_state.inside or zone_state.pending_count:
                current.zones[zone_id] = zone_state
            else:
                current.zones.pop(zone_id, None)
    return Advance(current, transitions, late)


def _settled_in(zones: dict[int, ZoneState], inside: frozenset[int]) -> bool:
    """True when `zones` are confirmed inside, nothing pending, and exactly the zones `inside`."""
    return zones.keys() == inside and all(state.inside and not state.pending_count for state in zones.values())


def _observe(
    zone_state: ZoneState, fix: Fix, *, observed_inside: bool, confirmation: Confirmation
) -> tuple[ZoneState, tuple[datetime, int] | None]:
    """One clear fix: extend or break the disagreeing run, flip when it is long enough."""
    if observed_inside == zone_state.inside:
        if not zone_state.pending_count:
            return zone_state, None  # the usual case: nothing pending, nothing to copy
        return replace(zone_state, pending_first_time=None, pending_count=0), None
    first_time = zone_state.pending_first_time or fix.fix_time
    count = zone_state.pending_count + 1
    lasted = fix.fix_time - first_time
    confirmed = count >= confirmation.min_fixes or (
        count >= 2 and confirmation.min_duration > timedelta(0) and lasted >= confirmation.min_duration
    )
    if confirmed:
        return ZoneState(inside=observed_inside, since=fix.fix_time), (first_time, count)
    return replace(zone_state, pending_first_time=first_time, pending_count=count), None
