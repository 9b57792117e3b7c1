"""The scheduler's periodic jobs. Each takes the job's connection (one transaction, committed
by the scheduler with the job's slot), `now` from the scheduler's clock, and its context;
each is idempotent: running it twice for the same moment changes nothing more. The jobs
that talk to the network (`SENDING`: e-mails, web hooks) commit message by message
instead, so that no lock is held while a server takes its time, and look at
`context.stop` between messages.

What the ingest worker already does every few seconds stays there (trackers marked
offline and the per-tracker silence alert, day partitions, expiry of raw positions):
it runs next to the data, under its own advisory lock, and a scheduler job repeating
it would do the same work twice. The scheduler watches what the ingest worker cannot
see about itself (no telemetry from the whole fleet) and the rest of the product.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from alerts.raising import AlertDraft, open_alerts, resolve_alerts
from fleetbase import formatting
from fleetbase.db import Conn
from maintenance.service import scan_due
from notifications import alert_mail, webhooks
from scheduler import jobs_repository
from scheduler.settings import SchedulerSettings

BATTERY_RECOVERY_PCT = 5.0


@dataclass(frozen=True)
class JobContext:
    settings: SchedulerSettings
    mailer: Callable[[Sequence[str], str, str], None]
    stop: threading.Event = field(default_factory=threading.Event)  # set: the scheduler is stopping


def due_scan(conn: Conn, *, now: datetime, context: JobContext) -> dict[str, Any]:
    outcome = scan_due(conn, now=now, zone=context.settings.zone)
    return {"states": outcome.states, "opened": len(outcome.opened), "resolved": len(outcome.resolved)}


def overdue_loans(conn: Conn, *, now: datetime, context: JobContext) -> dict[str, Any]:
    from incidents.service import not_returned_alerts
    from loans.overdue import mark_overdue_loans  # the loans domain owns the rule and its alert

    settings = context.settings
    marked = mark_overdue_loans(conn, now=now, zone=settings.zone)
    not_returned = not_returned_alerts(
        conn, now=now, after=timedelta(days=settings.incident_not_returned_days), zone=settings.zone
    )
    return {"marked": len(marked), "not_returned": len(not_returned)}


def fleet_silence(conn: Conn, *, now: datetime, context: JobContext) -> dict[str, Any]:
    """One critical alert when no tracker at all has been heard for a while (ingest worker,
    broker or network down); the per-tracker silences are the ingest worker's."""
    state = jobs_repository.newest_telemetry(conn)
    key = "ingest_stalled:fleet"
    stale = timedelta(seconds=context.settings.scheduler_ingest_stale_s)
    if state["expected"] and state["last_seen_at"] is not None and state["last_seen_at"] < now - stale:
        opened = open_alerts(
            conn,
            [
                AlertDraft(
                    "ingest_stalled",
                    "critical",
                    "fleet_manager",
                    None,
                    None,
                    "Aucune donnée reçue de la flotte depuis le "
                    f"{formatting.moment(state['last_seen_at'], context.settings.zone)} : vérifiez le serveur "
                    "MQTT et le"
                    " service de réception (ingest).",
                    key,
                )
            ],
            now=now,
        )
        return {"opened": len(opened)}
    return {"resolved": len(resolve_alerts(conn, [key], now=now))}


def batteries_before_loans(conn: Conn, *, now: datetime, context: JobContext) -> dict[str, Any]:
    """An electric vehicle due out on a loan soon with a low traction battery: charge it first."""
    lookahead = timedelta(hours=context.settings.scheduler_battery_lookahead_h)
    drafts = [
        AlertDraft(
            "low_battery_before_loan",
            "warning",
            "fleet_manager",
            row["vehicle_id"],
            row["loan_id"],
            f"{row['label']} part en prêt le {formatting.moment(row['starts_at'], context.settings.zone)} avec "
            "une batterie"
            f" à {row['battery_pct']:.0f} % (seuil {row['low_battery_pct']:.0f} %) : à recharger avant le départ.",
            f"low_battery_before_loan:{row['loan_id']}",
        )
        for row in jobs_repository.low_batteries_before_loans(conn, now=now, lookahead=lookahead)
    ]
    over = [
        row["dedup_key"]
        for row in jobs_repository.open_battery_alert_loans(conn)
        if row["status"] != "validated"
        or (
            row["battery_pct"] is not None
            and row["low_battery_pct"] is not None
            and row["battery_pct"] >= row["low_battery_pct"] + BATTERY_RECOVERY_PCT
        )
    ]
    return {"resolved": len(resolve_alerts(conn, over, now=now)), "opened": len(open_alerts(conn, drafts, now=now))}


def retention(conn: Conn, *, now: datetime, context: JobContext) -> dict[str, Any]:
    settings = context.settings
    return jobs_repository.delete_expired(
        conn,
        now=now,
        retention_days=settings.retention_days,
        keep_days=settings.scheduler_keep_operational_days,
        audit_days=settings.audit_retention_days,
    )


def incidents_auto_close(conn: Conn, *, now: datetime, context: JobContext) -> dict[str, Any]:
    """Incidents neither renewed nor closed in time close by themselves (docs/PRIVACY.md)."""
    from incidents.service import close_expired_incidents  # the incidents domain owns the rule

    closed = close_expired_incidents(
        conn, now=now, auto_close_after=timedelta(days=context.settings.incident_auto_close_days)
    )
    return {"closed": len(closed)}


def notify(conn: Conn, *, now: datetime, context: JobContext) -> dict[str, Any]:
    settings = context.settings
    retry = alert_mail.Retry(max_attempts=settings.mail_max_attempts, backoff_s=settings.mail_backoff_s)
    alerts = alert_mail.notify_alerts(
        conn, mailer=context.mailer, now=now, zone=settings.zone, retry=retry, stop=context.stop
    )
    mail = alert_mail.send_queued_mail(conn, mailer=context.mailer, now=now, retry=retry, stop=context.stop)
    return {"alerts": alerts, "mail": mail}


def deliver_webhooks(conn: Conn, *, now: datetime, context: JobContext) -> dict[str, Any]:
    return webhooks.deliver_due(conn, settings=context.settings, now=now, stop=context.stop)


SENDING = frozenset({"notify", "webhooks"})


def job_table(settings: SchedulerSettings) -> dict[str, tuple[Callable[..., dict[str, Any]], int]]:
    """Job name → (function, interval in seconds)."""
    return {
        "due_scan": (due_scan, settings.scheduler_due_scan_s),
        "overdue_loans": (overdue_loans, settings.scheduler_overdue_loans_s),
        "fleet_silence": (fleet_silence, settings.scheduler_tracker_watch_s),
        "batteries_before_loans": (batteries_before_loans, settings.scheduler_battery_s),
        "retention": (retention, settings.scheduler_retention_s),
        "incidents_auto_close": (incidents_auto_close, settings.scheduler_incidents_s),
        "notify": (notify, settings.scheduler_notify_s),
        "webhooks": (deliver_webhooks, settings.scheduler_webhooks_s),
    }
