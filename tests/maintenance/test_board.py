"""The mechanics' board: every vehicle × task with its depot, most urgent first, filtered by
depot and kind; a service recorded from the form (with its invoice photo) puts the task back to ok."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from PIL import Image

from fleetbase.errors import InvalidInput
from loans.photos import NotAPhoto
from maintenance import board, invoice_repository, invoices, vehicle_maintenance
from maintenance.due import RANK
from maintenance.records import record_service
from tests.factories import vehicle_id
from tests.maintenance.factories import drive_to

PARIS = ZoneInfo("Europe/Paris")
NOW = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
GPS_IFD = 0x8825


def overdue_service(conn, label: str = "car-05") -> int:
    """car-05's service last done 2 months ago at 4 000 km; it has since reached 21 000 km."""
    car = vehicle_id(conn, label)
    record_service(
        conn,
        vehicle_id=car,
        performed_on=date(2026, 10, 1),
        odometer_km=4_000,
        tasks=["service"],
        cost_cents=None,
        notes="",
        by_user_id=None,
        now=NOW - timedelta(days=60),
        zone=PARIS,
    )
    drive_to(conn, car, odometer_km=20_000, at=NOW - timedelta(days=10))
    drive_to(conn, car, odometer_km=21_000, at=NOW)
    return car


def test_rows_are_most_urgent_first_with_their_depot_and_forecast(conn):
    car = overdue_service(conn)
    rows = board.due_board(conn, now=NOW, zone=PARIS)
    assert [RANK[row.state.level] for row in rows] == sorted((RANK[row.state.level] for row in rows), reverse=True)
    service = next(row for row in rows if row.state.vehicle_id == car and row.state.task == "service")
    assert service.state.level == "overdue" and service.level_words == "en retard"
    assert service.site_name == "Dépôt de Saint-Vincent-de-Tyrosse" and service.kind_words == "Voiture"
    assert service.state.remaining_km == -2_000 and service.state.forecast_on == NOW.date()


def test_filters_by_depot_and_kind(conn):
    depots = {site["name"]: site["id"] for site in board.depots(conn)}
    dax = board.due_board(conn, now=NOW, zone=PARIS, site_id=depots["Dépôt de Dax"])
    assert dax and {row.site_name for row in dax} == {"Dépôt de Dax"}
    scooters = board.due_board(conn, now=NOW, zone=PARIS, kind="scooter")
    assert scooters and {row.state.vehicle_kind for row in scooters} == {"scooter"}
    urgent = board.due_board(conn, now=NOW, zone=PARIS, urgent_only=True)
    assert urgent and "ok" not in {row.state.level for row in urgent}


def phone_photo() -> bytes:
    exif = Image.Exif()
    exif[GPS_IFD] = {1: "N", 2: (43.0, 42.0, 36.5), 3: "W", 4: (1.0, 3.0, 11.2)}
    buffer = io.BytesIO()
    Image.new("RGB", (400, 300), "#94a3b8").save(buffer, "JPEG", exif=exif)
    return buffer.getvalue()


def test_a_service_with_its_invoice_resets_the_task_and_keeps_no_position(conn):
    car = overdue_service(conn)
    mechanic = conn.execute("SELECT id FROM users WHERE username = 'mechanic'").fetchone()["id"]
    record = invoices.record_with_invoice(
        conn,
        vehicle_id=car,
        performed_on=NOW.date(),
        odometer_km=None,
        tasks=["service"],
        cost_cents=8990,
        notes="Vidange",
        by_user_id=mechanic,
        photo=phone_photo(),
        max_bytes=1_000_000,
        now=NOW,
        zone=PARIS,
    )
    assert record["odometer_km"] == 21_000  # the effective odometer when left empty
    page = vehicle_maintenance.overview(conn, car, now=NOW, zone=PARIS)
    assert next(state for state in page["due"] if state.task == "service").level == "ok"
    latest = page["history"][0]
    assert latest["task_labels"] == ["Révision (vidange, filtres)"] and latest["cost_cents"] == 8990
    photo = invoice_repository.get_photo(conn, latest["invoice_photo_id"])
    assert b"Exif" not in bytes(photo["content"]) and photo["content_type"] == "image/jpeg"


def test_a_refused_photo_or_task_writes_nothing(conn):
    car = overdue_service(conn)
    before = len(vehicle_maintenance.overview(conn, car, now=NOW, zone=PARIS)["history"])
    with pytest.raises(NotAPhoto):
        invoices.record_with_invoice(
            conn,
            vehicle_id=car,
            performed_on=NOW.date(),
            odometer_km=None,
            tasks=["service"],
            cost_cents=None,
            notes="",
            by_user_id=None,
            photo=b"%PDF-1.4 not a photo",
            max_bytes=1_000_000,
            now=NOW,
            zone=PARIS,
        )
    with pytest.raises(InvalidInput, match="plan d'entretien"):
        invoices.record_with_invoice(
            conn,
            vehicle_id=car,
            performed_on=NOW.date(),
            odometer_km=None,
            tasks=["chain"],
            cost_cents=None,
            notes="",
            by_user_id=None,
            photo=None,
            max_bytes=1_000_000,
            now=NOW,
            zone=PARIS,
        )
    assert len(vehicle_maintenance.overview(conn, car, now=NOW, zone=PARIS)["history"]) == before
