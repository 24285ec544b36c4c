"""Documents and images made in the tests (fpdf2, Pillow): nothing is read from outside."""

from __future__ import annotations

import io
from pathlib import Path

from api.product_sheet import find_fonts


def pdf(path: Path, pages: list[str], *, user_password: str | None = None,
        owner_password: str = "owner") -> Path:
    """A PDF with one page per text (core font: Latin-1 text; DejaVu when the text needs it)."""
    from fpdf import FPDF

    doc = FPDF()
    family = "Helvetica"
    if any(ord(c) > 255 for text in pages for c in text):
        fonts = find_fonts()
        assert fonts is not None, "a Unicode test PDF needs DejaVu Sans (fonts-dejavu-core)"
        doc.add_font("DejaVu", "", str(fonts[0]))
        family = "DejaVu"
    if user_password is not None:
        doc.set_encryption(owner_password=owner_password, user_password=user_password)
    for text in pages:
        doc.add_page()
        doc.set_font(family, size=11)
        doc.multi_cell(0, 6, text)
    path.parent.mkdir(parents=True, exist_ok=True)
    doc.output(str(path))
    return path


def scanned_pdf(path: Path, pages: int = 2) -> Path:
    """Pages that are only pictures (what a scanner without OCR makes)."""
    from fpdf import FPDF
    from PIL import Image, ImageDraw

    doc = FPDF()
    for _ in range(pages):
        picture = Image.new("L", (300, 420), 245)
        ImageDraw.Draw(picture).rectangle((30, 40, 270, 60), fill=90)
        buf = io.BytesIO()
        picture.save(buf, "PNG")
        doc.add_page()
        doc.image(io.BytesIO(buf.getvalue()), x=0, y=0, w=210)
    path.parent.mkdir(parents=True, exist_ok=True)
    doc.output(str(path))
    return path


def image(path: Path, size: tuple[int, int] = (120, 80), fmt: str = "JPEG",
          colour: tuple[int, int, int] = (200, 30, 30)) -> Path:
    from PIL import Image

    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", size, colour).save(path, fmt)
    return path


def truncated_jpeg(path: Path) -> Path:
    """A JPEG whose header is fine and whose pixels stop half-way (Pillow opens it, decoding
    fails)."""
    from PIL import Image

    buf = io.BytesIO()
    Image.effect_noise((400, 300), 60).convert("RGB").save(buf, "JPEG", quality=90)
    data = buf.getvalue()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data[: len(data) // 3])
    return path
