"""The planning's periods: an ISO week (`2026-W49`, Monday to Sunday) or a month (`2026-12`),
in the plateforme's time zone, with the periods before and after and their French names."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from fleetbase import formatting
from fleetbase.errors import InvalidInput

WEEK = re.compile(r"^(20[0-9]{2})-W([0-9]{2})$")
MONTH = re.compile(r"^(20[0-9]{2})-(0[1-9]|1[0-2])$")


@dataclass(frozen=True)
class Period:
    kind: str  # "week" or "month"
    first_day: date
    last_day: date  # included

    @property
    def key(self) -> str:
        if self.kind == "week":
            year, week, _ = self.first_day.isocalendar()
            return f"{year}-W{week:02d}"
        return self.first_day.strftime("%Y-%m")

    @property
    def days(self) -> list[date]:
        return [self.first_day + timedelta(days=n) for n in range((self.last_day - self.first_day).days + 1)]

    @property
    def title(self) -> str:
        """`Semaine 49, du 30 novembre au 6 décembre 2026` or `Décembre 2026`."""
        if self.kind == "month":
            return formatting.month(self.first_day).capitalize()
        week = self.first_day.isocalendar()[1]
        return f"Semaine {week}, du {day_text(self.first_day)} au {day_text(self.last_day, year=True)}"

    def previous(self) -> Period:
        return around(self.kind, self.first_day - timedelta(days=1))

    def next(self) -> Period:
        return around(self.kind, self.last_day + timedelta(days=1))

    def window(self, zone: ZoneInfo) -> tuple[datetime, datetime]:
        """The period as UTC-comparable moments: [first midnight, midnight after the last day)."""
        return days_window(self.first_day, self.last_day, zone)


def days_window(first_day: date, last_day: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """[midnight starting `first_day`, midnight ending `last_day`) in the zone (23 or 25 hours on a DST day)."""
    return (
        datetime.combine(first_day, time(0), tzinfo=zone),
        datetime.combine(last_day + timedelta(days=1), time(0), tzinfo=zone),
    )


def day_text(day: date, *, year: bool = False) -> str:
    """`1er décembre`, `6 décembre 2026`."""
    return formatting.day(day, "d MMMM yyyy" if year else "d MMMM")


def around(kind: str, day: date) -> Period:
    """The week (or month) holding `day`."""
    if kind == "week":
        monday = day - timedelta(days=day.weekday())
        return Period("week", monday, monday + timedelta(days=6))
    first = day.replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    return Period("month", first, following - timedelta(days=1))


def parse_period(*, week: str | None, month: str | None, today: date) -> Period:
    """The period asked for (`semaine=2026-W49` or `mois=2026-12`), else this week."""
    if month:
        found = MONTH.match(month)
        if not found:
            raise InvalidInput("Mois à écrire comme 2026-12.")
        return around("month", date(int(found[1]), int(found[2]), 1))
    if week:
        found = WEEK.match(week)
        try:
            if found is None:
                raise ValueError(week)
            return around("week", date.fromisocalendar(int(found[1]), int(found[2]), 1))
        except ValueError:
            raise InvalidInput("Semaine à écrire comme 2026-W49 (numéro de semaine ISO).") from None
    return around("week", today)


def local_day(moment: datetime, zone: ZoneInfo) -> date:
    return moment.astimezone(zone).date()


def last_local_day(end: datetime, zone: ZoneInfo) -> date:
    """The last day a period ending at `end` (excluded) touches: a loan ending at midnight
    does not take the next day."""
    return local_day(end - timedelta(microseconds=1), zone)
