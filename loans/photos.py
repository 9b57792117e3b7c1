"""Photos of an inspection's damages: uploaded one by one, checked, then named by the inspection.

An upload is typed by its first bytes (JPEG, PNG or WebP; whatever the client declares)
and bounded in size, and keeps no metadata: the pages shrink a photo in the browser, which
drops its EXIF (where a phone writes the GPS position), and `without_metadata` makes sure
of it here; it waits in `photo_uploads` until an inspection names it by id
(`claim`), which moves it into the inspection's photos, or for UPLOAD_KEPT, after which
the next upload deletes it.
"""

from __future__ import annotations

import io
from datetime import datetime, timedelta
from typing import Any

from PIL import Image, ImageOps

from fleetbase import formatting
from fleetbase.db import Conn
from fleetbase.errors import InvalidInput
from loans import photo_repository as repository

UPLOAD_KEPT = timedelta(hours=24)
# Where metadata hides in the files Pillow cannot read: EXIF (JPEG's APP1, PNG's eXIf, WebP's
# EXIF chunk) and XMP, either of which may hold a position.
METADATA_MARKERS = (b"Exif\x00\x00", b"eXIf", b"EXIF", b"http://ns.adobe.com/xap/")
METADATA_KEYS = ("exif", "xmp", "XML:com.adobe.xmp", "icc_profile", "comment", "Raw profile type exif")
FORMATS = {"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WEBP"}


class NotAPhoto(InvalidInput):
    """The upload is not a JPEG, PNG or WebP image (judged by its content)."""

    reason = "not_a_photo"


class PhotoTooLarge(InvalidInput):
    """The image is larger than the settings allow."""

    reason = "photo_too_large"


def sniff_type(content: bytes) -> str | None:
    """The image type the content's signature shows, or None."""
    if content.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if content.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if len(content) >= 12 and content[:4] == b"RIFF" and content[8:12] == b"WEBP":
        return "image/webp"
    return None


def checked(content: bytes, *, max_bytes: int) -> tuple[str, bytes]:
    """The photo's type and its bytes without metadata; PhotoTooLarge or NotAPhoto otherwise.
    Every photo the service keeps goes through here (inspections', repair tickets')."""
    if len(content) > max_bytes:
        raise PhotoTooLarge(f"Photo trop lourde : {formatting.number(max_bytes)} octets au plus.")
    content_type = sniff_type(content)
    if content_type is None:
        raise NotAPhoto("Ce fichier n'est pas une photo JPEG, PNG ou WebP.")
    return content_type, without_metadata(content, content_type)


def store_upload(conn: Conn, *, content: bytes, max_bytes: int, user_id: int, now: datetime) -> dict[str, Any]:
    """Check and keep an uploaded photo; its id, type, size and when it expires unclaimed."""
    content_type, content = checked(content, max_bytes=max_bytes)
    repository.delete_uploads_before(conn, now - UPLOAD_KEPT)
    upload_id = repository.insert_upload(conn, content_type=content_type, content=content, user_id=user_id, now=now)
    return {"id": upload_id, "content_type": content_type, "size_bytes": len(content), "expires_at": now + UPLOAD_KEPT}


def without_metadata(content: bytes, content_type: str) -> bytes:
    """The photo without EXIF, XMP or comments: re-encoded from its pixels (turned upright
    first, as its EXIF orientation said) when it carries any, unchanged when it carries none.
    A file that carries some and that Pillow cannot read is refused rather than kept."""
    try:
        with Image.open(io.BytesIO(content)) as image:
            if not (len(image.getexif()) or any(key in image.info for key in METADATA_KEYS)):
                return content
            upright = ImageOps.exif_transpose(image)
            if content_type == "image/jpeg" and upright.mode not in ("RGB", "L"):
                upright = upright.convert("RGB")
            upright.info = {}  # what save() would otherwise copy over (ICC profile, comments)
            cleaned = io.BytesIO()
            upright.save(cleaned, FORMATS[content_type], quality=90)
            return cleaned.getvalue()
    except Exception as error:  # noqa: BLE001 — any bytes may come in; Pillow raises many kinds on bad ones
        if any(marker in content for marker in METADATA_MARKERS):
            raise NotAPhoto(
                "Cette photo est illisible et porte des métadonnées (position possible) : reprenez-la."
            ) from error
        return content


def claim(conn: Conn, upload_id: int, *, inspection_id: int, damage_index: int, caption: str, now: datetime) -> int:
    """Make an upload one of the inspection's photos; InvalidInput when none waits under that id."""
    photo_id = repository.claim_upload(
        conn,
        upload_id,
        inspection_id=inspection_id,
        damage_index=damage_index,
        caption=caption,
        uploaded_after=now - UPLOAD_KEPT,
        now=now,
    )
    if photo_id is None:
        raise InvalidInput(
            f"La photo n° {upload_id} est inconnue, déjà utilisée ou expirée : envoyez-la de nouveau"
            " (POST /api/v1/photos)."
        )
    return photo_id
