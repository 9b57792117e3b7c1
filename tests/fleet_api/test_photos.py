"""Request bodies are bounded (413 in the error shape, whether the size is announced or
streamed), and photos arrive as checked uploads (JPEG, PNG or WebP by their content, at
most FLEET_PHOTO_MAX_BYTES) that an inspection then names by id."""

from __future__ import annotations

import json

import httpx
import pytest
from fastapi.testclient import TestClient

from fleet_api.app import create_app
from fleetbase.db import connect
from tests.factories import SIGNED
from tests.fleet_api.conftest import Server, api_settings, bearer, token_for
from tests.fleet_api.loan_helpers import listed_vehicle_id, make_participant, validated_loan

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x01" * 64
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
WEBP = b"RIFF\x2c\x00\x00\x00WEBPVP8 " + b"\x00" * 64


def upload(
    client, headers: dict, content: bytes, *, filename: str = "photo.jpg", declared: str = "image/jpeg"
) -> httpx.Response:
    return client.post("/api/v1/photos", headers=headers, files={"file": (filename, content, declared)})


def test_a_photo_is_typed_by_its_content_not_by_what_the_client_says(client, as_role):
    coordinator = as_role["coordinator"]

    answers = [
        upload(client, coordinator, content, declared="application/octet-stream") for content in (JPEG, PNG, WEBP)
    ]

    assert [answer.status_code for answer in answers] == [201, 201, 201], [answer.text for answer in answers]
    assert [answer.json()["content_type"] for answer in answers] == ["image/jpeg", "image/png", "image/webp"]
    assert answers[0].json()["size_bytes"] == len(JPEG) and answers[0].json()["expires_at"]
    assert len({answer.json()["id"] for answer in answers}) == 3


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"GIF89a" + b"\x00" * 32,
        b"<svg xmlns='http://www.w3.org/2000/svg'/>",
        b"%PDF-1.7\n",
        b"RIFF\x00\x00\x00\x00WAVEfmt ",
    ],
)
def test_anything_but_a_jpeg_png_or_webp_is_refused_whatever_it_claims(client, as_role, content):
    answer = upload(client, as_role["coordinator"], content, filename="photo.png", declared="image/png")

    assert answer.status_code == 415, answer.text
    assert answer.json()["error"] == "NotAPhoto" and "JPEG, PNG ou WebP" in answer.json()["detail"]


def test_a_photo_over_the_size_limit_is_refused(api_db, clock):
    with TestClient(create_app(api_settings(api_db, photo_max_bytes=10_000), clock=clock)) as client:
        coordinator = bearer(token_for(client, "coordinator"))
        just_right = upload(client, coordinator, JPEG + b"\x00" * (10_000 - len(JPEG)))
        too_large = upload(client, coordinator, JPEG + b"\x00" * 10_000)

    assert just_right.status_code == 201, just_right.text
    assert too_large.status_code == 413
    assert too_large.json()["error"] == "PhotoTooLarge" and "10\u202f000 octets" in too_large.json()["detail"]


def test_only_the_roles_that_inspect_upload_photos(client, as_role):
    assert upload(client, as_role["admin"], JPEG).status_code == 201
    assert upload(client, as_role["mechanic"], JPEG).status_code == 403
    assert upload(client, {}, JPEG).status_code == 401


def test_an_inspection_names_its_photos_by_upload_id_and_each_serves_once(client, as_role, api_db, clock):
    coordinator = as_role["coordinator"]
    loan = validated_loan(
        client,
        coordinator,
        participant=make_participant(client, coordinator),
        vehicle=listed_vehicle_id(client, coordinator, "car-06"),
        starts_at=clock.now,
    )
    photo = upload(client, coordinator, JPEG).json()
    damages = [
        {
            "location": "pare-chocs arrière",
            "description": "rayure",
            "photos": [{"upload_id": photo["id"], "caption": "vue de derrière"}],
        }
    ]

    out = client.post(
        f"/api/v1/bookings/{loan['id']}/checkout",
        headers=coordinator,
        json={"odometer_km": 100, "damages": damages, **SIGNED},
    )
    again = client.post(
        f"/api/v1/bookings/{loan['id']}/checkin",
        headers=coordinator,
        json={"odometer_km": 120, "damages": damages, **SIGNED},
    )
    base64_photo = client.post(
        f"/api/v1/bookings/{loan['id']}/checkin",
        headers=coordinator,
        json={
            "odometer_km": 120,
            **SIGNED,
            "damages": [
                {
                    "location": "pare-chocs",
                    "description": "rayure",
                    "photos": [{"content_type": "image/jpeg", "content_base64": "/9j/4AAQ"}],
                }
            ],
        },
    )

    assert out.status_code == 200, out.text
    [stored] = client.get(f"/api/v1/bookings/{loan['id']}", headers=coordinator).json()["inspections"]["checkout"][
        "photos"
    ]
    assert (stored["content_type"], stored["caption"], stored["damage_index"]) == ("image/jpeg", "vue de derrière", 0)
    image = client.get(f"/api/v1/bookings/{loan['id']}/photos/{stored['id']}", headers=as_role["fleet_manager"])
    assert image.headers["content-type"] == "image/jpeg" and image.content == JPEG
    assert again.status_code == 422 and "déjà utilisée" in again.json()["detail"]
    assert base64_photo.status_code == 422  # photos are no longer sent inside the JSON
    with connect(api_db) as conn:  # the upload moved into the inspection: no second copy is left behind
        assert conn.execute("SELECT count(*) AS n FROM photo_uploads").fetchone()["n"] == 0


def test_an_erased_participants_inspection_photos_can_still_be_erased(client, as_role, api_db, clock):
    coordinator = as_role["coordinator"]
    person = make_participant(client, coordinator)
    car = listed_vehicle_id(client, coordinator, "car-07")
    loan = validated_loan(client, coordinator, participant=person, vehicle=car, starts_at=clock.now)
    photo = upload(client, coordinator, PNG).json()
    damage = [{"location": "siège", "description": "tache", "photos": [{"upload_id": photo["id"]}]}]
    assert (
        client.post(
            f"/api/v1/bookings/{loan['id']}/checkout",
            headers=coordinator,
            json={"odometer_km": 100, "damages": damage, **SIGNED},
        ).status_code
        == 200
    )
    assert (
        client.post(
            f"/api/v1/bookings/{loan['id']}/checkin",
            headers=coordinator,
            json={"odometer_km": 130, "damages": damage[:0], **SIGNED},
        ).status_code
        == 200
    )
    assert client.post(f"/api/v1/participants/{person}/erase", headers=coordinator).status_code == 200

    with connect(api_db) as conn:
        deleted = conn.execute("DELETE FROM inspections WHERE loan_id = %(id)s", {"id": loan["id"]}).rowcount
        left = conn.execute(
            "SELECT count(*) AS n FROM inspection_photos p JOIN inspections i"
            " ON i.id = p.inspection_id WHERE i.loan_id = %(id)s",
            {"id": loan["id"]},
        ).fetchone()["n"]
        conn.rollback()
    assert deleted == 2 and left == 0


@pytest.fixture
def small_body_server(api_db):
    with Server(create_app(api_settings(api_db, api_body_max_bytes=20_000))) as server:
        yield server


def test_a_body_announced_too_large_is_refused_before_it_is_read(small_body_server):
    body = json.dumps({"label": "x" * 30_000}).encode()

    answer = httpx.post(
        f"{small_body_server.url}/api/v1/vehicles", content=body, headers={"Content-Type": "application/json"}
    )

    assert answer.status_code == 413
    assert answer.json() == {
        "error": "PayloadTooLarge",
        "detail": "Requête trop volumineuse : 20\u202f000 octets au plus.",
    }


def test_a_page_form_too_large_is_refused_with_a_french_page(small_body_server):
    answer = httpx.post(
        f"{small_body_server.url}/participants/nouveau",
        content=b"x" * 30_000,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )

    assert answer.status_code == 413 and answer.headers["content-type"].startswith("text/html")
    assert "<h1>Envoi trop lourd</h1>" in answer.text and "20\u202f000 octets au plus." in answer.text


def test_a_streamed_body_is_cut_off_once_too_large(small_body_server):
    def chunks():
        for _ in range(100):
            yield b" " * 1000

    token = httpx.post(
        f"{small_body_server.url}/api/v1/auth/token", data={"username": "admin", "password": "demo-password-for-tests"}
    ).json()["access_token"]
    answer = httpx.post(
        f"{small_body_server.url}/api/v1/vehicles",
        content=chunks(),
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
    )

    assert "content-length" not in answer.request.headers  # sent chunked
    assert answer.status_code == 413
    assert answer.json()["error"] == "PayloadTooLarge"


def test_a_body_within_the_limit_is_served(small_body_server):
    token = httpx.post(
        f"{small_body_server.url}/api/v1/auth/token", data={"username": "admin", "password": "demo-password-for-tests"}
    ).json()["access_token"]

    answer = httpx.post(
        f"{small_body_server.url}/api/v1/vehicles",
        headers={"Authorization": f"Bearer {token}"},
        json={"label": "ebike-limit", "kind": "ebike", "energy": "electric", "home_site_id": 1},
    )

    assert answer.status_code == 201, answer.text
