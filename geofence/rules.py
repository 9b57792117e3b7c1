"""Rules that turn zone transitions and readings into alerts for the right role.

Pure: each rule gets what it needs and returns `AlertDraft`s (to open, one per
situation thanks to `dedup_key`) and keys of situations that are over (to resolve).
Speed is never looked at: participants' driving is not watched, and an alert about a lent
vehicle names no place — not even the zone it left (docs/PRIVACY.md).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from alerts.raising import AlertDraft
from fleetbase import formatting
from geofence.repository import SilentTracker, Thresholds, VehicleContext
from geofence.transitions import ENTER, EXIT, Fix, Transition

BATTERY_RECOVERY_PCT = 5.0  # above threshold + this, a low-battery alert is closed


@dataclass
class RuleOutcome:
    open: list[AlertDraft] = field(default_factory=list)
    resolve: list[str] = field(default_factory=list)


def _clock(moment: datetime, zone: ZoneInfo) -> str:
    return formatting.moment(moment, zone, "d MMMM 'à' HH:mm")


def vehicle_rules(
    context: VehicleContext,
    thresholds: Thresholds,
    *,
    fixes: Sequence[Fix],
    transitions: Sequence[Transition],
    zone_kinds: dict[int, str],
    zone_names: dict[int, str],
    outside_depot_since: datetime | None,
    in_a_service_area: bool,
    distance_to_zone_m: Callable[[int, Fix], float],
    zone: ZoneInfo,
) -> RuleOutcome:
    """Every rule fed by one vehicle's new fixes (in time order, late ones left out).

    `outside_depot_since`: the fix time from which the vehicle is confirmed outside
    its depot zone in this batch (None when it is inside, or has no depot zone). `zone`:
    the plateforme's time zone, for the times in the alerts' texts.
    `in_a_service_area`: after this batch, inside some service area (leaving one of two
    adjacent areas is not leaving the area the vehicle is lent for).
    """
    outcome = RuleOutcome()
    on_loan = context.loan_id is not None
    for transition in transitions:
        kind = zone_kinds.get(transition.zone_id)
        when = transition.fix.fix_time
        if transition.type == EXIT and kind == "service_area" and on_loan and not in_a_service_area:
            outcome.open.append(
                AlertDraft(
                    "left_service_area",
                    "warning",
                    "coordinator",
                    context.vehicle_id,
                    context.loan_id,
                    f"{context.label} (prêt n° {context.loan_id}) a quitté sa zone de service le {_clock(when, zone)}.",
                    f"left_service_area:loan:{context.loan_id}",
                )
            )
        ends_at = context.loan_ends_at  # None when not on loan
        if (
            transition.type == ENTER
            and transition.zone_id == context.depot_zone_id
            and on_loan
            and ends_at is not None
            and when >= ends_at - timedelta(hours=thresholds.return_window_hours)
        ):
            outcome.open.append(
                AlertDraft(
                    "back_at_depot",
                    "info",
                    "coordinator",
                    context.vehicle_id,
                    context.loan_id,
                    f"{context.label} est de retour à son dépôt, en attente d'état des lieux "
                    f"(prêt n° {context.loan_id}, fin prévue le {_clock(ends_at, zone)}).",
                    f"back_at_depot:loan:{context.loan_id}",
                )
            )
    theft = _possible_theft(context, thresholds, fixes, outside_depot_since, distance_to_zone_m, zone)
    if theft:
        outcome.open.append(theft)
    _battery(context, thresholds, fixes, outcome)
    if fixes and context.tracker_silent_alerted:
        outcome.resolve.append(f"tracker_silent:vehicle:{context.vehicle_id}")
    return outcome


def _possible_theft(
    context: VehicleContext,
    thresholds: Thresholds,
    fixes: Sequence[Fix],
    outside_depot_since: datetime | None,
    distance_to_zone_m: Callable[[int, Fix], float],
    zone: ZoneInfo,
) -> AlertDraft | None:
    """Not on loan, confirmed out of its depot, and the ignition on or clearly moved away.

    A vehicle in maintenance is left out: the garage moves it. A loaned vehicle is
    wherever its participant parks it, which is none of this rule's business.
    """
    if (
        context.loan_id is not None
        or context.status == "maintenance"
        or context.depot_zone_id is None
        or outside_depot_since is None
        or context.theft_alerted
    ):
        return None
    for fix in fixes:
        if fix.fix_time < outside_depot_since:
            continue
        if getattr(fix, "ignition", None) is True:
            why = "contact mis"
        else:  # the distance costs a projection: only worth it when the ignition says nothing
            away_m = distance_to_zone_m(context.depot_zone_id, fix)
            if away_m < thresholds.theft_displacement_m:
                continue
            why = f"à {away_m:.0f} m du dépôt"
        return AlertDraft(
            "possible_theft",
            "critical",
            "fleet_manager",
            context.vehicle_id,
            None,
            f"Vol possible : {context.label} n'est pas en prêt et a quitté le {context.depot_name} "
            f"({why}, le {_clock(fix.fix_time, zone)}).",
            f"possible_theft:vehicle:{context.vehicle_id}",
        )
    return None


def _battery(context: VehicleContext, thresholds: Thresholds, fixes: Sequence[Fix], outcome: RuleOutcome) -> None:
    """The traction battery's latest level (not the tracker's own battery)."""
    level = None
    for fix in fixes:  # the latest level reported
        value = getattr(fix, "battery_pct", None)
        if value is not None:
            level = value
    if level is None:
        return
    key = f"low_battery:vehicle:{context.vehicle_id}"
    if level < thresholds.low_battery_pct:
        if context.low_battery_alerted:
            return
        outcome.open.append(
            AlertDraft(
                "low_battery",
                "warning",
                "fleet_manager",
                context.vehicle_id,
                context.loan_id,
                f"Batterie de traction faible : {context.label} est à {level:.0f} % "
                f"(seuil {thresholds.low_battery_pct:.0f} %).",
                key,
            )
        )
    elif level >= thresholds.low_battery_pct + BATTERY_RECOVERY_PCT:
        outcome.resolve.append(key)


def silent_tracker_alerts(silent: Sequence[SilentTracker], *, zone: ZoneInfo) -> list[AlertDraft]:
    """One alert per vehicle whose tracker has been quiet too long."""
    return [
        AlertDraft(
            "tracker_silent",
            "warning",
            "fleet_manager",
            tracker.vehicle_id,
            None,
            f"Traceur muet : {tracker.label} n'a rien envoyé depuis le {_clock(tracker.last_seen_at, zone)} "
            f"(plus de {tracker.silent_after.total_seconds() / 3600:g} h).",
            f"tracker_silent:vehicle:{tracker.vehicle_id}",
        )
        for tracker in silent
    ]
