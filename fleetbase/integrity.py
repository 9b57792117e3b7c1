"""Turns the database's refusals (unique, foreign key, check, bad value…) into the project's errors.

The database is the last word on uniqueness, references and what a column can hold.
`refusal_error` is the one table from a refusal to a `FleetError` with a French sentence:
repositories run their writes inside `refusals_as_errors(...)` to name the constraint
they know ("Un véhicule porte déjà cette immatriculation."), and `fleet_api.errors`
answers any refusal that escapes elsewhere with the same table's generic sentence, so
bad input never becomes a 500.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager

import psycopg
from psycopg import errors

from fleetbase.errors import Conflict, FleetError, InvalidInput

# What bad input or a concurrent request can make the database refuse; anything else
# (a lost connection, a bug in a query) stays a server error.
REFUSALS: tuple[type[psycopg.Error], ...] = (
    psycopg.IntegrityError,
    psycopg.DataError,
    errors.ProgramLimitExceeded,
    errors.SerializationFailure,
    errors.DeadlockDetected,
    errors.LockNotAvailable,
)
# (refusal, error class, French sentence when the constraint has no message of its own), first match wins.
_TABLE: tuple[tuple[type[psycopg.Error], type[FleetError], str], ...] = (
    (errors.UniqueViolation, Conflict, "Cette valeur est déjà utilisée."),
    (errors.ExclusionViolation, Conflict, "Cette période chevauche une autre déjà enregistrée."),
    (errors.ForeignKeyViolation, InvalidInput, "Une référence désigne un objet inexistant."),
    (errors.CheckViolation, InvalidInput, "Ces valeurs ne sont pas cohérentes entre elles."),
    (errors.NotNullViolation, InvalidInput, "Ces valeurs ne sont pas cohérentes entre elles."),
    (psycopg.IntegrityError, Conflict, "Cette modification contredit des données enregistrées."),
    (psycopg.DataError, InvalidInput, "Valeur refusée : hors des limites admises."),
    (errors.ProgramLimitExceeded, InvalidInput, "Valeur refusée : trop grande pour être enregistrée."),
    (errors.SerializationFailure, Conflict, "Une autre modification était en cours : réessayez."),
    (errors.DeadlockDetected, Conflict, "Une autre modification était en cours : réessayez."),
    (errors.LockNotAvailable, Conflict, "Une autre modification était en cours : réessayez."),
)


def refusal_error(error: psycopg.Error, messages: Mapping[str, str] | None = None) -> FleetError | None:
    """The project's error for a refusal of the database (None: not a refusal, a server error).

    `messages`: constraint name → French detail, for the constraints the caller knows.
    """
    for refusal, error_class, generic in _TABLE:
        if isinstance(error, refusal):
            name = getattr(error.diag, "constraint_name", None) or ""
            return error_class((messages or {}).get(name, generic))
    return None


@contextmanager
def refusals_as_errors(messages: Mapping[str, str] | None = None) -> Iterator[None]:
    """Run a write; a refusal of the database becomes its FleetError (see `refusal_error`)."""
    try:
        yield
    except REFUSALS as error:
        mapped = refusal_error(error, messages)
        if mapped is None:
            raise
        raise mapped from error
