"""What every API schema shares: bounded text, ids, times the service can compute with, JSON.

`Name` and `Text` are one line: no control character (C0, DEL, C1, Unicode line and
paragraph separators), since names and short texts end up in e-mail subjects and
headers, CSV cells and log lines. Text that may span lines has its own type next to its
schema (descriptions, notes, addresses) and refuses only NUL, which PostgreSQL refuses.
"""

import json
from datetime import UTC, datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, StringConstraints

from fleet_api.deps import MAX_ID

_LINE = r"\x00-\x1f\x7f-\x9f\u2028\u2029"  # characters a one-line text refuses
Text = Annotated[str, StringConstraints(max_length=200, pattern=rf"^[^{_LINE}]*$")]
Name = Annotated[str, StringConstraints(min_length=1, max_length=200, pattern=rf"^[^{_LINE}]*[^\s{_LINE}][^{_LINE}]*$")]
RefId = Annotated[int, Field(ge=1, le=MAX_ID)]
VehicleKind = Literal["car", "scooter", "ebike", "ecar"]
Phone = Annotated[str, StringConstraints(min_length=4, max_length=30, pattern=r"^\+?[0-9 .()-]+$")]
Email = Annotated[str, StringConstraints(max_length=200, pattern=r"^[^@\s\x00]+@[^@\s\x00]+$")]
FIRST_YEAR, LAST_YEAR = 2000, 2100


def within_service_years(value: datetime) -> datetime:
    """Refuse a time outside 2000–2100 (in UTC when it has an offset): the service adds days,
    months and buffers to the times it is given, which Python cannot do near year 1 or 9999."""
    try:
        year = (value.astimezone(UTC) if value.tzinfo else value).year
    except OverflowError:  # an offset that moves it past year 1 or 9999
        year = 0
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise ValueError(f"date hors de la plage {FIRST_YEAR}–{LAST_YEAR}")
    return value


# A time as given (with or without its offset), within the years the service computes with.
ServiceTime = Annotated[datetime, AfterValidator(within_service_years)]


def _default(value):
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"not JSON: {type(value).__name__}")


def to_json(value) -> str:
    """json.dumps with datetimes as RFC 3339, for the few routes that answer prebuilt JSON."""
    return json.dumps(value, default=_default, separators=(",", ":"))
