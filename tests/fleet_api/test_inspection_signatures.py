"""The signatures drawn at an état des lieux travel with it as PNG images, are kept for the
receipt, and the participant's goes when their data is erased."""

from __future__ import annotations

import base64
import io

from PIL import Image, ImageDraw

from fleetbase.db import connect
from tests.factories import SIGNED
from tests.fleet_api.loan_helpers import listed_vehicle_id, make_participant, validated_loan


def drawn_signature() -> str:
    image = Image.new("RGBA", (400, 150), (0, 0, 0, 0))
    ImageDraw.Draw(image).line([(20, 100), (120, 40), (220, 110), (380, 30)], fill="black", width=4)
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def stored_signers(database_url: str, loan_id: int) -> list[str]:
    with connect(database_url) as conn:
        rows = conn.execute(
            "SELECT s.signer FROM inspection_signatures s JOIN inspections i"
            " ON i.id = s.inspection_id WHERE i.loan_id = %(id)s ORDER BY 1",
            {"id": loan_id},
        )
        return [row["signer"] for row in rows.fetchall()]


def test_both_drawn_signatures_are_kept_and_the_persons_goes_with_their_erasure(client, as_role, api_db, clock):
    coordinator = as_role["coordinator"]
    person = make_participant(client, coordinator)
    car = listed_vehicle_id(client, coordinator, "car-04")
    loan = validated_loan(client, coordinator, participant=person, vehicle=car, starts_at=clock.now)

    out = client.post(
        f"/api/v1/bookings/{loan['id']}/checkout",
        headers=coordinator,
        json={
            "odometer_km": 500,
            **SIGNED,
            "participant_signature": drawn_signature(),
            "staff_signature": drawn_signature(),
        },
    )

    assert out.status_code == 200, out.text
    assert stored_signers(api_db, loan["id"]) == ["participant", "staff"]
    assert (
        client.post(
            f"/api/v1/bookings/{loan['id']}/checkin", headers=coordinator, json={"odometer_km": 520, **SIGNED}
        ).status_code
        == 200
    )
    [exported] = client.get(f"/api/v1/participants/{person}/export", headers=coordinator).json()["signatures"]
    assert (exported["loan_id"], exported["inspection_kind"]) == (loan["id"], "checkout")
    assert Image.open(io.BytesIO(base64.b64decode(exported["png_base64"]))).size == (400, 150)
    assert client.post(f"/api/v1/participants/{person}/erase", headers=coordinator).status_code == 200
    assert stored_signers(api_db, loan["id"]) == ["staff"]


def test_a_signature_that_is_not_a_png_is_refused_in_french(client, as_role, clock):
    coordinator = as_role["coordinator"]
    loan = validated_loan(
        client,
        coordinator,
        participant=make_participant(client, coordinator),
        vehicle=listed_vehicle_id(client, coordinator, "car-03"),
        starts_at=clock.now,
    )
    jpeg = io.BytesIO()
    Image.new("RGB", (40, 20)).save(jpeg, "JPEG")

    answers = [
        client.post(
            f"/api/v1/bookings/{loan['id']}/checkout",
            headers=coordinator,
            json={"odometer_km": 500, **SIGNED, "participant_signature": signature},
        )
        for signature in (base64.b64encode(jpeg.getvalue()).decode(), base64.b64encode(b"not an image").decode())
    ]

    assert [answer.status_code for answer in answers] == [422, 422]
    assert answers[0].json() == {
        "error": "NotASignature",
        "detail": "La signature de la personne n'est pas une image PNG de 2000 px au plus.",
    }
    assert answers[1].json()["detail"] == "La signature de la personne est illisible : signez de nouveau."
    assert client.get(f"/api/v1/bookings/{loan['id']}", headers=coordinator).json()["status"] == "validated"
