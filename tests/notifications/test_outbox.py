"""The scheduler's outbox, message by message: a bad message never makes the others go
twice or wait, and no row stays locked while an SMTP server or a garage's system takes
its time. Through the scheduler's own job runs, on a committed database."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import psycopg
import pytest

from alerts.raising import AlertDraft, open_alerts
from fleetbase.db import connect
from scheduler.runner import Scheduler
from tests.factories import vehicle_id
from tests.maintenance.factories import ticket_sent_to_garage
from tests.outside import FakeClock, maintenance_settings
from tests.processes import wait_until

NOW = datetime(2026, 3, 2, 8, 30, 5, tzinfo=UTC)
COORDINATOR = "coordinator@plateforme-mobilite.example.org"
PRESCRIBER = "prescriber@plateforme-mobilite.example.org"


def _overdue_alerts(url: str, labels: list[str], *, role: str = "coordinator") -> list[int]:
    with connect(url) as conn:
        return open_alerts(
            conn,
            [
                AlertDraft(
                    "loan_overdue",
                    "warning",
                    role,
                    vehicle_id(conn, label),
                    None,
                    f"Prêt en retard ({number}).",
                    f"test:overdue:{label}",
                )
                for number, label in enumerate(labels)
            ],
            now=NOW,
        )


def _scheduler(url: str, smtp_port: int, clock: FakeClock, **settings) -> Scheduler:
    return Scheduler(maintenance_settings(url, smtp_port=smtp_port, **settings), clock=clock)


def _alert(url: str, alert_id: int) -> dict:
    with connect(url) as conn:
        return conn.execute("SELECT * FROM alerts WHERE id = %(id)s", {"id": alert_id}).fetchone()


def test_a_newline_in_a_vehicle_label_is_mailed_on_one_line_and_no_alert_goes_twice(new_database, smtp_server):
    catcher, port = smtp_server
    url = new_database()
    with connect(url) as conn:
        conn.execute(
            "UPDATE vehicles SET label = 'car-01' || chr(10) || 'Bcc: intrus@example.org' WHERE label = 'car-01'"
        )
    _overdue_alerts(url, ["car-02", "car-01\nBcc: intrus@example.org", "car-03"])
    clock = FakeClock(NOW)
    scheduler = _scheduler(url, port, clock)

    scheduler.run_job("notify")
    clock.now += timedelta(seconds=30)  # the next run, 30 s later, finds nothing left to send
    scheduler.run_job("notify")

    subjects = sorted(mail.subject for mail in catcher.messages)
    assert subjects == [
        "[Plateforme mobilité] Prêt en retard — car-01 Bcc: intrus@example.org",
        "[Plateforme mobilité] Prêt en retard — car-02",
        "[Plateforme mobilité] Prêt en retard — car-03",
    ]
    assert all(mail.recipients == [COORDINATOR] for mail in catcher.messages)


def test_a_refused_message_is_retried_with_back_off_then_given_up_and_never_holds_up_the_others(
    new_database, smtp_server
):
    catcher, port = smtp_server
    catcher.refuse = {PRESCRIBER}  # the prescriber's mailbox no longer exists
    url = new_database()
    [refused] = _overdue_alerts(url, ["car-04"], role="prescriber")
    [first] = _overdue_alerts(url, ["car-05"])
    clock = FakeClock(NOW)
    scheduler = _scheduler(url, port, clock, mail_max_attempts=3, mail_backoff_s=60)

    scheduler.run_job("notify")
    assert [mail.subject for mail in catcher.messages] == ["[Plateforme mobilité] Prêt en retard — car-05"]
    state = _alert(url, refused)
    assert state["notified_at"] is None and state["mail_failures"] == 1
    assert "550" in state["mail_last_error"] and state["mail_next_attempt_at"] == NOW + timedelta(seconds=60)

    [second] = _overdue_alerts(url, ["car-06"])
    clock.now = NOW + timedelta(seconds=30)  # not yet time to try the refused one again
    scheduler.run_job("notify")
    assert len(catcher.messages) == 2 and _alert(url, refused)["mail_failures"] == 1
    clock.now = NOW + timedelta(seconds=60)  # second try, then 120 s more
    scheduler.run_job("notify")
    assert _alert(url, refused)["mail_next_attempt_at"] == NOW + timedelta(seconds=180)
    clock.now = NOW + timedelta(seconds=180)  # third refusal: given up, with its reason
    scheduler.run_job("notify")
    state = _alert(url, refused)
    assert state["mail_failures"] == 3 and state["mail_failed_at"] == clock.now and state["notified_at"] is None
    clock.now = NOW + timedelta(hours=7)
    scheduler.run_job("notify")
    assert _alert(url, refused)["mail_failures"] == 3  # never tried again
    assert [_alert(url, alert)["notified_at"] is not None for alert in (first, second)] == [True, True]
    assert len(catcher.messages) == 2


def test_a_garage_notice_given_up_tells_the_fleet_manager(new_database, smtp_server):
    catcher, port = smtp_server
    catcher.refuse = {"atelier@garage-solidaire.example.org"}
    url = new_database()
    with connect(url) as conn:
        ticket = ticket_sent_to_garage(
            conn, label="scooter-05", title="Frein avant inefficace", now=NOW, immobilised=True
        )
    clock = FakeClock(NOW)
    scheduler = _scheduler(url, port, clock, mail_max_attempts=2, mail_backoff_s=60)

    scheduler.run_job("notify")
    clock.now += timedelta(seconds=60)
    scheduler.run_job("notify")

    with connect(url) as conn:
        mail = conn.execute("SELECT attempts, last_error, sent_at, failed_at FROM mail_outbox").fetchone()
        alert = conn.execute("SELECT target_role, message FROM alerts WHERE kind = 'mail_failed'").fetchone()
    assert mail["attempts"] == 2 and mail["sent_at"] is None and mail["failed_at"] == clock.now
    assert "550" in mail["last_error"]
    assert alert["target_role"] == "fleet_manager"
    assert alert["message"].startswith(f"Le courriel « Nouvelle fiche de réparation n° {ticket['id']}")
    assert "atelier@garage-solidaire.example.org" in alert["message"]


def _update_without_waiting(url: str, statement: str, params: dict) -> int:
    """Run `statement` in a transaction of its own, failing at once if a row it needs is locked."""
    with connect(url) as conn:
        conn.execute("SET lock_timeout = '1s'")
        return conn.execute(statement, params).rowcount


def test_no_alert_stays_locked_while_the_smtp_server_stalls(new_database, smtp_server):
    catcher, port = smtp_server
    catcher.hold = threading.Event()
    url = new_database()
    [alert] = _overdue_alerts(url, ["car-02"])
    scheduler = _scheduler(url, port, FakeClock(NOW))
    job = threading.Thread(target=scheduler.run_job, args=("notify",))
    job.start()
    try:
        wait_until(catcher.holding.is_set, timeout=30, message="the e-mail never reached the SMTP server")
        # Meanwhile the coordinator acknowledges the alert, and the ingest worker resolves it.
        try:
            acknowledged = _update_without_waiting(
                url,
                "UPDATE alerts SET status = 'acknowledged', acknowledged_at = %(now)s WHERE id = %(id)s",
                {"id": alert, "now": NOW},
            )
        except psycopg.errors.LockNotAvailable:
            pytest.fail("the alert stayed locked while its e-mail was being sent")
        assert acknowledged == 1
    finally:
        catcher.hold.set()
        job.join(timeout=30)
    assert [mail.subject for mail in catcher.messages] == ["[Plateforme mobilité] Prêt en retard — car-02"]
    assert _alert(url, alert)["status"] == "acknowledged" and _alert(url, alert)["notified_at"] is not None


def test_no_delivery_or_ticket_stays_locked_while_a_garage_system_stalls(new_database, garage_system):
    system, hook_url = garage_system
    system.hold = threading.Event()
    url = new_database()
    with connect(url) as conn:
        conn.execute(
            "UPDATE garages SET webhook_url = %(url)s, webhook_secret = %(secret)s",
            {"url": hook_url, "secret": system.secret},
        )
        ticket = ticket_sent_to_garage(conn, label="car-02", title="Embrayage qui patine", now=NOW)
    system.now = NOW
    scheduler = Scheduler(maintenance_settings(url), clock=FakeClock(NOW))
    job = threading.Thread(target=scheduler.run_job, args=("webhooks",))
    job.start()
    try:
        wait_until(system.holding.is_set, timeout=30, message="the delivery never reached the garage's system")
        try:
            # The mechanic edits the ticket, and the delivery row can be read and changed.
            _update_without_waiting(
                url,
                "UPDATE repair_tickets SET description = 'Bruit au démarrage.' WHERE id = %(id)s",
                {"id": ticket["id"]},
            )
            _update_without_waiting(
                url, "UPDATE webhook_deliveries SET last_error = NULL WHERE ticket_id = %(id)s", {"id": ticket["id"]}
            )
        except psycopg.errors.LockNotAvailable:
            pytest.fail("a row stayed locked while the garage's system was being called")
    finally:
        system.hold.set()
        job.join(timeout=30)
    with connect(url) as conn:
        delivery = conn.execute("SELECT status, attempts FROM webhook_deliveries").fetchone()
    assert delivery == {"status": "delivered", "attempts": 1} and len(system.processed) == 1
