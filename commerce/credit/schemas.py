"""Request bodies of the credit endpoints. Values are taken loosely and checked by the
service, which names the offending field in a 400; a body of the wrong shape (unknown fields)
is a 422."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict

Number = str | int | float


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class TermsIn(_Body):
    """``mode``: ``prepayment`` or ``trade_credit``; for trade credit ``limit`` (a decimal in
    ``currency``), ``term_days`` and ``limit_scope`` (``per_order`` or ``outstanding``)."""

    mode: Any
    limit: Number | None = None
    currency: Any = None
    term_days: Any = None
    limit_scope: Any = None


class PaymentIn(_Body):
    order_id: int
    amount: Number
    paid_at: str | None = None  # ISO 8601; default: now
