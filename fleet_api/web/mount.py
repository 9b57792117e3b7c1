"""Puts the web application on the API's FastAPI app: templates, static files, pages,
security headers, and the HTML answers of pages (sign-in redirect, French error pages)."""

from __future__ import annotations

import logging
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from fleet_api.web import vendor
from fleet_api.web.admin import parc as admin_parc
from fleet_api.web.admin import users as admin_users
from fleet_api.web.alerts import pages as alert_pages
from fleet_api.web.audit import pages as audit_pages
from fleet_api.web.auth import pages as auth_pages
from fleet_api.web.fleet import basemap
from fleet_api.web.fleet import pages as fleet_pages
from fleet_api.web.inspections import pages as inspection_pages
from fleet_api.web.loans import prescriber_pages, queue_pages
from fleet_api.web.maintenance import displays as maintenance_displays
from fleet_api.web.maintenance import pages as maintenance_pages
from fleet_api.web.pages import SignInRequired
from fleet_api.web.participants import pages as participant_pages
from fleet_api.web.planning import calendars as planning_calendars
from fleet_api.web.planning import depot as planning_depot
from fleet_api.web.planning import pages as planning_pages
from fleet_api.web.repairs import actions as repair_actions
from fleet_api.web.repairs import pages as repair_pages
from fleet_api.web.reports import pages as report_pages
from fleet_api.web.security import SecurityHeadersMiddleware
from fleet_api.web.settings import pages as settings_pages
from fleet_api.web.templating import make_templates, render
from fleet_api.web.vehicles import pages as vehicle_pages
from fleet_api.web.zones import pages as zone_pages

log = logging.getLogger(__name__)
STATIC_DIR = Path(__file__).parent / "static"
PAGE_ROUTERS = (
    auth_pages.router,
    fleet_pages.router,
    vehicle_pages.router,
    prescriber_pages.router,
    queue_pages.router,
    planning_pages.router,
    planning_depot.router,
    planning_calendars.router,
    inspection_pages.router,
    participant_pages.router,
    report_pages.router,
    maintenance_pages.router,
    maintenance_displays.router,
    admin_users.router,
    admin_parc.router,
    alert_pages.router,
    zone_pages.router,
    settings_pages.router,
    audit_pages.router,
    repair_pages.router,
    repair_actions.router,
)
HEADINGS = {
    401: "Connexion requise",
    403: "Accès refusé",
    404: "Page introuvable",
    405: "Action impossible",
    409: "Action impossible",
    422: "Adresse ou saisie incorrecte",
    429: "Trop de demandes",
}


def install_web(app: FastAPI) -> None:
    settings = app.state.settings
    app.state.templates = make_templates(settings.zone)
    app.state.page_error = page_error
    missing = vendor.missing_packages(settings.web_vendor_dir)
    if missing:
        log.warning("front-end packages missing under %s (run `npm ci`): %s", settings.web_vendor_dir, missing)
    basemap.warm_up(settings.web_vendor_dir / vendor.LAND_TOPOJSON)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    for name, folder in vendor.package_dirs(settings.web_vendor_dir).items():
        app.mount(f"/vendor/{name}", StaticFiles(directory=folder, check_dir=False), name=f"vendor-{name}")
    for router in PAGE_ROUTERS:
        app.include_router(router)
    app.add_middleware(SecurityHeadersMiddleware, tile_url=settings.map_tile_url)

    @app.exception_handler(SignInRequired)
    async def sign_in_required(request: Request, error: SignInRequired):
        if request.headers.get("HX-Request") == "true":  # a fragment: the whole window goes to sign-in
            return Response(status_code=204, headers={"HX-Redirect": error.sign_in_url})
        return RedirectResponse(error.sign_in_url, status_code=303)


def page_error(request: Request, status_code: int, detail: str):
    """The French error page of a page request (the API's JSON errors stay JSON)."""
    return render(
        request,
        "error.html",
        {"heading": HEADINGS.get(status_code, "Erreur"), "detail": detail},
        status_code=status_code,
    )
