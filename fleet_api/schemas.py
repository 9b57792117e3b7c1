"""What every API schema shares: bounded text (no NUL, which PostgreSQL refuses), ids, JSON."""

import json
from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from fleet_api.deps import MAX_ID

Text = Annotated[str, StringConstraints(max_length=200, pattern=r"^[^\x00]*$")]
Name = Annotated[str, StringConstraints(min_length=1, max_length=200, pattern=r"^[^\x00]*\S[^\x00]*$")]
RefId = Annotated[int, Field(ge=1, le=MAX_ID)]
VehicleKind = Literal["car", "scooter", "ebike", "ecar"]
Phone = Annotated[str, StringConstraints(min_length=4, max_length=30, pattern=r"^\+?[0-9 .()-]+$")]
Email = Annotated[str, StringConstraints(max_length=200, pattern=r"^[^@\s\x00]+@[^@\s\x00]+$")]


def _default(value):
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"not JSON: {type(value).__name__}")


def to_json(value) -> str:
    """json.dumps with datetimes as RFC 3339, for the few routes that answer prebuilt JSON."""
    return json.dumps(value, default=_default, separators=(",", ":"))
