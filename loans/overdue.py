"""The scheduler's overdue job: active loans past their end become `overdue`, and the
coordinators get one alert per loan (closed when the vehicle is checked in)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from alerts.raising import AlertDraft, open_alerts
from fleetbase.db import Conn
from loans import repository
from loans.rules import when

OVERDUE_REASON = "fin du prêt dépassée sans retour"


def mark_overdue_loans(conn: Conn, *, now: datetime, zone: ZoneInfo) -> list[int]:
    """Mark every active loan whose end has passed as overdue; the ids newly marked.

    Idempotent: a loan already overdue is left alone, and its alert (dedup key
    `loan_overdue:{id}`) is opened once. Never commits.
    """
    marked = repository.overdue_candidates(conn, now=now)
    for loan in marked:
        repository.insert_transition(
            conn, loan["id"], from_status="active", to_status="overdue", by_user_id=None, reason=OVERDUE_REASON, now=now
        )
    open_alerts(
        conn,
        [
            AlertDraft(
                "loan_overdue",
                "warning",
                "coordinator",
                loan["vehicle_id"],
                loan["id"],
                f"Prêt n° {loan['id']} en retard : {loan['vehicle_label']} devait être rendu le "
                f"{when(loan['ends_at'], zone)}"
                " et n'a pas fait l'objet d'un état des lieux de retour.",
                f"loan_overdue:{loan['id']}",
            )
            for loan in marked
        ],
        now=now,
    )
    return sorted(loan["id"] for loan in marked)
