"""What the live fleet shows of each vehicle, under the privacy policy of docs/PRIVACY.md.

While a vehicle is on loan (`active` or `overdue`) its position is the participant's
personal data. `FLEET_LOAN_LOCATION_POLICY` (fleetbase/location_policy.py) says what the
live view shows of it: `coarse` (rounded to COARSE_DIGITS decimals of a degree, about a
kilometre), `incident_only` (no position, no ignition: energy, odometer and online state
only) or `precise`. While an incident is in force on the vehicle, those who follow
incidents (fleet manager, administrator) see it precisely. A lent vehicle never shows
its speed or heading. Each time a lent vehicle is shown precisely, the look is written to
the audit log (`record_looks`). The rule is applied by the query itself
(`tracking.live_repository`), so the list and the stream cannot differ.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from fleetbase import audit_repository as audit
from fleetbase.db import Conn
from fleetbase.location_policy import LocationPolicy
from fleetbase.settings import FleetSettings
from tracking import live_repository as repository

COARSE_DIGITS = 2
Look = tuple[int, int, int | None]  # a lent vehicle shown precisely: vehicle id, loan id, incident id


@dataclass(frozen=True)
class LiveView:
    """What one watcher may see: the plateforme's policy, and whether they follow incidents."""

    policy: LocationPolicy
    follows_incidents: bool
    auto_close_after: timedelta

    def params(self, now: datetime) -> dict[str, Any]:
        return {
            "digits": COARSE_DIGITS,
            "policy": str(self.policy),
            "follows_incidents": self.follows_incidents,
            "auto_close_after": self.auto_close_after,
            "now": now,
        }


INCIDENT_FOLLOWERS = frozenset({"admin", "fleet_manager"})


def live_view(settings: FleetSettings, *, follows_incidents: bool) -> LiveView:
    """A watcher's view under the process's settings; `follows_incidents`: their role is in INCIDENT_FOLLOWERS."""
    return LiveView(
        policy=settings.loan_location_policy,
        follows_incidents=follows_incidents,
        auto_close_after=timedelta(days=settings.incident_auto_close_days),
    )


def live_fleet_json(conn: Conn, *, view: LiveView, now: datetime) -> tuple[str, list[Look]]:
    return repository.live_json(conn, view=view.params(now))


def live_vehicles_json(
    conn: Conn, *, vehicle_ids: list[int] | None, view: LiveView, now: datetime
) -> list[tuple[str, Look | None]]:
    return repository.live_json_each(conn, view=view.params(now), vehicle_ids=vehicle_ids)


def record_looks(conn: Conn, looks: list[Look], *, user_id: int, policy: LocationPolicy, now: datetime) -> None:
    """One audit entry per lent vehicle shown precisely (`view_live`), with its loan and incident."""
    for vehicle_id, loan_id, incident_id in looks:
        audit.record(
            conn,
            user_id=user_id,
            action="view_live",
            subject_type="vehicle",
            subject_id=vehicle_id,
            now=now,
            reason="incident" if incident_id is not None else "precise_policy",
            details={"loan_ids": [loan_id], "incident_id": incident_id, "policy": str(policy)},
        )
