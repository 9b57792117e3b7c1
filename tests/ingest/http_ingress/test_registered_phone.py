"""A phone registered through the API shows up on the map as a vehicle, with the URLs it was given."""

from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import httpx
from fastapi.testclient import TestClient

from fleet_api.app import create_app
from fleetbase.passwords import http_token_digest
from tests.fleet_api.conftest import api_settings, bearer, token_for
from tests.ingest.conftest import query, wait_until
from tests.ingest.protocols.test_owntracks import app_encrypted


def test_a_registered_phone_with_traccar_client_or_owntracks_appears_on_the_live_map(pipeline_db, worker, ingress):
    fix = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=1)
    with TestClient(create_app(api_settings(pipeline_db, http_ingress_public_url=ingress.url))) as api:
        admin = bearer(token_for(api, "admin"))
        phones = {}
        for label, plate in (("ecar-07", "GE-007-LD"), ("ecar-08", "GE-008-LD")):
            created = api.post(
                "/api/v1/vehicles",
                headers=admin,
                json={"label": label, "kind": "ecar", "energy": "electric", "plate": plate, "home_site_id": 1},
            )
            assert created.status_code == 201, created.text
            vehicle = created.json()
            registered = api.post(
                "/api/v1/trackers",
                headers=admin,
                json={
                    "tracker_id": f"phone-{label}",
                    "vehicle_id": vehicle["id"],
                    **({"owntracks_key": "Sel de Mimizan"} if label == "ecar-08" else {}),
                },
            )
            assert registered.status_code == 201, registered.text
            phones[label] = registered.json()
        traccar, owntracks = phones["ecar-07"], phones["ecar-08"]
        assert traccar["osmand_url"] == f"{ingress.url}/osmand/{traccar['http_secret']}"
        assert owntracks["owntracks_http_url"] == f"{ingress.url}/owntracks/{owntracks['http_secret']}"
        assert owntracks["owntracks_encrypted"] is True and traccar["owntracks_encrypted"] is False
        stored = query(pipeline_db, "SELECT http_token_sha256 FROM trackers WHERE tracker_id = 'phone-ecar-07'")
        assert bytes(stored[0]["http_token_sha256"]) == http_token_digest(traccar["http_secret"])
        assert urlsplit(traccar["osmand_url"]).path.count("/") == 2

        sent = httpx.get(
            traccar["osmand_url"],
            params={  # what Traccar Client sends, query form
                "id": "phone-ecar-07",
                "timestamp": int(fix.timestamp()),
                "lat": 43.7236,
                "lon": -1.0527,
                "speed": 16.2,
                "bearing": 45,
                "altitude": 20,
                "accuracy": 6,
                "batt": 73,
            },
        )
        posted = httpx.post(
            owntracks["owntracks_http_url"],
            content=app_encrypted(
                "Sel de Mimizan",
                {
                    "_type": "location",
                    "tst": int(fix.timestamp()),
                    "lat": 43.6616,
                    "lon": -1.4417,
                    "vel": 30,
                    "batt": 55,
                    "tid": "e8",
                },
                nonce=bytes(range(24)),
            ),
            headers={"content-type": "application/json"},
        )
        assert sent.status_code == 200 and posted.status_code == 200

        def on_the_map() -> dict:
            live = api.get("/api/v1/fleet/live", headers=admin).json()
            return {v["label"]: v for v in live if v["label"] in phones and v["lat"] is not None}

        seen = wait_until(lambda: len(on_the_map()) == 2 and on_the_map())
    assert (seen["ecar-07"]["lat"], seen["ecar-07"]["lon"], seen["ecar-07"]["online"]) == (43.7236, -1.0527, True)
    assert round(seen["ecar-07"]["speed_kmh"], 1) == 30.0 and seen["ecar-07"]["tracker_battery_pct"] == 73
    assert (seen["ecar-08"]["lat"], seen["ecar-08"]["speed_kmh"]) == (43.6616, 30)
