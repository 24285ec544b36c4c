"""Thumbnails of stored product images (P1), made with Pillow on first request and cached on
disk under ``<data_dir>/thumbnails`` (a stored file never changes, so neither does its
thumbnail: the cache needs no invalidation, and responses are cacheable for a year).

Every image is treated as hostile: the pixel count is checked before decoding (decompression
bombs), decoding errors and truncated files are a 415 that says what is wrong, and the
thumbnail is always re-encoded (JPEG, or PNG with transparency), never the original bytes.
"""

from __future__ import annotations

import io
import os
import tempfile
import warnings
from pathlib import Path

from catalog.errors import DiscoveryError, InvalidInput

SIZES = (64, 100, 128, 200, 256, 320, 400, 512, 800)
"""Accepted thumbnail sizes (the longest side, in pixels); a fixed set keeps the cache
bounded."""


class BadImage(DiscoveryError):
    """A stored file that cannot be turned into a thumbnail (not an image, damaged, too big)."""

    status_code = 415


def check_size(size: int) -> int:
    if size not in SIZES:
        raise InvalidInput(f"size must be one of {', '.join(map(str, SIZES))}, not {size}",
                           field="size")
    return size


def thumbnail(source: Path, cache_dir: Path, key: str, size: int, max_pixels: int
              ) -> tuple[Path, str]:
    """(path of the cached thumbnail, its content type); made once per (key, size)."""
    for suffix, content_type in ((".jpg", "image/jpeg"), (".png", "image/png")):
        cached = cache_dir / key[:2] / f"{key}-{size}{suffix}"
        if cached.is_file():
            return cached, content_type
    data, suffix, content_type = render(source, size, max_pixels)
    target = cache_dir / key[:2] / f"{key}-{size}{suffix}"
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, suffix=".part")
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    os.replace(tmp, target)
    return target, content_type


def render(source: Path, size: int, max_pixels: int) -> tuple[bytes, str, str]:
    """The thumbnail's bytes, suffix and content type. Raises BadImage."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(source) as opened:
                width, height = opened.size
                if width * height > max_pixels:
                    raise BadImage(f"the image has {width} x {height} pixels, more than the "
                                   f"{max_pixels:,} allowed (DISCOVERY_MAX_IMAGE_PIXELS)")
                opened.draft("RGB", (size, size))  # JPEG: decode at a reduced scale
                image = ImageOps.exif_transpose(opened)
                image.thumbnail((size, size))
                alpha = image.mode in ("RGBA", "LA") or (
                    image.mode == "P" and "transparency" in image.info)
                out = io.BytesIO()
                if alpha:
                    image.convert("RGBA").save(out, "PNG", optimize=True)
                    return out.getvalue(), ".png", "image/png"
                image.convert("RGB").save(out, "JPEG", quality=85, optimize=True)
                return out.getvalue(), ".jpg", "image/jpeg"
    except BadImage:
        raise
    except UnidentifiedImageError:
        raise BadImage("the stored file is not an image Pillow can read") from None
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise BadImage(f"the image was refused as a decompression bomb ({exc})") from None
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        raise BadImage(f"the image is damaged ({exc})") from None


def sniff_image_type(head: bytes) -> str | None:
    """The content type of common image formats from their first bytes."""
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head[:4] in (b"II*\x00", b"MM\x00*"):
        return "image/tiff"
    return None
