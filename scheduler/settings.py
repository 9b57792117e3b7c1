"""The scheduler's settings (`FLEET_SMTP_*`, `FLEET_SCHEDULER_*`, `FLEET_WEBHOOK_*` and the shared `FLEET_*`)."""

from __future__ import annotations

import os
import socket

from pydantic import Field, SecretStr

from fleetbase.settings import FleetSettings


class SchedulerSettings(FleetSettings):
    smtp_host: str = "127.0.0.1"
    smtp_port: int = Field(default=25, ge=1, le=65535)
    smtp_sender: str = "Plateforme mobilité <ne-pas-repondre@plateforme-mobilite.example.org>"
    smtp_starttls: bool = False
    smtp_username: str | None = None
    smtp_password: SecretStr = SecretStr("")
    smtp_timeout_s: float = Field(default=10.0, gt=0)
    # The name this host gives the SMTP server (EHLO); by default the machine's own name,
    # so that no DNS look-up is made for every message.
    smtp_helo_name: str = Field(default_factory=socket.gethostname, min_length=1)
    # A message the server refuses is tried again after mail_backoff_s, doubling, and
    # given up after mail_max_attempts; a server that is away costs no attempt.
    mail_max_attempts: int = Field(default=8, ge=1, le=50)
    mail_backoff_s: float = Field(default=60.0, gt=0)

    # How often each job runs (seconds); a job's time slot is its interval.
    scheduler_due_scan_s: int = Field(default=300, ge=1)
    scheduler_overdue_loans_s: int = Field(default=60, ge=1)
    scheduler_tracker_watch_s: int = Field(default=120, ge=1)
    scheduler_battery_s: int = Field(default=300, ge=1)
    scheduler_retention_s: int = Field(default=86400, ge=1)
    scheduler_incidents_s: int = Field(default=300, ge=1)
    scheduler_notify_s: int = Field(default=30, ge=1)
    scheduler_webhooks_s: int = Field(default=15, ge=1)
    # A standby process tries to become the active scheduler this often.
    scheduler_standby_poll_s: float = Field(default=5.0, gt=0)
    scheduler_runner: str = Field(default_factory=lambda: f"{socket.gethostname()}:{os.getpid()}")
    # Told to stop, the scheduler ends its jobs between two messages; past this, it exits anyway.
    scheduler_stop_grace_s: float = Field(default=20.0, gt=0)

    # Ingestion counts as stopped when no worker saved its counters for this long.
    scheduler_ingest_stale_s: int = Field(default=900, ge=30)
    # A validated loan starting within this many hours wants a charged battery.
    scheduler_battery_lookahead_h: float = Field(default=24.0, gt=0)
    # What the retention job keeps of data other than positions (ingest expires those).
    scheduler_keep_operational_days: int = Field(default=365, ge=1)

    webhook_timeout_s: float = Field(default=10.0, gt=0)
    webhook_max_attempts: int = Field(default=8, ge=1, le=50)
    webhook_backoff_s: float = Field(default=30.0, gt=0)

    def secrets(self) -> dict[str, SecretStr]:
        """The scheduler signs nothing and reads no broker: only the SMTP password, when a login is set."""
        return {"smtp_password": self.smtp_password} if self.smtp_username else {}
