"""What `make demo` adds for maintenance: a local mail catcher (aiosmtpd) that writes each
e-mail the scheduler sends under var/demo-mail/, and the fleet's maintenance history,
written once the simulated trackers have reported their odometers."""

from __future__ import annotations

import email
import email.policy
import time
from datetime import UTC, datetime
from pathlib import Path

from aiosmtpd.controller import Controller

from fleetbase.broker import free_port
from fleetbase.db import connect
from fleetbase.settings import FleetSettings
from maintenance.demo import seed_demo_maintenance, seed_demo_tickets


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
            reported = conn.execute("SELECT count(*) AS n FROM vehicle_state"
                                    " WHERE effective_odometer_km IS NOT NULL").fetchone()["n"]
            conn.commit()
            if reported >= 10:
                break
            time.sleep(1)
        with conn.transaction():
            now = datetime.now(UTC)
            seed_demo_tickets(conn, now=now, zone=settings.zone, public_url=settings.public_url)
            return seed_demo_maintenance(conn, now=now, zone=settings.zone)

