"""One PostgreSQL LISTEN per API process, fanned out to every stream client of that process.

The ingest workers `NOTIFY vehicle_state, '{"vehicle_ids": [...]}'` when they commit, so
the stream works with any number of workers and API processes. For each notification
the hub reads the changed vehicles once and hands the rows to every subscriber. Zone
events (`NOTIFY fleet_events, '{"events": [...]}'`, no positions in them) are passed on
as they come. Subscribers receive lists of (SSE event name, JSON text, look): the look
names a lent vehicle shown precisely (to be audited, `tracking.live`), else None.
What a vehicle shows depends on whether the watcher follows incidents (`follows_incidents`):
the hub reads the changed vehicles once for each kind of watcher it has. A
subscriber too slow to keep up is dropped (its client reconnects and starts again from
the current state); after losing the database, the hub resends every vehicle, since
notifications sent meanwhile are lost.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable

import psycopg

log = logging.getLogger(__name__)

CHANNEL = "vehicle_state"
EVENTS_CHANNEL = "fleet_events"
DROPPED = None  # put on a subscriber's queue when it fell too far behind


class Subscription:
    def __init__(self, size: int, follows_incidents: bool = False) -> None:
        self.follows_incidents = follows_incidents
        self.queue: asyncio.Queue[list[tuple[str, str, tuple | None]] | None] = asyncio.Queue(maxsize=size)


class LiveHub:
    def __init__(
        self,
        *,
        database_url: str,
        fetch: Callable[[list[int] | None, bool], list[tuple[str, tuple | None]]],
        queue_size: int = 256,
        retry_s: float = 1.0,
    ) -> None:
        """`fetch(ids, follows_incidents)` (blocking, run in a thread) returns those vehicles (None:
        all) as (JSON text, look) for that kind of watcher."""
        self.database_url = database_url
        self.fetch = fetch
        self.queue_size = queue_size
        self.retry_s = retry_s
        self.subscriptions: set[Subscription] = set()
        self.listening = asyncio.Event()

    def subscribe(self, *, follows_incidents: bool = False) -> Subscription:
        subscription = Subscription(self.queue_size, follows_incidents)
        self.subscriptions.add(subscription)
        return subscription

    def unsubscribe(self, subscription: Subscription) -> None:
        self.subscriptions.discard(subscription)

    def broadcast(self, rows: list[tuple[str, str, tuple | None]], *, follows_incidents: bool | None = None) -> None:
        """To every subscriber (`follows_incidents` None), or to those of that kind."""
        for subscription in list(self.subscriptions):
            if follows_incidents is not None and subscription.follows_incidents != follows_incidents:
                continue
            if subscription.queue.qsize() >= self.queue_size - 1:
                self.unsubscribe(subscription)
                subscription.queue.put_nowait(DROPPED)
            else:
                subscription.queue.put_nowait(rows)

    async def run(self) -> None:
        """LISTEN until cancelled, reconnecting after any database failure."""
        first = True
        while True:
            try:
                async with await psycopg.AsyncConnection.connect(
                    self.database_url, autocommit=True, application_name="fleet_api_live"
                ) as conn:
                    await conn.execute(f"LISTEN {CHANNEL}")
                    await conn.execute(f"LISTEN {EVENTS_CHANNEL}")
                    self.listening.set()
                    if not first:
                        await self._send(None)
                    first = False
                    async for notify in conn.notifies():
                        if notify.channel == EVENTS_CHANNEL:
                            events = _events(notify.payload)
                            if events and self.subscriptions:
                                self.broadcast([("fleet_event", event, None) for event in events])
                        else:
                            await self._send(_vehicle_ids(notify.payload))
            except asyncio.CancelledError:
                raise
            except Exception as error:  # database gone: retry, then resend everything
                self.listening.clear()
                log.warning("live stream lost its LISTEN connection (%s); retrying", error)
                await asyncio.sleep(self.retry_s)

    async def _send(self, vehicle_ids: list[int] | None) -> None:
        if not self.subscriptions or vehicle_ids == []:
            return
        for follows in sorted({subscription.follows_incidents for subscription in self.subscriptions}):
            rows = await asyncio.to_thread(self.fetch, vehicle_ids, follows)
            self.broadcast([("vehicle", row, look) for row, look in rows], follows_incidents=follows)


def _vehicle_ids(payload: str) -> list[int]:
    try:
        ids = json.loads(payload)["vehicle_ids"]
        return [int(vehicle_id) for vehicle_id in ids]
    except (ValueError, KeyError, TypeError):
        log.warning("ignoring a malformed %s notification: %r", CHANNEL, payload[:200])
        return []


def _events(payload: str) -> list[str]:
    try:
        return [json.dumps(event) for event in json.loads(payload)["events"] if isinstance(event, dict)]
    except (ValueError, KeyError, TypeError):
        log.warning("ignoring a malformed %s notification: %r", EVENTS_CHANNEL, payload[:200])
        return []
