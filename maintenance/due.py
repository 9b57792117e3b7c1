"""Due state of one task of one vehicle: ok, due soon, due or overdue, and a forecast.

Pure functions of the plan, the last service that covered the task, the vehicle's
effective odometer (from the telemetry pipeline), today's date and its recent pace.
Kilometres and dates are judged separately and the worse level wins (whichever comes
first). Past due by more than the plan's grace margin is overdue.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal, get_args

from maintenance.plans import Plan, add_months, next_controle_technique

Level = Literal["ok", "due_soon", "due", "overdue"]
LEVELS: tuple[str, ...] = get_args(Level)
RANK = {level: rank for rank, level in enumerate(LEVELS)}


@dataclass(frozen=True)
class VehicleFacts:
    vehicle_id: int
    label: str
    kind: str
    first_registered_on: date | None
    insurance_expires_on: date | None
    in_service_since: date  # first registration, else when the vehicle was added
    odometer_km: float | None  # effective odometer; None before any telemetry
    daily_km: float | None  # recent average distance per day


@dataclass(frozen=True)
class LastService:
    performed_on: date
    odometer_km: float


@dataclass(frozen=True)
class DueState:
    vehicle_id: int
    vehicle_label: str
    vehicle_kind: str
    task: str
    label: str
    level: Level
    due_at_km: float | None
    due_on: date | None
    remaining_km: float | None
    remaining_days: int | None
    forecast_on: date | None  # when it comes due at the recent pace (or its date, if sooner)
    last_done_on: date | None
    last_done_km: float | None


def worse(first: Level, second: Level) -> Level:
    return first if RANK[first] >= RANK[second] else second


def level_for(remaining: float | None, *, soon: float, grace: float) -> Level:
    """Level from what remains before the due point (negative: past it)."""
    if remaining is None:
        return "ok"
    if remaining < -grace:
        return "overdue"
    if remaining <= 0:
        return "due"
    if remaining <= soon:
        return "due_soon"
    return "ok"


def due_state(plan: Plan, vehicle: VehicleFacts, last: LastService | None, *, today: date) -> DueState | None:
    """The task's state today; None when it does not apply (no date to judge from)."""
    due_at_km = due_on = None
    if plan.rule == "interval":
        base_day = last.performed_on if last else vehicle.in_service_since
        base_km = last.odometer_km if last else 0.0
        if plan.every_km is not None:
            due_at_km = base_km + plan.every_km
        if plan.every_months is not None:
            due_on = add_months(base_day, plan.every_months)
    elif plan.rule == "controle_technique":
        due_on = next_controle_technique(
            vehicle.kind,
            vehicle.first_registered_on,
            last_done_on=last.performed_on if last else None,
            every_months=plan.every_months or 24,
        )
    elif plan.rule == "insurance":
        due_on = vehicle.insurance_expires_on
    if due_at_km is None and due_on is None:
        return None
    remaining_km = (
        due_at_km - vehicle.odometer_km if due_at_km is not None and vehicle.odometer_km is not None else None
    )
    remaining_days = (due_on - today).days if due_on is not None else None
    level = worse(
        level_for(remaining_km, soon=plan.soon_km, grace=plan.grace_km),
        level_for(remaining_days, soon=plan.soon_days, grace=plan.grace_days),
    )
    return DueState(
        vehicle.vehicle_id,
        vehicle.label,
        vehicle.kind,
        plan.task,
        plan.label,
        level,
        due_at_km,
        due_on,
        remaining_km,
        remaining_days,
        forecast(remaining_km, due_on, daily_km=vehicle.daily_km, today=today),
        last.performed_on if last else None,
        last.odometer_km if last else None,
    )


def forecast(remaining_km: float | None, due_on: date | None, *, daily_km: float | None, today: date) -> date | None:
    """ "At this pace, due around …": the day the kilometres run out, or the due date if sooner."""
    by_km = None
    if remaining_km is not None:
        if remaining_km <= 0:
            by_km = today
        elif daily_km and daily_km > 0:
            days = math.ceil(remaining_km / daily_km)
            by_km = today + timedelta(days=min(days, 36500))
    candidates = [day for day in (by_km, due_on) if day is not None]
    return min(candidates) if candidates else None


def urgency_key(state: DueState) -> tuple[int, date, float, int, str]:
    """Most urgent first: worst level, then the earliest forecast, then fewest km left."""
    far = date.max
    return (
        -RANK[state.level],
        state.forecast_on or far,
        state.remaining_km if state.remaining_km is not None else math.inf,
        state.vehicle_id,
        state.task,
    )
