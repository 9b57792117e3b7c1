"""The link that sets up the OwnTracks app as a tracker, in its documented remote
configuration format (owntracks.org/booklet/features/remoteconfig):
`owntracks:///config?inline=<base64 of a {"_type": "configuration", …} object>`.

The app then publishes in MQTT mode to `owntracks/<username>/<deviceId>`; both are the
tracker id, which the broker's ACL (`owntracks/+/%u`) and the ingest worker expect.
"""

from __future__ import annotations

import base64
import json
from typing import Any

CONFIG_URL = "owntracks:///config?inline="


def two_letter_tid(tracker_id: str) -> str:
    """The app's tracker id shown on its map (two characters): the last two of the id."""
    characters = [c for c in tracker_id if c.isalnum()]
    return "".join(characters[-2:]).upper() or "FL"


def app_configuration(
    *, tracker_id: str, password: str, host: str, port: int, tls: bool, encryption_key: str | None = None
) -> dict[str, Any]:
    """The configuration object: MQTT mode (0), the tracker's login, QoS 1, nothing retained."""
    configuration: dict[str, Any] = {
        "_type": "configuration",
        "mode": 0,
        "host": host,
        "port": port,
        "tls": tls,
        "auth": True,
        "username": tracker_id,
        "password": password,
        "deviceId": tracker_id,
        "clientId": tracker_id,
        "tid": two_letter_tid(tracker_id),
        "pub": True,
        "pubQos": 1,
        "pubRetain": False,
        "cleanSession": False,
    }
    if encryption_key:
        configuration["encryptionKey"] = encryption_key
    return configuration


def config_url(configuration: dict[str, Any]) -> str:
    """The `owntracks:///config?inline=` link of a configuration (standard base64, as documented)."""
    document = json.dumps(configuration, separators=(",", ":"), ensure_ascii=False).encode()
    return CONFIG_URL + base64.b64encode(document).decode("ascii")
