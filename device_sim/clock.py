"""Clocks: the wall clock sits at the edge, the model only ever receives times.

`SimulatedClock` runs simulated time `factor` times faster than the wall clock from a
start instant, but never ahead of the wall clock: a fix from the future is a fault
(ingest refuses it), so a fast run starts in the past, catches up, then follows real
time.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    """The wall clock, aware and in UTC."""
    return datetime.now(UTC)


def default_start(now: datetime, factor: float) -> datetime:
    """Real time starts now; a faster run starts a day back so it has a day to replay."""
    now = now.replace(microsecond=0)
    return now if factor <= 1 else now - timedelta(days=1)


class SimulatedClock:
    """Simulated time: `start + factor × wall time elapsed`, capped at the wall clock."""

    def __init__(self, *, start: datetime, factor: float, wall: Clock = system_clock) -> None:
        self.start = start
        self.factor = factor
        self.wall = wall
        self._wall_origin = wall()

    def __call__(self) -> datetime:
        wall_now = self.wall()
        simulated = self.start + (wall_now - self._wall_origin) * self.factor
        return min(simulated, wall_now)
