"""SQL of what the scheduler sends (alert e-mails, queued e-mails, web hooks) and of its job runs."""

from __future__ import annotations

from datetime import datetime

import psycopg


# --- alert e-mails ---------------------------------------------------------------------------

def alerts_to_notify(conn: psycopg.Connection, *, limit: int) -> list[dict]:
    """Committed alerts not yet e-mailed, oldest first, locked so no other run takes them."""
    return conn.execute(
        "SELECT a.id, a.kind, a.severity, a.target_role, a.message, a.status, a.created_at, a.vehicle_id,"
        " v.label AS vehicle_label FROM alerts a LEFT JOIN vehicles v ON v.id = a.vehicle_id"
        " WHERE a.notified_at IS NULL ORDER BY a.id LIMIT %(limit)s FOR UPDATE OF a SKIP LOCKED",
        {"limit": limit}).fetchall()


def role_addresses(conn: psycopg.Connection) -> dict[str, list[str]]:
    """E-mail addresses of the enabled users, by role."""
    rows = conn.execute("SELECT role, array_agg(DISTINCT email ORDER BY email) AS emails FROM users"
                        " WHERE disabled_at IS NULL AND email IS NOT NULL AND email <> '' GROUP BY role").fetchall()
    return {row["role"]: row["emails"] for row in rows}


def mark_notified(conn: psycopg.Connection, alert_ids: list[int], *, now: datetime) -> None:
    if alert_ids:
        conn.execute("UPDATE alerts SET notified_at = %(now)s WHERE id = ANY(%(ids)s)", {"ids": alert_ids, "now": now})


# --- queued e-mails ----------------------------------------------------------------------------

def pending_mail(conn: psycopg.Connection, *, limit: int) -> list[dict]:
    return conn.execute("SELECT id, recipients, subject, body FROM mail_outbox WHERE sent_at IS NULL"
                        " ORDER BY id LIMIT %(limit)s FOR UPDATE SKIP LOCKED", {"limit": limit}).fetchall()


def mark_mail(conn: psycopg.Connection, mail_id: int, *, sent_at: datetime | None, error: str | None) -> None:
    conn.execute("UPDATE mail_outbox SET sent_at = %(sent)s, attempts = attempts + 1, last_error = %(error)s"
                 " WHERE id = %(id)s", {"id": mail_id, "sent": sent_at, "error": error})


# --- web hooks -----------------------------------------------------------------------------------

def due_deliveries(conn: psycopg.Connection, *, now: datetime, limit: int) -> list[dict]:
    return conn.execute(
        "SELECT d.id, d.garage_id, d.event, d.idempotency_key, d.body, d.attempts, g.name AS garage_name,"
        " g.webhook_url, g.webhook_secret FROM webhook_deliveries d JOIN garages g ON g.id = d.garage_id"
        " WHERE d.status = 'pending' AND d.next_attempt_at <= %(now)s"
        " ORDER BY d.next_attempt_at, d.id LIMIT %(limit)s FOR UPDATE OF d SKIP LOCKED",
        {"now": now, "limit": limit}).fetchall()


def delivery_succeeded(conn: psycopg.Connection, delivery_id: int, *, now: datetime) -> None:
    conn.execute("UPDATE webhook_deliveries SET status = 'delivered', attempts = attempts + 1, delivered_at = %(now)s,"
                 " last_error = NULL WHERE id = %(id)s", {"id": delivery_id, "now": now})


def delivery_failed(conn: psycopg.Connection, delivery_id: int, *, error: str, next_attempt_at: datetime | None) -> None:
    """Count the attempt; retry at `next_attempt_at`, or give up when it is None."""
    conn.execute("UPDATE webhook_deliveries SET attempts = attempts + 1, last_error = %(error)s,"
                 " status = CASE WHEN %(next)s::timestamptz IS NULL THEN 'failed' ELSE 'pending' END,"
                 " next_attempt_at = coalesce(%(next)s::timestamptz, next_attempt_at) WHERE id = %(id)s",
                 {"id": delivery_id, "error": error[:500], "next": next_attempt_at})


# --- scheduler job runs ----------------------------------------------------------------------------

def claim_slot(conn: psycopg.Connection, *, job: str, slot: datetime, runner: str, now: datetime) -> bool:
    """Claim the job's slot for this transaction; False when it ran (or is running) elsewhere.

    A concurrent claim of the same slot waits on the primary key until the first
    transaction ends, then finds the row: a slot's work commits once.
    """
    return conn.execute(
        "INSERT INTO scheduler_job_runs (job, slot, started_at, runner) VALUES (%(job)s, %(slot)s, %(now)s, %(runner)s)"
        " ON CONFLICT (job, slot) DO NOTHING", {"job": job, "slot": slot, "now": now, "runner": runner}).rowcount == 1


def finish_slot(conn: psycopg.Connection, *, job: str, slot: datetime, outcome: str, now: datetime) -> None:
    conn.execute("UPDATE scheduler_job_runs SET finished_at = %(now)s, outcome = %(outcome)s::jsonb"
                 " WHERE job = %(job)s AND slot = %(slot)s", {"job": job, "slot": slot, "outcome": outcome, "now": now})


def last_slot(conn: psycopg.Connection, *, job: str) -> datetime | None:
    return conn.execute("SELECT max(slot) AS slot FROM scheduler_job_runs WHERE job = %(job)s",
                        {"job": job}).fetchone()["slot"]
