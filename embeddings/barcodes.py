"""Barcodes and QR codes in a photo (S10), read with zxing-cpp.

What a buyer sends is a phone photo of a label: the code is small, tilted, a little blurred
and JPEG-compressed, and there may be several codes on it. zxing-cpp looks for codes at right
angles (``try_rotate``) and at reduced scales (``try_downscale``) and reports each code with
its corners; when it finds nothing, :func:`decode_array` tries the photo enlarged, tilted and
contrast-stretched, and it reads 1-D codes twice before trusting them. On the generated photos
of ``benchmarks/bench_barcodes.py`` this reads 97 % of codes 200 pixels wide (80 % of the
11-character Code 128s: 1.3 pixels per bar module) and misreads none.

The image is read by :func:`embeddings.images.open_image`, the one guarded image reader
(size and pixel limits, decompression bombs, truncated files), so every upload error names
the request's field.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from catalog.errors import BackendUnavailable
from embeddings.images import DEFAULT_MAX_PIXELS, open_image

FORMAT_NAMES = ("EAN-13", "EAN-8", "UPC-A", "UPC-E", "Code 128", "Code 39", "ITF-14", "QR Code",
                "Micro QR Code", "Data Matrix")
"""The formats searched for: retail (EAN/UPC), logistics and industry (Code 128, Code 39,
ITF-14 on cartons), 2D codes (QR, Micro QR, DataMatrix)."""

_lock = threading.Lock()
_formats: Any = None
_linear_formats: Any = None


def _zxing() -> Any:
    try:
        import zxingcpp
    except ImportError as exc:  # pragma: no cover - a core dependency
        raise BackendUnavailable("reading barcodes needs zxing-cpp: `pip install zxing-cpp` "
                                 "(`make install` does)") from exc
    return zxingcpp


def _formats_of(names: Iterable[str]) -> Any:
    return _zxing().barcode_formats_from_str(",".join(
        n.replace(" ", "").replace("-", "") for n in names))


def _wanted() -> Any:
    global _formats
    with _lock:
        if _formats is None:
            _formats = _formats_of(FORMAT_NAMES)
        return _formats


def _linear() -> Any:
    global _linear_formats
    with _lock:
        if _linear_formats is None:
            _linear_formats = _formats_of(n for n in FORMAT_NAMES if n in _LINEAR)
        return _linear_formats


@dataclass(frozen=True)
class DecodedCode:
    format: str  # "EAN-13", "UPC-A", "Code 128", "QR Code", "Data Matrix", ...
    text: str
    position: tuple[tuple[int, int], ...] = ()  # corners: top-left, top-right, bottom-right,
    # bottom-left, in the upright image's pixels

    def to_dict(self) -> dict[str, Any]:
        return {"format": self.format, "text": self.text,
                "position": [list(p) for p in self.position] or None}


_LINEAR = frozenset({"EAN-13", "EAN-8", "UPC-A", "UPC-E", "Code 128", "Code 39", "ITF-14"})
_SHORT_RETAIL = frozenset({"UPC-E", "EAN-8"})
_LONG_RETAIL = frozenset({"EAN-13", "UPC-A"})
_WORK_SIDE = 1280  # the fallback passes read the photo scaled to at most this side, doubled
_TRIPLE_SIDE = 1024
_TILTS = (20.0, -20.0)  # degrees: a long 1-D code tilted this much crosses no pixel row
_VERIFY_MARGIN = 0.25


@dataclass(frozen=True)
class _View:
    """The photo as one pass reads it, and the affine map from its pixels back to the
    photo's (``x' = a x + b y + c``, ``y' = d x + e y + f``)."""

    pixels: np.ndarray
    matrix: tuple[float, float, float, float, float, float] = (1.0, 0.0, 0.0, 0.0, 1.0, 0.0)
    invert: bool = False
    last_resort: bool = False  # only when nothing at all was found

    def to_photo(self, x: float, y: float) -> tuple[int, int]:
        a, b, c, d, e, f = self.matrix
        return int(round(a * x + b * y + c)), int(round(d * x + e * y + f))


def decode_array(gray: np.ndarray) -> list[DecodedCode]:
    """Every code in a greyscale (uint8, 2-D) image, top to bottom; the same code found twice
    (the same format and text) is reported once.

    Passes, until one finds a code: the photo as it is, and its quarters (two 1-D codes side
    by side hide each other); twice the size and sharpened (a
    module of 1.3 pixels, a small or long 1-D code, is read at 2.6); tilted by +-20 degrees
    and doubled (zxing-cpp scans pixel rows and columns, and a long, flat 1-D code
    tilted by more than about 15 degrees crosses no row from end to end); three times the
    size; contrast stretched, inverted codes too.
    The fallback passes read the photo scaled to at most 1,280 pixels a side first, which
    bounds the time a photo without any code costs. When the first pass finds only 2-D codes,
    the enlarged and tilted passes look for 1-D codes beside them.

    A 1-D code found is read again from an upright crop around it (see :func:`_verified`):
    1-D codes have only a check digit against misreads, and UPC-E, EAN-8 and Code 128
    misreads of tilted, rescaled codes happened in the benchmark."""
    gray = np.ascontiguousarray(gray, dtype=np.uint8)
    views = _views(gray)
    found = [_code(b, view) for view in (next(views), *_tiles(gray))
             for b in _read(view.pixels) if b.text]
    if not found:
        for view in views:
            found = [_code(b, view) for b in _read(view.pixels, invert=view.invert) if b.text]
            if found:
                break
    if found and not any(c.format in _LINEAR for c in found):
        # a 2-D code reads at once; a 1-D code beside it (an EAN beside a QR code on a label)
        # may need the enlarged or tilted passes
        for view in views:
            if view.last_resort:
                break
            more = [_code(b, view) for b in _read(view.pixels, formats=_linear()) if b.text]
            if more:
                found += more
                break
    found = list({(c.format, c.text): c for c in reversed(found)}.values())[::-1]  # first wins
    checked: list[tuple[DecodedCode, int]] = []
    for code in _apart(found):
        if code.format in _LINEAR:
            verdict = _verified(gray, code)
            if verdict is not None:
                checked.append(verdict)
        else:
            checked.append((code, 2))
    out: dict[tuple[str, str], DecodedCode] = {}
    for code in _one_per_place(checked):
        out.setdefault((code.format, code.text), code)
    return sorted(out.values(), key=lambda c: (min((y for _, y in c.position), default=0),
                                               min((x for x, _ in c.position), default=0)))


def _one_per_place(checked: list[tuple[DecodedCode, int]]) -> list[DecodedCode]:
    """One reading per code: readings of one format at one place (centres closer than half
    the code's length) that disagree are one code read two ways; the reading with more
    confirmations stands, and a tie drops them all (no product beats a wrong one)."""
    out = []
    for i, (code, votes) in enumerate(checked):
        rivals = [v for j, (other, v) in enumerate(checked) if j != i
                  and other.format == code.format and other.text != code.text
                  and _near(code, other)]
        if all(votes > v for v in rivals):
            out.append(code)
    return out


def _near(a: DecodedCode, b: DecodedCode) -> bool:
    (ax, ay), (bx, by) = _centre(a), _centre(b)
    return ((ax - bx) ** 2 + (ay - by) ** 2) ** 0.5 < 0.5 * max(_length(a), _length(b), 1.0)


def _centre(code: DecodedCode) -> tuple[float, float]:
    n = max(1, len(code.position))
    return (sum(x for x, _ in code.position) / n, sum(y for _, y in code.position) / n)


def _apart(codes: list[DecodedCode]) -> list[DecodedCode]:
    """UPC-E and EAN-8 codes that lie on a longer EAN-13 or UPC-A dropped: two printed codes
    do not overlap, but the bars of half an EAN-13 read as a (valid) UPC-E. A 1-D code's
    position is the stretch of scan line that read it, so "on it" means: along that line and
    within half its length across it (where its bars are)."""
    keep = []
    for code in codes:
        if code.format not in _SHORT_RETAIL:
            keep.append(code)
            continue
        cx = sum(x for x, _ in code.position) / max(1, len(code.position))
        cy = sum(y for _, y in code.position) / max(1, len(code.position))
        length = _length(code)
        covered = False
        for other in codes:
            if other.format not in _LONG_RETAIL or _length(other) <= length:
                continue
            (ax, ay), (bx, by) = other.position[0], other.position[1]
            (dx, dy), (ex, ey) = other.position[3], other.position[2]
            mx, my = (ax + dx) / 2, (ay + dy) / 2  # the middle of the scan line's start
            ux, uy = ((bx + ex) / 2 - mx), ((by + ey) / 2 - my)
            span = max(1.0, (ux * ux + uy * uy) ** 0.5)
            along = ((cx - mx) * ux + (cy - my) * uy) / span
            across = abs((cx - mx) * -uy + (cy - my) * ux) / span
            if -0.05 * span <= along <= 1.05 * span and across <= 0.5 * span:
                covered = True
                break
        if not covered:
            keep.append(code)
    return keep


def _length(code: DecodedCode) -> float:
    (ax, ay), (bx, by) = code.position[0], code.position[1]
    return float(((bx - ax) ** 2 + (by - ay) ** 2) ** 0.5)


def _tiles(gray: np.ndarray) -> Iterator[_View]:
    """The photo's four overlapping quarters (each 60 % of the width and height): zxing-cpp
    may miss a 1-D code that shares its pixel rows with another 1-D code (two codes side by
    side on a label), and reads it in a quarter that holds it alone. Cheap: together about
    one more read of the photo, no resampling."""
    height, width = gray.shape
    if min(height, width) < 400:
        return
    tile_h, tile_w = int(height * 0.6), int(width * 0.6)
    for y0 in (0, height - tile_h):
        for x0 in (0, width - tile_w):
            yield _View(np.ascontiguousarray(gray[y0 : y0 + tile_h, x0 : x0 + tile_w]),
                        (1.0, 0.0, float(x0), 0.0, 1.0, float(y0)))


def _views(gray: np.ndarray) -> Iterator[_View]:
    """The passes of :func:`decode_array`, each computed only when the ones before found
    nothing."""
    yield _View(gray)
    height, width = gray.shape
    shrink = min(1.0, _WORK_SIDE / max(height, width))
    work = gray if shrink == 1.0 else _transformed(gray, 0.0, shrink)[0]
    pixels, matrix = _transformed(work, 0.0, 2.0)
    yield _View(_sharpened(pixels), _scaled(matrix, shrink))
    for angle in _TILTS:  # not sharpened: no better, and sharpening costs as much again
        pixels, matrix = _transformed(work, angle, 2.0)
        yield _View(pixels, _scaled(matrix, shrink))
    # three times the size: 1.3-pixel modules of a long Code 128 read at 4 (from at most
    # 1,024 pixels a side: 3,072 pixels, 9.4 megapixels, ~0.3 s)
    small = min(shrink, _TRIPLE_SIDE / max(height, width))
    base = work if small == shrink else _transformed(gray, 0.0, small)[0]
    pixels, matrix = _transformed(base, 0.0, 3.0)
    yield _View(_sharpened(pixels, radius=3.0, percent=200), _scaled(matrix, small),
                last_resort=True)
    yield _View(_enhanced(work), _scaled((1.0, 0.0, 0.0, 0.0, 1.0, 0.0), shrink), invert=True,
                last_resort=True)


def _scaled(matrix: tuple[float, float, float, float, float, float], shrink: float
            ) -> tuple[float, float, float, float, float, float]:
    """A view-to-work map made a view-to-photo map (the work image is the photo x shrink)."""
    a, b, c, d, e, f = matrix
    return a / shrink, b / shrink, c / shrink, d / shrink, e / shrink, f / shrink


def _transformed(gray: np.ndarray, angle: float, scale: float
                 ) -> tuple[np.ndarray, tuple[float, float, float, float, float, float]]:
    """``gray`` rotated by ``angle`` degrees counter-clockwise (the canvas grown to fit) and
    scaled by ``scale``, in one resampling; and the affine map from the result's pixels back
    to ``gray``'s."""
    from PIL import Image

    height, width = gray.shape
    t = np.radians(angle)
    cos, sin = float(np.cos(t)), float(np.sin(t))
    out_w = max(1, int(np.ceil((abs(width * cos) + abs(height * sin)) * scale)))
    out_h = max(1, int(np.ceil((abs(width * sin) + abs(height * cos)) * scale)))
    a, b, d, e = cos / scale, -sin / scale, sin / scale, cos / scale
    c = width / 2 - (a * out_w / 2 + b * out_h / 2)
    f = height / 2 - (d * out_w / 2 + e * out_h / 2)
    image = Image.fromarray(gray)
    if not angle:  # plain scaling: Lanczos keeps thin bars sharper than bicubic (+4 % read)
        pixels = image.resize((out_w, out_h), Image.Resampling.LANCZOS if scale > 1
                              else Image.Resampling.BOX)
    else:
        fill = int(np.median(gray[:: max(1, height // 64), :: max(1, width // 64)]))
        pixels = image.transform((out_w, out_h), Image.Transform.AFFINE, (a, b, c, d, e, f),
                                 resample=Image.Resampling.BICUBIC, fillcolor=fill)
    return np.asarray(pixels), (a, b, c, d, e, f)


def _read(gray: np.ndarray, *, invert: bool = False, downscale: bool = True,
          formats: Any = None) -> list[Any]:
    zxing = _zxing()
    found: list[Any] = zxing.read_barcodes(gray, formats=formats or _wanted(), try_rotate=True,
                                           try_downscale=downscale, try_invert=invert)
    return found


def _code(barcode: Any, view: _View) -> DecodedCode:
    p = barcode.position
    corners = tuple(view.to_photo(c.x, c.y)
                    for c in (p.top_left, p.top_right, p.bottom_right, p.bottom_left))
    return DecodedCode(str(barcode.format), barcode.text, corners)


def _verified(gray: np.ndarray, code: DecodedCode) -> tuple[DecodedCode, int] | None:
    """A 1-D code checked against readings of an upright crop around where it was found (as
    it is, and twice the size), with the number of readings that agree with the result: two
    readings that agree decide; readings that disagree with no majority drop the code (no
    product is better than another product's); a crop where nothing reads leaves the first
    reading standing (1)."""
    xs = [x for x, _ in code.position]
    ys = [y for _, y in code.position]
    w, h = max(xs) - min(xs), max(ys) - min(ys)
    mx, my = w * _VERIFY_MARGIN + 8, h * _VERIFY_MARGIN + 8
    x0, y0 = max(0, int(min(xs) - mx)), max(0, int(min(ys) - my))
    x1, y1 = min(gray.shape[1], int(max(xs) + mx)), min(gray.shape[0], int(max(ys) + my))
    if x1 - x0 < 8 or y1 - y0 < 8:
        return code, 1
    (ax, ay), (bx, by) = code.position[0], code.position[1]
    angle = float(np.degrees(np.arctan2(by - ay, bx - ax)))
    crop = np.ascontiguousarray(gray[y0:y1, x0:x1])
    votes = {code.text: 1}
    for scale in (1.0, 2.0):
        pixels, _ = _transformed(crop, angle, scale)
        again = [b for b in _read(pixels, downscale=False) if str(b.format) == code.format
                 and b.text]
        if not again:
            continue
        cy, cx = pixels.shape[0] / 2, pixels.shape[1] / 2  # the code in the middle of the crop
        text = min(again, key=lambda b: _distance(b.position, cx, cy)).text
        votes[text] = votes.get(text, 0) + 1
        if votes[text] >= 2:
            agreed = code if text == code.text else DecodedCode(code.format, text, code.position)
            return agreed, votes[text]
    return (code, 1) if len(votes) == 1 else None


def _distance(position: Any, cx: float, cy: float) -> float:
    corners = (position.top_left, position.top_right, position.bottom_right, position.bottom_left)
    x = sum(c.x for c in corners) / 4
    y = sum(c.y for c in corners) / 4
    return float((x - cx) ** 2 + (y - cy) ** 2)


def _sharpened(gray: np.ndarray, radius: float = 2.0, percent: int = 150) -> np.ndarray:
    """An unsharp mask (on the enlarged photo): blur from the lens and from JPEG blocks hides
    the edges of thin bars."""
    from PIL import Image, ImageFilter

    return np.asarray(Image.fromarray(gray).filter(ImageFilter.UnsharpMask(radius, percent, 0)))


def _enhanced(gray: np.ndarray) -> np.ndarray:
    """Contrast stretched to the 1st-99th percentile (dim or washed-out photos)."""
    lo, hi = np.percentile(gray, (1, 99))
    if hi - lo < 8:
        return gray
    stretched = np.clip((gray.astype(np.float32) - lo) * (255.0 / (hi - lo)), 0, 255)
    return stretched.astype(np.uint8)


def read_codes(data: bytes, *, field: str = "image", max_pixels: int = DEFAULT_MAX_PIXELS,
               max_bytes: int | None = None) -> list[DecodedCode]:
    """The codes in an uploaded image. An upload that is not a readable image, or has too many
    pixels or bytes, raises an error naming ``field`` (see :func:`embeddings.images.open_image`)."""
    image = open_image(data, field=field, max_bytes=max_bytes, max_pixels=max_pixels)
    return decode_array(np.asarray(image.convert("L")))
