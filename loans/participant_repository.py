"""Every query on participants, their licences, and the audit log of their data. Nothing here commits.

`scope` is `Principal.row_scope("participants")`: None (every row) or `{"prescriber_id": n}`.
"""

from __future__ import annotations

from datetime import date, datetime

import psycopg
from psycopg import sql

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
COLUMNS = ("first_name", "last_name", "phone", "email", "municipality", "intercommunality", "prescriber_id",
           "referred_by_user_id", "purpose", "notes")


def _scope(scope: dict | None) -> dict:
    return {"scope_prescriber": (scope or {}).get("prescriber_id")}


def get_participant(conn: psycopg.Connection, participant_id: int, *, scope: dict | None = None) -> dict | None:
    return conn.execute(SELECT_PARTICIPANTS + " WHERE p.id = %(id)s AND" + SCOPE,
                        {"id": participant_id} | _scope(scope)).fetchone()


def list_participants(conn: psycopg.Connection, *, scope: dict | None, search: str | None,
                      include_erased: bool, limit: int) -> list[dict]:
    """Participants in scope; `search` matches the start of a first or last name."""
    return conn.execute(
        SELECT_PARTICIPANTS + " WHERE" + SCOPE
        + " AND (%(include_erased)s OR p.erased_at IS NULL)"
          " AND (%(search)s::text IS NULL OR p.last_name ILIKE %(pattern)s OR p.first_name ILIKE %(pattern)s)"
          " ORDER BY p.last_name, p.first_name, p.id LIMIT %(limit)s",
        {"include_erased": include_erased, "search": search, "limit": limit,
         "pattern": None if search is None else search.replace("\\", "\\\\").replace("%", "\\%")
         .replace("_", "\\_") + "%"} | _scope(scope)).fetchall()


def insert_participant(conn: psycopg.Connection, *, values: dict, now: datetime) -> int:
    params = {column: values.get(column) for column in COLUMNS} | {"now": now}
    params["notes"] = params["notes"] or ""
    return conn.execute(
        "INSERT INTO participants (first_name, last_name, phone, email, municipality, intercommunality,"
        " prescriber_id, referred_by_user_id, purpose, notes, created_at, updated_at)"
        " VALUES (%(first_name)s, %(last_name)s, %(phone)s, %(email)s, %(municipality)s, %(intercommunality)s,"
        " %(prescriber_id)s, %(referred_by_user_id)s, %(purpose)s, %(notes)s, %(now)s, %(now)s) RETURNING id",
        params).fetchone()["id"]


def update_participant(conn: psycopg.Connection, participant_id: int, *, changes: dict, now: datetime) -> None:
    """Set the given columns (from COLUMNS, never from input names)."""
    columns = [column for column in COLUMNS if column in changes]
    assignments = [sql.SQL("{} = {}").format(sql.Identifier(column), sql.Placeholder(column)) for column in columns]
    assignments.append(sql.SQL("updated_at = %(now)s"))
    conn.execute(sql.SQL("UPDATE participants SET {} WHERE id = %(id)s").format(sql.SQL(", ").join(assignments)),
                 {column: changes[column] for column in columns} | {"id": participant_id, "now": now})


def replace_licences(conn: psycopg.Connection, participant_id: int, *, licences: list[dict]) -> None:
    conn.execute("DELETE FROM participant_licences WHERE participant_id = %(id)s", {"id": participant_id})
    for licence in licences:
        conn.execute("INSERT INTO participant_licences (participant_id, category, checked_on)"
                     " VALUES (%(id)s, %(category)s, %(checked_on)s)",
                     {"id": participant_id, "category": licence["category"], "checked_on": licence["checked_on"]})


def licences_held(conn: psycopg.Connection, participant_id: int, *, on: date) -> set[str]:
    """Licence categories whose document was checked on or before the day `on` (the plateforme's date)."""
    rows = conn.execute("SELECT category FROM participant_licences WHERE participant_id = %(id)s"
                        " AND checked_on <= %(on)s", {"id": participant_id, "on": on}).fetchall()
    return {row["category"] for row in rows}


def participant_loans(conn: psycopg.Connection, participant_id: int) -> list[dict]:
    return conn.execute(
        "SELECT l.id, v.label AS vehicle_label, v.kind AS vehicle_kind, l.status, l.starts_at, l.ends_at,"
        " l.purpose, l.deposit_cents, l.checked_out_at, l.checked_in_at, l.odometer_km_driven"
        " FROM loans l JOIN vehicles v ON v.id = l.vehicle_id WHERE l.participant_id = %(id)s ORDER BY l.starts_at",
        {"id": participant_id}).fetchall()


def erase_participant(conn: psycopg.Connection, participant_id: int, *, now: datetime) -> int:
    """Blank the person, drop their licences, unlink their loans; how many loans were unlinked.

    The loans keep what the funders' figures need (dates, purpose, intercommunality, km);
    their inspections keep no personal field (signatures are timestamps only).
    """
    conn.execute("DELETE FROM participant_licences WHERE participant_id = %(id)s", {"id": participant_id})
    unlinked = conn.execute("UPDATE loans SET participant_id = NULL, updated_at = %(now)s"
                            " WHERE participant_id = %(id)s", {"id": participant_id, "now": now}).rowcount
    conn.execute("UPDATE participants SET first_name = NULL, last_name = NULL, phone = NULL, email = NULL,"
                 " municipality = NULL, referred_by_user_id = NULL, notes = '', erased_at = %(now)s,"
                 " updated_at = %(now)s WHERE id = %(id)s", {"id": participant_id, "now": now})
    return unlinked


def prescriber_exists(conn: psycopg.Connection, prescriber_id: int) -> bool:
    return conn.execute("SELECT 1 FROM prescribers WHERE id = %(id)s", {"id": prescriber_id}).fetchone() is not None


def intercommunalities(conn: psycopg.Connection) -> list[str]:
    """The intercommunalités the depots serve: the choices a referral offers for the funders' figures."""
    rows = conn.execute("SELECT DISTINCT intercommunality FROM sites WHERE intercommunality IS NOT NULL"
                        " ORDER BY intercommunality").fetchall()
    return [row["intercommunality"] for row in rows]
