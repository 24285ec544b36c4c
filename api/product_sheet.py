"""The printable product sheet (P2): a product card as a PDF, made with fpdf2.

Text is set in DejaVu Sans, embedded (subset) from the system's fonts (Debian:
``fonts-dejavu-core``), so names like "Sechskantschraube Ø 8 mm – 10 St." or Polish and Czech
letters print as they are. Without that font the sheet falls back to the PDF core font
Helvetica, which covers Latin-1 only: other characters are transliterated (accents
dropped: "Ł" -> "L") rather than lost, and the response says so in a header.

The price shown is the list price of the card; ``prices`` is the hook for the price a known
customer pays (personalised price lists come with the commerce layer).
"""

from __future__ import annotations

import io
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

FONT_DIRS = (
    Path("/usr/share/fonts/truetype/dejavu"),
    Path("/usr/share/fonts/dejavu"),
    Path("/usr/local/share/fonts/dejavu"),
    Path("/usr/share/fonts/TTF"),
)
_REGULAR, _BOLD = "DejaVuSans.ttf", "DejaVuSans-Bold.ttf"
_SPEC_ORDER = ("model", "manufacturer", "country_of_origin", "color", "material", "composition",
               "weight_kg", "length_mm", "width_mm", "height_mm", "pieces_per_package",
               "packages_per_pallet")
_ORDER_TYPES = {"stock": "stock item", "MTO": "made to order", "ETO": "engineered to order"}


@dataclass(frozen=True)
class SheetPrice:
    """What the sheet prints as the price: the list price, or (later) a customer's own."""

    per_piece: float | None
    per_package: float | None
    currency: str | None
    label: str = "Net list price"


def find_fonts(dirs: Sequence[Path] = FONT_DIRS) -> tuple[Path, Path] | None:
    for folder in dirs:
        regular, bold = folder / _REGULAR, folder / _BOLD
        if regular.is_file() and bold.is_file():
            return regular, bold
    return None


def latin1(text: str) -> str:
    """Text the core fonts can print: accents dropped where that keeps the letter, other
    characters replaced by their closest ASCII or '?'."""
    if all(ord(c) < 256 for c in text):
        return text
    extra = {"Ł": "L", "ł": "l", "Đ": "D", "đ": "d", "Ø": "O", "ø": "o", "ß": "ss", "–": "-",
             "—": "-", "“": '"', "”": '"', "„": '"', "‘": "'", "’": "'", "€": "EUR",
             "…": "...", "•": "-", "Œ": "OE", "œ": "oe", "×": "x", "°": "deg"}
    out = []
    for c in text:
        if ord(c) < 256:
            out.append(c)
        elif c in extra:
            out.append(extra[c])
        else:
            base = "".join(ch for ch in unicodedata.normalize("NFKD", c)
                           if not unicodedata.combining(ch))
            out.append(base if base and all(ord(ch) < 256 for ch in base) else "?")
    return "".join(out)


def _money(value: float | None, currency: str | None) -> str:
    if value is None:
        return "-"
    digits = 2 if value >= 1 else 4
    return f"{value:,.{digits}f} {currency or ''}".strip()


def _value(card: dict[str, Any], name: str, spec: dict[str, Any]) -> str:
    value = spec.get("value")
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    unit = spec.get("unit")
    return f"{value} {unit}" if unit else str(value)


def render_product_sheet(card: dict[str, Any], *, base_url: str = "",
                         image: bytes | None = None, price: SheetPrice | None = None,
                         fonts: tuple[Path, Path] | None | bool = True) -> tuple[bytes, bool]:
    """The sheet as PDF bytes, and whether Unicode text was kept (False: transliterated).

    ``card`` is the product card of ``GET /v1/products/{sku}``; ``image`` the main image as
    JPEG/PNG bytes (a re-encoded, size-limited copy); ``fonts`` True finds DejaVu Sans on the
    system, a pair of paths names the regular and bold fonts, None forces the core font."""
    from fpdf import FPDF
    from fpdf.enums import XPos, YPos

    found = find_fonts() if fonts is True else (fonts or None)
    unicode_ok = bool(found)
    t = (lambda s: s) if unicode_ok else latin1

    pdf = FPDF(format="A4", unit="mm")
    pdf.set_auto_page_break(True, margin=18)
    pdf.set_margins(18, 16, 18)
    if found:
        regular, bold = found  # type: ignore[misc]
        pdf.add_font("Sheet", "", str(regular))
        pdf.add_font("Sheet", "B", str(bold))
        family = "Sheet"
    else:
        family = "Helvetica"
    name = str(card.get("name") or card.get("sku") or "")
    pdf.set_title(t(name))
    pdf.set_subject(t(f"Product sheet {card.get('sku')}"))
    pdf.set_creator("B2B Discovery")
    generated = datetime.now(UTC).strftime("%Y-%m-%d")

    def footer() -> None:
        pdf.set_y(-12)
        pdf.set_font(family, "", 7.5)
        pdf.set_text_color(120)
        pdf.cell(0, 5, t(f"{card.get('sku')} · {generated}" if unicode_ok
                         else f"{card.get('sku')} - {generated}"),
                 new_x=XPos.LMARGIN, new_y=YPos.TOP)
        pdf.cell(0, 5, f"{pdf.page_no()}/{{nb}}", align="R")
        pdf.set_text_color(0)

    pdf.footer = footer  # type: ignore[method-assign]
    pdf.alias_nb_pages()
    pdf.add_page()
    width = pdf.w - pdf.l_margin - pdf.r_margin

    # -- head: name, identifiers, image, price -------------------------------------------
    text_width = width - 62 if image else width
    top = pdf.get_y()
    pdf.set_font(family, "B", 16)
    pdf.multi_cell(text_width, 7.5, t(name), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(1.5)
    pdf.set_font(family, "", 9.5)
    brand = card.get("brand") or card.get("manufacturer")
    ids = [("Brand", brand), ("SKU", card.get("sku")), ("MPN", card.get("mpn")),
           ("GTIN", card.get("gtin")), ("Category", card.get("category"))]
    for label, value in ids:
        if value:
            pdf.set_font(family, "B", 9.5)
            pdf.cell(24, 5.2, t(label))
            pdf.set_font(family, "", 9.5)
            pdf.multi_cell(text_width - 24, 5.2, t(str(value)), new_x=XPos.LMARGIN,
                           new_y=YPos.NEXT)
    price = price or SheetPrice(card.get("price_per_piece"), card.get("price_per_package"),
                                card.get("currency"))
    pdf.ln(2)
    pdf.set_font(family, "B", 12)
    per_piece = _money(price.per_piece, price.currency)
    pdf.cell(text_width, 6.5, t(f"{per_piece} per piece"), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(family, "", 9)
    pack = card.get("pieces_per_package")
    package = _money(price.per_package, price.currency)
    pdf.multi_cell(text_width, 4.8, t(
        f"{price.label}; {package} per package" + (f" of {pack} pieces" if pack else "")),
        new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    facts = []
    if card.get("availability"):
        facts.append(str(card["availability"]).replace("_", " "))
    if card.get("delivery_days") is not None:
        facts.append(f"delivery in {card['delivery_days']} days")
    if card.get("order_type"):
        facts.append(_ORDER_TYPES.get(card["order_type"], card["order_type"]))
    if facts:
        pdf.multi_cell(text_width, 4.8, t(", ".join(facts).capitalize()), new_x=XPos.LMARGIN,
                       new_y=YPos.NEXT)
    bottom = pdf.get_y()
    if image:
        try:
            info = pdf.image(io.BytesIO(image), x=pdf.l_margin + width - 58, y=top, w=58)
            bottom = max(bottom, top + float(info.rendered_height))
        except Exception:  # noqa: BLE001 - a sheet without its picture beats no sheet
            pass
    pdf.set_y(bottom + 4)

    # -- description ---------------------------------------------------------------------
    if card.get("description"):
        _heading(pdf, family, t("Description"))
        pdf.set_font(family, "", 9.5)
        pdf.multi_cell(width, 4.8, t(str(card["description"])), new_x=XPos.LMARGIN,
                       new_y=YPos.NEXT)
        pdf.ln(2)

    # -- specifications ------------------------------------------------------------------
    specs = card.get("specifications") or {}
    rows = [(s["label"], _value(card, k, s)) for k, s in specs.items()]
    rows += [(str(k).replace("_", " ").capitalize(), str(v))
             for k, v in (card.get("attributes") or {}).items() if v not in (None, "")]
    variant = card.get("variant_attributes") or {}
    rows += [(f"Variant: {k}", str(v)) for k, v in variant.items()]
    if rows:
        _heading(pdf, family, t("Specifications"))
        _table(pdf, family, [(t(a), t(b)) for a, b in rows], (0.38, 0.62), width)

    # -- documents and media -------------------------------------------------------------
    documents = card.get("documents") or []
    if documents:
        _heading(pdf, family, t("Documents"))
        doc_rows = []
        for d in documents:
            title = d.get("title") or d.get("filename") or d.get("url") or ""
            pages = d.get("pages")
            what = str(d.get("kind") or "document")
            if pages:
                what += f", {pages} page{'s' if pages != 1 else ''}"
            doc_rows.append((t(title), t(what), _absolute(base_url, d.get("download_url")
                                                          or d.get("url") or "")))
        _table(pdf, family, doc_rows, (0.42, 0.2, 0.38), width, small=True)
    media = card.get("media") or {}
    others = [(kind, m) for kind, items in media.items() if kind != "image" for m in items]
    if others:
        _heading(pdf, family, t("Videos, diagrams and CAD files"))
        _table(pdf, family, [(t(kind), t(m.get("title") or ""),
                              _absolute(base_url, m.get("url") or ""))
                             for kind, m in others], (0.16, 0.3, 0.54), width, small=True)
    variants = card.get("variants") or []
    if len(variants) > 1:
        _heading(pdf, family, t("Variants"))
        _table(pdf, family, [(t(str(v.get("sku"))), t(str(v.get("name") or "")))
                             for v in variants], (0.3, 0.7), width, small=True)
    return bytes(pdf.output()), unicode_ok


def _absolute(base: str, url: str) -> str:
    return base.rstrip("/") + url if url.startswith("/") and base else url


def _heading(pdf: Any, family: str, text: str) -> None:
    from fpdf.enums import XPos, YPos

    if pdf.get_y() > pdf.h - 40:
        pdf.add_page()
    pdf.ln(1)
    pdf.set_font(family, "B", 11.5)
    pdf.cell(0, 7, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_draw_color(190)
    pdf.line(pdf.l_margin, pdf.get_y(), pdf.w - pdf.r_margin, pdf.get_y())
    pdf.ln(1.5)


def _table(pdf: Any, family: str, rows: Sequence[Sequence[str]], shares: tuple[float, ...],
           width: float, small: bool = False) -> None:
    size = 8.5 if small else 9.5
    pdf.set_font(family, "", size)
    with pdf.table(col_widths=tuple(width * s for s in shares), width=width,
                   text_align="LEFT", first_row_as_headings=False, line_height=size * 0.5,
                   borders_layout="HORIZONTAL_LINES", padding=1) as table:
        for row in rows:
            cells = table.row()
            for value in row:
                cells.cell(value)
    pdf.ln(3)
