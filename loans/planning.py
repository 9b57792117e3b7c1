"""The planning (vehicles × days) and the depot's day (departures and returns), from the
loans and the repair tickets that immobilise vehicles. Nothing here commits.

A bar is a loan (or an immobilisation) cut to the period's days, in the plateforme's time
zone; the bars of one vehicle that meet (a request beside the validated loan, a repair
during a loan) are put on lanes one under the other. Participants' names are given only
when asked (`with_names`): the fleet manager reads loans without personal data.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from psycopg.rows import DictRow

from fleetbase.db import Conn
from loans import participant_repository, planning_repository, repository
from loans.periods import Period, days_window, last_local_day, local_day
from maintenance import ticket_repository

STATUS_WORDS = {
    "requested": "Demandé",
    "validated": "Validé",
    "active": "En cours",
    "overdue": "En retard",
    "returned": "Rendu",
    "immobilised": "Immobilisé",
}
SHOWN = frozenset({"requested", "validated", "active", "overdue", "returned"})
MAX_LOANS = 5000


@dataclass(frozen=True)
class Bar:
    kind: str  # "loan" or "repair"
    ref: int  # the loan's or the repair ticket's id
    status: str  # a loan status, or "immobilised"
    first: int  # index of its first day in the period
    span: int  # days it covers in the period
    starts_at: datetime
    ends_at: datetime | None  # None: still immobilised
    who: str | None = None  # "C. Durand" when names are shown
    title: str | None = None  # the repair ticket's title
    before: bool = False  # began before the period
    after: bool = False  # goes on after it

    @property
    def word(self) -> str:
        return STATUS_WORDS[self.status]


@dataclass(frozen=True)
class Cell:
    day: date | None = None  # an empty day
    bar: Bar | None = None


def short_name(first_name: str, last_name: str) -> str:
    return f"{first_name[:1].upper()}. {last_name}"


def initials(first_name: str, last_name: str) -> str:
    return f"{first_name[:1].upper()}. {last_name[:1].upper()}."


def _bar(period: Period, zone: ZoneInfo, starts_at: datetime, shown_end: datetime, **values: Any) -> Bar:
    first_day, last_day = local_day(starts_at, zone), last_local_day(shown_end, zone)
    first, last = max(first_day, period.first_day), min(last_day, period.last_day)
    return Bar(
        first=(first - period.first_day).days,
        span=(last - first).days + 1,
        starts_at=starts_at,
        before=first_day < period.first_day,
        after=last_day > period.last_day,
        **values,
    )


def _lanes(bars: list[Bar], days: list[date]) -> list[list[Cell]]:
    """Bars placed on as few lanes as they need, each lane a row of cells (a bar spans its days)."""
    lanes: list[list[Bar]] = []
    for bar in sorted(bars, key=lambda bar: (bar.first, -bar.span)):
        lane = next((lane for lane in lanes if lane[-1].first + lane[-1].span <= bar.first), None)
        if lane is None:
            lanes.append([bar])
        else:
            lane.append(bar)
    rows = []
    for lane in lanes or [[]]:
        starting = {bar.first: bar for bar in lane}
        cells, column = [], 0
        while column < len(days):
            if column in starting:
                cells.append(Cell(bar=starting[column]))
                column += starting[column].span
            else:
                cells.append(Cell(day=days[column]))
                column += 1
        rows.append(cells)
    return rows


def planning(
    conn: Conn,
    *,
    period: Period,
    now: datetime,
    zone: ZoneInfo,
    site_id: int | None,
    vehicle_id: int | None,
    with_names: bool,
) -> list[dict[str, Any]]:
    """Depots, each with its vehicles' rows: `{"site_name", "vehicles": [{"vehicle", "lanes"}]}`."""
    vehicles = planning_repository.planned_vehicles(conn, site_id=site_id, vehicle_id=vehicle_id)
    ids = {vehicle["id"] for vehicle in vehicles}
    start, end = period.window(zone)
    loans = [
        loan
        for loan in repository.list_loans(
            conn, scope=None, status=None, vehicle_id=vehicle_id, start=start, end=end, limit=MAX_LOANS
        )
        if loan["status"] in SHOWN and loan["vehicle_id"] in ids
    ]
    names = (
        participant_repository.names(conn, [loan["participant_id"] for loan in loans if loan["participant_id"]])
        if with_names
        else {}
    )
    bars: dict[int, list[Bar]] = {vehicle_id: [] for vehicle_id in ids}
    for loan in loans:
        # An overdue loan holds the vehicle until it comes back: its bar runs to today.
        shown_end = max(loan["ends_at"], now) if loan["status"] == "overdue" else loan["ends_at"]
        name = names.get(loan["participant_id"])
        bars[loan["vehicle_id"]].append(
            _bar(
                period,
                zone,
                loan["starts_at"],
                shown_end,
                kind="loan",
                ref=loan["id"],
                status=loan["status"],
                ends_at=loan["ends_at"],
                who=short_name(*name) if name else None,
            )
        )
    for repair in ticket_repository.immobilisations(conn, start=start, end=end, vehicle_ids=sorted(ids)):
        shown_end = repair["ends_at"] or max(end, now)
        bars[repair["vehicle_id"]].append(
            _bar(
                period,
                zone,
                repair["starts_at"],
                shown_end,
                kind="repair",
                ref=repair["id"],
                status="immobilised",
                ends_at=repair["ends_at"],
                title=repair["title"],
            )
        )
    depots: list[dict[str, Any]] = []
    for vehicle in vehicles:
        if not depots or depots[-1]["site_id"] != vehicle["site_id"]:
            depots.append({"site_id": vehicle["site_id"], "site_name": vehicle["site_name"], "vehicles": []})
        depots[-1]["vehicles"].append({"vehicle": vehicle, "lanes": _lanes(bars[vehicle["id"]], period.days)})
    return depots


def depot_day(conn: Conn, *, now: datetime, zone: ZoneInfo, site_id: int | None) -> list[dict[str, Any]]:
    """Today at each depot: departures (validated loans starting today, or due earlier and not
    yet handed over) and returns (loans out that end today, or are overdue), earliest first."""
    today = local_day(now, zone)
    day_start, day_end = days_window(today, today, zone)
    vehicles = planning_repository.planned_vehicles(conn, site_id=site_id, vehicle_id=None)
    site_of = {vehicle["id"]: vehicle["site_id"] for vehicle in vehicles}
    departures = [
        loan
        for loan in repository.list_loans(
            conn, scope=None, status="validated", vehicle_id=None, start=day_start, end=day_end, limit=MAX_LOANS
        )
    ]
    returns = [
        loan
        for status in ("active", "overdue")
        for loan in repository.list_loans(
            conn, scope=None, status=status, vehicle_id=None, start=None, end=day_end, limit=MAX_LOANS
        )
        if loan["ends_at"] < day_end or loan["status"] == "overdue"
    ]
    names = participant_repository.names(
        conn, [loan["participant_id"] for loan in departures + returns if loan["participant_id"]]
    )
    sites = [site for site in planning_repository.depots(conn) if site_id is None or site["id"] == site_id]
    by_site: dict[int, dict[str, Any]] = {site["id"]: {"site": site, "departures": [], "returns": []} for site in sites}
    for key, rows, order in (("departures", departures, "starts_at"), ("returns", returns, "ends_at")):
        for loan in sorted(rows, key=lambda loan: (loan[order], loan["id"])):
            if loan["vehicle_id"] in site_of:
                name = names.get(loan["participant_id"])
                by_site[site_of[loan["vehicle_id"]]][key].append(
                    loan
                    | {
                        "participant_name": " ".join(name) if name else None,
                        "late": loan[order] < (day_start if key == "departures" else now),
                    }
                )
    return list(by_site.values())


def depot_choices(conn: Conn) -> list[DictRow]:
    return planning_repository.depots(conn)


def vehicle_choices(conn: Conn) -> list[DictRow]:
    return planning_repository.planned_vehicles(conn, site_id=None, vehicle_id=None)
