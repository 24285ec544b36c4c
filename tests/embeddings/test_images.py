"""Reading untrusted images: what decodes, what is refused and how the refusal reads."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import pytest
from PIL import Image

from embeddings.images import (
    MISSING,
    REMOTE,
    UNSUPPORTED,
    ImageTooLarge,
    InvalidImage,
    local_path,
    open_image,
)
from tests.embeddings.image_factory import encode, jpeg, product_photo


def _png_bomb(width: int, height: int) -> bytes:
    """A PNG of a few bytes whose header claims ``width`` x ``height`` pixels."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return (struct.pack(">I", len(body)) + kind + body
                + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit RGB
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + chunk(b"IEND", b""))


def test_photos_decode_to_rgb_of_their_size() -> None:
    photo = product_photo(1)
    for data in (encode(photo), jpeg(photo), encode(photo, "WEBP"), encode(photo, "BMP")):
        image = open_image(data)
        assert image.mode == "RGB" and image.size == photo.size


def test_transparency_is_flattened_onto_white_and_exif_orientation_applied() -> None:
    rgba = Image.new("RGBA", (40, 20), (255, 0, 0, 0))
    rgba.paste((0, 0, 255, 255), (0, 0, 10, 10))
    image = open_image(encode(rgba))
    assert image.getpixel((30, 15)) == (255, 255, 255)
    assert image.getpixel((5, 5)) == (0, 0, 255)
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90 CW to view": a phone held upright
    upright = open_image(encode(Image.new("RGB", (40, 20), (9, 9, 9)), "JPEG", exif=exif))
    assert upright.size == (20, 40)


def test_a_large_jpeg_decodes_at_a_reduced_scale_when_a_small_image_will_do() -> None:
    big = jpeg(product_photo(2, size=(2400, 1800)), quality=90)
    assert open_image(big).size == (2400, 1800)
    small = open_image(big, min_side=224)
    assert small.size == (300, 225)  # 1/8 scale: both sides still at least 224


@pytest.mark.parametrize("data, words", [
    (b"this is a text file, not a photo\n" * 20, "not an image"),
    (b"%PDF-1.7\n1 0 obj<<>>endobj\n", "not an image"),
    (b"\x89PNG\r\n\x1a\n", "not"),
])
def test_what_is_not_an_image_is_a_400_naming_the_field(data: bytes, words: str) -> None:
    with pytest.raises(InvalidImage) as info:
        open_image(data, field="image")
    assert info.value.status_code == 400 and info.value.field == "image"
    assert words in str(info.value.detail)


@pytest.mark.parametrize("fmt", ["JPEG", "PNG"])
def test_a_truncated_file_is_refused_not_decoded_half_grey(fmt: str) -> None:
    whole = encode(product_photo(3), fmt)
    with pytest.raises(InvalidImage) as info:
        open_image(whole[: len(whole) // 2], field="photo")
    assert info.value.status_code == 400 and info.value.field == "photo"
    assert "truncated" in str(info.value.detail) or "corrupt" in str(info.value.detail)


def test_a_decompression_bomb_is_refused_from_its_header() -> None:
    bomb = _png_bomb(100_000, 100_000)  # 10 gigapixels in a hundred bytes
    assert len(bomb) < 200
    with pytest.raises(InvalidImage) as info:
        open_image(bomb, field="image", max_pixels=50_000_000)
    assert info.value.status_code == 400 and info.value.field == "image"
    assert "pixels" in str(info.value.detail)
    with pytest.raises(InvalidImage, match="megapixels"):  # the limit is ours, not Pillow's
        open_image(encode(product_photo(4, size=(200, 200))), max_pixels=30_000)


def test_too_many_bytes_is_a_413_naming_the_field() -> None:
    with pytest.raises(ImageTooLarge) as info:
        open_image(b"\xff" * 2_000_001, field="image", max_bytes=2_000_000)
    assert info.value.status_code == 413 and info.value.field == "image"
    assert "2 MB" in str(info.value.detail)
    with pytest.raises(InvalidImage, match="empty"):
        open_image(b"")


def test_image_references_resolve_to_local_files_only(tmp_path: Path) -> None:
    root = tmp_path / "media"
    (root / "img").mkdir(parents=True)
    photo = root / "img" / "a.png"
    photo.write_bytes(encode(product_photo(5)))
    (tmp_path / "secret.png").write_bytes(b"x")
    assert local_path("https://cdn.example/a.png", [root]) == (None, REMOTE)
    assert local_path("http://cdn.example/a.png", [root]) == (None, REMOTE)
    assert local_path("ftp://example/a.png", [root]) == (None, UNSUPPORTED)
    assert local_path(str(photo), []) == (photo, None)
    assert local_path(photo.as_uri(), []) == (photo, None)
    assert local_path("img/a.png", [root]) == (photo.resolve(), None)
    assert local_path("img/missing.png", [root]) == (None, MISSING)
    assert local_path("../secret.png", [root]) == (None, MISSING)  # stays inside its root
    assert local_path(str(tmp_path / "nothing.png"), []) == (None, MISSING)


def test_sixteen_bit_greyscale_is_scaled_to_eight_bits() -> None:
    import numpy as np

    levels = (np.arange(64 * 32).reshape(32, 64) * 30).astype(np.uint16)
    image = open_image(encode(Image.fromarray(levels)))
    assert image.mode == "RGB" and image.getpixel((63, 31)) == (239, 239, 239)
