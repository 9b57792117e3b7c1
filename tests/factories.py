"""Factories every test package uses, defined once: the seeded rows looked up by name, and
the signatures an état des lieux needs. Package factories (tests/<package>/factories.py)
add what only their package needs."""

from __future__ import annotations

import psycopg

# Both signatures given (the API and the domain refuse an unsigned état des lieux).
SIGNED = {"participant_signed": True, "staff_signed": True}


def vehicle_id(conn: psycopg.Connection, label: str) -> int:
    """The seeded vehicle called `label` (`car-01`, `scooter-05`…)."""
    return conn.execute("SELECT id FROM vehicles WHERE label = %(label)s", {"label": label}).fetchone()["id"]


def user_id(conn: psycopg.Connection, username: str = "coordinator") -> int:
    """The seeded user `username` (a demo login)."""
    return conn.execute("SELECT id FROM users WHERE username = %(u)s", {"u": username}).fetchone()["id"]
