"""Reading barcodes and QR codes from photo-like images (generated in the test with zxing-cpp's
writer: tilted labels on busy backgrounds, blurred, noisy, JPEG-compressed)."""

from __future__ import annotations

import io
import struct
import zlib

import pytest
from PIL import Image

from catalog.errors import InvalidInput, PayloadTooLarge
from embeddings.barcodes import DecodedCode, read_codes
from tests.embeddings.barcode_scenes import photo

CODES = [
    ("EAN-13", "400638133393", "4006381333931"),
    ("EAN-8", "9638507", "96385074"),
    ("UPC-A", "03600029145", "0036000291452"),  # read as its 13-digit EAN form
    ("UPC-E", "0123456", "0012345000065"),  # expanded to the UPC-A number, 13 digits
    ("Code 128", "FAS-1 933-0840", "FAS-1 933-0840"),
    ("QR Code", "https://shop.example.com/products/FAS-1", "https://shop.example.com/products/FAS-1"),
    ("Data Matrix", "SKU-PPE-3", "SKU-PPE-3"),
]


@pytest.mark.parametrize(("fmt", "content", "text"), CODES, ids=[c[0] for c in CODES])
@pytest.mark.parametrize("seed", [1, 2])
def test_each_format_is_read_from_a_photo(fmt: str, content: str, text: str, seed: int) -> None:
    data, placed = photo([(fmt, content)], seed=seed, code_width=280)
    assert placed[0].text == text
    codes = read_codes(data)
    assert [(c.format, c.text) for c in codes] in ([(fmt, text)], [("EAN-13", text)]), codes
    corners = codes[0].position
    assert len(corners) == 4 and all(0 <= x <= 1024 and 0 <= y <= 768 for x, y in corners)


def test_several_codes_in_one_photo_are_all_read_top_to_bottom() -> None:
    wanted = [("EAN-13", "400638133393"), ("QR Code", "https://shop.example.com/p?sku=PPE-3"),
              ("Code 128", "NG-100-L"), ("Data Matrix", "FAS-2")]
    data, placed = photo(wanted, seed=5, code_width=220, size=(1400, 1000), max_angle=10)
    codes = read_codes(data)
    assert {(c.format, c.text) for c in codes} == {(p.format, p.text) for p in placed}
    tops = [min(y for _, y in c.position) for c in codes]
    assert tops == sorted(tops)


def test_a_hard_1d_code_beside_an_easy_qr_code_is_read_too() -> None:
    """The QR code reads at once; the tilted EAN-13 beside it needs a fallback pass."""
    wanted = [("EAN-13", "400638133393"), ("QR Code", "https://shop.example.com/products/X")]
    data, placed = photo(wanted, seed=1)
    assert {c.text for c in read_codes(data)} == {p.text for p in placed}


@pytest.mark.parametrize("angle", [15, 25, -20, -32, 180])
def test_tilted_long_code_and_upside_down_photo(angle: int) -> None:
    """zxing-cpp scans rows and columns: a long 1-D code tilted by 15-30 degrees crosses no
    row from end to end, and is read by the tilted passes."""
    data, placed = photo([("Code 128", "ELC-41341-A")], seed=9, code_width=300, max_angle=0.1)
    image = Image.open(io.BytesIO(data)).rotate(angle, expand=True, fillcolor=(90, 90, 90))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=80)
    assert [c.text for c in read_codes(buffer.getvalue())] == [placed[0].text]


def test_photo_without_a_code_reads_nothing() -> None:
    data, _ = photo([], seed=3)
    assert read_codes(data) == []


def test_to_dict() -> None:
    code = DecodedCode("EAN-8", "96385074", ((1, 2), (3, 2), (3, 4), (1, 4)))
    assert code.to_dict() == {"format": "EAN-8", "text": "96385074",
                              "position": [[1, 2], [3, 2], [3, 4], [1, 4]]}


def _png_header_only(width: int, height: int) -> bytes:
    """A PNG that claims ``width`` x ``height`` pixels in a few dozen bytes (a bomb)."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return (struct.pack(">I", len(body)) + kind + body
                + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0,
                                                              0, 0))
            + chunk(b"IDAT", zlib.compress(b"\x00" * 16)) + chunk(b"IEND", b""))


@pytest.mark.parametrize(("data", "words"), [
    (b"", "empty"),
    (b"%PDF-1.7 not a photo", "not an image"),
    (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 40, "image"),  # a JPEG cut off
    (_png_header_only(60_000, 60_000), "pixels"),
])
def test_bad_uploads_name_the_field(data: bytes, words: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        read_codes(data, field="image")
    assert caught.value.field == "image"
    assert words in str(caught.value.detail)


def test_truncated_photo_is_refused() -> None:
    data, _ = photo([("EAN-13", "400638133393")], seed=1)
    with pytest.raises(InvalidInput) as caught:
        read_codes(data[: len(data) // 2], field="image")
    assert caught.value.field == "image" and "truncated" in str(caught.value.detail)


def test_pixel_and_byte_limits() -> None:
    data, _ = photo([("EAN-13", "400638133393")], seed=1)
    with pytest.raises(InvalidInput) as caught:
        read_codes(data, max_pixels=500_000)
    assert "megapixels" in str(caught.value.detail)
    with pytest.raises(PayloadTooLarge) as too_big:
        read_codes(data, max_bytes=1000)
    assert too_big.value.field == "image"
