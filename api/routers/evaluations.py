"""Evaluations of two configurations on an uploaded judged set. Filled in by issue 5."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/v1/evaluations", tags=["evaluations"])
