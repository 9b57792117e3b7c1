"""The signatures drawn at an état des lieux: PNG images sent with the inspection (base64,
as a browser's `canvas.toDataURL()` gives them), checked, and kept for its receipt."""

from __future__ import annotations

import base64
import io

from PIL import Image

from fleetbase.errors import InvalidInput

SIGNERS = ("participant", "staff")
MAX_SIDE_PX = 2000
DATA_URL_PREFIX = "data:image/png;base64,"


class NotASignature(InvalidInput):
    """The signature sent is not a PNG image of a sensible size."""

    reason = "not_a_signature"


def decode(text: str, *, signer: str) -> bytes:
    """The PNG bytes of a signature sent as base64 (a data URL or bare); NotASignature otherwise."""
    who = "de la personne" if signer == "participant" else "de la plateforme"
    payload = text.removeprefix(DATA_URL_PREFIX)
    try:
        content = base64.b64decode(payload, validate=True)
        with Image.open(io.BytesIO(content)) as image:
            if image.format != "PNG" or max(image.size) > MAX_SIDE_PX:
                raise NotASignature(f"La signature {who} n'est pas une image PNG de {MAX_SIDE_PX} px au plus.")
            image.verify()
    except NotASignature:
        raise
    except Exception as error:  # noqa: BLE001 — any bytes may come in; Pillow raises many kinds on bad ones
        raise NotASignature(f"La signature {who} est illisible : signez de nouveau.") from error
    return content
