"""The Algolia search protocol (InstantSearch compatibility). Filled in by issue 5."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["instantsearch"])
