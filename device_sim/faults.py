"""Fault injection: what real trackers get wrong, each fault on its own switch.

Pure: `FaultInjector.messages` turns one reading into the messages a faulty tracker
would send. At the configured rate a reading suffers one of the enabled faults:

- `gps_jump`: the fix is at 0,0 or hundreds of km away (a bad GPS cold start);
- `duplicate`: the reading is sent twice (a tracker that missed the PUBACK);
- `out_of_order`: a few readings are held back and sent as one shuffled batch;
- `clock_skew`: the fix time is days in the future, or 1024 weeks in the past (the
  GPS week-number rollover);
- `malformed`: the JSON is cut short (a truncated write);
- `unknown_tracker`: the reading is also published, through the simulator's service
  login, for a tracker id that is registered nowhere (`ghost-01`…).
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from device_sim.reading import rfc3339

GHOST_IDS = tuple(f"ghost-{number:02d}" for number in range(1, 6))


@dataclass(frozen=True)
class Message:
    """One MQTT message to publish on `fleet/{tracker_id}/telemetry`.

    `payload` is a reading (dict), a batch (list of readings) or raw bytes. A message
    with `via_service` goes through the simulator's service login, not the tracker's.
    """

    tracker_id: str
    payload: dict | list[dict] | bytes
    fault: str | None = None
    via_service: bool = False


@dataclass
class _HeldBack:
    readings: list[dict] = field(default_factory=list)
    size: int = 0


class FaultInjector:
    """Decides, reading by reading, which fault (if any) a tracker suffers."""

    def __init__(self, faults: tuple[str, ...], *, rate: float, rng: random.Random) -> None:
        self.faults, self.rate, self.rng = faults, rate, rng
        self._held: dict[str, _HeldBack] = {}

    def messages(self, tracker_id: str, reading: dict) -> list[Message]:
        """The messages to send for `reading` (none while it is held back)."""
        held = self._held.get(tracker_id)
        if held is not None:
            return self._hold(tracker_id, held, reading)
        if not self.faults or self.rng.random() >= self.rate:
            return [Message(tracker_id, reading)]
        fault = self.rng.choice(self.faults)
        if fault == "out_of_order":
            held = self._held[tracker_id] = _HeldBack(size=self.rng.randint(3, 6))
            return self._hold(tracker_id, held, reading)
        if fault == "duplicate":
            return [Message(tracker_id, reading), Message(tracker_id, dict(reading), fault)]
        if fault == "unknown_tracker":
            ghost = self.rng.choice(GHOST_IDS)
            return [Message(tracker_id, reading), Message(ghost, dict(reading), fault, via_service=True)]
        if fault == "gps_jump":
            return [Message(tracker_id, self._jump(reading), fault)]
        if fault == "clock_skew":
            return [Message(tracker_id, self._skew(reading), fault)]
        text = json.dumps(reading).encode()
        return [Message(tracker_id, text[: self.rng.randint(1, len(text) - 1)], fault)]

    def _hold(self, tracker_id: str, held: _HeldBack, reading: dict) -> list[Message]:
        held.readings.append(reading)
        if len(held.readings) < held.size:
            return []
        del self._held[tracker_id]
        batch = list(held.readings)
        while batch == held.readings:  # a shuffle may leave them in order
            self.rng.shuffle(batch)
        return [Message(tracker_id, batch, "out_of_order")]

    def _jump(self, reading: dict) -> dict:
        if self.rng.random() < 0.3:
            return dict(reading, lat=0.0, lon=0.0)
        north, east = self.rng.uniform(2.0, 5.0), self.rng.uniform(-4.0, 4.0)
        return dict(
            reading,
            lat=round(reading["lat"] + north * self.rng.choice((-1, 1)), 6),
            lon=round(reading["lon"] + east, 6),
        )

    def _skew(self, reading: dict) -> dict:
        fix_time = datetime.fromisoformat(reading["ts"])
        if self.rng.random() < 0.5:
            skewed = fix_time + timedelta(days=self.rng.uniform(1, 30))
        else:
            skewed = fix_time - timedelta(weeks=1024)
        return dict(reading, ts=rfc3339(skewed.replace(microsecond=0)))
