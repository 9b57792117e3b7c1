"""Due states: whichever comes first, regulatory dates, per-vehicle overrides, the fleet list."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from maintenance import repository
from maintenance.plans import first_controle_technique, next_controle_technique
from maintenance.records import record_service
from maintenance.service import compute_due, scan_due
from tests.factories import vehicle_id
from tests.maintenance.factories import drive_to, maintenance_alerts, only_plans

PARIS = ZoneInfo("Europe/Paris")
START = datetime(2026, 1, 1, 10, 0, tzinfo=UTC)


def test_a_vehicle_that_barely_moves_still_gets_its_yearly_service(conn):
    only_plans(conn, "car", ("service",))
    car = vehicle_id(conn, "car-01")
    drive_to(conn, car, odometer_km=42_000, at=START)
    record_service(
        conn,
        vehicle_id=car,
        performed_on=START.date(),
        odometer_km=42_000,
        tasks=["service"],
        cost_cents=None,
        notes="",
        by_user_id=None,
        now=START,
        zone=PARIS,
    )
    for day in range(1, 400):
        now = START + timedelta(days=day)
        drive_to(conn, car, odometer_km=42_000 + day * 0.2, at=now)  # 73 km in a year
        scan_due(conn, now=now, zone=PARIS, vehicle_ids=[car])
    raised = [(alert["kind"], alert["created_at"].date()) for alert in maintenance_alerts(conn, car)]
    assert raised == [
        ("maintenance_due_soon", date(2026, 12, 2)),  # 30 days before the year is up
        ("maintenance_due", date(2027, 1, 1)),
        ("maintenance_overdue", date(2027, 2, 1)),
    ]  # past the 30 days' grace
    state = compute_due(conn, now=START + timedelta(days=399), zone=PARIS, vehicle_ids=[car])[0]
    assert state.remaining_km > 14_900 and state.due_on == date(2027, 1, 1)


def test_controle_technique_dates_for_cars_and_scooters():
    assert first_controle_technique("car", date(2023, 5, 20)) == date(2027, 5, 20)  # 4th anniversary
    assert next_controle_technique("car", date(2023, 5, 20), last_done_on=date(2027, 5, 2), every_months=24) == date(
        2029, 5, 2
    )
    assert first_controle_technique("scooter", date(2023, 6, 1)) == date(2028, 6, 1)  # 5th anniversary
    assert first_controle_technique("scooter", date(2015, 2, 1)) == date(2024, 4, 15)  # not before the rule
    assert first_controle_technique("scooter", date(2018, 9, 30)) == date(2025, 9, 30)
    assert first_controle_technique("ebike", date(2023, 1, 1)) is None
    assert first_controle_technique("car", date(2020, 2, 29)) == date(2024, 2, 29)


def test_a_vehicle_override_replaces_its_kinds_task_and_the_list_is_most_urgent_first(conn):
    only_plans(conn, "scooter", ("service",))
    first, second = vehicle_id(conn, "scooter-01"), vehicle_id(conn, "scooter-02")
    for scooter, km in ((first, 2_900), (second, 2_750)):
        drive_to(conn, scooter, odometer_km=km, at=START)
        record_service(
            conn,
            vehicle_id=scooter,
            performed_on=START.date(),
            odometer_km=0,
            tasks=["service"],
            cost_cents=None,
            notes="",
            by_user_id=None,
            now=START,
            zone=PARIS,
        )
    repository.upsert_plan(
        conn,
        vehicle_kind="scooter",
        vehicle_id=second,
        task="service",
        label="Révision",
        rule="interval",
        every_km=2_000,
        every_months=12,
        soon_km=200,
        soon_days=30,
        grace_km=500,
        grace_days=15,
        now=START,
    )
    states = compute_due(conn, now=START, zone=PARIS, vehicle_ids=[first, second])
    assert [(state.vehicle_id, state.level, state.remaining_km) for state in states] == [
        (second, "overdue", -750),
        (first, "due_soon", 100),
    ]
