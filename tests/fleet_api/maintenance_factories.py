"""Fresh rows for the route × role matrix's maintenance, alert and repair-ticket calls."""

from __future__ import annotations

from datetime import UTC, datetime

from alerts.raising import AlertDraft, open_alerts
from tests.fleet_api.loan_factories import PNG


def _ok(response) -> dict:
    assert 200 <= response.status_code < 300, response.text
    return response.json()


def maintenance_values(client, admin: dict, spec: dict, *, vehicle: int, role: str | None) -> dict:
    """The placeholders of `spec` this module knows, each made fresh."""
    text = repr(spec)
    values: dict = {}
    if not any(name in text for name in ("{garage}", "ticket}", "{role_alert}")):
        return values
    with client.app.state.pool.connection() as conn:
        values["garage"] = conn.execute("SELECT min(id) AS id FROM garages").fetchone()["id"]
        if "{role_alert}" in text:  # each role acknowledges an alert meant for it
            values["role_alert"] = open_alerts(
                conn,
                [
                    AlertDraft(
                        "test",
                        "info",
                        role if role not in (None, "admin") else "mechanic",
                        vehicle,
                        None,
                        "Alerte d'essai.",
                        f"test:{vehicle}:{role}",
                    )
                ],
                now=datetime.now(UTC),
            )[0]
    for name in ("ticket", "sent_ticket", "photo_ticket"):
        if "{" + name + "}" in text:
            ticket = _ok(
                client.post(
                    "/api/v1/repair-tickets",
                    headers=admin,
                    json={"vehicle_id": vehicle, "garage_id": values["garage"], "title": "Frein arrière à régler"},
                )
            )["id"]
            if name == "sent_ticket":
                _ok(client.post(f"/api/v1/repair-tickets/{ticket}/status", headers=admin, json={"status": "sent"}))
            if name == "photo_ticket":  # a photo of the fault, for every role that may look at it
                values["ticket_photo"] = _ok(
                    client.post(
                        f"/api/v1/repair-tickets/{ticket}/photos",
                        headers=admin,
                        data={"tag": "fault"},
                        files={"file": ("panne.png", PNG, "image/png")},
                    )
                )["id"]
            values[name] = ticket
    return values
