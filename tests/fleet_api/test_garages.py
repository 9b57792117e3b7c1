"""The partner garages through the API: contact details, and the web hook an administrator
points at the garage's own system, whose secret then signs real deliveries."""

from __future__ import annotations

from datetime import UTC, datetime

from fleetbase.db import connect
from notifications.webhooks import deliver_due
from tests.outside import garage_system, maintenance_settings  # noqa: F401 (a fixture)


def test_an_admin_points_the_garage_at_its_system_and_the_secret_shown_once_signs_deliveries(
    client, as_role, api_db, garage_system
):
    system, url = garage_system
    [garage] = client.get("/api/v1/garages", headers=as_role["mechanic"]).json()
    assert garage["webhook_url"] is None and garage["email"]

    answer = client.put(f"/api/v1/garages/{garage['id']}/webhook", headers=as_role["admin"], json={"url": url})
    assert answer.status_code == 200, answer.text
    system.secret = answer.json()["secret"]
    shown = client.get(f"/api/v1/garages/{garage['id']}", headers=as_role["admin"]).json()
    assert shown["webhook_url"] == url and "secret" not in shown and system.secret not in str(shown)

    with connect(api_db, autocommit=True) as conn:
        scooter = conn.execute("SELECT id FROM vehicles WHERE label = 'scooter-07'").fetchone()["id"]
    ticket = client.post(
        "/api/v1/repair-tickets",
        headers=as_role["mechanic"],
        json={"vehicle_id": scooter, "garage_id": garage["id"], "title": "Freins à revoir"},
    ).json()
    assert (
        client.post(
            f"/api/v1/repair-tickets/{ticket['id']}/status", headers=as_role["mechanic"], json={"status": "sent"}
        ).status_code
        == 200
    )
    system.now = datetime.now(UTC)
    with connect(api_db, autocommit=True) as conn:
        outcome = deliver_due(conn, settings=maintenance_settings(api_db), now=system.now)

    assert outcome["delivered"] >= 1 and outcome["failed"] == 0
    assert [body["ticket"]["id"] for body in system.processed.values()] == [ticket["id"]] * len(system.processed)


def test_the_web_hook_is_removed_and_every_change_is_audited(client, as_role, api_db):
    [garage] = client.get("/api/v1/garages", headers=as_role["admin"]).json()
    path = f"/api/v1/garages/{garage['id']}"

    assert (
        client.put(f"{path}/webhook", headers=as_role["admin"], json={"url": "ftp://garage.example.org"}).status_code
        == 422
    )
    assert (
        client.put(
            f"{path}/webhook", headers=as_role["admin"], json={"url": "https://garage.example.org/hooks"}
        ).status_code
        == 200
    )
    removed = client.delete(f"{path}/webhook", headers=as_role["admin"])
    changed = client.patch(path, headers=as_role["admin"], json={"phone": "05 58 11 22 33", "address": None})
    missing = client.patch("/api/v1/garages/999999", headers=as_role["admin"], json={"phone": "05 58 11 22 33"})

    assert removed.status_code == 200 and removed.json()["webhook_url"] is None
    assert changed.json()["phone"] == "05 58 11 22 33" and changed.json()["email"] == garage["email"]
    assert changed.json()["address"] == ""
    assert missing.status_code == 404 and set(missing.json()) == {"error", "detail"}
    with connect(api_db, autocommit=True) as conn:
        actions = [
            row["action"]
            for row in conn.execute("SELECT action FROM audit_log WHERE subject_type = 'garage' ORDER BY id").fetchall()
        ]
    assert actions == ["webhook_set", "webhook_removed"]
