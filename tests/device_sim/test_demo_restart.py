"""`make demo` run a second time goes on from where the first stopped: the same simulated
fleet (seed and start) resumed at the last reading stored, so the positions, odometers
and loans the service holds are the fleet's own, and the desk is refused nothing.
Through the real API, broker and ingest worker, as the demo runs them."""

from __future__ import annotations

import logging
import sys
import threading
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from device_sim.model import FleetModel, demo_vehicles
from device_sim.runner import FleetRunner
from device_sim.settings import SimulatorSettings
from fleet_api.app import create_app
from fleetbase.db import connect
from ingest.settings import IngestSettings
from tests.conftest import DEMO_PASSWORD
from tests.fleet_api.conftest import Server, api_settings
from tests.ingest.conftest import Worker, worker_environment
from tests.processes import wait_until

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "deploy"))
from demo_simulation import plan_simulation  # noqa: E402  (deploy/ holds the demo's scripts, not a package)

PARIS = ZoneInfo("Europe/Paris")
TRACKERS = ("car-01", "car-02", "car-03", "scooter-01", "scooter-02", "scooter-03", "ebike-01", "ebike-02")


def _simulator(broker_port: int, desk_url: str, plan) -> SimulatorSettings:
    return SimulatorSettings(
        mqtt_url=f"mqtt://127.0.0.1:{broker_port}",
        demo_mode=True,
        demo_password=DEMO_PASSWORD,
        sim_trackers=",".join(TRACKERS),
        sim_time_factor=60,
        sim_tick_s=0.1,
        sim_reconnect_min_delay_s=0.1,
        sim_reconnect_max_delay_s=0.3,
        sim_desk_url=desk_url,
        **plan.simulator_settings(),
    )


class Run:
    """A simulator run in a thread, its desk's refusals kept."""

    def __init__(self, settings: SimulatorSettings) -> None:
        self.runner = FleetRunner(settings)
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.runner.run, args=(self.stop,), daemon=True)
        self.refusals: list[str] = []

    def __enter__(self) -> Run:
        handler = logging.Handler(level=logging.WARNING)
        handler.emit = lambda record: self.refusals.append(record.getMessage())
        self.handler = handler
        logging.getLogger("device_sim.desk").addHandler(handler)
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop.set()
        self.thread.join(timeout=30)
        logging.getLogger("device_sim.desk").removeHandler(self.handler)
        assert not self.thread.is_alive(), "the simulator did not stop"


def _latest_fix(url: str) -> datetime | None:
    with connect(url) as conn:
        return conn.execute("SELECT max(fix_time) AS latest FROM vehicle_state").fetchone()["latest"]


def _stored(url: str) -> dict[str, dict]:
    with connect(url) as conn:
        rows = conn.execute(
            "SELECT t.tracker_id, s.fix_time, s.odometer_km,"
            " EXISTS (SELECT 1 FROM loans l WHERE l.vehicle_id = t.vehicle_id AND l.status IN ('active', 'overdue'))"
            " AS on_loan FROM trackers t JOIN vehicle_state s USING (vehicle_id)"
        ).fetchall()
    return {row["tracker_id"]: row for row in rows}


def test_a_second_demo_run_continues_the_first_and_the_desk_is_refused_nothing(new_database, broker, tmp_path):
    url = new_database()
    record = tmp_path / "demo-simulation.json"
    worker_env = worker_environment(url, broker.files.port, f"ingest-demo-{uuid.uuid4().hex[:8]}")
    worker_settings = IngestSettings(**{key.removeprefix("FLEET_").lower(): value for key, value in worker_env.items()})
    with Server(create_app(api_settings(url))) as api:
        first_plan = plan_simulation(
            record_path=record,
            database_url=url,
            latest_fix=_latest_fix(url),
            now=datetime.now(UTC),
            zone=PARIS,
            own_database=False,
        )
        assert first_plan.resume_at is None
        first_plan.save(record)
        # As `make demo` does, the ingest worker stops with the simulator (Ctrl-C stops everything).
        with Worker(worker_settings), Run(_simulator(broker.files.port, api.url, first_plan)) as first:
            # Every tracker reported, and the fleet drove on a little (a minute of wall time is an hour here).
            wait_until(lambda: len(_stored(url)) == len(TRACKERS), timeout=60, message=lambda: str(_stored(url)))
            reached = first.runner.simulated_now
            wait_until(lambda: first.runner.simulated_now > reached + timedelta(minutes=20), timeout=60)
        assert first.refusals == []
        before = _stored(url)

        second_plan = plan_simulation(
            record_path=record,
            database_url=url,
            latest_fix=_latest_fix(url),
            now=datetime.now(UTC),
            zone=PARIS,
            own_database=False,
        )
        assert (second_plan.seed, second_plan.start) == (first_plan.seed, first_plan.start)
        assert second_plan.resume_at == max(row["fix_time"] for row in before.values())
        with Worker(worker_settings), Run(_simulator(broker.files.port, api.url, second_plan)) as second:
            wait_until(
                lambda: all(_stored(url)[tracker]["fix_time"] > before[tracker]["fix_time"] for tracker in TRACKERS),
                timeout=60,
                message=lambda: str(_stored(url)),
            )
            lent = {vehicle.tracker_id for vehicle in second.runner.model.vehicles.values() if vehicle.lent}
        assert second.refusals == []
    after = _stored(url)
    assert {tracker for tracker, row in after.items() if row["on_loan"]} == lent  # the service's loans are the fleet's
    for tracker in TRACKERS:  # each odometer goes on from where it stood
        assert before[tracker]["odometer_km"] <= after[tracker]["odometer_km"] < before[tracker]["odometer_km"] + 50


def test_a_resumed_simulator_publishes_what_the_uninterrupted_run_would_have_from_that_moment(broker):
    start = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)
    resume_at = start + timedelta(hours=9, minutes=17)
    settings = SimulatorSettings(
        mqtt_url=f"mqtt://127.0.0.1:{broker.files.port}",
        demo_mode=True,
        demo_password=DEMO_PASSWORD,
        sim_trackers="car-02,scooter-07",
        sim_seed=5,
        sim_start=start,
        sim_resume_at=resume_at,
        sim_time_factor=60,
    )
    runner = FleetRunner(settings, wall_clock=lambda: start + timedelta(days=2))
    uninterrupted = FleetModel(demo_vehicles(["car-02", "scooter-07"]), start=start, seed=5, zone=PARIS)

    assert runner.simulated_now == resume_at
    assert runner.model.advance(resume_at + timedelta(hours=3)) == [
        (tracker, reading)
        for tracker, reading in uninterrupted.advance(resume_at + timedelta(hours=3))
        if reading.ts > resume_at
    ]


def test_a_fleet_the_demo_cannot_continue_starts_afresh_and_only_the_demo_s_own_database_is_made_anew(tmp_path):
    now = datetime(2026, 12, 1, 19, 0, tzinfo=UTC)
    record, demo_db, other_db = tmp_path / "demo-simulation.json", "postgresql://p@h/fleet_demo", "postgresql://p@h/x"

    def plan(url: str, latest: datetime | None, *, own: bool):
        return plan_simulation(
            record_path=record, database_url=url, latest_fix=latest, now=now, zone=PARIS, own_database=own
        )

    first = plan(demo_db, None, own=True)  # an empty database: a fresh fleet, from 07:00 this morning in Paris
    assert (first.start, first.resume_at, first.recreate_database) == (
        datetime(2026, 12, 1, 6, 0, tzinfo=UTC),
        None,
        False,
    )
    stale = plan(demo_db, now - timedelta(minutes=5), own=True)  # readings, but no record of their fleet
    assert stale.recreate_database and stale.resume_at is None and "no record" in stale.note
    assert not plan(other_db, now - timedelta(minutes=5), own=False).recreate_database  # never dropped
    first.save(record)
    assert plan(demo_db, now - timedelta(minutes=5), own=True).resume_at == now - timedelta(minutes=5)
    too_old = plan(demo_db, now - timedelta(days=2), own=True)  # two days to replay: afresh instead
    assert too_old.recreate_database and too_old.resume_at is None
    assert plan(other_db, now - timedelta(minutes=5), own=False).resume_at is None  # another database's fleet
