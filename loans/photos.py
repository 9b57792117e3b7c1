"""Photos of an inspection's damages: uploaded one by one, checked, then named by the inspection.

An upload is typed by its first bytes (JPEG, PNG or WebP; whatever the client declares)
and bounded in size; it waits in `photo_uploads` until an inspection names it by id
(`claim`), which moves it into the inspection's photos, or for UPLOAD_KEPT, after which
the next upload deletes it.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import psycopg

from fleetbase.errors import InvalidInput
from loans import photo_repository as repository

UPLOAD_KEPT = timedelta(hours=24)


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


def without_jpeg_metadata(content: bytes) -> bytes:
    """The JPEG without its APP1 segments (Exif, XMP): a tablet's camera writes there where
    the photo was taken, a position the service must not keep (docs/PRIVACY.md). The image
    data is copied byte for byte; from a byte that does not start a segment on, the rest is
    kept as it is."""
    if not content.startswith(b"\xff\xd8"):
        return content
    kept, at = [content[:2]], 2
    while at + 4 <= len(content) and content[at] == 0xFF:
        marker = content[at + 1]
        if marker == 0xDA or 0xD0 <= marker <= 0xD7 or marker in (0x01, 0xD9):  # image data from here
            break
        end = at + 2 + int.from_bytes(content[at + 2:at + 4], "big")
        if end > len(content):
            break
        if marker != 0xE1:
            kept.append(content[at:end])
        at = end
    kept.append(content[at:])
    return b"".join(kept)


def store_upload(conn: psycopg.Connection, *, content: bytes, max_bytes: int, user_id: int,
                 now: datetime) -> dict:
    """Check and keep an uploaded photo; its id, type, size and when it expires unclaimed."""
    if len(content) > max_bytes:
        raise PhotoTooLarge(f"Photo trop lourde : {max_bytes:,} octets au plus.".replace(",", " "))
    content_type = sniff_type(content)
    if content_type is None:
        raise NotAPhoto("Ce fichier n'est pas une photo JPEG, PNG ou WebP.")
    if content_type == "image/jpeg":
        content = without_jpeg_metadata(content)
    repository.delete_uploads_before(conn, now - UPLOAD_KEPT)
    upload_id = repository.insert_upload(conn, content_type=content_type, content=content, user_id=user_id, now=now)
    return {"id": upload_id, "content_type": content_type, "size_bytes": len(content),
            "expires_at": now + UPLOAD_KEPT}


def claim(conn: psycopg.Connection, upload_id: int, *, inspection_id: int, damage_index: int, caption: str,
          now: datetime) -> int:
    """Make an upload one of the inspection's photos; InvalidInput when none waits under that id."""
    photo_id = repository.claim_upload(conn, upload_id, inspection_id=inspection_id, damage_index=damage_index,
                                       caption=caption, uploaded_after=now - UPLOAD_KEPT, now=now)
    if photo_id is None:
        raise InvalidInput(f"La photo n° {upload_id} est inconnue, déjà utilisée ou expirée : envoyez-la de nouveau"
                           " (POST /api/v1/photos).")
    return photo_id
