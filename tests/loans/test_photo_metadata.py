"""A photo keeps no metadata once stored: EXIF (a phone's GPS position), XMP and comments
are dropped by re-encoding the pixels, whatever the format."""

from __future__ import annotations

import io
import struct
import zlib

import pytest
from PIL import Image

from loans.photos import NotAPhoto, without_metadata

GPS_IFD = 0x8825
ORIENTATION = 0x0112


def photo_with_gps(format_name: str, *, size=(60, 40), orientation: int | None = None) -> bytes:
    exif = Image.Exif()
    exif[GPS_IFD] = {1: "N", 2: (43.0, 42.0, 36.5), 3: "W", 4: (1.0, 3.0, 11.2)}
    if orientation:
        exif[ORIENTATION] = orientation
    buffer = io.BytesIO()
    Image.new("RGB", size, "#c0392b").save(buffer, format_name, exif=exif)
    return buffer.getvalue()


@pytest.mark.parametrize(
    "content_type, format_name", [("image/jpeg", "JPEG"), ("image/png", "PNG"), ("image/webp", "WEBP")]
)
def test_the_gps_position_is_gone_and_the_picture_stays(content_type, format_name):
    original = photo_with_gps(format_name)
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(GPS_IFD)  # the test photo does carry a position

    cleaned = without_metadata(original, content_type)

    with Image.open(io.BytesIO(cleaned)) as image:
        assert image.format == format_name and image.size == (60, 40)
        assert len(image.getexif()) == 0 and "exif" not in image.info
    assert b"Exif\x00\x00" not in cleaned


def test_a_sideways_photo_is_turned_upright_before_its_exif_goes():
    cleaned = without_metadata(photo_with_gps("JPEG", size=(60, 40), orientation=6), "image/jpeg")

    assert Image.open(io.BytesIO(cleaned)).size == (40, 60)


def test_a_photo_without_metadata_is_kept_byte_for_byte():
    buffer = io.BytesIO()
    Image.new("RGB", (30, 30), "white").save(buffer, "JPEG")

    assert without_metadata(buffer.getvalue(), "image/jpeg") == buffer.getvalue()


def test_an_unreadable_file_carrying_exif_is_refused():
    with pytest.raises(NotAPhoto):
        without_metadata(b"\xff\xd8\xff\xe1\x00\x20Exif\x00\x00" + b"\x00" * 40, "image/jpeg")


def png_claiming(width: int, height: int, extra_chunk: bytes = b"") -> bytes:
    """A PNG header announcing a huge picture (Pillow's decompression-bomb guard trips on it)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + extra_chunk + chunk(b"IEND", b"")


def test_a_file_pillow_refuses_to_open_is_refused_when_it_carries_exif():
    exif_chunk = struct.pack(">I", 8) + b"eXIf" + b"MM\x00\x2a\x00\x00\x00\x08" + b"\x00\x00\x00\x00"

    with pytest.raises(NotAPhoto):
        without_metadata(png_claiming(60_000, 60_000, exif_chunk), "image/png")
    assert without_metadata(png_claiming(60_000, 60_000), "image/png") == png_claiming(60_000, 60_000)
