"""OwnTracks in HTTP mode: the app posts the JSON it would publish, to the same ingress."""

import json
from datetime import UTC, datetime, timedelta

import httpx

from tests.ingest.conftest import query, scalar, wait_until
from tests.ingest.protocols.test_owntracks import app_encrypted

TST = int((datetime.now(UTC) - timedelta(minutes=20)).timestamp())


def test_a_location_posted_by_the_app_is_stored_and_answered_with_an_empty_list(pipeline_db, worker, ingress):
    location = {
        "_type": "location",
        "tst": TST,
        "lat": 43.6,
        "lon": -1.2,
        "vel": 25,
        "batt": 66,
        "acc": 9,
        "topic": "owntracks/marie/ebike-02",
        "tid": "eb",
        "conn": "m",
    }

    answer = httpx.post(ingress.owntracks_url("ebike-02"), json=location)
    card = httpx.post(ingress.owntracks_url("ebike-02"), json={"_type": "card", "name": "Marie"})

    assert answer.status_code == 200 and answer.json() == [] and card.json() == []
    [row] = wait_until(lambda: query(pipeline_db, "SELECT * FROM positions WHERE tracker_id = 'ebike-02'"))
    assert (row["speed_kmh"], row["tracker_battery_pct"], row["acc_m"]) == (25, 66, 9)
    assert row["attributes"] == {"topic": "owntracks/marie/ebike-02", "tid": "eb", "conn": "m"}
    wait_until(lambda: worker.worker.counters.get("ingest_ignored_total", type="card") == 1)


def test_an_encrypted_post_needs_the_trackers_key(pipeline_db, worker, ingress):
    location = {"_type": "location", "tst": TST, "lat": 43.61, "lon": -1.21}
    payload = app_encrypted("Sel de Mimizan", location, nonce=bytes(range(24)))

    refused = httpx.post(
        ingress.owntracks_url("ebike-02"), content=payload, headers={"content-type": "application/json"}
    )
    query(
        pipeline_db,
        "UPDATE trackers SET owntracks_key = 'Sel de Mimizan' WHERE tracker_id = 'ebike-02' RETURNING tracker_id",
    )
    accepted = httpx.post(
        ingress.owntracks_url("ebike-02"), content=payload, headers={"content-type": "application/json"}
    )

    assert refused.status_code == 400 and "aucune clé OwnTracks" in refused.json()["detail"]
    assert accepted.status_code == 200
    wait_until(lambda: scalar(pipeline_db, "SELECT count(*) FROM positions WHERE tracker_id = 'ebike-02'") == 1)
    assert [row["reason"] for row in query(pipeline_db, "SELECT reason FROM dead_letters")] == ["no_decryption_key"]
    assert (
        json.loads(bytes(query(pipeline_db, "SELECT payload FROM dead_letters")[0]["payload"]))["_type"] == "encrypted"
    )
