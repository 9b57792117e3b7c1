"""Due states for the whole fleet, and the scan that turns crossings into alerts.

A task alerts the mechanics once when it crosses into "due soon", "due" or "overdue":
the level last acted upon is kept in maintenance_due_state, in the same transaction
as the alert, so neither another reading nor a restart raises it again. When a task
gets better (a service, a plan change), the alerts of the worse levels are resolved.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from alerts.raising import AlertDraft, open_alerts, resolve_alerts
from fleetbase import formatting
from fleetbase.db import Conn
from fleetbase.local_time import local_today
from maintenance import french, repository
from maintenance.due import LEVELS, RANK, DueState, due_state, urgency_key

ALERT_SEVERITY = {"due_soon": "info", "due": "warning", "overdue": "critical"}


@dataclass
class ScanOutcome:
    states: int = 0
    opened: list[int] = field(default_factory=list)
    resolved: list[str] = field(default_factory=list)


def compute_due(
    conn: Conn, *, now: datetime, zone: ZoneInfo, vehicle_ids: Sequence[int] | None = None
) -> list[DueState]:
    """Every applicable task of every vehicle in service, most urgent first."""
    today = local_today(now, zone)
    vehicles = repository.vehicle_facts(conn, now=now, today=today, zone=zone.key, vehicle_ids=vehicle_ids)
    ids = [vehicle.vehicle_id for vehicle in vehicles]
    plans = repository.effective_plans(conn, vehicle_ids=ids)
    last = repository.last_services(conn, vehicle_ids=ids)
    states = []
    for vehicle in vehicles:
        for plan in plans[vehicle.vehicle_id]:
            state = due_state(plan, vehicle, last.get((vehicle.vehicle_id, plan.task)), today=today)
            if state is not None:
                states.append(state)
    return sorted(states, key=urgency_key)


def scan_due(conn: Conn, *, now: datetime, zone: ZoneInfo, vehicle_ids: Sequence[int] | None = None) -> ScanOutcome:
    """Compare each task's level with the last one acted upon; alert on crossings. No commit."""
    repository.lock_maintenance_scan(conn)
    states = compute_due(conn, now=now, zone=zone, vehicle_ids=vehicle_ids)
    previous = repository.due_levels(conn, vehicle_ids=sorted({state.vehicle_id for state in states}))
    drafts, to_resolve, changes = [], [], []
    for state in states:
        before = previous.get((state.vehicle_id, state.task), "ok")
        if state.level == before:
            continue
        changes.append((state.vehicle_id, state.task, state.level))
        # Only the current level's alert stays open.
        to_resolve += [dedup_key(state, level) for level in LEVELS[1:] if level != state.level]
        if RANK[state.level] > RANK[before]:
            drafts.append(alert_for(state, today=local_today(now, zone)))
    outcome = ScanOutcome(states=len(states))
    outcome.resolved = resolve_alerts(conn, to_resolve, now=now)
    outcome.opened = open_alerts(conn, drafts, now=now)
    repository.save_due_levels(conn, changes, now=now)
    return outcome


def dedup_key(state: DueState, level: str) -> str:
    return f"maintenance:{state.vehicle_id}:{state.task}:{level}"


def alert_for(state: DueState, *, today: date) -> AlertDraft:
    return AlertDraft(
        f"maintenance_{state.level}",
        ALERT_SEVERITY[state.level],
        "mechanic",
        state.vehicle_id,
        None,
        describe(state, today=today),
        dedup_key(state, state.level),
    )


def describe(state: DueState, *, today: date) -> str:
    """The French sentence of an alert: what, how urgent, by when, and at this pace."""
    vehicle = f"{french.KINDS.get(state.vehicle_kind, 'Véhicule')} {state.vehicle_label}"
    parts = []
    if state.remaining_km is not None and state.due_at_km is not None:  # one is known when the other is
        if state.remaining_km > 0:
            parts.append(f"dans {formatting.km(state.remaining_km)} (à {formatting.km(state.due_at_km)})")
        else:
            parts.append(f"dépassé de {formatting.km(-state.remaining_km)} (prévu à {formatting.km(state.due_at_km)})")
    if state.due_on is not None:
        parts.append(
            f"{'échéance le' if state.due_on >= today else 'échéance dépassée depuis le'} "
            f"{formatting.day(state.due_on)}"
        )
    text = f"{vehicle} : {state.label} {french.LEVELS[state.level]} — {' ; '.join(parts)}."
    if (
        state.forecast_on is not None
        and state.remaining_km is not None
        and state.remaining_km > 0
        and (state.due_on is None or state.forecast_on < state.due_on)
    ):
        text += f" À ce rythme, vers le {formatting.day(state.forecast_on)}."
    return text
