"""Which vehicle a tracker belongs to, cached, and refreshed so a disabled tracker stops."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from fleetbase.db import Conn
from ingest import repository
from ingest.repository import TrackerInfo


class TrackerDirectory:
    """Tracker id → vehicle, all re-read every `refresh_every` (a tracker disabled or
    moved to another vehicle), and looked up in the database when the cache does not
    know an id: the broker let that tracker in, so it was registered, most likely a
    moment ago. `find` does that for a whole batch in one query."""

    def __init__(self, *, refresh_every: timedelta = timedelta(seconds=30)) -> None:
        self.refresh_every = refresh_every
        self._trackers: dict[str, TrackerInfo] = {}
        self._loaded_at: datetime | None = None

    def find(self, conn: Conn, tracker_ids: Iterable[str], *, now: datetime) -> dict[str, TrackerInfo]:
        """The registered trackers among `tracker_ids` (at most one query for those not cached)."""
        wanted = set(tracker_ids)
        if self._loaded_at is None or now - self._loaded_at >= self.refresh_every:
            self._trackers = repository.load_trackers(conn)
            self._loaded_at = now
        else:
            unknown = wanted - self._trackers.keys()
            if unknown:
                self._trackers |= repository.load_trackers(conn, tracker_ids=sorted(unknown))
        return {tracker_id: self._trackers[tracker_id] for tracker_id in wanted if tracker_id in self._trackers}

    def forget(self) -> None:
        """Re-read everything at the next lookup (after a database reconnect)."""
        self._loaded_at = None
