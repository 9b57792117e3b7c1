"""The demo's maintenance history: a quiet fleet, with services coming due after a few km."""

from __future__ import annotations

import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from maintenance.service import compute_due, scan_due
from tests.maintenance.factories import drive_to

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "deploy"))
from demo_maintenance import seed_demo_maintenance, seed_demo_tickets  # noqa: E402  (deploy/ holds the demo's scripts)

PARIS = ZoneInfo("Europe/Paris")
NOW = datetime(2026, 11, 25, 21, 0, tzinfo=UTC)


def test_the_demo_history_leaves_the_fleet_quiet_and_a_few_km_from_due_soon(conn):
    vehicles = [row["id"] for row in conn.execute("SELECT id FROM vehicles ORDER BY label")]
    for number, vehicle in enumerate(vehicles):
        drive_to(conn, vehicle, odometer_km=30_000 + 1_000 * number, at=NOW - timedelta(minutes=5))
    assert seed_demo_maintenance(conn, now=NOW, zone=PARIS) == len(vehicles)
    assert seed_demo_maintenance(conn, now=NOW, zone=PARIS) == 0  # once

    levels = [state.level for state in compute_due(conn, now=NOW, zone=PARIS)]
    assert "overdue" not in levels and "due" not in levels
    assert 0 < levels.count("due_soon") <= 6  # a handful on purpose (dates, insurance)

    before = {(state.vehicle_id, state.task) for state in compute_due(conn, now=NOW, zone=PARIS) if state.level != "ok"}
    for number, vehicle in enumerate(vehicles):
        drive_to(conn, vehicle, odometer_km=30_000 + 1_000 * number + 4.5, at=NOW)
    opened = scan_due(conn, now=NOW, zone=PARIS).opened
    crossed = {
        (state.vehicle_id, state.task) for state in compute_due(conn, now=NOW, zone=PARIS) if state.level != "ok"
    } - before
    one_in_three = {vehicles[number] for number in range(0, len(vehicles), 3)}
    assert {vehicle for vehicle, task in crossed | before if task == "service"} >= one_in_three and {
        task for _, task in crossed
    } == {"service"}
    assert len(opened) >= len(crossed)


def test_the_demo_gives_the_garage_a_ticket_to_accept_and_one_under_way(conn):
    assert seed_demo_tickets(conn, now=NOW, zone=PARIS, public_url="http://127.0.0.1:8000") == 3
    assert seed_demo_tickets(conn, now=NOW, zone=PARIS, public_url="http://127.0.0.1:8000") == 0  # once
    rows = conn.execute(
        "SELECT v.label, t.status, t.quote_cents, t.immobilised, v.status AS vehicle_status"
        " FROM repair_tickets t JOIN vehicles v ON v.id = t.vehicle_id ORDER BY v.label"
    ).fetchall()
    assert [(row["label"], row["status"], row["quote_cents"]) for row in rows] == [
        ("car-04", "in_progress", 18_500),
        ("ebike-02", "open", None),
        ("scooter-07", "sent", None),
    ]
    assert rows[0]["immobilised"] and rows[0]["vehicle_status"] == "immobilised"
    mails = conn.execute("SELECT body FROM mail_outbox WHERE body LIKE '%/reparations/%'").fetchall()
    assert mails, "the garage is told, with the ticket's address"


def test_every_part_the_demo_starts_exists():
    """A part renamed or moved must not silently drop out of `make demo` (the scheduler once did)."""
    import demo  # deploy/demo.py, on the path above

    assert {package for package, _ in demo.PARTS} >= {"fleet_api", "ingest", "scheduler", "device_sim"}
    assert all(demo.runnable(package) for package, _ in demo.PARTS), demo.PARTS
