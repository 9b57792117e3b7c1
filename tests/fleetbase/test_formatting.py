"""The one French formatter: the same moment, day or amount reads the same on every surface."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from fleetbase import formatting
from tests.factories import source_packages

PARIS = ZoneInfo("Europe/Paris")


@pytest.mark.parametrize(
    "zone, shown",
    [
        ("Europe/Paris", "15 décembre 2026 à 18:00"),
        ("America/Cayenne", "15 décembre 2026 à 14:00"),
        ("Indian/Reunion", "15 décembre 2026 à 21:00"),
    ],
)
def test_a_moment_is_written_in_the_plateformes_zone(zone, shown):
    assert formatting.moment(datetime(2026, 12, 15, 17, 0, tzinfo=UTC), ZoneInfo(zone)) == shown


def test_a_shorter_pattern_where_a_page_needs_less():
    assert formatting.moment(datetime(2026, 3, 29, 0, 30, tzinfo=UTC), PARIS, "HH:mm") == "01:30"  # winter time
    assert formatting.moment(datetime(2026, 3, 29, 1, 30, tzinfo=UTC), PARIS, "HH:mm") == "03:30"  # summer time


def test_days_months_and_durations():
    assert formatting.day(date(2027, 3, 14)) == "14 mars 2027"
    assert formatting.month(date(2026, 8, 1)) == "août 2026"
    assert formatting.duration(timedelta(minutes=12)) == "12\xa0min"


def test_numbers_use_a_narrow_no_break_space_and_a_decimal_comma():
    assert formatting.number(12345) == "12\u202f345"
    assert formatting.km(12345.64, digits=1) == "12\u202f345,6 km"
    assert formatting.euros(123450) == "1\u202f234,50\xa0€"
    assert formatting.euros(None) == "—"


def test_a_csv_cell_keeps_its_decimals_and_never_writes_an_exponent():
    assert formatting.decimal(2.5) == "2,5"
    assert formatting.decimal(3.0) == "3"
    assert formatting.decimal(1_250_000.0) == "1250000"  # f"{value:g}" wrote 1.25e+06


def test_no_other_module_formats_for_people_on_its_own():
    """babel is imported here only, and no module hand-builds French numbers or month names."""
    root = Path(__file__).resolve().parents[2]
    packages = source_packages()
    offenders = []
    for package in packages:
        for path in (root / package).rglob("*.py"):
            text = path.read_text()
            if path.name != "formatting.py" and ("import babel" in text or "from babel" in text):
                offenders.append(f"{path.relative_to(root)} imports babel")
            if '.replace(",", "\\u202f")' in text or '"janvier"' in text:
                offenders.append(f"{path.relative_to(root)} formats French by hand")
    assert not offenders, "use fleetbase.formatting:\n" + "\n".join(offenders)


def test_the_first_of_the_month_is_written_1er():
    assert formatting.day(date(2026, 12, 1)) == "1er décembre 2026"
    assert formatting.day(date(2026, 12, 1), "EEEE d MMMM") == "mardi 1er décembre"
    assert formatting.moment(datetime(2026, 11, 30, 23, 30, tzinfo=UTC), PARIS) == "1er décembre 2026 à 00:30"
    assert (
        formatting.moment(datetime(2026, 12, 1, 12, 0, tzinfo=UTC), ZoneInfo("America/Cayenne"))
        == "1er décembre 2026 à 09:00"
    )
    assert formatting.day(date(2026, 12, 1), "dd/MM") == "01/12"
