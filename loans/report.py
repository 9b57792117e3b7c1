"""The activity report for the association's funders (the Département, the intercommunalités):
per month (in the plateforme's zone) and intercommunality, as JSON rows or as CSV.

    participants       people with a loan running during the month (by where they live)
    loans_started      check-outs in the month;  loans_ended: check-ins in the month
    loan_days          days of loans within the month
    km                 kilometres of the loans that came back in the month
    utilisation        per vehicle kind, loan-days / (vehicles × days) of the vehicles based
                       at the intercommunality's depots; the month's "Total" row: the whole fleet
"""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from fleetbase import formatting
from fleetbase.db import Conn
from fleetbase.errors import InvalidInput
from fleetbase.local_time import month_start
from loans import report_repository

KINDS = ("car", "scooter", "ebike", "ecar")
TOTAL = "Total"
MAX_MONTHS = 36
CSV_HEADER = (
    "mois",
    "intercommunalité",
    "personnes suivies",
    "prêts commencés",
    "prêts terminés",
    "jours de prêt",
    "km parcourus",
    "utilisation voitures (%)",
    "utilisation scooters (%)",
    "utilisation vélos électriques (%)",
    "utilisation voitures électriques (%)",
)


def month_bounds(first: date, last: date, *, zone: ZoneInfo) -> list[tuple[str, datetime, datetime]]:
    """(YYYY-MM, start, end) of each month from `first` to `last`, bounds at local midnight."""
    if last < first:
        raise InvalidInput("Le mois de fin doit suivre le mois de début.")
    months, year, month = [], first.year, first.month
    while (year, month) <= (last.year, last.month):
        following = (year + month // 12, month % 12 + 1)
        months.append((f"{year:04d}-{month:02d}", month_start(year, month, zone), month_start(*following, zone)))
        year, month = following
        if len(months) > MAX_MONTHS:
            raise InvalidInput(f"Le rapport couvre au plus {MAX_MONTHS} mois.")
    return months


def activity_report(conn: Conn, *, first: date, last: date, now: datetime, zone: ZoneInfo) -> list[dict[str, Any]]:
    """One row per month and intercommunality, then the month's total."""
    months = month_bounds(first, last, zone=zone)
    activity = report_repository.activity_by_intercommunality(conn, months=months, now=now)
    fleet = report_repository.utilisation(conn, months=months, now=now)
    rows: dict[tuple[str, str], dict[str, Any]] = {}

    def row(month: str, place: str) -> dict[str, Any]:
        return rows.setdefault(
            (month, place),
            {
                "month": month,
                "intercommunality": place,
                "participants": 0,
                "loans_started": 0,
                "loans_ended": 0,
                "loan_days": 0.0,
                "km": 0.0,
                "utilisation": {},
                "_use": {kind: [0, 0.0, 0.0] for kind in KINDS},
            },
        )

    for month, *_ in months:
        row(month, TOTAL)
    for line in activity:
        for place in (line["intercommunality"], TOTAL):
            target = row(line["month"], place)
            for column in ("participants", "loans_started", "loans_ended"):
                target[column] += line[column]
            target["loan_days"] += float(line["loan_days"])
            target["km"] += float(line["km"])
    for line in fleet:
        for place in (line["intercommunality"], TOTAL):
            use = row(line["month"], place)["_use"][line["vehicle_kind"]]
            use[0] += line["vehicles"]
            use[1] += float(line["loan_days"])
            use[2] = float(line["days"])
    result = []
    for key in sorted(rows, key=lambda key: (key[0], key[1] == TOTAL, key[1])):
        item = rows[key]
        use = item.pop("_use")
        item["utilisation"] = {
            kind: round(days / (vehicles * span), 4) if vehicles else None
            for kind, (vehicles, days, span) in use.items()
        }
        item["loan_days"], item["km"] = round(item["loan_days"], 2), round(item["km"], 1)
        result.append(item)
    return result


def report_csv(rows: list[dict[str, Any]]) -> str:
    """The report as CSV for a spreadsheet (semicolons, decimal commas, utilisation in %)."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(CSV_HEADER)

    def number(value: float | None) -> str:
        return "" if value is None else formatting.decimal(value)

    for row in rows:
        writer.writerow(
            [
                row["month"],
                row["intercommunality"],
                row["participants"],
                row["loans_started"],
                row["loans_ended"],
                number(row["loan_days"]),
                number(row["km"]),
                *(
                    number(None if row["utilisation"][kind] is None else round(row["utilisation"][kind] * 100, 1))
                    for kind in KINDS
                ),
            ]
        )
    return out.getvalue()
