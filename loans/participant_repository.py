"""Every query on participants, their licences, and the audit log of their data. Nothing here commits.

`scope` is `Principal.row_scope("participants")`: None (every row) or `{"prescriber_id": n}`.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from psycopg.rows import DictRow

from fleetbase.db import Conn, one, update_columns

SELECT_PARTICIPANTS = """
    SELECT p.id, p.first_name, p.last_name, p.phone, p.email, p.municipality, p.intercommunality,
           p.prescriber_id, pr.name AS prescriber_name, p.referred_by_user_id, p.purpose, p.notes,
           p.created_at, p.updated_at, p.erased_at,
           COALESCE((SELECT json_agg(json_build_object('category', l.category, 'checked_on', l.checked_on)
                     ORDER BY l.category) FROM participant_licences l WHERE l.participant_id = p.id), '[]')
             AS licences
    FROM participants p LEFT JOIN prescribers pr ON pr.id = p.prescriber_id
"""
SCOPE = " (%(scope_prescriber)s::bigint IS NULL OR p.prescriber_id = %(scope_prescriber)s)"
COLUMNS = (
    "first_name",
    "last_name",
    "phone",
    "email",
    "municipality",
    "intercommunality",
    "prescriber_id",
    "referred_by_user_id",
    "purpose",
    "notes",
)


def _scope(scope: dict[str, int] | None) -> dict[str, int | None]:
    return {"scope_prescriber": (scope or {}).get("prescriber_id")}


def get_participant(conn: Conn, participant_id: int, *, scope: dict[str, int] | None = None) -> DictRow | None:
    return conn.execute(
        SELECT_PARTICIPANTS + " WHERE p.id = %(id)s AND" + SCOPE, {"id": participant_id} | _scope(scope)
    ).fetchone()


def _starts_with(text: str | None) -> str | None:
    """An ILIKE pattern for "begins with `text`", its wildcards escaped."""
    if text is None:
        return None
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def list_participants(
    conn: Conn,
    *,
    scope: dict[str, int] | None,
    search: str | None,
    include_erased: bool,
    limit: int,
    municipality: str | None = None,
) -> list[DictRow]:
    """Participants in scope; `search` matches the start of a first or last name,
    `municipality` the start of the commune's name."""
    return conn.execute(
        SELECT_PARTICIPANTS + " WHERE" + SCOPE + " AND (%(include_erased)s OR p.erased_at IS NULL)"
        " AND (%(search)s::text IS NULL OR p.last_name ILIKE %(pattern)s OR p.first_name ILIKE %(pattern)s)"
        " AND (%(municipality)s::text IS NULL OR p.municipality ILIKE %(municipality_pattern)s)"
        " ORDER BY p.last_name, p.first_name, p.id LIMIT %(limit)s",
        {
            "include_erased": include_erased,
            "search": search,
            "limit": limit,
            "pattern": _starts_with(search),
            "municipality": municipality,
            "municipality_pattern": _starts_with(municipality),
        }
        | _scope(scope),
    ).fetchall()


def insert_participant(conn: Conn, *, values: dict[str, Any], now: datetime) -> int:
    params = {column: values.get(column) for column in COLUMNS} | {"now": now}
    params["notes"] = params["notes"] or ""
    return int(
        one(
            conn.execute(
                "INSERT INTO participants (first_name, last_name, phone, email, municipality, intercommunality,"
                " prescriber_id, referred_by_user_id, purpose, notes, created_at, updated_at)"
                " VALUES (%(first_name)s, %(last_name)s, %(phone)s, %(email)s, %(municipality)s, %(intercommunality)s,"
                " %(prescriber_id)s, %(referred_by_user_id)s, %(purpose)s, %(notes)s, %(now)s, %(now)s) RETURNING id",
                params,
            )
        )["id"]
    )


def update_participant(conn: Conn, participant_id: int, *, changes: dict[str, Any], now: datetime) -> None:
    """Set the given columns (from COLUMNS, never from input names)."""
    update_columns(
        conn,
        "participants",
        participant_id,
        {column: changes[column] for column in COLUMNS if column in changes},
        allowed=COLUMNS,
        now=now,
    )


def replace_licences(conn: Conn, participant_id: int, *, licences: list[dict[str, Any]]) -> None:
    conn.execute("DELETE FROM participant_licences WHERE participant_id = %(id)s", {"id": participant_id})
    for licence in licences:
        conn.execute(
            "INSERT INTO participant_licences (participant_id, category, checked_on)"
            " VALUES (%(id)s, %(category)s, %(checked_on)s)",
            {"id": participant_id, "category": licence["category"], "checked_on": licence["checked_on"]},
        )


def licences_held(conn: Conn, participant_id: int, *, on: date) -> set[str]:
    """Licence categories whose document was checked on or before the day `on` (the plateforme's date)."""
    rows = conn.execute(
        "SELECT category FROM participant_licences WHERE participant_id = %(id)s AND checked_on <= %(on)s",
        {"id": participant_id, "on": on},
    ).fetchall()
    return {row["category"] for row in rows}


def participant_loans(conn: Conn, participant_id: int) -> list[DictRow]:
    return conn.execute(
        "SELECT l.id, l.vehicle_id, v.label AS vehicle_label, v.kind AS vehicle_kind, l.status, l.starts_at, l.ends_at,"
        " l.purpose, l.deposit_cents, l.checked_out_at, l.checked_in_at, l.odometer_km_driven"
        " FROM loans l JOIN vehicles v ON v.id = l.vehicle_id WHERE l.participant_id = %(id)s ORDER BY l.starts_at",
        {"id": participant_id},
    ).fetchall()


def positions_during_loan(conn: Conn, loan_id: int) -> list[DictRow]:
    """The loan's vehicle's positions still kept, from check-out to check-in (or now, still out)."""
    return conn.execute(
        "SELECT p.fix_time, p.lat, p.lon, p.speed_kmh, p.effective_odometer_km FROM loans l"
        " JOIN positions p ON p.vehicle_id = l.vehicle_id AND p.fix_time >= l.checked_out_at"
        "  AND p.fix_time < coalesce(l.checked_in_at, 'infinity')"
        " WHERE l.id = %(id)s AND l.checked_out_at IS NOT NULL ORDER BY p.fix_time",
        {"id": loan_id},
    ).fetchall()


def participant_signatures(conn: Conn, participant_id: int) -> list[DictRow]:
    """The signatures the person drew at their loans' inspections (PNG), oldest first."""
    return conn.execute(
        "SELECT i.loan_id, i.kind AS inspection_kind, s.created_at AS signed_at, s.content"
        " FROM inspection_signatures s JOIN inspections i ON i.id = s.inspection_id JOIN loans l ON l.id = i.loan_id"
        " WHERE l.participant_id = %(id)s AND s.signer = 'participant'"
        " ORDER BY s.created_at, i.id",
        {"id": participant_id},
    ).fetchall()


def erase_participant(conn: Conn, participant_id: int, *, now: datetime) -> int:
    """Blank the person, drop their licences, their inspections' photos and signatures, unlink
    their loans; how many loans were unlinked.

    The loans keep what the funders' figures need (dates, purpose, intercommunality, km).
    """
    conn.execute(
        "DELETE FROM inspection_signatures s USING inspections i, loans l"
        " WHERE s.inspection_id = i.id AND i.loan_id = l.id AND l.participant_id = %(id)s"
        " AND s.signer = 'participant'",
        {"id": participant_id},
    )
    conn.execute("DELETE FROM participant_licences WHERE participant_id = %(id)s", {"id": participant_id})
    conn.execute(
        "DELETE FROM inspection_photos p USING inspections i, loans l"
        " WHERE p.inspection_id = i.id AND i.loan_id = l.id AND l.participant_id = %(id)s",
        {"id": participant_id},
    )
    conn.execute(
        "UPDATE inspections i SET participant_signed_at = NULL FROM loans l"
        " WHERE i.loan_id = l.id AND l.participant_id = %(id)s",
        {"id": participant_id},
    )
    # One random key for the person's loans: the report still counts them as one person.
    unlinked = conn.execute(
        "UPDATE loans SET participant_id = NULL, erased_person_key = %(key)s,"
        " updated_at = %(now)s WHERE participant_id = %(id)s",
        {"id": participant_id, "now": now, "key": uuid.uuid4()},
    ).rowcount
    conn.execute(
        "UPDATE participants SET first_name = NULL, last_name = NULL, phone = NULL, email = NULL,"
        " municipality = NULL, referred_by_user_id = NULL, notes = '', erased_at = %(now)s,"
        " updated_at = %(now)s WHERE id = %(id)s",
        {"id": participant_id, "now": now},
    )
    return unlinked


def list_prescribers(conn: Conn) -> list[DictRow]:
    """The referring structures, for a coordinator's choice."""
    return conn.execute("SELECT id, name FROM prescribers ORDER BY name").fetchall()


def depot_intercommunalities(conn: Conn) -> list[str]:
    """The intercommunalités of the depots: the usual answers to where a participant lives."""
    return [
        row["intercommunality"]
        for row in conn.execute(
            "SELECT DISTINCT intercommunality FROM sites WHERE intercommunality IS NOT NULL ORDER BY intercommunality"
        ).fetchall()
    ]


def prescriber_exists(conn: Conn, prescriber_id: int) -> bool:
    return conn.execute("SELECT 1 FROM prescribers WHERE id = %(id)s", {"id": prescriber_id}).fetchone() is not None


def names(conn: Conn, participant_ids: list[int]) -> dict[int, tuple[str, str]]:
    """First and last names of these participants (erased ones left out), by id."""
    rows = conn.execute(
        "SELECT id, first_name, last_name FROM participants WHERE id = ANY(%(ids)s) AND erased_at IS NULL",
        {"ids": participant_ids},
    ).fetchall()
    return {row["id"]: (row["first_name"], row["last_name"]) for row in rows}
