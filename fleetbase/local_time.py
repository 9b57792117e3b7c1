"""People's time. Everything is stored in UTC; what people read — today's date, a month —
is read in the plateforme's own zone, `FLEET_TIMEZONE` (Europe/Paris, America/Cayenne,
Indian/Reunion…), which every process passes down as `zone`, and written in French by
`fleetbase.formatting`."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo


def local_today(now: datetime, zone: ZoneInfo) -> date:
    """The date it is at `now` where the plateforme is."""
    return now.astimezone(zone).date()


def month_start(year: int, month: int, zone: ZoneInfo) -> datetime:
    """Midnight on the first day of the month, there."""
    return datetime(year, month, 1, tzinfo=zone)
