"""Réglages (/reglages): the settings people change — loan rules per kind, the maintenance
plan of each kind, the alert thresholds per kind. The administrator changes them; the fleet
manager reads them. Each form calls the domain's repositories, as the API's routes
(`/loan-rules`, `/maintenance/plans`, `/geofence-rules`) do, and a refused value comes back
in French on the form, as typed.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from fleet_api.authz import Principal, Role
from fleet_api.deps import DbConn, Now
from fleet_api.maintenance.schemas import TaskName
from fleet_api.schemas import VehicleKind
from fleet_api.web.pages import check_csrf, page_user
from fleet_api.web.settings import forms
from fleet_api.web.templating import render
from fleetbase.errors import InvalidInput, NotFound
from geofence import repository as geofence_repository
from loans import repository as loan_repository
from maintenance import repository as maintenance_repository

router = APIRouter(include_in_schema=False)
Reader = Annotated[Principal, page_user(Role.ADMIN, Role.FLEET_MANAGER)]
Admin = Annotated[Principal, page_user(Role.ADMIN)]
Csrf = Annotated[str, Form(max_length=200)]
Typed = Annotated[str, Form(max_length=40)]
NOTICES = {
    "pret": "Règles de prêt enregistrées",
    "entretien": "Plan d'entretien enregistré",
    "alerte": "Seuils d'alerte enregistrés",
}


def _page(
    request: Request,
    user: Principal,
    conn,
    *,
    form_id: str | None = None,
    typed: dict | None = None,
    error: InvalidInput | None = None,
    saved: str | None = None,
    status_code: int = 200,
) -> Response:
    """Every form with the stored values, except the one refused (`form_id`), shown as typed."""
    plans: dict[str, list] = {kind: [] for kind in forms.KINDS}
    for plan in maintenance_repository.list_plans(conn):
        plans.setdefault(plan.vehicle_kind, []).append(plan)
    return render(
        request,
        "settings/reglages.html",
        {
            "kinds": forms.KINDS,
            "loan_rules": loan_repository.get_rules(conn),
            "plans": plans,
            "thresholds": geofence_repository.get_thresholds(conn),
            "loan_fields": forms.LOAN_FIELDS,
            "plan_fields": forms.PLAN_FIELDS,
            "alert_fields": forms.ALERT_FIELDS,
            "editable": user.role == Role.ADMIN,
            "form_id": form_id,
            "typed": typed or {},
            "error": error.detail if error else None,
            "bad_fields": getattr(error, "fields", []),
            "saved": saved,
        },
        status_code=status_code,
    )


@router.get("/reglages")
def settings_page(
    request: Request,
    user: Reader,
    conn: DbConn,
    enregistre: Annotated[str | None, Query(max_length=80, pattern=r"^[a-z_-]+$")] = None,
) -> Response:
    return _page(request, user, conn, saved=enregistre)


def _saved(form_id: str) -> Response:
    return RedirectResponse(f"/reglages?enregistre={form_id}#{form_id}", status_code=303)


@router.post("/reglages/prets/{kind}")
def save_loan_rules(
    kind: VehicleKind,
    request: Request,
    user: Admin,
    conn: DbConn,
    now: Now,
    csrf_token: Csrf = "",
    turnaround_hours: Typed = "",
    max_days: Typed = "",
) -> Response:
    check_csrf(request, csrf_token)
    typed = {"turnaround_hours": turnaround_hours, "max_days": max_days}
    try:
        data = forms.loan_rules(typed)
    except InvalidInput as refused:
        return _page(request, user, conn, form_id=f"pret-{kind}", typed=typed, error=refused, status_code=422)
    if not loan_repository.update_rules(
        conn, kind, turnaround_hours=data.turnaround_hours, max_days=data.max_days, now=now
    ):
        raise NotFound("Aucune règle de prêt pour ce type de véhicule.")
    return _saved(f"pret-{kind}")


@router.post("/reglages/entretien/{kind}/{task}")
def save_plan(
    kind: VehicleKind,
    task: TaskName,
    request: Request,
    user: Admin,
    conn: DbConn,
    now: Now,
    csrf_token: Csrf = "",
    every_km: Typed = "",
    every_months: Typed = "",
    soon_km: Typed = "",
    soon_days: Typed = "",
    grace_km: Typed = "",
    grace_days: Typed = "",
) -> Response:
    """A task of the kind's plan, its label and rule unchanged."""
    check_csrf(request, csrf_token)
    current = next(
        (plan for plan in maintenance_repository.list_plans(conn, vehicle_kind=kind) if plan.task == task), None
    )
    if current is None:
        raise NotFound("Cette tâche d'entretien n'existe pas pour ce type de véhicule.")
    typed = {
        "every_km": every_km,
        "every_months": every_months,
        "soon_km": soon_km,
        "soon_days": soon_days,
        "grace_km": grace_km,
        "grace_days": grace_days,
    }
    form_id = f"entretien-{kind}-{task}"
    try:
        data = forms.maintenance_plan(typed, label=current.label, rule=current.rule)
    except InvalidInput as refused:
        return _page(request, user, conn, form_id=form_id, typed=typed, error=refused, status_code=422)
    maintenance_repository.upsert_plan(
        conn, vehicle_kind=kind, vehicle_id=None, task=task, now=now, **data.model_dump()
    )
    return _saved(form_id)


@router.post("/reglages/alertes/{kind}")
def save_thresholds(
    kind: VehicleKind,
    request: Request,
    user: Admin,
    conn: DbConn,
    now: Now,
    csrf_token: Csrf = "",
    low_battery_pct: Typed = "",
    silent_after_minutes: Typed = "",
    theft_displacement_m: Typed = "",
    return_window_hours: Typed = "",
    confirm_fixes: Typed = "",
    confirm_seconds: Typed = "",
) -> Response:
    check_csrf(request, csrf_token)
    typed = {
        "low_battery_pct": low_battery_pct,
        "silent_after_minutes": silent_after_minutes,
        "theft_displacement_m": theft_displacement_m,
        "return_window_hours": return_window_hours,
        "confirm_fixes": confirm_fixes,
        "confirm_seconds": confirm_seconds,
    }
    try:
        data = forms.alert_thresholds(typed)
    except InvalidInput as refused:
        return _page(request, user, conn, form_id=f"alerte-{kind}", typed=typed, error=refused, status_code=422)
    changes = {name: value for name, value in data.model_dump().items() if value is not None}
    if not geofence_repository.update_thresholds(conn, kind, now=now, **changes):
        raise NotFound("Aucun seuil d'alerte pour ce type de véhicule.")
    return _saved(f"alerte-{kind}")
