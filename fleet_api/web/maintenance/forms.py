"""The service form's fields as typed in French (« 12 345,6 », « 89,90 € », a date), read into
values, each mistake told in a French sentence (InvalidInput)."""

from __future__ import annotations

import re
from datetime import date

from fleetbase.errors import InvalidInput

DECIMAL = re.compile(r"^[0-9]{1,9}([.,][0-9]{1,2})?$")


def _digits(text: str) -> str:
    return re.sub(r"[\s\u202f\xa0€]|km", "", text.strip().lower())


def parse_km(text: str) -> float | None:
    """The odometer typed, or None when left empty."""
    cleaned = _digits(text)
    if not cleaned:
        return None
    if not re.fullmatch(r"[0-9]{1,9}([.,][0-9])?", cleaned):
        raise InvalidInput("Le kilométrage doit être un nombre de kilomètres, par exemple 12 345.")
    return float(cleaned.replace(",", "."))


def parse_cost_cents(text: str) -> int | None:
    """Euros typed (« 89,90 ») as cents, or None when left empty."""
    cleaned = _digits(text)
    if not cleaned:
        return None
    if not DECIMAL.fullmatch(cleaned):
        raise InvalidInput("Le coût doit être un montant en euros, par exemple 89,90.")
    euros, _, cents = cleaned.replace(",", ".").partition(".")
    return int(euros) * 100 + int((cents + "00")[:2])


def parse_day(text: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput("Indiquez la date de l'intervention (jour, mois, année).") from None


def parse_id(text: str | None) -> int | None:
    """A filter's id from a select (empty: every one)."""
    if not text:
        return None
    if not text.isdigit() or len(text) > 18:
        raise InvalidInput("Ce filtre n'est pas valable.")
    return int(text)
