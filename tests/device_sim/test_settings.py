"""The simulator reads FLEET_SIM_* variables, flags override them, and its simulated
clock never runs ahead of the wall clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from device_sim.__main__ import parser, settings_from
from device_sim.clock import SimulatedClock, default_start
from device_sim.settings import SimulatorSettings
from fleetbase.errors import ConfigurationError


class FakeWallClock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def test_settings_come_from_the_environment_and_flags_override_them(monkeypatch):
    monkeypatch.setenv("FLEET_DEMO_MODE", "true")
    monkeypatch.setenv("FLEET_SIM_SEED", "12")
    monkeypatch.setenv("FLEET_SIM_TIME_FACTOR", "60")
    monkeypatch.setenv("FLEET_SIM_FAULT_DUPLICATE", "true")

    from_environment = settings_from(parser().parse_args([]))
    with_flags = settings_from(parser().parse_args(["--seed", "3", "--clock-skew", "--only", "car-01, ebike-02"]))

    assert (from_environment.sim_seed, from_environment.sim_time_factor) == (12, 60.0)
    assert from_environment.enabled_faults == ("duplicate",)
    assert with_flags.sim_seed == 3 and with_flags.sim_time_factor == 60.0
    assert with_flags.enabled_faults == ("duplicate", "clock_skew")
    assert with_flags.tracker_ids == ("car-01", "ebike-02")
    assert settings_from(parser().parse_args(["--all-faults"])).enabled_faults == (
        "gps_jump",
        "duplicate",
        "out_of_order",
        "clock_skew",
        "malformed",
        "unknown_tracker",
    )


def test_outside_demo_mode_the_simulator_needs_a_real_demo_password(monkeypatch):
    monkeypatch.setenv("FLEET_DEMO_MODE", "false")

    with pytest.raises(ConfigurationError, match="FLEET_DEMO_PASSWORD"):
        SimulatorSettings.load()
    assert SimulatorSettings.load(demo_password="a-real-one").demo_mode is False


def test_a_start_without_a_utc_offset_is_refused():
    with pytest.raises(ValueError, match="UTC offset"):
        SimulatorSettings(sim_start=datetime(2026, 11, 25, 6, 0))


def test_simulated_time_runs_faster_but_never_ahead_of_the_wall_clock():
    wall = FakeWallClock(datetime(2026, 11, 25, 12, 0, tzinfo=UTC))
    clock = SimulatedClock(start=wall.now - timedelta(days=1), factor=1440, wall=wall)

    wall.now += timedelta(seconds=30)
    half_a_day_later = clock()
    wall.now += timedelta(minutes=5)

    assert half_a_day_later == datetime(2026, 11, 25, 0, 0, tzinfo=UTC)  # 30 s × 1440 = 12 h
    assert clock() == wall.now  # caught up: from now on it follows real time


def test_a_real_time_run_starts_now_and_a_fast_one_a_day_back():
    now = datetime(2026, 11, 25, 12, 0, 7, 123456, tzinfo=UTC)

    assert default_start(now, 1.0) == now.replace(microsecond=0)
    assert default_start(now, 600.0) == now.replace(microsecond=0) - timedelta(days=1)
