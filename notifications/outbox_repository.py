"""SQL of what the scheduler sends (alert e-mails, queued e-mails, web hooks) and of its job runs."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta

from psycopg.rows import DictRow

from fleetbase.db import Conn, one

# Sending is claim → send → record, each step in its own transaction (see notifications.py).
# A claim pushes the message's next attempt past a lease and commits: no lock is held
# while the message is on its way, other runs pass it by, and if this process dies the
# message is tried again once the lease is over.
CLAIM_LEASE = timedelta(minutes=10)  # longer than a send can take (SMTP and HTTP timeouts)


def claimed(
    conn: Conn, claim: Callable[[Conn], DictRow | None], *, stop: threading.Event | None, limit: int
) -> Iterator[DictRow]:
    """Each message `claim` returns, claimed in a transaction of its own (the one commit made
    here: the claim must be visible before the message is sent), until none is due, `stop`
    is set or `limit` were claimed."""
    for _ in range(limit):
        if stop is not None and stop.is_set():
            return
        with conn.transaction():
            message = claim(conn)
        if message is None:
            return
        yield message


# --- alert e-mails ---------------------------------------------------------------------------

ALERT_DUE = "notified_at IS NULL AND mail_failed_at IS NULL AND coalesce(mail_next_attempt_at, '-infinity') <= %(now)s"


def claim_alert(conn: Conn, *, now: datetime, lease_until: datetime) -> DictRow | None:
    """The oldest committed alert due for its e-mail, claimed until `lease_until`; None when none is."""
    return conn.execute(
        "UPDATE alerts a SET mail_next_attempt_at = %(lease)s"
        f" FROM (SELECT id FROM alerts WHERE {ALERT_DUE} ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED) AS due"
        " WHERE a.id = due.id RETURNING a.id, a.kind, a.severity, a.target_role, a.message, a.status,"
        " a.created_at, a.vehicle_id, a.mail_failures,"
        " (SELECT v.label FROM vehicles v WHERE v.id = a.vehicle_id) AS vehicle_label",
        {"now": now, "lease": lease_until},
    ).fetchone()


def alerts_due(conn: Conn, *, now: datetime) -> int:
    """How many alerts wait for their e-mail and could go now."""
    return int(one(conn.execute(f"SELECT count(*) AS due FROM alerts WHERE {ALERT_DUE}", {"now": now}))["due"])


def role_addresses(conn: Conn) -> dict[str, list[str]]:
    """E-mail addresses of the enabled users, by role."""
    rows = conn.execute(
        "SELECT role, array_agg(DISTINCT email ORDER BY email) AS emails FROM users"
        " WHERE disabled_at IS NULL AND email IS NOT NULL AND email <> '' GROUP BY role"
    ).fetchall()
    return {row["role"]: row["emails"] for row in rows}


def mark_notified(conn: Conn, alert_ids: list[int], *, now: datetime) -> None:
    if alert_ids:
        conn.execute(
            "UPDATE alerts SET notified_at = %(now)s, mail_next_attempt_at = NULL WHERE id = ANY(%(ids)s)",
            {"ids": alert_ids, "now": now},
        )


def alert_mail_refused(conn: Conn, alert_id: int, *, error: str, retry_at: datetime | None, now: datetime) -> None:
    """Count a refusal; try again at `retry_at`, or give up (`retry_at` None)."""
    conn.execute(
        "UPDATE alerts SET mail_failures = mail_failures + 1, mail_last_error = %(error)s,"
        " mail_next_attempt_at = %(retry)s,"
        " mail_failed_at = CASE WHEN %(retry)s::timestamptz IS NULL THEN %(now)s END WHERE id = %(id)s",
        {"id": alert_id, "error": error[:500], "retry": retry_at, "now": now},
    )


def release_alert(conn: Conn, alert_id: int, *, error: str) -> None:
    """The server was away: the alert keeps its turn for the next run, no attempt counted."""
    conn.execute(
        "UPDATE alerts SET mail_next_attempt_at = NULL, mail_last_error = %(error)s WHERE id = %(id)s",
        {"id": alert_id, "error": error[:500]},
    )


# --- queued e-mails ----------------------------------------------------------------------------

MAIL_DUE = "sent_at IS NULL AND failed_at IS NULL AND coalesce(next_attempt_at, '-infinity') <= %(now)s"


def claim_mail(conn: Conn, *, now: datetime, lease_until: datetime) -> DictRow | None:
    """The oldest queued e-mail due, claimed until `lease_until`; None when none is."""
    return conn.execute(
        "UPDATE mail_outbox m SET next_attempt_at = %(lease)s"
        f" FROM (SELECT id FROM mail_outbox WHERE {MAIL_DUE} ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED) AS due"
        " WHERE m.id = due.id RETURNING m.id, m.recipients, m.subject, m.body, m.attempts",
        {"now": now, "lease": lease_until},
    ).fetchone()


def mails_due(conn: Conn, *, now: datetime) -> int:
    return int(one(conn.execute(f"SELECT count(*) AS due FROM mail_outbox WHERE {MAIL_DUE}", {"now": now}))["due"])


def mail_sent(conn: Conn, mail_id: int, *, now: datetime) -> None:
    conn.execute(
        "UPDATE mail_outbox SET sent_at = %(now)s, attempts = attempts + 1, last_error = NULL,"
        " next_attempt_at = NULL WHERE id = %(id)s",
        {"id": mail_id, "now": now},
    )


def mail_refused(conn: Conn, mail_id: int, *, error: str, retry_at: datetime | None, now: datetime) -> None:
    """Count the attempt; try again at `retry_at`, or give up (`retry_at` None)."""
    conn.execute(
        "UPDATE mail_outbox SET attempts = attempts + 1, last_error = %(error)s, next_attempt_at = %(retry)s,"
        " failed_at = CASE WHEN %(retry)s::timestamptz IS NULL THEN %(now)s END WHERE id = %(id)s",
        {"id": mail_id, "error": error[:500], "retry": retry_at, "now": now},
    )


def release_mail(conn: Conn, mail_id: int, *, error: str) -> None:
    conn.execute(
        "UPDATE mail_outbox SET next_attempt_at = NULL, last_error = %(error)s WHERE id = %(id)s",
        {"id": mail_id, "error": error[:500]},
    )


# --- web hooks -----------------------------------------------------------------------------------


def claim_delivery(conn: Conn, *, now: datetime, lease_until: datetime) -> DictRow | None:
    """The next delivery due, with its garage's address and secret, claimed until `lease_until`."""
    return conn.execute(
        "UPDATE webhook_deliveries d SET next_attempt_at = %(lease)s FROM garages g,"
        " (SELECT id FROM webhook_deliveries WHERE status = 'pending' AND next_attempt_at <= %(now)s"
        "  ORDER BY next_attempt_at, id LIMIT 1 FOR UPDATE SKIP LOCKED) AS due"
        " WHERE d.id = due.id AND g.id = d.garage_id"
        " RETURNING d.id, d.garage_id, d.event, d.idempotency_key, d.body, d.attempts, g.name AS garage_name,"
        " g.webhook_url, g.webhook_secret",
        {"now": now, "lease": lease_until},
    ).fetchone()


def delivery_succeeded(conn: Conn, delivery_id: int, *, now: datetime) -> None:
    conn.execute(
        "UPDATE webhook_deliveries SET status = 'delivered', attempts = attempts + 1, delivered_at = %(now)s,"
        " last_error = NULL WHERE id = %(id)s",
        {"id": delivery_id, "now": now},
    )


def delivery_failed(conn: Conn, delivery_id: int, *, error: str, next_attempt_at: datetime | None) -> None:
    """Count the attempt; retry at `next_attempt_at`, or give up when it is None."""
    conn.execute(
        "UPDATE webhook_deliveries SET attempts = attempts + 1, last_error = %(error)s,"
        " status = CASE WHEN %(next)s::timestamptz IS NULL THEN 'failed' ELSE 'pending' END,"
        " next_attempt_at = coalesce(%(next)s::timestamptz, next_attempt_at) WHERE id = %(id)s",
        {"id": delivery_id, "error": error[:500], "next": next_attempt_at},
    )


# --- scheduler job runs ----------------------------------------------------------------------------


def claim_slot(conn: Conn, *, job: str, slot: datetime, runner: str, now: datetime) -> bool:
    """Claim the job's slot for this transaction; False when it ran (or is running) elsewhere.

    A concurrent claim of the same slot waits on the primary key until the first
    transaction ends, then finds the row: a slot's work commits once.
    """
    return (
        conn.execute(
            "INSERT INTO scheduler_job_runs (job, slot, started_at, runner) VALUES (%(job)s, %(slot)s, %(now)s, "
            "%(runner)s)"
            " ON CONFLICT (job, slot) DO NOTHING",
            {"job": job, "slot": slot, "now": now, "runner": runner},
        ).rowcount
        == 1
    )


def finish_slot(conn: Conn, *, job: str, slot: datetime, outcome: str, now: datetime) -> None:
    conn.execute(
        "UPDATE scheduler_job_runs SET finished_at = %(now)s, outcome = %(outcome)s::jsonb"
        " WHERE job = %(job)s AND slot = %(slot)s",
        {"job": job, "slot": slot, "outcome": outcome, "now": now},
    )


def last_slot(conn: Conn, *, job: str) -> datetime | None:
    slot: datetime | None = one(
        conn.execute("SELECT max(slot) AS slot FROM scheduler_job_runs WHERE job = %(job)s", {"job": job})
    )["slot"]
    return slot
