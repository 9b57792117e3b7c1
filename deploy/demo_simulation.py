"""Where `make demo`'s simulated fleet starts: afresh this morning, or where the last run left it.

The simulated fleet is a function of its seed and its start (`device_sim`): given the
same two and the moment the last run stopped (`FLEET_SIM_RESUME_AT`), the simulator
goes on from the very positions, odometers, batteries and participants the service has
stored, and its desk finds the loans it made. A fleet manager who stops the demo and
starts it again finds the fleet as they left it, with what they did meanwhile (tickets,
loans, acknowledged alerts); what the trackers saw while the demo was stopped is
replayed at the demo's pace, as real trackers send what they buffered.

So the demo keeps the fleet's seed and start in var/demo-simulation.json, with the
database they belong to. A database holding readings of a fleet it cannot continue (no
such record: an older demo, var/ removed; or a last run more than a day ago, which would
take long to replay) is, when it is the demo's own database, made afresh; a database
named by FLEET_DATABASE_URL is never dropped: its simulated fleet starts afresh over it.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import psycopg
from psycopg import sql

MAX_REPLAY = timedelta(days=1)  # at 60×, 24 minutes to catch up with the present


@dataclass(frozen=True)
class SimulationPlan:
    database_url: str
    seed: int
    start: datetime
    resume_at: datetime | None = None  # None: a fresh fleet
    recreate_database: bool = False
    note: str = ""

    def simulator_settings(self) -> dict:
        """The simulator's settings for this plan (`SimulatorSettings` fields)."""
        return {"sim_seed": self.seed, "sim_start": self.start, "sim_resume_at": self.resume_at}

    def environment(self) -> dict[str, str]:
        """The same, as the `FLEET_SIM_*` variables the simulator reads."""
        values = {"FLEET_SIM_SEED": str(self.seed), "FLEET_SIM_START": self.start.isoformat()}
        if self.resume_at is not None:
            values["FLEET_SIM_RESUME_AT"] = self.resume_at.isoformat()
        return values

    def save(self, path: Path) -> None:
        """Keep the fleet's seed and start, for the next run to continue it."""
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(
            json.dumps(
                {"database_url": self.database_url, "seed": self.seed, "start": self.start.isoformat()}, indent=2
            )
            + "\n"
        )


def plan_simulation(
    *,
    record_path: Path,
    database_url: str,
    latest_fix: datetime | None,
    now: datetime,
    zone: ZoneInfo,
    own_database: bool,
    time_factor: float = 60.0,
    max_replay: timedelta = MAX_REPLAY,
) -> SimulationPlan:
    """Resume the recorded fleet at `latest_fix` (the newest reading stored) when that is
    consistent; otherwise a fresh fleet from this morning, on a fresh database if it is ours."""
    record = _read(record_path)
    fresh = SimulationPlan(database_url, random.SystemRandom().randrange(2**31), morning_start(now, zone))
    if latest_fix is None:
        return fresh
    if record is not None and record["database_url"] == database_url and record["start"] <= latest_fix:
        if now - latest_fix <= max_replay:
            minutes = (now - latest_fix).total_seconds() / time_factor / 60
            return SimulationPlan(
                database_url,
                record["seed"],
                record["start"],
                resume_at=latest_fix,
                note=(
                    f"simulated fleet: going on from {latest_fix:%Y-%m-%d %H:%M} UTC, where the last run stopped"
                    f" (caught up with the present in about {max(minutes, 0.1):.1f} min)"
                ),
            )
        why = f"its last reading is from {latest_fix:%Y-%m-%d %H:%M} UTC, over {max_replay} ago"
    else:
        why = f"no record in {record_path} of the simulated fleet that wrote its readings"
    if own_database:
        return SimulationPlan(
            database_url,
            fresh.seed,
            fresh.start,
            recreate_database=True,
            note=f"simulated fleet: {why}; the demo database starts afresh",
        )
    return SimulationPlan(
        database_url, fresh.seed, fresh.start, note=f"simulated fleet: {why}; a new one starts over the database's data"
    )


def morning_start(now: datetime, zone: ZoneInfo) -> datetime:
    """This morning at 07:00 (yesterday's when it is not an hour past yet), for the simulator:
    replayed faster than real time, the fleet is on the road from the demo's first minute."""
    local = now.astimezone(zone)
    morning = local.replace(hour=7, minute=0, second=0, microsecond=0)
    if morning > local - timedelta(hours=1):
        morning -= timedelta(days=1)
    return morning.astimezone(UTC)


def drop_database(database_url: str) -> None:
    """Drop the database of the URL (closing its sessions), to make it afresh."""
    name = psycopg.conninfo.conninfo_to_dict(database_url).get("dbname") or "fleet"
    admin_url = psycopg.conninfo.make_conninfo(database_url, dbname="postgres")
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def _read(path: Path) -> dict | None:
    try:
        record = json.loads(path.read_text())
        return {
            "database_url": str(record["database_url"]),
            "seed": int(record["seed"]),
            "start": datetime.fromisoformat(record["start"]),
        }
    except (OSError, ValueError, KeyError, TypeError):
        return None
