"""The storefront page, widgets, InstantSearch page and console (built front-end assets)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(include_in_schema=False)
