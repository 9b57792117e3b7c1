"""Turns the database's refusals (unique, foreign key, check) into the project's errors.

The database is the last word on uniqueness and references; repositories run their
writes inside `refusals_as_errors(...)` so a duplicate plate answers 409 and an unknown
site 422, with a French sentence naming the problem, never a 500.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager

from psycopg import errors

from fleetbase.errors import Conflict, InvalidInput


@contextmanager
def refusals_as_errors(messages: Mapping[str, str] | None = None) -> Iterator[None]:
    """`messages`: constraint name → French detail; unknown constraints get a generic one."""
    messages = messages or {}
    try:
        yield
    except errors.UniqueViolation as error:
        name = error.diag.constraint_name or ""
        raise Conflict(messages.get(name, "Cette valeur est déjà utilisée.")) from error
    except errors.ForeignKeyViolation as error:
        name = error.diag.constraint_name or ""
        raise InvalidInput(messages.get(name, "Une référence désigne un objet inexistant.")) from error
    except (errors.CheckViolation, errors.NotNullViolation) as error:
        name = error.diag.constraint_name or ""
        raise InvalidInput(messages.get(name, "Ces valeurs ne sont pas cohérentes entre elles.")) from error
