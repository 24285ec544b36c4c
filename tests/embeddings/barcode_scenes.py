"""Photos of barcodes as a buyer's phone takes them, generated: codes written by zxing-cpp,
printed on a white label, tilted, pasted on a busy background, lit unevenly, blurred, with
sensor noise, JPEG-compressed. Used by the barcode tests and benchmarks/bench_barcodes.py.

Everything is decided by a seed, so a failing image can be regenerated and looked at.
"""

from __future__ import annotations

import io
import random
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

_FORMATS = {"EAN-13": "EAN13", "EAN-8": "EAN8", "UPC-A": "UPCA", "UPC-E": "UPCE",
            "Code 128": "Code128", "Code 39": "Code39", "ITF-14": "ITF14", "QR Code": "QRCode",
            "Data Matrix": "DataMatrix"}
MIX = ("EAN-13", "EAN-8", "UPC-A", "UPC-E", "Code 128", "QR Code", "Data Matrix")
"""The formats of the benchmark's mix (one in seven each)."""


def check_digit(body: str) -> str:
    rev = body[::-1]
    total = 3 * sum(map(int, rev[0::2])) + sum(map(int, rev[1::2]))
    return str((10 - total % 10) % 10)


def random_content(fmt: str, rng: random.Random) -> str:
    """What zxing-cpp's writer takes for ``fmt`` (EAN/UPC without check digit: it adds one)."""
    digits = lambda n: "".join(rng.choice("0123456789") for _ in range(n))  # noqa: E731
    if fmt == "EAN-13":
        return rng.choice(["400", "401", "501", "802", "471"]) + digits(9)
    if fmt == "EAN-8":
        return digits(7)
    if fmt == "UPC-A":
        return "0" + digits(10)
    if fmt == "UPC-E":  # the zero-suppression form that takes any manufacturer digits
        return "0" + digits(4) + rng.choice("123456789") + rng.choice("56789")
    if fmt == "ITF-14":
        return "1" + digits(12)
    if fmt == "QR Code":
        return f"https://shop.example.com/products/SKU-{digits(6)}?ref=label"
    if fmt == "Data Matrix":
        return f"SKU-{digits(6)}"
    return f"{rng.choice(['FAS', 'PPE', 'ELC'])}-{digits(5)}-{rng.choice('ABCD')}"


def code_image(fmt: str, content: str) -> tuple[Image.Image, str, int]:
    """The code at one pixel per module with its quiet zone, the text a reader returns, and
    the code's width in modules (quiet zone excluded)."""
    import zxingcpp

    barcode = zxingcpp.create_barcode(content, getattr(zxingcpp, _FORMATS[fmt]))
    image = Image.fromarray(np.asarray(barcode.to_image(scale=1, add_quiet_zones=True)))
    modules = np.asarray(barcode.to_image(scale=1, add_quiet_zones=False)).shape[1]
    return image.convert("L"), barcode.text, modules


@dataclass
class Placed:
    format: str
    text: str  # as a reader returns it
    width: int  # of the code on the photo, quiet zone excluded, in pixels


def _background(rng: random.Random, size: tuple[int, int]) -> Image.Image:
    width, height = size
    a = np.array([rng.randrange(60, 230) for _ in range(3)], dtype=np.float32)
    b = np.array([rng.randrange(20, 200) for _ in range(3)], dtype=np.float32)
    t = np.linspace(0, 1, height, dtype=np.float32)[:, None, None]
    base = (a * (1 - t) + b * t) * np.ones((1, width, 1), dtype=np.float32)
    image = Image.fromarray(base.astype(np.uint8), "RGB")
    draw = ImageDraw.Draw(image)
    for _ in range(rng.randint(6, 14)):  # objects, shelves, text-like stripes
        colour = tuple(rng.randrange(256) for _ in range(3))
        x0, y0 = rng.randrange(width), rng.randrange(height)
        x1, y1 = x0 + rng.randint(20, width // 2), y0 + rng.randint(20, height // 2)
        kind = rng.choice(("ellipse", "rectangle", "lines"))
        if kind == "ellipse":
            draw.ellipse([x0, y0, x1, y1], fill=colour)
        elif kind == "rectangle":
            draw.rectangle([x0, y0, x1, y1], fill=colour)
        else:
            for y in range(y0, y1, rng.randint(6, 14)):
                draw.line([(x0, y), (x0 + rng.randint(10, max(11, x1 - x0)), y)], fill=colour,
                          width=rng.randint(1, 3))
    return image


def photo(codes: list[tuple[str, str]], *, seed: int, code_width: int = 240,
          size: tuple[int, int] = (1024, 768), max_angle: float = 25.0,
          max_blur: float = 1.0, max_noise: float = 10.0, quality: tuple[int, int] = (45, 85),
          ) -> tuple[bytes, list[Placed]]:
    """A JPEG photo of ``codes`` ((format, writer content) pairs), each about ``code_width``
    pixels wide, and what was placed. Several codes are spread over the photo without
    overlapping."""
    rng = random.Random(seed)
    image = _background(rng, size)
    placed: list[Placed] = []
    slots = _slots(len(codes), size)
    for (fmt, content), (sx, sy, sw, sh) in zip(codes, slots, strict=True):
        code, text, modules = code_image(fmt, content)
        scale = code_width / modules
        label = code.resize((max(1, round(code.width * scale)), max(1, round(code.height * scale))),
                            Image.Resampling.BILINEAR)
        pad = max(6, round(scale * 2))
        paper = Image.new("L", (label.width + 2 * pad, label.height + 2 * pad),
                          rng.randrange(215, 256))
        paper.paste(label, (pad, pad))
        angle = rng.uniform(-max_angle, max_angle)
        rgba = Image.merge("RGBA", [paper, paper, paper, Image.new("L", paper.size, 255)])
        rotated = rgba.rotate(angle, resample=Image.Resampling.BICUBIC, expand=True)
        if rotated.width > sw or rotated.height > sh:  # keep it on the photo at this size
            fit = min(sw / rotated.width, sh / rotated.height)
            rotated = rotated.resize((int(rotated.width * fit), int(rotated.height * fit)),
                                     Image.Resampling.BILINEAR)
            code_width_here = round(code_width * fit)
        else:
            code_width_here = code_width
        x = sx + rng.randrange(max(1, sw - rotated.width + 1))
        y = sy + rng.randrange(max(1, sh - rotated.height + 1))
        image.paste(rotated.convert("RGB"), (x, y), rotated.getchannel("A"))
        placed.append(Placed(fmt, text, code_width_here))
    pixels = np.asarray(image, dtype=np.float32)
    # uneven light: a shadow falling across the photo
    h, w = pixels.shape[:2]
    gx = np.linspace(rng.uniform(0.55, 1.0), rng.uniform(0.8, 1.1), w, dtype=np.float32)
    gy = np.linspace(rng.uniform(0.8, 1.1), rng.uniform(0.6, 1.0), h, dtype=np.float32)
    pixels *= (gy[:, None] * gx[None, :])[:, :, None]
    image = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8), "RGB")
    blur = rng.uniform(0.0, max_blur)
    if blur > 0.05:
        image = image.filter(ImageFilter.GaussianBlur(blur))
    pixels = np.asarray(image, dtype=np.float32)
    noise = np.random.default_rng(seed).normal(0, rng.uniform(2.0, max_noise), pixels.shape)
    image = Image.fromarray(np.clip(pixels + noise, 0, 255).astype(np.uint8), "RGB")
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=rng.randint(*quality))
    return buffer.getvalue(), placed


def _slots(n: int, size: tuple[int, int]) -> list[tuple[int, int, int, int]]:
    """``n`` non-overlapping regions of the photo (a grid, row by row)."""
    width, height = size
    if n == 0:
        return []
    cols = 1 if n == 1 else 2
    rows = (n + cols - 1) // cols
    sw, sh = width // cols, height // rows
    return [((i % cols) * sw, (i // cols) * sh, sw, sh) for i in range(n)]
