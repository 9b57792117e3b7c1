"""The queries of the protocol decoders and of the HTTP ingress. Nothing here commits."""

from __future__ import annotations

from dataclasses import dataclass

from psycopg.rows import class_row

from fleetbase.db import Conn


@dataclass(frozen=True, slots=True)
class HttpTracker:
    """The tracker an HTTP ingress secret belongs to."""

    tracker_id: str
    enabled: bool
    owntracks_key: str | None


def load_protocol_keys(conn: Conn) -> tuple[dict[str, str], dict[str, str]]:
    """(tracker id → OwnTracks key, Traccar uniqueId → tracker id); a disabled tracker's too,
    so that what it sends is refused as a disabled tracker's, not an unknown one's."""
    rows = conn.execute(
        "SELECT tracker_id, owntracks_key, traccar_unique_id FROM trackers"
        " WHERE owntracks_key IS NOT NULL OR traccar_unique_id IS NOT NULL"
    ).fetchall()
    return (
        {row["tracker_id"]: row["owntracks_key"] for row in rows if row["owntracks_key"] is not None},
        {row["traccar_unique_id"]: row["tracker_id"] for row in rows if row["traccar_unique_id"] is not None},
    )


def get_http_tracker(conn: Conn, *, token_sha256: bytes) -> HttpTracker | None:
    """The tracker whose HTTP secret hashes to `token_sha256` (the secret itself is never stored)."""
    with conn.cursor(row_factory=class_row(HttpTracker)) as cursor:
        return cursor.execute(
            "SELECT tracker_id, enabled, owntracks_key FROM trackers WHERE http_token_sha256 = %(digest)s",
            {"digest": token_sha256},
        ).fetchone()


def count_rejection(conn: Conn, *, worker_id: str, reason: str) -> None:
    """One more `ingest_rejected_total{reason=…}` for this HTTP ingress (kept beside the workers' counters)."""
    conn.execute(
        "INSERT INTO ingest_counters (worker_id, name, value) VALUES (%(worker_id)s, %(name)s, 1)"
        " ON CONFLICT (worker_id, name) DO UPDATE SET value = ingest_counters.value + 1, updated_at = now()",
        {"worker_id": worker_id, "name": f'ingest_rejected_total{{reason="{reason}"}}'},
    )
