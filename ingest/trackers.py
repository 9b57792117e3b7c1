"""Which vehicle a tracker belongs to, cached, and refreshed so a disabled tracker stops."""

from __future__ import annotations

from datetime import datetime, timedelta

import psycopg

from ingest import repository
from ingest.repository import TrackerInfo


class TrackerDirectory:
    """Tracker id → vehicle, re-read every `refresh_every`, and on an unknown id at most
    every `miss_refresh_every` (so a stream from an unknown tracker costs no queries)."""

    def __init__(self, *, refresh_every: timedelta = timedelta(seconds=30),
                 miss_refresh_every: timedelta = timedelta(seconds=5)) -> None:
        self.refresh_every = refresh_every
        self.miss_refresh_every = miss_refresh_every
        self._trackers: dict[str, TrackerInfo] = {}
        self._loaded_at: datetime | None = None

    def get(self, conn: psycopg.Connection, tracker_id: str, *, now: datetime) -> TrackerInfo | None:
        stale = self._loaded_at is None or now - self._loaded_at >= self.refresh_every
        missing = tracker_id not in self._trackers and (
            self._loaded_at is None or now - self._loaded_at >= self.miss_refresh_every)
        if stale or missing:
            self._trackers = repository.load_trackers(conn)
            self._loaded_at = now
        return self._trackers.get(tracker_id)

    def forget(self) -> None:
        """Re-read everything at the next lookup (after a database reconnect)."""
        self._loaded_at = None
