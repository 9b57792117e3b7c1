"""Twelve months of a 50 cc scooter, with a fake clock and a synthetic odometer.

It rides 10 km a day from 1 January 2026, starting from a service at 0 km. The
scheduler's due scan runs twice a day (as if after a restart): each crossing alerts the
mechanics once, at the right kilometre or date, and a service record resets the task.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from maintenance.records import record_service
from maintenance.service import compute_due, scan_due
from tests.factories import vehicle_id
from tests.maintenance.factories import drive_to, maintenance_alerts, only_plans

PARIS = ZoneInfo("Europe/Paris")
START = datetime(2026, 1, 1, 10, 0, tzinfo=UTC)


def test_a_year_of_a_scooter_alerts_at_the_right_kilometres_and_dates_once_each(conn):
    only_plans(conn, "scooter", ("service", "controle_technique", "insurance"))
    scooter = vehicle_id(conn, "scooter-01")
    # Registered in 2021: L-category transition calendar, first contrôle technique in 2026.
    conn.execute(
        "UPDATE vehicles SET first_registered_on = '2021-03-10', insurance_expires_on = '2026-07-15' WHERE id = %(id)s",
        {"id": scooter},
    )
    drive_to(conn, scooter, odometer_km=0, at=START)
    record_service(
        conn,
        vehicle_id=scooter,
        performed_on=START.date(),
        odometer_km=0,
        tasks=["service"],
        cost_cents=4500,
        notes="Mise en service",
        by_user_id=None,
        now=START,
        zone=PARIS,
    )

    for day in range(1, 366):
        now = START + timedelta(days=day)
        drive_to(conn, scooter, odometer_km=10 * day, at=now)
        if now.date() == date(2026, 3, 12):
            record_service(
                conn,
                vehicle_id=scooter,
                performed_on=now.date(),
                odometer_km=None,
                tasks=["controle_technique"],
                cost_cents=6500,
                notes="CT favorable",
                by_user_id=None,
                now=now,
                zone=PARIS,
            )
        if now.date() == date(2026, 7, 20):
            conn.execute("UPDATE vehicles SET insurance_expires_on = '2027-07-15' WHERE id = %(id)s", {"id": scooter})
        if day == 310:
            record_service(
                conn,
                vehicle_id=scooter,
                performed_on=now.date(),
                odometer_km=3100,
                tasks=["service"],
                cost_cents=9000,
                notes="Révision annuelle",
                by_user_id=None,
                now=now,
                zone=PARIS,
            )
        scan_due(conn, now=now, zone=PARIS, vehicle_ids=[scooter])
        scan_due(conn, now=now + timedelta(hours=6), zone=PARIS, vehicle_ids=[scooter])

    alerts = maintenance_alerts(conn, scooter)
    raised = [(alert["kind"], alert["dedup_key"].split(":")[2], alert["created_at"].date()) for alert in alerts]
    assert raised == [
        ("maintenance_due_soon", "controle_technique", date(2026, 1, 9)),  # 60 days before 10 March
        ("maintenance_due", "controle_technique", date(2026, 3, 10)),
        ("maintenance_overdue", "controle_technique", date(2026, 3, 11)),
        ("maintenance_due_soon", "insurance", date(2026, 6, 15)),  # 30 days before 15 July
        ("maintenance_due", "insurance", date(2026, 7, 15)),
        ("maintenance_overdue", "insurance", date(2026, 7, 16)),
        ("maintenance_due_soon", "service", date(2026, 9, 28)),  # 2,700 km
        ("maintenance_due", "service", date(2026, 10, 28)),  # 3,000 km
    ]
    resolved = {(alert["dedup_key"].split(":")[2], alert["kind"]): alert["resolved_at"].date() for alert in alerts}
    # A crossing closes the previous level's alert; the service (or renewal) closes the last one.
    assert resolved[("controle_technique", "maintenance_overdue")] == date(2026, 3, 12)
    assert resolved[("insurance", "maintenance_overdue")] == date(2026, 7, 20)
    assert resolved[("service", "maintenance_due_soon")] == date(2026, 10, 28)
    assert resolved[("service", "maintenance_due")] == date(2026, 11, 7)
    assert all(alert["target_role"] == "mechanic" for alert in alerts)

    soon = alerts[6]["message"]
    assert soon.startswith("Scooter scooter-01 : Révision")
    assert "à prévoir bientôt" in soon and "dans 300 km" in soon
    assert "À ce rythme, vers le 28 octobre 2026." in soon  # 300 km left at 10 km a day

    # After the year: the service counts from 7 November and 3,100 km, the CT from 12 March.
    states = {
        state.task: state
        for state in compute_due(conn, now=START + timedelta(days=365), zone=PARIS, vehicle_ids=[scooter])
    }
    assert states["service"].level == "ok" and states["service"].due_at_km == 6100
    assert states["service"].due_on == date(2027, 11, 7)
    assert states["controle_technique"].due_on == date(2029, 3, 12)  # then every 3 years
    assert states["insurance"].level == "ok"
