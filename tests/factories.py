"""Factories every test package uses, defined once: the seeded rows looked up by name, the
signatures an état des lieux needs, and the list of the project's own packages. Package
factories (tests/<package>/factories.py) add what only their package needs."""

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


def source_packages() -> list[str]:
    """The project's own packages, as pyproject.toml's package list names them."""
    import tomllib
    from pathlib import Path

    pyproject = tomllib.loads((Path(__file__).resolve().parents[1] / "pyproject.toml").read_text())
    return [name.rstrip("*") for name in pyproject["tool"]["setuptools"]["packages"]["find"]["include"]]
