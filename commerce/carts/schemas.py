"""Request bodies of the cart and saved-list endpoints. Quantities and SKUs are taken loosely
and checked by the service, which names the offending field in a 400; a body of the wrong
shape (unknown fields, a list where an object belongs) is a 422."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CartIn(_Body):
    name: Any = None


class LineIn(_Body):
    sku: Any = None
    qty: Any = 1
    note: Any = None


class SearchLineIn(_Body):
    """A product picked from a search result; ``search_id`` ties the line to that search."""

    sku: Any = None
    qty: Any = 1
    search_id: Any = None
    note: Any = None


class FromListIn(_Body):
    list_id: Any = None
    skus: list[str] | None = None


class LinePatch(_Body):
    qty: Any = None
    note: Any = None


class ShareIn(_Body):
    access: Any = "read"


class SavedListIn(_Body):
    name: Any = None
    shared: bool = False
    lines: list[dict[str, Any]] | None = None


class SavedListPatch(_Body):
    name: Any = None
    shared: bool | None = None
    lines: list[dict[str, Any]] | None = None
