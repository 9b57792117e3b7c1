"""E-mails from the scheduler: the alert outbox, and the queued notices to garages.

Alerts are opened in whatever transaction raised them (ingest worker, API, scheduler)
with `notified_at` empty; this job e-mails each committed one once, in French, to the
enabled users of its target role who have an address, and marks it notified in its own
transaction. An SMTP failure stops the run: what was not sent stays queued for the
next one, so nothing is lost across restarts. (A crash between the SMTP server's
acceptance and the commit would send one message twice; it cannot lose one.)
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

import psycopg

from maintenance import french
from maintenance import outbox_repository as repository
from maintenance.mail import MailError

log = logging.getLogger(__name__)

Mailer = Callable[[Sequence[str], str, str], None]

KIND_TITLES = {
    "maintenance_due_soon": "Entretien à prévoir", "maintenance_due": "Entretien à faire",
    "maintenance_overdue": "Entretien en retard", "tracker_silent": "Traceur silencieux",
    "low_battery": "Batterie faible", "low_battery_before_loan": "Batterie à recharger avant un prêt",
    "loan_overdue": "Prêt en retard", "repair_draft": "Fiche de réparation à compléter",
    "loan_collides_repair": "Prêt sur un véhicule immobilisé", "webhook_failed": "Notifications au garage en échec",
    "ingest_stalled": "Réception des données arrêtée", "possible_theft": "Vol possible",
    "left_service_area": "Sortie de la zone d'intervention", "back_at_depot": "Retour au dépôt",
}
SEVERITIES = {"info": "information", "warning": "attention", "critical": "urgent"}


def alert_email(alert: dict, *, zone: ZoneInfo) -> tuple[str, str]:
    """Subject and body of an alert's e-mail."""
    title = KIND_TITLES.get(alert["kind"], "Alerte")
    subject = f"[Plateforme mobilité] {title}" + (f" — {alert['vehicle_label']}" if alert["vehicle_label"] else "")
    body = "\n".join([
        "Bonjour,", "", alert["message"], "",
        f"Alerte n° {alert['id']} ({SEVERITIES[alert['severity']]}), ouverte le "
        f"{french.moment(alert['created_at'], zone)}.",
        "Retrouvez-la dans la liste des alertes de l'application pour en accuser réception.",
        "", "-- ", "Plateforme mobilité — message automatique, merci de ne pas y répondre.",
    ])
    return subject, body


def notify_alerts(conn: psycopg.Connection, *, mailer: Mailer, now: datetime, zone: ZoneInfo,
                  limit: int = 200) -> dict:
    """E-mail the alerts not yet notified; counts of sent and skipped ones. No commit."""
    addresses = repository.role_addresses(conn)
    done, counts = [], {"sent": 0, "skipped": 0, "pending": 0}
    alerts = repository.alerts_to_notify(conn, limit=limit)
    for position, alert in enumerate(alerts):
        recipients = addresses.get(alert["target_role"], [])
        if alert["status"] == "resolved" or not recipients:
            counts["skipped"] += 1  # over before it could be sent, or nobody to tell
            done.append(alert["id"])
            continue
        subject, body = alert_email(alert, zone=zone)
        try:
            mailer(recipients, subject, body)
        except MailError as error:
            log.warning("alert e-mails paused, the SMTP server refused or is away: %s", error)
            counts["pending"] = len(alerts) - position
            break
        counts["sent"] += 1
        done.append(alert["id"])
    repository.mark_notified(conn, done, now=now)
    return counts


def send_queued_mail(conn: psycopg.Connection, *, mailer: Mailer, now: datetime, limit: int = 100) -> dict:
    """Send the queued e-mails (notices to garages). No commit."""
    counts = {"sent": 0, "pending": 0}
    for mail in repository.pending_mail(conn, limit=limit):
        try:
            mailer(mail["recipients"], mail["subject"], mail["body"])
        except MailError as error:
            repository.mark_mail(conn, mail["id"], sent_at=None, error=str(error)[:500])
            counts["pending"] += 1
            break
        repository.mark_mail(conn, mail["id"], sent_at=now, error=None)
        counts["sent"] += 1
    return counts
