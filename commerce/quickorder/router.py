"""``/v1/carts/{cart_id}/quick-order`` and ``/v1/carts/{cart_id}/import``: pasted lines and
uploaded shopping lists into a cart (W2)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["carts"])
