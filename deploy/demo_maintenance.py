"""What `make demo` adds for maintenance: a local mail catcher (aiosmtpd) that writes each
e-mail the scheduler sends under var/demo-mail/; the fleet's maintenance history, written
once the simulated trackers have reported their odometers — every vehicle a plausible past
(services, contrôles techniques, insurance) with a few of them just short of "due soon", so
alerts come within minutes of the demo's start while the rest of the fleet stays quiet —
and the garage solidaire's first tickets."""

from __future__ import annotations

import email
import email.policy
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from aiosmtpd.controller import Controller

from accounts import repository as accounts
from fleet import vehicle_repository
from fleetbase.db import Conn, connect
from fleetbase.local_time import local_today
from fleetbase.settings import FleetSettings
from localbrokers.ports import free_port
from maintenance import repository, ticket_repository, tickets
from maintenance.plans import first_controle_technique
from tracking import live_repository


class _WriteToFiles:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.count = 0

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        name = f"{datetime.now(UTC):%Y%m%dT%H%M%S}-{self.count:04d}.eml"
        (self.directory / name).write_bytes(envelope.content)
        print(f"mail → {', '.join(envelope.rcpt_tos)}: {message['Subject']}  ({self.directory / name})", flush=True)
        return "250 Message accepted for delivery"


def start_mail_catcher(directory: Path) -> tuple[Controller, int]:
    """An SMTP server on a free loopback port that keeps every message as a .eml file."""
    directory.mkdir(parents=True, exist_ok=True)
    port = free_port()
    controller = Controller(_WriteToFiles(directory), hostname="127.0.0.1", port=port)
    controller.start()
    return controller, port


def prepare_maintenance(settings: FleetSettings, *, timeout: float = 90.0) -> int:
    """Wait for the fleet's first odometers, then give vehicles without history a past."""
    deadline = time.monotonic() + timeout
    with connect(settings.database_url, name="demo") as conn:
        while time.monotonic() < deadline:
            reported = live_repository.reporting_odometers(conn)
            conn.commit()
            if reported >= 10:
                break
            time.sleep(1)
        with conn.transaction():
            now = datetime.now(UTC)
            seed_demo_tickets(conn, now=now, zone=settings.zone, public_url=settings.public_url)
            return seed_demo_maintenance(conn, now=now, zone=settings.zone)


# One vehicle in three is left this many km short of its service's "due soon" point: the
# simulator does not drive every vehicle, but some of these are on the road within minutes.
ALMOST_DUE_KM = (0.3, 0.8, 1.5, 2.5, 4.0)
# label → months since the last service (one month before the yearly service: due soon by date)
ALMOST_DUE_MONTHS = {"car-02": 11, "scooter-03": 11}
INSURANCE_SOON = {"car-03": 20}  # days left


def seed_demo_maintenance(conn: Conn, *, now: datetime, zone: ZoneInfo) -> int:
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
                conn,
                vehicle_id=vehicle["id"],
                performed_on=performed_on,
                odometer_km=max(done_km, 0.0),
                tasks=[plan.task],
                cost_cents=None,
                notes="Historique de démonstration",
                by_user_id=None,
                now=now,
            )
        first_ct = (
            first_controle_technique(vehicle["kind"], vehicle["first_registered_on"])
            if vehicle["first_registered_on"]
            else None
        )
        if first_ct is not None and first_ct <= today:
            repository.insert_service_record(
                conn,
                vehicle_id=vehicle["id"],
                performed_on=_months_before(today, 2 + number % 9),
                odometer_km=max(odometer - 500, 0.0),
                tasks=["controle_technique"],
                cost_cents=None,
                notes="Contrôle technique favorable (démonstration)",
                by_user_id=None,
                now=now,
            )
        if vehicle["kind"] != "ebike":
            days = INSURANCE_SOON.get(vehicle["label"], 60 + (number * 37) % 300)
            repository.set_insurance_expiry(conn, vehicle["id"], expires_on=today + timedelta(days=days))
    return len(vehicles)


# (vehicle, title, description, how far it went: open, sent or in_progress with a quote in cents)
DEMO_TICKETS = (
    (
        "scooter-07",
        "Frein arrière qui frotte",
        "Le participant signale un bruit au freinage et une roue qui ralentit toute seule.",
        "sent",
        None,
    ),
    (
        "car-04",
        "Voyant moteur allumé",
        "Voyant orange fixe depuis lundi, perte de puissance en côte.",
        "in_progress",
        18_500,
    ),
    (
        "ebike-02",
        "Batterie qui ne tient plus la charge",
        "Autonomie tombée à 15 km : à faire diagnostiquer.",
        "open",
        None,
    ),
)


def seed_demo_tickets(conn: Conn, *, now: datetime, zone: ZoneInfo, public_url: str) -> int:
    """A few repair tickets for the garage solidaire (one to accept, one under way with its quote,
    one not yet sent), when there are none; how many were opened. No commit."""
    if ticket_repository.any_ticket(conn):
        return 0
    mechanic = accounts.first_active_user(conn, "mechanic")
    garage = accounts.first_active_user(conn, "garage_partner")
    if mechanic is None or garage is None or garage["garage_id"] is None:
        return 0
    staff = tickets.Actor(mechanic["id"], "mechanic")
    partner = tickets.Actor(garage["id"], "garage_partner", scope=garage["garage_id"])
    opened = 0
    for label, title, description, reached, quote_cents in DEMO_TICKETS:
        vehicle = vehicle_repository.find_by_label(conn, label)
        if vehicle is None:
            continue
        ticket = tickets.create(
            conn,
            actor=staff,
            vehicle_id=vehicle["id"],
            garage_id=garage["garage_id"],
            title=title,
            description=description,
            immobilised=reached == "in_progress",
            tasks=[],
            now=now,
        )
        opened += 1
        steps = {
            "open": [],
            "sent": [(staff, "sent")],
            "in_progress": [(staff, "sent"), (partner, "accepted"), (partner, "in_progress")],
        }[reached]
        for actor, status in steps:
            if status == "in_progress" and quote_cents is not None:
                tickets.set_costs(
                    conn, ticket["id"], actor=partner, now=now, public_url=public_url, quote_cents=quote_cents
                )
            tickets.change_status(
                conn,
                ticket["id"],
                actor=actor,
                status=status,
                note="",
                final_cost_cents=None,
                now=now,
                zone=zone,
                public_url=public_url,
            )
    return opened


def _months_before(day: date, months: int) -> date:
    month_index = day.month - 1 - months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return day.replace(year=year, month=month, day=min(day.day, 28))
