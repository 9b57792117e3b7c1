"""Plain factories for the loans domain tests, on the seeded database (`conn`, rolled back)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from loans import inspections, participants, service
from tests.factories import SIGNED, user_id, vehicle_id

NOW = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
PARIS = ZoneInfo("Europe/Paris")  # the plateforme's zone (FLEET_TIMEZONE) in these tests


def make_participant(conn, *, licences=("B",), now: datetime = NOW, **values) -> int:
    values = {
        "first_name": "Inès",
        "last_name": "Lafitte",
        "phone": "06 00 00 00 01",
        "email": "ines@example.org",
        "municipality": "Tarnos",
        "intercommunality": "Communauté de communes du Seignanx",
        "prescriber_id": 1,
        "purpose": "job",
        "notes": "Formation CACES en janvier.",
        "licences": [{"category": category, "checked_on": date(2026, 1, 10)} for category in licences],
    } | values
    return participants.create_participant(
        conn, values=values, scope=None, user_id=user_id(conn), prescriber_user=False, now=now
    )["id"]


def request(conn, *, participant: int, vehicle: str, starts_at: datetime, days: float = 7, now: datetime = NOW) -> dict:
    return service.request_loan(
        conn,
        participant_id=participant,
        vehicle_id=vehicle_id(conn, vehicle),
        starts_at=starts_at,
        ends_at=starts_at + timedelta(days=days),
        purpose=None,
        scope=None,
        user_id=user_id(conn),
        now=now,
        zone=PARIS,
    )


def validated(conn, *, now: datetime = NOW, **kwargs) -> dict:
    loan = request(conn, now=now, **kwargs)
    service.validate_loan(conn, loan["id"], vehicle_id=None, user_id=user_id(conn), now=now, zone=PARIS)
    return service.record_deposit(conn, loan["id"], amount_cents=10000, method="cash", user_id=user_id(conn), now=now)


def active(conn, *, now: datetime = NOW, odometer_km: float = 5000, damages=(), **kwargs) -> dict:
    loan = validated(conn, now=now, **kwargs)
    return inspections.check_out(
        conn,
        loan["id"],
        inspection={"odometer_km": odometer_km, "damages": list(damages), **SIGNED},
        user_id=user_id(conn),
        now=now,
        zone=PARIS,
    )
