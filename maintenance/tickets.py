"""Repair tickets for the garage solidaire: the workflow, who may move them, and its effects.

    draft ──► open ──► sent ──► accepted ──► in_progress ──► done
      └─────────┴────────┴─────────┴──────────────┴────────► cancelled

A draft comes from a damage found at check-in (loans/ writes it, garage unset); a
mechanic completes it and opens it, or opens a ticket directly. Staff (admin, fleet
manager, mechanic) open, send and cancel; the garage partner accepts, starts and
finishes its own tickets (staff may do it for them, after a phone call). While an open
ticket immobilises the vehicle, the vehicle cannot be lent and the coordinators get an
alert per colliding loan. Closing a ticket writes a service record. Nothing commits.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from psycopg.rows import DictRow

from alerts.raising import AlertDraft, open_alerts, resolve_alerts
from fleet import vehicles
from fleetbase import formatting
from fleetbase.db import Conn
from fleetbase.errors import Conflict, Forbidden, InvalidInput, NotFound
from fleetbase.local_time import local_today
from maintenance import french
from maintenance import ticket_repository as repository
from maintenance.records import TASK_NAME, record_service
from notifications.garage_notices import tell_garage

STAFF = frozenset({"admin", "fleet_manager", "mechanic"})
GARAGE = "garage_partner"
ACTIVE = frozenset({"open", "sent", "accepted", "in_progress"})
FINAL = frozenset({"done", "cancelled"})
# (from, to) → who may do it.
TRANSITIONS = {
    ("draft", "open"): STAFF,
    ("open", "sent"): STAFF,
    ("sent", "accepted"): STAFF | {GARAGE},
    ("accepted", "in_progress"): STAFF | {GARAGE},
    ("in_progress", "done"): STAFF | {GARAGE},
    **{(status, "cancelled"): STAFF for status in ("draft", "open", "sent", "accepted", "in_progress")},
}


@dataclass(frozen=True)
class Actor:
    """Who acts: their user id, role, and the garage whose tickets alone they may see (None: all)."""

    user_id: int | None
    role: str
    scope: int | None = None


def get(conn: Conn, ticket_id: int, *, actor: Actor, for_update: bool = False) -> DictRow:
    ticket = repository.get_ticket(conn, ticket_id, garage_id=actor.scope, for_update=for_update)
    if ticket is None:
        raise NotFound("Fiche de réparation inconnue.")
    return ticket


def with_updates(conn: Conn, ticket: DictRow) -> dict[str, Any]:
    return {**ticket, "updates": repository.list_updates(conn, ticket["id"])}


def create(
    conn: Conn,
    *,
    actor: Actor,
    vehicle_id: int,
    garage_id: int,
    title: str,
    description: str,
    immobilised: bool,
    tasks: Sequence[str],
    now: datetime,
) -> DictRow:
    """A ticket opened directly by staff (status open)."""
    vehicles.get(conn, vehicle_id)
    _check_garage(conn, garage_id)
    ticket_id = repository.insert_ticket(
        conn,
        vehicle_id=vehicle_id,
        garage_id=garage_id,
        opened_by=actor.user_id,
        title=title,
        description=description,
        immobilised=immobilised,
        tasks=_tasks(tasks),
        status="open",
        now=now,
    )
    repository.insert_update(
        conn,
        ticket_id,
        kind="status",
        status="open",
        note="",
        by_user_id=actor.user_id,
        author_role=actor.role,
        now=now,
    )
    _sync_immobilisation(conn, None, get(conn, ticket_id, actor=actor), now=now)
    return get(conn, ticket_id, actor=actor)


def edit(conn: Conn, ticket_id: int, *, actor: Actor, now: datetime, public_url: str, **changes: Any) -> DictRow:
    """Staff complete a draft or an open ticket (garage, title, description, tasks); whether the
    vehicle is immobilised may change until the ticket is closed."""
    before = get(conn, ticket_id, actor=actor, for_update=True)
    if before["status"] in FINAL:
        raise Conflict("Fiche close : elle ne peut plus être modifiée.")
    if set(changes) - {"immobilised"} and before["status"] not in ("draft", "open"):
        raise Conflict("Fiche déjà envoyée au garage : seule l'immobilisation peut encore changer.")
    if changes.get("garage_id") is not None:
        _check_garage(conn, changes["garage_id"])
    if "tasks" in changes:
        changes["tasks"] = _tasks(changes["tasks"])
    if not changes:
        return before
    repository.update_ticket(conn, ticket_id, now=now, **changes)
    repository.insert_update(
        conn,
        ticket_id,
        kind="edit",
        status=before["status"],
        note=", ".join(sorted(changes)),
        by_user_id=actor.user_id,
        author_role=actor.role,
        now=now,
    )
    after = get(conn, ticket_id, actor=actor)
    _sync_immobilisation(conn, before, after, now=now)
    if after["status"] in ACTIVE and after["status"] != "open" and before["immobilised"] != after["immobilised"]:
        tell_garage(conn, after, event="ticket.updated", now=now, public_url=public_url)
    return after


def change_status(
    conn: Conn,
    ticket_id: int,
    *,
    actor: Actor,
    status: str,
    note: str,
    final_cost_cents: int | None,
    now: datetime,
    zone: ZoneInfo,
    public_url: str,
    accepted_quote_cents: int | None = None,
) -> DictRow:
    """Move the ticket along TRANSITIONS. Staff accepting the garage's quote pass the amount
    they read (`accepted_quote_cents`, with status accepted): it must still be the ticket's
    quote, and the update records who accepted which amount."""
    before = get(conn, ticket_id, actor=actor, for_update=True)
    allowed = TRANSITIONS.get((before["status"], status))
    if allowed is None:
        raise Conflict(
            f"Passage impossible de « {french.TICKET_STATUSES[before['status']]} » à "
            f"« {french.TICKET_STATUSES.get(status, status)} »."
        )
    if actor.role not in allowed:
        raise Forbidden("Votre rôle ne permet pas ce changement de statut.")
    if status in ACTIVE and before["garage_id"] is None:
        raise InvalidInput("Choisissez d'abord le garage (garage_id) de cette fiche.")
    if accepted_quote_cents is not None:
        _check_quote_accepted(before, actor=actor, status=status, amount=accepted_quote_cents)
        note = f"Devis de {formatting.euros(accepted_quote_cents)} accepté." + (f" {note}" if note else "")
    changes: dict[str, Any] = {"status": status}
    if final_cost_cents is not None:
        if status != "done":
            raise InvalidInput("Le coût final s'indique en terminant la fiche (statut done).")
        changes["final_cost_cents"] = final_cost_cents
    if status in FINAL:
        changes["closed_at"] = now
    repository.update_ticket(conn, ticket_id, now=now, **changes)
    repository.insert_update(
        conn,
        ticket_id,
        kind="status",
        status=status,
        note=note,
        by_user_id=actor.user_id,
        author_role=actor.role,
        now=now,
        accepted_quote_cents=accepted_quote_cents,
    )
    if status in ("open", "cancelled"):
        resolve_alerts(conn, [f"repair_draft:{ticket_id}"], now=now)
    if status == "done":
        _write_service_record(conn, get(conn, ticket_id, actor=actor), actor=actor, now=now, zone=zone)
    after = get(conn, ticket_id, actor=actor)
    _sync_immobilisation(conn, before, after, now=now)
    if status == "sent":
        tell_garage(conn, after, event="ticket.sent", now=now, note=note, public_url=public_url)
    elif status == "cancelled" and before["status"] not in ("draft", "open"):
        tell_garage(conn, after, event="ticket.cancelled", now=now, note=note, public_url=public_url)
    elif actor.role != GARAGE and before["status"] not in ("draft", "open"):
        tell_garage(conn, after, event="ticket.status", now=now, note=note, public_url=public_url)
    return after


def comment(conn: Conn, ticket_id: int, *, actor: Actor, text: str, now: datetime, public_url: str) -> dict[str, Any]:
    ticket = get(conn, ticket_id, actor=actor, for_update=True)
    repository.insert_update(
        conn,
        ticket_id,
        kind="comment",
        status=ticket["status"],
        note=text,
        by_user_id=actor.user_id,
        author_role=actor.role,
        now=now,
    )
    repository.update_ticket(conn, ticket_id, now=now)
    if actor.role != GARAGE and ticket["status"] not in ("draft", "open"):
        tell_garage(conn, ticket, event="ticket.comment", now=now, note=text, public_url=public_url)
    return with_updates(conn, get(conn, ticket_id, actor=actor))


def set_costs(conn: Conn, ticket_id: int, *, actor: Actor, now: datetime, public_url: str, **costs: Any) -> DictRow:
    """The garage's quote, the final cost and the parts (any of them)."""
    ticket = get(conn, ticket_id, actor=actor, for_update=True)
    if ticket["status"] in FINAL:
        raise Conflict("Fiche close : ses coûts ne changent plus.")
    if not costs:
        return ticket
    repository.update_ticket(conn, ticket_id, now=now, **costs)
    summary = "; ".join(
        f"{name} = {formatting.euros(value) if name.endswith('_cents') else len(value)}"
        for name, value in sorted(costs.items())
    )
    repository.insert_update(
        conn,
        ticket_id,
        kind="costs",
        status=ticket["status"],
        note=summary,
        by_user_id=actor.user_id,
        author_role=actor.role,
        now=now,
    )
    after = get(conn, ticket_id, actor=actor)
    if actor.role != GARAGE and after["status"] not in ("draft", "open"):
        tell_garage(conn, after, event="ticket.updated", now=now, public_url=public_url)
    return after


# --- effects ---------------------------------------------------------------------------------


def _sync_immobilisation(conn: Conn, before: DictRow | None, after: DictRow, *, now: datetime) -> None:
    """Immobilise or release the vehicle when the ticket starts or stops holding it."""
    held_before = before is not None and before["immobilised"] and before["status"] in ACTIVE
    held_after = after["immobilised"] and after["status"] in ACTIVE
    if held_after and not held_before:
        repository.update_ticket(conn, after["id"], now=now, immobilised_since=now)
        repository.immobilise_vehicle(conn, after["vehicle_id"], now=now)
        open_alerts(
            conn,
            [
                _collision_alert(after, loan)
                for loan in repository.colliding_loans(conn, after["vehicle_id"], since=now)
            ],
            now=now,
        )
    elif held_before and not held_after:
        repository.release_vehicle(conn, after["vehicle_id"], now=now)
        resolve_alerts(conn, repository.collision_keys(conn, after["id"]), now=now)


def _collision_alert(ticket: DictRow, loan: DictRow) -> AlertDraft:
    return AlertDraft(
        "loan_collides_repair",
        "warning",
        "coordinator",
        ticket["vehicle_id"],
        loan["id"],
        f"Prêt n° {loan['id']} : le véhicule {ticket['vehicle_label']} est immobilisé pour réparation "
        f"(fiche n° {ticket['id']} : {ticket['title']}). Proposez un autre véhicule ou décalez le prêt.",
        f"loan_collides_repair:{loan['id']}:{ticket['id']}",
    )


def _write_service_record(conn: Conn, ticket: DictRow, *, actor: Actor, now: datetime, zone: ZoneInfo) -> None:
    odometer = repository.current_odometer(conn, ticket["vehicle_id"])
    record = record_service(
        conn,
        vehicle_id=ticket["vehicle_id"],
        performed_on=local_today(now, zone),
        odometer_km=odometer,
        tasks=ticket["tasks"] or ["repair"],
        cost_cents=ticket["final_cost_cents"],
        notes=f"Fiche de réparation n° {ticket['id']} ({ticket['garage_name']}) : {ticket['title']}",
        by_user_id=actor.user_id,
        now=now,
        zone=zone,
    )
    repository.update_ticket(conn, ticket["id"], now=now, service_record_id=record["id"])


def _check_quote_accepted(ticket: DictRow, *, actor: Actor, status: str, amount: int) -> None:
    if status != "accepted":
        raise InvalidInput("Un devis s'accepte en passant la fiche au statut « accepté » (accepted).")
    if actor.role not in STAFF:
        raise Forbidden("Seule la plateforme accepte le devis du garage.")
    if ticket["quote_cents"] is None:
        raise Conflict("Le garage n'a pas encore donné de devis pour cette fiche.")
    if ticket["quote_cents"] != amount:
        raise Conflict(
            f"Le devis est à présent de {formatting.euros(ticket['quote_cents'])} : relisez-le avant de l'accepter."
        )


def _check_garage(conn: Conn, garage_id: int) -> None:
    if repository.get_garage(conn, garage_id) is None:
        raise NotFound("Garage inconnu.")


def _tasks(tasks: Sequence[str]) -> list[str]:
    tasks = sorted(set(tasks))
    if not all(TASK_NAME.match(task) for task in tasks):
        raise InvalidInput("Tâches : lettres minuscules, chiffres et « _ » seulement.")
    return tasks
