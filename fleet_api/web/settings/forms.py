"""The settings forms' fields, read into the API's own schemas (a page accepts exactly what
the API accepts), with a French sentence naming the field and its bounds when refused."""

from __future__ import annotations

from annotated_types import Ge, Gt, Le
from pydantic import BaseModel, ValidationError

from fleet_api.bookings.schemas import LoanRulesUpdate
from fleet_api.geofences.schemas import RuleThresholdsUpdate
from fleet_api.maintenance.schemas import MaintenancePlanUpdate
from fleetbase.errors import InvalidInput

KINDS = {"car": "Voiture", "ecar": "Voiture électrique", "scooter": "Scooter", "ebike": "Vélo électrique"}
LOAN_FIELDS = {
    "turnaround_hours": ("Remise en état entre deux prêts", "heures"),
    "max_days": ("Durée maximale d'un prêt", "jours"),
}
PLAN_FIELDS = {
    "every_km": ("Tous les", "km"),
    "every_months": ("Tous les", "mois"),
    "soon_km": ("Prévenir avant", "km"),
    "soon_days": ("Prévenir avant", "jours"),
    "grace_km": ("Tolérance après l'échéance", "km"),
    "grace_days": ("Tolérance après l'échéance", "jours"),
}
ALERT_FIELDS = {
    "low_battery_pct": ("Batterie basse en dessous de", "%"),
    "silent_after_minutes": ("Balise silencieuse après", "minutes sans message"),
    "theft_displacement_m": ("Vol possible : véhicule sans prêt déplacé hors de son dépôt de plus de", "m"),
    "return_window_hours": ("Retour au dépôt signalé s'il arrive dans les", "heures avant la fin du prêt"),
    "confirm_fixes": ("Entrée ou sortie de zone confirmée après", "positions concordantes"),
    "confirm_seconds": ("… et au moins", "secondes"),
}


def _number(text: str) -> str | None:
    """What was typed, French decimal comma accepted; empty → None."""
    text = (text or "").strip().replace("\u202f", "").replace(" ", "").replace(",", ".")
    return text or None


def _bounds(model: type[BaseModel], name: str) -> str:
    low = high = None
    for rule in model.model_fields[name].metadata:
        if isinstance(rule, Ge):
            low = f"au moins {rule.ge:g}"
        elif isinstance(rule, Gt):
            low = f"plus de {rule.gt:g}"
        elif isinstance(rule, Le):
            high = f"au plus {rule.le:g}"
    return " et ".join(part for part in (low, high) if part)


class FormRefused(InvalidInput):
    """A settings form refused, with the fields to mark on it."""

    def __init__(self, detail: str, *, fields: list[str]) -> None:
        super().__init__(detail)
        self.fields = fields


def _refusal(model: type[BaseModel], error: ValidationError, labels: dict[str, tuple[str, str]]) -> FormRefused:
    sentences: list[str] = []
    fields: list[str] = []
    for problem in error.errors():
        name = next((part for part in problem.get("loc", ()) if isinstance(part, str) and part in labels), None)
        if name is None:  # a rule across fields (a maintenance task's interval)
            sentences.append("Indiquez un intervalle : en kilomètres, en mois, ou les deux.")
            fields += ["every_km", "every_months"]
            continue
        fields.append(name)
        label, unit = labels[name]
        bounds = _bounds(model, name)
        annotation: object = model.model_fields[name].annotation
        whole = " entier" if annotation in (int, int | None) else ""
        sentences.append(f"« {label} ({unit}) » : saisissez un nombre{whole}" + (f", {bounds}." if bounds else "."))
    return FormRefused(" ".join(dict.fromkeys(sentences)), fields=fields)


def _parse(model: type[BaseModel], values: dict, labels: dict):
    try:
        return model.model_validate(values)
    except ValidationError as error:
        raise _refusal(model, error, labels) from None


def loan_rules(form: dict) -> LoanRulesUpdate:
    return _parse(LoanRulesUpdate, {name: _number(form.get(name, "")) for name in LOAN_FIELDS}, LOAN_FIELDS)


def alert_thresholds(form: dict) -> RuleThresholdsUpdate:
    return _parse(RuleThresholdsUpdate, {name: _number(form.get(name, "")) for name in ALERT_FIELDS}, ALERT_FIELDS)


def maintenance_plan(form: dict, *, label: str, rule: str) -> MaintenancePlanUpdate:
    """A whole task: its label and rule stay; an empty interval field is no interval of that kind,
    an empty warning or tolerance field is 0."""
    values = {name: _number(form.get(name, "")) for name in PLAN_FIELDS}
    for name in ("soon_km", "soon_days", "grace_km", "grace_days"):
        values[name] = values[name] or "0"
    return _parse(MaintenancePlanUpdate, values | {"label": label, "rule": rule}, PLAN_FIELDS)
