"""E-mails from the scheduler: the alert outbox, and the queued notices to garages.

Alerts are opened in whatever transaction raised them (ingest worker, API, scheduler)
with `notified_at` empty; this job e-mails each committed one once, in French, to the
enabled users of its target role who have an address.

One message at a time, each step in a short transaction of its own, so that no row
stays locked while the SMTP server takes its time and no message's fate touches another:
1. claim the next message due (`outbox_repository`: a lease, committed);
2. send it, outside any transaction;
3. record what happened — sent; refused (`MessageRefused`: the reason is kept, the
   message is tried again after a back-off and given up after `max_attempts`, while the
   others go on); or the server away (`ServerUnavailable`: the message keeps its turn,
   no attempt is counted, and the run stops: the rest waits for the next run).
A crash between the SMTP server's acceptance and step 3 sends one message twice; it
cannot lose one. `stop` (the scheduler was asked to stop) is looked at between messages.

Pass a connection that is not inside a transaction: inside one, the steps become
savepoints, and their locks last as long as the caller's transaction.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from psycopg.rows import DictRow

from alerts.raising import AlertDraft, open_alerts
from fleetbase import formatting
from fleetbase.db import Conn
from notifications import outbox_repository as repository
from notifications.mail import MailNotSent, MessageRefused, ServerUnavailable
from notifications.webhooks import backoff

log = logging.getLogger(__name__)

Mailer = Callable[[Sequence[str], str, str], None]

KIND_TITLES = {
    "maintenance_due_soon": "Entretien à prévoir",
    "maintenance_due": "Entretien à faire",
    "maintenance_overdue": "Entretien en retard",
    "tracker_silent": "Traceur silencieux",
    "low_battery": "Batterie faible",
    "low_battery_before_loan": "Batterie à recharger avant un prêt",
    "loan_overdue": "Prêt en retard",
    "repair_draft": "Fiche de réparation à compléter",
    "loan_collides_repair": "Prêt sur un véhicule immobilisé",
    "webhook_failed": "Notifications au garage en échec",
    "ingest_stalled": "Réception des données arrêtée",
    "possible_theft": "Vol possible",
    "left_service_area": "Sortie de la zone d'intervention",
    "back_at_depot": "Retour au dépôt",
    "mail_failed": "Courriel non envoyé",
    "vehicle_not_returned": "Véhicule non rendu",
}
SEVERITIES = {"info": "information", "warning": "attention", "critical": "urgent"}


@dataclass(frozen=True)
class Retry:
    """A refused message is tried again after `backoff_s`, doubling, `max_attempts` times in all."""

    max_attempts: int = 8
    backoff_s: float = 60.0

    def next_attempt(self, attempts: int, *, now: datetime) -> datetime | None:
        """When to try again after `attempts` refusals; None: give up."""
        return None if attempts >= self.max_attempts else now + backoff(attempts, base_s=self.backoff_s)


def alert_email(alert: DictRow, *, zone: ZoneInfo) -> tuple[str, str]:
    """Subject and body of an alert's e-mail."""
    title = KIND_TITLES.get(alert["kind"], "Alerte")
    subject = f"[Plateforme mobilité] {title}" + (f" — {alert['vehicle_label']}" if alert["vehicle_label"] else "")
    body = "\n".join(
        [
            "Bonjour,",
            "",
            alert["message"],
            "",
            f"Alerte n° {alert['id']} ({SEVERITIES.get(alert['severity'], alert['severity'])}), ouverte le "
            f"{formatting.moment(alert['created_at'], zone)}.",
            "Retrouvez-la dans la liste des alertes de l'application pour en accuser réception.",
            "",
            "-- ",
            "Plateforme mobilité — message automatique, merci de ne pas y répondre.",
        ]
    )
    return subject, body


def notify_alerts(
    conn: Conn,
    *,
    mailer: Mailer,
    now: datetime,
    zone: ZoneInfo,
    retry: Retry = Retry(),
    stop: threading.Event | None = None,
    limit: int = 200,
) -> dict[str, int]:
    """E-mail the alerts due, one by one; counts of what happened. Commits each step."""
    counts = {"sent": 0, "skipped": 0, "refused": 0, "given_up": 0, "pending": 0}
    with conn.transaction():
        addresses = repository.role_addresses(conn)
    lease_until = now + repository.CLAIM_LEASE
    for alert in repository.claimed(
        conn, lambda c: repository.claim_alert(c, now=now, lease_until=lease_until), stop=stop, limit=limit
    ):
        recipients = addresses.get(alert["target_role"], [])
        if alert["status"] == "resolved" or not recipients:
            with conn.transaction():  # over before it could be sent, or nobody to tell
                repository.mark_notified(conn, [alert["id"]], now=now)
            counts["skipped"] += 1
            continue
        failure = _send(mailer, recipients, *alert_email(alert, zone=zone), what=f"alert {alert['id']}")
        with conn.transaction():
            if failure is None:
                repository.mark_notified(conn, [alert["id"]], now=now)
                counts["sent"] += 1
            elif isinstance(failure, ServerUnavailable):
                repository.release_alert(conn, alert["id"], error=failure.detail)
            else:
                retry_at = retry.next_attempt(alert["mail_failures"] + 1, now=now)
                repository.alert_mail_refused(conn, alert["id"], error=failure.detail, retry_at=retry_at, now=now)
                counts["given_up" if retry_at is None else "refused"] += 1
        if isinstance(failure, ServerUnavailable):
            break
    with conn.transaction():
        counts["pending"] = repository.alerts_due(conn, now=now)
    return counts


def send_queued_mail(
    conn: Conn,
    *,
    mailer: Mailer,
    now: datetime,
    retry: Retry = Retry(),
    stop: threading.Event | None = None,
    limit: int = 100,
) -> dict[str, int]:
    """Send the queued e-mails (notices to garages), one by one; a notice given up alerts
    the fleet manager, who can phone instead. Commits each step."""
    counts = {"sent": 0, "refused": 0, "given_up": 0, "pending": 0}
    lease_until = now + repository.CLAIM_LEASE
    for mail in repository.claimed(
        conn, lambda c: repository.claim_mail(c, now=now, lease_until=lease_until), stop=stop, limit=limit
    ):
        failure = _send(mailer, mail["recipients"], mail["subject"], mail["body"], what=f"queued mail {mail['id']}")
        with conn.transaction():
            if failure is None:
                repository.mail_sent(conn, mail["id"], now=now)
                counts["sent"] += 1
            elif isinstance(failure, ServerUnavailable):
                repository.release_mail(conn, mail["id"], error=failure.detail)
            else:
                retry_at = retry.next_attempt(mail["attempts"] + 1, now=now)
                repository.mail_refused(conn, mail["id"], error=failure.detail, retry_at=retry_at, now=now)
                counts["given_up" if retry_at is None else "refused"] += 1
                if retry_at is None:
                    _tell_fleet_manager(conn, mail, failure, now=now)
        if isinstance(failure, ServerUnavailable):
            break
    with conn.transaction():
        counts["pending"] = repository.mails_due(conn, now=now)
    return counts


def _send(mailer: Mailer, recipients: Sequence[str], subject: str, body: str, *, what: str) -> MailNotSent | None:
    """Send one message; the reason it did not go, or None."""
    try:
        mailer(recipients, subject, body)
    except ServerUnavailable as error:
        log.warning("e-mails paused, the SMTP server is away or refuses us: %s", error.detail)
        return error
    except MailNotSent as error:
        log.warning("%s not sent: %s", what, error.detail)
        return error
    except Exception as error:  # a fault of this one message must not stop the others either
        log.exception("%s could not be sent", what)
        return MessageRefused(f"erreur d'envoi : {error}")
    return None


def _tell_fleet_manager(conn: Conn, mail: DictRow, failure: MailNotSent, *, now: datetime) -> None:
    open_alerts(
        conn,
        [
            AlertDraft(
                "mail_failed",
                "warning",
                "fleet_manager",
                None,
                None,
                f"Le courriel « {mail['subject']} » à {', '.join(mail['recipients'])} n'a pas pu être envoyé"
                f" ({failure.detail[:200]}). Prévenez le destinataire par téléphone.",
                f"mail_failed:{mail['id']}",
            )
        ],
        now=now,
    )
