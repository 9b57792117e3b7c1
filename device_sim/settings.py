"""The simulator's settings: `FleetSettings` plus its own `FLEET_SIM_*` fields.

The simulator logs in as the demo trackers, whose passwords derive from
`FLEET_DEMO_PASSWORD`, and as the `simulator` service login (fault "unknown tracker",
load mode); so its one secret is the demo password. CLI flags override these fields
(`python -m device_sim --help`).
"""

from __future__ import annotations

from datetime import datetime

from pydantic import Field, SecretStr, field_validator

from fleetbase.settings import FleetSettings

FAULT_NAMES = ("gps_jump", "duplicate", "out_of_order", "clock_skew", "malformed", "unknown_tracker")


class SimulatorSettings(FleetSettings):
    """What `python -m device_sim` reads from the environment."""

    sim_seed: int | None = None
    # Simulated seconds per wall second; the simulated clock never runs ahead of the
    # wall clock (ingest refuses fixes from the future), see `device_sim.clock`.
    sim_time_factor: float = Field(default=1.0, gt=0, le=1_000_000)
    sim_start: datetime | None = None
    # Continuing an earlier run (same seed and start): the fleet is advanced to this moment
    # without publishing, as that run already did, and goes on from there (`make demo`).
    sim_resume_at: datetime | None = None
    sim_trackers: str = ""  # comma-separated tracker ids; empty: the whole demo fleet

    sim_moving_interval_s: float = Field(default=10.0, gt=0)
    sim_parked_interval_s: float = Field(default=300.0, gt=0)
    sim_tick_s: float = Field(default=0.25, gt=0)
    sim_report_interval_s: float = Field(default=30.0, gt=0)
    # Told to stop (SIGTERM, Ctrl-C), the trackers say "offline" for at most half of this,
    # a load run waits that long for its last PUBACKs; past all of it the process exits anyway.
    sim_stop_grace_s: float = Field(default=10.0, gt=0)

    sim_buffer_limit: int = Field(default=50_000, ge=1)  # readings kept per offline tracker
    sim_batch_max: int = Field(default=500, ge=1)  # readings per JSON array sent on reconnect
    sim_keepalive_s: int = Field(default=30, ge=5)
    sim_reconnect_min_delay_s: float = Field(default=1.0, gt=0)
    sim_reconnect_max_delay_s: float = Field(default=30.0, gt=0)

    # Demo only: the API where the simulated participants' loans are booked (device_sim.desk),
    # signed in as this demo user with the demo password; unset, no loan is booked.
    sim_desk_url: str | None = None
    sim_desk_username: str = "coordinator"

    sim_fault_rate: float = Field(default=0.01, ge=0, le=1)  # chance per reading
    sim_fault_gps_jump: bool = False
    sim_fault_duplicate: bool = False
    sim_fault_out_of_order: bool = False
    sim_fault_clock_skew: bool = False
    sim_fault_malformed: bool = False
    sim_fault_unknown_tracker: bool = False

    @field_validator("sim_start", "sim_resume_at")
    @classmethod
    def _aware_start(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("needs a UTC offset, e.g. 2026-11-25T06:00:00Z")
        return value

    def secrets(self) -> dict[str, SecretStr]:
        return {"demo_password": self.demo_password}

    @property
    def enabled_faults(self) -> tuple[str, ...]:
        """The fault switches that are on, in `FAULT_NAMES` order."""
        return tuple(name for name in FAULT_NAMES if getattr(self, f"sim_fault_{name}"))

    @property
    def tracker_ids(self) -> tuple[str, ...]:
        return tuple(part.strip() for part in self.sim_trackers.split(",") if part.strip())
