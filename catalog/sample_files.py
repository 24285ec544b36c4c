"""Files for the sample catalog: PDF datasheets with real text, shared certificates, assembly
instructions in HTML, safety notes as a cp1252 text file, one scanned (image-only) declaration,
product photos and dimension drawings, written next to the catalog file and linked from its
rows, so that the demo shows document search, the import report's scan notice, thumbnails and
the product sheet.

Only every :data:`STRIDE`-th product gets files, and at most :data:`MAX_PRODUCTS` of them, so a
20,000-product demo has 400 products with files and a benchmark catalog of millions does not
write millions of files. Like the records, the files depend only on ``(seed, index)``.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

STRIDE = 50
MAX_PRODUCTS = 400
_CDN_DATASHEET = "-datasheet.pdf"
_CDN_CERTIFICATES = "/certificates/"

# -- text of the datasheets, per segment (what a distributor's datasheet talks about) -------
_NOTES: dict[str, tuple[str, ...]] = {
    "FAS": (
        "Recommended tightening torque {t1} Nm (lightly oiled thread, friction coefficient "
        "0.14). Do not exceed {t2} Nm.",
        "Corrosion protection: neutral salt spray test to ISO 9227, {h} h without red rust.",
        "Suitable for corrosivity category C{c} to ISO 12944-2 when used with matching nuts "
        "and washers.",
    ),
    "ELE": (
        "Rated voltage {v} V AC, rated current {a} A. Protection class IP{ip} to IEC 60529.",
        "Halogen-free materials; flame retardant to UL 94 V-{c}. Operating temperature "
        "-{c}0 to +{h2} degrees C.",
        "Type tested by an accredited laboratory; test voltage {tv} V for 1 minute.",
    ),
    "PLB": (
        "Nominal pressure PN{pn}; maximum operating temperature {h2} degrees C.",
        "Approved for drinking water installations; press tool contour V or M, jaw size "
        "matching the pipe diameter.",
        "Pressure test at 1.5 times the nominal pressure, {h} h hold time without loss.",
    ),
    "PPE": (
        "Performance levels: abrasion {c}, cut {c2}, tear {c}, puncture {c2} (EN 388).",
        "Category II personal protective equipment; store dry and away from sunlight, "
        "shelf life {y} years.",
        "Dexterity level {c} to EN 420; sizes marked on the cuff.",
    ),
    "PKG": (
        "Edge crush test {ect} kN/m; burst strength {h} kPa.",
        "Made from recycled fibres; recyclable with paper and board.",
        "Stack with the flutes upright; store at 40 to 60 percent relative humidity.",
    ),
    "OFF": (
        "Paper weight {g} g/m2, whiteness CIE {wh}, opacity {op} percent.",
        "Suitable for laser and inkjet printers and copiers; acid-free for archiving.",
        "Store flat in the original wrapping at room temperature.",
    ),
    "PWT": (
        "Sound pressure level {db} dB(A), vibration emission {vib} m/s2 (EN 62841).",
        "Brushless motor; electronic overload protection and soft start.",
        "Use only with the manufacturer's batteries and chargers; charge at 10 to 40 degrees C.",
    ),
    "HTL": (
        "Working surfaces hardened to {hrc} HRC; forged, tempered and chrome plated.",
        "Tested to DIN ISO standards for torque and bending; lifetime guarantee on breakage.",
        "Clean after use and store dry; do not use as a lever or striking tool.",
    ),
}
_GENERIC = (
    "Quality management certified to ISO 9001. Each batch is traceable by its lot number.",
    "Dispose of packaging through local recycling schemes; the product contains no substances "
    "of very high concern above 0.1 percent by weight (REACH).",
)


def _numbers(sku: str) -> dict[str, int]:
    d = hashlib.blake2b(sku.encode(), digest_size=16).digest()
    return {"t1": 5 + d[0] % 90, "t2": 100 + d[1] % 200, "h": 96 + 24 * (d[2] % 40),
            "c": 1 + d[3] % 4, "c2": 1 + d[4] % 5, "v": (230, 400, 24, 12)[d[5] % 4],
            "a": (10, 16, 25, 32)[d[6] % 4], "ip": (20, 44, 54, 65, 67)[d[7] % 5],
            "h2": 60 + d[8] % 60, "tv": 2000 + 500 * (d[9] % 4), "pn": (10, 16, 25)[d[10] % 3],
            "y": 3 + d[11] % 3, "ect": 4 + d[12] % 12, "g": (60, 80, 90, 100)[d[13] % 4],
            "wh": 150 + d[14] % 20, "op": 90 + d[15] % 8, "db": 70 + d[0] % 25,
            "vib": 2 + d[1] % 6, "hrc": 52 + d[2] % 10,
            "report": 10_000 + int.from_bytes(d[3:6], "big") % 90_000}


_LATIN1 = str.maketrans({"–": "-", "—": "-", "“": '"', "”": '"', "„": '"', "’": "'", "‘": "'",
                         "…": "...", "Ø": "O", "ø": "o", "−": "-", "×": "x"})


def _l1(text: Any) -> str:
    """Text for the PDF core fonts (Latin-1): the sample data is English, a few symbols."""
    return str(text).translate(_LATIN1).encode("latin-1", "replace").decode("latin-1")


class SampleFiles:
    """Writes the files of one sample catalog into ``root`` and rewrites the selected
    records' links to them (paths relative to the catalog file's folder)."""

    def __init__(self, root: Path, prefix: str) -> None:
        self.root, self.prefix = root, prefix
        self.written: dict[str, int] = {"datasheets": 0, "certificates": 0, "html": 0,
                                        "text": 0, "scans": 0, "images": 0, "diagrams": 0}
        self._certificates: set[str] = set()
        self._scan_done = False

    def __call__(self, records: Iterator[dict[str, Any]]) -> Iterator[dict[str, Any]]:
        for i, record in enumerate(records):
            if i % STRIDE == 0 and i // STRIDE < MAX_PRODUCTS:
                self.attach(i, record)
            yield record

    def _path(self, *parts: str) -> tuple[Path, str]:
        path = self.root.joinpath(*parts)
        path.parent.mkdir(parents=True, exist_ok=True)
        return path, self.prefix + "/".join(parts)

    def attach(self, i: int, record: dict[str, Any]) -> None:
        sku = record["sku"]
        slug = sku.lower()
        docs: list[dict[str, Any]] = []
        path, link = self._path("datasheets", f"{slug}-datasheet.pdf")
        _datasheet(path, record)
        self.written["datasheets"] += 1
        docs.append({"kind": "datasheet", "url": link, "title": f"Datasheet {record['name']}"[:300],
                     "document_id": None})
        for d in record.get("documents") or []:
            if _CDN_CERTIFICATES in d["url"]:  # one file per brand and certificate, shared
                name = d["url"].split(_CDN_CERTIFICATES, 1)[1]
                path, link = self._path("certificates", name)
                if name not in self._certificates:
                    _certificate(path, d.get("title") or "Certificate", record)
                    self._certificates.add(name)
                    self.written["certificates"] += 1
                docs.append({**d, "url": link})
            elif not d["url"].endswith(_CDN_DATASHEET):
                docs.append(d)
        n = i // STRIDE
        if n % 4 == 1:
            path, link = self._path("instructions", f"{slug}-assembly.html")
            _assembly_html(path, record)
            self.written["html"] += 1
            docs.append({"kind": "manual", "url": link, "title": "Assembly instructions",
                         "document_id": None})
        if n % 7 == 3:
            path, link = self._path("instructions", f"{slug}-safety.txt")
            _safety_text(path, record)
            self.written["text"] += 1
            docs.append({"kind": "safety", "url": link, "title": "Safety notes",
                         "document_id": None})
        if not self._scan_done:  # one image-only PDF: the import reports it
            path, link = self._path("scans", f"{slug}-declaration-scan.pdf")
            _scan(path, record)
            self._scan_done = True
            self.written["scans"] += 1
            docs.append({"kind": "declaration", "url": link,
                         "title": "Declaration of conformity (scanned)", "document_id": None})
        record["documents"] = docs
        path, link = self._path("images", f"{slug}.jpg")
        _photo(path, record)
        self.written["images"] += 1
        record["images"] = [link]
        if n % 3 == 0:
            path, link = self._path("drawings", f"{slug}-drawing.png")
            _drawing(path, record)
            self.written["diagrams"] += 1
            record["media"] = [*(record.get("media") or []),
                               {"kind": "diagram", "url": link, "title": "Dimension drawing"}]


# -- PDFs ---------------------------------------------------------------------------------
def _pdf() -> Any:
    from fpdf import FPDF

    pdf = FPDF(format="A4", unit="mm")
    pdf.set_auto_page_break(True, margin=15)
    pdf.set_margins(18, 16, 18)
    pdf.set_creator("B2B Discovery sample catalog")
    return pdf


def _line(pdf: Any, text: str, size: float = 10, style: str = "", height: float = 5.2) -> None:
    """A paragraph, wrapped by character count (fpdf2's own line breaking measures every
    glyph and would be most of the sample's generation time)."""
    import textwrap

    from fpdf.enums import XPos, YPos

    pdf.set_font("Helvetica", style, size)
    chars = int((pdf.w - pdf.l_margin - pdf.r_margin) / (size * 0.3528 * (0.56 if style else 0.5)))
    for line in textwrap.wrap(_l1(text), chars) or [""]:
        pdf.cell(0, height, line, new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def _datasheet(path: Path, r: dict[str, Any]) -> None:
    from fpdf.enums import XPos, YPos

    numbers = _numbers(r["sku"])
    pdf = _pdf()
    pdf.set_title(_l1(f"Datasheet {r['name']}"))
    pdf.add_page()
    _line(pdf, f"{r['brand']} - product datasheet", 9, "", 5)
    _line(pdf, r["name"], 15, "B", 7)
    pdf.ln(2)
    ids = [("SKU", r["sku"]), ("Manufacturer part number", r.get("mpn")),
           ("GTIN", r.get("gtin")), ("Manufacturer", r.get("manufacturer")),
           ("Category", r.get("category")), ("Country of origin", r.get("country_of_origin"))]
    pdf.set_font("Helvetica", "", 9.5)
    for label, value in ids:
        if value:
            pdf.set_font("Helvetica", "B", 9.5)
            pdf.cell(52, 5.2, _l1(label))
            pdf.set_font("Helvetica", "", 9.5)
            pdf.cell(0, 5.2, _l1(value), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(3)
    _line(pdf, "Description", 11, "B", 6)
    _line(pdf, r.get("description") or "")
    pdf.ln(3)
    _line(pdf, "Specifications", 11, "B", 6)
    specs = [("Material", r.get("material")), ("Composition", r.get("composition")),
             ("Colour", r.get("color")), ("Weight per piece", f"{r.get('weight_kg')} kg"),
             ("Dimensions (L x W x H)",
              f"{r.get('length_mm')} x {r.get('width_mm')} x {r.get('height_mm')} mm"),
             ("Pieces per package", r.get("pieces_per_package")),
             ("Packages per pallet", r.get("packages_per_pallet"))]
    specs += [(k.replace("_", " ").capitalize(), v) for k, v in (r.get("attributes") or {}).items()]
    for label, value in specs:
        if value not in (None, ""):
            pdf.set_font("Helvetica", "B", 9)
            pdf.cell(52, 4.8, _l1(label))
            pdf.set_font("Helvetica", "", 9)
            pdf.cell(0, 4.8, _l1(value), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.add_page()
    _line(pdf, "Technical notes", 12, "B", 7)
    for note in _NOTES.get(r["sku"][:3], ()):
        _line(pdf, note.format(**numbers))
        pdf.ln(1.5)
    pdf.ln(2)
    _line(pdf, "Quality and environment", 11, "B", 6)
    for note in _GENERIC:
        _line(pdf, note)
        pdf.ln(1.5)
    _line(pdf, f"Test report TR-{numbers['report']} is available on request. "
               f"Document revision {1 + numbers['c']}, {r['brand']}.", 9)
    pdf.output(str(path))


def _certificate(path: Path, title: str, r: dict[str, Any]) -> None:
    pdf = _pdf()
    pdf.set_title(_l1(title))
    pdf.add_page()
    pdf.ln(20)
    _line(pdf, title, 18, "B", 9)
    pdf.ln(6)
    _line(pdf, f"This is to certify that {r['manufacturer']} ({r['brand']}) operates "
               f"processes and products in conformity with the requirements named above, "
               f"for the design, manufacture and distribution of "
               f"{(r.get('category') or '').split(' > ')[0].lower()} products.", 11, "", 6)
    pdf.ln(4)
    _line(pdf, "Certificate registration number: "
               f"CERT-{_numbers(title + r['brand'])['report']}", 10)
    _line(pdf, "Valid until the end of the third year after issue, subject to annual "
               "surveillance audits.", 10)
    pdf.output(str(path))


def _scan(path: Path, r: dict[str, Any]) -> None:
    """A declaration as a scanner makes it: one page that is only a picture (no text layer)."""
    from PIL import Image, ImageDraw, ImageFilter

    page = Image.new("L", (620, 877), 246)
    draw = ImageDraw.Draw(page)
    y = 70
    for k in range(34):  # lines of "text" as grey bars, a stamp and a signature
        width = 420 if k % 6 != 5 else 240
        draw.rectangle((70, y, 70 + width - (k * 37) % 90, y + 7), fill=110)
        y += 21 if k % 6 != 5 else 33
    draw.ellipse((400, 720, 520, 840), outline=60, width=5)
    draw.line((90, 800, 180, 770, 260, 810, 330, 780), fill=40, width=3)
    page = page.rotate(0.7, fillcolor=246).filter(ImageFilter.GaussianBlur(0.6))
    buf = io.BytesIO()
    page.save(buf, "JPEG", quality=70)
    pdf = _pdf()
    pdf.add_page()
    pdf.image(io.BytesIO(buf.getvalue()), x=0, y=0, w=210, h=297)
    pdf.output(str(path))


# -- HTML and text --------------------------------------------------------------------------
def _assembly_html(path: Path, r: dict[str, Any]) -> None:
    import html

    name = html.escape(r["name"])
    steps = [f"Check the delivery: {r.get('pieces_per_package') or 1} piece(s) of {name}.",
             "Clean the mounting surface; it must be dry and free of grease.",
             f"Fit the part as shown in the drawing; material: {html.escape(r.get('material') or '')}.",
             "Tighten or fix to the values of the datasheet and check the fit after 24 hours."]
    body = "".join(f"<li>{s}</li>" for s in steps)
    path.write_text(
        "<!doctype html><html><head><meta charset=\"utf-8\">"
        f"<title>Assembly instructions {name}</title>"
        "<style>body{font-family:sans-serif}</style>"
        "<script>window.analytics = {track: function () {}};</script></head>"
        f"<body><h1>Assembly instructions</h1><p>{name} &ndash; {html.escape(r['brand'])}</p>"
        f"<ol>{body}</ol><p>Keep these instructions with the installation records.</p>"
        "</body></html>", encoding="utf-8")


def _safety_text(path: Path, r: dict[str, Any]) -> None:
    """Written in Windows-1252 (as many ERP exports are): the import detects the encoding."""
    text = (f"SAFETY NOTES - {r['name']}\r\n\r\n"
            "Storage temperature: 5 °C to 30 °C, relative humidity below 70 %.\r\n"
            "Wear protective gloves when handling sharp edges; tolerance ± 0,5 mm.\r\n"
            "Entsorgung gemäß örtlichen Vorschriften (disposal according to local rules).\r\n")
    path.write_bytes(text.encode("cp1252"))


# -- images ---------------------------------------------------------------------------------
_COLOURS = {"black": (40, 40, 44), "white": (235, 235, 230), "blue": (52, 101, 164),
            "red": (190, 50, 45), "yellow": (230, 190, 40), "green": (60, 140, 70),
            "grey": (140, 140, 140), "orange": (225, 120, 40), "silver": (190, 192, 196),
            "gold": (200, 160, 60), "copper": (184, 115, 51), "brown": (130, 90, 50)}


def _photo(path: Path, r: dict[str, Any]) -> None:
    from PIL import Image, ImageDraw

    colour = _COLOURS.get(r.get("color") or "", (120, 130, 140))
    image = Image.new("RGB", (480, 480), (244, 244, 240))
    draw = ImageDraw.Draw(image)
    shape = int(hashlib.blake2b(r["sku"].encode(), digest_size=1).digest()[0]) % 3
    if shape == 0:
        draw.ellipse((110, 110, 370, 370), fill=colour, outline=(30, 30, 30), width=4)
        draw.ellipse((200, 200, 280, 280), fill=(244, 244, 240))
    elif shape == 1:
        draw.rectangle((150, 70, 330, 140), fill=colour, outline=(30, 30, 30), width=4)
        draw.rectangle((215, 140, 265, 410), fill=colour, outline=(30, 30, 30), width=4)
    else:
        draw.rounded_rectangle((90, 150, 390, 330), radius=30, fill=colour,
                               outline=(30, 30, 30), width=4)
    draw.text((16, 448), f"{r['brand']}  {r['sku']}", fill=(60, 60, 60))
    image.save(path, "JPEG", quality=82)


def _drawing(path: Path, r: dict[str, Any]) -> None:
    from PIL import Image, ImageDraw

    image = Image.new("L", (640, 400), 255)
    draw = ImageDraw.Draw(image)
    draw.rectangle((120, 120, 520, 260), outline=0, width=3)
    draw.line((120, 300, 520, 300), fill=0, width=1)
    draw.polygon(((120, 300), (132, 294), (132, 306)), fill=0)
    draw.polygon(((520, 300), (508, 294), (508, 306)), fill=0)
    draw.text((290, 306), f"L = {r.get('length_mm')} mm", fill=0)
    draw.line((560, 120, 560, 260), fill=0, width=1)
    draw.text((566, 184), f"H = {r.get('height_mm')} mm", fill=0)
    draw.text((16, 376), f"{r['sku']} - dimension drawing, not to scale", fill=0)
    image.save(path, "PNG", compress_level=1)
