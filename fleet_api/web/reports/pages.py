"""Rapport d'activité (/rapport): the funders' report per month and intercommunality
(loans.report, the same service as /api/v1/reports/activity) as tables and charts, a period
to choose, and the API's CSV to download. Coordinators, the fleet manager, the administrator.

The charts are drawn by `static/js/rapport.js` from the JSON the page carries (the CSP
forbids inline scripts); each chart has its table, which is what a screen reader reads.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from fleet_api.authz import Principal, Role
from fleet_api.deps import DbConn, Now, Settings
from fleet_api.web.pages import page_user
from fleet_api.web.reports import charts
from fleet_api.web.templating import render
from fleetbase.errors import InvalidInput
from fleetbase.local_time import local_today
from loans import report

router = APIRouter(include_in_schema=False)
Reader = Annotated[Principal, page_user(Role.COORDINATOR, Role.FLEET_MANAGER, Role.ADMIN)]
MONTH = re.compile(r"^(20[0-9]{2})-(0[1-9]|1[0-2])$")
DEFAULT_MONTHS = 6


def _shift(month: date, months: int) -> date:
    index = month.year * 12 + month.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def _month(text: str) -> date | None:
    match = MONTH.match(text.strip())
    return date(int(match[1]), int(match[2]), 1) if match else None


def periods(today: date) -> list[tuple[str, date, date]]:
    """The usual choices: the last six months, this year, last year."""
    this_month = today.replace(day=1)
    return [
        (f"{DEFAULT_MONTHS} derniers mois", _shift(this_month, 1 - DEFAULT_MONTHS), this_month),
        (f"Année {today.year}", date(today.year, 1, 1), this_month),
        (f"Année {today.year - 1}", date(today.year - 1, 1, 1), date(today.year - 1, 12, 1)),
    ]


@router.get("/rapport")
def activity_report_page(
    request: Request,
    user: Reader,
    conn: DbConn,
    now: Now,
    settings: Settings,
    du: Annotated[str, Query(max_length=20)] = "",
    au: Annotated[str, Query(max_length=20)] = "",
) -> Response:
    today = local_today(now, settings.zone)
    choices = periods(today)
    first, last = choices[0][1], choices[0][2]
    error = None
    if du or au:
        asked_first, asked_last = _month(du), _month(au or du)
        if asked_first is None or asked_last is None:
            error = "Choisissez un mois de début et un mois de fin (par exemple 2026-01)."
        else:
            first, last = asked_first, asked_last
    try:
        rows = report.activity_report(conn, first=first, last=last, now=now, zone=settings.zone)
    except InvalidInput as refused:
        error, rows = refused.detail, []
    period = {"from": f"{first:%Y-%m}", "to": f"{last:%Y-%m}"}
    return render(
        request,
        "reports/rapport.html",
        {
            "report": charts.arrange(rows),
            "error": error,
            "period": period,
            "kind_names": charts.KIND_NAMES,
            "first_name": charts.month_name(period["from"]),
            "last_name": charts.month_name(period["to"]),
            "choices": [(label, f"{start:%Y-%m}", f"{end:%Y-%m}") for label, start, end in choices],
            "month_name": charts.month_name,
            "percent": charts.percent,
            "csv_url": f"/api/v1/reports/activity.csv?from={period['from']}&to={period['to']}",
            "csv_name": f"activite-{period['from']}-{period['to']}.csv",
        },
    )
