"""Console login for staff users. Filled in by issue 5."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/v1/auth", tags=["auth"])
