"""An audit log entry as the API gives it."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel


class AuditEntry(BaseModel):
    id: int
    at: datetime
    user_id: int | None
    username: str | None
    action: str
    subject_type: str
    subject_id: str
    reason: str | None
    details: dict
