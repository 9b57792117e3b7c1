"""A loan's life before the vehicle leaves, and its extension:
`requested → validated` (or `rejected`), `cancelled`, the deposit, `extend`.

Each transition locks the loan (and, when it changes the vehicle's hold, the vehicle),
checks the rules of `loans.rules`, writes the new status and records who and when in
`loan_transitions`. The database's `loans_no_overlap` constraint has the last word; the
friendly check before it only explains the refusal. Check-out and check-in: `inspections`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from zoneinfo import ZoneInfo

import psycopg
from psycopg.rows import DictRow

from alerts.raising import resolve_alerts
from fleet import vehicle_repository
from fleetbase.db import Conn
from fleetbase.errors import Conflict, InvalidInput, NotFound
from fleetbase.local_time import local_today
from loans import availability, participant_repository, repository, rules


def loan_or_404(conn: Conn, loan_id: int, *, scope: dict[str, int] | None, lock: bool = False) -> DictRow:
    loan = (repository.lock_loan if lock else repository.get_loan)(conn, loan_id, scope=scope)
    if loan is None:
        raise NotFound("Prêt inconnu.")
    return loan


def loan_detail(conn: Conn, loan_id: int, *, scope: dict[str, int] | None) -> DictRow:
    """The loan with its transitions and inspections."""
    loan = loan_or_404(conn, loan_id, scope=scope)
    return loan | {
        "transitions": repository.transitions(conn, loan_id),
        "inspections": repository.inspections(conn, loan_id),
    }


def vehicle_or_error(conn: Conn, vehicle_id: int, *, lock: bool = False) -> DictRow:
    vehicle = vehicle_repository.get_vehicle(conn, vehicle_id, lock=lock)
    if vehicle is None:
        raise InvalidInput("Ce véhicule n'existe pas.")
    return vehicle


def check_free(
    conn: Conn,
    vehicle: DictRow,
    loan_rules: rules.LoanRules,
    *,
    starts_at: datetime,
    held_until: datetime,
    zone: ZoneInfo,
    exclude_loan_id: int | None = None,
    include_requested: bool = False,
) -> None:
    conflicts = repository.find_conflicts(
        conn,
        vehicle_id=vehicle["id"],
        starts_at=starts_at,
        held_until=held_until,
        exclude_loan_id=exclude_loan_id,
        include_requested=include_requested,
    )
    if conflicts:
        raise Conflict(rules.overlap_message(vehicle["label"], loan_rules, conflicts[0], zone=zone))


def request_loan(
    conn: Conn,
    *,
    participant_id: int,
    vehicle_id: int | None,
    starts_at: datetime,
    ends_at: datetime,
    purpose: str | None,
    scope: dict[str, int] | None,
    user_id: int,
    now: datetime,
    zone: ZoneInfo,
    vehicle_kind: str | None = None,
) -> DictRow:
    """A new request (prescriber or coordinator), checked against every rule a request can break.

    Asked for a kind rather than a vehicle, the request takes the free vehicle of that kind
    that the fewest other requests want (the coordinator may move it to another at validation).
    """
    participant = participant_repository.get_participant(conn, participant_id, scope=scope)
    if participant is None:
        raise InvalidInput("Personne accompagnée inconnue.")
    if participant["erased_at"] is not None:
        raise Conflict("Les données de cette personne ont été effacées : aucun prêt ne peut lui être fait.")
    if vehicle_id is None:
        vehicle_id = _free_vehicle_of_kind(conn, vehicle_kind, starts_at=starts_at, ends_at=ends_at, zone=zone)
    vehicle = vehicle_or_error(conn, vehicle_id)
    loan_rules = repository.get_rules(conn)[vehicle["kind"]]
    _check_loan(
        conn,
        vehicle,
        loan_rules,
        participant_id=participant_id,
        starts_at=starts_at,
        ends_at=ends_at,
        now=now,
        zone=zone,
    )
    loan_id = repository.insert_loan(
        conn,
        values={
            "vehicle_id": vehicle_id,
            "participant_id": participant_id,
            "prescriber_id": participant["prescriber_id"],
            "requested_by": user_id,
            "starts_at": starts_at,
            "ends_at": ends_at,
            "held_until": rules.held_until(loan_rules, ends_at),
            "purpose": purpose or participant["purpose"],
            "intercommunality": participant["intercommunality"] or vehicle["intercommunality"],
        },
        now=now,
    )
    repository.insert_transition(
        conn, loan_id, from_status=None, to_status="requested", by_user_id=user_id, reason=None, now=now
    )
    return loan_or_404(conn, loan_id, scope=None)


def _free_vehicle_of_kind(
    conn: Conn, kind: str | None, *, starts_at: datetime, ends_at: datetime, zone: ZoneInfo
) -> int:
    if kind not in rules.KIND_NAMES:
        raise InvalidInput("Choisissez un véhicule ou un type de véhicule.")
    free = availability.available_vehicles(
        conn, kind=kind, starts_at=starts_at, ends_at=ends_at, site_id=None, max_distance_km=None
    )
    if not free:
        raise Conflict(
            f"Aucun véhicule ({rules.KIND_NAMES[kind]}) n'est libre du {rules.when(starts_at, zone)}"
            f" au {rules.when(ends_at, zone)} : choisissez d'autres dates ou un autre type."
        )
    return int(min(free, key=lambda vehicle: (vehicle["pending_requests"], vehicle["label"]))["vehicle_id"])


def validation_problem(conn: Conn, loan: DictRow, *, vehicle_id: int, now: datetime, zone: ZoneInfo) -> str | None:
    """Why validating `loan` on `vehicle_id` would be refused now (the rule's French sentence), or None.
    Reads only: the coordinator sees the refusal beside the request before clicking."""
    vehicle = vehicle_repository.get_vehicle(conn, vehicle_id)
    if vehicle is None or loan["participant_id"] is None:
        return "Ce prêt ne peut pas être validé."
    try:
        _check_loan(
            conn,
            vehicle,
            repository.get_rules(conn)[vehicle["kind"]],
            participant_id=loan["participant_id"],
            starts_at=loan["starts_at"],
            ends_at=loan["ends_at"],
            now=now,
            zone=zone,
            exclude_loan_id=loan["id"],
        )
    except (Conflict, InvalidInput) as refusal:
        return refusal.detail
    return None


def validate_loan(
    conn: Conn, loan_id: int, *, vehicle_id: int | None, user_id: int, now: datetime, zone: ZoneInfo
) -> DictRow:
    """Validate a request, on its vehicle or on another one the coordinator chose."""
    loan = loan_or_404(conn, loan_id, scope=None, lock=True)
    target = rules.check_transition("validate", loan["status"], loan_id)
    vehicle = vehicle_or_error(conn, vehicle_id or loan["vehicle_id"], lock=True)
    loan_rules = repository.get_rules(conn)[vehicle["kind"]]
    if loan["participant_id"] is None:
        raise Conflict("Les données de cette personne ont été effacées : ce prêt ne peut qu'être annulé.")
    _check_loan(
        conn,
        vehicle,
        loan_rules,
        participant_id=loan["participant_id"],
        starts_at=loan["starts_at"],
        ends_at=loan["ends_at"],
        now=now,
        zone=zone,
        exclude_loan_id=loan_id,
    )
    with no_overlap(vehicle["label"]):
        repository.update_loan(
            conn,
            loan_id,
            now=now,
            status=target,
            vehicle_id=vehicle["id"],
            held_until=rules.held_until(loan_rules, loan["ends_at"]),
        )
    repository.insert_transition(
        conn,
        loan_id,
        from_status=loan["status"],
        to_status=target,
        by_user_id=user_id,
        reason=None if vehicle["id"] == loan["vehicle_id"] else f"véhicule changé : {vehicle['label']}",
        now=now,
    )
    return loan_or_404(conn, loan_id, scope=None)


def reject_loan(conn: Conn, loan_id: int, *, reason: str, user_id: int, now: datetime) -> DictRow:
    loan = loan_or_404(conn, loan_id, scope=None, lock=True)
    target = rules.check_transition("reject", loan["status"], loan_id)
    repository.update_loan(conn, loan_id, now=now, status=target, rejection_reason=reason)
    repository.insert_transition(
        conn, loan_id, from_status=loan["status"], to_status=target, by_user_id=user_id, reason=reason, now=now
    )
    return loan_or_404(conn, loan_id, scope=None)


def cancel_loan(
    conn: Conn, loan_id: int, *, reason: str | None, scope: dict[str, int] | None, user_id: int, now: datetime
) -> DictRow:
    """Cancel a request or a validated loan (a prescriber: only their structure's)."""
    loan = loan_or_404(conn, loan_id, scope=scope, lock=True)
    target = rules.check_transition("cancel", loan["status"], loan_id)
    repository.update_loan(conn, loan_id, now=now, status=target)
    repository.insert_transition(
        conn, loan_id, from_status=loan["status"], to_status=target, by_user_id=user_id, reason=reason, now=now
    )
    return loan_or_404(conn, loan_id, scope=None)


def record_deposit(conn: Conn, loan_id: int, *, amount_cents: int, method: str, user_id: int, now: datetime) -> DictRow:
    """The deposit received (or waived), required before check-out."""
    loan = loan_or_404(conn, loan_id, scope=None, lock=True)
    if loan["status"] not in ("requested", "validated"):
        raise Conflict(
            f"La caution se reçoit avant le départ ; le prêt n° {loan_id} est « {rules.STATUS_NAMES[loan['status']]} »."
        )
    if (method == "waived") != (amount_cents == 0):
        raise InvalidInput("Une caution de 0 € s'enregistre comme « waived » (dispensée), et seulement elle.")
    repository.update_loan(
        conn, loan_id, now=now, deposit_cents=amount_cents, deposit_method=method, deposit_recorded_at=now
    )
    repository.insert_transition(
        conn,
        loan_id,
        from_status=loan["status"],
        to_status=loan["status"],
        by_user_id=user_id,
        reason=f"caution : {amount_cents / 100:.2f} € ({method})",
        now=now,
    )
    return loan_or_404(conn, loan_id, scope=None)


def extend_loan(
    conn: Conn, loan_id: int, *, ends_at: datetime, reason: str | None, user_id: int, now: datetime, zone: ZoneInfo
) -> DictRow:
    """Move the end later, by at most the kind's maximum length, when nothing follows on the vehicle.

    An overdue loan extended past now is running again (`active`) and its alert is closed.
    """
    loan = loan_or_404(conn, loan_id, scope=None, lock=True)
    rules.check_allowed("extend", loan["status"], rules.HOLDING, loan_id)
    if ends_at <= loan["ends_at"]:
        raise InvalidInput(f"La nouvelle fin doit suivre la fin actuelle ({rules.when(loan['ends_at'], zone)}).")
    if ends_at <= now:
        raise InvalidInput("La nouvelle fin doit être dans le futur.")
    vehicle = vehicle_or_error(conn, loan["vehicle_id"], lock=True)
    loan_rules = repository.get_rules(conn)[vehicle["kind"]]
    rules.check_length(loan_rules, loan["ends_at"], ends_at, extension=True)
    new_hold = rules.held_until(loan_rules, ends_at)
    # Only what follows the current end matters (requests overlapping the loan itself wait in vain).
    check_free(
        conn,
        vehicle,
        loan_rules,
        starts_at=loan["ends_at"],
        held_until=new_hold,
        zone=zone,
        exclude_loan_id=loan_id,
        include_requested=True,
    )
    target = "active" if loan["status"] == "overdue" else loan["status"]
    with no_overlap(vehicle["label"]):
        repository.update_loan(conn, loan_id, now=now, status=target, ends_at=ends_at, held_until=new_hold)
    repository.insert_transition(
        conn,
        loan_id,
        from_status=loan["status"],
        to_status=target,
        by_user_id=user_id,
        reason=f"prolongé jusqu'au {rules.when(ends_at, zone)}" + (f" : {reason}" if reason else ""),
        now=now,
    )
    if loan["status"] == "overdue":
        resolve_alerts(conn, [f"loan_overdue:{loan_id}", f"vehicle_not_returned:{loan_id}"], now=now)
    return loan_or_404(conn, loan_id, scope=None)


def _check_loan(
    conn: Conn,
    vehicle: DictRow,
    loan_rules: rules.LoanRules,
    *,
    participant_id: int,
    starts_at: datetime,
    ends_at: datetime,
    now: datetime,
    zone: ZoneInfo,
    exclude_loan_id: int | None = None,
) -> None:
    rules.check_dates(starts_at, ends_at)
    if ends_at <= now:
        raise InvalidInput("Ce prêt finirait dans le passé.")
    rules.check_vehicle_status(vehicle["label"], vehicle["status"])
    rules.check_licence(
        vehicle["kind"], participant_repository.licences_held(conn, participant_id, on=local_today(now, zone))
    )
    rules.check_length(loan_rules, starts_at, ends_at)
    check_free(
        conn,
        vehicle,
        loan_rules,
        starts_at=starts_at,
        held_until=rules.held_until(loan_rules, ends_at),
        zone=zone,
        exclude_loan_id=exclude_loan_id,
    )


@contextmanager
def no_overlap(label: str) -> Iterator[None]:
    """Turns the database's refusal of overlapping holds into a 409 (a race the check missed)."""
    try:
        yield
    except psycopg.errors.ExclusionViolation as error:
        raise Conflict(f"Le véhicule {label} vient d'être réservé sur ces dates par un autre prêt.") from error
