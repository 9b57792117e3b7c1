"""Every query on loans, their rules, inspections and the vehicles they hold. Nothing here commits.

`scope` is `Principal.row_scope("loans")`: None (every row) or `{"prescriber_id": n}`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from psycopg.rows import DictRow, class_row
from psycopg.types.json import Jsonb

from fleetbase.db import Conn, one, update_columns
from loans.rules import BLOCKING_STATUSES, HOLDING, LoanRules

# "Back, awaiting check-in": the geofence rule's open alert for the loan (geofence/rules.py).
SELECT_LOANS = """
    SELECT l.id, l.vehicle_id, v.label AS vehicle_label, v.kind AS vehicle_kind, l.participant_id,
           l.prescriber_id, l.requested_by, l.status, l.starts_at, l.ends_at, l.held_until, l.purpose,
           l.intercommunality, l.deposit_cents, l.deposit_method, l.deposit_recorded_at,
           l.rejection_reason, l.checked_out_at, l.checked_in_at, l.odometer_km_driven,
           l.telemetry_km_driven, l.created_at, l.updated_at,
           EXISTS (SELECT 1 FROM alerts a WHERE a.dedup_key = 'back_at_depot:loan:' || l.id
                   AND a.status <> 'resolved') AS back_awaiting_checkin
    FROM loans l JOIN vehicles v ON v.id = l.vehicle_id
"""
SCOPE = " (%(scope_prescriber)s::bigint IS NULL OR l.prescriber_id = %(scope_prescriber)s)"


def _scope(scope: dict[str, int] | None) -> dict[str, int | None]:
    return {"scope_prescriber": (scope or {}).get("prescriber_id")}


def get_loan(conn: Conn, loan_id: int, *, scope: dict[str, int] | None = None) -> DictRow | None:
    return conn.execute(SELECT_LOANS + " WHERE l.id = %(id)s AND" + SCOPE, {"id": loan_id} | _scope(scope)).fetchone()


def lock_loan(conn: Conn, loan_id: int, *, scope: dict[str, int] | None = None) -> DictRow | None:
    """The loan row, locked until commit (transitions on one loan run one after the other)."""
    row = conn.execute(
        "SELECT l.id FROM loans l WHERE l.id = %(id)s AND" + SCOPE + " FOR UPDATE", {"id": loan_id} | _scope(scope)
    ).fetchone()
    return get_loan(conn, loan_id) if row else None


def list_loans(
    conn: Conn,
    *,
    scope: dict[str, int] | None,
    status: str | None,
    vehicle_id: int | None,
    start: datetime | None,
    end: datetime | None,
    limit: int,
) -> list[DictRow]:
    """Loans whose period [starts_at, ends_at) meets [start, end), newest first."""
    return conn.execute(
        SELECT_LOANS + " WHERE" + SCOPE + " AND (%(status)s::text IS NULL OR l.status = %(status)s)"
        " AND (%(vehicle_id)s::bigint IS NULL OR l.vehicle_id = %(vehicle_id)s)"
        " AND (%(start)s::timestamptz IS NULL OR l.ends_at > %(start)s)"
        " AND (%(end)s::timestamptz IS NULL OR l.starts_at < %(end)s)"
        " ORDER BY l.starts_at DESC, l.id DESC LIMIT %(limit)s",
        {"status": status, "vehicle_id": vehicle_id, "start": start, "end": end, "limit": limit} | _scope(scope),
    ).fetchall()


def transitions(conn: Conn, loan_id: int) -> list[DictRow]:
    return conn.execute(
        "SELECT t.from_status, t.to_status, t.by_user_id, u.username AS by_username, t.at, t.reason"
        " FROM loan_transitions t LEFT JOIN users u ON u.id = t.by_user_id"
        " WHERE t.loan_id = %(id)s ORDER BY t.at, t.id",
        {"id": loan_id},
    ).fetchall()


def insert_loan(conn: Conn, *, values: dict[str, Any], now: datetime) -> int:
    return int(
        one(
            conn.execute(
                "INSERT INTO loans (vehicle_id, participant_id, prescriber_id, requested_by, status, starts_at, "
                "ends_at,"
                " held_until, purpose, intercommunality, created_at, updated_at)"
                " VALUES (%(vehicle_id)s, %(participant_id)s, %(prescriber_id)s, %(requested_by)s, 'requested',"
                " %(starts_at)s, %(ends_at)s, %(held_until)s, %(purpose)s, %(intercommunality)s,"
                " %(now)s, %(now)s) RETURNING id",
                values | {"now": now},
            )
        )["id"]
    )


UPDATABLE = (
    "status",
    "vehicle_id",
    "starts_at",
    "ends_at",
    "held_until",
    "rejection_reason",
    "deposit_cents",
    "deposit_method",
    "deposit_recorded_at",
    "checked_out_at",
    "checked_in_at",
    "odometer_km_driven",
    "telemetry_km_driven",
)


def update_loan(conn: Conn, loan_id: int, *, now: datetime, **changes: object) -> None:
    """Set some of the loan's columns (from UPDATABLE; names never come from input)."""
    update_columns(conn, "loans", loan_id, changes, allowed=UPDATABLE, now=now)


def insert_transition(
    conn: Conn,
    loan_id: int,
    *,
    from_status: str | None,
    to_status: str,
    by_user_id: int | None,
    reason: str | None,
    now: datetime,
) -> None:
    conn.execute(
        "INSERT INTO loan_transitions (loan_id, from_status, to_status, by_user_id, at, reason)"
        " VALUES (%(loan_id)s, %(from)s, %(to)s, %(by)s, %(now)s, %(reason)s)",
        {"loan_id": loan_id, "from": from_status, "to": to_status, "by": by_user_id, "now": now, "reason": reason},
    )


def set_vehicle_status(
    conn: Conn, vehicle_id: int, *, status: str, now: datetime, unless: tuple[str, ...] = ()
) -> None:
    conn.execute(
        "UPDATE vehicles SET status = %(status)s, updated_at = %(now)s WHERE id = %(id)s AND status <> ALL(%(unless)s)",
        {"id": vehicle_id, "status": status, "now": now, "unless": list(unless)},
    )


def find_conflicts(
    conn: Conn,
    *,
    vehicle_id: int,
    starts_at: datetime,
    held_until: datetime,
    exclude_loan_id: int | None = None,
    include_requested: bool = False,
) -> list[DictRow]:
    """Loans whose hold on the vehicle meets [starts_at, held_until) (requests too, if asked)."""
    statuses = list(HOLDING) + (["requested"] if include_requested else [])
    return conn.execute(
        "SELECT id, status, starts_at, held_until FROM loans WHERE vehicle_id = %(vehicle_id)s"
        " AND status = ANY(%(statuses)s) AND id <> COALESCE(%(exclude)s::bigint, 0)"
        " AND tstzrange(starts_at, held_until) && tstzrange(%(starts_at)s, %(held_until)s)"
        " ORDER BY starts_at",
        {
            "vehicle_id": vehicle_id,
            "statuses": statuses,
            "exclude": exclude_loan_id,
            "starts_at": starts_at,
            "held_until": held_until,
        },
    ).fetchall()


def get_rules(conn: Conn) -> dict[str, LoanRules]:
    with conn.cursor(row_factory=class_row(LoanRules)) as cursor:
        rows = cursor.execute("SELECT vehicle_kind, turnaround_hours, max_days FROM loan_rules").fetchall()
    return {rules.vehicle_kind: rules for rules in rows}


def update_rules(
    conn: Conn, vehicle_kind: str, *, turnaround_hours: float | None, max_days: int | None, now: datetime
) -> bool:
    return (
        conn.execute(
            "UPDATE loan_rules SET turnaround_hours = COALESCE(%(hours)s, turnaround_hours),"
            " max_days = COALESCE(%(days)s, max_days), updated_at = %(now)s WHERE vehicle_kind = %(kind)s",
            {"hours": turnaround_hours, "days": max_days, "now": now, "kind": vehicle_kind},
        ).rowcount
        == 1
    )


def insert_inspection(
    conn: Conn, loan_id: int, *, kind: str, values: dict[str, Any], by_user_id: int, now: datetime
) -> int:
    return int(
        one(
            conn.execute(
                "INSERT INTO inspections (loan_id, kind, odometer_km, telemetry_odometer_km, "
                "odometer_correction_reason,"
                " energy_pct, checklist, damages, participant_signed_at, staff_signed_at, by_user_id, created_at)"
                " VALUES (%(loan_id)s, %(kind)s, %(odometer_km)s, %(telemetry_odometer_km)s, %(reason)s, "
                "%(energy_pct)s,"
                " %(checklist)s, %(damages)s, %(participant_signed_at)s, %(staff_signed_at)s, %(by)s, %(now)s)"
                " RETURNING id",
                {
                    "loan_id": loan_id,
                    "kind": kind,
                    "odometer_km": values["odometer_km"],
                    "telemetry_odometer_km": values["telemetry_odometer_km"],
                    "reason": values["odometer_correction_reason"],
                    "energy_pct": values["energy_pct"],
                    "checklist": Jsonb(values["checklist"]),
                    "damages": Jsonb(values["damages"]),
                    "participant_signed_at": values["participant_signed_at"],
                    "staff_signed_at": values["staff_signed_at"],
                    "by": by_user_id,
                    "now": now,
                },
            )
        )["id"]
    )


def inspections(conn: Conn, loan_id: int) -> dict[str, DictRow]:
    """The loan's inspections by kind, each with its photos' ids (not their content)."""
    rows = conn.execute(
        "SELECT i.id, i.kind, i.odometer_km, i.telemetry_odometer_km, i.odometer_correction_reason, i.energy_pct,"
        " i.checklist, i.damages, i.participant_signed_at, i.staff_signed_at, i.by_user_id, i.created_at,"
        " COALESCE((SELECT json_agg(json_build_object('id', p.id, 'damage_index', p.damage_index,"
        "  'content_type', p.content_type, 'caption', p.caption) ORDER BY p.id)"
        "  FROM inspection_photos p WHERE p.inspection_id = i.id), '[]') AS photos"
        " FROM inspections i WHERE i.loan_id = %(id)s",
        {"id": loan_id},
    ).fetchall()
    return {row["kind"]: row for row in rows}


def insert_signature(conn: Conn, inspection_id: int, *, signer: str, content: bytes, now: datetime) -> None:
    conn.execute(
        "INSERT INTO inspection_signatures (inspection_id, signer, content, created_at)"
        " VALUES (%(inspection)s, %(signer)s, %(content)s, %(now)s)",
        {"inspection": inspection_id, "signer": signer, "content": content, "now": now},
    )


def signatures(conn: Conn, inspection_id: int) -> dict[str, bytes]:
    """The PNG images of the inspection's drawn signatures, by signer ('participant', 'staff')."""
    rows = conn.execute(
        "SELECT signer, content FROM inspection_signatures WHERE inspection_id = %(id)s", {"id": inspection_id}
    ).fetchall()
    return {row["signer"]: bytes(row["content"]) for row in rows}


def get_photo(conn: Conn, loan_id: int, photo_id: int) -> DictRow | None:
    return conn.execute(
        "SELECT p.content_type, p.content FROM inspection_photos p"
        " JOIN inspections i ON i.id = p.inspection_id"
        " WHERE p.id = %(photo)s AND i.loan_id = %(loan)s",
        {"photo": photo_id, "loan": loan_id},
    ).fetchone()


def insert_repair_draft(
    conn: Conn, *, vehicle_id: int, loan_id: int, opened_by: int, title: str, description: str, now: datetime
) -> int:
    """A repair ticket draft for the mechanic (the ticket workflow lives in maintenance/)."""
    return int(
        one(
            conn.execute(
                "INSERT INTO repair_tickets (vehicle_id, garage_id, loan_id, opened_by, title, description, status,"
                " created_at, updated_at) VALUES (%(vehicle)s, NULL, %(loan)s, %(by)s, %(title)s, %(description)s,"
                " 'draft', %(now)s, %(now)s) RETURNING id",
                {
                    "vehicle": vehicle_id,
                    "loan": loan_id,
                    "by": opened_by,
                    "title": title,
                    "description": description,
                    "now": now,
                },
            )
        )["id"]
    )


def overdue_candidates(conn: Conn, *, now: datetime) -> list[DictRow]:
    """Active loans past their end, now marked overdue (locked rows skipped: they are busy)."""
    return conn.execute(
        "UPDATE loans l SET status = 'overdue', updated_at = %(now)s FROM vehicles v"
        " WHERE v.id = l.vehicle_id AND l.id IN (SELECT id FROM loans WHERE status = 'active'"
        "  AND ends_at <= %(now)s FOR UPDATE SKIP LOCKED)"
        " RETURNING l.id, l.vehicle_id, v.label AS vehicle_label, l.ends_at",
        {"now": now},
    ).fetchall()


def free_vehicles(conn: Conn, *, kind: str | None, starts_at: datetime, ends_at: datetime) -> list[DictRow]:
    """Vehicles (of `kind`) that could be lent over [starts_at, ends_at): not blocked for
    repair, and no loan holding them over that period plus their kind's turnaround."""
    return conn.execute(
        "SELECT v.id AS vehicle_id, v.label, v.kind, v.status, v.home_site_id AS site_id, s.name AS site_name,"
        " s.lat AS site_lat, s.lon AS site_lon, st.battery_pct, st.fuel_pct,"
        " st.effective_odometer_km AS odometer_km,"
        " (SELECT count(*) FROM loans r WHERE r.vehicle_id = v.id AND r.status = 'requested'"
        "  AND tstzrange(r.starts_at, r.held_until) && tstzrange(%(starts_at)s, %(ends_at)s)) AS pending_requests"
        " FROM vehicles v JOIN sites s ON s.id = v.home_site_id JOIN loan_rules lr ON lr.vehicle_kind = v.kind"
        " LEFT JOIN vehicle_state st ON st.vehicle_id = v.id"
        " WHERE (%(kind)s::text IS NULL OR v.kind = %(kind)s)"
        " AND v.status <> ALL(%(blocking)s)"
        " AND NOT EXISTS (SELECT 1 FROM loans l WHERE l.vehicle_id = v.id"
        "  AND l.status = ANY(%(holding)s)"
        "  AND tstzrange(l.starts_at, l.held_until)"
        "      && tstzrange(%(starts_at)s, %(ends_at)s + make_interval(secs => lr.turnaround_hours * 3600)))"
        " ORDER BY v.label",
        {
            "kind": kind,
            "starts_at": starts_at,
            "ends_at": ends_at,
            "blocking": list(BLOCKING_STATUSES),
            "holding": list(HOLDING),
        },
    ).fetchall()


def get_site(conn: Conn, site_id: int) -> DictRow | None:
    return conn.execute("SELECT id, name, lat, lon FROM sites WHERE id = %(id)s", {"id": site_id}).fetchone()


def list_requests(
    conn: Conn,
    *,
    scope: dict[str, int] | None,
    statuses: list[str] | None,
    oldest_first: bool,
    limit: int,
    loan_id: int | None = None,
) -> list[DictRow]:
    """Loans with the person, their licences and the referring structure, for the request pages:
    a prescriber's list (newest first) and the coordinators' queue (oldest request first);
    `loan_id`: only that one."""
    return conn.execute(
        "SELECT q.*, p.first_name, p.last_name, p.municipality, pr.name AS prescriber_name,"
        " u.full_name AS requested_by_name,"
        " COALESCE((SELECT json_agg(json_build_object('category', pl.category, 'checked_on', pl.checked_on)"
        "  ORDER BY pl.category) FROM participant_licences pl WHERE pl.participant_id = q.participant_id), '[]')"
        "  AS licences"
        " FROM ("
        + SELECT_LOANS
        + " WHERE"
        + SCOPE
        + " AND (%(statuses)s::text[] IS NULL OR l.status = ANY(%(statuses)s))"
        " AND (%(loan_id)s::bigint IS NULL OR l.id = %(loan_id)s)) q"
        " LEFT JOIN participants p ON p.id = q.participant_id"
        " LEFT JOIN prescribers pr ON pr.id = q.prescriber_id"
        " LEFT JOIN users u ON u.id = q.requested_by"
        " ORDER BY CASE WHEN %(oldest_first)s THEN q.created_at END ASC,"
        " CASE WHEN NOT %(oldest_first)s THEN q.created_at END DESC, q.id LIMIT %(limit)s",
        {"statuses": statuses, "oldest_first": oldest_first, "limit": limit, "loan_id": loan_id} | _scope(scope),
    ).fetchall()
