"""The product attribute registry: one place that says what every catalog field is.

Ingestion validates against it, the store has a column for each, the search index
derives its schema from it, and the search API checks filter and facet names
against it (an unknown field is a 400 that names it).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Kind = Literal["keyword", "text", "float", "int", "list", "map", "path"]
FacetKind = Literal["terms", "range", "hierarchy"]

CATEGORY_SEPARATOR = " > "
LIST_SEPARATOR = "|"

AVAILABILITY = ("in_stock", "low_stock", "on_request", "out_of_stock")
"""Availability classes, best first; sorting by availability follows this order."""

ORDER_TYPES = ("stock", "MTO", "ETO")
"""Stock item, made-to-order, engineered-to-order."""


@dataclass(frozen=True)
class FieldSpec:
    name: str
    kind: Kind
    label: str
    required: bool = False
    facet: FacetKind | None = None
    sortable: bool = False
    unit: str | None = None  # canonical unit the store keeps: "kg" or "mm"
    max_length: int = 500
    ranges: tuple[float, ...] = field(default=())  # bucket edges of a range facet
    choices: tuple[str, ...] = field(default=())

    @property
    def filterable(self) -> bool:
        return self.facet is not None or self.kind in ("keyword",)

    @property
    def numeric(self) -> bool:
        return self.kind in ("float", "int")


FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec("sku", "keyword", "SKU", required=True, max_length=64),
    FieldSpec("parent_sku", "keyword", "Variant group", max_length=64),
    FieldSpec("name", "text", "Name", required=True, max_length=300),
    FieldSpec("description", "text", "Description", max_length=20_000),
    FieldSpec("brand", "keyword", "Brand", facet="terms", max_length=120),
    FieldSpec("manufacturer", "keyword", "Manufacturer", facet="terms", max_length=120),
    FieldSpec("mpn", "keyword", "Manufacturer part number", max_length=64),
    FieldSpec("gtin", "keyword", "GTIN/EAN", max_length=14),
    FieldSpec("country_of_origin", "keyword", "Country of origin", facet="terms", max_length=2),
    FieldSpec("category", "path", "Category", facet="hierarchy", max_length=300),
    FieldSpec("color", "keyword", "Colour", facet="terms", max_length=60),
    FieldSpec("model", "keyword", "Model", facet="terms", max_length=120),
    FieldSpec("material", "keyword", "Material", facet="terms", max_length=120),
    FieldSpec("composition", "keyword", "Composition", facet="terms", max_length=200),
    FieldSpec("weight_kg", "float", "Weight", facet="range", unit="kg",
              ranges=(0.1, 0.5, 1, 5, 25)),
    FieldSpec("length_mm", "float", "Length", facet="range", unit="mm",
              ranges=(10, 50, 100, 500, 1000)),
    FieldSpec("width_mm", "float", "Width", facet="range", unit="mm",
              ranges=(10, 50, 100, 500, 1000)),
    FieldSpec("height_mm", "float", "Height", facet="range", unit="mm",
              ranges=(10, 50, 100, 500, 1000)),
    FieldSpec("pieces_per_package", "int", "Pieces per package", facet="range",
              ranges=(2, 10, 50, 100, 500)),
    FieldSpec("packages_per_pallet", "int", "Packages per pallet", facet="range",
              ranges=(10, 50, 100, 500)),
    FieldSpec("price_per_piece", "float", "Net price per piece", facet="range", sortable=True,
              ranges=(1, 5, 10, 50, 100, 500)),
    FieldSpec("price_per_package", "float", "Net price per package", facet="range",
              ranges=(10, 50, 100, 500, 1000)),
    FieldSpec("currency", "keyword", "Currency", facet="terms", max_length=3),
    FieldSpec("shipping_methods", "list", "Shipping methods", facet="terms", max_length=500),
    FieldSpec("delivery_days", "int", "Delivery time (days)", facet="range", sortable=True,
              ranges=(1, 2, 3, 5, 10)),
    FieldSpec("fulfilment_days", "int", "Fulfilment time (days)", facet="range",
              ranges=(1, 3, 7, 14, 30)),
    FieldSpec("stock_level", "int", "Stock level", facet="range", ranges=(1, 10, 100, 1000)),
    FieldSpec("availability", "keyword", "Availability", facet="terms", sortable=True,
              choices=AVAILABILITY, max_length=20),
    FieldSpec("order_type", "keyword", "Order type", facet="terms", choices=ORDER_TYPES,
              max_length=10),
    FieldSpec("popularity", "float", "Popularity", sortable=True),
    FieldSpec("variant_attributes", "map", "Variant attributes", max_length=500),
    FieldSpec("documents", "list", "Documents", max_length=4_000),
    FieldSpec("images", "list", "Images", max_length=4_000),
    FieldSpec("media", "list", "Videos, diagrams, CAD files", max_length=4_000),
)

BY_NAME: dict[str, FieldSpec] = {f.name: f for f in FIELDS}
FIELD_NAMES: tuple[str, ...] = tuple(BY_NAME)
FACETABLE: tuple[str, ...] = tuple(f.name for f in FIELDS if f.facet)
FILTERABLE: tuple[str, ...] = tuple(f.name for f in FIELDS if f.filterable)
SORTABLE: tuple[str, ...] = tuple(f.name for f in FIELDS if f.sortable)
RANGE_FIELDS: tuple[str, ...] = tuple(f.name for f in FIELDS if f.facet == "range")

DEFAULT_FACETS: tuple[str, ...] = (
    "category", "brand", "material", "color", "availability", "order_type",
    "price_per_piece", "delivery_days",
)


def category_levels(path: str | None) -> list[str]:
    """'A > B > C' -> ['A', 'A > B', 'A > B > C'] (each level as its full path)."""
    if not path:
        return []
    parts = [p.strip() for p in path.split(CATEGORY_SEPARATOR.strip()) if p.strip()]
    return [CATEGORY_SEPARATOR.join(parts[: i + 1]) for i in range(len(parts))]


def availability_rank(value: str | None) -> int:
    try:
        return AVAILABILITY.index(value or "")
    except ValueError:
        return len(AVAILABILITY)
