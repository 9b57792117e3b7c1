"""A damage photo is kept without where it was taken (docs/PRIVACY.md)."""

from __future__ import annotations

import io

from PIL import Image

from loans.photos import without_jpeg_metadata


def _photo_with_gps() -> bytes:
    image = Image.new("RGB", (32, 24), (200, 40, 40))
    exif = Image.Exif()
    exif[0x010F] = "Tablette"  # Make
    exif.get_ifd(0x8825).update({1: "N", 2: (43.0, 42.0, 36.7), 3: "W", 4: (1.0, 3.0, 11.2)})  # GPS
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif.tobytes(), quality=90)
    return out.getvalue()


def test_a_jpeg_loses_its_exif_and_keeps_its_image():
    original = _photo_with_gps()
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(0x8825)  # the camera's position is there
    stripped = without_jpeg_metadata(original)
    assert b"Exif" not in stripped and len(stripped) < len(original)
    image = Image.open(io.BytesIO(stripped))
    assert not image.getexif() and image.size == (32, 24)
    assert image.tobytes() == Image.open(io.BytesIO(original)).tobytes()


def test_what_is_not_a_whole_jpeg_is_kept_as_it_came():
    for content in (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x01" * 64, b"\xff\xd8\xff\xe0" + b"\x00" * 32):
        assert without_jpeg_metadata(content) == content
