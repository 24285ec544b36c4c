"""Reading images safely: uploads (search by photo, a barcode photo) and product image files.

Every image the product decodes goes through :func:`open_image`, because an image is
untrusted input that can cost far more to decode than it costs to send:

* a size limit on the bytes (``DISCOVERY_MAX_IMAGE_UPLOAD_MB`` for uploads): 413;
* a limit on the pixels, checked from the header *before* decoding
  (``DISCOVERY_MAX_IMAGE_PIXELS``): a decompression bomb (a small PNG that claims
  50,000 x 50,000 pixels, 7.5 GB decoded) is refused in microseconds, 400;
* only the raster formats photos and product shots come in (JPEG, PNG, WebP, GIF, BMP, TIFF);
  anything else, and anything Pillow cannot parse, is "not an image", 400;
* a truncated or corrupt file is refused, not decoded half grey (Pillow's
  ``LOAD_TRUNCATED_IMAGES`` stays off), 400.

Every error names the request field (``field``) so that the API's error says which part of
the request was wrong. Decoded images are RGB, turned upright by their EXIF orientation (phone
photos), with transparency flattened onto white (product shots on transparent backgrounds).
Large JPEGs decode at a reduced scale when the caller only needs a small image (``min_side``),
which is several times faster for a 12-megapixel phone photo.
"""

from __future__ import annotations

import hashlib
import io
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlparse

from catalog.errors import InvalidInput, PayloadTooLarge

if TYPE_CHECKING:
    from PIL.Image import Image

FORMATS = ("JPEG", "PNG", "WEBP", "GIF", "BMP", "TIFF")
"""What :func:`open_image` decodes (JPEG includes MPO: phone JPEGs with several frames)."""

DEFAULT_MAX_PIXELS = 50_000_000


class InvalidImage(InvalidInput):
    """Not an image, a format the product does not read, a truncated or corrupt file, or more
    pixels than allowed."""


class ImageTooLarge(PayloadTooLarge):
    """More bytes than allowed."""


def _pil() -> Any:
    try:
        from PIL import Image, ImageFile
    except ImportError:  # pragma: no cover - Pillow is a core dependency
        raise InvalidImage("reading images needs Pillow: `pip install pillow`") from None
    ImageFile.LOAD_TRUNCATED_IMAGES = False  # a truncated file is an error, never half an image
    return Image


def image_hash(data: bytes) -> str:
    """Fingerprint of an image file's bytes: equal hashes need no re-encoding."""
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def check_size(size: int, max_bytes: int | None, field: str) -> None:
    if max_bytes is not None and size > max_bytes:
        raise ImageTooLarge(f"{field} is {size / 1e6:.1f} MB; the limit is "
                            f"{max_bytes / 1e6:g} MB", field=field)


def open_image(data: bytes, *, field: str = "image", max_bytes: int | None = None,
               max_pixels: int = DEFAULT_MAX_PIXELS, min_side: int | None = None) -> Image:
    """Decode ``data`` into an upright RGB image, or raise :class:`InvalidImage` /
    :class:`ImageTooLarge` with a message that says what is wrong and names ``field``.

    ``min_side``: the caller scales the image down to about this size anyway, so a JPEG may
    decode at 1/2, 1/4 or 1/8 scale (in the DCT, ~4x faster per halving) as long as both
    sides stay at least this long."""
    check_size(len(data), max_bytes, field)
    if not data:
        raise InvalidImage(f"{field} is empty", field=field)
    image_module = _pil()
    from PIL import ImageOps, UnidentifiedImageError

    with warnings.catch_warnings():
        # Pillow's own bomb check warns above its limit and raises above twice that; ours is
        # below and exact, but make its warning an error too in case ours is configured higher
        warnings.simplefilter("error", image_module.DecompressionBombWarning)
        try:
            image = image_module.open(io.BytesIO(data), formats=FORMATS)
        except UnidentifiedImageError:
            raise InvalidImage(f"{field} is not an image in a supported format "
                               f"({', '.join(FORMATS)})",
                               field=field) from None
        except (image_module.DecompressionBombError, image_module.DecompressionBombWarning):
            raise InvalidImage(f"{field} has too many pixels (a decompression bomb?); the limit "
                               f"is {max_pixels / 1e6:g} megapixels", field=field) from None
        except (OSError, SyntaxError, ValueError, EOFError) as exc:
            raise InvalidImage(f"{field} is not a readable image: {exc}", field=field) from None
        width, height = image.size
        if width <= 0 or height <= 0:
            raise InvalidImage(f"{field} has no pixels ({width}x{height})", field=field)
        if width * height > max_pixels:
            raise InvalidImage(
                f"{field} is {width}x{height} pixels ({width * height / 1e6:.0f} megapixels); "
                f"the limit is {max_pixels / 1e6:g} megapixels (a decompression bomb, or a "
                "photo to scale down before sending)", field=field)
        if min_side and image.format in ("JPEG", "MPO"):
            image.draft("RGB", (min_side, min_side))
        try:
            image.load()
            image = ImageOps.exif_transpose(image) or image
            return _rgb(image)
        except (image_module.DecompressionBombError, image_module.DecompressionBombWarning):
            raise InvalidImage(f"{field} has too many pixels; the limit is "
                               f"{max_pixels / 1e6:g} megapixels", field=field) from None
        except (OSError, SyntaxError, ValueError, EOFError, IndexError, TypeError) as exc:
            # "image file is truncated", "broken data stream", a corrupt header field...
            raise InvalidImage(f"{field} is a truncated or corrupt {image.format} image: {exc}",
                               field=field) from None


def _rgb(image: Image) -> Image:
    if image.mode == "RGB":
        return image
    if image.mode == "P" and "transparency" in image.info:
        image = image.convert("RGBA")
    if image.mode in ("RGBA", "LA", "PA") or image.mode.endswith("A"):
        rgba = image.convert("RGBA")
        background = _pil().new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    if image.mode in ("I;16", "I;16B", "I;16L", "I"):  # 16-bit greyscale PNG/TIFF
        return image.point(lambda v: v / 256).convert("L").convert("RGB")
    return image.convert("RGB")


# -- product image references -------------------------------------------------------------

REMOTE = "remote"  # an http(s) URL: nothing is fetched from the network here
MISSING = "missing"  # a local path that does not exist (or is not a file)
UNSUPPORTED = "unsupported"  # another URL scheme (ftp:, data:...)


def local_path(ref: str, roots: list[Path]) -> tuple[Path | None, str | None]:
    """Where a product's image reference points on this machine: ``(path, None)``, or
    ``(None, reason)`` with ``reason`` one of :data:`REMOTE`, :data:`MISSING`,
    :data:`UNSUPPORTED`.

    A reference is an absolute path, a ``file:`` URL, or a path relative to one of ``roots``
    (the folders catalog files and their images are uploaded to); the first root where the
    file exists wins. http(s) URLs are never fetched."""
    ref = ref.strip()
    lowered = ref.lower()
    if lowered.startswith(("http://", "https://", "//")):
        return None, REMOTE
    if lowered.startswith("file:"):
        path = Path(unquote(urlparse(ref).path))
        return (path, None) if path.is_file() else (None, MISSING)
    if ":" in ref.split("/", 1)[0] and not (len(ref) > 1 and ref[1] == ":"):
        return None, UNSUPPORTED  # scheme:...; "C:\\..." is a Windows path, not a scheme
    path = Path(ref).expanduser()
    if path.is_absolute():
        return (path, None) if path.is_file() else (None, MISSING)
    for root in roots:
        candidate = (root / path).resolve()
        # a relative reference stays inside its root ("../../etc/passwd" is not an image)
        if candidate.is_relative_to(root.resolve()) and candidate.is_file():
            return candidate, None
    return None, MISSING
