"""Jinja2 for every page: one base layout, one template folder per area, French dates.

Templates are found as `<area>/<name>.html` in `fleet_api/web/<area>/templates/`, and the
layout and error page in `fleet_api/web/templates/`. Filters show UTC times in
FLEET_TIMEZONE (`local`), durations (`since`: « il y a 12 min ») and numbers in French, all
through `fleetbase.formatting`, as alert texts, e-mails and receipts do.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

from fastapi import Request
from fastapi.templating import Jinja2Templates
from jinja2 import ChoiceLoader, Environment, FileSystemLoader, PrefixLoader, select_autoescape

from fleet_api.web.nav import ROLE_TITLES, links_for
from fleetbase import formatting

WEB_DIR = Path(__file__).parent
AREAS = (
    "auth",
    "fleet",
    "vehicles",
    "loans",
    "planning",
    "inspections",
    "participants",
    "reports",
    "maintenance",
    "admin",
    "alerts",
    "zones",
    "settings",
    "audit",
    "repairs",
)


def make_templates(zone) -> Jinja2Templates:
    loader = ChoiceLoader(
        [
            FileSystemLoader(WEB_DIR / "templates"),
            PrefixLoader({area: FileSystemLoader(WEB_DIR / area / "templates") for area in AREAS}),
        ]
    )
    env = Environment(loader=loader, autoescape=select_autoescape(default=True), trim_blocks=True, lstrip_blocks=True)

    def local(moment: datetime | str | None, pattern: str = formatting.MOMENT) -> str:
        if moment is None:
            return "—"
        return formatting.moment(datetime.fromisoformat(moment) if isinstance(moment, str) else moment, zone, pattern)

    def since(moment: datetime | str | None, now: datetime) -> str:
        if moment is None:
            return "jamais"
        return "il y a " + formatting.duration(
            now - (datetime.fromisoformat(moment) if isinstance(moment, str) else moment)
        )

    def number(value: float | None, digits: int = 0) -> str:
        return "—" if value is None else formatting.number(value, digits)

    def day(value: date | str | None, pattern: str = formatting.DAY) -> str:
        """A calendar day (a licence checked, a month's first day), in French."""
        if value is None:
            return "—"
        return formatting.day(date.fromisoformat(value) if isinstance(value, str) else value, pattern)

    env.filters.update(local=local, number=number, frdate=day)
    env.globals.update(since=since, role_title=lambda role: ROLE_TITLES[role], links_for=links_for)
    return Jinja2Templates(env=env)


def render(request: Request, name: str, context: dict | None = None, *, status_code: int = 200):
    """The page `name` with the signed-in user (if any), the menu and the CSRF token."""
    user = getattr(request.state, "web_user", None)
    values = {
        "user": user,
        "csrf_token": getattr(request.state, "csrf_token", ""),
        "now": request.app.state.clock(),
        "settings": request.app.state.settings,
    }
    return request.app.state.templates.TemplateResponse(
        request, name, values | (context or {}), status_code=status_code, headers={"Cache-Control": "no-store"}
    )
