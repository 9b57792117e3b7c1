"""What the decoders need to know about trackers: OwnTracks keys and Traccar unique ids.

Read from the trackers table and cached like ingest/trackers.py's directory: re-read
every `refresh_every`, and on a miss at most every `miss_refresh_every`, so a stream
from an unknown device costs no queries.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from fleetbase.db import Conn
from ingest.protocols import repository


class KeyLookup(Protocol):
    """What the decoders ask: a tracker's OwnTracks key, the tracker of a Traccar device."""

    def owntracks_key(self, tracker_id: str) -> str | None: ...

    def traccar_tracker(self, unique_id: str) -> str | None: ...


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
    def __init__(
        self, *, refresh_every: timedelta = timedelta(seconds=30), miss_refresh_every: timedelta = timedelta(seconds=5)
    ) -> None:
        self.refresh_every = refresh_every
        self.miss_refresh_every = miss_refresh_every
        self._keys = NO_KEYS
        self._loaded_at: datetime | None = None

    def bind(self, conn: Conn, *, now: datetime) -> KeyLookup:
        """The keys as of `now` for one batch, reading the table again when stale (or on a miss)."""
        if self._loaded_at is None or now - self._loaded_at >= self.refresh_every:
            self.reload(conn, now=now)
        return _BoundKeys(self, conn, now)

    @property
    def keys(self) -> TrackerKeys:
        return self._keys

    def reload(self, conn: Conn, *, now: datetime, on_miss: bool = False) -> TrackerKeys:
        """Read the table again (on a miss, at most every `miss_refresh_every`)."""
        if not on_miss or self._loaded_at is None or now - self._loaded_at >= self.miss_refresh_every:
            owntracks, traccar = repository.load_protocol_keys(conn)
            self._keys, self._loaded_at = TrackerKeys(owntracks, traccar), now
        return self._keys

    def forget(self) -> None:
        self._loaded_at = None


@dataclass
class _BoundKeys:
    directory: ProtocolDirectory
    conn: Conn
    now: datetime

    def owntracks_key(self, tracker_id: str) -> str | None:
        key = self.directory.keys.owntracks_key(tracker_id)
        if key is None:
            key = self.directory.reload(self.conn, now=self.now, on_miss=True).owntracks_key(tracker_id)
        return key

    def traccar_tracker(self, unique_id: str) -> str | None:
        tracker = self.directory.keys.traccar_tracker(unique_id)
        if tracker is None:
            tracker = self.directory.reload(self.conn, now=self.now, on_miss=True).traccar_tracker(unique_id)
        return tracker
