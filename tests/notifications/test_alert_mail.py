"""Alert e-mails and garage notices reach a real SMTP server (aiosmtpd), in French, once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from alerts.raising import AlertDraft, open_alerts
from maintenance import tickets
from maintenance.records import record_service
from maintenance.service import scan_due
from notifications.alert_mail import notify_alerts, send_queued_mail
from notifications.mail import SmtpMailer
from tests.factories import vehicle_id
from tests.maintenance.factories import PUBLIC_URL, drive_to, only_plans
from tests.outside import maintenance_settings

PARIS = ZoneInfo("Europe/Paris")
NOW = datetime(2026, 3, 2, 8, 30, tzinfo=UTC)


def _user(conn, username: str, *, role: str, email: str | None, disabled: bool = False) -> None:
    conn.execute(
        "INSERT INTO users (username, full_name, email, role, password_hash, disabled_at)"
        " VALUES (%(u)s, %(u)s, %(email)s, %(role)s, 'x', %(disabled)s)",
        {"u": username, "email": email, "role": role, "disabled": NOW if disabled else None},
    )


def test_a_maintenance_alert_is_emailed_in_french_to_the_mechanics_once(conn, smtp_server, seeded_url):
    catcher, port = smtp_server
    mailer = SmtpMailer(maintenance_settings(seeded_url, smtp_port=port))
    _user(conn, "mecano2", role="mechanic", email="mecano2@plateforme-mobilite.example.org")
    _user(conn, "ancien", role="mechanic", email="ancien@plateforme-mobilite.example.org", disabled=True)
    _user(conn, "sansmail", role="mechanic", email=None)
    only_plans(conn, "scooter", ("service",))
    scooter = vehicle_id(conn, "scooter-04")
    drive_to(conn, scooter, odometer_km=2_750, at=NOW - timedelta(days=14))
    drive_to(conn, scooter, odometer_km=2_890, at=NOW)
    record_service(
        conn,
        vehicle_id=scooter,
        performed_on=(NOW - timedelta(days=100)).date(),
        odometer_km=0,
        tasks=["service"],
        cost_cents=None,
        notes="",
        by_user_id=None,
        now=NOW,
        zone=PARIS,
    )
    # Recording the service ran the vehicle's due scan: the alert is already open, and only once.
    assert not scan_due(conn, now=NOW, zone=PARIS, vehicle_ids=[scooter]).opened

    assert notify_alerts(conn, mailer=mailer, now=NOW, zone=PARIS)["sent"] == 1
    assert len(catcher.messages) == 1
    mail = catcher.messages[0]
    assert sorted(mail.recipients) == [
        "mecano2@plateforme-mobilite.example.org",
        "mechanic@plateforme-mobilite.example.org",
    ]
    assert mail.subject == "[Plateforme mobilité] Entretien à prévoir — scooter-04"
    assert mail.body.startswith(
        "Bonjour,\n\nScooter scooter-04 : Révision (vidange, bougie, filtre à air, freins)"
        " à prévoir bientôt — dans 110 km (à 3\u202f000 km)"
    )
    assert "À ce rythme, vers le 13 mars 2026." in mail.body  # 10 km a day over the last fortnight
    assert "ouverte le 2 mars 2026 à 09:30." in mail.body  # Paris time

    # Nothing twice: the next run (or a restarted scheduler) finds nothing to send.
    assert notify_alerts(conn, mailer=mailer, now=NOW + timedelta(minutes=1), zone=PARIS)["sent"] == 0
    assert len(catcher.messages) == 1


def test_an_alert_waits_while_the_smtp_server_is_away_and_is_sent_when_it_is_back(conn, smtp_server, seeded_url):
    catcher, port = smtp_server
    [alert] = open_alerts(
        conn,
        [AlertDraft("loan_overdue", "warning", "coordinator", None, None, "Prêt n° 7 en retard.", "test:overdue:7")],
        now=NOW,
    )
    away = SmtpMailer(maintenance_settings(seeded_url))  # nobody listens on that port
    assert notify_alerts(conn, mailer=away, now=NOW, zone=PARIS) == {
        "sent": 0,
        "skipped": 0,
        "refused": 0,
        "given_up": 0,
        "pending": 1,
    }
    assert (
        conn.execute("SELECT notified_at FROM alerts WHERE id = %(id)s", {"id": alert}).fetchone()["notified_at"]
        is None
    )

    back = SmtpMailer(maintenance_settings(seeded_url, smtp_port=port))
    assert notify_alerts(conn, mailer=back, now=NOW, zone=PARIS)["sent"] == 1
    assert [mail.recipients for mail in catcher.messages] == [["coordinator@plateforme-mobilite.example.org"]]
    assert catcher.messages[0].subject == "[Plateforme mobilité] Prêt en retard"


def test_the_garage_gets_a_french_email_when_a_ticket_is_sent(conn, smtp_server, seeded_url):
    catcher, port = smtp_server
    mechanic = conn.execute("SELECT id FROM users WHERE username = 'mechanic'").fetchone()["id"]
    garage = conn.execute("SELECT id FROM garages ORDER BY id LIMIT 1").fetchone()["id"]
    actor = tickets.Actor(user_id=mechanic, role="mechanic")
    ticket = tickets.create(
        conn,
        actor=actor,
        vehicle_id=vehicle_id(conn, "scooter-05"),
        garage_id=garage,
        title="Frein avant inefficace",
        description="Le levier touche la poignée.",
        immobilised=True,
        tasks=[],
        now=NOW,
    )
    tickets.change_status(
        conn,
        ticket["id"],
        actor=actor,
        status="sent",
        note="Urgent, merci.",
        final_cost_cents=None,
        now=NOW,
        zone=PARIS,
        public_url=PUBLIC_URL,
    )

    assert send_queued_mail(conn, mailer=SmtpMailer(maintenance_settings(seeded_url, smtp_port=port)), now=NOW) == {
        "sent": 1,
        "refused": 0,
        "given_up": 0,
        "pending": 0,
    }
    [mail] = catcher.messages
    assert mail.recipients == ["atelier@garage-solidaire.example.org"]
    assert mail.subject == (
        f"Nouvelle fiche de réparation n° {ticket['id']} — Scooter scooter-05 : Frein avant inefficace"
    )
    assert "La plateforme mobilité vous adresse une nouvelle fiche de réparation." in mail.body
    assert "Véhicule immobilisé : oui, il ne peut pas être prêté" in mail.body
    assert "Commentaire : Urgent, merci." in mail.body
    # The ticket's own page, at the service's public address: the garage signs in and acts there.
    assert f"sur sa page :\n{PUBLIC_URL}/reparations/{ticket['id']}\n" in mail.body


def test_every_email_to_the_garage_links_to_the_ticket_page(conn, smtp_server, seeded_url):
    catcher, port = smtp_server
    mechanic = conn.execute("SELECT id FROM users WHERE username = 'mechanic'").fetchone()["id"]
    garage = conn.execute("SELECT id FROM garages ORDER BY id LIMIT 1").fetchone()["id"]
    actor = tickets.Actor(user_id=mechanic, role="mechanic")
    ticket = tickets.create(
        conn,
        actor=actor,
        vehicle_id=vehicle_id(conn, "car-02"),
        garage_id=garage,
        title="Voyant moteur allumé",
        description="",
        immobilised=False,
        tasks=[],
        now=NOW,
    )
    public_url = "https://mobilite.example.org/flotte/"  # a trailing slash is not doubled
    tickets.change_status(
        conn,
        ticket["id"],
        actor=actor,
        status="sent",
        note="",
        final_cost_cents=None,
        now=NOW,
        zone=PARIS,
        public_url=public_url,
    )
    tickets.comment(conn, ticket["id"], actor=actor, text="Le voyant clignote à froid.", now=NOW, public_url=public_url)
    tickets.change_status(
        conn,
        ticket["id"],
        actor=actor,
        status="cancelled",
        note="Panne de capteur, réglée.",
        final_cost_cents=None,
        now=NOW,
        zone=PARIS,
        public_url=public_url,
    )

    assert (
        send_queued_mail(conn, mailer=SmtpMailer(maintenance_settings(seeded_url, smtp_port=port)), now=NOW)["sent"]
        == 3
    )
    assert [mail.subject.split(" n° ")[0] for mail in catcher.messages] == [
        "Nouvelle fiche de réparation",
        "Nouveau commentaire sur une fiche de réparation",
        "Fiche de réparation annulée",
    ]
    for mail in catcher.messages:
        assert f"\nhttps://mobilite.example.org/flotte/reparations/{ticket['id']}\n" in mail.body
