"""The effective odometer: what maintenance counts kilometres with.

The vehicle's own odometer when it reports one and the value is plausible; otherwise
the running geodesic distance between accepted fixes. A fix is not counted when it is
too imprecise, when it sits within GPS jitter of the last counted fix (a parked
vehicle must not gain kilometres), or when reaching it would need an impossible speed
for the vehicle's kind (a GPS jump). A jump is held as a suspect: if the next fix
agrees with it, the vehicle really is there (towed, tracker moved) and counting
resumes from there, without the jump's distance — a jump never adds 7,000 km.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from geographiclib.geodesic import Geodesic

from fleetbase.geo import haversine_km

# Fastest believable ground speed per kind (km/h), with margin over the legal limit.
MAX_SPEED_KMH = {"car": 200.0, "ecar": 200.0, "scooter": 90.0, "ebike": 50.0}
# Movement below this (or the fix's accuracy radius, if larger) is GPS jitter.
JITTER_M = 25.0
# A reported odometer may lag or step by this much without being called implausible.
REPORTED_SLACK_KM = 1.0


@dataclass(frozen=True, slots=True)
class Fix:
    fix_time: datetime
    lat: float
    lon: float


@dataclass(slots=True)  # not frozen: built once per reading, and a frozen __init__ costs more (never changed)
class OdometerState:
    effective_km: float | None = None
    reported_km: float | None = None
    reported_at: datetime | None = None
    anchor: Fix | None = None
    suspect: Fix | None = None


@dataclass(frozen=True, slots=True)
class Step:
    """The outcome for one reading: the new state, the value to store, and why."""

    state: OdometerState
    effective_km: float
    flag: str | None = None  # gps_jump, poor_accuracy, relocated, implausible_odometer


def advance(
    state: OdometerState, *, fix: Fix, acc_m: float | None, reported_km: float | None, kind: str, max_accuracy_m: float
) -> Step:
    """Move the odometer forward by one reading newer than every reading already counted."""
    max_speed = MAX_SPEED_KMH.get(kind, 200.0)
    anchor, suspect, counted, flag = _follow_position(state, fix, acc_m, max_speed, max_accuracy_m)
    if reported_km is not None and _plausible_report(state, reported_km, fix.fix_time, max_speed):
        return Step(OdometerState(reported_km, reported_km, fix.fix_time, anchor, suspect), reported_km, flag)
    if reported_km is not None:
        flag = flag or "implausible_odometer"
    # The ellipsoidal distance is costly (~60 µs): only for a step that counts.
    # A step counts only from an anchor: `counted` implies one.
    gained_km = (
        Geodesic.WGS84.Inverse(state.anchor.lat, state.anchor.lon, fix.lat, fix.lon, Geodesic.DISTANCE)["s12"] / 1000
        if counted and state.anchor is not None
        else 0.0
    )
    effective = (state.effective_km or 0.0) + gained_km
    return Step(OdometerState(effective, state.reported_km, state.reported_at, anchor, suspect), effective, flag)


def _follow_position(
    state: OdometerState, fix: Fix, acc_m: float | None, max_speed: float, max_accuracy_m: float
) -> tuple[Fix | None, Fix | None, bool, str | None]:
    """Where the vehicle is now (anchor, suspect); True when the step from the anchor to `fix` counts."""
    if acc_m is not None and acc_m > max_accuracy_m:
        return state.anchor, state.suspect, False, "poor_accuracy"
    if state.anchor is None:
        return fix, None, False, None
    distance_km = _distance_km(state.anchor, fix)
    if distance_km * 1000.0 < max(JITTER_M, acc_m or 0.0):
        return state.anchor, None, False, None
    if _speed_kmh(state.anchor, fix, distance_km) <= max_speed:
        return fix, None, True, None
    if state.suspect is not None:
        from_suspect_km = _distance_km(state.suspect, fix)
        if _speed_kmh(state.suspect, fix, from_suspect_km) <= max_speed:
            return fix, None, False, "relocated"
    return state.anchor, fix, False, "gps_jump"


def _plausible_report(state: OdometerState, reported_km: float, at: datetime, max_speed: float) -> bool:
    if state.reported_km is None or state.reported_at is None:
        return True
    hours = max((at - state.reported_at).total_seconds(), 1.0) / 3600.0
    step_km = reported_km - state.reported_km
    return -REPORTED_SLACK_KM <= step_km <= max_speed * hours + REPORTED_SLACK_KM


def _distance_km(a: Fix, b: Fix) -> float:
    """Great-circle distance: all the jitter and speed gates need (see fleetbase.geo)."""
    return haversine_km(a.lat, a.lon, b.lat, b.lon)


def _speed_kmh(a: Fix, b: Fix, distance_km: float) -> float:
    hours = max((b.fix_time - a.fix_time).total_seconds(), 1.0) / 3600.0
    return distance_km / hours
