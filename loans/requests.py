"""The request pages' reading of loans: a prescriber's requests, and the coordinators' queue
of requests, oldest first, each with the free vehicles that fit (nearest depot first) and
the sentence of the rule that would refuse it as it stands."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from psycopg.rows import DictRow

from fleetbase.db import Conn
from fleetbase.local_time import local_today
from loans import availability, repository, rules, service

PENDING = ["requested"]
QUEUE_LIMIT = 100
CHOICES_PER_REQUEST = 5


def structure_requests(conn: Conn, *, scope: dict[str, int] | None, limit: int = 200) -> list[DictRow]:
    """The structure's requests and loans, newest first."""
    return repository.list_requests(conn, scope=scope, statuses=None, oldest_first=False, limit=limit)


def request_queue(conn: Conn, *, now: datetime, zone: ZoneInfo) -> list[DictRow]:
    """Requests awaiting a coordinator, oldest first, each with `choices` (free vehicles of its
    kind, nearest its depot first), `problem` (why its own vehicle cannot be validated, or None)
    and `licence_ok` (the person holds a licence the kind needs, checked by today)."""
    queue = repository.list_requests(conn, scope=None, statuses=PENDING, oldest_first=True, limit=QUEUE_LIMIT)
    for loan in queue:
        _add_choices(conn, loan, now=now, zone=zone)
    return queue


def request_card(conn: Conn, loan_id: int, *, now: datetime, zone: ZoneInfo) -> DictRow | None:
    """One loan as the queue shows it (`choices` and `problem` only while it is still a request)."""
    found = repository.list_requests(conn, scope=None, statuses=None, oldest_first=True, limit=1, loan_id=loan_id)
    if not found:
        return None
    if found[0]["status"] in PENDING:
        _add_choices(conn, found[0], now=now, zone=zone)
    return found[0]


def _add_choices(conn: Conn, loan: DictRow, *, now: datetime, zone: ZoneInfo) -> None:
    vehicle = service.vehicle_or_error(conn, loan["vehicle_id"])
    loan["site_name"] = vehicle["municipality"]
    loan["choices"] = _choices(conn, loan, site_id=vehicle["home_site_id"])
    loan["problem"] = service.validation_problem(conn, loan, vehicle_id=loan["vehicle_id"], now=now, zone=zone)
    today = local_today(now, zone)
    held = {licence["category"] for licence in loan["licences"] if date.fromisoformat(licence["checked_on"]) <= today}
    needed = rules.LICENCES_NEEDED[loan["vehicle_kind"]]
    loan["licence_ok"] = not needed or bool(needed & held)
    loan["licences_needed"] = sorted(needed)


def _choices(conn: Conn, loan: DictRow, *, site_id: int) -> list[DictRow]:
    """Free vehicles of the request's kind over its dates (turnaround included), nearest first;
    the vehicle asked for first when it is among them."""
    free = availability.available_vehicles(
        conn,
        kind=loan["vehicle_kind"],
        starts_at=loan["starts_at"],
        ends_at=loan["ends_at"],
        site_id=site_id,
        max_distance_km=None,
    )
    free.sort(key=lambda vehicle: vehicle["vehicle_id"] != loan["vehicle_id"])  # stable: keeps nearest first
    return free[:CHOICES_PER_REQUEST]
