"""Request bodies of the order endpoints; values are checked by the service (400 naming the
field), a body of the wrong shape is a 422."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class LineIn(_Body):
    sku: str = Field(max_length=64)
    qty: int


class OrderIn(_Body):
    """From a cart (``cart_id``) or from explicit ``lines``; ``currency`` of the prices,
    ``country`` for VAT (gross amounts), ``department_id`` the ordering department."""

    cart_id: int | None = None
    lines: list[LineIn] | None = Field(None, max_length=1000)
    currency: str = "EUR"
    country: str | None = None
    department_id: int | None = None
    note: str | None = Field(None, max_length=2000)


class LinesPatch(_Body):
    """Quantities to set: 0 removes a line, a SKU not in the order adds one."""

    lines: list[LineIn] = Field(max_length=1000)
    reason: str | None = Field(None, max_length=2000)


class ReasonIn(_Body):
    reason: str | None = Field(None, max_length=2000)


class StatusIn(_Body):
    status: str
    reason: str | None = Field(None, max_length=2000)
