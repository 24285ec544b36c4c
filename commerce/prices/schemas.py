"""Request bodies of the price endpoints. Amounts, dates and codes are taken loosely (strings
or numbers) and checked by the service, which names the offending field in a 400; a body of
the wrong shape (unknown fields, a list where an object belongs) is a 422."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

Number = str | int | float


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class LineIn(_Body):
    sku: str = Field(max_length=64)
    min_qty: int = 1
    unit_price: Number


class PriceListIn(_Body):
    name: str = Field(max_length=200)
    kind: str
    currency: str
    customer_group: str | None = None
    company_id: int | None = None
    priority: int = 0
    valid_from: str | None = None
    valid_to: str | None = None
    lines: list[dict[str, Any]] = Field(default_factory=list)


class PriceListPatch(_Body):
    name: str | None = Field(None, max_length=200)
    currency: str | None = None
    customer_group: str | None = None
    company_id: int | None = None
    priority: int | None = None
    valid_from: str | None = None
    valid_to: str | None = None


class LinesIn(_Body):
    lines: list[dict[str, Any]]


class DiscountIn(_Body):
    name: str = Field(max_length=200)
    kind: str
    value: Number
    currency: str | None = None
    target_kind: str
    target: str = Field(max_length=300)
    customer_group: str | None = None
    company_id: int | None = None
    valid_from: str | None = None
    valid_to: str | None = None


class DiscountPatch(_Body):
    name: str | None = Field(None, max_length=200)
    kind: str | None = None
    value: Number | None = None
    currency: str | None = None
    target_kind: str | None = None
    target: str | None = Field(None, max_length=300)
    customer_group: str | None = None
    company_id: int | None = None
    valid_from: str | None = None
    valid_to: str | None = None


class TaxRateIn(_Body):
    rate: Number


class TaxClassIn(_Body):
    tax_class: str | None = None


class QuoteItem(_Body):
    sku: str = Field(max_length=64)
    qty: int = 1


class QuoteIn(_Body):
    items: list[QuoteItem] = Field(max_length=1000)
    currency: str
    country: str | None = None
    company_id: int | None = None
    at: str | None = None
