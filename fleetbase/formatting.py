"""How people read dates, times and numbers, in French, everywhere: pages, alert texts,
e-mails, error details, PDF receipts and CSV files all format through here (babel, CLDR's
fr_FR), so one moment or one amount reads the same on every surface.

Times are stored in UTC and shown in the plateforme's zone (`FLEET_TIMEZONE`), which the
caller passes as `zone`. Thousands are separated by a narrow no-break space, decimals by
a comma: `12 345,6 km`, `1 234,50 €`.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime, format_timedelta
from babel.numbers import format_currency, format_decimal

LOCALE = "fr_FR"
# The one way a moment is written in a sentence or a cell: « 14 mars 2027 à 09:05 ».
MOMENT = "d MMMM yyyy 'à' HH:mm"
# A calendar day: « 14 mars 2027 ».
DAY = "d MMMM yyyy"
# CLDR's day-of-month field, alone (not `dd`, nor inside a quoted literal such as 'à').
_DAY_FIELD = re.compile(r"(?<![d'])d(?![d'])")


def _first_of_month(pattern: str, value: date) -> str:
    """French writes the first of the month « 1er » (« le 1er décembre »), which CLDR does not."""
    return _DAY_FIELD.sub("'1er'", pattern, count=1) if value.day == 1 else pattern


def moment(value: datetime, zone: ZoneInfo, pattern: str = MOMENT) -> str:
    """`value` (aware, any zone) as people read it where the plateforme is; `pattern` is
    CLDR's (`HH:mm`, `d MMM`, `EEEE d MMMM yyyy 'à' HH:mm`…) where a page needs less."""
    local = value.astimezone(zone)
    return format_datetime(local, _first_of_month(pattern, local), tzinfo=zone, locale=LOCALE)


def day(value: date, pattern: str = DAY) -> str:
    """A calendar day (a due date, a licence checked): « 14 mars 2027 », « lundi 1er mars »."""
    return format_date(value, _first_of_month(pattern, value), locale=LOCALE)


def month(value: date) -> str:
    """« mars 2027 »."""
    return format_date(value, "MMMM yyyy", locale=LOCALE)


def duration(elapsed: timedelta) -> str:
    """« 12 min », « 3 h », « 2 j »: how long ago, or how long."""
    return format_timedelta(elapsed, threshold=1.5, format="short", locale=LOCALE)


def number(value: float, digits: int = 0) -> str:
    """« 12 345 », « 74,4 » with `digits=1`."""
    return format_decimal(value, format="#,##0" + ("." + "0" * digits if digits else ""), locale=LOCALE)


def decimal(value: float) -> str:
    """As many decimals as the value has (a CSV cell): « 2,5 », « 3 »."""
    return format_decimal(value, format="0.######", locale=LOCALE)


def km(value: float, digits: int = 0) -> str:
    """« 12 345 km »."""
    return f"{number(value, digits)} km"


def euros(cents: int | None) -> str:
    """« 1 234,50 € » from cents; « — » when unknown."""
    if cents is None:
        return "—"
    return format_currency(cents / 100, "EUR", locale=LOCALE)
