"""Maintenance plans: what is serviced, how often, and the regulatory dates.

A plan is a task for every vehicle of a kind, or an override for one vehicle (the
override wins). An `interval` task is due every `every_km` kilometres and/or every
`every_months` months since the last service that covered it, whichever comes first.

The default plans are inserted by migration 0010 and editable through the API. They are
rules of thumb for the fleet's vehicles, not one maker's manual:
- 50 cc four-stroke scooter (Peugeot Kisbee, Kymco Agility, Yamaha Neo's class): service
  with oil change every 3,000 km or yearly; variator belt around 10,000 km; tyres and
  brakes looked at every 1,500 km or six months (vehicles lent to new riders).
- petrol car: service every 15,000 km or yearly; timing belt 120,000 km or 6 years;
  brake fluid every 2 years.
- electric car: service every 30,000 km or 2 years; brake fluid every 2 years.
- e-bike: workshop service every 2,000 km or yearly (brakes, drivetrain, battery
  diagnostics); chain and cassette every 3,000 km.

Regulatory dates (`controle_technique`), French rules:
- cars (M1): first test before the 4th anniversary of first registration, then every
  2 years (Code de la route, art. R323-22 and arrêté du 18 juin 1991);
- L-category vehicles, 50 cc scooters included (décret 2023-974, arrêté du 23 octobre
  2023, in force since 15 April 2024): first test in the 6 months before the 5th
  anniversary of first registration, then every 3 years; vehicles registered before
  2022 follow the transition calendar: before 2017 → 2024, 2017–2019 → 2025,
  2020–2021 → 2026 (the anniversary date in that year, never before 15 April 2024).
Insurance (`insurance`) is due on `vehicles.insurance_expires_on`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal

CAR_KINDS = ("car", "ecar")
L_CATEGORY_KINDS = ("scooter",)
L_CATEGORY_START = date(2024, 4, 15)
Rule = Literal["interval", "controle_technique", "insurance"]  # every N km / M months, or a regulatory date


@dataclass(frozen=True)
class Plan:
    """One task of a vehicle's plan (the kind's default, or the vehicle's own override)."""

    task: str
    label: str
    rule: Rule
    every_km: float | None
    every_months: int | None
    soon_km: float
    soon_days: int
    grace_km: float
    grace_days: int
    vehicle_kind: str
    vehicle_id: int | None = None  # set for a per-vehicle override


def add_months(day: date, months: int) -> date:
    """The same day `months` later (the month's last day when it is shorter)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    for candidate in (day.day, 30, 29, 28):
        try:
            return day.replace(year=year, month=month, day=min(day.day, candidate))
        except ValueError:
            continue
    raise ValueError(day)  # unreachable: every month has a 28th


def first_controle_technique(kind: str, first_registered_on: date) -> date | None:
    """The deadline of the first contrôle technique; None for kinds without one (e-bikes)."""
    if kind in CAR_KINDS:
        return add_months(first_registered_on, 48)
    if kind in L_CATEGORY_KINDS:
        year = first_registered_on.year
        if year >= 2022:
            return add_months(first_registered_on, 60)
        deadline_year = 2024 if year < 2017 else 2025 if year < 2020 else 2026
        return max(_same_day_in(first_registered_on, deadline_year), L_CATEGORY_START)
    return None


def _same_day_in(day: date, year: int) -> date:
    return add_months(day, 12 * (year - day.year))


def next_controle_technique(
    kind: str, first_registered_on: date | None, *, last_done_on: date | None, every_months: int
) -> date | None:
    """The next contrôle technique deadline: the first one, or `every_months` after the last."""
    if last_done_on is not None and kind in (*CAR_KINDS, *L_CATEGORY_KINDS):
        return add_months(last_done_on, every_months)
    if first_registered_on is None:
        return None
    return first_controle_technique(kind, first_registered_on)
