"""The activity report's rows (loans.report) arranged for the page: the month totals, the
loan-days per intercommunality and month, the fleet's utilisation, and the charts' data
(each chart is drawn from the very figures of the table beside it)."""

from __future__ import annotations

from datetime import date

from fleetbase import formatting
from loans.report import KINDS, TOTAL

KIND_NAMES = {"car": "Voitures", "scooter": "Scooters", "ebike": "Vélos électriques", "ecar": "Voitures électriques"}


def month_name(month: str, pattern: str = "MMMM yyyy") -> str:
    """« novembre 2026 » for `2026-11`."""
    return formatting.day(date.fromisoformat(month + "-01"), pattern)


def percent(share: float | None) -> float | None:
    return None if share is None else round(share * 100, 1)


def arrange(rows: list[dict]) -> dict:
    """Tables and chart data from the report's rows (one per month and place, then "Total")."""
    totals = [row for row in rows if row["intercommunality"] == TOTAL]
    months = [row["month"] for row in totals]
    places = sorted({row["intercommunality"] for row in rows} - {TOTAL})
    days = {place: {month: 0.0 for month in months} for place in places}
    for row in rows:
        if row["intercommunality"] != TOTAL:
            days[row["intercommunality"]][row["month"]] = row["loan_days"]
    kinds = [kind for kind in KINDS if any(row["utilisation"][kind] is not None for row in totals)]
    labels = [month_name(month, "MMM yyyy") for month in months]
    return {
        "months": months,
        "totals": totals,
        "places": places,
        "days": days,
        "kinds": kinds,
        "details": rows,
        "chart": {
            "labels": labels,
            "loans": {
                "started": [row["loans_started"] for row in totals],
                "ended": [row["loans_ended"] for row in totals],
            },
            "days": [{"label": place, "values": [days[place][month] for month in months]} for place in places],
            "utilisation": [
                {"label": KIND_NAMES[kind], "values": [percent(row["utilisation"][kind]) for row in totals]}
                for kind in kinds
            ],
        },
    }
