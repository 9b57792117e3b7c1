"""The scheduler closes an incident neither renewed nor closed within FLEET_INCIDENT_AUTO_CLOSE_DAYS."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from scheduler.jobs import JobContext, incidents_auto_close, job_table
from tests.factories import vehicle_id
from tests.outside import maintenance_settings

NOW = datetime(2026, 9, 14, 6, 0, tzinfo=UTC)


def _incident(conn, label: str, *, opened_at: datetime, renewed_at: datetime | None = None) -> int:
    manager = conn.execute("SELECT id FROM users WHERE username = 'manager'").fetchone()["id"]
    return conn.execute(
        "INSERT INTO incidents (vehicle_id, kind, reason, opened_by, opened_at, renewed_at)"
        " VALUES (%(vehicle)s, 'theft_suspected', 'Sorti du dépôt la nuit.', %(by)s, %(at)s, %(renewed)s)"
        " RETURNING id",
        {"vehicle": vehicle_id(conn, label), "by": manager, "at": opened_at, "renewed": renewed_at},
    ).fetchone()["id"]


def test_incidents_not_renewed_in_time_close_by_themselves_at_their_expiry(conn, seeded_url):
    settings = maintenance_settings(seeded_url, incident_auto_close_days=7)
    assert "incidents_auto_close" in job_table(settings)
    context = JobContext(settings=settings, mailer=print)
    stale = _incident(conn, "car-01", opened_at=NOW - timedelta(days=8))
    renewed = _incident(conn, "car-02", opened_at=NOW - timedelta(days=8), renewed_at=NOW - timedelta(days=2))
    fresh = _incident(conn, "car-03", opened_at=NOW - timedelta(days=6, hours=23))

    assert incidents_auto_close(conn, now=NOW, context=context) == {"closed": 1}
    assert incidents_auto_close(conn, now=NOW, context=context) == {"closed": 0}  # idempotent
    rows = {
        row["id"]: row
        for row in conn.execute("SELECT id, closed_at, closed_by, outcome FROM incidents ORDER BY id").fetchall()
    }
    assert rows[stale]["closed_at"] == NOW - timedelta(days=1) and rows[stale]["closed_by"] is None
    assert "automatiquement" in rows[stale]["outcome"]
    assert rows[renewed]["closed_at"] is None and rows[fresh]["closed_at"] is None
    (audit,) = conn.execute("SELECT action, user_id, subject_id, details FROM audit_log").fetchall()
    assert (audit["action"], audit["user_id"], audit["details"]["incident_id"]) == ("incident_closed", None, stale)


def test_a_loan_still_overdue_days_after_its_end_alerts_the_fleet_manager_without_naming_a_place(conn, seeded_url):
    from notifications.alert_mail import alert_email
    from scheduler.jobs import overdue_loans

    settings = maintenance_settings(seeded_url, incident_not_returned_days=2)
    context = JobContext(settings=settings, mailer=print)
    car = vehicle_id(conn, "car-05")
    loan = conn.execute(
        "INSERT INTO loans (vehicle_id, status, starts_at, ends_at, held_until, checked_out_at)"
        " VALUES (%(car)s, 'active', %(start)s, %(end)s, %(end)s, %(start)s) RETURNING id",
        {"car": car, "start": NOW - timedelta(days=10), "end": NOW - timedelta(days=1)},
    ).fetchone()["id"]

    assert overdue_loans(conn, now=NOW, context=context) == {"marked": 1, "not_returned": 0}
    assert overdue_loans(conn, now=NOW + timedelta(days=1, minutes=1), context=context)["not_returned"] == 1
    alert = conn.execute(
        "SELECT a.*, v.label AS vehicle_label FROM alerts a JOIN vehicles v ON v.id = a.vehicle_id"
        " WHERE a.kind = 'vehicle_not_returned'"
    ).fetchone()
    assert (alert["target_role"], alert["loan_id"]) == ("fleet_manager", loan)
    assert "incident" in alert["message"]
    subject, body = alert_email(alert, zone=settings.zone)
    places = [row["name"] for row in conn.execute("SELECT name FROM sites UNION SELECT name FROM geofences")]
    places += [row["municipality"] for row in conn.execute("SELECT municipality FROM sites")]
    assert subject.startswith("[Plateforme mobilité] Véhicule non rendu — car-05")
    assert not any(place in subject + body for place in places)
