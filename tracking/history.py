"""Reading a vehicle's history under the privacy policy of docs/PRIVACY.md. No FastAPI here.

While a vehicle was lent, its positions are the participant's personal data. Under the
`coarse` and `incident_only` policies (fleetbase/location_policy.py) they are shown only
while an incident is open on the vehicle (`incidents/`), to the roles that open
incidents, and only from the incident's start (at most FLEET_INCIDENT_LOOKBACK_HOURS
before); under `precise` they are shown. Every look is written to the audit log in the
same transaction as the answer.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np

from fleetbase import audit_repository as audit
from fleetbase.db import Conn
from fleetbase.errors import Forbidden, InvalidInput
from fleetbase.location_policy import LocationPolicy
from incidents import service as incidents
from tracking import history_repository as repository
from tracking.downsample import lttb_indices
from tracking.trips import Fix, Stop, Trip, find_trips

DEFAULT_WINDOW = timedelta(hours=24)
MAX_WINDOW = timedelta(days=31)
NEEDS_INCIDENT = (
    "Ce véhicule était prêté à un·e participant·e pendant cette période : ses positions sont des données "
    "personnelles, consultables seulement pendant un incident ouvert (vol suspecté, accident, demande "
    "d'assistance, véhicule non rendu). Ouvrez un incident (POST /api/v1/incidents) et indiquez son numéro "
    "(paramètre « incident_id ») ; la consultation sera journalisée."
)


def window(start: datetime | None, end: datetime | None, *, now: datetime) -> tuple[datetime, datetime]:
    """[start, end) in UTC: by default the last 24 hours; at most 31 days."""
    try:
        end = _utc(end) if end is not None else now
        start = _utc(start) if start is not None else end - DEFAULT_WINDOW
    except OverflowError as error:
        raise InvalidInput("Date hors des limites admises.") from error
    if start >= end:
        raise InvalidInput("« from » doit précéder « to ».")
    if end - start > MAX_WINDOW:
        raise InvalidInput("Période trop longue : 31 jours au plus par demande.")
    return start, end


def authorize_look(
    conn: Conn,
    vehicle_id: int,
    *,
    start: datetime,
    end: datetime,
    incident_id: int | None,
    follows_incidents: bool,
    policy: LocationPolicy,
    user_id: int,
    action: str,
    now: datetime,
    lookback: timedelta,
    auto_close_after: timedelta,
) -> tuple[datetime, datetime]:
    """The window the caller may read (audited when the vehicle was lent in it), or Forbidden.

    With an incident in force on this vehicle, the window starts at most `lookback` before
    the incident was opened (an earlier `start` is moved up to it). `follows_incidents`:
    the caller's role opens incidents (fleet manager, administrator).
    """
    incident = None
    if incident_id is not None:
        incident = incidents.get_incident(conn, incident_id, auto_close_after=auto_close_after)
        if incident.vehicle_id != vehicle_id or not incidents.is_in_force(incident, now=now):
            raise Forbidden(
                f"L'incident n° {incident_id} n'est pas ouvert sur ce véhicule : ses positions "
                "ne peuvent pas être montrées."
            )
        if not follows_incidents:
            raise Forbidden(
                "Pendant un incident, seuls le ou la responsable de parc et l'administrateur "
                "voient les positions du véhicule."
            )
        start = max(start, incident.opened_at - lookback)
        if start >= end:
            raise Forbidden("Cette période précède l'incident : ses positions ne peuvent pas être montrées.")
    loan_ids = repository.loans_during(conn, vehicle_id, start=start, end=end)
    if not loan_ids:
        return start, end
    if incident is None and policy is not LocationPolicy.PRECISE:
        raise Forbidden(NEEDS_INCIDENT)
    audit.record(
        conn,
        user_id=user_id,
        action=action,
        subject_type="vehicle",
        subject_id=vehicle_id,
        reason=incident.kind if incident else "precise_policy",
        now=now,
        details={
            "from": start.isoformat(),
            "to": end.isoformat(),
            "loan_ids": loan_ids,
            "incident_id": incident_id,
            "policy": str(policy),
        },
    )
    return start, end


def track_json(
    conn: Conn, vehicle_id: int, *, start: datetime, end: datetime, max_points: int, max_fixes: int
) -> tuple[str, int, int]:
    """The window's fixes downsampled to `max_points`, as a JSON array; the stored and returned counts.

    The database counts the fixes; only their positions come to Python to choose the
    fixes kept (`_downsampled_times`), and those come back as JSON the database builds.
    """
    total = repository.count_fixes(conn, vehicle_id, start=start, end=end)
    if total <= max_points:
        return repository.track_json(conn, vehicle_id, start=start, end=end, times=None), total, total
    kept = _downsampled_times(
        conn, vehicle_id, start=start, end=end, total=total, max_points=max_points, max_fixes=max_fixes
    )
    return repository.track_json(conn, vehicle_id, start=start, end=end, times=kept), total, len(kept)


def track(
    conn: Conn, vehicle_id: int, *, start: datetime, end: datetime, max_points: int | None, max_fixes: int
) -> tuple[list[dict[str, Any]], int]:
    """The fixes of the window as rows (downsampled to `max_points` if given), and the raw count.

    Every fix (no `max_points`) only up to `max_fixes`, counted before any is read.
    """
    total = repository.count_fixes(conn, vehicle_id, start=start, end=end)
    if max_points is not None and total > max_points:
        kept = _downsampled_times(
            conn, vehicle_id, start=start, end=end, total=total, max_points=max_points, max_fixes=max_fixes
        )
        rows = repository.positions_at(conn, vehicle_id, start=start, end=end, times=kept)
    else:
        _check_fixes(total, max_fixes, hint=" ou demandez-en un échantillon (max_points)")
        rows = repository.positions(conn, vehicle_id, start=start, end=end, limit=max_fixes)
    return [dict(zip(repository.POSITION_COLUMNS, row)) for row in rows], total


def trips(
    conn: Conn, vehicle_id: int, *, start: datetime, end: datetime, max_fixes: int
) -> tuple[list[Trip], list[Stop]]:
    _check_fixes(repository.count_fixes(conn, vehicle_id, start=start, end=end), max_fixes)
    rows = repository.positions(conn, vehicle_id, start=start, end=end, limit=max_fixes)
    return find_trips([Fix(fix_time=row[0], lat=row[1], lon=row[2], speed_kmh=row[3], ignition=row[9]) for row in rows])


def _check_fixes(total: int, max_fixes: int, *, hint: str = "") -> None:
    if total > max_fixes:
        raise InvalidInput(f"Plus de {max_fixes} positions sur cette période : réduisez-la{hint}.")


def _downsampled_times(
    conn: Conn, vehicle_id: int, *, start: datetime, end: datetime, total: int, max_points: int, max_fixes: int
) -> list[datetime]:
    """The fix times LTTB (`downsample.lttb_indices`) keeps, from every fix of the window when
    it holds at most `max_fixes`, else from the database's few candidates per run of the track:
    memory is bounded by `max_fixes` however long the window."""
    origin = math.floor(start.timestamp())
    if total <= max_fixes:
        shape = repository.track_shape(conn, vehicle_id, start=start, end=end, origin=origin, limit=max_fixes)
    else:
        shape = repository.track_candidates(
            conn, vehicle_id, start=start, end=end, origin=origin, total=total, buckets=max_points
        )
    lats = np.fromiter((fix[1] for fix in shape), dtype=float, count=len(shape))
    lons = np.fromiter((fix[2] for fix in shape), dtype=float, count=len(shape))
    first = datetime.fromtimestamp(origin, UTC)
    return [first + timedelta(microseconds=shape[index][0]) for index in lttb_indices(lats, lons, max_points).tolist()]


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
