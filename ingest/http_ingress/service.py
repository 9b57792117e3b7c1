"""What the HTTP ingress does with one request, apart from HTTP itself.

Find the tracker by the secret in the URL, decode and check what it sent, publish it for
the ingest worker and wait for the broker's PUBACK; or say why not, and keep what was
refused as a dead letter (with the ingest worker's reasons). Never commits anything
but its dead letters, one short transaction each.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import psycopg
from psycopg_pool import ConnectionPool, PoolTimeout

from fleetbase.db import Conn
from fleetbase.passwords import http_token_digest
from ingest import repository as ingest_repository
from ingest.decoding import Limits, check_time, to_native
from ingest.http_ingress.publisher import BrokerUnavailable, Publisher
from ingest.protocols import osmand, owntracks, repository
from ingest.protocols.directory import TrackerKeys
from ingest.readings import RejectedReading

log = logging.getLogger("ingest.http_ingress")

# What a person reads in the app's log or a proxy's, for each reason (the dead letter keeps the technical detail).
REASONS_FR = {
    "missing_field": "il manque un champ",
    "malformed_field": "un champ est illisible",
    "bad_json": "JSON illisible",
    "not_a_reading": "ce n'est pas une position",
    "out_of_range": "une valeur est hors limites",
    "null_island": "position 0,0 (pas de fix GPS)",
    "future_fix": "la date est dans le futur",
    "too_old": "la date est plus ancienne que la durée de conservation",
    "invalid_fix": "position marquée invalide",
    "tracker_mismatch": "l'identifiant de l'appareil n'est pas celui du tracker de cette adresse",
    "no_decryption_key": "message chiffré, mais aucune clé OwnTracks n'est enregistrée pour ce tracker",
    "decryption_failed": "message chiffré avec une autre clé que celle du tracker",
}


@dataclass
class Answer:
    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)


class Ingress:
    def __init__(
        self,
        *,
        pool: ConnectionPool[Conn],
        publisher: Publisher,
        limits: Limits,
        publish_timeout_s: float,
        worker_id: str,
        clock: Callable[[], datetime],
    ) -> None:
        self.pool, self.publisher, self.limits = pool, publisher, limits
        self.publish_timeout_s, self.worker_id, self.clock = publish_timeout_s, worker_id, clock

    def osmand(
        self, secret: str, *, query: list[tuple[str, str]], raw_query: str, body: bytes, content_type: str
    ) -> Answer:
        payload = raw_query.encode() if query else body
        return self._handle(
            "http/osmand",
            secret,
            payload,
            lambda tracker, now: self._osmand_messages(
                tracker, query=query, body=body, content_type=content_type, now=now
            ),
        )

    def owntracks(self, secret: str, *, body: bytes) -> Answer:
        answer = self._handle(
            "http/owntracks", secret, body, lambda tracker, now: self._owntracks_messages(tracker, body=body, now=now)
        )
        if answer.status == 200:
            answer.body = []  # the apps read a JSON array of messages for them (cards, commands): none
        return answer

    def _handle(
        self,
        source: str,
        secret: str,
        payload: bytes,
        messages: Callable[[repository.HttpTracker, datetime], list[tuple[str, bytes]]],
    ) -> Answer:
        now = self.clock()
        try:
            tracker = self._tracker(secret)
            if tracker is None:
                return self._refuse(
                    404,
                    "NotFound",
                    "Adresse inconnue : recopiez l'adresse donnée à l'enregistrement du tracker.",
                    source,
                    None,
                    payload,
                    "unknown_tracker",
                    "no tracker has this HTTP secret",
                )
            if not tracker.enabled:
                return self._refuse(
                    403,
                    "Forbidden",
                    f"Le tracker {tracker.tracker_id} est désactivé.",
                    source,
                    tracker.tracker_id,
                    payload,
                    "disabled_tracker",
                    f"tracker {tracker.tracker_id!r} is disabled",
                )
            try:
                outgoing = messages(tracker, now)
            except RejectedReading as rejection:
                reason = REASONS_FR.get(rejection.reason, rejection.reason)
                return self._refuse(
                    400,
                    "InvalidInput",
                    f"Position refusée : {reason} ({rejection.detail}).",
                    source,
                    tracker.tracker_id,
                    rejection.payload or payload,
                    rejection.reason,
                    rejection.detail,
                )
        except (psycopg.OperationalError, PoolTimeout) as error:
            log.warning("database unavailable: %s", error)
            return _unavailable("Base de données injoignable : réessayez dans un instant.")
        try:
            for topic, message in outgoing:
                self.publisher.publish(topic, message, timeout=self.publish_timeout_s)
        except BrokerUnavailable as error:
            return _unavailable(error.detail)
        return Answer(200)

    def _osmand_messages(
        self,
        tracker: repository.HttpTracker,
        *,
        query: list[tuple[str, str]],
        body: bytes,
        content_type: str,
        now: datetime,
    ) -> list[tuple[str, bytes]]:
        request = osmand.decode_request(
            tracker.tracker_id, query=query, body=body, content_type=content_type, received_at=now
        )
        if request.device_id != tracker.tracker_id:
            raise RejectedReading(
                "tracker_mismatch",
                f"the device id {request.device_id!r} is not {tracker.tracker_id!r}: set it in the app",
            )
        for reading in request.readings:
            check_time(reading.fix_time, now, self.limits)
        if not request.readings:
            return []  # a token-only post: nothing to store
        batch = [to_native(reading) for reading in request.readings]
        return [(f"fleet/{tracker.tracker_id}/telemetry", json.dumps(batch, ensure_ascii=False).encode())]

    def _owntracks_messages(
        self, tracker: repository.HttpTracker, *, body: bytes, now: datetime
    ) -> list[tuple[str, bytes]]:
        if not body:
            return []
        keys = TrackerKeys(owntracks_keys={tracker.tracker_id: tracker.owntracks_key} if tracker.owntracks_key else {})
        decoded = owntracks.decode(tracker.tracker_id, body, received_at=now, keys=keys)
        if decoded.rejections:
            raise decoded.rejections[0]
        for reading in decoded.readings:
            check_time(reading.fix_time, now, self.limits)
        # As the app sent it: the worker decodes it again (and decrypts it with the same key).
        return [(f"owntracks/http/{tracker.tracker_id}", body)]

    def _tracker(self, secret: str) -> repository.HttpTracker | None:
        with self.pool.connection() as conn:
            return repository.get_http_tracker(conn, token_sha256=http_token_digest(secret))

    def _refuse(
        self,
        status: int,
        error: str,
        detail: str,
        source: str,
        tracker_id: str | None,
        payload: bytes,
        reason: str,
        technical: str,
    ) -> Answer:
        with self.pool.connection() as conn:
            with conn.transaction():
                ingest_repository.insert_dead_letters(conn, [(source, tracker_id, payload, reason, technical)])
                repository.count_rejection(conn, worker_id=self.worker_id, reason=reason)
        return Answer(status, {"error": error, "detail": detail})


def _unavailable(detail: str) -> Answer:
    return Answer(503, {"error": "ServiceUnavailable", "detail": detail}, {"Retry-After": "5"})
