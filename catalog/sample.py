"""A deterministic, realistic B2B sample catalog: demos, benchmarks and relevance work.

Relevance tuning is only as good as the data it is tuned on, so the records read like a
real distributor's listings (standards, sizes, materials, pack sizes, variant groups, skewed
popularity) rather than "item 17". Everything is invented: brands, part numbers and URLs
point at nothing real.

Determinism: record ``i`` depends only on ``(seed, i)``, never on ``n``, so the first 1,000
records of a 1,000,000-record catalog are the 1,000-record catalog and a benchmark can grow
its data set without changing what it already measured. The index line is cut into blocks
of :data:`BLOCK` positions, each with its own RNG consumed in index order; variant groups
are laid out inside a block (never straddling one), so no record needs to look ahead.

Units: ``weight_kg`` and ``length_mm``/``width_mm``/``height_mm`` describe one piece (the
item a buyer filters on: a 40 mm bolt, a 450 g hammer); ``pieces_per_package`` says how many
are sold together. ``parent_sku`` is set on every member of a variant group, the first
member included (it names itself), so any single record tells whether it has siblings.
"""

from __future__ import annotations

import csv
import math
import random
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, NamedTuple

import orjson

from catalog.errors import InvalidInput
from catalog.fields import FIELD_NAMES, LIST_SEPARATOR

__all__ = ["FLAT_COLUMNS", "generate_records", "to_flat_row", "write_catalog"]

BLOCK = 64
"""Catalog indexes per RNG stream; variant groups never cross a block boundary."""

_GROUP_START_P = 0.14
_GROUP_SIZES = (2, 2, 2, 3, 3, 3, 4, 4, 5, 6)
_XLSX_MAX_ROWS = 1_048_575  # Excel's sheet limit minus the header row
_PROGRESS_EVERY = 10_000
_CDN = "https://cdn.example.com"


def _key(seed: int, block: int) -> int:
    """One RNG seed per (seed, block); distinct pairs never share a stream."""
    return ((seed & 0xFFFF_FFFF_FFFF_FFFF) << 40) | (block & (2**40 - 1))


# -- building blocks of the content tables ------------------------------------------------
def _num(value: float | int) -> str:
    """Numbers as a seller's file spells them: "." decimal, no exponent, no trailing ".0"."""
    text = repr(value)
    if "e" in text:  # 3e-05 would be read as text by half the spreadsheets out there
        text = format(value, ".12f").rstrip("0")
    return text[:-2] if text.endswith(".0") else text


def _attr(value: Any) -> str:
    """Extra attributes are text, as ingestion stores them: a generated record and the same
    record read back from a file must hash alike, or every re-ingest rewrites every row."""
    return value if isinstance(value, str) else _num(value)


class Size(NamedTuple):
    label: str
    scale: float  # weight relative to the leaf's base piece; price follows scale ** leaf.pexp
    code: str  # compact form used in part numbers
    dims: tuple[float, float, float] | None
    attrs: Mapping[str, Any]


class Material(NamedTuple):
    name: str  # the facet value
    composition: str
    short: str  # how a listing title says it
    color: str  # the colour of the item when the leaf has no colour choice
    price: float
    weight: float
    code: str
    attrs: Mapping[str, Any]


def _s(label: str, scale: float = 1.0, code: str | None = None,
       dims: tuple[float, float, float] | None = None, **attrs: Any) -> Size:
    if code is None:
        code = "".join(c for c in label.replace(" mm", "").upper() if c.isalnum())
        code = code if len(code) <= 7 else ""  # numbered by the leaf
    if dims is not None:
        dims = (float(dims[0]), float(dims[1]), float(dims[2]))
    return Size(label, scale, code, dims, {k: _attr(v) for k, v in attrs.items()})


def _m(name: str, composition: str, short: str = "", color: str = "grey", price: float = 1.0,
       weight: float = 1.0, code: str = "", **attrs: Any) -> Material:
    if not code:
        code = "".join(w[0] for w in name.upper().split())[:3]
    return Material(name, composition, short, color, price, weight, code,
                    {k: _attr(v) for k, v in attrs.items()})


def _one(*sizes: Size) -> tuple[tuple[Size, ...], ...]:
    return (tuple(sizes),)


@dataclass(frozen=True)
class Leaf:
    """One leaf category and how its listings are written.

    ``template`` placeholders: size, color, mat (material short form), std, pack, pcs
    (", 100 pcs" or nothing), box (", box of 100"), plus any key of ``extras`` and of the
    size's attributes. The variant axis is whichever of size/colour the title shows and
    has a choice.
    """

    path: str
    code: str
    template: str
    materials: tuple[Material, ...]
    use: tuple[str, ...]
    price: float
    weight: float
    dims: tuple[float, float, float] = (100.0, 50.0, 20.0)
    series: tuple[tuple[Size, ...], ...] = ((_s(""),),)
    colors: tuple[str, ...] = ()
    standards: tuple[str, ...] = ()
    std_attrs: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    packs: tuple[int, ...] = (1,)
    extras: Mapping[str, tuple[Any, ...]] = field(default_factory=dict)
    noun: str = ""
    pexp: float = 0.6
    mto: float = 0.08  # share of made-/engineered-to-order families
    brand_color: bool = False  # machines wear their brand's colour
    packed_share: float = 1.0  # of its bounding box a piece fills when packed (boxes ship flat)
    weight_in_pool: int = 2

    def __post_init__(self) -> None:
        # Sizes whose label does not compress into a short code are numbered instead.
        n = 0
        series = []
        for row in self.series:
            coded = []
            for size in row:
                n += 1
                coded.append(size if size.code else size._replace(code=f"{n:02d}"))
            series.append(tuple(coded))
        object.__setattr__(self, "series", tuple(series))
        object.__setattr__(self, "extras", {k: tuple(map(_attr, v)) for k, v in self.extras.items()})

    @cached_property
    def title_noun(self) -> str:
        return self.noun or self.template.split("{", 1)[0].strip().rstrip(",")

    @cached_property
    def slug(self) -> str:
        return self.code.lower()

    @cached_property
    def size_in_title(self) -> bool:
        return "{size}" in self.template

    @cached_property
    def color_in_title(self) -> bool:
        return "{color}" in self.template


# -- fasteners ----------------------------------------------------------------------------
_PITCH = {3: 0.5, 4: 0.7, 5: 0.8, 6: 1.0, 8: 1.25, 10: 1.5, 12: 1.75, 16: 2.0, 20: 2.5, 24: 3.0}
_AF = {3: 5.5, 4: 7.0, 5: 8.0, 6: 10.0, 8: 13.0, 10: 16.0, 12: 18.0, 16: 24.0, 20: 30.0, 24: 36.0}
_LENGTHS = (8, 10, 12, 16, 20, 25, 30, 35, 40, 45, 50, 60, 70, 80, 90, 100, 120, 140, 160, 200)
_REF_VOL = 2830.0  # mm³ of an M8x40 hex bolt: fastener weights and prices refer to it


def _thread(d: int) -> dict[str, Any]:
    return {"thread": f"M{d}", "thread_pitch_mm": _PITCH[d]}


def _metric_screws(diameters: tuple[int, ...], lo: float, hi: float) -> tuple[tuple[Size, ...], ...]:
    """One series per diameter, so a variant group varies length at a fixed thread."""
    out = []
    for d in diameters:
        af, k = _AF[d], round(0.7 * d, 1)
        head = 0.866 * af * af * k
        out.append(tuple(
            _s(f"M{d}x{length}", (math.pi / 4 * d * d * length + head) / _REF_VOL,
               f"{d:02d}{length:03d}", (float(length), af, k), **_thread(d))
            for length in _LENGTHS if lo * d <= length <= hi * d
        ))
    return tuple(out)


def _metric_nuts(diameters: tuple[int, ...], height: float) -> tuple[tuple[Size, ...], ...]:
    sizes = []
    for d in diameters:
        af, m = _AF[d], round(height * d, 1)
        vol = (0.866 * af * af - math.pi / 4 * d * d) * m
        sizes.append(_s(f"M{d}", vol / _REF_VOL, f"{d:02d}", (af, round(af * 1.155, 1), m), **_thread(d)))
    return (tuple(sizes),)


def _dxl(table: Mapping[float, tuple[float, ...]], ref: float) -> tuple[tuple[Size, ...], ...]:
    """Diameter x length series for wood screws and rivets: scale by d² * L."""
    return tuple(
        tuple(
            _s(f"{d:.1f}x{length:g} mm",
               d * d * length / ref, f"{round(d * 10):02d}{round(length):03d}",
               (float(length), round(2 * d, 1), float(d)), diameter_mm=d)
            for length in lengths
        )
        for d, lengths in table.items()
    )


_WASHERS: dict[int, tuple[float, float, float]] = {3: (3.2, 7, 0.5), 4: (4.3, 9, 0.8), 5: (5.3, 10, 1), 6: (6.4, 12, 1.6), 8: (8.4, 16, 1.6),
            10: (10.5, 20, 2), 12: (13, 24, 2.5), 16: (17, 30, 3), 20: (21, 37, 3), 24: (25, 44, 4)}


def _washers(spring: bool = False) -> tuple[tuple[Size, ...], ...]:
    sizes = []
    for d, (inner, outer, t) in _WASHERS.items():
        if spring:
            outer, t = round(inner * 1.75, 1), round(d * 0.22, 1)
        vol = math.pi / 4 * (outer * outer - inner * inner) * t
        sizes.append(_s(f"M{d}", vol / 250.0, f"{d:02d}", (float(outer), float(outer), float(t)),
                        inner_diameter_mm=inner, outer_diameter_mm=outer, thickness_mm=t))
    return (tuple(sizes),)


_ST88 = _m("steel 8.8", "carbon steel, property class 8.8, zinc plated", "8.8 zinc plated", "silver",
           1.0, 1.0, "88Z", property_class="8.8", surface="zinc plated")
_ST109 = _m("steel 10.9", "alloy steel, property class 10.9, black oxide", "10.9 black", "black",
            1.5, 1.0, "109", property_class="10.9", surface="black oxide")
_ST129 = _m("steel 12.9", "alloy steel, property class 12.9, plain oiled", "12.9 plain", "black",
            1.8, 1.0, "129", property_class="12.9", surface="plain, oiled")
_A2 = _m("stainless steel A2", "A2 stainless steel (1.4301)", "stainless A2", "silver", 2.4, 1.01,
         "A2", property_class="A2-70", surface="plain")
_A4 = _m("stainless steel A4", "A4 stainless steel (1.4401)", "stainless A4", "silver", 3.4, 1.01,
         "A4", property_class="A4-70", surface="plain")
_HDG = _m("steel hot-dip galvanised", "carbon steel 8.8, hot-dip galvanised (tZn)", "hot-dip galvanised",
          "grey", 1.4, 1.03, "FV", property_class="8.8", surface="hot-dip galvanised")
_ST46 = _m("steel 4.6", "carbon steel, property class 4.6, zinc plated", "zinc plated", "silver", 0.8,
           1.0, "46Z", property_class="4.6", surface="zinc plated")
_NUT8 = _m("steel class 8", "carbon steel, property class 8, zinc plated", "zinc plated", "silver",
           1.0, 1.0, "8Z", property_class="8", surface="zinc plated")
_NUT10 = _m("steel class 10", "carbon steel, property class 10, plain", "class 10", "black", 1.4, 1.0,
            "10", property_class="10", surface="plain")
_BRASS = _m("brass", "brass CuZn39Pb3 (CW614N)", "brass", "gold", 3.8, 1.08, "MS", surface="plain")
_WSH_ZN = _m("steel", "steel 140 HV, zinc plated", "zinc plated", "silver", 1.0, 1.0, "ZN",
             surface="zinc plated")
_SPRING = _m("spring steel", "spring steel 1.4310 / C60, zinc flake coated", "spring steel", "silver",
             1.3, 1.0, "FS", surface="zinc flake")
_WOOD_YZ = _m("hardened steel", "case-hardened carbon steel, yellow zinc plated", "yellow zinc",
              "yellow", 1.0, 1.0, "YZ", surface="yellow zinc")
_WOOD_BZ = _m("hardened steel", "case-hardened carbon steel, blue zinc plated", "blue zinc", "silver",
              1.0, 1.0, "BZ", surface="blue zinc")
_PHOS = _m("hardened steel", "hardened carbon steel, black phosphated", "phosphated", "black", 0.9,
           1.0, "PH", surface="phosphated")
_PA6 = _m("polyamide", "polyamide 6 (PA6)", "nylon", "grey", 1.0, 1.0, "PA")
_RIV_ALST = _m("aluminium/steel", "aluminium AlMg3.5 body, zinc-plated steel mandrel", "aluminium/steel",
               "silver", 1.0, 1.0, "AS")
_RIV_A2 = _m("stainless steel A2", "A2 stainless steel body and mandrel (1.4301)", "stainless/stainless",
             "silver", 3.0, 1.1, "A2")
_RIV_CU = _m("copper/steel", "copper body, zinc-plated steel mandrel", "copper/steel", "copper", 2.2,
             1.2, "CS")

_FASTENER_HEAD = {"head_type": ("hex",), "drive": ("external hex",)}

FASTENERS = (
    Leaf("Fasteners > Bolts > Hex bolts", "HXB", "Hex bolt {std} {size} {mat}{pcs}",
         (_ST88, _A2, _A4, _ST109, _HDG), ("for steel construction and machine building",
                                            "for general mechanical engineering",
                                            "for load-bearing bolted joints"),
         0.085, 0.022, series=_metric_screws((5, 6, 8, 10, 12, 16, 20, 24), 2, 10),
         standards=("DIN 933", "ISO 4017", "DIN 931", "ISO 4014"),
         std_attrs={"DIN 933": {"thread_type": "fully threaded"}, "ISO 4017": {"thread_type": "fully threaded"},
                    "DIN 931": {"thread_type": "partially threaded"},
                    "ISO 4014": {"thread_type": "partially threaded"}},
         packs=(25, 50, 100, 200), extras=_FASTENER_HEAD, weight_in_pool=5),
    Leaf("Fasteners > Bolts > Carriage bolts", "CRB", "Carriage bolt {std} {size} {mat}{pcs}",
         (_ST46, _A2, _HDG), ("for timber-to-timber and timber-to-steel joints",
                              "for fences, gates and timber frames"),
         0.11, 0.024, series=_metric_screws((6, 8, 10, 12), 2.5, 15), standards=("DIN 603", "ISO 8677"),
         packs=(25, 50, 100), extras={"head_type": ("mushroom head, square neck",)}),
    Leaf("Fasteners > Screws > Socket head cap screws", "SHC", "Socket head cap screw {std} {size} {mat}{pcs}",
         (_ST129, _A2, _A4, _ST88), ("for machine building and tooling", "for jigs, fixtures and automation"),
         0.09, 0.02, series=_metric_screws((3, 4, 5, 6, 8, 10, 12, 16), 2, 10),
         standards=("ISO 4762", "DIN 912"), packs=(50, 100, 200, 500),
         extras={"head_type": ("cylinder head",), "drive": ("hex socket",)}, weight_in_pool=4),
    Leaf("Fasteners > Screws > Countersunk screws", "CSK", "Countersunk screw {std} {size} {drive} {mat}{pcs}",
         (_ST109, _A2, _ST88), ("for flush-mounted joints in machine building", "for panels and fittings"),
         0.07, 0.016, series=_metric_screws((3, 4, 5, 6, 8, 10), 2, 8),
         standards=("ISO 10642", "DIN 7991", "ISO 7046"),
         extras={"head_type": ("countersunk",), "drive": ("hex socket", "Torx", "Phillips")},
         packs=(100, 200, 500)),
    Leaf("Fasteners > Screws > Chipboard screws", "SPS", "Chipboard screw {size} countersunk {drive}, {mat}{pcs}",
         (_WOOD_YZ, _WOOD_BZ, _A2), ("for chipboard, softwood and hardwood",
                                     "for furniture, interior fit-out and timber construction"),
         0.012, 0.004, series=_dxl({3.0: (16, 20, 25, 30), 3.5: (20, 25, 30, 35, 40, 45, 50),
                                    4.0: (20, 25, 30, 35, 40, 45, 50, 60, 70), 4.5: (30, 40, 45, 50, 60, 70, 80),
                                    5.0: (40, 50, 60, 70, 80, 90, 100, 120), 6.0: (60, 80, 100, 120, 140, 160, 200)},
                                   640),
         standards=("ETA-11/0190", ""), packs=(100, 200, 500, 1000),
         extras={"drive": ("Pozidriv PZ2", "Torx T20", "Torx T25"), "thread_type": ("partially threaded",
                                                                                  "fully threaded")},
         weight_in_pool=4),
    Leaf("Fasteners > Screws > Drywall screws", "DWS", "Drywall screw {size} {thread_type}, {mat}{pcs}",
         (_PHOS, _WOOD_BZ), ("for fixing plasterboard to timber and metal studs",), 0.006, 0.003,
         series=_dxl({3.5: (25, 35, 45, 55), 3.9: (35, 45, 55, 65)}, 640),
         standards=("DIN 18182-2",), packs=(500, 1000, 2000),
         extras={"thread_type": ("fine thread", "coarse thread"), "drive": ("Phillips PH2",)}),
    Leaf("Fasteners > Screws > Self-tapping screws", "STS", "Self-tapping screw {std} {size} pan head {mat}{pcs}",
         (_WOOD_BZ, _A2), ("for sheet metal and plastics", "for HVAC ducting and enclosures"), 0.02, 0.003,
         series=_dxl({2.9: (6.5, 9.5, 13, 16), 3.5: (9.5, 13, 16, 19, 25), 3.9: (9.5, 13, 16, 19, 25, 32),
                      4.2: (13, 16, 19, 25, 32, 38), 4.8: (16, 19, 25, 32, 38, 45), 5.5: (19, 25, 32, 38, 50)},
                     640),
         standards=("DIN 7981", "ISO 7049"), packs=(100, 200, 500),
         extras={"head_type": ("pan head",), "drive": ("Phillips PH2", "Torx T20")}),
    Leaf("Fasteners > Nuts > Hex nuts", "HXN", "Hex nut {std} {size} {mat}{pcs}",
         (_NUT8, _NUT10, _A2, _A4, _BRASS), ("for bolted joints in steel and machine construction",
                                             "for threaded rods and bolts"),
         0.03, 0.005, series=_metric_nuts((3, 4, 5, 6, 8, 10, 12, 16, 20, 24), 0.8),
         standards=("DIN 934", "ISO 4032"), packs=(50, 100, 200, 500), extras=_FASTENER_HEAD,
         weight_in_pool=4),
    Leaf("Fasteners > Nuts > Lock nuts", "LKN", "Nylon insert lock nut {std} {size} {mat}{pcs}",
         (_NUT8, _A2, _A4), ("for joints exposed to vibration",), 0.05, 0.006,
         series=_metric_nuts((3, 4, 5, 6, 8, 10, 12, 16, 20), 1.0), standards=("DIN 985", "ISO 10511"),
         packs=(50, 100, 200), extras={"locking": ("polyamide insert",)}),
    Leaf("Fasteners > Washers > Flat washers", "FWS",
         "Flat washer {std} {size} ({inner_diameter_mm}x{outer_diameter_mm}x{thickness_mm} mm) {mat}{pcs}",
         (_WSH_ZN, _A2, _A4), ("to spread the load under bolt heads and nuts",), 0.012, 0.0015,
         series=_washers(), standards=("DIN 125-A", "ISO 7089"), packs=(100, 200, 500, 1000),
         weight_in_pool=3),
    Leaf("Fasteners > Washers > Spring washers", "SPW", "Spring lock washer {std} {size} {mat}{pcs}",
         (_SPRING, _A2), ("to secure bolted joints against loosening",), 0.015, 0.0012,
         series=_washers(spring=True), standards=("DIN 127-B",), packs=(100, 200, 500)),
    Leaf("Fasteners > Anchors > Wall plugs", "WPL", "Nylon wall plug {size}{pcs}",
         (_PA6,), ("for concrete, solid brick and natural stone", "for masonry and aerated concrete"),
         0.03, 0.0015, series=_one(*(_s(f"{d}x{length} mm", d * d * length / 2560, f"{d:02d}{length:03d}",
                                        (float(length), float(d), float(d)), diameter_mm=d)
                                     for d, length in ((5, 25), (6, 30), (8, 40), (10, 50), (12, 60), (14, 70)))),
         colors=("grey", "natural"), packs=(50, 100, 200),
         extras={"base_material": ("concrete, brick, natural stone",)}),
    Leaf("Fasteners > Anchors > Wedge anchors", "WDA", "Wedge anchor {size} {mat}, {std}{pcs}",
         (_ST88, _A4, _HDG), ("for heavy-duty fixings in cracked and non-cracked concrete",), 0.45, 0.05,
         series=tuple(
             tuple(_s(f"M{d}x{length}", d * d * length / 4800, f"{d:02d}{length:03d}",
                      (float(length), float(d), float(d)), **_thread(d)) for length in lengths)
             for d, lengths in ((8, (75, 95, 115)), (10, (90, 115, 135)), (12, (100, 125, 160)), (16, (125, 145)))
         ), standards=("ETA option 1", "ETA option 7"), packs=(10, 25, 50), mto=0.04),
    Leaf("Fasteners > Threaded rods > Threaded rods", "THR", "Threaded rod {std} {size} {mat}{pcs}",
         (_ST46, _ST88, _A2, _A4), ("for suspensions, installation and anchoring",), 0.2, 0.022,
         series=tuple(
             tuple(_s(f"M{d}x{length} mm", math.pi / 4 * d * d * length / _REF_VOL, f"{d:02d}{length // 100:02d}",
                      (float(length), float(d), float(d)), **_thread(d)) for length in (1000, 2000, 3000))
             for d in (4, 5, 6, 8, 10, 12, 16, 20, 24)
         ), standards=("DIN 976-1", "DIN 975"), packs=(1, 5, 10), pexp=0.8),
    Leaf("Fasteners > Rivets > Blind rivets", "BRV", "Blind rivet {std} {size} {mat}, dome head{pcs}",
         (_RIV_ALST, _RIV_A2, _RIV_CU), ("for joining sheet metal from one side",), 0.018, 0.001,
         series=_dxl({3.2: (6, 8, 10, 12), 4.0: (6, 8, 10, 12, 14, 16), 4.8: (8, 10, 12, 14, 16, 20, 25),
                      6.4: (12, 16, 20, 25)}, 160),
         standards=("ISO 15977", "DIN 7337"), packs=(250, 500, 1000), extras={"head_type": ("dome head",)}),
    Leaf("Fasteners > Bolts > Eye bolts", "EYB", "Lifting eye bolt {std} {size} C15E drop forged, WLL {wll_kg} kg",
         (_m("case-hardening steel C15E", "case-hardening steel C15E, drop forged, zinc plated", "", "silver",
             1.0, 1.0, "C15", surface="zinc plated"), _A4),
         ("for lifting loads and attaching lifting gear",), 3.5, 0.18,
         series=_one(*(_s(f"M{d}", s, f"{d:02d}", (float(h), float(w), float(d)), wll_kg=wll, **_thread(d))
                       for d, s, wll, h, w in ((8, 0.5, 140, 57, 36), (10, 0.7, 230, 67, 45),
                                               (12, 1.0, 340, 79, 54), (16, 2.1, 700, 95, 63),
                                               (20, 3.4, 1200, 115, 72), (24, 5.8, 1800, 140, 90)))),
         standards=("DIN 580",), mto=0.05),
)

# -- hand tools ---------------------------------------------------------------------------
_CRV = _m("chrome vanadium steel", "chrome vanadium steel 31CrV3, chrome plated, satin finish",
          "chrome vanadium", "silver", 1.0, 1.0, "CV")
_CRMO = _m("chrome molybdenum steel", "chrome molybdenum steel 42CrMo4, phosphated", "CrMo", "black",
           1.3, 1.0, "CM")
_S2 = _m("S2 tool steel", "S2 shock-resistant tool steel blade, 2-component PP/TPE handle", "S2", "red",
         1.1, 1.0, "S2")
_CRV_HANDLE = _m("chrome vanadium steel", "chrome vanadium steel blade, 2-component PP/TPE handle",
                 "chrome vanadium", "yellow", 1.0, 1.0, "CV")
_TOOL_STEEL = _m("tool steel", "special tool steel, oil-hardened, 2-component handles", "", "red", 1.0,
                 1.0, "TS")

HAND_TOOLS = (
    Leaf("Hand tools > Spanners & wrenches > Combination spanners", "CSP", "Combination spanner {size}, {mat}, {std}",
         (_CRV, _CRMO), ("for hex bolts and nuts in workshop and maintenance",), 6.5, 0.12, (170, 30, 8),
         series=_one(*(_s(f"{d} mm", (d / 13) ** 2, f"{d:02d}", (round(d * 13.5), round(d * 2.4), round(d * 0.6)),
                          width_across_flats_mm=d) for d in (6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18,
                                                              19, 21, 22, 24, 27, 30, 32))),
         standards=("DIN 3113", "ISO 7738"), extras={"handle": ("12-point ring, 15° offset",)}, weight_in_pool=3),
    Leaf("Hand tools > Spanners & wrenches > Adjustable wrenches", "ADW",
         "Adjustable wrench {size}, jaw capacity {jaw_mm} mm, {std}",
         (_CRV,), ("for nuts and fittings of varying size",), 19.0, 0.33, (250, 70, 14),
         series=_one(_s('150 mm (6")', 0.4, "150", (150, 45, 10), jaw_mm=20),
                     _s('200 mm (8")', 0.65, "200", (200, 57, 12), jaw_mm=24),
                     _s('250 mm (10")', 1.0, "250", (250, 70, 14), jaw_mm=30),
                     _s('300 mm (12")', 1.5, "300", (300, 80, 16), jaw_mm=34),
                     _s('375 mm (15")', 2.4, "375", (375, 95, 19), jaw_mm=43)),
         standards=("DIN 3117", "ISO 6787")),
    Leaf("Hand tools > Spanners & wrenches > Torque wrenches", "TQW", "Torque wrench {size}, ±4%, {std}",
         (_CRV, _CRMO), ("for controlled tightening to a specified torque",), 110.0, 1.2, (480, 50, 40),
         series=_one(_s('1/4" 5-25 Nm', 0.4, "025", (290, 30, 30), drive='1/4"', torque_range_nm="5-25"),
                     _s('3/8" 20-100 Nm', 0.7, "100", (390, 40, 35), drive='3/8"', torque_range_nm="20-100"),
                     _s('1/2" 40-200 Nm', 1.0, "200", (480, 50, 40), drive='1/2"', torque_range_nm="40-200"),
                     _s('1/2" 60-340 Nm', 1.4, "340", (640, 50, 45), drive='1/2"', torque_range_nm="60-340"),
                     _s('3/4" 140-700 Nm', 2.8, "700", (1000, 60, 55), drive='3/4"', torque_range_nm="140-700")),
         standards=("ISO 6789-1",), extras={"calibration": ("with calibration certificate",)}),
    Leaf("Hand tools > Screwdrivers > Phillips screwdrivers", "SDP", "Screwdriver Phillips {size}, {handle}",
         (_S2, _CRV_HANDLE), ("for Phillips cross-head screws",), 4.2, 0.06, (200, 30, 30),
         series=_one(_s("PH0 x 60 mm", 0.6, "PH060"), _s("PH1 x 80 mm", 0.8, "PH180"),
                     _s("PH2 x 100 mm", 1.0, "PH2100"), _s("PH3 x 150 mm", 1.5, "PH3150")),
         standards=("ISO 8764",), extras={"handle": ("2-component handle", "ergonomic soft-grip handle")}),
    Leaf("Hand tools > Screwdrivers > Slotted screwdrivers", "SDS", "Screwdriver slotted {size}, {handle}",
         (_S2, _CRV_HANDLE), ("for slotted screws",), 3.9, 0.06, (200, 30, 30),
         series=_one(_s("3.0x80 mm", 0.6), _s("4.0x100 mm", 0.8), _s("5.5x125 mm", 1.0), _s("6.5x150 mm", 1.3),
                     _s("8.0x175 mm", 1.7)),
         standards=("ISO 2380",), extras={"handle": ("2-component handle", "ergonomic soft-grip handle")}),
    Leaf("Hand tools > Screwdrivers > VDE insulated screwdrivers", "SDV",
         "VDE insulated screwdriver {size}, 1000 V, {std}",
         (_m("S2 tool steel", "S2 tool steel blade, 2-component insulation to IEC 60900", "", "red", 1.0, 1.0,
             "S2"),), ("for safe work on live parts up to 1000 V AC",), 7.9, 0.07, (230, 32, 32),
         series=_one(_s("PH1 x 80 mm", 0.8), _s("PH2 x 100 mm", 1.0), _s("PZ1 x 80 mm", 0.8),
                     _s("PZ2 x 100 mm", 1.0), _s("slotted 4.0x100 mm", 0.9), _s("slotted 5.5x125 mm", 1.1)),
         standards=("IEC 60900", "EN 60900"), extras={"voltage_v": (1000,)}),
    Leaf("Hand tools > Pliers > Combination pliers", "CPL", "Combination pliers {size}, {std}, {handle}",
         (_TOOL_STEEL, _CRV), ("for gripping, bending and cutting wire",), 14.0, 0.27, (180, 60, 20),
         series=_one(_s("160 mm", 0.8), _s("180 mm", 1.0), _s("200 mm", 1.2)),
         standards=("DIN ISO 5746",), extras={"handle": ("dipped handles", "2-component handles", "VDE 1000 V")}),
    Leaf("Hand tools > Pliers > Water pump pliers", "WPP", "Water pump pliers {size}, {capacity}, push-button adjustment",
         (_CRV,), ("for pipes, nuts and fittings",), 18.0, 0.32, (250, 55, 20),
         series=_one(_s("180 mm", 0.6, capacity="36 mm capacity"), _s("250 mm", 1.0, capacity="46 mm capacity"),
                     _s("300 mm", 1.4, capacity="60 mm capacity"), _s("400 mm", 2.0, capacity="90 mm capacity")),
         standards=("DIN ISO 8976",)),
    Leaf("Hand tools > Pliers > Side cutters", "SCT", "Diagonal side cutter {size}, {std}",
         (_TOOL_STEEL,), ("for cutting soft, medium-hard and hard wire",), 13.5, 0.18, (160, 55, 16),
         series=_one(_s("140 mm", 0.8), _s("160 mm", 1.0), _s("180 mm", 1.2)), standards=("DIN ISO 5749",),
         extras={"cutting_capacity": ("hard wire 2.5 mm",)}),
    Leaf("Hand tools > Hammers > Claw hammers", "CLH", "Claw hammer {size}, {handle} handle",
         (_m("forged steel", "drop-forged carbon steel C45 head, hardened and tempered", "", "black", 1.0, 1.0,
             "C45"),), ("for carpentry, nailing and pulling nails",), 16.0, 0.75, (330, 130, 30),
         series=_one(_s("300 g", 0.6), _s("450 g", 0.85), _s("600 g", 1.05), _s("800 g", 1.3)),
         extras={"handle": ("fibreglass", "hickory", "steel tube")}),
    Leaf("Hand tools > Hammers > Sledgehammers", "SLH", "Sledge hammer {size}, hickory handle, {std}",
         (_m("forged steel", "drop-forged steel C45 head, hickory handle", "", "black", 1.0, 1.0, "C45"),),
         ("for demolition, chiselling and driving stakes",), 28.0, 3.2, (600, 170, 50),
         series=_one(_s("1.5 kg", 0.6), _s("3 kg", 1.0), _s("5 kg", 1.6), _s("8 kg", 2.6)), standards=("DIN 1041",)),
    Leaf("Hand tools > Measuring tools > Tape measures", "TPM", "Tape measure {size}, {std}, {color}",
         (_m("ABS", "ABS case with rubber overmould, lacquered steel blade", "", "yellow", 1.0, 1.0, "AB"),),
         ("for measuring on site and in the workshop",), 9.0, 0.25, (75, 70, 40),
         series=_one(_s("3 m x 16 mm", 0.6), _s("5 m x 19 mm", 0.8), _s("5 m x 25 mm", 1.0),
                     _s("8 m x 25 mm", 1.3), _s("10 m x 25 mm", 1.5)),
         colors=("yellow", "black", "orange"), standards=("EC class II", "MID class II")),
    Leaf("Hand tools > Measuring tools > Spirit levels", "SPL", "Spirit level {size}, aluminium, {vials}, ±0.5 mm/m",
         (_m("aluminium", "extruded aluminium box profile, acrylic vials", "", "silver", 1.0, 1.0, "AL"),),
         ("for levelling and plumbing on site",), 22.0, 0.6, (600, 60, 25),
         series=_one(*(_s(f"{n} mm", n / 600, f"{n}", (float(n), 60.0, 25.0)) for n in (400, 600, 800, 1000, 1200, 2000))),
         colors=("red", "yellow", "blue"), extras={"vials": ("2 vials", "3 vials")}),
    Leaf("Hand tools > Measuring tools > Digital calipers", "DCL", "Digital caliper {size}, 0.01 mm, IP54, {std}",
         (_m("stainless steel", "hardened stainless steel, LCD readout", "", "silver", 1.0, 1.0, "SS"),),
         ("for precise inside, outside and depth measurement",), 39.0, 0.17, (235, 80, 16),
         series=_one(_s("150 mm", 1.0), _s("200 mm", 1.3), _s("300 mm", 2.0)), standards=("DIN 862",),
         extras={"resolution_mm": (0.01,), "ip_rating": ("IP54",)}),
    Leaf("Hand tools > Cutting tools > Utility knives", "UKN", "Utility knife {size} snap-off blade, auto-lock, {color}",
         (_m("aluminium", "die-cast aluminium body, SK5 carbon steel blade", "", "black", 1.2, 1.0, "AL"),
          _m("ABS", "ABS body with rubber grip, SK5 carbon steel blade", "", "yellow", 0.8, 0.8, "AB")),
         ("for cutting cardboard, carpet, film and insulation",), 6.0, 0.11, (165, 35, 20),
         series=_one(_s("9 mm", 0.7), _s("18 mm", 1.0), _s("25 mm", 1.3)), colors=("black", "yellow", "orange"),
         packs=(1, 12)),
    Leaf("Hand tools > Cutting tools > Hacksaws", "HKS", "Hacksaw frame {size} with bi-metal blade {tpi} TPI",
         (_m("steel", "tubular steel frame, bi-metal HSS blade", "", "red", 1.0, 1.0, "ST"),),
         ("for cutting metal, plastic pipes and profiles",), 17.0, 0.65, (450, 120, 30),
         series=_one(_s("300 mm", 1.0), _s("300 mm, low-profile", 0.8)), extras={"tpi": (18, 24, 32)}),
    Leaf("Hand tools > Sockets & ratchets > Socket sets", "SKS", "Socket set {size}, chrome vanadium, in case",
         (_CRV,), ("for workshop, vehicle and maintenance work",), 69.0, 3.0, (400, 250, 70),
         series=_one(_s('1/4" 29 pcs, 4-14 mm', 0.5), _s('1/2" 24 pcs, 10-32 mm', 1.0),
                     _s('1/4" + 1/2" 94 pcs', 1.7), _s('3/4" 21 pcs, 19-50 mm', 3.2)),
         standards=("DIN 3124", "ISO 2725"), mto=0.03),
    Leaf("Hand tools > Sockets & ratchets > Ratchets", "RAT", "Reversible ratchet {size}, {teeth} teeth, {std}",
         (_CRV,), ("for sockets in tight spaces",), 24.0, 0.5, (260, 40, 30),
         series=_one(_s('1/4"', 0.5), _s('3/8"', 0.75), _s('1/2"', 1.0)), standards=("DIN 3122", "ISO 3315"),
         extras={"teeth": (48, 72, 90)}),
    Leaf("Hand tools > Hex keys > Hex key sets", "HKY", "Hex key set {size}, ball end, {std}, {color}",
         (_CRV, _m("S2 tool steel", "S2 tool steel, powder coated", "", "black", 1.3, 1.0, "S2")),
         ("for hex socket screws",), 14.0, 0.35, (200, 80, 25),
         series=_one(_s("1.5-10 mm, 9 pcs", 1.0), _s("2-10 mm, 8 pcs", 0.9), _s("T10-T50, 9 pcs", 0.85)),
         colors=("black", "multicolour", "silver"), standards=("ISO 2936",)),
)

# -- power tools --------------------------------------------------------------------------
_HOUSING = _m("glass-fibre reinforced polyamide", "PA6 GF30 housing, aluminium gear housing, steel chuck",
              "", "blue", 1.0, 1.0, "PA")
_HOUSING_MG = _m("magnesium/polyamide", "magnesium gear housing, PA6 GF30 motor housing", "", "blue",
                 1.15, 0.95, "MG")


def _kit(volt: int, batteries: int, ah: float, scale: float) -> Size:
    label = f"{volt}V {batteries}x {ah:.1f}Ah" if batteries else f"{volt}V solo, without battery"
    return _s(label, scale, f"{volt}{round(ah * 10):02d}" if batteries else f"{volt}S",
              voltage_v=volt, battery_ah=ah if batteries else 0.0, batteries=batteries)


_DRILL_KITS = _one(_kit(12, 2, 2.0, 0.75), _kit(18, 2, 2.0, 1.0), _kit(18, 2, 4.0, 1.25),
                   _kit(18, 2, 5.0, 1.4), _kit(18, 0, 0, 0.5))

POWER_TOOLS = (
    Leaf("Power tools > Drills & drivers > Cordless drill drivers", "DD", "Cordless drill driver {size}, {chuck} chuck",
         (_HOUSING, _HOUSING_MG), ("for drilling and screwdriving in wood, metal and plastics",), 175.0, 1.6,
         (200, 80, 230), series=_DRILL_KITS, standards=("EN 62841-2-1",), brand_color=True,
         extras={"chuck": ("10 mm", "13 mm"), "max_torque_nm": (40, 55, 60, 80)}, weight_in_pool=3, mto=0.02),
    Leaf("Power tools > Drills & drivers > Cordless combi drills", "CD",
         "Cordless combi drill {size}, {max_torque_nm} Nm, 13 mm metal chuck",
         (_HOUSING, _HOUSING_MG), ("for hammer drilling in masonry and screwdriving",), 215.0, 1.8, (210, 85, 240),
         series=_DRILL_KITS, standards=("EN 62841-2-1",), brand_color=True,
         extras={"max_torque_nm": (60, 75, 90, 120)}, mto=0.02),
    Leaf("Power tools > Drills & drivers > Cordless impact drivers", "ID",
         'Cordless impact driver {size}, 1/4" hex, {max_torque_nm} Nm',
         (_HOUSING, _HOUSING_MG), ("for driving long screws and bolts",), 190.0, 1.4, (160, 80, 230),
         series=_DRILL_KITS, brand_color=True, standards=("EN 62841-2-2",),
         extras={"max_torque_nm": (150, 180, 210)}, mto=0.02),
    Leaf("Power tools > Drills & drivers > Rotary hammers", "RH", "Rotary hammer {size}, 3 modes, in case",
         (_HOUSING_MG,), ("for drilling and chiselling concrete and masonry",), 240.0, 3.0, (370, 90, 210),
         series=_one(_s("SDS-plus 800 W, 2.7 J", 1.0, "8027", power_w=800, impact_energy_j=2.7),
                     _s("SDS-plus 18V 2.0 J, solo", 0.9, "18S", voltage_v=18, impact_energy_j=2.0),
                     _s("SDS-max 1150 W, 8.5 J", 2.2, "1185", power_w=1150, impact_energy_j=8.5)),
         standards=("EN 62841-2-6",), brand_color=True, mto=0.03),
    Leaf("Power tools > Grinders > Angle grinders", "AG", "Angle grinder {size}, M14, {guard}",
         (_HOUSING, _HOUSING_MG), ("for cutting and grinding metal and stone",), 95.0, 2.2, (300, 110, 100),
         series=_one(_s("115 mm 900 W", 0.7, "1109", disc_mm=115, power_w=900),
                     _s("125 mm 1200 W", 1.0, "1212", disc_mm=125, power_w=1200),
                     _s("150 mm 1500 W", 1.3, "1515", disc_mm=150, power_w=1500),
                     _s("230 mm 2200 W", 2.4, "2322", disc_mm=230, power_w=2200),
                     _s("125 mm 18V solo", 0.8, "1218", disc_mm=125, voltage_v=18)),
         standards=("EN 62841-3-9", "EN 60745-2-3"), brand_color=True,
         extras={"guard": ("tool-free guard", "restart protection", "soft start")}, weight_in_pool=3),
    Leaf("Power tools > Saws > Circular saws", "CS", "Circular saw {size}, {depth} cutting depth",
         (_HOUSING_MG,), ("for straight cuts in timber and panels",), 165.0, 4.0, (380, 270, 250),
         series=_one(_s("165 mm 1200 W", 0.85, "1612", depth="55 mm"), _s("190 mm 1400 W", 1.0, "1914", depth="66 mm"),
                     _s("235 mm 2000 W", 1.5, "2320", depth="85 mm"), _s("165 mm 18V solo", 0.8, "1618", depth="57 mm")),
         standards=("EN 62841-2-5",), brand_color=True),
    Leaf("Power tools > Saws > Jigsaws", "JS", "Jigsaw {size}, pendulum action, T-shank",
         (_HOUSING,), ("for curved and straight cuts in wood, metal and plastics",), 120.0, 2.3, (260, 80, 210),
         series=_one(_s("650 W", 1.0, "650", power_w=650), _s("800 W", 1.2, "800", power_w=800),
                     _s("18V solo", 0.85, "18S", voltage_v=18)), standards=("EN 62841-2-11",), brand_color=True),
    Leaf("Power tools > Saws > Reciprocating saws", "RS", "Reciprocating saw {size}, {stroke} stroke",
         (_HOUSING_MG,), ("for demolition, pipes and renovation",), 150.0, 3.2, (450, 90, 200),
         series=_one(_s("1100 W", 1.0, "1100", power_w=1100), _s("18V solo", 0.8, "18S", voltage_v=18)),
         extras={"stroke": ("28 mm", "32 mm")}, brand_color=True, standards=("EN 62841-2-11",)),
    Leaf("Power tools > Batteries & chargers > Batteries", "BP", "Battery pack {size} Li-ion, charge indicator",
         (_m("lithium-ion", "lithium-ion 18650/21700 cells, PC/ABS housing", "", "black", 1.0, 1.0, "LI"),),
         ("for the brand's cordless tool platform",), 85.0, 0.65, (115, 75, 70),
         series=_one(_s("12V 2.0Ah", 0.45, "1220"), _s("18V 2.0Ah", 0.6, "1820"), _s("18V 4.0Ah", 1.0, "1840"),
                     _s("18V 5.0Ah", 1.15, "1850"), _s("18V 8.0Ah", 1.7, "1880"), _s("36V 4.0Ah", 1.9, "3640")),
         standards=("IEC 62133-2", "UN 38.3"), brand_color=True, weight_in_pool=3, mto=0.01),
    Leaf("Power tools > Batteries & chargers > Chargers", "CH", "Fast charger {size}, with cooling fan",
         (_m("polycarbonate", "PC/ABS housing", "", "black", 1.0, 1.0, "PC"),), ("for the brand's battery packs",),
         45.0, 0.5, (170, 110, 80), series=_one(_s("12-18V, 4.0 A", 0.8, "40A"), _s("14.4-18V, 8.0 A", 1.2, "80A"),
                                                _s("18V dual bay", 1.6, "D18")),
         standards=("EN 60335-2-29",), brand_color=True, mto=0.01),
    Leaf("Power tools > Accessories > Twist drill bits", "HSS", "{mat} twist drill bit {std} {size}{pcs}",
         (_m("HSS-G", "HSS-G high-speed steel, ground, 118° split point", "HSS-G", "silver", 1.0, 1.0, "HG"),
          _m("HSS-Co5", "HSS-E with 5% cobalt (M35), 135° split point", "HSS-Co5", "gold", 2.2, 1.0, "CO"),
          _m("HSS-TiN", "HSS-G with titanium nitride coating", "HSS-TiN", "gold", 1.5, 1.0, "TN")),
         ("for drilling steel, cast iron and non-ferrous metals",), 1.1, 0.01, (90, 6, 6),
         series=_one(*(_s(f"{d:.1f} mm", (d / 6) ** 2.5, f"{round(d * 10):03d}", (float(round(d * 11 + 30)), d, d))
                       for d in (1.0, 2.0, 2.5, 3.0, 3.3, 4.0, 4.2, 5.0, 5.5, 6.0, 6.8, 8.0, 8.5, 10.0, 10.2, 12.0, 13.0))),
         standards=("DIN 338",), packs=(1, 5, 10), noun="Twist drill bit", weight_in_pool=4, pexp=0.7),
    Leaf("Power tools > Accessories > SDS-plus drill bits", "SDS", "SDS-plus hammer drill bit {size}, {cutter}",
         (_m("carbide-tipped steel", "tungsten carbide tip, hardened steel shank", "", "silver", 1.0, 1.0, "HM"),),
         ("for drilling concrete, reinforced concrete and masonry",), 4.5, 0.1, (160, 10, 10),
         series=tuple(tuple(_s(f"{d}x{length} mm", d * d * length / 16000, f"{d:02d}{length}", (float(length), float(d), float(d)))
                            for length in ls) for d, ls in ((6, (110, 160)), (8, (110, 160, 210)), (10, (160, 210, 310)),
                                                            (12, (160, 210, 310)), (14, (160, 210, 450)))),
         standards=("PGM", ""), extras={"cutter": ("2-cutter", "4-cutter")}, packs=(1, 5, 10), noun="SDS-plus drill bit"),
    Leaf("Power tools > Accessories > Cutting discs", "CUT", "Cutting disc {size} for {for_material}, {std}{pcs}",
         (_m("aluminium oxide", "aluminium oxide A60, resin bonded, glass-fibre reinforced", "", "black", 1.0, 1.0, "A60"),),
         ("for cutting with angle grinders",), 0.9, 0.05, (125, 125, 1),
         series=_one(_s("115x1.0x22.23 mm", 0.8, "115"), _s("125x1.0x22.23 mm", 1.0, "125"),
                     _s("125x1.6x22.23 mm", 1.3, "12516"), _s("230x1.9x22.23 mm", 3.5, "230")),
         standards=("EN 12413",), packs=(10, 25, 50), extras={"for_material": ("stainless steel (Inox)", "steel", "stone")},
         weight_in_pool=3),
    Leaf("Power tools > Accessories > Circular saw blades", "CSB", "Circular saw blade {size}, {teeth} teeth, carbide tipped, for {for_material}",
         (_m("carbide-tipped steel", "tungsten carbide teeth, laser-cut steel body", "", "silver", 1.0, 1.0, "HM"),),
         ("for circular and mitre saws",), 24.0, 0.4, (190, 190, 2),
         series=_one(_s("160x20 mm", 0.8, "160"), _s("190x30 mm", 1.0, "190"), _s("216x30 mm", 1.2, "216"),
                     _s("254x30 mm", 1.6, "254"), _s("305x30 mm", 2.2, "305")),
         extras={"teeth": (24, 40, 48, 60, 80), "for_material": ("wood", "laminate", "aluminium")}),
    Leaf("Power tools > Accessories > Jigsaw blades", "JSB", "Jigsaw blade {size} for {for_material}{pcs}",
         (_m("HCS", "high-carbon steel", "", "silver", 1.0, 1.0, "HC"), _m("bi-metal", "HSS/HCS bi-metal", "", "silver", 1.6, 1.0, "BM")),
         ("for T-shank jigsaws",), 1.3, 0.004, (100, 8, 1),
         series=_one(_s("T101B", 1.0), _s("T111C", 1.0), _s("T118A", 1.0), _s("T144D", 1.1), _s("T301CD", 1.2)),
         packs=(5, 25, 100), extras={"for_material": ("wood", "metal", "laminate")}),
    Leaf("Power tools > Accessories > Screwdriver bit sets", "BIT", 'Screwdriver bit set 1/4" {size}, impact rated, in box',
         (_m("S2 tool steel", "S2 tool steel, torsion zone, black oxide", "", "black", 1.0, 1.0, "S2"),),
         ("for cordless drivers and impact drivers",), 19.0, 0.25, (120, 80, 30),
         series=_one(_s("10 pcs PH/PZ", 0.5), _s("32 pcs PH/PZ/TX/hex", 1.0), _s("45 pcs PH/PZ/TX/hex/slotted", 1.4)),
         noun="Screwdriver bit set"),
)

# -- electrical ---------------------------------------------------------------------------
_CU_PVC = _m("copper/PVC", "plain copper conductors, PVC insulation and sheath", "", "grey", 1.0, 1.0, "CU")
_PA66 = _m("polyamide 6.6", "polyamide 6.6, UV-stabilised", "", "black", 1.0, 1.0, "PA")
_PC_THERMO = _m("thermoplastic", "polycarbonate, halogen-free, self-extinguishing", "", "white", 1.0, 1.0, "PC")


def _cable(section: str, copper_kg_per_m: float, lengths: tuple[int, ...]) -> tuple[Size, ...]:
    return tuple(_s(f"{section} mm², {length} m", copper_kg_per_m * length / 5.0, f"{section.replace('x', '').replace('.', '')}{length}",
                    (float(length * 1000), 10.0, 10.0), cross_section=section, length_m=length)
                 for length in lengths)


ELECTRICAL = (
    Leaf("Electrical > Cables & wires > Installation cables", "NYM", "Installation cable NYM-J {size} ring, {color}",
         (_CU_PVC,), ("for fixed installation in dry and damp rooms, on, in and under plaster",), 38.0, 5.0,
         series=(_cable("3x1.5", 0.12, (50, 100)), _cable("3x2.5", 0.17, (50, 100)), _cable("5x1.5", 0.18, (50, 100)),
                 _cable("5x2.5", 0.26, (50, 100)), _cable("5x6", 0.5, (50,)), _cable("5x10", 0.78, (50,))),
         colors=("grey",), standards=("DIN VDE 0250-204",), extras={"voltage_v": (500,)}, pexp=0.9, weight_in_pool=3),
    Leaf("Electrical > Cables & wires > Rubber cables", "HRN", "Rubber cable H07RN-F {size}, {color}",
         (_m("copper/rubber", "fine-stranded copper conductors, EPR insulation, CR sheath", "", "black", 1.0, 1.0, "RN"),),
         ("for heavy mechanical loads on construction sites and in workshops",), 55.0, 5.0,
         series=(_cable("3G1.5", 0.14, (25, 50)), _cable("3G2.5", 0.2, (25, 50)), _cable("5G2.5", 0.3, (25, 50)),
                 _cable("5G4", 0.45, (50,))), colors=("black",), standards=("EN 50525-2-21",), pexp=0.9),
    Leaf("Electrical > Cable management > Cable ties", "CT", "Cable tie {size} {color}{pcs}",
         (_PA66,), ("for bundling cables and hoses",), 0.04, 0.001, (200, 4, 1),
         series=_one(*(_s(f"{w}x{length} mm", w * length / 960, f"{round(w * 10):02d}{length}", (float(length), w, 1.2),
                          tensile_strength_n=t)
                       for w, length, t in ((2.5, 100, 80), (2.5, 200, 80), (3.6, 140, 180), (3.6, 200, 180),
                                            (4.8, 200, 220), (4.8, 300, 220), (7.6, 450, 550), (9.0, 780, 780)))),
         colors=("black", "natural", "white", "red", "blue"), standards=("UL 94 V-2", "EN 62275"), packs=(100, 500, 1000),
         weight_in_pool=3),
    Leaf("Electrical > Cable management > Conduits", "COR", "Corrugated conduit {size} PVC {color}, {length}, {std}",
         (_m("PVC", "PVC-U, halogen-containing, self-extinguishing", "", "grey", 1.0, 1.0, "PVC"),
          _m("polypropylene", "polypropylene, halogen-free", "", "grey", 1.3, 0.9, "PP")),
         ("for protecting cables in walls and on surfaces",), 18.0, 3.0, (450, 450, 100),
         series=_one(_s("M16", 0.7, "16"), _s("M20", 1.0, "20"), _s("M25", 1.4, "25"), _s("M32", 2.0, "32")),
         colors=("grey", "black"), standards=("EN 61386-22",), extras={"length": ("50 m",)}),
    Leaf("Electrical > Cable management > Cable trunking", "TRK", "Cable trunking {size} PVC {color}, 2 m",
         (_m("PVC", "PVC-U, lead-free", "", "white", 1.0, 1.0, "PVC"),), ("for surface-mounted cable routing",),
         6.5, 0.8, (2000, 40, 60),
         series=_one(*(_s(f"{w}x{h} mm", w * h / 2400 + 0.2, f"{w}{h}", (2000, w, h)) for w, h in ((15, 15), (20, 30), (40, 60), (60, 110)))),
         colors=("white", "grey"), standards=("EN 50085-2-1",), packs=(1, 10)),
    Leaf("Electrical > Circuit protection > Circuit breakers", "MCB", "Circuit breaker {size} {poles} 6 kA, {std}",
         (_PC_THERMO,), ("for protecting cables and loads against overload and short circuit",), 4.8, 0.12, (70, 18, 85),
         series=_one(*(_s(c, 1.0, c, current_a=int(c[1:]), tripping_curve=c[0])
                       for c in ("B6", "B10", "B13", "B16", "B20", "B25", "B32", "C10", "C16", "C20", "C32"))),
         standards=("EN 60898-1",), extras={"poles": ("1P", "1P+N", "3P")}, weight_in_pool=3),
    Leaf("Electrical > Circuit protection > Residual current devices", "RCD",
         "Residual current circuit breaker {size} {poles} 30 mA type {rcd_type}, {std}",
         (_PC_THERMO,), ("for protection against electric shock and fire",), 38.0, 0.4, (70, 72, 85),
         series=_one(_s("25 A", 0.9, current_a=25), _s("40 A", 1.0, current_a=40), _s("63 A", 1.3, current_a=63)),
         standards=("EN 61008-1",), extras={"poles": ("2P", "4P"), "rcd_type": ("A", "F", "B")}),
    Leaf("Electrical > Switches & sockets > Socket outlets", "SCK", "Schuko socket outlet flush-mounted, {color}, {size}",
         (_PC_THERMO,), ("for domestic and office installations",), 6.2, 0.08, (71, 71, 40),
         series=_one(_s("IP20", 1.0), _s("with child protection, IP20", 1.1), _s("IP44 with hinged lid", 1.5)),
         colors=("white", "alpine white", "anthracite", "aluminium", "black", "cream"), standards=("DIN VDE 0620-1",),
         extras={"voltage_v": (250,), "current_a": (16,)}, packs=(1, 10), weight_in_pool=3),
    Leaf("Electrical > Switches & sockets > Light switches", "SW", "Rocker switch {size} flush-mounted 10 AX 250 V, {color}",
         (_PC_THERMO,), ("for switching lighting circuits",), 5.0, 0.07, (71, 71, 35),
         series=_one(_s("on/off", 1.0), _s("two-way", 1.05), _s("intermediate", 1.4), _s("double", 1.3)),
         colors=("white", "alpine white", "anthracite", "aluminium", "black"), standards=("EN 60669-1",), packs=(1, 10)),
    Leaf("Electrical > Junction boxes > Surface-mounted junction boxes", "JB",
         "Junction box {size} {ip_rating}, {entries} cable entries, {color}",
         (_m("polypropylene", "polypropylene, halogen-free", "", "grey", 1.0, 1.0, "PP"),
          _m("polycarbonate", "polycarbonate, impact resistant IK08", "", "grey", 1.6, 1.1, "PC")),
         ("for connecting cables in damp and outdoor areas",), 3.5, 0.1, (100, 100, 50),
         series=_one(_s("75x75x45 mm", 0.6, dims=(75, 75, 45)), _s("100x100x50 mm", 1.0, dims=(100, 100, 50)),
                     _s("150x110x70 mm", 1.9, dims=(150, 110, 70)), _s("190x140x70 mm", 2.6, dims=(190, 140, 70))),
         colors=("grey", "black"), standards=("EN 60670-22",), extras={"ip_rating": ("IP55", "IP65"), "entries": (5, 7, 10)},
         packs=(1, 10)),
    Leaf("Electrical > Lighting > LED panels", "LP", "LED panel {size} {power_w} W {cct}, UGR<19",
         (_m("aluminium", "aluminium frame, PMMA light guide, opal diffuser", "", "white", 1.0, 1.0, "AL"),),
         ("for offices, schools and suspended ceilings",), 45.0, 3.2,
         series=_one(_s("595x595 mm", 1.0, dims=(595, 595, 10)), _s("620x620 mm", 1.05, dims=(620, 620, 10)),
                     _s("1195x295 mm", 1.0, dims=(1195, 295, 10))),
         standards=("EN 12464-1", "EN 60598-2-2"), extras={"power_w": (30, 36, 40), "cct": ("3000 K", "4000 K", "6500 K"),
                                                            "ip_rating": ("IP20", "IP44")}),
    Leaf("Electrical > Lighting > LED lamps", "LL", "LED lamp {size}, {cct}, {finish}",
         (_m("glass", "glass bulb, aluminium heat sink", "", "white", 1.0, 1.0, "GL"),
          _m("plastic", "PC bulb, plastic housing", "", "white", 0.8, 0.7, "PC")),
         ("for general lighting",), 3.8, 0.05, (110, 60, 60),
         series=_one(_s("E27 A60 8.5 W (60 W), 806 lm", 1.0, "E27806"), _s("E27 A60 13 W (100 W), 1521 lm", 1.4, "E271521"),
                     _s("E14 candle 4.9 W (40 W), 470 lm", 0.7, "E14470"), _s("GU10 4.7 W (50 W), 345 lm", 0.6, "GU10345")),
         standards=("EU 2019/2020",), extras={"cct": ("2700 K", "4000 K", "6500 K"), "finish": ("frosted", "clear")},
         packs=(1, 6, 10)),
    Leaf("Electrical > Lighting > LED floodlights", "FL", "LED floodlight {size} {cct} IP65, {color}",
         (_m("die-cast aluminium", "die-cast aluminium housing, tempered glass", "", "black", 1.0, 1.0, "AL"),),
         ("for building sites, car parks and facades",), 29.0, 0.9, (180, 140, 35),
         series=_one(_s("20 W 1800 lm", 0.6), _s("30 W 2700 lm", 0.8), _s("50 W 4500 lm", 1.0), _s("100 W 9500 lm", 1.8),
                     _s("150 W 14000 lm", 2.6)), colors=("black", "white", "grey"), standards=("EN 60598-2-5",),
         extras={"cct": ("4000 K", "6500 K"), "ip_rating": ("IP65",)}),
    Leaf("Electrical > Connectors & terminals > Lever wire connectors", "WC", "Lever wire connector {size}, 0.2-4 mm²{pcs}",
         (_m("polycarbonate", "polycarbonate housing, electrolytic copper contacts", "", "transparent", 1.0, 1.0, "PC"),),
         ("for connecting solid and stranded conductors",), 0.45, 0.005, (20, 13, 9),
         series=_one(_s("2-conductor", 0.8), _s("3-conductor", 1.0), _s("5-conductor", 1.4)),
         standards=("EN 60998-2-2",), packs=(25, 50, 100), extras={"voltage_v": (450,), "current_a": (32,)}),
    Leaf("Electrical > Connectors & terminals > Cable lugs", "CL", "Copper tube cable lug {size}, tinned, {std}{pcs}",
         (_m("copper", "electrolytic copper E-Cu, tinned", "", "silver", 1.0, 1.0, "CU"),),
         ("for crimping copper conductors",), 0.6, 0.01, (40, 12, 12),
         series=_one(*(_s(f"{s} mm² M{b}", s / 16, f"{s}{b}") for s, b in ((6, 6), (10, 8), (16, 8), (25, 8), (35, 10),
                                                                      (50, 10), (70, 12), (95, 12)))),
         standards=("DIN 46235", "DIN 46234"), packs=(10, 50, 100)),
    Leaf("Electrical > Extension leads & reels > Cable reels", "CR", "Cable reel {size} H07RN-F 3G2.5, {sockets} sockets, IP44",
         (_m("steel/rubber", "steel drum, H07RN-F rubber cable", "", "black", 1.0, 1.0, "ST"),
          _m("plastic/rubber", "impact-resistant plastic drum, H07RN-F rubber cable", "", "red", 0.85, 0.8, "PL")),
         ("for power supply on building sites",), 95.0, 11.0, (380, 300, 420),
         series=_one(_s("25 m", 0.6), _s("40 m", 0.85), _s("50 m", 1.0)), standards=("IEC 61242", "DIN VDE 0620-2-1"),
         extras={"sockets": (3, 4)}, mto=0.03),
)

# -- plumbing -----------------------------------------------------------------------------
_CU = _m("copper", "copper Cu-DHP (CW024A)", "copper", "copper", 1.0, 1.0, "CU")
_BRASS_FIT = _m("brass", "dezincification-resistant brass CW602N", "brass", "gold", 1.0, 1.0, "MS")
_INCH = ('1/4"', '3/8"', '1/2"', '3/4"', '1"', '1 1/4"', '1 1/2"', '2"')
_INCH_SCALE = (0.3, 0.45, 0.6, 1.0, 1.6, 2.6, 3.4, 5.5)


def _inch(first: int = 0, last: int = 8) -> tuple[tuple[Size, ...], ...]:
    return _one(*(_s(_INCH[k], _INCH_SCALE[k], f"{k + 1:02d}", dn=("DN 8", "DN 10", "DN 15", "DN 20", "DN 25", "DN 32",
                                                                  "DN 40", "DN 50")[k])
                  for k in range(first, last)))


def _pipe_mm(sizes: tuple[int, ...], ref: int = 22) -> tuple[tuple[Size, ...], ...]:
    return _one(*(_s(f"{d} mm", (d / ref) ** 2, f"{d:02d}", (float(d * 2), float(d + 6), float(d + 6)), pipe_diameter_mm=d)
                  for d in sizes))


PLUMBING = (
    Leaf("Plumbing > Fittings > Copper press fittings", "PF", "Copper press fitting {shape} {size}",
         (_CU,), ("for drinking water and heating installations",), 3.2, 0.06, series=_pipe_mm((12, 15, 18, 22, 28, 35, 42, 54)),
         standards=("EN 1254-7", "DVGW W 534"), extras={"shape": ("elbow 90°", "elbow 45°", "tee", "coupling", "reducer", "end cap"),
                                                         "press_profile": ("V-profile", "M-profile")},
         packs=(1, 10), weight_in_pool=4),
    Leaf("Plumbing > Fittings > Compression fittings", "CF", "Brass compression fitting {shape} {size}, {std}",
         (_BRASS_FIT, _m("nickel-plated brass", "brass CW617N, nickel plated", "", "silver", 1.3, 1.0, "NI")),
         ("for copper and steel pipes without soldering",), 3.9, 0.09, series=_pipe_mm((8, 10, 12, 15, 18, 22, 28)),
         standards=("EN 1254-2",), extras={"shape": ("straight coupling", "elbow 90°", "tee", "male adaptor")}, packs=(1, 10)),
    Leaf("Plumbing > Fittings > Malleable iron fittings", "MF", "Malleable iron fitting {shape} {size}, {mat}, {std}",
         (_m("malleable cast iron", "malleable cast iron EN-GJMB-350-10, hot-dip galvanised", "galvanised", "grey", 1.0, 1.0, "GV"),
          _m("malleable cast iron", "malleable cast iron EN-GJMB-350-10, black", "black", "black", 0.85, 1.0, "BK")),
         ("for threaded steel pipe installations",), 2.1, 0.12, series=_inch(2, 8), standards=("EN 10242",),
         extras={"shape": ("elbow 90°", "tee", "socket", "reducing socket", "plug", "nipple")}, packs=(1, 10)),
    Leaf("Plumbing > Pipes > Copper pipes", "CP", "Copper pipe {size}, {temper}, {length}, {std}",
         (_CU,), ("for drinking water, heating and gas installations",), 12.0, 1.6, (5000, 22, 22),
         series=_one(*(_s(f"{d}x{w} mm", (d / 22) ** 2, f"{d:02d}", (5000.0, float(d), float(d)), wall_mm=w, pipe_diameter_mm=d)
                       for d, w in ((12, 1.0), (15, 1.0), (18, 1.0), (22, 1.0), (28, 1.0), (35, 1.2), (42, 1.2), (54, 1.5)))),
         standards=("EN 1057",), extras={"temper": ("half-hard", "hard"), "length": ("5 m",)}, pexp=0.9, noun="Copper pipe"),
    Leaf("Plumbing > Pipes > Multilayer pipes", "MLP", "Multilayer pipe PE-RT/AL/PE-RT {size}, {length} coil, {std}",
         (_m("PE-RT/aluminium", "PE-RT inner and outer layer, butt-welded aluminium core", "", "white", 1.0, 1.0, "ML"),),
         ("for drinking water and radiator connections",), 95.0, 12.0, (800, 800, 150),
         series=_one(_s("16x2 mm", 1.0), _s("20x2 mm", 1.4), _s("26x3 mm", 2.4), _s("32x3 mm", 3.2)),
         standards=("ISO 21003",), extras={"length": ("100 m", "200 m")}, noun="Multilayer pipe"),
    Leaf("Plumbing > Valves > Ball valves", "BV", "Brass ball valve {size} full bore, {connection}, PN {pn}, {handle}",
         (_m("brass", "hot-pressed brass CW617N, nickel plated, PTFE seats", "", "silver", 1.0, 1.0, "MS"),),
         ("for shutting off water, heating and compressed air lines",), 8.5, 0.3, (70, 50, 60), series=_inch(0, 8),
         standards=("EN 13828",), extras={"connection": ("female/female", "male/female"), "pn": (25, 30, 40),
                                          "handle": ("lever handle", "T-handle")}, weight_in_pool=3),
    Leaf("Plumbing > Valves > Check valves", "CV", "Spring check valve {size}, brass, {std}",
         (_BRASS_FIT,), ("for preventing backflow in water and heating lines",), 6.0, 0.15, (60, 40, 40),
         series=_inch(2, 8), standards=("EN 13959",)),
    Leaf("Plumbing > Valves > Thermostatic radiator valves", "TRV", "Thermostatic radiator valve {size} {shape}, M30x1.5",
         (_m("brass", "nickel-plated brass body, EPDM seals", "", "silver", 1.0, 1.0, "MS"),),
         ("for room temperature control at radiators",), 12.0, 0.25, (80, 50, 50), series=_inch(2, 4),
         standards=("EN 215",), extras={"shape": ("angle", "straight", "axial")}),
    Leaf("Plumbing > Sealing > PTFE thread seal tape", "PTF", "PTFE thread seal tape {size}, {std}{rolls}",
         (_m("PTFE", "100% PTFE, density 0.35 g/cm³", "", "white", 1.0, 1.0, "PT"),),
         ("for sealing threaded pipe joints",), 0.9, 0.015, (50, 50, 12),
         series=_one(_s("12 mm x 12 m, 0.075 mm", 1.0), _s("12 mm x 12 m, 0.1 mm", 1.1), _s("19 mm x 15 m, 0.2 mm", 2.0)),
         standards=("EN 751-3",), packs=(1, 10)),
    Leaf("Plumbing > Sealing > Thread sealing cord", "TSC", "Thread sealing cord {size}, {std}",
         (_m("polyamide", "polyamide multifilament with non-curing paste", "", "white", 1.0, 1.0, "PA"),),
         ("for sealing metal and plastic threads in gas and water lines",), 9.0, 0.07, (70, 45, 45),
         series=_one(_s("50 m", 0.5), _s("150 m", 1.0)), standards=("EN 751-2", "DVGW")),
    Leaf("Plumbing > Pipe fixings > Pipe clamps", "PC", "Pipe clamp with rubber lining {size}, {thread}, {mat}{pcs}",
         (_m("steel", "galvanised steel, EPDM sound-insulating insert", "zinc plated", "silver", 1.0, 1.0, "ST"),
          _m("stainless steel A2", "A2 stainless steel (1.4301), EPDM insert", "stainless A2", "silver", 2.6, 1.0, "A2")),
         ("for fixing pipes to walls and ceilings with low noise transmission",), 0.9, 0.06, (60, 30, 60),
         series=_one(_s('3/8" (15-19 mm)', 0.7), _s('1/2" (20-23 mm)', 0.8), _s('3/4" (25-28 mm)', 1.0),
                     _s('1" (32-35 mm)', 1.2), _s('1 1/4" (40-43 mm)', 1.4), _s('2" (60-64 mm)', 2.0)),
         standards=("DIN 4109",), extras={"thread": ("M8", "M8/M10")}, packs=(10, 50), weight_in_pool=3),
    Leaf("Plumbing > Taps & mixers > Basin mixers", "BM", "Basin mixer single lever, {color}, {size}, {flow}",
         (_m("brass", "lead-free brass body, ceramic cartridge", "", "chrome", 1.0, 1.0, "MS"),
          _m("stainless steel", "AISI 304 stainless steel body, ceramic cartridge", "", "brushed steel", 1.5, 1.0, "SS")),
         ("for washbasins in commercial and residential washrooms",), 78.0, 1.6, (180, 50, 160),
         series=_one(_s("with pop-up waste", 1.0), _s("without waste", 0.9), _s("tall, with pop-up waste", 1.3)),
         colors=("chrome", "matt black", "brushed steel", "white"), standards=("EN 817",),
         extras={"flow": ("5 l/min", "7.5 l/min")}, mto=0.05),
    Leaf("Plumbing > Drainage > Bottle traps", "BT", 'Bottle trap 1 1/4" x {size}, {mat}',
         (_m("brass", "chrome-plated brass", "chrome-plated brass", "chrome", 1.0, 1.0, "MS"),
          _m("polypropylene", "polypropylene", "polypropylene", "white", 0.35, 0.3, "PP")),
         ("for washbasins",), 24.0, 0.6, (230, 70, 70), series=_one(_s("32 mm", 1.0), _s("40 mm", 1.1)),
         standards=("EN 274",), noun="Bottle trap"),
    Leaf("Plumbing > Drainage > Drain pipes", "HT", "HT drain pipe DN {size} PP, grey, {std}",
         (_m("polypropylene", "polypropylene PP-H, halogen-free", "", "grey", 1.0, 1.0, "PP"),),
         ("for domestic drainage inside buildings",), 4.0, 0.6, (1000, 50, 50),
         series=tuple(tuple(_s(f"{dn} x {length} mm", dn * length / 50000, f"{dn}{length // 10:03d}",
                               (float(length), dn + 5.0, dn + 5.0)) for length in (250, 500, 1000, 2000))
                      for dn in (40, 50, 75, 110)),
         standards=("EN 1451-1",), packs=(1, 10), noun="HT drain pipe"),
    Leaf("Plumbing > Hoses > Braided hoses", "BH", 'Braided flexible hose {size}, {length}, stainless steel',
         (_m("stainless steel/EPDM", "EPDM inner hose, AISI 304 stainless steel braid, brass ends", "", "silver", 1.0, 1.0, "SS"),),
         ("for connecting taps and appliances",), 6.0, 0.12, (350, 25, 25),
         series=_one(_s('3/8" F x M10 M', 1.0), _s('1/2" F x 1/2" F', 1.1), _s('3/8" F x 1/2" F', 1.05)),
         standards=("EN 13618",), extras={"length": ("300 mm", "350 mm", "500 mm")}, packs=(1, 2)),
)

# -- safety & PPE -------------------------------------------------------------------------
_GLOVE_SIZES = _one(*(_s(f"size {n} ({sz})", 0.85 + 0.05 * k, f"{n:02d}", glove_size=str(n))
                      for k, (n, sz) in enumerate(((6, "XS"), (7, "S"), (8, "M"), (9, "L"), (10, "XL"), (11, "XXL")))))
_DISPO_SIZES = _one(*(_s(f"size {sz}", 0.9 + 0.05 * k, sz, glove_size=sz) for k, sz in enumerate(("XS", "S", "M", "L", "XL", "XXL"))))
_CLOTH_SIZES = _one(*(_s(f"size {sz}", 0.9 + 0.05 * k, sz, clothing_size=sz)
                      for k, sz in enumerate(("S", "M", "L", "XL", "XXL", "3XL"))))
_SHOE_SIZES = _one(*(_s(f"size {n}", 0.8 + 0.02 * (n - 36), f"{n}", (float(n * 6.7), 110.0, 120.0), shoe_size=n)
                     for n in range(36, 49)))

SAFETY = (
    Leaf("Safety & PPE > Hand protection > Disposable gloves", "DG", "{mat_title} disposable gloves {size}, {color}, box of {pack}",
         (_m("nitrile", "100% nitrile, powder-free", "", "blue", 1.0, 1.0, "NI", mat_title="Nitrile"),
          _m("latex", "natural rubber latex, powder-free", "", "white", 0.9, 1.1, "LA", mat_title="Latex"),
          _m("vinyl", "PVC (vinyl), powder-free", "", "clear", 0.6, 1.0, "VI", mat_title="Vinyl")),
         ("for food handling, cleaning, laboratories and medical care",), 0.06, 0.004, (240, 100, 1),
         series=_DISPO_SIZES, colors=("blue", "black", "white", "violet"), standards=("EN ISO 374-1", "EN 455"),
         packs=(100, 200), noun="Disposable gloves", weight_in_pool=4),
    Leaf("Safety & PPE > Hand protection > Cut-resistant gloves", "CRG", "Cut-resistant gloves {std} {cut_code} {size}, {coating}, {color}",
         (_m("HPPE", "HPPE/glass fibre/polyamide knit, PU palm coating", "", "grey", 1.0, 1.0, "HP"),
          _m("aramid", "aramid/steel fibre knit, nitrile foam coating", "", "yellow", 1.5, 1.1, "AR")),
         ("for handling sharp sheet metal, glass and blades",), 7.5, 0.06, (250, 110, 10),
         series=_GLOVE_SIZES, colors=("grey", "black", "yellow", "green"), standards=("EN 388",),
         extras={"cut_code": ("4X42C", "4X43D", "4X44E", "4X43F"), "coating": ("PU coated", "nitrile foam coated")},
         packs=(1, 12), noun="Cut-resistant gloves", weight_in_pool=3),
    Leaf("Safety & PPE > Hand protection > Assembly gloves", "AG", "Assembly gloves {coating} {size}{pairs}",
         (_m("polyamide", "seamless polyamide knit, nitrile foam palm coating", "", "grey", 1.0, 1.0, "PA"),
          _m("polyester", "polyester knit, PU palm coating", "", "white", 0.8, 1.0, "PE")),
         ("for precision assembly and handling of small parts",), 2.2, 0.03, (240, 100, 8),
         series=_GLOVE_SIZES, standards=("EN 388", "EN ISO 21420"),
         extras={"coating": ("nitrile foam coated", "PU coated", "latex crinkle coated")}, packs=(1, 12), noun="Assembly gloves"),
    Leaf("Safety & PPE > Head protection > Safety helmets", "HLM", "Safety helmet {std} {color}{helmet_option}",
         (_m("HDPE", "high-density polyethylene shell, textile harness", "", "white", 1.0, 1.0, "PE"),
          _m("ABS", "ABS shell, 6-point textile harness", "", "white", 1.4, 1.05, "ABS")),
         ("for construction sites and industry",), 9.5, 0.36, (300, 230, 160),
         series=_one(_s("", 1.0)), colors=("white", "yellow", "red", "blue", "orange", "green"),
         standards=("EN 397", "EN 12492"), extras={"helmet_option": ("", ", ventilated", ", with ratchet", ", 440 V AC")},
         weight_in_pool=3),
    Leaf("Safety & PPE > Eye protection > Safety glasses", "SG", "Safety glasses {std} {color} lens, {coating}",
         (_m("polycarbonate", "polycarbonate lens, nylon frame", "", "clear", 1.0, 1.0, "PC"),),
         ("for protection against flying particles",), 4.5, 0.03, (160, 60, 50),
         series=_one(_s("", 1.0)), colors=("clear", "grey", "amber", "yellow", "mirrored"), standards=("EN 166", "EN 170", "EN 172"),
         extras={"coating": ("anti-fog", "anti-scratch", "anti-fog and anti-scratch")}, packs=(1, 10), noun="Safety glasses"),
    Leaf("Safety & PPE > Eye protection > Safety goggles", "GG", "Safety goggles {std} {size}, {coating}",
         (_m("polycarbonate", "polycarbonate lens, PVC frame", "", "clear", 1.0, 1.0, "PC"),),
         ("for protection against liquid splashes and dust",), 8.5, 0.09, (180, 70, 80),
         series=_one(_s("indirect vent", 1.0), _s("sealed", 1.2), _s("over-spectacle", 1.1)),
         standards=("EN 166",), extras={"coating": ("anti-fog", "anti-scratch")}, noun="Safety goggles"),
    Leaf("Safety & PPE > Hearing protection > Earplugs", "EP", "Foam earplugs SNR {snr_db} dB, {std}, {size}, {pack} pairs",
         (_m("polyurethane foam", "slow-recovery polyurethane foam", "", "orange", 1.0, 1.0, "PU"),),
         ("for noisy workplaces",), 0.12, 0.002, (25, 12, 12),
         series=_one(_s("in dispenser box", 1.0), _s("with cord", 1.6), _s("individually wrapped", 1.2)),
         colors=("orange", "yellow", "green"), standards=("EN 352-2",), extras={"snr_db": (35, 37, 39)},
         packs=(200, 100, 500), noun="Foam earplugs"),
    Leaf("Safety & PPE > Hearing protection > Earmuffs", "EM", "Earmuffs SNR {snr_db} dB, {size}, {std}",
         (_m("ABS", "ABS cups, PVC foam cushions", "", "yellow", 1.0, 1.0, "ABS"),),
         ("for construction, forestry and industry",), 18.0, 0.25, (200, 160, 90),
         series=_one(_s("headband", 1.0), _s("helmet-mounted", 1.1), _s("foldable", 1.05)),
         colors=("yellow", "red", "black", "green"), standards=("EN 352-1", "EN 352-3"), extras={"snr_db": (27, 30, 33)}, noun="Earmuffs"),
    Leaf("Safety & PPE > Respiratory protection > Disposable respirators", "FFP",
         "Disposable respirator {size} NR D {valve}, {std}, box of {pack}",
         (_m("polypropylene", "polypropylene meltblown filter media, latex-free", "", "white", 1.0, 1.0, "PP"),),
         ("for protection against fine dust and aerosols",), 0.9, 0.01, (160, 110, 50),
         series=_one(_s("FFP1", 0.6, protection_class="FFP1"), _s("FFP2", 1.0, protection_class="FFP2"),
                     _s("FFP3", 1.7, protection_class="FFP3")),
         standards=("EN 149",), extras={"valve": ("with valve", "without valve")}, packs=(10, 20), noun="Disposable respirator",
         weight_in_pool=3),
    Leaf("Safety & PPE > Respiratory protection > Half masks", "HM", "Half mask respirator {size}, {std}, bayonet fitting",
         (_m("silicone", "silicone face seal, polypropylene frame", "", "grey", 1.3, 1.0, "SI"),
          _m("TPE", "thermoplastic elastomer face seal", "", "blue", 1.0, 1.0, "TPE")),
         ("for use with gas and particle filters",), 24.0, 0.13, (130, 110, 90),
         series=_one(_s("size S", 1.0), _s("size M", 1.0), _s("size L", 1.0)), standards=("EN 140",)),
    Leaf("Safety & PPE > Workwear > Hi-vis vests", "HV", "Hi-vis safety vest {std} class 2, {color}, {size}",
         (_m("polyester", "100% polyester, retroreflective tape", "", "yellow", 1.0, 1.0, "PES"),),
         ("for road works, logistics and construction sites",), 3.2, 0.1, (300, 250, 5),
         series=_CLOTH_SIZES, colors=("yellow", "orange"), standards=("EN ISO 20471",), packs=(1, 10), noun="Hi-vis safety vest"),
    Leaf("Safety & PPE > Footwear > Safety shoes", "SS", "Safety shoes {std_class} SRC {style}, {size}, {color}, {std}",
         (_m("leather", "full-grain leather upper, PU/TPU sole, composite toe cap", "", "black", 1.0, 1.0, "LE"),
          _m("microfibre", "microfibre upper, PU/rubber sole, steel toe cap", "", "grey", 0.85, 1.05, "MF")),
         ("for construction, workshops and logistics",), 69.0, 0.62, (300, 110, 120),
         series=_SHOE_SIZES, colors=("black", "grey", "brown", "blue"), standards=("EN ISO 20345",),
         extras={"std_class": ("S1P", "S3", "S3S"), "style": ("low", "mid", "high boot")}, weight_in_pool=3,
         noun="Safety shoes"),
    Leaf("Safety & PPE > Fall protection > Safety harnesses", "FH", "Full body harness {std}, {size}, size {clothing_size}",
         (_m("polyester", "polyester webbing, galvanised steel D-rings", "", "red", 1.0, 1.0, "PES"),),
         ("for work at height and rescue",), 65.0, 1.1, (400, 300, 150),
         series=_one(_s("1 attachment point", 0.8), _s("2 attachment points", 1.0), _s("3 attachment points, belt", 1.6)),
         standards=("EN 361", "EN 358"), extras={"clothing_size": ("M-XL", "XL-XXL", "S-M")}, mto=0.04, noun="Full body harness"),
    Leaf("Safety & PPE > First aid > First aid kits", "FA", "First aid kit {std} {size}, {color}",
         (_m("ABS", "ABS case with wall bracket, sterile contents", "", "orange", 1.0, 1.0, "ABS"),
          _m("polypropylene", "polypropylene case", "", "white", 0.8, 1.0, "PP")),
         ("for workplaces, vehicles and workshops",), 28.0, 1.2, (300, 220, 90),
         series=_one(_s("small", 0.6), _s("wall-mounted", 1.0), _s("large, wall-mounted", 1.8)),
         colors=("orange", "white", "green"), standards=("DIN 13157", "DIN 13169"), noun="First aid kit"),
)

# -- packaging ----------------------------------------------------------------------------
_CARDBOARD = _m("corrugated cardboard", "100% recycled corrugated board, FSC Recycled", "", "brown", 1.0, 1.0, "KR")

PACKAGING = (
    Leaf("Packaging > Films & wraps > Stretch film", "SF", "Stretch film {size}, {color}, {kind}{rolls}",
         (_m("LLDPE", "LLDPE cast film, 5-layer", "", "transparent", 1.0, 1.0, "LL"),),
         ("for securing palletised loads",), 11.0, 2.4, (500, 110, 110),
         series=_one(_s("450 mm x 300 m, 17 µm", 0.8), _s("500 mm x 300 m, 23 µm", 1.0), _s("500 mm x 270 m, 20 µm", 0.85),
                     _s("500 mm x 1500 m, 23 µm", 4.8), _s("500 mm x 1700 m, 17 µm", 4.3)),
         colors=("transparent", "black", "blue"), standards=("EN 13455", ""), packs=(1, 6),
         extras={"kind": ("hand film", "machine film"), "core_mm": (50, 76)}, weight_in_pool=3, noun="Stretch film"),
    Leaf("Packaging > Films & wraps > Bubble wrap", "BW", "Bubble wrap {size}, {bubble} bubbles",
         (_m("LDPE", "LDPE, 2-layer", "", "transparent", 1.0, 1.0, "LD"), _m("recycled LDPE", "80% recycled LDPE", "", "transparent", 0.9, 1.0, "RL")),
         ("for protecting fragile goods in transit",), 24.0, 3.0, (1000, 400, 400),
         series=_one(*(_s(f"{w} mm x 100 m", w / 1000, f"{w // 10}", (w, 400, 400)) for w in (500, 1000, 1500))),
         extras={"bubble": ("10 mm", "30 mm")}),
    Leaf("Packaging > Boxes > Single-wall cardboard boxes", "SB", "Cardboard box single wall {size}, {color}, {std}{pcs}",
         (_CARDBOARD,), ("for shipping and storage",), 0.45, 0.18,
         series=_one(*(_s(f"{a}x{b}x{c} mm", a * b * c / 9e6, f"{a // 10}{b // 10}{c // 10}", (float(a), float(b), float(c)))
                       for a, b, c in ((200, 150, 100), (250, 175, 100), (300, 200, 150), (300, 300, 300), (400, 300, 200),
                                       (400, 300, 300), (500, 350, 300), (600, 400, 400)))),
         colors=("brown", "white"), standards=("FEFCO 0201",), packs=(10, 25, 50), extras={"flute": ("B-flute", "C-flute")},
         weight_in_pool=3, noun="Cardboard box", packed_share=0.03),
    Leaf("Packaging > Boxes > Double-wall cardboard boxes", "DB", "Double-wall cardboard box {std} {size}, brown{pcs}",
         (_CARDBOARD,), ("for heavy and export shipments",), 1.6, 0.55,
         series=_one(*(_s(f"{a}x{b}x{c} mm", a * b * c / 4.8e7, f"{a // 10}{b // 10}{c // 10}", (float(a), float(b), float(c)))
                       for a, b, c in ((400, 300, 300), (500, 400, 300), (600, 400, 400), (800, 600, 500), (1200, 800, 600)))),
         standards=("FEFCO 0201",), packs=(5, 10, 20), extras={"flute": ("BC-flute",)}, mto=0.12, noun="Double-wall cardboard box",
         packed_share=0.04),
    Leaf("Packaging > Boxes > Mailing tubes", "MT", "Mailing tube {size} with end caps, {color}{pcs}",
         (_m("spiral-wound cardboard", "spiral-wound kraft board, PE caps", "", "brown", 1.0, 1.0, "KR"),),
         ("for posters, plans and drawings",), 0.9, 0.12,
         series=_one(_s("430x60 mm", 0.7, dims=(430, 60, 60)), _s("630x75 mm", 1.0, dims=(630, 75, 75)),
                     _s("1030x100 mm", 1.9, dims=(1030, 100, 100))),
         colors=("brown", "white"), packs=(10, 25)),
    Leaf("Packaging > Tapes > Packing tape", "PT", "Packing tape {mat_title} {size}, {color}, {noise}{rolls}",
         (_m("polypropylene", "biaxially oriented polypropylene, acrylic adhesive", "", "brown", 1.0, 1.0, "PP", mat_title="PP"),
          _m("PVC", "PVC film, natural rubber adhesive", "", "brown", 1.4, 1.1, "PVC", mat_title="PVC"),
          _m("paper", "kraft paper, natural rubber adhesive", "", "brown", 1.3, 1.0, "PA", mat_title="paper")),
         ("for sealing cartons",), 1.6, 0.2, (100, 100, 50),
         series=_one(_s("50 mm x 66 m", 1.0), _s("48 mm x 66 m", 0.95), _s("75 mm x 66 m", 1.5), _s("50 mm x 132 m", 1.9)),
         colors=("brown", "clear", "white"), packs=(6, 36), extras={"noise": ("low-noise", "standard")},
         weight_in_pool=3, noun="Packing tape"),
    Leaf("Packaging > Strapping > PP strapping", "PS", "PP strapping {size}, {color}, {std}",
         (_m("polypropylene", "polypropylene, embossed", "", "black", 1.0, 1.0, "PP"),),
         ("for bundling and securing loads",), 38.0, 14.0, (406, 406, 160),
         series=_one(_s("12 mm x 0.55 mm x 3000 m", 1.0), _s("15 mm x 0.6 mm x 2000 m", 0.9), _s("9 mm x 0.55 mm x 4000 m", 1.0)),
         colors=("black", "white", "blue"), standards=("EN 13394",), extras={"core_mm": (200, 406)}),
    Leaf("Packaging > Void fill > Air cushions", "AC", "Air cushion film {size}, {roll}",
         (_m("HDPE", "HDPE film, 20 µm", "", "transparent", 1.0, 1.0, "HD"),),
         ("for filling voids in shipping cartons",), 32.0, 3.0, (400, 400, 400),
         series=_one(_s("200x100 mm", 1.0), _s("200x200 mm", 1.0), _s("400x200 mm", 1.1)),
         extras={"roll": ("450 m roll", "700 m roll")}),
    Leaf("Packaging > Mailers > Padded envelopes", "PE", "Padded envelope bubble-lined {size}, {color}{pcs}",
         (_m("kraft paper/LDPE", "kraft paper outer, LDPE bubble lining", "", "white", 1.0, 1.0, "KP"),),
         ("for shipping small items and documents",), 0.18, 0.012,
         series=_one(*(_s(f"{c} {a}x{b} mm", a * b / 58000, c.replace("/", ""), (float(b), float(a), 5.0))
                       for c, a, b in (("A/11", 100, 165), ("C/13", 150, 215), ("D/14", 180, 265), ("E/15", 220, 265),
                                       ("G/17", 230, 340), ("H/18", 270, 360), ("K/20", 350, 470)))),
         colors=("white", "brown"), packs=(100, 200), noun="Padded envelope"),
    Leaf("Packaging > Mailers > Poly mailer bags", "PM", "Poly mailer bag {size}, {thickness_um} µm, {color}{pcs}",
         (_m("LDPE", "co-extruded LDPE", "", "grey", 1.0, 1.0, "LD"), _m("recycled LDPE", "100% recycled LDPE", "", "grey", 1.1, 1.0, "RL")),
         ("for shipping textiles and soft goods",), 0.08, 0.02,
         series=_one(_s("250x350 mm", 0.6), _s("325x425 mm", 1.0), _s("400x525 mm", 1.5), _s("550x700 mm", 2.6)),
         colors=("grey", "white", "black"), packs=(100, 500, 1000), extras={"thickness_um": (50, 60, 80)}),
    Leaf("Packaging > Labels > Shipping labels", "SL", "Thermal shipping labels {size}, {labels} labels/roll, {core_mm} mm core",
         (_m("thermal paper", "direct thermal paper, permanent acrylic adhesive", "", "white", 1.0, 1.0, "TH"),),
         ("for thermal label printers in dispatch",), 5.5, 0.45, (150, 120, 120),
         series=_one(_s("100x150 mm", 1.0), _s("100x100 mm", 0.7), _s("102x76 mm", 0.55), _s("57x32 mm", 0.3)),
         packs=(1, 6, 12), extras={"labels": (500, 1000), "core_mm": (25, 76)}, noun="Thermal shipping labels"),
    Leaf("Packaging > Pallet protection > Edge protectors", "EG", "Cardboard edge protector {size}, {length}{pcs}",
         (_m("laminated cardboard", "laminated recycled cardboard", "", "brown", 1.0, 1.0, "KR"),),
         ("for protecting pallet edges against strapping damage",), 0.4, 0.15,
         series=_one(_s("35x35x3 mm", 1.0), _s("50x50x3 mm", 1.4), _s("50x50x5 mm", 2.0)),
         standards=("",), packs=(50, 100), extras={"length": ("800 mm", "1000 mm", "1200 mm")}, noun="Cardboard edge protector"),
)

# -- office supplies ----------------------------------------------------------------------
_PAPER = _m("paper", "wood-free uncoated paper, ECF bleached, FSC Mix", "", "white", 1.0, 1.0, "PA")

OFFICE = (
    Leaf("Office supplies > Paper > Copy paper", "CP", "Copy paper {size} {gsm} g/m², {pack} sheets",
         (_PAPER, _m("recycled paper", "100% recycled paper, Blue Angel", "", "white", 0.95, 1.0, "RE")),
         ("for laser and inkjet printers and copiers",), 0.0095, 0.005, (297, 210, 0.1),
         series=_one(_s("A4", 1.0, dims=(297, 210, 0.1)), _s("A3", 2.0, dims=(420, 297, 0.1))),
         standards=("EN 12281", "ISO 9706"), packs=(500, 2500), extras={"gsm": (75, 80, 90, 100)},
         weight_in_pool=4, noun="Copy paper"),
    Leaf("Office supplies > Paper > Notepads", "NP", "Notepad {size} {ruling}, {sheets} sheets, 70 g/m²{pcs}",
         (_PAPER,), ("for notes in office and field work",), 1.2, 0.2, (297, 210, 10),
         series=_one(_s("A4", 1.0, dims=(297, 210, 10)), _s("A5", 0.5, dims=(210, 148, 10)), _s("A6", 0.25, dims=(148, 105, 10))),
         packs=(1, 10), extras={"ruling": ("squared 5 mm", "ruled", "blank"), "sheets": (50, 80, 100)}),
    Leaf("Office supplies > Writing instruments > Ballpoint pens", "BP", "Retractable ballpoint pen, {size}, {color}{pcs}",
         (_m("plastic", "ABS barrel, rubber grip, stainless steel tip", "", "blue", 1.0, 1.0, "ABS"),
          _m("aluminium", "anodised aluminium barrel", "", "silver", 2.5, 1.5, "AL")),
         ("for everyday writing",), 0.45, 0.01, (145, 11, 11),
         series=_one(_s("fine 0.5 mm", 1.0), _s("medium 0.7 mm", 1.0), _s("broad 1.0 mm", 1.0)),
         colors=("blue", "black", "red", "green"), standards=("ISO 12757-2",), packs=(10, 20, 50), weight_in_pool=3),
    Leaf("Office supplies > Writing instruments > Permanent markers", "PM", "Permanent marker {size}, {color}{pcs}",
         (_m("plastic", "polypropylene barrel, alcohol-based ink", "", "black", 1.0, 1.0, "PP"),),
         ("for writing on cardboard, metal, glass and plastics",), 0.9, 0.012, (135, 15, 15),
         series=_one(_s("bullet tip 1.5-3 mm", 1.0), _s("chisel tip 1-5 mm", 1.05), _s("fine tip 0.8 mm", 0.95)),
         colors=("black", "blue", "red", "green"), packs=(10, 12)),
    Leaf("Office supplies > Writing instruments > Highlighters", "HL", "Highlighter {size}, {color}{pcs}",
         (_m("plastic", "polypropylene barrel, water-based ink", "", "yellow", 1.0, 1.0, "PP"),),
         ("for marking text",), 0.6, 0.012, (120, 20, 15),
         series=_one(_s("chisel tip 1-5 mm", 1.0), _s("chisel tip 2-5 mm", 1.0)),
         colors=("yellow", "green", "pink", "orange", "blue"), packs=(4, 10)),
    Leaf("Office supplies > Filing > Lever arch files", "LA", "Lever arch file {size} spine, {color}{pcs}",
         (_m("cardboard/PP", "cardboard core, polypropylene cover", "", "blue", 1.0, 1.0, "PP"),
          _m("cardboard", "marbled cardboard", "", "black", 0.7, 1.0, "KA")),
         ("for A4 documents",), 2.3, 0.5, (320, 285, 80),
         series=_one(_s("A4 50 mm", 0.8, dims=(320, 285, 50)), _s("A4 80 mm", 1.0, dims=(320, 285, 80))),
         colors=("blue", "black", "red", "green", "yellow", "grey", "white"), packs=(1, 10, 20)),
    Leaf("Office supplies > Filing > Punched pockets", "PP", "Punched pockets {size}, {thickness_um} µm, clear{pcs}",
         (_m("polypropylene", "polypropylene, acid-free", "", "transparent", 1.0, 1.0, "PP"),),
         ("for filing documents in ring binders",), 0.04, 0.005, (305, 230, 0.1),
         series=_one(_s("A4", 1.0), _s("A5", 0.55), _s("A4 maxi", 1.15)),
         packs=(100,), extras={"thickness_um": (50, 80, 120)}),
    Leaf("Office supplies > Desk accessories > Staplers", "ST", "Stapler {size}, {color}",
         (_m("metal", "chrome-plated steel, plastic cover", "", "black", 1.0, 1.0, "ME"),),
         ("for office documents",), 9.0, 0.35, (160, 40, 60),
         series=_one(_s("24/6 for 30 sheets", 1.0), _s("24/6 for 40 sheets", 1.2), _s("23/10 heavy-duty for 100 sheets", 3.5)),
         colors=("black", "silver", "blue", "red")),
    Leaf("Office supplies > Desk accessories > Staples", "SP", "Staples {size}, galvanised, {pack} pcs",
         (_m("steel wire", "galvanised steel wire", "", "silver", 1.0, 1.0, "ST"),), ("for office staplers",), 0.0012, 0.00003,
         (12, 6, 1), series=_one(_s("24/6", 1.0), _s("26/6", 1.0), _s("24/8", 1.2), _s("23/10", 1.6), _s("23/13", 2.0)),
         packs=(1000, 5000), noun="Staples"),
    Leaf("Office supplies > Desk accessories > Sticky notes", "SN", "Sticky notes {size}, {color}, {pads} pads of 100 sheets",
         (_PAPER,), ("for notes and reminders",), 0.9, 0.07, (76, 76, 10),
         series=_one(_s("76x76 mm", 1.0, dims=(76, 76, 10)), _s("38x51 mm", 0.4, dims=(51, 38, 10)), _s("76x127 mm", 1.5, dims=(127, 76, 10))),
         colors=("yellow", "pastel mix", "neon mix", "pink", "green"), extras={"pads": (6, 12)}),
    Leaf("Office supplies > Printer supplies > Thermal paper rolls", "TR", "Thermal paper roll {size}, {core_mm} mm core{rolls}",
         (_m("thermal paper", "BPA-free thermal paper, 55 g/m²", "", "white", 1.0, 1.0, "TH"),),
         ("for cash registers, card terminals and receipt printers",), 0.6, 0.05, (57, 40, 40),
         series=_one(_s("57 mm x 40 m", 1.0), _s("80 mm x 80 m", 2.6), _s("57 mm x 18 m", 0.5)),
         packs=(10, 50), extras={"core_mm": (12,)}, standards=("EN 71-3", "")),
    Leaf("Office supplies > Envelopes > Envelopes", "EV", "Envelope {size}, {closure}, {color}{pcs}",
         (_m("paper", "wood-free paper 90 g/m²", "", "white", 1.0, 1.0, "PA"),),
         ("for letters and documents",), 0.05, 0.006,
         series=_one(_s("DL 110x220 mm", 1.0, dims=(220, 110, 0.3)), _s("C5 162x229 mm", 1.4, dims=(229, 162, 0.3)),
                     _s("C4 229x324 mm", 2.6, dims=(324, 229, 0.3))),
         colors=("white", "brown"), standards=("ISO 269",), packs=(250, 500, 1000),
         extras={"closure": ("self-seal", "peel and seal", "gummed")}),
    Leaf("Office supplies > Batteries > Alkaline batteries", "AB", "Alkaline battery {size} 1.5 V{pcs}",
         (_m("alkaline", "zinc/manganese dioxide (alkaline), mercury-free", "", "black", 1.0, 1.0, "AK"),),
         ("for remote controls, measuring devices and torches",), 0.45, 0.023, (50, 14, 14),
         series=_one(_s("AAA (LR03)", 0.5, dims=(44, 10, 10)), _s("AA (LR6)", 1.0, dims=(50, 14, 14)),
                     _s("C (LR14)", 2.9, dims=(50, 26, 26)), _s("D (LR20)", 5.9, dims=(61, 34, 34))),
         standards=("IEC 60086-2",), packs=(4, 10, 24, 40), weight_in_pool=3, noun="Alkaline battery"),
    Leaf("Office supplies > Labels > Multipurpose labels", "ML", "Multipurpose labels {size}, A4, {pack} labels",
         (_m("paper", "matt white paper, permanent adhesive", "", "white", 1.0, 1.0, "PA"),),
         ("for addressing, marking and filing",), 0.012, 0.0005, (70, 37, 0.1),
         series=_one(_s("70x37 mm", 1.0), _s("105x48 mm", 1.9), _s("210x297 mm", 23.0), _s("38x21.2 mm", 0.3)),
         packs=(100, 1200, 2400), noun="Multipurpose labels"),
)


# -- brands -------------------------------------------------------------------------------
def _mpn_standard(code: str, fam: int, sz: str, mat: str, std: str) -> str:
    return f"{std or code}-{sz}-{mat}.{fam % 1000:03d}"


def _mpn_code_digits(code: str, fam: int, sz: str, mat: str, std: str) -> str:
    return f"{code}{fam % 100000:05d}-{sz}"


def _mpn_dotted(code: str, fam: int, sz: str, mat: str, std: str) -> str:
    return f"{fam % 10000:04d}.{sz}.{mat}"


def _mpn_slashed(code: str, fam: int, sz: str, mat: str, std: str) -> str:
    return f"{code}/{fam % 1000:03d}-{sz}-{mat}"


def _mpn_digits(code: str, fam: int, sz: str, mat: str, std: str) -> str:
    return f"{fam % 1000000:06d}{sz}"


def _mpn_model(code: str, fam: int, sz: str, mat: str, std: str) -> str:
    return f"{code}{sz}-{fam % 100:02d}.{fam // 100 % 10}"


@dataclass(frozen=True)
class Brand:
    name: str
    manufacturer: str
    country: str
    gs1: str  # 3-digit GS1 prefix of the brand's home organisation
    lines: tuple[str, ...]
    mpn: Callable[[str, int, str, str, str], str]
    price: float = 1.0
    color: str = "black"  # signature colour of its machines
    weight: int = 2

    @cached_property
    def slug(self) -> str:
        return _slug(self.name)


def _slug(text: str) -> str:
    return "-".join("".join(c if c.isalnum() else " " for c in text.lower()).split())


@dataclass(frozen=True)
class Segment:
    name: str
    prefix: str
    leaves: tuple[Leaf, ...]
    brands: tuple[Brand, ...]
    origins: tuple[str, ...]  # where contract manufacturing happens
    certificates: tuple[tuple[str, str, str], ...]  # kind, title, slug
    numbered_models: bool
    weight: int
    video: float = 0.05
    cad: float = 0.0
    diagram: float = 0.0
    manual: float = 0.0

    @cached_property
    def slug(self) -> str:
        return _slug(self.name)


SEGMENTS = (
    Segment("Fasteners", "FAS", FASTENERS, (
        Brand("Fixora", "Fixora", "DE", "401", ("ProFix", "InoxLine", "BasicFix"), _mpn_standard, 1.05, weight=3),
        Brand("Boltmark", "Boltmark", "GB", "503", ("Trade", "Marine Grade", "Structural"), _mpn_slashed, 1.0),
        Brand("Nordfast", "Nordfast", "SE", "731", ("NF Standard", "NF Stainless"), _mpn_dotted, 1.1),
        Brand("Viteria Lombarda", "Viteria Lombarda", "IT", "802", ("Serie Industriale", "Serie Inox"), _mpn_digits, 0.95),
        Brand("Taiyang", "Taiyang Metal Industry Co.", "TW", "471", ("TY Industrial", "TY Eco"), _mpn_code_digits, 0.8, weight=3),
        Brand("Ankerwerk", "Fixora", "DE", "406", ("AW Anchor", "AW Fix"), _mpn_standard, 1.1),
    ), ("CN", "TW", "IN", "IT", "DE"), (
        ("certificate", "ISO 9001:2015 certificate", "iso-9001"),
        ("certificate", "EN 10204 3.1 inspection certificate", "en-10204-3-1"),
        ("declaration", "RoHS declaration", "rohs"), ("declaration", "REACH declaration", "reach"),
    ), False, 22, cad=0.25),
    Segment("Hand tools", "HTL", HAND_TOOLS, (
        Brand("Stahlhand", "Stahlhand", "DE", "402", ("Profi", "Classic"), _mpn_dotted, 1.2),
        Brand("Ironpeak", "Hartwell Group", "US", "008", ("Pro Series", "Workshop"), _mpn_code_digits, 1.0, weight=3),
        Brand("Hartwell", "Hartwell Group", "GB", "501", ("Trade", "Heritage"), _mpn_slashed, 1.1),
        Brand("Cobalto", "Cobalto", "ES", "843", ("Maestro", "Obra"), _mpn_digits, 0.85),
        Brand("Kanto Seiko", "Kanto Seiko", "JP", "451", ("KS Precision", "KS Standard"), _mpn_code_digits, 1.35),
        Brand("Fjordtool", "Fjordtool", "NO", "702", ("Fjord", "Arctic"), _mpn_dotted, 1.15),
        Brand("Grifo Utensili", "Grifo Utensili", "IT", "803", ("Officina", "Cantiere"), _mpn_standard, 0.95),
    ), ("CN", "TW", "DE", "PL"), (
        ("certificate", "ISO 9001:2015 certificate", "iso-9001"), ("certificate", "GS certificate", "gs"),
        ("declaration", "REACH declaration", "reach"),
    ), True, 12, video=0.05),
    Segment("Power tools", "PWT", POWER_TOOLS, (
        Brand("Voltrex", "Voltrex Power Tools Co.", "CN", "693", ("VX", "VX Pro"), _mpn_model, 0.8, "orange", 3),
        Brand("Hartwell Pro", "Hartwell Group", "GB", "501", ("HP", "HP Max"), _mpn_model, 1.15, "blue"),
        Brand("Brennwerk", "Brennwerk", "DE", "403", ("BW", "BW Expert"), _mpn_model, 1.25, "green"),
        Brand("Kazumi", "Kazumi", "JP", "452", ("KZ", "KZ-X"), _mpn_code_digits, 1.2, "teal"),
        Brand("Torqon", "Torqon", "US", "009", ("TQ", "TQ Fuel"), _mpn_model, 1.1, "yellow"),
        Brand("Ampforge", "Ampforge", "CN", "694", ("AF", "AF Plus"), _mpn_code_digits, 0.7, "red"),
    ), ("CN", "MY", "VN", "DE"), (
        ("declaration", "EU declaration of conformity (CE)", "ce"),
        ("certificate", "ISO 9001:2015 certificate", "iso-9001"), ("declaration", "RoHS declaration", "rohs"),
    ), True, 10, video=0.45, cad=0.03, manual=0.75),
    Segment("Electrical", "ELE", ELECTRICAL, (
        Brand("Elektrova", "Elektrova", "CZ", "859", ("EV Classic", "EV Modular"), _mpn_dotted, 0.9),
        Brand("Voltline", "Voltline", "DE", "405", ("VL Basic", "VL Design", "VL Industrial"), _mpn_standard, 1.1, weight=3),
        Brand("Kabelwerk Nord", "Kabelwerk Nord", "DE", "407", ("KN Install", "KN Flex"), _mpn_digits, 1.0),
        Brand("Sparkhaus", "Sparkhaus", "AT", "901", ("SH Home", "SH Pro"), _mpn_slashed, 1.05),
        Brand("Circuita", "Circuita", "FR", "301", ("Domo", "Indus"), _mpn_dotted, 1.0),
        Brand("Ohmtec", "Ohmtec", "TR", "868", ("OT Eco", "OT Pro"), _mpn_code_digits, 0.75),
        Brand("Lumora", "Circuita", "IT", "804", ("Office", "Flood", "Retrofit"), _mpn_code_digits, 1.1),
    ), ("CN", "CZ", "PL", "TR"), (
        ("declaration", "EU declaration of conformity (CE)", "ce"), ("certificate", "VDE certificate", "vde"),
        ("declaration", "RoHS declaration", "rohs"), ("certificate", "ENEC certificate", "enec"),
    ), True, 15, video=0.04, diagram=0.3),
    Segment("Plumbing", "PLB", PLUMBING, (
        Brand("Aquaflux", "Aquaflux", "IT", "805", ("AF Press", "AF Flex"), _mpn_dotted, 1.0),
        Brand("Rohrmeister", "Rohrmeister", "DE", "408", ("RM Classic", "RM Pro"), _mpn_standard, 1.15, weight=3),
        Brand("Pressline", "Rohrmeister", "DE", "409", ("PL Cu", "PL Inox"), _mpn_code_digits, 1.1),
        Brand("Hydrova", "Hydrova", "ES", "844", ("Hydro", "Hydro Plus"), _mpn_digits, 0.9),
        Brand("Valvetta", "Valvetta", "IT", "806", ("Serie V", "Serie Inox"), _mpn_slashed, 1.05),
        Brand("Tubecraft", "Tubecraft", "GB", "504", ("Trade", "Premier"), _mpn_code_digits, 1.0),
    ), ("IT", "CN", "TR", "PL"), (
        ("certificate", "DVGW certificate", "dvgw"), ("certificate", "WRAS approval", "wras"),
        ("certificate", "ISO 9001:2015 certificate", "iso-9001"), ("declaration", "Declaration of performance", "dop"),
    ), True, 12, cad=0.2),
    Segment("Safety & PPE", "PPE", SAFETY, (
        Brand("Shieldon", "Shieldon", "DE", "410", ("Shield", "Shield Pro"), _mpn_code_digits, 1.1, weight=3),
        Brand("Guardix", "Guardix", "FR", "302", ("G-Flex", "G-Tech"), _mpn_model, 1.05),
        Brand("SafeHand", "SafeHand Gloves Sdn Bhd", "MY", "955", ("Grip", "Derma"), _mpn_code_digits, 0.8),
        Brand("Vigilo", "Vigilo", "IT", "807", ("Linea Blu", "Linea Pro"), _mpn_dotted, 1.0),
        Brand("Ochrona", "Ochrona", "PL", "590", ("OCH Basic", "OCH Plus"), _mpn_slashed, 0.85),
        Brand("Nitrilon", "Siam Polymer Industries", "TH", "885", ("Nitrilon", "Nitrilon Ultra"), _mpn_digits, 0.75),
        Brand("Helmsafe", "Helmsafe", "GB", "505", ("Site", "Pro"), _mpn_standard, 1.0),
    ), ("CN", "MY", "VN", "PK", "TH"), (
        ("certificate", "EU type-examination certificate (Module B)", "eu-type-exam"),
        ("declaration", "EU declaration of conformity (PPE Regulation 2016/425)", "ce-ppe"),
        ("certificate", "ISO 9001:2015 certificate", "iso-9001"),
    ), True, 12, video=0.03),
    Segment("Packaging", "PKG", PACKAGING, (
        Brand("Wrapton", "Euro Pack Holding", "NL", "871", ("WrapPro", "EcoWrap"), _mpn_code_digits, 1.0),
        Brand("Kartonia", "Kartonia", "PL", "591", ("Standard", "Export"), _mpn_digits, 0.85, weight=3),
        Brand("Packwell", "Packwell", "GB", "506", ("Essentials", "Pro"), _mpn_slashed, 1.05),
        Brand("Flexifilm", "Flexifilm", "TR", "869", ("Flexi", "Flexi Nano"), _mpn_dotted, 0.9),
        Brand("Tapeline", "Euro Pack Holding", "IT", "808", ("Silent", "Classic"), _mpn_code_digits, 1.0),
        Brand("Boxmaker Nord", "Boxmaker Nord", "DE", "411", ("BN Box", "BN Heavy"), _mpn_standard, 1.1),
    ), ("PL", "DE", "TR", "CN"), (
        ("certificate", "FSC chain-of-custody certificate", "fsc"),
        ("declaration", "Food contact declaration (EU 10/2011)", "food-contact"),
        ("certificate", "ISO 9001:2015 certificate", "iso-9001"),
    ), False, 8, video=0.02),
    Segment("Office supplies", "OFF", OFFICE, (
        Brand("Papyra", "Papyra", "FI", "641", ("Papyra Office", "Papyra Premium"), _mpn_digits, 1.0),
        Brand("Scriba", "Officio Group", "DE", "412", ("Scriba", "Scriba Pro"), _mpn_code_digits, 1.1),
        Brand("Officio", "Officio Group", "IT", "809", ("Ufficio", "Executive"), _mpn_dotted, 1.0, weight=3),
        Brand("Foldex", "Foldex", "CZ", "858", ("Foldex", "Foldex Color"), _mpn_slashed, 0.85),
        Brand("Notara", "Notara", "JP", "453", ("Notara", "Notara Neo"), _mpn_code_digits, 1.2),
        Brand("Cellix", "Cellix", "CN", "695", ("Power", "Ultra"), _mpn_model, 0.8),
    ), ("CN", "DE", "PL", "CZ"), (
        ("certificate", "FSC chain-of-custody certificate", "fsc"), ("certificate", "EU Ecolabel licence", "eu-ecolabel"),
        ("certificate", "Blue Angel certificate", "blue-angel"),
    ), False, 9),
)


# -- derived lookup tables ----------------------------------------------------------------
def _pool(items: tuple[Any, ...], weight: Callable[[Any], int]) -> tuple[Any, ...]:
    """Weighted choice by repetition: indexing it with random() is the cheapest weighted draw."""
    return tuple(x for x in items for _ in range(weight(x)))


_SEGMENT_POOL = _pool(SEGMENTS, lambda s: s.weight)
_LEAF_POOLS = {s.prefix: _pool(s.leaves, lambda leaf: leaf.weight_in_pool) for s in SEGMENTS}
_BRAND_POOLS = {s.prefix: _pool(s.brands, lambda b: b.weight) for s in SEGMENTS}

_COLOR_CODES = {"black": "BK", "white": "WH", "blue": "BL", "red": "RD", "yellow": "YE", "green": "GN",
                "grey": "GY", "orange": "OR", "silver": "SI", "transparent": "TR", "brown": "BR",
                "natural": "NT", "clear": "CL", "alpine white": "AW", "anthracite": "AN", "aluminium": "AL",
                "cream": "CR", "chrome": "CH", "matt black": "MB", "brushed steel": "BS", "violet": "VI",
                "amber": "AM", "mirrored": "MI", "pink": "PK", "pastel mix": "PM", "neon mix": "NM",
                "multicolour": "MC", "gold": "GD", "copper": "CU", "teal": "TL"}
_STD_DIGITS = {  # "DIN 933" -> "933": some manufacturers build part numbers from the standard
    std: "".join(c for c in std.split("-")[0] if c.isdigit())[:5]
    for seg in SEGMENTS for leaf in seg.leaves for std in leaf.standards
}


_TITLE_ONLY = frozenset({"mat_title", "helmet_option"})
"""Template helpers that shape a title but are no product attribute."""


def _extra_keys() -> list[str]:
    keys: set[str] = {"standard"}
    for seg in SEGMENTS:
        for leaf in seg.leaves:
            keys.update(leaf.extras)
            for attrs in leaf.std_attrs.values():
                keys.update(attrs)
            for mat in leaf.materials:
                keys.update(mat.attrs)
            for series in leaf.series:
                for size in series:
                    keys.update(size.attrs)
    clash = keys & set(FIELD_NAMES)
    if clash:
        raise RuntimeError(f"sample attribute keys shadow catalog fields: {sorted(clash)}")
    return sorted(keys - _TITLE_ONLY)


EXTRA_COLUMNS: tuple[str, ...] = tuple(_extra_keys())
FLAT_COLUMNS: list[str] = [*FIELD_NAMES, *EXTRA_COLUMNS]
"""Columns of the CSV/XLSX form: every registry field, then one column per extra attribute."""


# -- the generator ------------------------------------------------------------------------
def _gtin13(body12: str) -> str:
    """Append the GS1 check digit: weights 1,3,1,... from the left of a 12-digit body."""
    total = sum(map(int, body12[0::2])) + 3 * sum(map(int, body12[1::2]))
    return body12 + str((10 - total % 10) % 10)


def _tidy(title: str) -> str:
    title = " ".join(title.split()).replace(" ,", ",").replace(",,", ",")
    return title.strip(" ,")


def _lower_first(text: str) -> str:
    return text[0].lower() + text[1:] if len(text) > 1 and text[1].islower() else text


class _Family:
    """What the members of a variant group share (a singleton is a group of one)."""

    __slots__ = ("start", "k", "seg", "leaf", "brand", "mat", "std", "axis", "sizes", "colors", "size",
                 "color", "pack", "attrs", "ctx", "title_prefix", "model", "fam", "country", "has_gtin",
                 "order_type", "description", "docs", "media", "price_factor", "pop_u", "stock_bias")
    start: int  # catalog index of the first member; its SKU is the group's parent_sku
    k: int  # members
    seg: Segment
    leaf: Leaf
    brand: Brand
    mat: Material
    std: str
    axis: str | None  # "size" or "color" when the members vary, else None
    sizes: tuple[Size, ...]
    colors: tuple[str, ...]
    size: Size
    color: str
    pack: int
    attrs: dict[str, Any]
    ctx: dict[str, Any]  # title template values
    title_prefix: str
    model: str
    fam: int  # family number that part numbers and file names are made from
    country: str
    has_gtin: bool
    order_type: str
    description: str
    docs: list[tuple[str, str, str]]  # kind, url, title
    media: list[tuple[str, str]]  # kind, url
    price_factor: float
    pop_u: float
    stock_bias: float


def _family(rng: random.Random, seed: int, start: int, k: int) -> _Family:
    """Draw what a group shares; ``k`` shrinks when the leaf has fewer sizes/colours."""
    rand = rng.random
    f = _Family()
    f.start = start
    f.seg = seg = _SEGMENT_POOL[int(rand() * len(_SEGMENT_POOL))]
    leaves, brands = _LEAF_POOLS[seg.prefix], _BRAND_POOLS[seg.prefix]
    f.leaf = leaf = leaves[int(rand() * len(leaves))]
    f.brand = brand = brands[int(rand() * len(brands))]
    f.mat = mat = leaf.materials[int(rand() * len(leaf.materials))]
    f.std = std = leaf.standards[int(rand() * len(leaf.standards))] if leaf.standards else ""
    series = leaf.series[int(rand() * len(leaf.series))]
    colors = leaf.colors
    f.axis = None
    f.k = 1
    if k > 1:
        axes = [a for a, ok in (("size", leaf.size_in_title and len(series) > 1),
                                ("color", leaf.color_in_title and len(colors) > 1)) if ok]
        if axes:
            f.axis = axes[int(rand() * len(axes))]
            if f.axis == "size":
                picks = sorted(rng.sample(range(len(series)), min(k, len(series))))
                f.sizes = tuple(series[p] for p in picks)
                f.k = len(picks)
            else:
                f.colors = tuple(rng.sample(colors, min(k, len(colors))))
                f.k = len(f.colors)
    f.size = series[int(rand() * len(series))]
    if colors:
        f.color = colors[int(rand() * len(colors))]
    else:
        f.color = brand.color if leaf.brand_color else mat.color
    f.pack = pack = leaf.packs[int(rand() * len(leaf.packs))]

    ctx = {key: values[int(rand() * len(values))] for key, values in leaf.extras.items()}
    if std:
        ctx["standard"] = std
        ctx.update(leaf.std_attrs.get(std, ()))
    ctx.update(mat.attrs)
    f.attrs = {key: v for key, v in ctx.items() if key not in _TITLE_ONLY}
    ctx.update(mat=mat.short, std=std, pack=pack, pcs=f", {pack} pcs" if pack > 1 else "",
               rolls=f", {pack} rolls" if pack > 1 else "", pairs=f", {pack} pairs" if pack > 1 else "")
    f.ctx = ctx

    line = brand.lines[int(rand() * len(brand.lines))]
    f.model = f"{line} {10 * (10 + int(rand() * 90))}" if seg.numbered_models else line
    # Many sellers lead with the brand, some with brand and model; most titles are generic.
    r = rand()
    f.title_prefix = "" if r < 0.6 else brand.name if r < 0.85 or not seg.numbered_models else f"{brand.name} {f.model}"
    f.fam = fam = (start * 387_420_489 + seed * 7919) % 1_000_003
    f.country = brand.country if rand() < 0.7 else seg.origins[int(rand() * len(seg.origins))]
    f.has_gtin = rand() < 0.95
    f.order_type = "stock" if rand() >= leaf.mto else ("MTO" if rand() < 0.7 else "ETO")
    f.price_factor = brand.price * (0.85 + 0.35 * rand())
    f.pop_u = rand()
    f.stock_bias = rand()
    f.description = _description(f, leaf.use[int(rand() * len(leaf.use))], int(rand() * 3))

    stem = f"{brand.slug}/{leaf.slug}-{fam:07d}"
    docs = []
    if rand() < 0.85:
        docs.append(("datasheet", f"{_CDN}/docs/{stem}-datasheet.pdf", f"Datasheet {brand.name} {leaf.title_noun}"))
    if seg.manual and rand() < seg.manual:
        docs.append(("manual", f"{_CDN}/docs/{stem}-manual.pdf", "Operating instructions"))
    r = rand()
    if r < 0.45:
        for kind, title, slug in rng.sample(seg.certificates, 2 if r < 0.12 else 1):
            docs.append((kind, f"{_CDN}/certificates/{brand.slug}/{slug}.pdf", title))
    f.docs = docs
    media = []
    if rand() < seg.video:
        media.append(("video", f"{_CDN}/video/{stem}.mp4"))
    if rand() < seg.diagram:
        media.append(("diagram", f"{_CDN}/diagrams/{stem}.svg"))
    if rand() < seg.cad:
        media.append(("cad", f"{_CDN}/cad/{stem}"))  # completed per variant: one model per size
    f.media = media
    return f


def _description(f: _Family, use: str, style: int) -> str:
    """Three phrasings, so that descriptions are not all one template away from each other."""
    noun, comp, std, pack = f.leaf.title_noun, f.mat.composition, f.std, f.pack
    if style == 0:
        text = f"{noun} {use}. Made of {comp}."
        if std:
            text += f" Conforms to {std}."
    elif style == 1:
        text = f"{noun} made of {comp}, {use}."
        if std:
            text += f" Manufactured and tested to {std}."
        if pack > 1:
            text += f" Supplied in packs of {pack}."
    else:
        text = f"The {f.brand.name} {f.model} {_lower_first(noun)} is designed {use}. Material: {comp}."
        if std:
            text += f" Standard: {std}."
    return text


def _record(rng: random.Random, f: _Family, i: int, j: int, gtin_offset: int) -> dict[str, Any]:
    """Member ``j`` of family ``f`` at catalog index ``i``."""
    rand = rng.random
    leaf, seg, brand, mat = f.leaf, f.seg, f.brand, f.mat
    size = f.sizes[j] if f.axis == "size" else f.size
    color = f.colors[j] if f.axis == "color" else f.color
    pack = f.pack
    sku = f"{seg.prefix}-{i:06d}"

    attributes = dict(f.attrs)
    ctx = f.ctx
    if size.attrs:
        attributes.update(size.attrs)
        ctx.update(size.attrs)
    ctx["size"] = size.label
    ctx["color"] = color
    name = _tidy(leaf.template.format_map(ctx))
    if f.title_prefix:
        name = f"{f.title_prefix} {_lower_first(name)}"

    # Physical facts of one piece.
    scale = size.scale
    weight = float(f"{leaf.weight * scale * mat.weight * (0.97 + 0.06 * rand()):.3g}")
    if size.dims is not None:
        length, width, height = size.dims
    else:
        c = scale ** (1 / 3)
        length, width, height = leaf.dims
        length, width, height = length * c, width * c, height * c
    length, width, height = round(length, 1), round(width, 1), round(height, 1)

    price = (leaf.price * scale ** leaf.pexp * mat.price * f.price_factor
             * (1 - 0.05 * math.log10(pack)) * (0.98 + 0.04 * rand()))
    price = max(round(price, 2 if price >= 1 else 4), 0.0001)

    package_kg = weight * pack
    volume = max(length * width * height * leaf.packed_share * pack * 1.3, 240_000.0)
    per_pallet = int(min(1.152e9 / volume, 800.0 / max(package_kg, 0.001)))
    if per_pallet > 100:
        per_pallet -= per_pallet % 10
    elif per_pallet > 20:
        per_pallet -= per_pallet % 5
    per_pallet = max(per_pallet, 1)

    # Stock and delivery.
    if f.order_type == "stock":
        r = rand()
        if r < 0.05:
            stock = 0
        elif r < 0.13:
            stock = 1 + int(rand() * 9)
        else:
            stock = min(int(10 + 40 * rng.paretovariate(1.1) * (0.5 + f.stock_bias)), 250_000)
        availability = "out_of_stock" if stock == 0 else "low_stock" if stock < 10 else "in_stock"
        fulfilment = 7 + int(rand() * 15) if stock == 0 else (1 if rand() < 0.8 else 2)
    else:
        stock, availability = 0, "on_request"
        fulfilment = 10 + int(rand() * 21) if f.order_type == "MTO" else 20 + int(rand() * 41)
    base = fulfilment - 1
    bulky = package_kg > 31.5 or length > 1200
    methods: list[dict[str, Any]] = []
    express = not bulky and rand() < 0.5
    if not bulky:
        methods.append({"method": "parcel", "days": base + (2 if express else 1) + int(rand() * (2 if express else 3))})
    if bulky or package_kg > 15 or rand() < 0.08:
        methods.append({"method": "freight", "days": base + 2 + int(rand() * 4)})
    if express:
        methods.append({"method": "express", "days": base + 1})
    if rand() < 0.2:
        methods.append({"method": "pickup", "days": base + 1})
    if availability == "in_stock" and not bulky and rand() < 0.1:
        methods.append({"method": "same_day", "days": 0})
    delivery = min(m["days"] for m in methods)

    sz_code = size.code + (_COLOR_CODES.get(color) or color[:2].upper() if leaf.colors else "")
    mpn = brand.mpn(leaf.code, f.fam, sz_code or "0", mat.code, _STD_DIGITS.get(f.std, ""))
    gtin = _gtin13(f"{brand.gs1}{(i * 387_420_489 + gtin_offset) % 1_000_000_000:09d}") if f.has_gtin else None

    r = rand()
    n_images = 1 if r < 0.5 else 2 if r < 0.8 else 3
    stem = f"{_CDN}/img/{seg.slug}/{sku.lower()}-"
    images = [f"{stem}{n}.jpg" for n in range(1, n_images + 1)]
    media = [{"kind": kind, "url": f"{url}-{size.code.lower() or '0'}.step" if kind == "cad" else url,
              "title": None} for kind, url in f.media]

    grouped = f.k > 1
    return {
        "sku": sku,
        "parent_sku": f"{seg.prefix}-{f.start:06d}" if grouped else None,
        "name": name,
        "description": f.description,
        "brand": brand.name,
        "manufacturer": brand.manufacturer,
        "mpn": mpn,
        "gtin": gtin,
        "country_of_origin": f.country,
        "category": leaf.path,
        "color": color,
        "model": f.model,
        "material": mat.name,
        "composition": mat.composition,
        "weight_kg": weight,
        "length_mm": length,
        "width_mm": width,
        "height_mm": height,
        "pieces_per_package": pack,
        "packages_per_pallet": per_pallet,
        "price_per_piece": price,
        "price_per_package": round(price * pack, 2),
        "currency": "EUR",
        "shipping_methods": methods,
        "delivery_days": delivery,
        "fulfilment_days": fulfilment,
        "stock_level": stock,
        "availability": availability,
        "order_type": f.order_type,
        "popularity": round(100 * (0.75 * f.pop_u + 0.25 * rand()) ** 5, 2),
        "variant_attributes": ({"size": size.label} if f.axis == "size" else {"color": color}) if grouped else None,
        "documents": [{"kind": kind, "url": url, "title": title, "document_id": None}
                      for kind, url, title in f.docs],
        "images": images,
        "media": media,
        "attributes": attributes or None,  # as ingestion leaves a row without extra columns
    }


def generate_records(n: int, seed: int = 42) -> Iterator[dict[str, Any]]:
    """Yield ``n`` canonical records (see :mod:`catalog.store`).

    One RNG per block of :data:`BLOCK` indexes, consumed in index order: a record depends
    only on ``(seed, its index)`` because whatever ``n`` is, its block's stream is drawn in
    the same order up to it; and seeding 64 times less often is most of the speed.
    """
    if n < 0:
        raise InvalidInput(f"n must not be negative, not {n}", field="n")
    rng = random.Random()
    rand = rng.random
    gtin_offset = (seed * 2_654_435_761) % 1_000_000_000
    i = 0
    while i < n:
        block_start = i
        rng.seed(_key(seed, i // BLOCK))
        end = min(block_start + BLOCK, n)
        while i < end:
            k = _GROUP_SIZES[int(rand() * len(_GROUP_SIZES))] if rand() < _GROUP_START_P else 1
            fam = _family(rng, seed, i, min(k, block_start + BLOCK - i))
            for j in range(fam.k):
                if i == end:
                    break
                yield _record(rng, fam, i, j, gtin_offset)
                i += 1


# -- flat files ---------------------------------------------------------------------------
def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    return _num(value)


def _join_shipping(value: list[dict[str, Any]]) -> str:
    return LIST_SEPARATOR.join(m["method"] if m.get("days") is None else f"{m['method']}:{m['days']}"
                               for m in value)


def _join_variants(value: Mapping[str, Any]) -> str:
    return LIST_SEPARATOR.join(f"{k}={v}" for k, v in value.items())


def _local(value: list[dict[str, Any]]) -> bool:
    return any(not d["url"].startswith("https://") for d in value)


def _json_links(value: list[dict[str, Any]], default: str) -> str:
    """Links with titles, as a JSON list in one cell (what the sample's local files use)."""
    return orjson.dumps([{"kind": d.get("kind") or default, "title": d.get("title"),
                          "path": d["url"]} for d in value]).decode()


def _join_documents(value: list[dict[str, Any]]) -> str:
    if _local(value):
        return _json_links(value, "document")
    return LIST_SEPARATOR.join(f"{d.get('kind') or 'document'}:{d['url']}" for d in value)


def _join_media(value: list[dict[str, Any]]) -> str:
    if _local(value):
        return _json_links(value, "file")
    return LIST_SEPARATOR.join(f"{m.get('kind') or 'file'}:{m['url']}" for m in value)


def _join_list(value: Iterable[Any]) -> str:
    return LIST_SEPARATOR.join(map(str, value))


_JOINERS: dict[str, Callable[[Any], str]] = {
    "shipping_methods": _join_shipping, "variant_attributes": _join_variants,
    "documents": _join_documents, "images": _join_list, "media": _join_media,
}
_FIELD_JOINERS = [(FIELD_NAMES.index(name), join) for name, join in _JOINERS.items()]
_EXTRA_INDEX = {name: len(FIELD_NAMES) + k for k, name in enumerate(EXTRA_COLUMNS)}
_NUMBERS = (int, float)
_BLANK_TEXT: list[Any] = [""] * len(EXTRA_COLUMNS)
_BLANK_NONE: list[Any] = [None] * len(EXTRA_COLUMNS)


def _cells(record: Mapping[str, Any], text: bool) -> list[Any]:
    """The flat row as a list in :data:`FLAT_COLUMNS` order.

    Most of the ~120 columns are empty attribute columns, so the row starts blank and only
    present values are placed; with ``text=False`` numbers stay numbers (XLSX writes them as
    numbers) and missing values stay None.
    """
    get = record.get
    row = [get(name) for name in FIELD_NAMES]
    for pos, join in _FIELD_JOINERS:
        value = row[pos]
        if value is not None and not isinstance(value, str):
            row[pos] = join(value) or None
    if text:
        row = [v if type(v) is str else "" if v is None else _num(v) if type(v) in _NUMBERS else _text(v)
               for v in row]
        row += _BLANK_TEXT
    else:
        row += _BLANK_NONE
    for key, value in (get("attributes") or {}).items():
        col = _EXTRA_INDEX.get(key)
        if col is not None and value is not None:
            if isinstance(value, list | tuple):
                value = _join_list(value)
            row[col] = value if not text or type(value) is str else _text(value)
    return row


def to_flat_row(record: Mapping[str, Any]) -> dict[str, str]:
    """The CSV/XLSX form of a record: one string per :data:`FLAT_COLUMNS` entry, lists joined
    by "|", "" for missing values; attributes without a column are left out."""
    return dict(zip(FLAT_COLUMNS, _cells(record, text=True), strict=True))


def files_dir(path: Path | str) -> Path:
    """Where :func:`write_catalog` puts a catalog's documents and images."""
    path = Path(path)
    return path.parent / f"{path.stem}-files"


def write_catalog(path: Path | str, n: int, seed: int = 42,
                  progress: Callable[[int], None] | None = None, *, files: bool = False,
                  files_written: dict[str, int] | None = None) -> int:
    """Write a sample catalog as .csv, .jsonl or .xlsx (by suffix), streaming; returns rows.

    ``progress`` is called with the running row count every 10,000 rows and at the end.
    The file appears only when complete (written beside it, then renamed), so an interrupted
    run never leaves a plausible-looking truncated catalog behind.

    ``files``: also write PDF datasheets, certificates, HTML and text documents, one scanned
    PDF, photos and drawings for every 50th product (at most 400) into :func:`files_dir` and
    link them from those rows (``catalog.sample_files``); ``files_written`` receives the counts.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    writers = {".csv": _write_csv, ".jsonl": _write_jsonl, ".xlsx": _write_xlsx}
    writer = writers.get(suffix)
    if writer is None:
        raise InvalidInput(f"cannot write a catalog as {suffix or 'a file without suffix'!r}: "
                           "use .csv, .jsonl or .xlsx", field="path")
    if suffix == ".xlsx" and n > _XLSX_MAX_ROWS:
        raise InvalidInput(f"an .xlsx sheet holds at most {_XLSX_MAX_ROWS:,} rows, not {n:,}: "
                           "use .csv or .jsonl", field="n")
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.part")
    records = generate_records(n, seed)
    if files:
        from catalog.sample_files import SampleFiles

        attach = SampleFiles(files_dir(path), f"{files_dir(path).name}/")
        records = attach(records)
        if files_written is not None:
            files_written.update(attach.written)  # the same dict, filled as files are written
            attach.written = files_written
    try:
        rows = writer(partial, records, progress)
        partial.replace(path)
    finally:
        partial.unlink(missing_ok=True)
    if progress is not None and (rows == 0 or rows % _PROGRESS_EVERY):
        progress(rows)
    return rows


def _tick(progress: Callable[[int], None] | None, rows: int) -> None:
    if progress is not None and rows % _PROGRESS_EVERY == 0:
        progress(rows)


def _write_csv(path: Path, records: Iterator[dict[str, Any]],
               progress: Callable[[int], None] | None) -> int:
    rows = 0
    with path.open("w", encoding="utf-8", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(FLAT_COLUMNS)
        for record in records:
            out.writerow(_cells(record, text=True))
            rows += 1
            _tick(progress, rows)
    return rows


def _write_jsonl(path: Path, records: Iterator[dict[str, Any]],
                 progress: Callable[[int], None] | None) -> int:
    rows = 0
    with path.open("wb") as fh:
        for record in records:
            fh.write(orjson.dumps(record, option=orjson.OPT_APPEND_NEWLINE))
            rows += 1
            _tick(progress, rows)
    return rows


def _write_xlsx(path: Path, records: Iterator[dict[str, Any]],
                progress: Callable[[int], None] | None) -> int:
    import xlsxwriter

    rows = 0
    # Cells are data, never formulas or hyperlinks (Excel caps a sheet at 65,530 links).
    workbook = xlsxwriter.Workbook(str(path), {"constant_memory": True, "strings_to_numbers": False,
                                               "strings_to_formulas": False, "strings_to_urls": False})
    try:
        sheet = workbook.add_worksheet("Products")
        sheet.write_row(0, 0, FLAT_COLUMNS)
        for record in records:
            rows += 1
            sheet.write_row(rows, 0, _cells(record, text=False))
            _tick(progress, rows)
    finally:
        workbook.close()
    return rows
