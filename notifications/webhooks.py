"""Signed web hooks to a garage's own system: signing, checking, and delivery with retries.

Each delivery is a POST of a JSON body with these headers:

    Fleet-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>." + body)>
    Idempotency-Key: <uuid, the same on every retry of one event>
    Fleet-Event: ticket.sent | ticket.status | ticket.comment | ticket.updated | ticket.cancelled

The receiver recomputes the HMAC over the timestamp and the raw body with the secret it
shares with us, refuses a timestamp older than a few minutes (a captured delivery cannot
be replayed later), and drops an idempotency key it already processed. A delivery that
fails (network error, an answer outside 2xx — a redirection too: it is never followed, a
POST turned into a GET elsewhere would look delivered) is tried again after 30 s, 1 min, 2 min… (doubling,
at most 6 h) up to `webhook_max_attempts`; then it is marked failed and the fleet
manager gets an alert.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta

import httpx
from psycopg.rows import DictRow

from alerts.raising import AlertDraft, open_alerts, resolve_alerts
from fleetbase.db import Conn
from notifications import outbox_repository as repository
from scheduler.settings import SchedulerSettings

log = logging.getLogger(__name__)

SIGNATURE_HEADER = "Fleet-Signature"
TOLERANCE_S = 300
MAX_BACKOFF = timedelta(hours=6)


def sign(secret: str, body: bytes, *, timestamp: int) -> str:
    """The Fleet-Signature header value for `body` sent at `timestamp`."""
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def verify(secret: str, body: bytes, header: str, *, now: datetime, tolerance_s: int = TOLERANCE_S) -> bool:
    """What a receiver checks: a well-formed header, a fresh timestamp, a matching HMAC."""
    try:
        fields = dict(part.split("=", 1) for part in header.split(","))
        timestamp = int(fields["t"])
        received = fields["v1"]
    except (KeyError, ValueError):
        return False
    if abs(now.timestamp() - timestamp) > tolerance_s:
        return False
    expected = sign(secret, body, timestamp=timestamp).split("v1=", 1)[1]
    return hmac.compare_digest(expected, received)


def backoff(attempts: int, *, base_s: float) -> timedelta:
    """Wait before the next try after `attempts` failed ones (1 → base, then doubling)."""
    return min(timedelta(seconds=base_s * 2 ** (attempts - 1)), MAX_BACKOFF)


class DeliveryError(Exception):
    """The garage's system answered, but not with a 2xx."""


def post(url: str, body: bytes, headers: dict[str, str], *, timeout: float) -> None:
    """POST or raise: an answer outside 2xx is a failure, a redirection included (never followed)."""
    response = httpx.post(
        url,
        content=body,
        timeout=timeout,
        follow_redirects=False,
        headers={"Content-Type": "application/json; charset=utf-8", **headers},
    )
    if not response.is_success:
        where = f" vers {response.headers.get('location', '?')}" if response.is_redirect else ""
        raise DeliveryError(f"HTTP {response.status_code}{where}")


def deliver_due(
    conn: Conn,
    *,
    settings: SchedulerSettings,
    now: datetime,
    limit: int = 100,
    stop: threading.Event | None = None,
    clock: Callable[[], datetime] | None = None,
) -> dict[str, int]:
    """Try every delivery whose time has come, one by one; counts of delivered, retried and failed.

    Claim, POST, record, each step in its own short transaction (as the e-mails are
    sent, see `notifications`): no row stays locked while a garage's system takes its
    time. Should this process die between the POST and the record, the delivery goes
    again once its claim's lease is over, with the same idempotency key, which the
    receiver drops. `stop` is looked at between deliveries. Pass a connection that is
    not inside a transaction.

    Each delivery is signed with the time it is sent (`clock`; by default `now` plus the
    time this run has taken): a run slowed by garages that take their time must not send
    a signature older than the receiver's 5 minutes, refused as a replay.
    """
    if clock is None:
        started = time.monotonic()
        clock = lambda: now + timedelta(seconds=time.monotonic() - started)  # noqa: E731
    counts = {"delivered": 0, "retried": 0, "failed": 0}
    lease_until = now + repository.CLAIM_LEASE
    for delivery in repository.claimed(
        conn, lambda c: repository.claim_delivery(c, now=now, lease_until=lease_until), stop=stop, limit=limit
    ):
        error = _post(delivery, settings=settings, now=clock())
        with conn.transaction():
            if error is None:
                repository.delivery_succeeded(conn, delivery["id"], now=now)
                resolve_alerts(conn, [f"webhook_failed:{delivery['garage_id']}"], now=now)
                counts["delivered"] += 1
            elif _record_failure(conn, delivery, error, settings=settings, now=now):
                counts["failed"] += 1
            else:
                counts["retried"] += 1
    return counts


def _post(delivery: DictRow, *, settings: SchedulerSettings, now: datetime) -> Exception | None:
    """POST one delivery, signed; the error, or None."""
    body = delivery["body"].encode()
    headers = {
        SIGNATURE_HEADER: sign(delivery["webhook_secret"] or "", body, timestamp=int(now.timestamp())),
        "Idempotency-Key": str(delivery["idempotency_key"]),
        "Fleet-Event": delivery["event"],
    }
    try:
        if not delivery["webhook_url"]:
            raise ValueError("the garage no longer has a web hook address")
        post(delivery["webhook_url"], body, headers, timeout=settings.webhook_timeout_s)
    except (httpx.HTTPError, httpx.InvalidURL, DeliveryError, ValueError) as error:
        return error
    return None


def _record_failure(
    conn: Conn, delivery: DictRow, error: Exception, *, settings: SchedulerSettings, now: datetime
) -> bool:
    """Count the failed attempt, schedule the next or give up (and alert); True when given up."""
    attempts: int = delivery["attempts"] + 1
    give_up = attempts >= settings.webhook_max_attempts
    repository.delivery_failed(
        conn,
        delivery["id"],
        error=str(error),
        next_attempt_at=None if give_up else now + backoff(attempts, base_s=settings.webhook_backoff_s),
    )
    log.warning("web hook %s to %s failed (attempt %d): %s", delivery["id"], delivery["garage_name"], attempts, error)
    if give_up:
        open_alerts(
            conn,
            [
                AlertDraft(
                    "webhook_failed",
                    "warning",
                    "fleet_manager",
                    None,
                    None,
                    f"Le système du garage « {delivery['garage_name']} » ne reçoit plus nos notifications "
                    f"(dernière erreur : {str(error)[:200]}). Prévenez le garage par téléphone.",
                    f"webhook_failed:{delivery['garage_id']}",
                )
            ],
            now=now,
        )
    return give_up
