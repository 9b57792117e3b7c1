"""Demo maintenance history (`make demo` only): once the simulated fleet has reported its
odometers, give every vehicle a plausible past — services, contrôles techniques,
insurance — and place a few of them just short of "due soon", so alerts come within
minutes of the demo's start while the rest of the fleet stays quiet.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import psycopg

from fleetbase.local_time import local_today
from maintenance import repository, tickets
from maintenance.plans import first_controle_technique

# One vehicle in three is left this many km short of its service's "due soon" point: the
# simulator does not drive every vehicle, but some of these are on the road within minutes.
ALMOST_DUE_KM = (0.3, 0.8, 1.5, 2.5, 4.0)
# label → months since the last service (one month before the yearly service: due soon by date)
ALMOST_DUE_MONTHS = {"car-02": 11, "scooter-03": 11}
INSURANCE_SOON = {"car-03": 20}  # days left


def seed_demo_maintenance(conn: psycopg.Connection, *, now: datetime, zone: ZoneInfo) -> int:
    """Service records for the vehicles that have none; how many vehicles got a history. No commit."""
    today = local_today(now, zone)
    vehicles = repository.vehicles_without_records(conn)
    plans = repository.effective_plans(conn, vehicle_ids=[vehicle["id"] for vehicle in vehicles])
    for number, vehicle in enumerate(vehicles):
        odometer = vehicle["effective_odometer_km"] or 0.0
        for plan in plans[vehicle["id"]]:
            if plan.rule != "interval":
                continue
            months_ago = 1 + number % 3
            if plan.task == "service":
                months_ago = ALMOST_DUE_MONTHS.get(vehicle["label"], 1 + number % 5)
            performed_on = _months_before(today, months_ago)
            done_km = odometer
            if number % 3 == 0 and plan.every_km is not None and plan.task == "service":
                margin = ALMOST_DUE_KM[number // 3 % len(ALMOST_DUE_KM)]
                done_km = odometer - plan.every_km + plan.soon_km + margin
            else:
                # Different tasks were done at different times: spread them over the interval.
                done_km = max(odometer - (plan.every_km or 0) * (0.1 + 0.15 * (number % 4)), 0.0)
            repository.insert_service_record(
                conn, vehicle_id=vehicle["id"], performed_on=performed_on, odometer_km=max(done_km, 0.0),
                tasks=[plan.task], cost_cents=None, notes="Historique de démonstration", by_user_id=None, now=now)
        first_ct = (first_controle_technique(vehicle["kind"], vehicle["first_registered_on"])
                    if vehicle["first_registered_on"] else None)
        if first_ct is not None and first_ct <= today:
            repository.insert_service_record(
                conn, vehicle_id=vehicle["id"], performed_on=_months_before(today, 2 + number % 9),
                odometer_km=max(odometer - 500, 0.0), tasks=["controle_technique"], cost_cents=None,
                notes="Contrôle technique favorable (démonstration)", by_user_id=None, now=now)
        if vehicle["kind"] != "ebike":
            days = INSURANCE_SOON.get(vehicle["label"], 60 + (number * 37) % 300)
            repository.set_insurance_expiry(conn, vehicle["id"], expires_on=today + timedelta(days=days))
    return len(vehicles)


# (vehicle, title, description, how far it went: open, sent or in_progress with a quote in cents)
DEMO_TICKETS = (
    ("scooter-07", "Frein arrière qui frotte", "Le participant signale un bruit au freinage et une roue qui"
     " ralentit toute seule.", "sent", None),
    ("car-04", "Voyant moteur allumé", "Voyant orange fixe depuis lundi, perte de puissance en côte.",
     "in_progress", 18_500),
    ("ebike-02", "Batterie qui ne tient plus la charge", "Autonomie tombée à 15 km : à faire diagnostiquer.",
     "open", None),
)


def seed_demo_tickets(conn: psycopg.Connection, *, now: datetime, zone: ZoneInfo, public_url: str) -> int:
    """A few repair tickets for the garage solidaire (one to accept, one under way with its quote,
    one not yet sent), when there are none; how many were opened. No commit."""
    if conn.execute("SELECT 1 FROM repair_tickets LIMIT 1").fetchone() is not None:
        return 0
    mechanic = conn.execute("SELECT id FROM users WHERE role = 'mechanic' AND disabled_at IS NULL"
                            " ORDER BY id LIMIT 1").fetchone()
    garage = conn.execute("SELECT id, garage_id FROM users WHERE role = 'garage_partner' AND disabled_at IS NULL"
                          " AND garage_id IS NOT NULL ORDER BY id LIMIT 1").fetchone()
    if mechanic is None or garage is None:
        return 0
    staff = tickets.Actor(mechanic["id"], "mechanic")
    partner = tickets.Actor(garage["id"], "garage_partner", scope=garage["garage_id"])
    opened = 0
    for label, title, description, reached, quote_cents in DEMO_TICKETS:
        vehicle = conn.execute("SELECT id FROM vehicles WHERE label = %(label)s", {"label": label}).fetchone()
        if vehicle is None:
            continue
        ticket = tickets.create(conn, actor=staff, vehicle_id=vehicle["id"], garage_id=garage["garage_id"],
                                title=title, description=description, immobilised=reached == "in_progress",
                                tasks=[], now=now)
        opened += 1
        steps = {"open": [], "sent": [(staff, "sent")],
                 "in_progress": [(staff, "sent"), (partner, "accepted"), (partner, "in_progress")]}[reached]
        for actor, status in steps:
            if status == "in_progress" and quote_cents is not None:
                tickets.set_costs(conn, ticket["id"], actor=partner, now=now, public_url=public_url,
                                  quote_cents=quote_cents)
            tickets.change_status(conn, ticket["id"], actor=actor, status=status, note="", final_cost_cents=None,
                                  now=now, zone=zone, public_url=public_url)
    return opened


def _months_before(day: date, months: int) -> date:
    month_index = day.month - 1 - months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return day.replace(year=year, month=month, day=min(day.day, 28))
