"""Tracker health and dead letters as people read them: reasons in French, payloads as text,
and nothing of a lent vehicle's whereabouts (docs/PRIVACY.md).

A dead letter that arrived while its vehicle was on loan may hold the participant's
positions; its payload is shown with every coordinate field masked, or not at all when
it cannot be read as JSON, and coordinates in the worker's detail text masked too. No FastAPI here; nothing commits.
"""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta
from typing import Any

from psycopg.rows import DictRow

from fleet import tracker_health_repository as health_repository
from fleetbase.db import Conn

REASONS = {
    "bad_topic": "Sujet MQTT inattendu",
    "bad_json": "Contenu illisible (JSON invalide)",
    "not_a_reading": "Le message n'est pas une lecture",
    "empty_batch": "Lot vide",
    "batch_too_large": "Lot trop grand",
    "missing_field": "Champ obligatoire absent",
    "malformed_field": "Champ mal formé",
    "out_of_range": "Valeur hors limites",
    "null_island": "Position 0,0 (pas de fix GPS)",
    "future_fix": "Heure du fix dans le futur",
    "too_old": "Lecture trop ancienne",
    "poor_accuracy": "Position trop imprécise",
    "gps_jump": "Saut de position impossible",
    "unknown_tracker": "Balise inconnue",
    "disabled_tracker": "Balise désactivée",
    "processing_error": "Erreur de traitement (message conservé)",
}
COORDINATE_KEYS = {
    "lat",
    "lon",
    "latitude",
    "longitude",
    "alt",
    "alt_m",
    "lng",
    "speed_kmh",
    "vel",
    "heading_deg",
    "cog",
}
MASK = "masqué : véhicule en prêt"
PAYLOAD_SHOWN = 4000
# In the worker's detail text: `lat=43.65`, `lon: -1.2`, and any number precise enough to be a coordinate.
COORDINATES_IN_TEXT = re.compile(
    r"\b(lat|lon|latitude|longitude|lng)\b\s*[=:]\s*-?\d+(\.\d+)?|-?\d+\.\d{3,}", re.IGNORECASE
)


def reason_text(reason: str) -> str:
    return REASONS.get(reason, reason)


def tracker_health(conn: Conn, *, now: datetime) -> list[DictRow]:
    return health_repository.tracker_health(conn, since=now - timedelta(hours=24))


def dead_letters(conn: Conn, *, tracker_id: str | None = None, limit: int = 100) -> list[DictRow]:
    return [_readable(row) for row in health_repository.dead_letters(conn, tracker_id=tracker_id, limit=limit)]


def _readable(row: DictRow) -> DictRow:
    payload = bytes(row.pop("payload"))
    text = payload.decode("utf-8", errors="replace")
    if row["lent"]:
        text = _masked(text)
        row["detail"] = COORDINATES_IN_TEXT.sub(lambda match: f"{match.group(1) or 'valeur'}=(masqué)", row["detail"])
    return row | {
        "reason_text": reason_text(row["reason"]),
        "payload_text": text[:PAYLOAD_SHOWN],
        "payload_bytes": len(payload),
    }


def _masked(text: str) -> str:
    try:
        document = json.loads(text)
    except ValueError:
        return f"(contenu non affiché : {MASK})"
    return json.dumps(_mask(document), ensure_ascii=False)


def _mask(value: Any) -> Any:
    if isinstance(value, list):
        return [_mask(item) for item in value]
    if isinstance(value, dict):
        return {key: MASK if key.lower() in COORDINATE_KEYS else _mask(item) for key, item in value.items()}
    return value
