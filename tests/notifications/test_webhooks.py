"""Signed web hooks to a garage's own system: a real HTTP receiver checks every delivery."""

from __future__ import annotations

import urllib.error
import urllib.request
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from maintenance import tickets
from notifications.webhooks import deliver_due, sign, verify
from tests.factories import vehicle_id
from tests.maintenance.factories import PUBLIC_URL
from tests.outside import maintenance_settings

PARIS = ZoneInfo("Europe/Paris")
NOW = datetime(2026, 5, 4, 7, 0, tzinfo=UTC)


@pytest.fixture
def sent_ticket(conn, garage_system):
    system, url = garage_system
    garage = conn.execute(
        "UPDATE garages SET webhook_url = %(url)s, webhook_secret = %(secret)s"
        " WHERE id = (SELECT min(id) FROM garages) RETURNING id",
        {"url": url, "secret": system.secret},
    ).fetchone()["id"]
    mechanic = conn.execute("SELECT id FROM users WHERE username = 'mechanic'").fetchone()["id"]
    actor = tickets.Actor(user_id=mechanic, role="mechanic")
    ticket = tickets.create(
        conn,
        actor=actor,
        vehicle_id=vehicle_id(conn, "car-02"),
        garage_id=garage,
        title="Embrayage qui patine",
        description="",
        immobilised=False,
        tasks=[],
        now=NOW,
    )
    tickets.change_status(
        conn,
        ticket["id"],
        actor=actor,
        status="sent",
        note="",
        final_cost_cents=None,
        now=NOW,
        zone=PARIS,
        public_url=PUBLIC_URL,
    )
    return ticket, actor


def _deliveries(conn):
    return conn.execute(
        "SELECT event, status, attempts, next_attempt_at, idempotency_key FROM webhook_deliveries ORDER BY id"
    ).fetchall()


def test_a_sent_ticket_reaches_the_garage_signed_and_a_replay_is_refused(conn, garage_system, seeded_url, sent_ticket):
    system, url = garage_system
    system.now = NOW
    settings = maintenance_settings(seeded_url)
    assert deliver_due(conn, settings=settings, now=NOW) == {"delivered": 1, "retried": 0, "failed": 0}
    [request] = system.requests
    [payload] = system.processed.values()
    assert payload["event"] == "ticket.sent" and payload["ticket"]["title"] == "Embrayage qui patine"
    assert payload["ticket"]["status"] == "sent" and payload["ticket"]["vehicle"]["label"] == "car-02"
    assert request["headers"]["Fleet-Event"] == "ticket.sent"
    assert request["headers"]["Fleet-Signature"].startswith(f"t={int(NOW.timestamp())},v1=")
    assert [row["status"] for row in _deliveries(conn)] == ["delivered"]

    # Someone who captured the request sends it again ten minutes later: the timestamp gives it away.
    system.now = NOW + timedelta(minutes=10)
    replay = urllib.request.Request(
        url,
        data=request["body"],
        method="POST",
        headers={name: request["headers"][name] for name in ("Fleet-Signature", "Idempotency-Key", "Fleet-Event")},
    )
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(replay, timeout=5)
    assert refused.value.code == 401
    # A tampered body with a fresh timestamp but the old signature fails too.
    assert not verify(
        system.secret,
        request["body"] + b" ",
        sign(system.secret, request["body"], timestamp=int(system.now.timestamp())),
        now=system.now,
    )
    assert len(system.processed) == 1


def test_a_failing_receiver_gets_retries_with_back_off_and_the_same_idempotency_key(
    conn, garage_system, seeded_url, sent_ticket
):
    system, _ = garage_system
    ticket, actor = sent_ticket
    settings = maintenance_settings(seeded_url)
    system.now = NOW
    deliver_due(conn, settings=settings, now=NOW)  # ticket.sent goes through
    tickets.comment(
        conn, ticket["id"], actor=actor, text="Le client a signalé un bruit.", now=NOW, public_url=PUBLIC_URL
    )
    system.fail_next = 2

    assert deliver_due(conn, settings=settings, now=NOW)["retried"] == 1  # 503
    comment = _deliveries(conn)[1]
    assert comment["attempts"] == 1 and comment["next_attempt_at"] == NOW + timedelta(seconds=30)
    assert deliver_due(conn, settings=settings, now=NOW + timedelta(seconds=20)) == {
        "delivered": 0,
        "retried": 0,
        "failed": 0,
    }  # not yet time
    system.now = NOW + timedelta(seconds=30)
    assert deliver_due(conn, settings=settings, now=system.now)["retried"] == 1  # 503 again
    assert _deliveries(conn)[1]["next_attempt_at"] == NOW + timedelta(seconds=90)  # 30 s, then 60 s
    system.now = NOW + timedelta(seconds=90)
    assert deliver_due(conn, settings=settings, now=system.now)["delivered"] == 1

    tries = [request for request in system.requests if request["headers"]["Fleet-Event"] == "ticket.comment"]
    assert len(tries) == 3
    assert len({request["headers"]["Idempotency-Key"] for request in tries}) == 1
    assert str(comment["idempotency_key"]) == tries[0]["headers"]["Idempotency-Key"]
    assert [row["status"] for row in _deliveries(conn)] == ["delivered", "delivered"]
    assert system.processed[str(comment["idempotency_key"])]["note"] == "Le client a signalé un bruit."


def test_a_receiver_that_never_answers_is_given_up_and_the_fleet_manager_told(conn, seeded_url, sent_ticket):
    conn.execute("UPDATE garages SET webhook_url = 'http://127.0.0.1:9/nobody' WHERE webhook_url IS NOT NULL")
    settings = maintenance_settings(seeded_url, webhook_max_attempts=2)
    assert deliver_due(conn, settings=settings, now=NOW)["retried"] == 1
    assert deliver_due(conn, settings=settings, now=NOW + timedelta(minutes=1))["failed"] == 1
    assert [row["status"] for row in _deliveries(conn)] == ["failed"]
    alert = conn.execute("SELECT target_role, message FROM alerts WHERE kind = 'webhook_failed'").fetchone()
    assert alert["target_role"] == "fleet_manager"
    assert alert["message"].startswith("Le système du garage « Garage solidaire Sud Landes » ne reçoit plus")


def test_a_redirection_is_a_failed_delivery_not_followed(conn, garage_system, seeded_url, sent_ticket):
    """A garage's address that now redirects (a new site): following it would turn the POST
    into a GET of some page, answered 200, and the delivery would look made."""
    system, url = garage_system
    system.now = NOW
    system.redirect_to = url.rstrip("/") + "/accueil"
    settings = maintenance_settings(seeded_url)
    assert deliver_due(conn, settings=settings, now=NOW) == {"delivered": 0, "retried": 1, "failed": 0}
    assert system.pages_served == 0
    error = conn.execute("SELECT last_error FROM webhook_deliveries").fetchone()["last_error"]
    assert "302" in error and "/accueil" in error


def test_each_delivery_is_signed_when_it_is_sent_not_when_the_run_began(conn, garage_system, seeded_url, sent_ticket):
    """A run slowed by garages: the second delivery leaves six minutes after the run began,
    and the garage's system (whose clock says so) refuses a signature that old."""
    system, url = garage_system
    ticket, actor = sent_ticket
    tickets.comment(conn, ticket["id"], actor=actor, text="Pièce commandée.", now=NOW, public_url=PUBLIC_URL)
    sends = iter([NOW, NOW + timedelta(minutes=6)])

    def clock():
        system.now = next(sends)  # the garage receives it at the time it is sent
        return system.now

    settings = maintenance_settings(seeded_url)
    assert deliver_due(conn, settings=settings, now=NOW, clock=clock) == {"delivered": 2, "retried": 0, "failed": 0}
    stamps = [request["headers"]["Fleet-Signature"].split(",")[0] for request in system.requests]
    assert stamps == [f"t={int(NOW.timestamp())}", f"t={int((NOW + timedelta(minutes=6)).timestamp())}"]
