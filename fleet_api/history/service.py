"""Reading a vehicle's history under the privacy policy of docs/PRIVACY.md. No FastAPI here.

While a vehicle was lent, its positions are the participant's personal data: they may
be looked at only for a stated reason (theft, accident, a request for help, a vehicle
not returned), and every such look is written to the audit log, in the same
transaction as the answer. Without a reason the look is refused (403).
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from enum import StrEnum

import numpy as np
import psycopg

from fleet_api.history import repository
from fleet_api.history.downsample import lttb_indices
from fleet_api.history.trips import Fix, Stop, Trip, find_trips
from fleetbase import audit
from fleetbase.errors import Forbidden, InvalidInput

DEFAULT_WINDOW = timedelta(hours=24)
MAX_WINDOW = timedelta(days=31)


class LookReason(StrEnum):
    THEFT = "theft"
    ACCIDENT = "accident"
    ASSISTANCE = "assistance"
    NOT_RETURNED = "not_returned"


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


def authorize_look(conn: psycopg.Connection, vehicle_id: int, *, start: datetime, end: datetime,
                   reason: LookReason | None, note: str | None, user_id: int, action: str,
                   now: datetime) -> list[int]:
    """Refuse a look at a lent vehicle's positions without a reason; audit it with one."""
    loan_ids = repository.loans_during(conn, vehicle_id, start=start, end=end)
    if not loan_ids:
        return []
    if reason is None:
        raise Forbidden(
            "Ce véhicule était prêté à un·e participant·e pendant cette période : ses positions "
            "sont des données personnelles. Indiquez un motif (paramètre « reason » : theft, "
            "accident, assistance ou not_returned) ; la consultation sera journalisée.")
    audit.record(conn, user_id=user_id, action=action, subject_type="vehicle", subject_id=vehicle_id,
                 reason=str(reason), now=now,
                 details={"from": start.isoformat(), "to": end.isoformat(), "loan_ids": loan_ids, "note": note})
    return loan_ids


def track_json(conn: psycopg.Connection, vehicle_id: int, *, start: datetime, end: datetime,
               max_points: int, max_fixes: int) -> tuple[str, int, int]:
    """The window's fixes downsampled to `max_points`, as a JSON array; the stored and returned counts.

    The database counts the fixes; only their positions come to Python to choose the
    fixes kept (`_downsampled_times`), and those come back as JSON the database builds.
    """
    total = repository.count_fixes(conn, vehicle_id, start=start, end=end)
    if total <= max_points:
        return repository.track_json(conn, vehicle_id, start=start, end=end, times=None), total, total
    kept = _downsampled_times(conn, vehicle_id, start=start, end=end, total=total, max_points=max_points,
                              max_fixes=max_fixes)
    return repository.track_json(conn, vehicle_id, start=start, end=end, times=kept), total, len(kept)


def track(conn: psycopg.Connection, vehicle_id: int, *, start: datetime, end: datetime,
          max_points: int | None, max_fixes: int) -> tuple[list[dict], int]:
    """The fixes of the window as rows (downsampled to `max_points` if given), and the raw count.

    Every fix (no `max_points`) only up to `max_fixes`, counted before any is read.
    """
    total = repository.count_fixes(conn, vehicle_id, start=start, end=end)
    if max_points is not None and total > max_points:
        kept = _downsampled_times(conn, vehicle_id, start=start, end=end, total=total, max_points=max_points,
                                  max_fixes=max_fixes)
        rows = repository.positions_at(conn, vehicle_id, start=start, end=end, times=kept)
    else:
        _check_fixes(total, max_fixes, hint=" ou demandez-en un échantillon (max_points)")
        rows = repository.positions(conn, vehicle_id, start=start, end=end, limit=max_fixes)
    return [dict(zip(repository.POSITION_COLUMNS, row)) for row in rows], total


def trips(conn: psycopg.Connection, vehicle_id: int, *, start: datetime, end: datetime,
          max_fixes: int) -> tuple[list[Trip], list[Stop]]:
    _check_fixes(repository.count_fixes(conn, vehicle_id, start=start, end=end), max_fixes)
    rows = repository.positions(conn, vehicle_id, start=start, end=end, limit=max_fixes)
    return find_trips([Fix(fix_time=row[0], lat=row[1], lon=row[2], speed_kmh=row[3], ignition=row[9])
                       for row in rows])


def _check_fixes(total: int, max_fixes: int, *, hint: str = "") -> None:
    if total > max_fixes:
        raise InvalidInput(f"Plus de {max_fixes} positions sur cette période : réduisez-la{hint}.")


def _downsampled_times(conn: psycopg.Connection, vehicle_id: int, *, start: datetime, end: datetime,
                       total: int, max_points: int, max_fixes: int) -> list[datetime]:
    """The fix times LTTB (`downsample.lttb_indices`) keeps, from every fix of the window when
    it holds at most `max_fixes`, else from the database's few candidates per run of the track:
    memory is bounded by `max_fixes` however long the window."""
    origin = math.floor(start.timestamp())
    if total <= max_fixes:
        shape = repository.track_shape(conn, vehicle_id, start=start, end=end, origin=origin, limit=max_fixes)
    else:
        shape = repository.track_candidates(conn, vehicle_id, start=start, end=end, origin=origin, total=total,
                                            buckets=max_points)
    lats = np.fromiter((fix[1] for fix in shape), dtype=float, count=len(shape))
    lons = np.fromiter((fix[2] for fix in shape), dtype=float, count=len(shape))
    first = datetime.fromtimestamp(origin, UTC)
    return [first + timedelta(microseconds=shape[index][0]) for index in lttb_indices(lats, lons, max_points).tolist()]


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
