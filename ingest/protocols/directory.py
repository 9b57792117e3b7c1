"""What the decoders need to know about trackers: OwnTracks keys and Traccar unique ids.

Read from the trackers table and cached like ingest/trackers.py's directory: re-read
every `refresh_every`, and on a miss at most every `miss_refresh_every`, so a stream
from an unknown device costs no queries.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

import psycopg

from ingest.protocols import repository


@dataclass(frozen=True)
class TrackerKeys:
    """A snapshot: tracker id → OwnTracks key, Traccar uniqueId → tracker id."""

    owntracks_keys: dict[str, str] = field(default_factory=dict)
    traccar_trackers: dict[str, str] = field(default_factory=dict)

    def owntracks_key(self, tracker_id: str) -> str | None:
        return self.owntracks_keys.get(tracker_id)

    def traccar_tracker(self, unique_id: str) -> str | None:
        return self.traccar_trackers.get(unique_id)


NO_KEYS = TrackerKeys()


class ProtocolDirectory:
    def __init__(self, *, refresh_every: timedelta = timedelta(seconds=30),
                 miss_refresh_every: timedelta = timedelta(seconds=5)) -> None:
        self.refresh_every = refresh_every
        self.miss_refresh_every = miss_refresh_every
        self._keys = NO_KEYS
        self._loaded_at: datetime | None = None

    def bind(self, conn: psycopg.Connection, *, now: datetime) -> _BoundKeys:
        """The keys as of `now`, reading the table again when stale (or on a miss)."""
        if self._loaded_at is None or now - self._loaded_at >= self.refresh_every:
            self._load(conn, now)
        return _BoundKeys(self, conn, now)

    def forget(self) -> None:
        self._loaded_at = None

    def _load(self, conn: psycopg.Connection, now: datetime) -> None:
        owntracks, traccar = repository.load_protocol_keys(conn)
        self._keys = TrackerKeys(owntracks, traccar)
        self._loaded_at = now

    def _on_miss(self, conn: psycopg.Connection, now: datetime) -> TrackerKeys:
        if self._loaded_at is None or now - self._loaded_at >= self.miss_refresh_every:
            self._load(conn, now)
        return self._keys


@dataclass
class _BoundKeys:
    directory: ProtocolDirectory
    conn: psycopg.Connection
    now: datetime

    def owntracks_key(self, tracker_id: str) -> str | None:
        key = self.directory._keys.owntracks_key(tracker_id)
        return key if key is not None else self.directory._on_miss(self.conn, self.now).owntracks_key(tracker_id)

    def traccar_tracker(self, unique_id: str) -> str | None:
        tracker = self.directory._keys.traccar_tracker(unique_id)
        return tracker if tracker is not None else self.directory._on_miss(self.conn, self.now).traccar_tracker(unique_id)
