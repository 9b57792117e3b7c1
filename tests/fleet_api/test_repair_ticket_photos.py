"""Repair tickets through the API, what the web pages added: photos of the fault and of the
repair (checked, without metadata, in the garage's scope) and the quote staff accept."""

from __future__ import annotations

import io

from PIL import Image

from tests.fleet_api.test_repair_tickets import _ids, _ticket, other_garage  # noqa: F401 (a fixture)


def jpeg_with_exif() -> bytes:
    """A phone's photo: EXIF with a GPS position (tag 0x8825) and a maker."""
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    exif[0x8825] = {1: "N", 2: (43.0, 42.0, 36.0), 3: "W", 4: (1.0, 3.0, 11.0)}
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (180, 30, 30)).save(out, "JPEG", exif=exif)
    return out.getvalue()


def test_the_garage_adds_a_repair_photo_kept_without_its_metadata(client, as_role, api_db):
    ids = _ids(api_db)
    ticket = _ticket(client, as_role["mechanic"], ids["scooter"], ids["garage"])
    original = jpeg_with_exif()
    assert b"Exif" in original and b"PhoneMaker" in original
    added = client.post(
        f"/api/v1/repair-tickets/{ticket['id']}/photos",
        headers=as_role["garage_partner"],
        data={"tag": "repair", "caption": "Plaquettes neuves"},
        files={"file": ("photo.jpg", original, "image/jpeg")},
    )
    assert added.status_code == 201, added.text
    photo = added.json()
    assert (photo["tag"], photo["content_type"], photo["caption"], photo["author_role"]) == (
        "repair",
        "image/jpeg",
        "Plaquettes neuves",
        "garage_partner",
    )
    assert photo["by_name"] == "Atelier du garage solidaire"

    stored = client.get(f"/api/v1/repair-tickets/{ticket['id']}/photos/{photo['id']}", headers=as_role["mechanic"])
    assert stored.headers["content-type"] == "image/jpeg"
    assert b"Exif" not in stored.content and b"PhoneMaker" not in stored.content
    assert Image.open(io.BytesIO(stored.content)).size == (40, 30)
    listed = client.get(f"/api/v1/repair-tickets/{ticket['id']}/photos", headers=as_role["garage_partner"]).json()
    assert [item["id"] for item in listed] == [photo["id"]]


def test_photos_refused_in_french_the_garage_shows_no_fault_and_another_garage_sees_nothing(
    client, as_role, api_db, other_garage
):  # noqa: F811
    ids = _ids(api_db)
    theirs = _ticket(client, as_role["mechanic"], ids["scooter"], other_garage["id"])
    ours = _ticket(client, as_role["mechanic"], ids["scooter"], ids["garage"])
    fault = client.post(
        f"/api/v1/repair-tickets/{theirs['id']}/photos",
        headers=as_role["mechanic"],
        data={"tag": "fault"},
        files={"file": ("panne.jpg", jpeg_with_exif(), "image/jpeg")},
    ).json()
    garage = as_role["garage_partner"]
    for response in (
        client.post(
            f"/api/v1/repair-tickets/{theirs['id']}/photos",
            headers=garage,
            files={"file": ("x.jpg", jpeg_with_exif(), "image/jpeg")},
        ),
        client.get(f"/api/v1/repair-tickets/{theirs['id']}/photos", headers=garage),
        client.get(f"/api/v1/repair-tickets/{theirs['id']}/photos/{fault['id']}", headers=garage),
        client.get(f"/api/v1/repair-tickets/{ours['id']}/photos/{fault['id']}", headers=as_role["mechanic"]),
    ):
        assert response.status_code == 404, response.text
    not_fault = client.post(
        f"/api/v1/repair-tickets/{ours['id']}/photos",
        headers=garage,
        data={"tag": "fault"},
        files={"file": ("x.jpg", jpeg_with_exif(), "image/jpeg")},
    )
    assert not_fault.status_code == 403
    not_image = client.post(
        f"/api/v1/repair-tickets/{ours['id']}/photos",
        headers=garage,
        files={"file": ("devis.pdf", b"%PDF-1.4 devis", "application/pdf")},
    )
    assert not_image.status_code == 415
    assert not_image.json()["detail"] == "Ce fichier n'est pas une photo JPEG, PNG ou WebP."


def test_staff_accept_the_quote_they_read_and_the_update_says_who_accepted_which_amount(client, as_role, api_db):
    ids = _ids(api_db)
    ticket = _ticket(client, as_role["mechanic"], ids["scooter"], ids["garage"])
    path = f"/api/v1/repair-tickets/{ticket['id']}"
    assert client.post(f"{path}/status", headers=as_role["mechanic"], json={"status": "sent"}).status_code == 200
    early = client.post(
        f"{path}/status", headers=as_role["mechanic"], json={"status": "accepted", "accepted_quote_cents": 12000}
    )
    assert (early.status_code, early.json()["detail"]) == (
        409,
        "Le garage n'a pas encore donné de devis pour cette fiche.",
    )
    client.patch(f"{path}/costs", headers=as_role["garage_partner"], json={"quote_cents": 14550})
    stale = client.post(
        f"{path}/status", headers=as_role["mechanic"], json={"status": "accepted", "accepted_quote_cents": 12000}
    )
    assert stale.status_code == 409 and "145,50" in stale.json()["detail"]
    by_garage = client.post(
        f"{path}/status", headers=as_role["garage_partner"], json={"status": "accepted", "accepted_quote_cents": 14550}
    )
    assert by_garage.status_code == 403

    accepted = client.post(
        f"{path}/status",
        headers=as_role["mechanic"],
        json={"status": "accepted", "accepted_quote_cents": 14550, "note": "Allez-y."},
    )
    assert accepted.status_code == 200, accepted.text
    last = accepted.json()["updates"][-1]
    assert (last["status"], last["accepted_quote_cents"], last["by_name"], last["author_role"]) == (
        "accepted",
        14550,
        "Mécanicien de la plateforme",
        "mechanic",
    )
    assert last["note"] == "Devis de 145,50\xa0€ accepté. Allez-y."
