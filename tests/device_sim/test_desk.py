"""The demo's loan desk: the simulated fleet's pick-ups and returns become loans, booked
through the real API on a real database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from device_sim.desk import LoanDesk
from device_sim.model import FleetModel, demo_vehicles
from fleet_api.app import create_app
from fleetbase.db import connect
from tests.conftest import DEMO_PASSWORD, database_url
from tests.fleet_api.conftest import Server, api_settings, create_from_template

PARIS = ZoneInfo("Europe/Paris")
MONDAY = datetime(2026, 11, 23, 0, 0, tzinfo=UTC)


def test_the_model_tells_when_a_participant_drives_off_and_when_the_vehicle_is_back():
    model = FleetModel(demo_vehicles(["scooter-05", "car-02", "ebike-03"]), start=MONDAY, seed=7, zone=PARIS)
    changes = []
    for vehicle in model.vehicles.values():
        vehicle.on_loan_change = lambda v, change, at: changes.append((v.tracker_id, change, at, v.position))
    readings = model.advance(MONDAY + timedelta(days=75))

    assert {change for _, change, _, _ in changes} == {"lend", "return"}
    for tracker_id, change, at, _position in changes:
        later = [reading for tid, reading in readings if tid == tracker_id and reading.ts >= at]
        if change == "lend":  # still at the depot, about to leave with the ignition on
            assert later[0].ignition, (tracker_id, at)
    per_vehicle = {}
    for tracker_id, change, _, _ in changes:
        per_vehicle.setdefault(tracker_id, []).append(change)
    for sequence in per_vehicle.values():  # lend, return, lend, return… (a loan running at start: return first)
        start = 1 if sequence[0] == "return" else 0
        assert all(
            change == ("lend" if (index - start) % 2 == 0 else "return")
            for index, change in enumerate(sequence)
            if index >= start
        )


def test_the_desk_books_checks_out_and_checks_in_through_the_api(databases, seeded_template):
    api_db = database_url(create_from_template(databases, seeded_template))
    now = datetime.now(UTC).replace(microsecond=0)
    with Server(create_app(api_settings(api_db))) as server:
        desk = LoanDesk(server.url, username="coordinator", password=DEMO_PASSWORD, zone=PARIS)
        lent = desk.lend(
            "scooter-07",
            starts_at=now - timedelta(hours=2),
            ends_on=(now + timedelta(days=9)).date(),
            odometer_km=4210.4,
            energy_pct=64,
        )
        again = desk.lend(
            "scooter-07", starts_at=now, ends_on=(now + timedelta(days=9)).date(), odometer_km=4210.4, energy_pct=64
        )
        with connect(api_db) as conn:
            during = conn.execute(
                "SELECT l.status, v.status AS vehicle_status, p.first_name, l.deposit_cents,"
                "       (SELECT odometer_km FROM inspections WHERE loan_id = l.id AND kind = 'checkout') AS odometer_km"
                " FROM loans l JOIN vehicles v ON v.id = l.vehicle_id JOIN participants p ON p.id = l.participant_id"
                " WHERE l.id = %(id)s",
                {"id": lent},
            ).fetchone()
        back = desk.take_back("scooter-07", odometer_km=4388.0, energy_pct=40)
        nothing = desk.take_back("scooter-07", odometer_km=4388.0, energy_pct=40)
        unknown = desk.lend(
            "tram-01", starts_at=now, ends_on=(now + timedelta(days=9)).date(), odometer_km=1, energy_pct=None
        )

    assert lent is not None and again is None and back == lent and nothing is None and unknown is None
    assert during["status"] == "active" and during["vehicle_status"] == "on_loan"
    assert during["odometer_km"] == 4210.4 and during["deposit_cents"] == 15000 and during["first_name"]
    with connect(api_db) as conn:
        after = conn.execute(
            "SELECT l.status, l.odometer_km_driven, v.status AS vehicle_status FROM loans l"
            " JOIN vehicles v ON v.id = l.vehicle_id WHERE l.id = %(id)s",
            {"id": lent},
        ).fetchone()
    assert after["status"] == "returned" and after["vehicle_status"] == "available"
    assert round(after["odometer_km_driven"], 1) == 177.6
