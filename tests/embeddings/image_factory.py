"""Synthetic product photos for the search-by-photo tests and benchmark, and the copies a buyer
would send of them (resized, cropped, re-encoded as JPEG).

With random encoder weights nothing "looks like" anything in a human sense, so the images
are made distinctive at the level a random network does respond to: each has its own
background gradient, palette and arrangement of large shapes (a seed decides all of it), the
way product shots differ in colour and silhouette.
"""

from __future__ import annotations

import io
import random
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter


def product_photo(seed: int, size: tuple[int, int] = (320, 256)) -> Image.Image:
    """A deterministic, distinctive RGB image for ``seed``."""
    rng = random.Random(seed)
    width, height = size
    top = tuple(rng.randrange(256) for _ in range(3))
    bottom = tuple(rng.randrange(256) for _ in range(3))
    image = Image.new("RGB", size)
    draw = ImageDraw.Draw(image)
    for y in range(height):  # a vertical gradient between two random colours
        t = y / max(1, height - 1)
        draw.line([(0, y), (width, y)],
                  fill=tuple(int(a + (b - a) * t) for a, b in zip(top, bottom, strict=True)))
    for _ in range(rng.randint(3, 6)):
        colour = tuple(rng.randrange(256) for _ in range(3))
        w_lo, h_lo = max(4, width // 8), max(4, height // 8)
        x0, y0 = rng.randrange(max(1, width - w_lo)), rng.randrange(max(1, height - h_lo))
        x1 = min(width, x0 + rng.randint(w_lo, max(w_lo, width // 2)))
        y1 = min(height, y0 + rng.randint(h_lo, max(h_lo, height // 2)))
        kind = rng.choice(("ellipse", "rectangle", "polygon", "stripes"))
        if kind == "ellipse":
            draw.ellipse([x0, y0, x1, y1], fill=colour)
        elif kind == "rectangle":
            draw.rectangle([x0, y0, x1, y1], fill=colour)
        elif kind == "polygon":
            draw.polygon([(rng.randint(x0, x1), rng.randint(y0, y1)) for _ in range(5)],
                         fill=colour)
        else:
            step = rng.randint(6, 16)
            for x in range(x0, x1, 2 * step):
                draw.rectangle([x, y0, min(x1, x + step), y1], fill=colour)
    return image


def encode(image: Image.Image, fmt: str = "PNG", **options: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **options)
    return buffer.getvalue()


def resized(image: Image.Image, factor: float = 0.5) -> Image.Image:
    return image.resize((max(1, int(image.width * factor)), max(1, int(image.height * factor))),
                        Image.Resampling.BILINEAR)


def cropped(image: Image.Image, keep: float = 0.8) -> Image.Image:
    """The centre ``keep`` share of each side (a closer shot of the same thing)."""
    dx, dy = int(image.width * (1 - keep) / 2), int(image.height * (1 - keep) / 2)
    return image.crop((dx, dy, image.width - dx, image.height - dy))


def jpeg(image: Image.Image, quality: int = 60) -> bytes:
    return encode(image, "JPEG", quality=quality)


def blurred(image: Image.Image, radius: float = 1.5) -> Image.Image:
    return image.filter(ImageFilter.GaussianBlur(radius))


def write_photos(folder: Path, seeds: range | list[int], fmt: str = "PNG") -> list[Path]:
    """``product_photo(seed)`` for each seed, saved as ``<folder>/photo-<seed>.<ext>``."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for seed in seeds:
        path = folder / f"photo-{seed}.{fmt.lower()}"
        path.write_bytes(encode(product_photo(seed), fmt))
        paths.append(path)
    return paths
