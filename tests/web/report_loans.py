"""Loans written straight into the database as a check-in leaves them, for the report's pages."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from fleetbase.db import connect

PARIS = ZoneInfo("Europe/Paris")
GRAND_DAX = "Communauté d'agglomération du Grand Dax"


def previous_month_day(day: int) -> datetime:
    """Noon, Paris time, on `day` of last month (a month the report's default period covers)."""
    first = datetime.now(PARIS).date().replace(day=1)
    start = (first - timedelta(days=1)).replace(day=day)
    return datetime.combine(start, time(12), tzinfo=PARIS).astimezone(UTC)


def previous_month() -> str:
    return f"{previous_month_day(1).astimezone(PARIS):%Y-%m}"


def returned_loan(
    database_url: str,
    *,
    participant_id: int | None,
    vehicle: str,
    out_day: int,
    back_day: int,
    km: float,
    intercommunality: str = GRAND_DAX,
) -> None:
    """A loan that went out and came back last month."""
    out, back = previous_month_day(out_day), previous_month_day(back_day)
    with connect(database_url) as conn:
        conn.execute(
            "INSERT INTO loans (vehicle_id, participant_id, prescriber_id, status, starts_at, ends_at, held_until,"
            " purpose, intercommunality, checked_out_at, checked_in_at, odometer_km_driven)"
            " SELECT id, %(person)s, 1, 'returned', %(out)s, %(back)s, %(back)s, 'job', %(place)s, %(out)s, %(back)s,"
            " %(km)s FROM vehicles WHERE label = %(vehicle)s",
            {
                "person": participant_id,
                "out": out,
                "back": back,
                "place": intercommunality,
                "km": km,
                "vehicle": vehicle,
            },
        )
