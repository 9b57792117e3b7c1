"""The one alert machinery: every part of the product opens and resolves alerts here
(its SQL in `alerts.repository`).

An alert is a French message for one role about one situation. `dedup_key` names the
situation (``"maintenance:42:oil:due"``): while an alert with that key is open or
acknowledged, opening it again does nothing, so a rule may fire on every reading or
every scheduler run and still raise one alert. Resolving the key closes it; the next
occurrence of the situation opens a new one.

E-mail is not sent from here: whoever opens an alert does so inside its own
transaction, and the scheduler's notification job e-mails what was committed.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from alerts import repository
from fleetbase.db import Conn


@dataclass(frozen=True)
class AlertDraft:
    kind: str
    severity: str  # info, warning, critical
    target_role: str
    vehicle_id: int | None
    loan_id: int | None
    message: str
    dedup_key: str


def open_alerts(conn: Conn, drafts: Sequence[AlertDraft], *, now: datetime) -> list[int]:
    """Open each alert unless one with its dedup_key is still open or acknowledged; the new ids.

    One statement for the whole batch: most drafts repeat a situation already open
    (a vehicle still away from its depot), and a round trip each would dominate.
    """
    if not drafts:
        return []
    return repository.insert_unless_open(conn, drafts, now=now)


def resolve_alerts(conn: Conn, dedup_keys: Iterable[str], *, now: datetime) -> list[str]:
    """Close the open alerts of situations that are over; the keys actually closed."""
    keys = list(dedup_keys)
    if not keys:
        return []
    return repository.resolve(conn, keys, now=now)
