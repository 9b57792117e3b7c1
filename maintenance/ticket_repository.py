"""SQL of repair tickets, their updates, the vehicles they immobilise and the garages told."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime

from psycopg.rows import DictRow

from fleetbase.db import Conn, one, update_columns

TICKET_COLUMNS = (
    "t.id, t.vehicle_id, v.label AS vehicle_label, v.kind AS vehicle_kind, v.plate AS vehicle_plate,"
    " v.make AS vehicle_make, v.model AS vehicle_model, t.garage_id, g.name AS garage_name,"
    " t.loan_id, t.opened_by, t.title, t.description, t.status, t.immobilised, t.immobilised_since,"
    " t.quote_cents, t.final_cost_cents, t.parts, t.tasks, t.service_record_id, t.created_at, t.updated_at,"
    " t.closed_at"
)
FROM = " FROM repair_tickets t JOIN vehicles v ON v.id = t.vehicle_id LEFT JOIN garages g ON g.id = t.garage_id"


def get_ticket(conn: Conn, ticket_id: int, *, garage_id: int | None = None, for_update: bool = False) -> DictRow | None:
    """The ticket, or None when unknown or outside `garage_id` (a garage partner's scope)."""
    return conn.execute(
        f"SELECT {TICKET_COLUMNS}{FROM} WHERE t.id = %(id)s"
        " AND (%(garage)s::bigint IS NULL OR t.garage_id = %(garage)s)" + (" FOR UPDATE OF t" if for_update else ""),
        {"id": ticket_id, "garage": garage_id},
    ).fetchone()


def list_tickets(
    conn: Conn, *, garage_id: int | None, status: str | None, vehicle_id: int | None, limit: int
) -> list[DictRow]:
    return conn.execute(
        f"SELECT {TICKET_COLUMNS}{FROM}"
        " WHERE (%(garage)s::bigint IS NULL OR t.garage_id = %(garage)s)"
        "   AND (%(status)s::text IS NULL OR t.status = %(status)s)"
        "   AND (%(vehicle)s::bigint IS NULL OR t.vehicle_id = %(vehicle)s)"
        " ORDER BY t.updated_at DESC, t.id DESC LIMIT %(limit)s",
        {"garage": garage_id, "status": status, "vehicle": vehicle_id, "limit": limit},
    ).fetchall()


def ticket_board(conn: Conn, *, garage_id: int | None, statuses: Sequence[str] | None, limit: int) -> list[DictRow]:
    """Tickets as the repair pages list them: those not closed first (drafts among them), then
    the most recent activity first; only `statuses` when given, only `garage_id`'s when given."""
    return conn.execute(
        f"SELECT {TICKET_COLUMNS}{FROM}"
        " WHERE (%(garage)s::bigint IS NULL OR t.garage_id = %(garage)s)"
        "   AND (%(statuses)s::text[] IS NULL OR t.status = ANY(%(statuses)s))"
        " ORDER BY t.status IN ('done', 'cancelled'), t.updated_at DESC, t.id DESC LIMIT %(limit)s",
        {"garage": garage_id, "statuses": list(statuses) if statuses is not None else None, "limit": limit},
    ).fetchall()


def status_counts(conn: Conn, *, garage_id: int | None) -> dict[str, int]:
    """How many tickets of each status (within `garage_id`'s when given)."""
    rows = conn.execute(
        "SELECT status, count(*) AS n FROM repair_tickets"
        " WHERE (%(garage)s::bigint IS NULL OR garage_id = %(garage)s) GROUP BY status",
        {"garage": garage_id},
    ).fetchall()
    return {row["status"]: row["n"] for row in rows}


def list_updates(conn: Conn, ticket_id: int) -> list[DictRow]:
    return conn.execute(
        "SELECT r.id, r.kind, r.status, r.note, r.by_user_id, u.full_name AS by_name, r.author_role, r.at,"
        " r.accepted_quote_cents"
        " FROM repair_ticket_updates r LEFT JOIN users u ON u.id = r.by_user_id"
        " WHERE r.ticket_id = %(id)s ORDER BY r.at, r.id",
        {"id": ticket_id},
    ).fetchall()


def insert_ticket(
    conn: Conn,
    *,
    vehicle_id: int,
    garage_id: int | None,
    opened_by: int | None,
    title: str,
    description: str,
    immobilised: bool,
    tasks: Sequence[str],
    status: str,
    now: datetime,
) -> int:
    return int(
        one(
            conn.execute(
                "INSERT INTO repair_tickets (vehicle_id, garage_id, opened_by, title, description, immobilised, tasks,"
                " status, created_at, updated_at) VALUES (%(vehicle)s, %(garage)s, %(by)s, %(title)s, %(description)s,"
                " %(immobilised)s, %(tasks)s, %(status)s, %(now)s, %(now)s) RETURNING id",
                {
                    "vehicle": vehicle_id,
                    "garage": garage_id,
                    "by": opened_by,
                    "title": title,
                    "description": description,
                    "immobilised": immobilised,
                    "tasks": list(tasks),
                    "status": status,
                    "now": now,
                },
            )
        )["id"]
    )


# What the workflow may change on a ticket (names from code, never from input).
UPDATABLE = (
    "garage_id",
    "title",
    "description",
    "immobilised",
    "immobilised_since",
    "tasks",
    "status",
    "quote_cents",
    "final_cost_cents",
    "parts",
    "closed_at",
    "service_record_id",
)


def update_ticket(conn: Conn, ticket_id: int, *, now: datetime, **changes: object) -> None:
    """Set the given columns (names from the workflow's fixed list, never from input)."""
    if "parts" in changes:
        changes["parts"] = json.dumps(changes["parts"])
    update_columns(conn, "repair_tickets", ticket_id, changes, allowed=UPDATABLE, now=now)


def insert_update(
    conn: Conn,
    ticket_id: int,
    *,
    kind: str,
    status: str,
    note: str,
    by_user_id: int | None,
    author_role: str | None,
    now: datetime,
    accepted_quote_cents: int | None = None,
) -> None:
    conn.execute(
        "INSERT INTO repair_ticket_updates (ticket_id, kind, status, note, by_user_id, author_role, at,"
        " accepted_quote_cents) VALUES (%(id)s, %(kind)s, %(status)s, %(note)s, %(by)s, %(role)s, %(now)s,"
        " %(quote)s)",
        {
            "id": ticket_id,
            "kind": kind,
            "status": status,
            "note": note,
            "by": by_user_id,
            "role": author_role,
            "now": now,
            "quote": accepted_quote_cents,
        },
    )


def get_garage(conn: Conn, garage_id: int) -> DictRow | None:
    return conn.execute(
        "SELECT id, name, email, webhook_url, webhook_secret FROM garages WHERE id = %(id)s", {"id": garage_id}
    ).fetchone()


def current_odometer(conn: Conn, vehicle_id: int) -> float:
    """The effective odometer, else the last service record's, else 0 (a vehicle without tracker)."""
    return float(
        one(
            conn.execute(
                "SELECT coalesce((SELECT effective_odometer_km FROM vehicle_state WHERE vehicle_id = %(v)s),"
                " (SELECT max(odometer_km) FROM service_records WHERE vehicle_id = %(v)s), 0) AS km",
                {"v": vehicle_id},
            )
        )["km"]
    )


def immobilise_vehicle(conn: Conn, vehicle_id: int, *, now: datetime) -> None:
    conn.execute(
        "UPDATE vehicles SET status = 'immobilised', updated_at = %(now)s WHERE id = %(id)s"
        " AND status <> 'out_of_service'",
        {"id": vehicle_id, "now": now},
    )


def release_vehicle(conn: Conn, vehicle_id: int, *, now: datetime) -> None:
    """Back to 'on_loan' when a loan holds it, else 'available' — unless another open ticket
    still immobilises it."""
    conn.execute(
        "UPDATE vehicles v SET updated_at = %(now)s, status = CASE WHEN EXISTS"
        "   (SELECT 1 FROM loans l WHERE l.vehicle_id = v.id AND l.status IN ('active', 'overdue'))"
        "   THEN 'on_loan' ELSE 'available' END"
        " WHERE v.id = %(id)s AND v.status = 'immobilised' AND NOT EXISTS"
        "   (SELECT 1 FROM repair_tickets t WHERE t.vehicle_id = v.id AND t.immobilised"
        "      AND t.status IN ('open', 'sent', 'accepted', 'in_progress'))",
        {"id": vehicle_id, "now": now},
    )


def colliding_loans(conn: Conn, vehicle_id: int, *, since: datetime) -> list[DictRow]:
    """Requested or validated loans of the vehicle still to come or under way after `since`."""
    return conn.execute(
        "SELECT id, starts_at, ends_at FROM loans WHERE vehicle_id = %(vehicle)s"
        " AND status IN ('requested', 'validated') AND held_until > %(since)s ORDER BY starts_at",
        {"vehicle": vehicle_id, "since": since},
    ).fetchall()


def collision_keys(conn: Conn, ticket_id: int) -> list[str]:
    return [
        row["dedup_key"]
        for row in conn.execute(
            "SELECT dedup_key FROM alerts WHERE kind = 'loan_collides_repair' AND status <> 'resolved'"
            " AND dedup_key LIKE %(pattern)s",
            {"pattern": f"loan_collides_repair:%:{ticket_id}"},
        )
    ]


def enqueue_mail(conn: Conn, *, recipients: Sequence[str], subject: str, body: str, now: datetime) -> int:
    return int(
        one(
            conn.execute(
                "INSERT INTO mail_outbox (recipients, subject, body, created_at)"
                " VALUES (%(to)s, %(subject)s, %(body)s, %(now)s) RETURNING id",
                {"to": list(recipients), "subject": subject, "body": body, "now": now},
            )
        )["id"]
    )


def enqueue_webhook(conn: Conn, *, garage_id: int, ticket_id: int, event: str, body: str, now: datetime) -> int:
    return int(
        one(
            conn.execute(
                "INSERT INTO webhook_deliveries (garage_id, ticket_id, event, body, next_attempt_at,"
                " created_at) VALUES (%(garage)s, %(ticket)s, %(event)s, %(body)s, %(now)s, %(now)s)"
                " RETURNING id",
                {"garage": garage_id, "ticket": ticket_id, "event": event, "body": body, "now": now},
            )
        )["id"]
    )


def immobilisations(conn: Conn, *, start: datetime, end: datetime, vehicle_ids: Sequence[int]) -> list[DictRow]:
    """Repair tickets that immobilised one of the vehicles during [start, end): from
    `immobilised_since` until the ticket closed (`ends_at` NULL: still immobilised)."""
    return conn.execute(
        "SELECT t.id, t.vehicle_id, t.title, t.status, t.immobilised_since AS starts_at,"
        " CASE WHEN t.status IN ('done', 'cancelled') THEN t.closed_at END AS ends_at"
        " FROM repair_tickets t WHERE t.immobilised AND t.immobilised_since IS NOT NULL"
        " AND t.vehicle_id = ANY(%(vehicles)s) AND t.immobilised_since < %(end)s"
        " AND (t.status NOT IN ('done', 'cancelled') OR t.closed_at > %(start)s)"
        " ORDER BY t.vehicle_id, t.immobilised_since",
        {"vehicles": list(vehicle_ids), "start": start, "end": end},
    ).fetchall()


def any_ticket(conn: Conn) -> bool:
    return conn.execute("SELECT 1 FROM repair_tickets LIMIT 1").fetchone() is not None
